"""``{% cached %}``: render a template fragment once per partner and reuse it on every page.

A partner's masthead, contact box and footer are the same on all of its
pages except for what the page's section changes (relative links, the
current navigation entry). Themes wrap such fragments::

    {% cached page.section, page.is_404 %} ... {% endcached %}

and the fragment is rendered the first time each key is seen for the
partner being rendered, then copied. The renderer empties the cache whenever
it moves to another partner's views, so a fragment may use any partner
value; the keys must name everything else the fragment depends on.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup


class FragmentCache(Extension):
    """The ``{% cached key, ... %}...{% endcached %}`` tag."""

    tags = {"cached"}  # noqa: RUF012 - the type Jinja2 declares for it

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.extend(fragment_cache={}, fragment_owner=None)

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        # The fragment's place in the theme is part of its key, so two fragments never share an entry.
        keys: list[nodes.Expr] = [nodes.Const(f"{parser.name}:{lineno}")]
        while parser.stream.current.type != "block_end":
            if len(keys) > 1:
                parser.stream.expect("comma")
            keys.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcached",), drop_needle=True)
        call = self.call_method("_fragment", [nodes.Tuple(keys, "load")])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, key: tuple[Hashable, ...], caller: Callable[[], str]) -> Markup:
        cache: dict[tuple[Hashable, ...], Markup] = self.environment.fragment_cache  # type: ignore[attr-defined]
        found = cache.get(key)
        if found is None:
            found = cache[key] = Markup(caller())
        return found


def reset_fragments(env: Any, owner: object) -> None:
    """Forget cached fragments when ``owner`` (one partner's views) is not the one they were made for."""
    if env.fragment_owner is not owner:
        env.fragment_cache.clear()
        env.fragment_owner = owner
