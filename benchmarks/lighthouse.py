"""Lighthouse on every page type, mobile and desktop: the example project and the generated right-to-left /
CJK / awkward-colour project of tests/support/awkward_project.py.

    .venv/bin/python benchmarks/lighthouse.py                       # both projects, 2 partners x 8 pages x 2
    .venv/bin/python benchmarks/lighthouse.py --partner northbeam-it --form-factor mobile

Builds each project (with PDFs, so the kit shows its thumbnails) into a temporary folder, serves it with
Python's http.server on 127.0.0.1 and runs Lighthouse 12.2.3 (pinned in package.json) on Debian's chromium
once per page and form factor; settings in tests/support/lighthouse_runner.py. Prints a Markdown table of the
four category scores and, under it, every audit that cost points. A full run takes about 32 x 12 s.
The test suite runs a fixed sample of the same (tests/browser/test_lighthouse.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import cobrand  # noqa: E402
from support.awkward_project import write_awkward_project  # noqa: E402
from support.lighthouse_runner import CATEGORIES, FORM_FACTORS, Result, page_types, run_lighthouse, serve  # noqa: E402

EPOCH = {"SOURCE_DATE_EPOCH": "1795305600"}  # the test suite's build date, 2026-11-22
DEFAULT_PARTNERS = {"example": "northbeam-it", "awkward": "gulf-shield"}


def main() -> int:
    """Build, serve, run Lighthouse on every page type and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partner", action="append", help="partner slug of either project (repeatable)")
    parser.add_argument("--form-factor", choices=FORM_FACTORS, action="append")
    parser.add_argument("--page", action="append", help="page type (home, post, ...; repeatable)")
    args = parser.parse_args()
    form_factors = args.form_factor or list(FORM_FACTORS)
    results: list[tuple[str, str, Result]] = []
    with tempfile.TemporaryDirectory(prefix="cobrand-lighthouse-") as scratch:
        projects = {"example": ROOT, "awkward": write_awkward_project(Path(scratch) / "awkward")}
        for name, project in projects.items():
            slugs = [s for s in (args.partner or [DEFAULT_PARTNERS[name]]) if (project / "partners" / s).is_dir()]
            if not slugs:
                continue
            out = Path(scratch) / f"build-{name}"
            cobrand.build(project, out_dir=out, partners=tuple(slugs), jobs=2, environ=EPOCH)
            with serve(out) as base:
                for slug in slugs:
                    for page, path in page_types(out, slug).items():
                        if args.page and page not in args.page:
                            continue
                        for form_factor in form_factors:
                            result = run_lighthouse(base + path, form_factor)
                            print(result.describe(), file=sys.stderr, flush=True)
                            results.append((slug, page, result))
    print(table(results))
    return 0


def table(results: list[tuple[str, str, Result]]) -> str:
    """The results as a Markdown table, then the audits that cost points."""
    lines = ["| partner | page | form factor | " + " | ".join(CATEGORIES) + " | CLS |",
             "|---|---|---|" + "---:|" * (len(CATEGORIES) + 1)]
    for slug, page, result in results:
        scores = " | ".join(str(result.scores[name]) for name in CATEGORIES)
        lines.append(f"| {slug} | {page} | {result.form_factor} | {scores} | {result.layout_shift:.3f} |")
    lost = sorted({f"- {slug} {page} ({r.form_factor}): {a.category} `{a.id}` {a.detail}".rstrip()
                   for slug, page, r in results for a in r.failed if a.category != "performance"})
    if lost:
        lines += ["", "Audits that cost accessibility, best-practices or SEO points:", "", *lost]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
