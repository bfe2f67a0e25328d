"""Lighthouse on every page type of the public site and of the hub, mobile and desktop: the example project and
the generated right-to-left / CJK / awkward-colour project of tests/support/awkward_project.py.

    .venv/bin/python benchmarks/lighthouse.py                  # example + Arabic + Japanese partner, 3 runs each
    .venv/bin/python benchmarks/lighthouse.py --partner pale-harbour --runs 1 --form-factor mobile --page "hub kit"

Builds each project (with PDFs, so the kit shows its thumbnails; SOURCE_DATE_EPOCH of the test suite) into a
temporary folder, serves the sites' folder and the hubs' folder each at a host root with
tests/support/http_server.py's local_http_server (Python's http.server on 127.0.0.1, with a host's per-partner
404 rule: a missing address answers the partner's 404.html with status 404), and runs Lighthouse 12.2.3 (pinned
in package.json) on Debian's chromium, --runs times per page and form factor; settings in
tests/support/lighthouse_runner.py. Prints a Markdown table: performance is the median of the runs,
accessibility / best practices / SEO the lowest of the runs; under it every audit that cost those three points,
the ones failed by design (failures_by_design) apart. Each run is also appended as one JSON line to --log, so a
long run's results survive an interruption. A run takes about 20 s. The test suite runs a fixed sample of the
same without the performance score (tests/browser/test_lighthouse.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import cobrand  # noqa: E402
from support.awkward_project import write_awkward_project  # noqa: E402
from support.lighthouse_runner import (  # noqa: E402
    CATEGORIES,
    FORM_FACTORS,
    failures_by_design,
    hub_page_types,
    page_types,
    run_lighthouse,
    serve,
)

EPOCH = {"SOURCE_DATE_EPOCH": "1795305600"}  # the test suite's build date, 2026-11-22
DEFAULT_PARTNERS = {"example": ("northbeam-it",), "awkward": ("gulf-shield", "sakura-backup")}


def main() -> int:
    """Build, serve, run Lighthouse on every page type and print the table (or only the table of --table-of)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partner", action="append", help="partner slug of either project (repeatable)")
    parser.add_argument("--form-factor", choices=FORM_FACTORS, action="append")
    parser.add_argument("--page", action="append", help="page type (home, post, hub kit, ...; repeatable)")
    parser.add_argument("--runs", type=int, default=3, help="runs per page and form factor (default 3)")
    parser.add_argument("--log", type=Path, default=Path("lighthouse-runs.jsonl"), help="JSON lines, appended")
    parser.add_argument("--table-of", type=Path, action="append", help="print the table of logged runs, run nothing")
    args = parser.parse_args()
    if args.table_of:
        print(table([json.loads(line) for log in args.table_of for line in log.read_text().splitlines() if line]))
        return 0
    form_factors = args.form_factor or list(FORM_FACTORS)
    records: list[dict[str, Any]] = []
    print(f"load average at start: {os.getloadavg()}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="cobrand-lighthouse-") as scratch:
        projects = {"awkward": write_awkward_project(Path(scratch) / "awkward"), "example": ROOT}
        builds = []  # every project is built before the first run, so an edit during a long run changes nothing
        for name, project in projects.items():
            slugs = tuple(s for s in (args.partner or DEFAULT_PARTNERS[name]) if (project / "partners" / s).is_dir())
            if slugs:
                out = Path(scratch) / f"build-{name}"
                hub = out.with_name(out.name + "-hub")
                cobrand.build(project, out_dir=out, hub_dir=hub, partners=slugs, jobs=2, environ=EPOCH)
                builds.append((out, hub, slugs))
        for out, hub, slugs in builds:
            for slug in slugs:
                for folder, pages in ((out, page_types(out, slug)), (hub, hub_page_types(hub, slug))):
                    with serve(folder) as base:
                        for page, path in pages.items():
                            if args.page and page not in args.page:
                                continue
                            for form_factor in form_factors:
                                for _ in range(args.runs):
                                    records.append(_run(base + path, form_factor, slug, page, args.log))
    print(f"load average at end: {os.getloadavg()}", file=sys.stderr, flush=True)
    print(table(records))
    return 0


def _run(url: str, form_factor: str, slug: str, page: str, log: Path) -> dict[str, Any]:
    """One Lighthouse run as a log record (appended to ``log``); a run that fails is recorded with its error."""
    record: dict[str, Any] = {"slug": slug, "page": page, "form_factor": form_factor}
    try:
        result = run_lighthouse(url, form_factor)
    except AssertionError as error:  # one page Lighthouse could not load must not lose the hour's other runs
        record["error"] = str(error)[:500]
        print(f"{url} ({form_factor}): {error}", file=sys.stderr, flush=True)
    else:
        print(result.describe(), f"(load {os.getloadavg()[0]:.1f})", file=sys.stderr, flush=True)
        record |= {"scores": result.scores, "cls": result.layout_shift,
                   "failed": [[a.category, a.id, a.detail] for a in result.failed]}
    record["load"] = round(os.getloadavg()[0], 1)
    with log.open("a", encoding="utf-8") as file:
        file.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record


def table(records: list[dict[str, Any]]) -> str:
    """A Markdown table of the runs by partner, page type and form factor (median performance; the lowest of the
    other scores), then the audits that cost accessibility, best-practices or SEO points."""
    rows: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for record in records:
        rows.setdefault((record["slug"], record["page"], record["form_factor"]), []).append(record)
    lines = ["| partner | page | form factor | performance (median) | " + " | ".join(CATEGORIES[1:])
             + " | CLS (max) | performance of each run | load average |",
             "|---|---|---|" + "---:|" * (len(CATEGORIES) + 1) + "---|---|"]
    lost: set[str] = set()
    by_design: dict[str, set[str]] = {}
    errors: list[str] = []
    for (slug, page, form_factor), runs in rows.items():
        scored = [run for run in runs if "scores" in run]
        errors += [f"- {slug} {page} ({form_factor}): {run['error']}" for run in runs if "error" in run]
        if not scored:
            continue
        performance = [run["scores"]["performance"] for run in scored]
        scores = [str(round(statistics.median(performance)))]
        scores += [str(min(run["scores"][name] for run in scored)) for name in CATEGORIES[1:]]
        loads = ", ".join(f"{run['load']:.0f}" for run in scored)
        scores.append(f"{max(run['cls'] for run in scored):.3f}")
        lines.append(f"| {slug} | {page} | {form_factor} | {' | '.join(scores)} | "
                     f"{', '.join(map(str, performance))} | {loads} |")
        for run in scored:
            for category, audit, detail in run["failed"]:
                if (category, audit) in failures_by_design(page):
                    by_design.setdefault(page, set()).add(f"{category} `{audit}`")
                elif category != "performance":
                    lost.add(f"- {slug} {page} ({form_factor}): {category} `{audit}` {detail}".rstrip())
    lines += ["", "Audits that cost accessibility, best-practices or SEO points:", "", *(sorted(lost) or ["- none"])]
    lines += ["", "Audits failed by design (404 pages: status 404, noindex, that status in the console; hub pages: "
              "noindex), by page type, in any run:", "",
              *([f"- {page}: {', '.join(sorted(audits))}" for page, audits in sorted(by_design.items())] or ["- none"])]
    if errors:
        lines += ["", "Runs that failed:", "", *errors]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
