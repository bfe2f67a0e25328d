"""Internal link checking over a partner's rendered pages.

cobrand writes the HTML itself, so every link is a quoted ``href`` or ``src``
attribute and a regular expression finds them all, fast enough to run on
every page of every build.
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

_LINK = re.compile(r'\s(?:href|src)="([^"]*)"')


@functools.lru_cache(maxsize=65536)  # pages repeat the same links thousands of times per build
def _target(folder: str, raw: str) -> str | None:
    """The site path a link (as written in a page in ``folder``) points at; None for external links."""
    parts = urlsplit(html.unescape(raw))
    if parts.scheme or parts.netloc or not parts.path:
        return None
    target = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
    if target.endswith("/") or target == ".":
        target = posixpath.join(target, "index.html")
    return target


def broken_links(pages: Iterable[tuple[str, str]], existing: set[str]) -> list[tuple[str, str]]:
    """``(page, link)`` pairs whose target is not among ``existing`` site paths.

    ``pages`` are (site path, HTML) pairs; the 404 page, whose links are absolute, is skipped.
    A link is reported as written, less its query and fragment.
    """
    broken = []
    for page, document in pages:
        if not page.endswith(".html") or page == "404.html":
            continue
        folder = posixpath.dirname(page)
        for raw in _LINK.findall(document):
            target = _target(folder, raw)
            if target is not None and target not in existing:
                broken.append((page, unquote(urlsplit(html.unescape(raw)).path)))
    return broken


def link_warnings(project: Project, partner: Partner, broken: Sequence[tuple[str, str]]) -> list[Problem]:
    """A warning for each broken ``(page, link)``, named by the content or template behind the page."""
    if not broken:
        return []
    sources = {item.page_path: item.source for item in project.content if item.page_path}
    return [Problem(sources.get(page, f"theme template for {page}"),
                    f"links to {link!r}, which partner {partner.slug} does not have (on {page})", severity="warning")
            for page, link in broken]


def link_problems(project: Project, partner: Partner, pages: Iterable[tuple[str, str]],
                  existing: set[str]) -> list[Problem]:
    """Broken internal links in a partner's pages, as warnings.

    ``pages`` are (site path, HTML) pairs; ``existing`` every site path the partner's build has.
    """
    return link_warnings(project, partner, broken_links(pages, existing))
