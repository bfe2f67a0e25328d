"""Partner tokens in content: ``{{ partner.name }}`` and friends.

Content is parsed once into :class:`Templated` segments; this module fills
them per partner in Jinja2's immutable sandbox, where only the partner and
vendor data we pass in are visible. Partner values are data: in HTML they are
escaped, in URL attributes they must be safe URLs or are percent-encoded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from jinja2 import TemplateError, nodes
from markupsafe import Markup, escape

from .errors import Problem
from .models import Expression, Partner, Templated, Vendor
from .sandbox import BoundedSandbox, bounded_sandbox
from .values import check_link_url

TOKEN = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
STATEMENT = re.compile(r"\{%|\{#")


class TokenError(Exception):
    """A token could not be filled; carries the line it was written on."""

    def __init__(self, expression: Expression, message: str, source: str = "content") -> None:
        super().__init__(message)
        self.expression = expression
        self.source = source


def _finalize(value: Any) -> Any:
    return "" if value is None else value


def sandbox() -> BoundedSandbox:
    """The environment content tokens run in: no globals, strict names, bounded work (see sandbox.py)."""
    return bounded_sandbox()


class _LineCounter:
    """Line numbers of increasing offsets in one text, each newline counted once.

    Counting from the start of the text for every token made loading a post quadratic in its
    tokens (40,000 tokens: two minutes).
    """

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.line = first_line
        self.position = 0

    def at(self, offset: int) -> int:
        """The line of ``offset``, which is at or after the last offset asked for."""
        self.line += self.text.count("\n", self.position, offset)
        self.position = offset
        return self.line


def split_tokens(text: str, first_line: int) -> tuple[list[str | Expression], list[tuple[int, str]]]:
    """Split raw text into literal strings and expressions (with source lines)."""
    segments: list[str | Expression] = []
    statement_lines = _LineCounter(text, first_line)
    statements = [(statement_lines.at(m.start()), m.group(0)) for m in STATEMENT.finditer(text)]
    lines = _LineCounter(text, first_line)
    position = 0
    for match in TOKEN.finditer(text):
        segments.append(text[position:match.start()])
        segments.append(Expression(match.group(1).strip(), lines.at(match.start())))
        position = match.end()
    segments.append(text[position:])
    return segments, statements


CONTENT_NAMES = frozenset({"partner", "vendor", "personalize"})


@functools.lru_cache(maxsize=4096)  # content repeats the same few tokens ({{ partner.name }}) many times
def _expression_names(env: BoundedSandbox, source: str) -> frozenset[str]:
    env.compile_expression(source)
    tree = env.parse(f"{{{{ {source} }}}}")
    # Every name, not just "undeclared" ones: Jinja2 counts `self` and `loop` as declared.
    return frozenset(node.name for node in tree.find_all(nodes.Name))


def check_syntax(templated: Templated, env: BoundedSandbox, file: str) -> list[Problem]:
    """Compile every expression once so syntax errors, and names other than partner data, surface at load."""
    problems = []
    for expression in templated.expressions:
        try:
            names = _expression_names(env, expression.source)
        except TemplateError as error:
            problems.append(Problem(file, f"invalid token {{{{ {expression.source} }}}}: {error}",
                                    line=expression.line))
            continue
        unknown = sorted(names - CONTENT_NAMES)
        if unknown:
            problems.append(Problem(file, f"token {{{{ {expression.source} }}}} uses {', '.join(unknown)}; content "
                                    "tokens can read only partner, vendor and personalize", line=expression.line))
    return problems


def token_context(partner: Partner, vendor: Vendor, personal: Mapping[str, str | None]) -> dict[str, Any]:
    """The only data content tokens can read: plain dicts of partner and vendor fields.

    ``personal`` holds the resolved personalisation values for the item being
    rendered; content places them as ``{{ personalize.<field> }}``.
    """
    data = partner.data
    return {
        "personalize": dict(personal),
        "partner": {
            "name": data.name,
            "slug": partner.slug,
            "tier": data.tier,
            "ecosystems": list(data.ecosystems),
            "regions": list(data.regions),
            "locale": data.locale,
            "website": data.website,
            "contact": dict(data.contact),  # its fields: iterating a model needs no serialiser
            "personalize": dict(personal),
        },
        "vendor": {"name": vendor.name, "website": vendor.website},
    }


_MISSING = object()
_DICT_ATTRIBUTES = frozenset(dir(dict))  # a plain dict's attributes: Jinja2 prefers them to its keys
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def _plain_lookup(context: Mapping[str, Any], source: str) -> Any:
    """``partner.name`` and the like, looked up the way Jinja2 would, without a template call.

    Nearly every token is a dotted name over plain dicts, and filling them is
    most of a partner's render time. Jinja2 resolves ``a.b`` as the attribute
    ``b`` of ``a`` first and then the item, so a name that is also a dict
    method (``partner.items``) is left to the sandbox, as is anything missing.
    """
    names = _dotted_names(source)
    if names is None:
        return _MISSING
    value: Any = context
    for name in names:
        if type(value) is dict:
            if name not in value or name in _DICT_ATTRIBUTES:
                return _MISSING
        elif not isinstance(value, dict) or name not in value or hasattr(value, name):
            return _MISSING
        value = value[name]
    return value


@functools.lru_cache(maxsize=4096)  # a project has a few dozen distinct tokens, filled for every partner
def _dotted_names(source: str) -> tuple[str, ...] | None:
    return tuple(source.split(".")) if _DOTTED.fullmatch(source) else None


# The anchors plugin keeps [\w\u4e00-\u9fff\- ]; every CJK ideograph of that range is already a \w
# character (test_heading_ids.py holds the two patterns equal), and spaces are dashes by then. Spelled out,
# the range costs Python's regex compiler as much as rendering a page, on every build.
_NOT_IN_ID = re.compile(r"[^\w-]")


def heading_id(text: str) -> str:
    """``text`` made part of a heading id as the Markdown anchors plugin makes one from a heading's text (the
    plugin is given this function: the two cannot differ)."""
    return _NOT_IN_ID.sub("", text.lower().replace(" ", "-"))


# An ``id`` attribute, not the end of ``data-id`` or ``xid``; the literal comes first so that only
# where ``id="`` is found is the look-behind tried (see tracking._HREF).
_ID_ATTRIBUTE = re.compile(r'id="(?<![\w-]id=")([^"]*)"')


def unique_ids(html: str) -> str:
    """``html`` with a repeated id made unique as the anchors plugin does (``x``, ``x-1``, ``x-2``).

    Heading ids are made from filled headings, so two headings can meet only once a token is filled
    (``Talk to {{ partner.name }}`` beside ``Talk to Acme``); text cannot hold ``id="`` (it is escaped).
    """
    seen: set[str] = set()

    def rename(match: re.Match[str]) -> str:
        value = candidate = match.group(1)
        number = 0
        while candidate in seen:
            number += 1
            candidate = f"{value}-{number}"
        seen.add(candidate)
        return f'id="{candidate}"'

    return _ID_ATTRIBUTE.sub(rename, html)


def templated_text(text: str, first_line: int) -> tuple[Templated, list[tuple[int, str]]]:
    """Plain text (a title, a summary) with tokens, parsed for filling per partner; and any ``{% %}`` tags."""
    segments, statements = split_tokens(text, first_line)
    return Templated(tuple(segment for segment in segments if segment != ""), html=False), statements


class TokenFiller:
    """Fills :class:`Templated` values; compiled expressions are cached per instance."""

    def __init__(self) -> None:
        self.env = sandbox()
        self._compiled: dict[str, Callable[..., Any]] = {}

    def evaluate(self, expression: Expression, context: Mapping[str, Any]) -> str:
        """The expression's value as text; raises :class:`TokenError` naming it."""
        value = _plain_lookup(context, expression.source)
        if value is not _MISSING:
            return str(_finalize(value))
        try:
            compiled = self._compiled.get(expression.source)
            if compiled is None:
                compiled = self.env.compile_expression(expression.source, undefined_to_none=False)
                self._compiled[expression.source] = compiled
            # str() inside the try: StrictUndefined and the sandbox raise when a value is printed.
            return str(_finalize(compiled(**context)))
        except TemplateError as error:  # the sandbox's limits included (sandbox.py)
            raise TokenError(expression, f"{{{{ {expression.source} }}}}: {error}") from None
        except (ArithmeticError, TypeError, ValueError, LookupError) as error:  # Python's own, e.g. 'a' - 1
            raise TokenError(expression, f"{{{{ {expression.source} }}}}: {type(error).__name__}: {error}") from None

    def fill_later(self, templated: Templated, context: Mapping[str, Any], source: str) -> Callable[[], str]:
        """:meth:`fill` deferred until the result is asked for (a body a listing never prints is never filled);
        a :class:`TokenError` then names ``source``."""
        def fill() -> str:
            try:
                return self.fill(templated, context)
            except TokenError as error:
                error.source = source
                raise

        return fill

    def fill(self, templated: Templated, context: Mapping[str, Any]) -> str:
        """Render to a string: HTML-escaped for HTML content, plain for text."""
        parts: list[str] = []
        filled_ids = False
        for segment in templated.segments:
            if isinstance(segment, str):
                parts.append(segment)
                continue
            value = self.evaluate(segment, context)
            if templated.html:
                if segment.in_url:
                    value = self._url_value(segment, value)
                elif segment.in_id:
                    value = heading_id(value)
                    filled_ids = True
                else:
                    value = str(escape(value))
            parts.append(value)
        result = "".join(parts)
        if filled_ids:
            result = unique_ids(result)
        return Markup(result) if templated.html else result

    @staticmethod
    def _url_value(expression: Expression, value: str) -> str:
        if expression.starts_url:
            try:
                check_link_url(value)
            except ValueError as error:
                raise TokenError(expression, f"{{{{ {expression.source} }}}} is used as a link: {error}") from None
            return str(escape(value))
        return quote(value, safe="@+")
