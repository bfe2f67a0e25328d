#!/usr/bin/env python3
"""The first edit after a clean build against the second, in files written and time (issue 22, point 3).

    .venv/bin/python benchmarks/first_edit.py [--partners 50] [--items 20] [--jobs 2] [--runs 3]

Generates ``--partners`` x ``--items`` blog posts with ``generate.py`` and removes their gating
(min_tier, ecosystems, regions), so every partner gets every post, as the issue's project does. Each
run builds it from nothing (untimed), appends a sentence to one post and rebuilds (the first edit),
then appends another and rebuilds (the second). A clean build's keys must equal a warm build's:
the first edit must write what the second writes, one page per partner, not every file. Prints
the files written and the time inside ``cobrand.build()`` of each, and their medians.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "src"))

import generate  # noqa: E402

import cobrand  # noqa: E402

ENVIRON = {"SOURCE_DATE_EPOCH": "1795305600"}
GATING = re.compile(r"^(min_tier|ecosystems|regions):.*\n", re.MULTILINE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=50)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    work = BENCH / "work" / f"first-edit-{args.partners}x{args.items}"
    generate.generate(work, args.partners, args.items, mix=(1.0, 0.0, 0.0), hugo=False)
    project = work / "project"
    posts = sorted((project / "content" / "blog").glob("*.md"))
    for post in posts:
        post.write_text(GATING.sub("", post.read_text(encoding="utf-8")), encoding="utf-8")
    edited, original = posts[0], posts[0].read_text(encoding="utf-8")
    out = work / "out"
    options = {"out_dir": out, "jobs": args.jobs, "environ": ENVIRON, "pdfs": False, "images": False}
    figures: dict[str, list[tuple[int, float]]] = {"first edit": [], "second edit": []}
    try:
        for run in range(args.runs):
            shutil.rmtree(out, ignore_errors=True)
            edited.write_text(original, encoding="utf-8")
            report = cobrand.build(project, **options)
            files = sum(result.files for result in report.partners)
            print(f"run {run + 1}: clean build, {files} files", flush=True)
            for number, name in enumerate(figures, start=1):
                edited.write_text(original + f"\nSentence {number} of run {run + 1}.\n", encoding="utf-8")
                start = time.perf_counter()
                report = cobrand.build(project, **options)
                seconds = time.perf_counter() - start
                written = sum(result.written for result in report.partners)
                figures[name].append((written, seconds))
                print(f"run {run + 1}: {name}: {written} files written of {files}, {seconds:.2f} s in build()",
                      flush=True)
    finally:
        edited.write_text(original, encoding="utf-8")
        shutil.rmtree(out, ignore_errors=True)
    for name, runs in figures.items():
        print(f"{name}, median of {len(runs)}: {statistics.median(w for w, _ in runs):.0f} files written, "
              f"{statistics.median(s for _, s in runs):.2f} s in build()")
    return 0


if __name__ == "__main__":
    sys.exit(main())
