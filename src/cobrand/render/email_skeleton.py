"""E-mail skeletons: a post's HTML e-mail made once with stand-ins for partner values, then filled per partner.

Every partner's e-mail of one post runs the same costly steps (the body made
e-mail-safe with lxml, Jinja2, css-inline) on inputs that differ only in
partner values: names, contacts, colours, tracked links, the values of the
post's tokens. So the steps run once with each such value replaced by a
stand-in (a private-use marker, ``\\ue000<n>\\ue001``, refused in every input),
and the result is kept as a skeleton: literal text between markers, each
marker with the escaping of the place it ended in (HTML text, attribute,
CSS). Another partner's e-mail is the skeleton joined with its own values,
escaped for those places.

What a skeleton stands on is checked for each partner before it is filled:

* the template's context is handed to Jinja2 wrapped (:class:`_Probe`): a
  string can only be printed (autoescaped) or tested for truth, anything
  else (a filter, a comparison, ``str()``) raises and that value becomes an
  exact one (:data:`_Misuse`), part of the skeleton's guards like every
  number, None, list or markup the template read;
* the body is the post's own token segments (models.Templated) with each
  token a marker; a partner's filled segments must join to the body it
  really has (a renamed heading id does not: that e-mail is made in full);
* a link in the body is a marker for the partner's tracked address; which
  links a partner drops, and which image file a body image is, are guards;
* markers must land where escaping is a plain function of the value: HTML
  text and quoted attribute values (never a tag, a comment, a script, an
  entity being written, a link's ``href`` in the body, a player's label),
  colours in CSS. css-inline must keep every marker. Values must be
  non-empty text without control characters or markers, and colours
  ``#hex``; a partner value that is not, gets its e-mail made in full.

A skeleton is checked against the full renderer when made (its creator's
values) and the first time it serves another partner; a difference retires
it and every e-mail of its post is then made in full. ``COBRAND_RENDER=verify``
makes every e-mail both ways (render/newsletter.py).

Module over the usual length: the HTML scanner, the probe and the skeleton
are one mechanism, checked together by tests/build/test_email_skeleton.py.
"""

from __future__ import annotations

import collections
import dataclasses
import html
import re
import secrets
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from jinja2 import Environment, Undefined, meta, nodes
from markupsafe import Markup

OPEN, CLOSE = "\ue000", "\ue001"
MARKER = re.compile("\ue000([0-9]+)\ue001")
_MARK_CHARS = re.compile("[\ue000\ue001]")
COLOUR = re.compile("#[0-9A-Fa-f]{3,8}")
# What libxml2 writes unchanged in href and src (xmlURIEscapeStr with htmlAttrDumpOutput's list, less < >).
URI_KEPT = re.compile(r"[A-Za-z0-9\-_.!~*'()@/:=?;#%&,+]+")
# The body's literal text right before a marker must not be an entity being written ("&am" + "p;").
_OPEN_ENTITY = re.compile("&[#A-Za-z0-9]*$")
# Elements whose text the HTML serializer writes raw, or the parser reads raw.
_RAW = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"})
_RCDATA = frozenset({"title", "textarea"})
# Body elements whose text or attributes email_body reads rather than copies (players, forms).
_BODY_READ = frozenset({"iframe", "form", "fieldset", "input", "button", "select", "option", "textarea", "label",
                        "legend", "script", "style"})
_BODY_ATTRIBUTES = frozenset({"alt", "title", "id", "aria-label"})  # copied as they are by email_body
MAX_SHAPES = 64  # skeletons kept per post and locale; beyond, e-mails are made in full
MAX_RETRIES = 32  # exact values learned in one probe


class Unsafe(Exception):
    """The e-mail cannot be made from a skeleton: it is made in full."""


class _Misuse(Unsafe):
    """The template used a stand-in other than by printing it: that value must be exact."""

    def __init__(self, path: tuple[str, ...]) -> None:
        super().__init__("/".join(path))
        self.path = path


def marker(index: int) -> str:
    """The stand-in text of atom ``index``."""
    return f"{OPEN}{index}{CLOSE}"


def text_escape(value: str) -> str:
    """``value`` as css-inline's serializer writes text (html5ever: & < > and no-break space)."""
    return value.replace("&", "&amp;").replace("\u00a0", "&nbsp;").replace("<", "&lt;").replace(">", "&gt;")


def attribute_escape(value: str) -> str:
    """``value`` as css-inline's serializer writes a double-quoted attribute value."""
    return value.replace("&", "&amp;").replace("\u00a0", "&nbsp;").replace('"', "&quot;")


def fragment_escape(value: str) -> str:
    """``value`` escaped for text or any quoted attribute of body HTML that is parsed again (the plain text)."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("'", "&#39;"))


_NOT_PLAIN = re.compile("[\x00-\x1f\x7f-\x9f\ue000\ue001]")  # control characters (Unicode's Cc) and markers


def plain_value(value: Any) -> bool:
    """A value a marker may stand for: non-empty text, no control character, no marker character."""
    return type(value) is str and value != "" and not _NOT_PLAIN.search(value)


# --- Where markers are in HTML ------------------------------------------------------------------------------

# A document as tokens: comments, declarations and processing instructions, tags (attribute values quoted
# or not), and text between. A tag is what an HTML tokenizer reads as one: "<" and an ASCII letter or "/".
_TOKENS = re.compile(r"""<!--.*?(?:-->|\Z)|<[!?][^>]*>?|<(/?)([A-Za-z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>?""",
                     re.DOTALL)
_ATTRIBUTE = re.compile(r"""([^\s/>=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?""")


def marker_places(document: str) -> list[tuple[int, str]]:
    """Each marker of ``document`` in order: its index and its place.

    Places: ``text``; ``attr:<name>`` (a quoted attribute value); ``raw:<element>`` (text of a raw or
    RCDATA element); ``entity`` (text right after an unfinished ``&...``); ``markup`` (a tag or attribute
    name, an unquoted value, a comment or a declaration). A plain scan suffices: the documents are
    serializer output or templates that quote their attributes, and any doubt is a place that fails.
    """
    places: list[tuple[int, str]] = []

    def note(segment: str, place: str) -> None:
        if OPEN not in segment:
            return
        for found in MARKER.finditer(segment):
            where = place
            before = _MARK_CHARS.sub("", segment[max(0, found.start() - 12):found.start()])
            if (place == "text" or place.startswith("attr:")) and _OPEN_ENTITY.search(before):
                where = "entity"
            places.append((int(found.group(1)), where))

    position, size = 0, len(document)
    while position < size:
        token = _TOKENS.search(document, position)
        if token is None:
            note(document[position:], "text")
            break
        note(document[position:token.start()], "text")
        position = token.end()
        name = token.group(2)
        if name is None:  # a comment or a declaration
            note(token.group(0), "markup")
            continue
        name = name.lower()
        note(name, "markup")
        attributes = token.group(3) or ""
        if OPEN in attributes:
            for attribute in _ATTRIBUTE.finditer(attributes):
                note(attribute.group(1), "markup")
                quoted = attribute.group(2) if attribute.group(2) is not None else attribute.group(3)
                if quoted is not None:
                    note(quoted, f"attr:{attribute.group(1).lower()}")
                else:
                    note(attribute.group(4) or "", "markup")
        if not token.group(1) and (name in _RAW or name in _RCDATA):
            end = document.lower().find(f"</{name}", position)
            end = size if end < 0 else end
            note(document[position:end], f"raw:{name}")
            position = end
    return places


# --- The probe: the template's context with stand-ins -------------------------------------------------------

_EXACT_TYPES = (int, float, bool, type(None))


@dataclasses.dataclass
class _Record:
    """What a probe run read: atoms (values that are markers) and guards (values that must be equal)."""

    atoms: list[tuple[Any, ...]] = dataclasses.field(default_factory=list)  # recipe by atom index
    index: dict[tuple[Any, ...], int] = dataclasses.field(default_factory=dict)
    guards: dict[tuple[Any, ...], Any] = dataclasses.field(default_factory=dict)  # recipe -> expected value

    def atom(self, recipe: tuple[Any, ...]) -> str:
        """The marker of ``recipe``'s value, numbered when first met."""
        found = self.index.get(recipe)
        if found is None:
            found = self.index[recipe] = len(self.atoms)
            self.atoms.append(recipe)
        return marker(found)


class _StandIn:
    """A partner's text (or whole number) in a probe run: it prints as a marker, is true, and refuses anything else.

    A number is printed as its digits, so it stands in as text does; asked anything (``== 1`` by a
    plural form, a hash by a cache) it becomes exact.
    """

    __slots__ = ("path", "record")

    def __init__(self, record: _Record, path: tuple[str, ...]) -> None:
        self.record = record
        self.path = path

    def __html__(self) -> str:
        return self.record.atom(("ctx", self.path))

    def __bool__(self) -> bool:
        return True  # a stand-in is only made for non-empty text (a guard says so)

    def __str__(self) -> str:
        raise _Misuse(self.path)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name.startswith("jinja_"):
            raise AttributeError(name)
        raise _Misuse(self.path)

    def _refuse(self, *_: Any) -> Any:
        raise _Misuse(self.path)

    __repr__ = __format__ = __len__ = __iter__ = __contains__ = __getitem__ = __call__ = __hash__ = _refuse
    __index__ = __int__ = __float__ = __neg__ = __pos__ = __abs__ = _refuse
    __sub__ = __rsub__ = __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __pow__ = _refuse
    __rmod__ = __rmul__ = __and__ = __or__ = __lt__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __add__ = __radd__ = __mod__ = __mul__ = _refuse


class _Probe:
    """A mapping or object of the context in a probe run: what the template reads of it is wrapped in turn."""

    __slots__ = ("env", "exact", "path", "record", "value")

    def __init__(self, env: Environment, record: _Record, exact: frozenset[tuple[str, ...]], path: tuple[str, ...],
                 value: Any) -> None:
        self.env, self.record, self.exact, self.path, self.value = env, record, exact, path, value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name.startswith("jinja_"):
            raise AttributeError(name)
        return wrap(self.env, self.record, self.exact, (*self.path, name), self.env.getattr(self.value, name))

    def __getitem__(self, key: Any) -> Any:
        if type(key) is not str:
            raise _Misuse(self.path)
        return wrap(self.env, self.record, self.exact, (*self.path, "[" + key), self.env.getitem(self.value, key))

    def _refuse(self, *_: Any) -> Any:
        raise _Misuse(self.path)

    __str__ = __repr__ = __html__ = __len__ = __iter__ = __contains__ = __call__ = __bool__ = _refuse
    __eq__ = __ne__ = _refuse
    __hash__ = None  # type: ignore[assignment]


def wrap(env: Environment, record: _Record, exact: frozenset[tuple[str, ...]], path: tuple[str, ...],
         value: Any) -> Any:
    """``value`` as a probe run hands it to the template: a stand-in, a probe, or itself (an exact guard)."""
    kind = type(value)
    if kind is int and value != 0 and path not in exact:  # 0 is false: exact, as empty text is
        record.guards[("ctx", path)] = _NUMBER
        return _StandIn(record, path)
    if path in exact or isinstance(value, (Markup, Undefined)) or kind in _EXACT_TYPES or kind in (list, tuple) \
            or (value == "" and kind is str):
        record.guards[("ctx", path)] = _exact(value)
        return value
    if kind is str:
        record.guards[("ctx", path)] = _TEXT
        return _StandIn(record, path)
    if isinstance(value, Mapping) or dataclasses.is_dataclass(value):
        return _Probe(env, record, exact, path, value)
    record.guards[("ctx", path)] = _exact(value)
    return value


_TEXT = object()  # the guard of a stand-in: the partner's value is non-empty text
_UNREAD = object()
_NUMBER = object()  # the guard of a number's stand-in: the partner's value is a non-zero int (never a bool)


def _exact(value: Any) -> Any:
    """What an exact guard compares: markup and undefined by their text and type, the rest as it is."""
    if isinstance(value, Undefined):
        return ("undefined",)
    if hasattr(value, "__html__") and not isinstance(value, Markup):
        return ("markup", type(value).__name__, value.__html__())
    if isinstance(value, Markup):
        return ("markup", "Markup", str(value))
    return (type(value).__name__, value)


def lookup(env: Environment, context: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """The value at ``path`` of a partner's real context, read as the template reads it (``[key]``: a subscript)."""
    value: Any = context[path[0]] if path[0] in context else env.undefined(name=path[0])
    for name in path[1:]:
        value = env.getitem(value, name[1:]) if name.startswith("[") else env.getattr(value, name)
    return value


# Filters, tests and globals that only print a value, escaped, or pass it on untouched: a stand-in may go
# through them. Any other one given a stand-in or a probe makes that value exact: ``is string`` or
# ``callable`` would answer for the stand-in, not for the partner's text.
PRINTING = frozenset({"e", "escape", "default", "d", "defined", "undefined", "none", "_", "gettext", "ngettext",
                      "pgettext", "npgettext"})


def _path_of(values: Any) -> tuple[str, ...] | None:
    for value in values:
        if isinstance(value, str) and (OPEN in value or CLOSE in value):
            raise Unsafe("text holding a partner value was handed to a filter, test or function")
        if type(value) in (_StandIn, _Probe):
            path: tuple[str, ...] = value.path
            return path
    return None


def _refusing(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        path = _path_of((*args, *kwargs.values()))
        if path is not None:
            raise _Misuse(path)
        return function(*args, **kwargs)

    for attribute in ("jinja_pass_arg",):  # how Jinja2 knows to pass the context or the environment
        if hasattr(function, attribute):
            setattr(call, attribute, getattr(function, attribute))
    return call


class probing:
    """The environment's filters, tests and callable globals, refusing stand-ins, for the length of a probe run."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.saved: tuple[Any, Any, dict[str, Any]] = (env.filters, env.tests, {})

    def __enter__(self) -> None:
        env = self.env
        env.filters = {name: function if name in PRINTING else _refusing(name, function)
                       for name, function in env.filters.items()}
        env.tests = {name: function if name in PRINTING else _refusing(name, function)  # type: ignore[arg-type]
                     for name, function in env.tests.items()}
        saved = self.saved[2]
        for name, value in list(env.globals.items()):  # in place: templates hold this dict
            if callable(value) and name not in PRINTING:
                saved[name] = value
                env.globals[name] = _refusing(name, value)

    def __exit__(self, *_: Any) -> None:
        self.env.filters, self.env.tests = self.saved[0], self.saved[1]
        self.env.globals.update(self.saved[2])


# --- Skeletons ----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Inputs:
    """One partner's inputs of one post's e-mail, for guards and atoms."""

    context: Mapping[str, Any]
    links: Any  # render.newsletter.Links
    segments: tuple[str, ...]  # the post body's token values, filled as the body has them
    raw_segments: tuple[str, ...]  # the same values as text (unescaped), what a marker stands for
    image: Callable[[str | None], Any]  # a body image's site path -> what the e-mail takes from its file (size)
    known: dict[tuple[str, str | None], Any] = dataclasses.field(default_factory=dict)  # links worked out
    read: dict[tuple[str, ...], Any] = dataclasses.field(default_factory=dict)  # context values read, by path

    def lookup(self, env: Environment, path: tuple[str, ...]) -> Any:
        """The value at ``path`` of the partner's context, as :func:`lookup` reads it; each prefix read once."""
        found = self.read.get(path, _UNREAD)
        if found is _UNREAD:
            if len(path) == 1:
                found = self.context[path[0]] if path[0] in self.context else env.undefined(name=path[0])
            else:
                parent, name = self.lookup(env, path[:-1]), path[-1]
                found = env.getitem(parent, name[1:]) if name.startswith("[") else env.getattr(parent, name)
            self.read[path] = found
        return found

    def href(self, source: str | None) -> str | None:
        """The partner's address of a body link (``None``: the post's own page), worked out once."""
        key = ("href", source)
        if key not in self.known:
            self.known[key] = self.links.href(self.links.page_url if source is None else source)
        return self.known[key]

    def absolute(self, source: str) -> str:
        """The partner's absolute address of a body image, worked out once."""
        key = ("absolute", source)
        if key not in self.known:
            self.known[key] = self.links.absolute(source)
        return self.known[key]


@dataclasses.dataclass
class Skeleton:
    """A post's HTML e-mail (and its e-mail-safe body) with markers, and what a partner must match to fill it."""

    creator: str
    atoms: list[tuple[Any, ...]]
    guards: list[tuple[tuple[Any, ...], Any]]
    parts: list[str]  # the e-mail's literal text around markers
    slots: list[tuple[int, Callable[[str], str]]]  # each marker's atom and escaping, in order
    body_parts: list[str]
    body_slots: list[tuple[int, Callable[[str], str]]]
    colours: frozenset[int]  # atoms written into CSS: colours only
    body_atoms: frozenset[int]  # atoms inside the body: whitespace as the parsers keep it
    urls: frozenset[int]  # atoms written by lxml into href or src: kept only if URI escaping leaves them alone
    exact_paths: frozenset[tuple[str, ...]]  # context paths the skeleton's run took as exact values
    checked: set[str] = dataclasses.field(default_factory=set)  # partners compared with the full renderer

    def values(self, env: Environment, inputs: Inputs) -> list[str] | None:
        """The partner's value of each atom, or None when a guard disagrees or a value cannot be a marker's."""
        for recipe, expected in self.guards:
            try:
                value = evaluate_guard(env, recipe, inputs)
            except (KeyError, IndexError):
                return None
            if expected is _TEXT:
                if type(value) is not str or value == "":
                    return None
            elif expected is _NUMBER:
                if type(value) is not int or value == 0:
                    return None
            elif (_exact(value) if recipe[0] == "ctx" else value) != expected:
                return None
        values = []
        for number, recipe in enumerate(self.atoms):
            value = evaluate(env, recipe, inputs)
            if type(value) is int:  # a number's stand-in: printed as its digits
                value = str(value)
            if not plain_value(value):
                raise Unsafe(f"a value of {recipe!r} cannot stand in a skeleton")
            if number in self.colours and not COLOUR.fullmatch(value):
                raise Unsafe(f"{recipe!r} is written into CSS and is not a #hex colour")
            if number in self.body_atoms and value != " ".join(value.split()):
                raise Unsafe(f"{recipe!r} has white space that the body's parsers would change")
            if number in self.urls and not URI_KEPT.fullmatch(value):
                raise Unsafe(f"{recipe!r} has characters lxml would percent-encode")
            values.append(value)
        return values

    def fill(self, values: list[str]) -> str:
        """The HTML e-mail with ``values``."""
        return _join(self.parts, self.slots, values)

    def body(self, values: list[str]) -> str:
        """The e-mail-safe body with ``values``, as HTML that parses to the body the full renderer makes."""
        return _join(self.body_parts, self.body_slots, values)


def _join(parts: list[str], slots: list[tuple[int, Callable[[str], str]]], values: list[str]) -> str:
    out = [parts[0]]
    for (index, escape), part in zip(slots, parts[1:], strict=True):
        out.append(escape(values[index]))
        out.append(part)
    return "".join(out)


def evaluate(env: Environment, recipe: tuple[Any, ...], inputs: Inputs) -> Any:
    """The partner's value of one recipe: a context path, a body token, a link or image of the body."""
    kind = recipe[0]
    if kind == "ctx":
        return inputs.lookup(env, recipe[1])
    if kind == "segment":
        return inputs.raw_segments[recipe[1]]
    if kind == "href":
        return inputs.href(recipe[1])
    if kind == "absolute":
        return inputs.absolute(recipe[1])
    if kind == "site_path":
        return inputs.links.site_path(inputs.absolute(recipe[1]))
    raise KeyError(kind)


class ProbeLinks:
    """The body's links in a probe run: every address a marker, what decides the body's shape a guard.

    lxml percent-encodes href and src values (libxml2's URI escaping), so their markers are ASCII:
    ``cbu<build token>x<n>x``, turned into ordinary markers once the body is written.
    """

    def __init__(self, record: _Record, links: Any, token: str, image: Callable[[str | None], Any]) -> None:
        self.record = record
        self.image = image
        self.real = links
        self.token = token
        self.page_url = f"cbp{token}"
        self.home_url = links.home_url
        self._absolute: dict[str, str] = {}
        self.urls: set[int] = set()

    def _marker(self, recipe: tuple[Any, ...]) -> str:
        index = int(self.record.atom(recipe)[1:-1])
        self.urls.add(index)
        return f"cbu{self.token}x{index}x"

    def href(self, url: str) -> str | None:
        """A marker for the partner's tracked address of ``url``; None (a guard) when it drops the link."""
        source = None if url == self.page_url else url
        if source is not None and (_MARK_CHARS.search(url) or self.token in url):
            raise Unsafe("a body link's address holds a partner value")
        dropped = self.real.href(self.real.page_url if source is None else source) is None
        self.record.guards[("href-dropped", source)] = dropped
        return None if dropped else self._marker(("href", source))

    def absolute(self, url: str) -> str:
        """A marker for the partner's absolute address of ``url`` (a body image)."""
        if _MARK_CHARS.search(url) or self.token in url:
            raise Unsafe("a body image's address holds a partner value")
        made = self._marker(("absolute", url))
        self._absolute[made] = url
        return made

    def site_path(self, url: str) -> str | None:
        """The site path of a marker made by :meth:`absolute`, for the partner (a guard)."""
        source = self._absolute.get(url)
        if source is None:
            raise Unsafe("a site path of an address that is not a body image's")
        path = self.real.site_path(self.real.absolute(source))
        self.record.guards[("site_path", source)] = (path, self.image(path))
        return path

    def written(self, body: str) -> str:
        """The written body with the ASCII markers made ordinary markers."""
        return re.sub(f"cbu{self.token}x([0-9]+)x", lambda found: marker(int(found.group(1))), body)


def evaluate_guard(env: Environment, recipe: tuple[Any, ...], inputs: Inputs) -> Any:
    """What a partner gives for a guard's recipe, in the form the guard keeps."""
    kind = recipe[0]
    if kind == "href-dropped":
        return inputs.href(recipe[1]) is None
    if kind == "site_path":
        path = evaluate(env, recipe, inputs)
        return (path, inputs.image(path))
    return inputs.lookup(env, recipe[1])


def check_body(masked: str) -> None:
    """Markers of the masked body may sit only in text and in attributes email_body copies; raise otherwise."""
    from lxml import html as lxml_html

    for _, place in marker_places(masked):
        if place != "text" and not (place.startswith("attr:") and place[5:] in _BODY_ATTRIBUTES):
            raise Unsafe(f"a token of the body is in {place}")
    root = lxml_html.fragment_fromstring(masked, create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            if _MARK_CHARS.search(element.text or ""):
                raise Unsafe("a token in a comment or processing instruction")
            continue
        own = [element.text or "", *element.attrib.values()]
        around = [element] if any(_MARK_CHARS.search(text) for text in own) else []
        if _MARK_CHARS.search(element.tail or ""):
            parent = element.getparent()
            around += [parent] if parent is not None else []
        for holder in around:
            for ancestor in (holder, *holder.iterancestors()):
                tag = ancestor.tag if isinstance(ancestor.tag, str) else ""
                if tag in _BODY_READ or (tag == "div" and (ancestor.get("data-embed") is not None
                                                            or "player" in (ancestor.get("class") or ""))):
                    raise Unsafe(f"a token inside <{tag}>, whose text the e-mail rewrites")
                if tag == "iframe" and ancestor.get("title") and _MARK_CHARS.search(ancestor.get("title")):
                    raise Unsafe("a token in an iframe title")


Slots = list[tuple[int, Callable[[str], str]]]


def split(document: str, places: list[tuple[int, str]],
          escapes: Callable[[str], Callable[[str], str] | None]) -> tuple[list[str], Slots]:
    """``document`` cut at its markers: literal parts, and each marker's atom with the escaping of its place."""
    pieces = MARKER.split(document)
    parts = pieces[0::2]
    slots = []
    for (index, place), written in zip(places, pieces[1::2], strict=True):
        assert int(written) == index
        escape = escapes(place)
        if escape is None:
            raise Unsafe(f"a marker in {place}")
        slots.append((index, escape))
    return parts, slots


def output_escape(place: str) -> Callable[[str], str] | None:
    """How a value is written at ``place`` of css-inline's output; None where it cannot be known."""
    if place in ("text", "raw:title", "raw:textarea"):
        return text_escape
    if place.startswith("attr:"):
        return attribute_escape
    return None


def fragment_place_escape(place: str) -> Callable[[str], str] | None:
    """How a value is written at ``place`` of the e-mail-safe body (lxml's output, parsed again)."""
    if place == "text" or place.startswith("attr:"):
        return fragment_escape
    return None


GETTEXT = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})


def template_names(env: Environment, name: str) -> frozenset[str]:
    """The context names a template can read; raises :class:`Unsafe` for a template a probe cannot follow.

    A stand-in refuses whatever is asked of it, but text that holds one (output captured by
    ``{% set %}``, a macro's, ``~``) is plain text: a template may only print it, or hand it to
    the theme's strings. Templates that include others, or have macros, call or filter blocks or
    ``~``, are made in full.
    """
    source = env.loader.get_source(env, name)[0] if env.loader is not None else ""
    tree = env.parse(source)
    if any(True for _ in meta.find_referenced_templates(tree)):
        raise Unsafe(f"{name} includes other templates")
    for node in tree.find_all((nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.Concat, nodes.Scope,
                               nodes.OverlayScope, nodes.ScopedEvalContextModifier)):
        raise Unsafe(f"{name} has {type(node).__name__} (line {node.lineno})")
    captured = set()
    for node in tree.find_all(nodes.AssignBlock):
        if not isinstance(node.target, nodes.Name):
            raise Unsafe(f"{name} captures output into more than a name (line {node.lineno})")
        captured.add(node.target.name)
    _captured_uses(tree, (), frozenset(captured), name)
    return frozenset(meta.find_undeclared_variables(tree))


def _captured_uses(node: nodes.Node, parents: tuple[nodes.Node, ...], captured: frozenset[str], name: str) -> None:
    """Raise :class:`Unsafe` where captured output is used other than printed or handed to the theme's strings."""
    if isinstance(node, nodes.Name) and node.ctx == "load" and node.name in captured:
        parent = parents[-1] if parents else None
        call = parents[-2] if isinstance(parent, nodes.Keyword) and len(parents) > 1 else parent
        printed = isinstance(parent, nodes.Output)
        translated = (isinstance(call, nodes.Call) and isinstance(call.node, nodes.Name) and call.node.name in GETTEXT
                      and (node in call.args or any(keyword.value is node for keyword in call.kwargs)))
        if not (printed or translated):
            raise Unsafe(f"{name} uses the captured {node.name} other than printing it (line {node.lineno})")
    for child in node.iter_child_nodes():
        _captured_uses(child, (*parents, node), captured, name)


def probe_context(env: Environment, record: _Record, exact: frozenset[tuple[str, ...]], names: frozenset[str],
                  context: Mapping[str, Any]) -> dict[str, Any]:
    """The template's context for a probe run: each name the template reads, wrapped."""
    probe = {}
    for name in names:
        if name in context:
            probe[name] = wrap(env, record, exact, (name,), context[name])
        else:  # a name the partner's context lacks: another's having it is a difference
            record.guards[("ctx", (name,))] = _exact(env.undefined(name=name))
    return probe


def html_unescape(text: str) -> str:
    """A body token's filled value as text (the filler escaped it with markupsafe; heading ids are as they are)."""
    return html.unescape(text)


_TEMPLATE_PLACES = ("text", "raw:style", "raw:title")  # and quoted attributes: where Jinja2's escaping is exact
_CSS = ("raw:style", "attr:style")


class EmailSkeletons:
    """The HTML e-mails' skeletons of one build process, by post and locale, and what was learned making them."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(8)  # in the body's link markers; never in the output
        self.shapes: dict[Hashable, list[Skeleton]] = {}
        self.retired: set[Hashable] = set()
        self.exact: dict[str, frozenset[tuple[str, ...]]] = {}  # by template: paths the template does more than print
        self.names: dict[str, frozenset[str] | Unsafe] = {}  # what each template reads, or why it is refused
        self.counts = {"filled": 0, "made": 0, "full": 0, "retired": 0}  # for benchmarks and tests
        self.max_shapes = MAX_SHAPES

    def make(self, env: Environment, template: str, inputs: Inputs, body: Sequence[str | int],
             body_html: Callable[[str, Any, str], Markup], inline: Callable[[str], str], creator: str) -> Skeleton:
        """A skeleton of ``template`` made from one partner's inputs (its values give the stand-ins' shapes).

        ``inputs`` are the partner's (:class:`Inputs`); ``body`` is the post body's literal parts and, as
        numbers, its tokens; ``body_html(body, links, fallback_alt)`` makes a body e-mail-safe, ``inline``
        moves the stylesheet into the e-mail. Raises :class:`Unsafe` when a marker lands where its
        value's escaping is not known.
        """
        if template not in self.names:
            try:
                self.names[template] = template_names(env, template)
            except Unsafe as refused:  # kept: the template is not read again for every post
                self.names[template] = refused
        names = self.names[template]
        if isinstance(names, Unsafe):
            raise Unsafe(str(names))
        for _ in range(MAX_RETRIES):
            exact = self.exact.get(template, frozenset())
            try:
                return self._probe(env, template, exact, inputs, body, body_html, inline, creator)
            except _Misuse as misuse:
                if misuse.path in exact:
                    raise Unsafe(f"{'/'.join(misuse.path)} is misused though exact") from None
                self.exact[template] = exact | {misuse.path}
        raise Unsafe("too many exact values")

    def _probe(self, env: Environment, template: str, exact: frozenset[tuple[str, ...]], inputs: Inputs,
               body: Sequence[str | int], body_html: Callable[[str, Any, str], Markup], inline: Callable[[str], str],
               creator: str) -> Skeleton:
        context = inputs.context
        record = _Record()
        masked = "".join(part if isinstance(part, str) else record.atom(("segment", part)) for part in body)
        body_atoms = frozenset(range(len(record.atoms)))
        if self.token in masked:
            raise Unsafe("the body holds the build's marker token")
        check_body(masked)
        title_path = ("item", "title")
        title = lookup(env, context, title_path)
        if title_path in exact or not plain_value(title):
            record.guards[("ctx", title_path)] = _exact(title)
            fallback = str(title)
        else:
            record.guards[("ctx", title_path)] = _TEXT
            fallback = record.atom(("ctx", title_path))
        probe_links = ProbeLinks(record, inputs.links, self.token, inputs.image)
        written = probe_links.written(str(body_html(masked, probe_links, fallback)))
        if self.token in written:
            raise Unsafe("a link marker was changed in the body")
        body_parts, body_slots = split(written, marker_places(written), fragment_place_escape)
        names = self.names[template]
        assert not isinstance(names, Unsafe)
        probe = probe_context(env, record, exact, names - {"body"}, context)
        probe["body"] = Markup(written)
        with probing(env):
            document = env.get_template(template).render(probe)
        in_template = marker_places(document)
        for _, place in in_template:
            if place not in _TEMPLATE_PLACES and not place.startswith("attr:"):
                raise Unsafe(f"a partner value in {place} of the template's output")
        out = inline(document)
        in_output = marker_places(out)
        if out.count(OPEN) != len(in_output) or out.count(CLOSE) != len(in_output):
            raise Unsafe("css-inline changed a marker")
        css_in = {index for index, place in in_template if place in _CSS}
        css_out = {index for index, place in in_output if place == "attr:style"}
        for index in sorted(css_in):  # fonts, directions: CSS that is not a colour is an exact value
            recipe = record.atoms[index]
            if recipe[0] != "ctx":
                raise Unsafe(f"{recipe!r} is written into CSS")
            if not COLOUR.fullmatch(str(lookup(env, context, recipe[1]))):
                raise _Misuse(recipe[1])
        if not css_out <= css_in:
            raise Unsafe("a value came into a style attribute from outside the stylesheet")
        if (collections.Counter(index for index, place in in_template if place not in _CSS)
                != collections.Counter(index for index, place in in_output if place != "attr:style")):
            raise Unsafe("css-inline dropped or repeated a partner value")
        parts, slots = split(out, in_output, output_escape)
        return Skeleton(creator, list(record.atoms), list(record.guards.items()), parts, slots, body_parts,
                        body_slots, frozenset(css_in), body_atoms, frozenset(probe_links.urls), exact)
