"""Run Lighthouse (npm ``lighthouse``, pinned in package.json) on Debian's chromium against a build served
by a real local HTTP server; shared by tests/browser/test_lighthouse.py and benchmarks/lighthouse.py.

Settings, so that a figure can be reproduced: the server is Python's ``http.server.ThreadingHTTPServer``
with ``SimpleHTTPRequestHandler`` on 127.0.0.1 serving the build folder at the host root (as the
path-style ``base_url`` deploys it: ``/<partner>/...``, with the root-level robots.txt); Lighthouse runs
with ``CHROME_PATH=/usr/bin/chromium``, ``--chrome-flags="--headless --no-sandbox --disable-gpu
--disable-background-networking"``, ``--ignore-status-code`` (so that a 404 page is scored; the
``http-status-code`` audit judges its status) and ``--disable-full-page-screenshot`` (a picture for the HTML
report only), its default mobile settings (simulated throttling, Moto G Power viewport) or ``--preset=desktop``,
one process per page. A missing file under a partner's folder answers that partner's 404.html with status 404.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

from support.http_server import local_http_server

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path("/usr/bin/chromium")
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
FORM_FACTORS = ("mobile", "desktop")


class _HostHandler(SimpleHTTPRequestHandler):
    """The static file handler, with a host's per-partner 404 rule: a missing ``/<slug>/...`` answers
    ``<slug>/404.html`` with status 404 (docs/publishing.md's Netlify rule ``/:partner/* /:partner/404.html 404``)."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        slug = self.path.lstrip("/").split("/", 1)[0]
        page = Path(self.directory) / slug / "404.html"
        if code != HTTPStatus.NOT_FOUND or not slug or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """``folder`` served over HTTP at ``http://127.0.0.1:<port>/`` while the block runs; a missing file under
    a partner's folder gets that partner's 404 page with status 404, as a host configured per
    docs/publishing.md serves it."""
    with local_http_server(folder, _HostHandler) as server:
        yield server.url + "/"


# A missing address one folder deep: the site's 404 page links from the host's root, so it works at any depth.
MISSING_SITE_PAGE = "blog/no-such-post.html"
# The hub's 404 page links relatively, so it is asked for at the hub's top level (where a host serving
# the hub's own 404.html for a missing top-level address shows it styled).
MISSING_HUB_PAGE = "no-such-page.html"


def page_types(build: Path, slug: str) -> dict[str, str]:
    """One page of each type of ``slug``'s public site, by type name, as paths under the build folder; the
    404 is a missing address (served with status 404)."""
    site = build / slug

    def first(folder: str) -> str:  # a partner without the kind has no such page (and no folder)
        pages = sorted(path for path in (site / folder).glob("*.html") if path.name != "index.html")
        return f"{slug}/{folder}/{pages[0].name}" if pages else ""

    pages = {"home": f"{slug}/index.html", "blog index": f"{slug}/blog/index.html", "post": first("blog"),
             "datasheets": f"{slug}/one-pagers/index.html", "one-pager": first("one-pagers"),
             "media index": f"{slug}/media/index.html", "media": first("media")}
    present = {name: path for name, path in pages.items() if path and (build / path).is_file()}
    assert "home" in present and (site / "404.html").is_file(), f"{slug} has no index.html or 404.html"
    return present | {"404": f"{slug}/{MISSING_SITE_PAGE}"}


def hub_page_types(hub: Path, slug: str) -> dict[str, str]:
    """One page of each type of ``slug``'s hub, by type name, as paths under the hubs' folder; the 404 is a
    missing address (served with status 404)."""
    pages = {"hub program": f"{slug}/index.html", "hub what's new": f"{slug}/new.html", "hub kit": f"{slug}/kit.html",
             "hub social": f"{slug}/social.html", "hub e-mail": f"{slug}/email/index.html"}
    present = {name: path for name, path in pages.items() if (hub / path).is_file()}
    assert (hub / slug / "404.html").is_file(), f"{slug}'s hub has no 404.html"
    return present | {"hub 404": f"{slug}/{MISSING_HUB_PAGE}"}


# Audits a page type fails by design, as (category, audit id). A 404 page answers with status 404 and is noindex
# (issue 21): Lighthouse's "http-status-code" fails any status of 400 or more, "is-crawlable" any noindex page, and
# Chromium logs the document's own 404 to the console ("Failed to load resource: ... 404"), which fails
# "errors-in-console" (tests/browser/test_lighthouse.py checks that this error is the only one, and is the page's own).
# Hub pages are noindex (private to the partner): "is-crawlable". Every other audit must pass on them.
_NOT_FOUND = frozenset({("seo", "is-crawlable"), ("seo", "http-status-code"), ("best-practices", "errors-in-console")})
_HUB = frozenset({("seo", "is-crawlable")})


def failures_by_design(page: str) -> frozenset[tuple[str, str]]:
    """The (category, audit id) pairs page type ``page`` fails on purpose; empty for a public, indexable page."""
    if page in ("404", "hub 404"):
        return _NOT_FOUND
    return _HUB if page.startswith("hub ") else frozenset()


@dataclass(frozen=True)
class Audit:
    """One Lighthouse audit that did not fully pass, in a scored category."""

    category: str
    id: str
    title: str
    score: float
    detail: str


@dataclass(frozen=True)
class Result:
    """Lighthouse's scores (0-100) for one page and form factor, and what cost points."""

    url: str
    form_factor: str
    scores: dict[str, int]
    failed: tuple[Audit, ...]
    layout_shift: float
    report: dict[str, Any]

    def describe(self) -> str:
        """Scores and failing audits, one per line, for an assertion message."""
        lines = [f"{self.url} ({self.form_factor}): " + ", ".join(f"{k} {v}" for k, v in self.scores.items())]
        lines += [f"  {a.category}: {a.id} ({a.title}) score {a.score:g} {a.detail}" for a in self.failed]
        return "\n".join(lines)


def run_lighthouse(url: str, form_factor: str = "mobile") -> Result:
    """Lighthouse's result for ``url`` as ``form_factor`` ("mobile" or "desktop")."""
    assert LIGHTHOUSE.is_file(), f"{LIGHTHOUSE} is missing: run bash scripts/setup (npm ci)"
    assert CHROMIUM.is_file(), "Debian's chromium is needed at /usr/bin/chromium: run bash scripts/setup"
    with tempfile.TemporaryDirectory(prefix="cobrand-lighthouse-") as scratch:
        output = Path(scratch) / "report.json"
        command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={output}",
                   f"--chrome-flags={CHROME_FLAGS}", f"--only-categories={','.join(CATEGORIES)}",
                   # A 404 page is scored, not refused: its status is the "http-status-code" audit's to judge.
                   "--ignore-status-code", "--disable-full-page-screenshot"]
        if form_factor == "desktop":
            command.append("--preset=desktop")
        environment = os.environ | {"CHROME_PATH": str(CHROMIUM), "HOME": scratch}
        run = subprocess.run(command, capture_output=True, text=True, timeout=300, env=environment, check=False)
        assert output.is_file(), f"lighthouse failed on {url}: {run.stderr[-2000:]}"
        report = json.loads(output.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise AssertionError(f"lighthouse could not load {url}: {report['runtimeError']}")
    scores = {name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES}
    failed = []
    for name in CATEGORIES:
        for reference in report["categories"][name]["auditRefs"]:
            audit = report["audits"][reference["id"]]
            if reference.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                failed.append(Audit(name, audit["id"], audit["title"], audit["score"],
                                    audit.get("displayValue") or _first_item(audit)))
    shift = report["audits"]["cumulative-layout-shift"].get("numericValue", 0.0)
    return Result(url, form_factor, scores, tuple(failed), shift, report)


def _first_item(audit: dict[str, Any]) -> str:
    items = (audit.get("details") or {}).get("items") or []
    if not items:
        return ""
    node = items[0].get("node") or items[0].get("source") or {}
    if not isinstance(node, dict):  # some audits name their source as a plain URL
        return str(node)[:160]
    return str(node.get("snippet") or node.get("selector") or items[0])[:160]
