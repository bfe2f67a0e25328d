"""Internal link checking over a partner's rendered pages.

cobrand writes the HTML itself, so every link is a quoted ``href`` or ``src``
attribute and a regular expression finds them all, fast enough to run on
every page of every build. Pages are checked as the UTF-8 bytes written, and
a partner's pages share most links (navigation, footer, cards), so each
distinct link is resolved once per folder.
"""

from __future__ import annotations

import functools
import html
import posixpath
import re
from collections.abc import Iterable, Sequence
from urllib.parse import unquote, urlsplit

from .errors import Problem
from .models import Partner, Project

_LINK = re.compile(rb'\s(?:href|src)="([^"]*)"')
# The same links, found five times faster: a pattern that starts with a literal is searched for with a fast
# scan, and the look-behind then asks for the whitespace before the name. In malformed HTML these can find
# a link more than _LINK does, never fewer, so pages they find nothing broken in are clean.
_QUICK_LINKS = (re.compile(rb'href="(?<=\shref=")([^"]*)"'), re.compile(rb'src="(?<=\ssrc=")([^"]*)"'))


# A link that starts with a scheme or "//" leaves the site: most links to other sites are told apart
# without parsing them (each partner's own website and contact links would otherwise fill the cache).
_EXTERNAL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|//")


def _target(folder: str, raw: str) -> str | None:
    """The site path a link (as written in a page in ``folder``) points at; None for external links."""
    return None if _EXTERNAL.match(raw) else _site_path(folder, raw)


@functools.lru_cache(maxsize=65536)  # pages repeat the same links thousands of times per build
def _site_path(folder: str, raw: str) -> str | None:
    parts = urlsplit(html.unescape(raw))
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.endswith("/"):  # a folder serves its index page; normpath would drop the slash that says so
        path += "index.html"
    target = posixpath.normpath(posixpath.join(folder, path))
    return "index.html" if target == "." else target


def broken_links(pages: Iterable[tuple[str, bytes]], existing: set[str]) -> list[tuple[str, str]]:
    """``(page, link)`` pairs whose target is not among ``existing`` site paths.

    ``pages`` are (site path, UTF-8 HTML) pairs; the 404 page, whose links are absolute, is skipped.
    A link is reported as written, less its query and fragment.
    """
    broken = []
    resolving: dict[str, set[bytes]] = {}  # links found to resolve, by the folder of the page they are on
    for page, document in pages:
        if not page.endswith(".html") or page == "404.html":
            continue
        folder = posixpath.dirname(page)
        known = resolving.setdefault(folder, set())
        links = set(_QUICK_LINKS[0].findall(document)).union(_QUICK_LINKS[1].findall(document))
        links.difference_update(known)
        fine = {raw for raw in links if _resolves(folder, raw.decode(), existing)}
        known.update(fine)
        if len(fine) == len(links):
            continue
        for raw in _LINK.findall(document):  # in the order the page has them
            link = raw.decode()
            if not _resolves(folder, link, existing):
                broken.append((page, unquote(urlsplit(html.unescape(link)).path)))
    return broken


def _resolves(folder: str, raw: str, existing: set[str]) -> bool:
    target = _target(folder, raw)
    return target is None or target in existing


def link_warnings(project: Project, partner: Partner, broken: Sequence[tuple[str, str]]) -> list[Problem]:
    """A warning for each broken ``(page, link)``, named by the content or template behind the page."""
    if not broken:
        return []
    sources = {item.page_path: item.source for item in project.content if item.page_path}
    return [Problem(sources.get(page, f"theme template for {page}"),
                    f"links to {link!r}, which partner {partner.slug} does not have (on {page})", severity="warning",
                    line=_line_of(project, sources.get(page), link))
            for page, link in broken]


def _line_of(project: Project, source: str | None, link: str) -> int | None:
    """The line of ``source`` that writes ``link`` (or its file name, when the page rewrote the path)."""
    if source is None:
        return None
    try:
        lines = (project.root / source).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    target = link.split("#", 1)[0]
    for needle in (link, target, target.rsplit("/", 1)[-1]):
        if needle:
            for number, text in enumerate(lines, start=1):
                if needle in text:
                    return number
    return None


def link_problems(project: Project, partner: Partner, pages: Iterable[tuple[str, bytes]],
                  existing: set[str]) -> list[Problem]:
    """Broken internal links in a partner's pages, as warnings.

    ``pages`` are (site path, UTF-8 HTML) pairs; ``existing`` every site path the partner's build has.
    """
    return link_warnings(project, partner, broken_links(pages, existing))
