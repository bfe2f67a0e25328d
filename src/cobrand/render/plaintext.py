"""Sanitised body HTML as readable plain text: wrapped paragraphs, and links as numbered references.

The plain-text part of a newsletter e-mail (render/newsletter.py). Bodies are
cobrand's own Markdown output, cleaned by the raw-HTML allowlist
(load/raw_html.py), so a small walk over that known set of elements gives
text laid out as people write e-mail by hand: headings underlined, lists with
markers, quotes with ``>``, code as it is, and each link's text followed by
``[n]``, its address listed once at the end. Converters on PyPI either write
Markdown (html2text, GPL) or lay text out without numbered link lists
(inscriptis); this is the one layout the e-mail needs, in about 150 lines.

Lines are wrapped at :data:`WIDTH` columns; text without spaces (Chinese,
Japanese) is wrapped by display width, two columns per wide character,
never before closing punctuation.
"""

from __future__ import annotations

import functools
import textwrap
import unicodedata
from collections import OrderedDict
from collections.abc import Callable

from lxml import html as lxml_html

WIDTH = 72
BLOCKS = frozenset({"p", "div", "section", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote",
                    "pre", "table", "thead", "tbody", "tfoot", "tr", "caption", "dl", "dt", "dd", "figure",
                    "figcaption", "hr", "details", "summary", "form", "fieldset"})
# Never at the start of a line in Chinese and Japanese text (a simple kinsoku rule).
NO_LINE_START = frozenset(  # ideographic commas, stops, closing brackets and quotes; ASCII ones
    "\u3001\u3002\uff0c\uff0e\u30fb\uff1a\uff1b\uff1f\uff01\u30fc"
    "\uff09\u300d\u300f\u3011\u3015\u3009\u300b\u201d\u2019)]}!?,.:;")
UNDERLINES = {"h1": "=", "h2": "-"}


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced e-mail client: two for wide (CJK) characters."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def wrap(text: str, width: int = WIDTH, indent: str = "", first: str | None = None) -> list[str]:
    """``text`` (one paragraph, no newlines) as lines of at most ``width`` columns, where words allow."""
    return list(_wrapped(text, width, indent, indent if first is None else first))


# Partners' e-mails of one post share most paragraphs (only those with partner values differ), and
# textwrap was the largest cost of a full build's e-mails: each distinct paragraph is wrapped once.
@functools.lru_cache(maxsize=8192)
def _wrapped(text: str, width: int, indent: str, first: str) -> tuple[str, ...]:
    return tuple(_wrap(text, width, indent, first))


def _wrap(text: str, width: int, indent: str, first: str) -> list[str]:
    if " " in text.strip() or display_width(text) == len(text):
        return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=indent, break_long_words=False,
                             break_on_hyphens=False) or [first.rstrip()]
    lines: list[str] = []
    line, used = first, display_width(first)
    for char in text:
        size = display_width(char)
        if used + size > width and line.strip() and char not in NO_LINE_START:
            lines.append(line.rstrip())
            line, used = indent, display_width(indent)
        line += char
        used += size
    lines.append(line.rstrip())
    return lines


class LinkList:
    """Addresses in the order the text first cites them, each numbered once."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def number(self, url: str) -> int:
        """The reference number of ``url``, adding it when new."""
        if url not in self.urls:
            self.urls.append(url)
        return self.urls.index(url) + 1


def _inline(element: lxml_html.HtmlElement, links: LinkList, href: Callable[[str], str | None]) -> str:
    """The element's text and inline children as one string; links get ``[n]``, images their alt text."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "br":
        return "\n"
    if tag == "img":
        alt = (element.get("alt") or "").strip()
        return f"[{alt}]" if alt else ""
    parts = [element.text or ""]
    for child in element:
        parts.append(_inline(child, links, href))
        parts.append(child.tail or "")
    text = "".join(parts)
    if tag == "a":
        target = href(element.get("href") or "")
        if target:
            return f"{text} [{links.number(target)}]" if text.strip() else f"[{links.number(target)}]"
    return text


def _lines(text: str, indent: str, first: str | None = None) -> list[str]:
    """Wrapped lines of inline text whose ``<br>`` became newlines; runs of white space become one space."""
    out: list[str] = []
    for number, hard_line in enumerate(text.split("\n")):
        words = " ".join(hard_line.split())
        if words:
            out += wrap(words, WIDTH, indent, first if number == 0 and not out else None)
    return out


class BlockMemo:
    """Laid-out top-level blocks of e-mail bodies, kept across partners (one instance per build process).

    Partners' e-mails of one post share most blocks: only those with partner values (tokens) differ, and
    the links, whose addresses carry the partner. The layout of a block reads a link's address only to
    number it (is it cited already, which number), so the block is keyed with its links replaced by
    sentinels that keep which links are equal: its HTML, its indent and the sentinels cited before it.
    """

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self.hits = 0  # blocks served from the memo
        self._blocks: OrderedDict[tuple[str, str, tuple[str, ...]], tuple[tuple[tuple[str, ...], ...],
                                                                           tuple[str, ...]]] = OrderedDict()

    def get(self, key: tuple[str, str, tuple[str, ...]]) -> tuple[tuple[tuple[str, ...], ...],
                                                                   tuple[str, ...]] | None:
        """The blocks and the cited sentinels after them, kept for ``key``; None if not kept."""
        found = self._blocks.get(key)
        if found is not None:
            self._blocks.move_to_end(key)
            self.hits += 1
        return found

    def put(self, key: tuple[str, str, tuple[str, ...]],
            value: tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]) -> None:
        """Keep ``value`` for ``key``, forgetting the least recently used when full."""
        self._blocks[key] = value
        if len(self._blocks) > self.size:
            self._blocks.popitem(last=False)


class _Writer:
    def __init__(self, links: LinkList, href: Callable[[str], str | None], memo: BlockMemo | None = None) -> None:
        self.links = links
        self.href = href
        self.memo = memo
        self.blocks: list[list[str]] = []

    def top_block(self, element: lxml_html.HtmlElement, indent: str) -> None:
        """A block child of the body's root, laid out as :meth:`block` does, from the memo when it has it."""
        if self.memo is None:
            self.block(element, indent)
            return
        key = (indent, lxml_html.tostring(element, encoding="unicode", with_tail=False), tuple(self.links.urls))
        found = self.memo.get(key)
        if found is None:
            start = len(self.blocks)
            self.block(element, indent)
            found = (tuple(tuple(lines) for lines in self.blocks[start:]), tuple(self.links.urls))
            self.memo.put(key, found)
        else:
            self.blocks += [list(lines) for lines in found[0]]
            self.links.urls = list(found[1])

    def paragraph(self, text: str, indent: str, first: str | None = None) -> bool:
        lines = _lines(text, indent, first)
        if lines:
            self.blocks.append(lines)
        return bool(lines)

    def block(self, element: lxml_html.HtmlElement, indent: str = "", first: str | None = None) -> None:
        """Lay out ``element``'s children: inline runs become paragraphs, block children their own blocks."""
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "pre":
            code = element.text_content().rstrip("\n").split("\n")
            self.blocks.append([indent + "    " + line if line else "" for line in code])
            return
        if tag == "hr":
            self.blocks.append([indent + "-" * 8])
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = " ".join(_inline(element, self.links, self.href).split())
            if text:
                lines = wrap(text, WIDTH, indent)
                mark = UNDERLINES.get(tag)
                if mark:
                    lines.append(indent + mark * min(WIDTH, max(display_width(line) for line in lines) - len(indent)))
                self.blocks.append(lines)
            return
        if tag == "table":
            rows = [row for row in element.iter("tr")]
            lines = []
            for row in rows:
                cells = [" ".join(_inline(cell, self.links, self.href).split()) for cell in row
                         if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
                lines += _lines(" | ".join(cells), indent)
            if lines:
                self.blocks.append(lines)
            return
        if tag in ("ul", "ol"):
            # Items one under another; a loose item's paragraphs are apart, as in the source.
            number = int(element.get("start") or 1) if tag == "ol" else 1
            lines = []
            for child in element:
                if not isinstance(child.tag, str) or child.tag != "li":
                    continue
                marker = f"{number}. " if tag == "ol" else "- "
                number += 1
                item = _Writer(self.links, self.href)
                item.block(child, indent + " " * len(marker), indent + marker)
                lines += "\n\n".join("\n".join(block) for block in item.blocks).split("\n")
            if lines:
                self.blocks.append(lines)
            return
        run = [element.text or ""]
        for child in element:
            child_tag = child.tag if isinstance(child.tag, str) else ""
            if child_tag in BLOCKS:
                if self.paragraph("".join(run), indent, first):
                    first = None
                run = []
                if first is None and element.getparent() is None:
                    self.top_block(child, indent + "> " if child_tag == "blockquote" else indent)
                elif child_tag == "blockquote":
                    self.block(child, indent + "> ")
                else:
                    # A list item's first block (a paragraph in a loose list) carries its marker.
                    self.block(child, indent, first)
                    first = None
            else:
                run.append(_inline(child, self.links, self.href))
            run.append(child.tail or "")
        self.paragraph("".join(run), indent, first)


def html_to_text(fragment: str, links: LinkList, href: Callable[[str], str | None],
                 memo: BlockMemo | None = None) -> str:
    """``fragment`` (body HTML) as plain-text paragraphs separated by blank lines.

    ``href`` turns a link's ``href`` into the address to list (absolute and tracked), or None to list
    nothing; the addresses are added to ``links`` in order of first citation. With a ``memo``, blocks
    laid out before (for another partner) are taken from it: the same text, see :class:`BlockMemo`.
    """
    if not fragment.strip():
        return ""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    if memo is None or links.urls:
        writer = _Writer(links, href)
        writer.block(root)
        return "\n\n".join("\n".join(lines) for lines in writer.blocks)
    # Each link's address made a sentinel, one per distinct address (None stays None): the layout
    # numbers sentinels exactly as it would number the addresses, and the text never shows an address.
    addresses: dict[str, str] = {}
    for anchor in root.iter("a"):
        target = href(anchor.get("href") or "")
        if target:
            sentinel = addresses.setdefault(target, f"#{len(addresses)}")
            anchor.set("href", sentinel)
        else:
            anchor.set("href", "")
    writer = _Writer(LinkList(), _sentinel, memo)
    writer.block(root)
    real = {sentinel: target for target, sentinel in addresses.items()}
    for sentinel in writer.links.urls:
        links.number(real[sentinel])
    return "\n\n".join("\n".join(lines) for lines in writer.blocks)


def _sentinel(href: str) -> str | None:
    return href or None
