"""Run Lighthouse (npm ``lighthouse``, pinned in package.json) on Debian's chromium against a build served
by a real local HTTP server; shared by tests/browser/test_lighthouse.py and benchmarks/lighthouse.py.

Settings, so that a figure can be reproduced: the server is Python's ``http.server.ThreadingHTTPServer``
with ``SimpleHTTPRequestHandler`` on 127.0.0.1 serving the build folder at the host root (as the
path-style ``base_url`` deploys it: ``/<partner>/...``, with the root-level robots.txt); Lighthouse runs
with ``CHROME_PATH=/usr/bin/chromium``, ``--chrome-flags="--headless --no-sandbox --disable-gpu
--disable-background-networking"``, its default mobile settings (simulated throttling, Moto G Power
viewport) or ``--preset=desktop``, one process per page.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.http_server import local_http_server

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path("/usr/bin/chromium")
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
FORM_FACTORS = ("mobile", "desktop")


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """``folder`` served over HTTP at ``http://127.0.0.1:<port>/`` while the block runs."""
    with local_http_server(folder) as server:
        yield server.url + "/"


def page_types(build: Path, slug: str) -> dict[str, str]:
    """One page of each type of ``slug``'s site, by type name, as paths under the build folder."""
    site = build / slug

    def first(folder: str) -> str:
        pages = sorted(path for path in (site / folder).glob("*.html") if path.name != "index.html")
        assert pages, f"{slug} has no page in {folder}/"
        return f"{slug}/{folder}/{pages[0].name}"

    return {"home": f"{slug}/index.html", "blog index": f"{slug}/blog/index.html", "post": first("blog"),
            "one-pager": first("one-pagers"), "media": first("media"), "datasheets": f"{slug}/one-pagers/index.html",
            "media index": f"{slug}/media/index.html", "404": f"{slug}/404.html"}


def hub_page_types(hub: Path, slug: str) -> dict[str, str]:
    """One page of each type of ``slug``'s hub, by type name, as paths under the hubs' folder."""
    pages = {"hub program": f"{slug}/index.html", "hub what's new": f"{slug}/new.html", "hub kit": f"{slug}/kit.html",
             "hub social": f"{slug}/social.html", "hub e-mail index": f"{slug}/email/index.html",
             "hub 404": f"{slug}/404.html"}
    return {name: path for name, path in pages.items() if (hub / path).is_file()}


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
                   f"--chrome-flags={CHROME_FLAGS}", f"--only-categories={','.join(CATEGORIES)}"]
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
    return str(node.get("snippet") or node.get("selector") or items[0])[:160]
