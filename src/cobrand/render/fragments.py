"""``{% cached %}``: render a template fragment once per partner and page values it reads, then reuse it.

A partner's masthead, contact box and footer are the same on most of its
pages. Themes wrap such fragments::

    {% cached page.section, page.is_404 %} ... {% endcached %}

The names after ``cached`` are a hint that groups entries; they are not
trusted to name everything the fragment depends on (a masthead keyed on the
section once read ``page.path`` and put one page's ``aria-current`` on its
neighbours). Instead the fragment's reads are recorded while it renders
(render/engine/reads.py): each value of ``page`` it read, and every name it
looked up. The fragment is reused on another page only when every page value
it read is the same there, and only when every name it read is one of the
partner's (see :func:`reset_fragments`); a fragment that reads the page's
item, or a variable the template set outside it, is rendered every time.

The renderer empties the cache whenever it moves to another partner's views.
Reusing a fragment records its reads again, so the page's key names them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from jinja2 import meta, nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

from .engine.reads import WHOLE_PAGE, PageView, recording, replay

# One fragment's entries: for each set of page keys its renders read, the output by those keys' values.
Entries = list[tuple[tuple[str, ...], dict[tuple[Any, ...], tuple[Markup, frozenset[str]]]]]


class FragmentCache(Extension):
    """The ``{% cached key, ... %}...{% endcached %}`` tag."""

    tags = {"cached"}  # noqa: RUF012 - the type Jinja2 declares for it

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.extend(fragment_cache={}, fragment_owner=None, fragment_constants=frozenset())

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        # The fragment's place in the theme is part of its key, so two fragments never share an entry.
        keys: list[nodes.Expr] = [nodes.Const(f"{parser.name}:{lineno}")]
        while parser.stream.current.type != "block_end":
            if len(keys) > 1:
                parser.stream.expect("comma")
            keys.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcached",), drop_needle=True)
        # Names the body uses but does not set: Jinja2 resolves some of them before the fragment runs
        # (those the enclosing template uses too), so they are not seen as reads while it renders.
        outside = nodes.Template(body)
        outside.set_environment(parser.environment)
        free = tuple(sorted(meta.find_undeclared_variables(outside)))
        call = self.call_method("_fragment", [nodes.Tuple(keys, "load"), nodes.Const(free), nodes.ContextReference()])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, key: tuple[Hashable, ...], free: tuple[str, ...], context: Any,
                  caller: Callable[[], str]) -> Markup:
        env = self.environment
        page = context.parent.get("page")
        if type(page) is not PageView:  # not a page of a partner's site: nothing to share it with
            return Markup(caller())
        entries: Entries = env.fragment_cache.setdefault(key, [])  # type: ignore[attr-defined]
        for page_keys, table in entries:
            found = table.get(tuple(page.raw(name) for name in page_keys))
            if found is not None:
                replay(env, found[1])  # type: ignore[arg-type]
                return found[0]
        with recording(env) as reads:  # type: ignore[arg-type]
            made = Markup(caller())
        reads.update(free)
        constants: frozenset[str] = env.fragment_constants  # type: ignore[attr-defined]
        if all(name in constants or name.startswith("page.") or name == "page" for name in reads):
            page_keys = (tuple(sorted(dict.keys(page))) if WHOLE_PAGE in reads
                         else tuple(sorted(name[5:] for name in reads if name.startswith("page."))))
            values = tuple(page.raw(name) for name in page_keys)
            tables = dict(entries)
            if page_keys not in tables:
                tables[page_keys] = {}
                entries.append((page_keys, tables[page_keys]))
            tables[page_keys][values] = (made, frozenset(reads))
        return made


def reset_fragments(env: Any, owner: object, constants: frozenset[str]) -> None:
    """Forget cached fragments when ``owner`` (one partner's views) is not the one they were made for.

    ``constants`` are the names of the context whose values are the partner's, the same on
    every page of it: a fragment that reads only those and the page's values can be reused.
    """
    if env.fragment_owner is not owner:
        env.fragment_cache.clear()
        env.fragment_owner = owner
    env.fragment_constants = constants
