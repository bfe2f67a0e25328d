"""Page skeletons: run a page's template once per shape, then fill in each partner's values.

A thousand partners' copies of one post differ only in partner values (name,
links, colours, lockup sizes) and in what those values decide (a phone
number shown or not). So the template runs once with every partner value
replaced by a slot (render/engine/slots.py) that prints as a marker and records
what the template asked of it. The run leaves a skeleton: the page's text
around its markers, the guards (each question asked of a partner value, with
the answer that decided the run) and a recipe for every value.

Each skeleton is compiled to a Python function that, for another partner,
works out the values the guards need, checks every answer, and when all
agree (the template would run exactly the same way) joins the text with
that partner's values, escaped as the template escapes them. A partner whose
answers differ gets a skeleton of its own; a page reaches its skeleton by
trying the few its template has made for the same page and language.

Anything a skeleton cannot replay (a partner value turned into plain text,
hashed, or handed to code that reads the template context) fails the run,
and every partner that takes the same path gets the page rendered in full.
The first time a partner other than the one it was made for uses a
skeleton, its page is also rendered in full and compared; a difference
retires that skeleton. Only partner values are slots: the names in
:data:`CONSTANT_NAMES`, the page's path and the theme's strings are part of
a skeleton's key.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from jinja2 import Environment, Undefined
from markupsafe import Markup

from .reads import recording, replay
from .slots import MARK, Guard, Recipe, Ref, SkeletonEnvironment, Trace, fill_markers, printed

# Context names whose values are the same for every partner (the project's).
CONSTANT_NAMES = frozenset({"vendor", "build_date", "preview"})

_FULL = object()  # what a skeleton of a failed run returns: this path renders in full


class _NoMatch(Exception):
    """A value the skeleton reads is missing for this partner."""


def _checked(value: Any) -> Any:
    if isinstance(value, Undefined):
        raise _NoMatch
    return value


class _Skeleton:
    """One compiled skeleton and what is known of it."""

    __slots__ = ("creator", "fill", "reads", "retired", "verified")

    def __init__(self, fill: Callable[[dict[str, Any]], Any], creator: tuple[str, str], reads: frozenset[str]) -> None:
        self.fill = fill  # a partner's values -> its page, None if the guards disagree, or _FULL
        self.creator = creator
        self.reads = reads  # the names the template read: every page the skeleton fills reads them too
        self.verified = False
        self.retired = False


# Pages of a key, filled or rendered in full for want of a fitting skeleton, per skeleton that fills pages,
# before another is made for it.
# A listing's shape changes with its number of cards: a thousand partners' blog pages come in seventy
# shapes, most shared by a dozen partners, and making one (18 ms) costs as much as rendering the page
# in full eight times (2 ms; a fill takes 0.8). On the 1,000-partner benchmark the listing, home, kit
# and social pages took 6.3 s of CPU making every shape, 4.9 s with 3 here, 4.7 s with 5, 5.5 s with 8.
# Pages rendered in full count too: when the navigation differs between partners, item pages come in two
# shapes, and counting fills alone kept the second from ever being made where the first was rare.
PAYBACK_FILLS = 5


class _Shapes:
    """The skeletons of one key, in the order made, which one each page last used, and their use."""

    __slots__ = ("filled", "fillers", "first_partner", "last_used", "missed", "skeletons")

    def __init__(self, first_partner: str) -> None:
        self.first_partner = first_partner
        self.skeletons: list[_Skeleton] = []
        self.filled = 0  # pages filled from these skeletons
        self.fillers = 0  # skeletons made that fill pages (not those of failed runs)
        self.missed = 0  # pages no skeleton fitted that were rendered in full without making one
        # Pages that share a key may differ in shape (a post with tags, one without); each page
        # tries first the skeleton that fitted it for the previous partner.
        self.last_used: dict[str, _Skeleton] = {}


_LITERALS = frozenset({str, int, bool, type(None)})  # whose repr() is a literal that evaluates to an equal value

_KEYS = frozenset({str, int})  # keys read together (see _Compiler.read_together): literals, and never bool

_CHECKS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class _Scope:
    """What the code written so far has worked out: the variable of each slot, and of each lookup.

    A template reads the same value many times (``partner.name`` in the title and the footer,
    ``post.reading_minutes`` in a test and then printed); each distinct lookup is written once,
    and every slot that repeats it reads the first one's variable.
    """

    __slots__ = ("lookups", "names")

    def __init__(self, names: dict[int, str] | None = None, lookups: dict[tuple[Any, ...], str] | None = None) -> None:
        self.names: dict[int, str] = dict(names or {})
        self.lookups: dict[tuple[Any, ...], str] = dict(lookups or {})

    def inner(self) -> _Scope:
        """A scope for a nested function: it sees this one's variables, this one never sees its own."""
        return _Scope(self.names, self.lookups)


class _Compiler:
    """Writes the Python function of one skeleton: guards in the order asked, then the page."""

    def __init__(self, recipes: list[Recipe], page_roots: frozenset[str] = frozenset()) -> None:
        self.recipes = recipes
        self.page_roots = page_roots  # the names of the page's own values among the roots
        self.constants: list[Any] = []
        self.asked: set[tuple[Any, ...]] = set()
        # The attributes (and the items under a constant key) the template read of each slot: read
        # together, in one statement, the first time one of them is needed. Python's compiler takes
        # ~15 us a statement, and a listing page reads each of 75 posts and ten attributes of each.
        self.reads: dict[tuple[str, int], list[Any]] = {}
        for recipe in recipes:
            if recipe[0] in ("attr", "item") and type(recipe[2]) in _KEYS:
                keys = self.reads.setdefault((recipe[0], recipe[1]), [])
                if recipe[2] not in keys:
                    keys.append(recipe[2])
        self.lines = ["def fill(R, C=C, ga=ga, gas=gas, gi=gi, gis=gis, esc=esc, chk=chk, frag=frag, Markup=Markup,"
                      " FULL=FULL):",
                      "  try:"]

    def constant(self, value: Any) -> str:
        if type(value) in _LITERALS:  # written into the code: cheaper to compile than an index into C
            return repr(value)
        self.constants.append(value)
        return f"C[{len(self.constants) - 1}]"

    def operand(self, value: Any, scope: _Scope) -> str:
        return scope.names[value.slot] if type(value) is Ref else self.constant(value)

    def need(self, index: int, scope: _Scope, indent: str) -> None:
        """Emit the lines that compute slot ``index`` (and what it is made from) unless ``scope`` has it."""
        if index in scope.names:
            return
        recipe = self.recipes[index]
        kind = recipe[0]
        refs: list[Ref] = []
        if kind in ("attr", "item"):
            refs = [Ref(recipe[1]), *([recipe[2]] if type(recipe[2]) is Ref else [])]
        elif kind == "call":
            refs = [a for a in (*recipe[2], *recipe[3].values()) if type(a) is Ref]
        elif kind == "fill":
            refs = [Ref(slot) for slot in _markers(recipe[1])]
        elif kind == "fragment":  # worked out in a function of its own, below
            refs = []
        for ref in refs:
            self.need(ref.slot, scope, indent)
        # Reading a value is the same whatever slot asks (calls are not: a template's function may count).
        lookup: tuple[Any, ...] | None = None
        if kind == "root":
            lookup = recipe
        elif kind in ("attr", "item") and (type(recipe[2]) is Ref or type(recipe[2]) in _LITERALS):
            lookup = (kind, scope.names[recipe[1]], self.operand(recipe[2], scope))
        if lookup is not None and lookup in scope.lookups:
            scope.names[index] = scope.lookups[lookup]
            return
        name = f"v{index}"
        if kind in ("attr", "item") and type(recipe[2]) in _KEYS and len(self.reads[kind, recipe[1]]) > 1:
            self.read_together(kind, recipe[1], scope, indent)
            scope.names[index] = scope.lookups[lookup]  # type: ignore[index]  # a read with a constant key is a lookup
            return
        if kind == "root":
            line = f"{name} = R[{self.constant(recipe[1])}]"
        elif kind == "attr":
            line = f"{name} = chk(ga({scope.names[recipe[1]]}, {self.constant(recipe[2])}))"
        elif kind == "item":
            line = f"{name} = chk(gi({scope.names[recipe[1]]}, {self.operand(recipe[2], scope)}))"
        elif kind == "call":
            args = "".join(f"{self.operand(a, scope)}, " for a in recipe[2])
            kwargs = ", ".join(f"{self.constant(k)}: {self.operand(v, scope)}" for k, v in recipe[3].items())
            line = f"{name} = chk({self.constant(recipe[1])}({args}{f'**{{{kwargs}}}' if kwargs else ''}))"
        elif kind == "fill":  # captured output: a {% set %} block, a macro's result
            line = f"{name} = {self.joined(recipe[1], scope)}"
        else:  # a {% cached %} fragment: made once per partner and values of the page it shows
            inner = scope.inner()
            self.lines.append(f"{indent}def f{index}():")
            for slot in _markers(recipe[2]):
                self.need(slot, inner, indent + "  ")
            self.lines.append(f"{indent}  return {self.joined(recipe[2], inner)}")
            page_values = "".join(f"R[{root!r}], " for root in sorted(self.roots(recipe[2]) & self.page_roots))
            line = f"{name} = frag(({self.constant(recipe[1])}, {page_values}), f{index})"
        self.lines.append(indent + line)
        scope.names[index] = name
        if lookup is not None:
            scope.lookups[lookup] = name

    def roots(self, text: str) -> set[str]:
        """The names of the values (partner's or page's) that the markers of ``text`` are made from."""
        found: set[str] = set()
        pending = _markers(text)
        seen: set[int] = set()
        while pending:
            index = pending.pop()
            if index in seen:
                continue
            seen.add(index)
            recipe = self.recipes[index]
            kind = recipe[0]
            if kind == "root":
                found.add(recipe[1])
            elif kind in ("attr", "item"):
                pending += [recipe[1], *([recipe[2].slot] if type(recipe[2]) is Ref else [])]
            elif kind == "call":
                pending += [a.slot for a in (*recipe[2], *recipe[3].values()) if type(a) is Ref]
            elif kind == "fill":
                pending += _markers(recipe[1])
            else:
                pending += _markers(recipe[2])
        return found

    def read_together(self, kind: str, parent: int, scope: _Scope, indent: str) -> None:
        """Emit one statement that reads every attribute (or item) the template read of slot ``parent``
        and the code has not.

        Reading has no effect, so reading sooner than the template did gives the same page; a value
        the partner lacks ends the fill as a lookup in its place would.
        """
        owner = scope.names[parent]
        unread = [key for key in self.reads[kind, parent] if (kind, owner, repr(key)) not in scope.lookups]
        variables = [f"{kind[0]}{parent}_{number}" for number in range(len(unread))]
        for key, variable in zip(unread, variables, strict=True):
            scope.lookups[kind, owner, repr(key)] = variable
        reader = "gas" if kind == "attr" else "gis"
        self.lines.append(f"{indent}{', '.join(variables)}, = {reader}({owner}, {tuple(unread)!r})")

    def joined(self, text: str, scope: _Scope) -> str:
        """The expression of ``text`` with each marker replaced by its slot's value, escaped."""
        parts = str(text).split(MARK)
        values = [scope.names[int(slot)] for slot in parts[1::2]]
        if values:
            # One format string and a tuple of names: a tuple display of a thousand texts and calls
            # took a listing page's compile() a third longer.
            layout = "%s".join(part.replace("%", "%%") for part in parts[0::2])
            expression = f"{layout!r} % tuple(map(esc, ({', '.join(values)},)))"
        else:
            expression = repr(parts[0])
        return f"Markup({expression})" if isinstance(text, Markup) else expression

    def guard(self, guard: Guard, scope: _Scope) -> None:
        self.need(guard.slot, scope, "    ")
        if type(guard.operand) is Ref:
            self.need(guard.operand.slot, scope, "    ")
        value = scope.names[guard.slot]
        # A template often asks the same question twice ({% if partner.phone %} in two places).
        operand = (self.operand(guard.operand, scope) if type(guard.operand) in _LITERALS or type(guard.operand) is Ref
                   else id(guard.operand))
        asked = (value, guard.question, operand, guard.answer)
        if asked in self.asked:
            return
        self.asked.add(asked)
        if guard.question == "bool":
            test = f"not {value}" if guard.answer else value
        elif guard.question == "len":
            test = f"len({value}) != {guard.answer!r}"
        elif guard.question == "contains":
            test = f"({self.operand(guard.operand, scope)} in {value}) is not {guard.answer!r}"
        else:
            compared = self.operand(guard.operand, scope)
            test = f"bool({value} {_CHECKS[guard.question]} {compared}) is not {guard.answer!r}"
        self.lines.append(f"    if {test}: return None")

    def page(self, text: str | None, scope: _Scope) -> None:
        if text is None:
            self.lines.append("    return FULL")
            return
        for slot in _markers(text):
            self.need(slot, scope, "    ")
        self.lines.append(f"    return {self.joined(text, scope)}")


def _markers(text: str) -> list[int]:
    return [int(part) for part in text.split(MARK)[1::2]]


class Skeletons:
    """Skeletons of a theme's pages, by template, place and language, for one renderer."""

    def __init__(self, theme_env: Environment, compiled: Path | None = None, payback: int = PAYBACK_FILLS) -> None:
        self.env = SkeletonEnvironment(theme_env, compiled)
        self.payback = payback  # see PAYBACK_FILLS; 0 makes a skeleton for every shape met
        self._skeletons: dict[Hashable, _Shapes] = {}
        self.counts = {"filled": 0, "made": 0, "full": 0}  # how pages were made, for benchmarks and tests
        self.language = ""  # the theme's strings are part of every skeleton

    def switch_language(self, language: str) -> None:
        """Take the theme environment's strings, now those of the catalogue ``language``."""
        self.env.adopt_globals()
        self.language = language

    def render(self, template: str, key: Hashable, constants: dict[str, Any], values: dict[str, Any],
               owner: tuple[str, str], full: Callable[[], str], page_names: frozenset[str] = frozenset()) -> str:
        """The page ``template`` renders from ``constants`` and ``values``; ``full()`` renders it in full.

        ``key`` names everything in ``constants`` but the theme's strings (see switch_language);
        ``values`` are the partner's and the page's. A name ``"a.b"`` in ``values`` is the key
        ``b`` of the dict ``constants["a"]``. ``owner`` names the partner and the page the values
        are of: pages that share a key (all the posts of one folder) share skeletons too.
        ``page_names`` are the names in ``values`` that are the page's own rather than the partner's:
        a ``{% cached %}`` fragment is kept per partner and the values of these it shows.
        """
        full_key = (key, self.language, tuple(values))
        shapes = self._skeletons.get(full_key)
        if shapes is None:
            shapes = self._skeletons[full_key] = _Shapes(owner[0])
        hint = shapes.last_used.get(owner[1])
        tried = shapes.skeletons if hint is None else (hint, *(s for s in shapes.skeletons if s is not hint))
        for skeleton in tried:
            try:
                page = skeleton.fill(values)
            except Exception:  # the template fails here too, or asks what a skeleton cannot: it decides
                return self._full(full)
            if page is None:
                continue
            shapes.last_used[owner[1]] = skeleton
            if page is _FULL or skeleton.retired:
                return self._full(full)
            replay(self.env.theme_env, skeleton.reads)  # type: ignore[arg-type]
            if not skeleton.verified and skeleton.creator != owner:
                # The first other partner or page to use a skeleton checks it against the template.
                rendered = full()
                skeleton.retired = rendered != page
                skeleton.verified = True
                if skeleton.retired:
                    self.counts["full"] += 1
                    return rendered
            self.counts["filled"] += 1
            shapes.filled += 1
            return str(page)
        if owner[0] == shapes.first_partner or shapes.filled + shapes.missed < self.payback * shapes.fillers:
            shapes.missed += 1
            # The first partner renders its pages in full and makes no skeleton: a build that renders
            # one partner (after its folder is edited) would pay for skeletons it never reuses. Nor
            # is a new shape made until the key has had as many pages as its skeletons should pay for.
            return self._full(full)
        return self._make(template, shapes, constants, values, owner, full, page_names)

    def _full(self, full: Callable[[], str]) -> str:
        self.counts["full"] += 1
        return full()

    def _make(self, template: str, shapes: _Shapes, constants: dict[str, Any], values: dict[str, Any],
              owner: tuple[str, str], full: Callable[[], str], page_names: frozenset[str]) -> str:
        trace = Trace(self.env.theme_env)
        context = dict(constants)
        for name, value in values.items():
            outer, _, inner = name.partition(".")
            if inner:
                context[outer] = dict(context[outer]) | {inner: trace.slot(("root", name), value)}
            else:
                context[name] = trace.slot(("root", name), value)
        self.env.trace = trace
        text: str | None
        try:
            with recording(self.env) as reads:
                text = self.env.get_template(template).render(context)
            if any(slot >= len(trace.values) for slot in _markers(text)):
                raise ValueError("a marker that no slot printed")
        except Exception:  # anything a skeleton cannot replay: this path renders in full from now on
            text = None
        finally:
            self.env.trace = None
            trace.open = False
        skeleton = _Skeleton(self._compile(trace, text, page_names), owner, frozenset(reads))
        shapes.skeletons.append(skeleton)
        shapes.last_used[owner[1]] = skeleton
        if text is None:
            trace.values.clear()
            return self._full(full)
        self.counts["made"] += 1
        shapes.fillers += 1
        page = str(fill_markers(text, trace.values))
        replay(self.env.theme_env, skeleton.reads)  # type: ignore[arg-type]
        # The run's values are this partner's views; slots the compiled skeleton keeps (in a
        # context it passes on) must not keep them alive.
        trace.values.clear()
        return page

    def _compile(self, trace: Trace, text: str | None, page_names: frozenset[str]) -> Callable[[dict[str, Any]], Any]:
        compiler = _Compiler(trace.recipes, page_names)
        scope = _Scope()
        for guard in trace.guards:
            compiler.guard(guard, scope)
        compiler.page(text, scope)
        compiler.lines.append("  except NoMatch:")
        compiler.lines.append("    return None")
        getattr_, getitem = self.env.theme_env.getattr, self.env.theme_env.getitem

        def read_attributes(value: Any, names: tuple[str, ...]) -> list[Any]:
            return [_checked(getattr_(value, name)) for name in names]

        def read_items(value: Any, keys: tuple[Any, ...]) -> list[Any]:
            return [_checked(getitem(value, key)) for key in keys]

        namespace: dict[str, Any] = {"C": tuple(compiler.constants), "ga": getattr_, "gas": read_attributes,
                     "gi": getitem, "gis": read_items, "esc": printed, "chk": _checked, "frag": self._fragment,
                     "Markup": Markup, "FULL": _FULL, "NoMatch": _NoMatch}
        exec(compile("\n".join(compiler.lines), "<skeleton>", "exec"), namespace)
        fill: Callable[[dict[str, Any]], Any] = namespace["fill"]
        return fill

    def _fragment(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """A ``{% cached %}`` fragment of a skeleton, for the partner being rendered and the page values it shows.

        ``key`` names the skeleton's run (so the guards that decided it) and those values; a page value
        that cannot be a key (the page's item) makes the fragment again for each page.
        """
        cache = self.env.theme_env.fragment_cache  # type: ignore[attr-defined]  # emptied for each partner
        try:
            found = cache.get(key)
        except TypeError:
            return make()
        if found is None:
            found = cache[key] = make()
        return found
