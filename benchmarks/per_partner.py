#!/usr/bin/env python3
"""CPU per file of a full HTML build, and per partner of a rebuild after one post is edited, in one process.

    .venv/bin/python benchmarks/per_partner.py --partners 150 [--compare HEAD~3] [--pairs 3]

Builds the first N partners of the generated 1,000 x 100 project with
``render_partner`` in this process (``jobs=1``, no PDFs or images), then
changes the edited post's key three times and rebuilds, and prints the CPU
time (user + system) per file written and per partner rebuilt. With
``--compare REF`` the same measurement runs for that git revision too (from a
worktree under ``benchmarks/work/``), alternating with the working tree
``--pairs`` times, so both see the same machine: on this shared machine a
whole build's CPU time varies by half between runs, and only interleaved
pairs show a 10% change.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from rebuild_pairs import worktree

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work"


def measure(partners: int) -> dict[str, float]:
    """The figures for the cobrand importable in this process."""
    import importlib

    build = importlib.import_module("cobrand.build")
    from cobrand.render.partner import PartnerRenderer

    try:  # one partner's build has its own module (with the planner an argument) since issue 22
        one = importlib.import_module("cobrand.partner_build")

        def render_partner(renderer: Any, partner: Any, options: Any) -> Any:
            return one.render_partner(renderer, renderer.planner, partner, options)
    except ModuleNotFoundError:
        one, render_partner = build, build.render_partner

    folder = WORK / "p1000x100"
    manifest = json.loads((folder / "manifest.json").read_text())
    project, _ = build.load_and_check(folder / "project")
    chosen = project.partners[:partners]
    renderer = PartnerRenderer(project, pdfs=False, images=False)
    with tempfile.TemporaryDirectory(dir=WORK) as out:
        options = one.RenderOptions(out=Path(out), store=None, pdfs=False, images=False)

        def cpu() -> float:
            times = os.times()
            return times.user + times.system

        start = cpu()
        for partner in chosen:
            render_partner(renderer, partner, options)
        full = cpu() - start
        files = sum(1 for path in Path(out).rglob("*") if path.is_file())
        post = next(item for item in project.content if item.source == manifest["edit_post"])
        edits = []
        for edit in range(3):
            renderer._item_keys[post.variant_id] = f"edited {edit}"  # as if its text had changed
            # Keys made from the item keys (since a4740b5).
            for memo in ("_selections", "_shared_by_selection", "_digests_by_selection"):
                getattr(renderer, memo, {}).clear()
            start = cpu()
            for partner in chosen:
                render_partner(renderer, partner, options)
            edits.append(cpu() - start)
    return {"full_ms_per_file": full / files * 1000, "post_ms_per_partner": sorted(edits)[1] / partners * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=150)
    parser.add_argument("--compare", metavar="REF", help="a git revision to measure alternately with the working tree")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.partners)))
        return 0
    if not (WORK / "p1000x100" / "manifest.json").is_file():
        sys.exit("generate the project first: .venv/bin/python benchmarks/run.py --partners 1000 --items 100")
    sources = {"working tree": ROOT / "src"}
    if args.compare:
        tree = worktree(args.compare)
        sources = {tree.name.removeprefix("worktree-"): tree / "src", **sources}
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in sources}
    for _ in range(args.pairs if args.compare else 1):
        for name, source in sources.items():
            environ = {**os.environ, "PYTHONPATH": str(source)}
            result = subprocess.run([sys.executable, __file__, "--child", "--partners", str(args.partners)],
                                    env=environ, check=True, capture_output=True, text=True)
            figures[name].append(json.loads(result.stdout))
            print(f"{name}: {figures[name][-1]}", flush=True)
    for name, runs in figures.items():
        def median(key: str, runs: list[dict[str, float]] = runs) -> float:
            return sorted(run[key] for run in runs)[len(runs) // 2]
        print(f"{name}: full build {median('full_ms_per_file'):.3f} ms CPU per file, "
              f"one post edited {median('post_ms_per_partner'):.2f} ms CPU per partner "
              f"(median of {len(runs)}, {args.partners} partners)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
