"""The dev server's own pages and what it adds to the partners' pages, from the templates beside this file.

The index of partners, the 404 for paths outside any site, the page shown while
the first build runs, and three snippets injected into every HTML response
(never into the built files): the live-reload script, the error overlay and
the partner toolbar. The partners' data comes from the project the build
loaded; no file is read again here but the lines around a problem.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ..errors import Problem
from ..models import Project

if TYPE_CHECKING:
    from .rebuild import BuildState

INTERNAL_PREFIX = "/__cobrand/"
HUB_PREFIX = "/_hub/"  # /_hub/<slug>/...: the partner's hub (no slug starts with "_")
EVENTS_PATH = INTERNAL_PREFIX + "events"
STATUS_PATH = INTERNAL_PREFIX + "status.json"
REPORT_PATH = INTERNAL_PREFIX + "report.json"
SCRIPT_ID = "cobrand-live-reload"
OVERLAY_ID = "cobrand-dev-overlay"
TOOLBAR_ID = "cobrand-dev-toolbar"
MAX_SWITCHER_PARTNERS = 300
MAX_OVERLAY_GROUPS = 25
PACKAGE = Path(__file__).resolve().parent.parent  # cobrand's own files: the default theme's templates


@dataclass(frozen=True)
class PartnerEntry:
    """What the partner index shows about one partner."""

    slug: str
    name: str
    tier: str = ""
    ecosystems: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    locale: str = ""


@dataclass(frozen=True)
class Listing:
    """Partners and site settings of the last project a build loaded, for the index and the toolbar."""

    partners: tuple[PartnerEntry, ...] = ()
    tiers: tuple[str, ...] = ()
    base_url: str = ""
    title: str = ""
    vendor: str = ""
    vendor_logo: Path | None = None


def listing_of(project: Project) -> Listing:
    """The listing of a loaded project."""
    partners = tuple(PartnerEntry(partner.slug, partner.data.name, partner.data.tier, tuple(partner.data.ecosystems),
                                  tuple(partner.data.regions), partner.data.locale)
                     for partner in sorted(project.partners, key=lambda partner: partner.slug))
    config = project.config
    return Listing(partners, tuple(config.tiers.order), config.site.base_url, config.site.title, project.vendor.name,
                   project.vendor.logo.path)


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("cobrand.serve", "templates"), autoescape=select_autoescape(default=True),
                       keep_trailing_newline=True)


def _render(name: str, **values: Any) -> str:
    return _templates().get_template(name).render(**values)


def _clock(seconds: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(seconds))


def index_page(listing: Listing, state: BuildState | None, root: Path, built: Callable[[str], bool]) -> str:
    """The dev server's home: every partner with tier, a link to its site, and the build status."""
    report = state.report if state is not None else None
    listed = {p.slug for p in listing.partners}
    skipped = [PartnerEntry(slug, f"{slug} (skipped: see its problems)") for slug in sorted(report.skipped)
               if slug not in listed] if report else []
    partners = [{"slug": p.slug, "name": p.name, "tier": p.tier, "ecosystems": p.ecosystems, "regions": p.regions,
                 "locale": p.locale, "built": built(p.slug),
                 "search": " ".join([p.slug, p.name, p.tier, *p.ecosystems, *p.regions]).lower()}
                for p in (*listing.partners, *skipped)]
    current = sum(1 for r in report.partners if r.status != "failed") if report else 0
    return _render("index.html", title=listing.title or "Partner sites", vendor=listing.vendor, tiers=listing.tiers,
                   partners=partners, root=str(root), state=state, current=current,
                   finished=_clock(state.finished_at) if state else "")


def not_found_page(listing: Listing, path: str) -> str:
    """The dev server's own 404, for paths outside any partner's site."""
    return _render("not_found.html", path=path, partners=listing.partners[:MAX_SWITCHER_PARTNERS])


def waiting_page(path: str) -> str:
    """What a request gets while the first build runs: a page that reloads when the build is done."""
    return _render("waiting.html", path=path)


def live_reload_script(generation: str) -> str:
    """The script injected into every HTML response: reload when a newer build is announced."""
    return _render("reload.html", script_id=SCRIPT_ID, generation=generation, events_path=EVENTS_PATH).strip()


def toolbar(listing: Listing, slug: str, page_path: str, state: BuildState | None, *, hub: bool = False) -> str:
    """The preview toolbar: all partners, a partner switcher, a switch between the partner's public site and
    its hub (``hub``: the page is the hub's), the build status."""
    current = next((p for p in listing.partners if p.slug == slug), PartnerEntry(slug, slug))
    return _render("toolbar.html", toolbar_id=TOOLBAR_ID, overlay_id=OVERLAY_ID, partners=listing.partners,
                   switch=0 < len(listing.partners) <= MAX_SWITCHER_PARTNERS, slug=slug, page_path=page_path,
                   hub=hub, base=HUB_PREFIX if hub else "/",
                   current_name=current.name, state=state,
                   finished=_clock(state.finished_at) if state else "").strip()


def error_overlay(problems: Iterable[Problem], root: Path) -> str:
    """A full-window panel naming each problem's file and line, with the lines around it."""
    groups: dict[tuple[str, int | None, str | None], list[Problem]] = {}
    for problem in problems:
        groups.setdefault((problem.file, problem.line, problem.field), []).append(problem)
    total = sum(len(group) for group in groups.values())
    shown = [{"problem": str(group[0]), "excerpt": _excerpt(root, file, line), "more": len(group) - 1}
             for (file, line, _), group in list(groups.items())[:MAX_OVERLAY_GROUPS]]
    return _render("overlay.html", overlay_id=OVERLAY_ID, total=total, groups=shown,
                   hidden=len(groups) - MAX_OVERLAY_GROUPS).strip()


def _excerpt(root: Path, file: str, line: int | None, context: int = 2) -> list[dict[str, Any]]:
    """The lines around ``line`` of ``file``, if it is the project's or cobrand's own."""
    if line is None:
        return []
    path = Path(file) if os.path.isabs(file) else root / file
    try:
        resolved = path.resolve()
        if not any(resolved.is_relative_to(base) for base in (root, PACKAGE)):
            return []
        lines = resolved.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    if not 1 <= line <= len(lines) + 1:
        return []
    start, end = max(1, line - context), min(len(lines), line + context)
    return [{"number": number, "marked": number == line, "text": lines[number - 1]}
            for number in range(start, end + 1)]


def inject(document: bytes, snippet: bytes) -> bytes:
    """Insert ``snippet`` before the last ``</body>`` (or append it when there is none)."""
    position = document.lower().rfind(b"</body>")
    if position == -1:
        return document + snippet
    return document[:position] + snippet + document[position:]


def preview_rewrite(document: bytes, base_url: str, slug: str) -> bytes:
    """Point the partner's absolute site URLs at the preview (the 404 page links absolutely)."""
    if "{partner}" not in base_url:
        return document
    absolute = base_url.replace("{partner}", slug).encode("utf-8")
    return document.replace(absolute, f"/{slug}/".encode())

