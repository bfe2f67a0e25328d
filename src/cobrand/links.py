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
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from .errors import Problem
from .models import Partner, Project

_LINK = re.compile(r'\s(?:href|src)="([^"]*)"')


def internal_links(document: str) -> list[str]:
    """Relative links of an HTML document, without query or fragment."""
    return [path for path in map(_internal_path, _LINK.findall(document)) if path is not None]


@functools.lru_cache(maxsize=65536)  # pages repeat the same links thousands of times per build
def _internal_path(raw: str) -> str | None:
    parts = urlsplit(html.unescape(raw))
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return unquote(parts.path)


@functools.lru_cache(maxsize=65536)
def _site_path(base: str, link: str) -> str:
    target = posixpath.normpath(posixpath.join(base, link))
    if target.endswith("/") or target == ".":
        target = posixpath.join(target, "index.html")
    return target


def broken_links(pages: Iterable[tuple[str, str]], existing: set[str]) -> list[tuple[str, str]]:
    """``(page, link)`` pairs whose target is not among ``existing`` site paths."""
    broken = []
    for page, document in pages:
        base = posixpath.dirname(page)
        for link in internal_links(document):
            if _site_path(base, link) not in existing:
                broken.append((page, link))
    return broken


def link_problems(project: Project, partner: Partner, pages: Iterable[tuple[str, str]],
                  existing: set[str]) -> list[Problem]:
    """Broken internal links in a partner's pages, each named by the content or template behind it.

    ``pages`` are (site path, HTML) pairs; ``existing`` every site path the partner's build has.
    """
    sources = {item.page_path: item.source for item in project.content if item.page_path}
    checked = [(path, document) for path, document in pages if path.endswith(".html") and path != "404.html"]
    problems = []
    for page, link in broken_links(checked, existing):
        source = sources.get(page, f"theme template for {page}")
        problems.append(Problem(source, f"links to {link!r}, which partner {partner.slug} does not have "
                                f"(on {page})", severity="warning"))
    return problems
