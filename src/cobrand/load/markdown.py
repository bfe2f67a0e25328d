"""Markdown to HTML, once per content item, with partner tokens kept aside.

Tokens are swapped for inert placeholders before Markdown runs, so partner
values are never parsed as Markdown or HTML, then turned back into
:class:`Expression` segments with their line and whether they sit in a URL.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from ..models import Expression, Templated
from ..tokens import heading_id, split_tokens
from .raw_html import sanitize

PLACEHOLDER_PREFIX = "cobrandtoken"
_URL_ATTRIBUTE = re.compile(r'(?:href|src)="([^"<>]*)$')
_ID_ATTRIBUTE = re.compile(r'\bid="[^"<>]*$')
SUMMARY_WORDS = 50  # a derived summary, as Pelican's SUMMARY_MAX_LENGTH
SUMMARY_CHARACTERS = 300  # and no longer than a written one may be
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def make_markdown() -> MarkdownIt:
    """CommonMark with tables, strikethrough, footnotes and heading anchors; raw HTML on, sanitised (raw_html.py)."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(anchors_plugin, min_level=2, max_level=3, permalink=False, slug_func=heading_id)
    md.use(footnote_plugin)
    _table_headers(md)
    return md


def _table_headers(md: MarkdownIt) -> None:
    """Tables say which headers label which cells: the head row's cells are ``<th scope="col">`` and the
    first cell of each body row ``<th scope="row">``, as screen readers (and axe's td-has-header) need."""
    def header(self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType) -> str:
        tokens[index].attrSet("scope", "col")
        return self.renderToken(tokens, index, options, env)

    def cell(self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[index]
        opening = token.type == "td_open"
        # The first cell of a row follows the row's opening token (its closing, the first cell's content).
        first = tokens[index - 1].type == "tr_open" if opening else _first_cell_close(tokens, index)
        if not first:
            return self.renderToken(tokens, index, options, env)
        if opening:
            token.attrSet("scope", "row")
        token.tag = "th"
        return self.renderToken(tokens, index, options, env)

    md.add_render_rule("th_open", header)
    md.add_render_rule("td_open", cell)
    md.add_render_rule("td_close", cell)


def _first_cell_close(tokens: Sequence[Token], index: int) -> bool:
    """True when the ``td_close`` at ``index`` closes the first cell of its row."""
    opening = index - 1
    while tokens[opening].type != "td_open":
        opening -= 1
    return tokens[opening - 1].type == "tr_open"


def render_body(
    md: MarkdownIt, text: str, first_line: int, page_dir: str
) -> tuple[Templated, list[tuple[int, str]], list[str], Templated | None]:
    """Render Markdown to HTML segments.

    Returns the templated HTML, any unsupported ``{% %}``/``{# #}`` tags found
    (line, tag), the content-relative asset paths that images point to, and
    the first paragraph as plain text cut at a word (a summary, when the front
    matter gives none). ``page_dir`` is the content folder of the item
    (``blog``), against which relative image paths are resolved.
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
    if _has_raw_html(tokens):
        html = sanitize(html)  # an allowlist; iframes become click-to-load players
    summary = _first_paragraph(tokens)

    segments: list[str | Expression] = []
    position = 0
    for match in placeholder.finditer(html):
        literal = html[position:match.start()]
        segments.append(literal)
        expression = expressions[int(match.group(1))]
        # Both patterns end in [^"<>]*$, so a match starts after the last '<' before the placeholder: searching
        # from there, not 2,000 characters back, gives the same answer (40,000 tokens: 16 s of searching before).
        window = max(0, match.start() - 2000)
        window = max(window, html.rfind("<", window, match.start()))
        in_url = _URL_ATTRIBUTE.search(html, window, match.start())
        if in_url:
            expression = Expression(expression.source, expression.line, True, in_url.group(1) == "")
        elif _ID_ATTRIBUTE.search(html, window, match.start()):
            # A heading's id was made from its text with the placeholder in it: the value is made an id the
            # same way when filled, so the id is the filled heading's (talk-to-northbeam-it), never a raw value.
            expression = Expression(expression.source, expression.line, in_id=True)
        segments.append(expression)
        position = match.end()
    segments.append(html[position:])
    derived = None
    if summary:
        derived = Templated(tuple(seg for seg in _restore(summary, placeholder, expressions) if seg != ""), html=False)
    return Templated(tuple(seg for seg in segments if seg != ""), html=True), statements, assets, derived


def _has_raw_html(tokens: list) -> bool:
    stack = list(tokens)
    while stack:
        token = stack.pop()
        if token.type in ("html_block", "html_inline"):
            return True
        stack.extend(token.children or [])
    return False


def _restore(text: str, placeholder: re.Pattern[str], expressions: list[Expression]) -> list[str | Expression]:
    """Plain text with placeholders back to literal strings and expressions."""
    segments: list[str | Expression] = []
    position = 0
    for match in placeholder.finditer(text):
        segments.append(text[position:match.start()])
        segments.append(expressions[int(match.group(1))])
        position = match.end()
    segments.append(text[position:])
    return segments


def _first_paragraph(tokens: list) -> str:
    """The first top-level paragraph's text, plain, cut at a word boundary (Hugo's and Pelican's summary)."""
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0:
            inline = tokens[index + 1]
            parts = []
            for child in inline.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            text = " ".join("".join(parts).split())
            if text:
                return truncate_words(text)
    return ""


def truncate_words(text: str, words: int = SUMMARY_WORDS, characters: int = SUMMARY_CHARACTERS) -> str:
    """``text`` cut after ``words`` words and within ``characters``, at a word boundary, with an ellipsis."""
    kept = text.split()
    if len(kept) <= words and len(text) <= characters:
        return text
    cut = " ".join(kept[:words])
    while len(cut) > characters - 1 and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut[:characters - 1].rstrip(",;:.-\u2013\u2014 ") + "\u2026"


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
