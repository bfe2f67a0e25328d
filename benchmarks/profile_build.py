#!/usr/bin/env python3
"""Where a full HTML-only build spends its time: cProfile of one build, in one process.

    .venv/bin/python benchmarks/profile_build.py --partners 200 --items 100 [--top 15] [--scenario post]

Generates the project with the same generator as run.py (reused when
unchanged) and profiles, with ``jobs=1`` (cProfile does not follow worker
processes; one process does the same work) and ``pdfs=False, images=False``:
a full build into a fresh folder (``--scenario full``, the default), or a
rebuild after a full build with nothing changed, one post edited or one
partner edited (``--scenario noop|post|partner``). Prints the functions of
``src/cobrand`` with the most cumulative time and the top functions overall
by own time, and writes the raw profile to
``benchmarks/work/profile-<scenario>-<N>x<M>.prof`` (open it with
``python -m pstats`` or snakeviz).

(The file is not called profile.py: that would shadow the standard library
module cProfile imports.)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--scenario", choices=["full", "noop", "post", "partner"], default="full",
                        help="profile a full build (default), or a rebuild after a full one: nothing changed, "
                             "one post edited, one partner's colour edited")
    args = parser.parse_args(argv)
    run.ensure_interpreter()
    import cobrand

    folder, _ = run.prepare(f"p{args.partners}x{args.items}", args.partners, args.items)
    out, cache = folder / "profile-out", folder / "profile-cache"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    project = folder / "project"
    manifest = json.loads((folder / "manifest.json").read_text())
    edited: tuple[Path, str] | None = None
    if args.scenario != "full":
        cobrand.build(project, out_dir=out, cache_dir=cache, jobs=1, pdfs=False, images=False)
        if args.scenario == "post":
            path = project / manifest["edit_post"]
            edited = (path, path.read_text("utf-8"))
            path.write_text(edited[1] + "\nOne more sentence, to profile an incremental build.\n", "utf-8")
        elif args.scenario == "partner":
            path = project / manifest["edit_partner"]
            edited = (path, path.read_text("utf-8"))
            colour = edited[1].split("primary = ", 1)[1].split("\n", 1)[0]
            path.write_text(edited[1].replace(colour, '"#aa3311"', 1), "utf-8")
    profiler = cProfile.Profile()
    start = time.perf_counter()
    try:
        profiler.enable()
        report = cobrand.build(project, out_dir=out, cache_dir=cache, jobs=1, pdfs=False, images=False)
        profiler.disable()
    finally:
        if edited is not None:
            edited[0].write_text(edited[1], "utf-8")
    elapsed = time.perf_counter() - start
    summary: dict[str, Any] = report.to_dict()
    counts = summary["counts"]
    prof = run.WORK / f"profile-{args.scenario}-{args.partners}x{args.items}.prof"
    profiler.dump_stats(prof)
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)

    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    source = str(Path(cobrand.__file__).resolve().parent)
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        if filename.startswith(source):
            rows.append((cumulative, own, calls, f"{Path(filename).relative_to(Path(source).parent)}:{line}({name})"))
    rows.sort(reverse=True)
    what = {"full": "Full HTML-only build", "noop": "No-op rebuild", "post": "Rebuild after editing one post",
            "partner": "Rebuild after editing one partner"}[args.scenario]
    print(f"{what}, {args.partners} partners x {args.items} items, jobs=1, under cProfile: "
          f"{elapsed:.1f} s ({total:.1f} s profiled), {counts['partners_built']} partners built, "
          f"{counts['files_written']:,} files written, "
          f"stages {summary['timings']}\n")
    print(f"Top {args.top} functions of src/cobrand by cumulative time:\n")
    print("| cumulative s | % of build | own s | calls | function |\n|---|---|---|---|---|")
    for cumulative, own, calls, where in rows[: args.top]:
        print(f"| {cumulative:.2f} | {100 * cumulative / total:.0f}% | {own:.2f} | {calls:,} | `{where}` |")
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(args.top)
    print(f"\nTop {args.top} functions overall by own time (tottime):\n")
    print("\n".join(line for line in buffer.getvalue().splitlines() if line.strip())[:6000])
    print(f"\nRaw profile: {prof}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
