"""Markdown to HTML, once per content item, with partner tokens kept aside.

Tokens are swapped for inert placeholders before Markdown runs, so partner
values are never parsed as Markdown or HTML, then turned back into
:class:`Expression` segments with their line and whether they sit in a URL.
"""

from __future__ import annotations

import posixpath
import re

from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from ..models import Expression, Templated
from ..tokens import split_tokens

PLACEHOLDER_PREFIX = "cobrandtoken"
_URL_ATTRIBUTE = re.compile(r'(?:href|src)="([^"<>]*)$')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def make_markdown() -> MarkdownIt:
    """CommonMark with tables, strikethrough, footnotes and heading anchors; raw HTML off."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(anchors_plugin, min_level=2, max_level=3, permalink=False)
    md.use(footnote_plugin)
    return md


def render_body(
    md: MarkdownIt, text: str, first_line: int, page_dir: str
) -> tuple[Templated, list[tuple[int, str]], list[str]]:
    """Render Markdown to HTML segments.

    Returns the templated HTML, any unsupported ``{% %}``/``{# #}`` tags found
    (line, tag), and the content-relative asset paths that images point to.
    ``page_dir`` is the content folder of the item (``blog``), against which
    relative image paths are resolved.
    """
    raw_segments, statements = split_tokens(text, first_line)
    expressions = [seg for seg in raw_segments if isinstance(seg, Expression)]
    prefix = PLACEHOLDER_PREFIX
    while prefix in text:  # a placeholder must never match the author's own text
        prefix += "q"
    placeholder = re.compile(re.escape(prefix) + r"(\d+)x")
    numbers = iter(range(len(expressions)))  # the n-th expression's placeholder: no search for its position
    protected = "".join(
        f"{prefix}{next(numbers)}x" if isinstance(seg, Expression) else seg
        for seg in raw_segments
    )
    tokens = md.parse(protected)
    assets = _rewrite_images(tokens, page_dir, prefix)
    html = md.renderer.render(tokens, md.options, {})

    segments: list[str | Expression] = []
    position = 0
    for match in placeholder.finditer(html):
        literal = html[position:match.start()]
        segments.append(literal)
        expression = expressions[int(match.group(1))]
        in_url = _URL_ATTRIBUTE.search(html, max(0, match.start() - 2000), match.start())
        if in_url:
            expression = Expression(expression.source, expression.line, True, in_url.group(1) == "")
        segments.append(expression)
        position = match.end()
    segments.append(html[position:])
    return Templated(tuple(seg for seg in segments if seg != ""), html=True), statements, assets


def _rewrite_images(tokens: list, page_dir: str, prefix: str) -> list[str]:
    """Point relative images at the site copy of ``content/assets`` (pages sit one folder deep)."""
    assets: list[str] = []
    stack = list(tokens)
    while stack:
        token = stack.pop()
        if token.children:
            stack.extend(token.children)
        if token.type != "image":
            continue
        src = str(token.attrGet("src") or "")
        if not src or _SCHEME.match(src) or src.startswith(("/", "#")) or prefix in src:
            continue
        resolved = posixpath.normpath(posixpath.join(page_dir, src))
        assets.append(resolved)
        token.attrSet("src", "../" + resolved)
    return sorted(set(assets))


def count_words(text: str) -> int:
    """Words in Markdown source, for reading-time estimates."""
    return len(re.findall(r"[\w'\u2019-]+", text))
