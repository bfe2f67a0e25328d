"""Raw HTML in vendor Markdown: an allowlist, sanitised with nh3 (the Ammonia sanitiser).

Vendors write a callout ``<div>``, a ``<details>`` block or a form embed in
Markdown. Markdown passes such HTML through; here it is then cleaned by an
allowlist of elements, attributes and URL schemes (docs/guide.md, "Raw HTML"):
scripts, styles, event handlers and anything else not listed are removed.
A third-party ``<iframe>`` never loads with the page: it becomes the same
click-to-load player as a video (the theme's ``.player[data-embed]``), so the
visitor's browser contacts the third party only when they click.

A body without raw HTML is not touched: Markdown's own output is already safe,
and its bytes stay what they were.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

# Markdown's own output, and what vendors write in it: no script, style, object, embed or frame.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "button", "caption", "cite", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "fieldset", "figcaption", "figure", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "input", "ins", "kbd", "label", "legend", "li", "mark", "ol", "option", "p", "pre",
    "q", "s", "section", "select", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "textarea", "tfoot", "th", "thead", "tr", "u", "ul",
})
_GLOBAL_ATTRIBUTES = {"class", "id", "title", "lang", "dir", "role", "aria-label", "aria-hidden",
                      "aria-describedby", "aria-labelledby"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": _GLOBAL_ATTRIBUTES,
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "reversed"},
    "details": {"open"},
    "div": {"data-embed"},  # the click-to-load gate; only https URLs pass (see _attribute)
    "form": {"action", "method"},
    "input": {"type", "name", "value", "placeholder", "required", "checked", "disabled", "autocomplete"},
    "button": {"type", "name", "value"},
    "label": {"for"},
    "select": {"name", "required", "multiple"},
    "option": {"value", "selected"},
    "textarea": {"name", "rows", "cols", "placeholder", "required"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
STYLE_PROPERTIES = frozenset({"text-align"})  # Markdown's table column alignment
_IFRAME = re.compile(r"<iframe\b[^>]*>(?:.*?</iframe\s*>)?", re.IGNORECASE | re.DOTALL)
_NOT_HTTPS = "the embed must be an https:// address"


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe" and not self.attributes:
            self.attributes = {name: value or "" for name, value in attrs}


def _https(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme == "https" and bool(parts.hostname) and not parts.username and not parts.password


def click_to_load(iframe: str) -> str:
    """An ``<iframe>`` as the theme's click-to-load player, or nothing when its address is not https."""
    parser = _Attributes()
    parser.feed(iframe)
    parser.close()
    src = parser.attributes.get("src", "").strip()
    if not _https(src):
        return ""
    host = urlsplit(src).hostname or ""
    title = parser.attributes.get("title", "").strip() or f"Content from {host}"
    url, label, site = html.escape(src), html.escape(title), html.escape(host)
    return (f'<div class="player player--embed" data-embed="{url}">'
            f'<a class="player__start" href="{url}"><span class="player__icon" aria-hidden="true"></span>'
            f'<span class="player__label">Load: {label}</span></a>'
            f'<p class="player__note">Loading it connects to {site}, which may set cookies.</p></div>')


def _attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "data-embed":
        return value if _https(value) else None
    return value


def sanitize(body_html: str) -> str:
    """``body_html`` with iframes made click-to-load and everything off the allowlist removed."""
    gated = _IFRAME.sub(lambda match: click_to_load(match.group(0)), body_html)
    return nh3.clean(
        gated,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
        filter_style_properties=set(STYLE_PROPERTIES),
    )
