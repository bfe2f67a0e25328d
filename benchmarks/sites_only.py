#!/usr/bin/env python3
"""The work REF did, done by this tree: its public sites alone, alternated with REF's whole build (issue 22).

    .venv/bin/python benchmarks/sites_only.py --compare 6d608bf [--partners 200 --items 50] [--runs 5]
        [--profile] [--ref-sites-only]

Since 6d608bf a build also writes each partner's hub (issue 23), so a full build of this tree does
more than 6d608bf's did and their full-build figures do not compare the same work. This benchmark
measures the same work: in this tree's builds a wrapper drops every job whose path starts with the hub's
prefix (``cobrand.jobs.HUB``) from ``PartnerRenderer.planned_jobs``, so only the public sites are
written. **The wrapper is a measurement harness, not a cobrand feature**: everything a build does
before the jobs are made (loading, planning, the views the hub shares with the site, the hub's jobs
themselves, which are made and then dropped) still happens, as it does in a real build; only the hub's
files are neither rendered nor written.

Each run is one full HTML build of each (REF whole, this tree's sites alone, the order alternating from
run to run), each in a fresh process into empty folders, ``jobs=1`` (so that the CPU time is one process's,
and the profile below covers all of it), no PDFs, no images. Prints each run, then the medians of CPU
time (user + system of the process and any children) and wall time, the process's peak RSS, and the files
each wrote.

With ``--ref-sites-only`` REF's builds drop their hub's jobs too: for a REF that has the hub, to measure a
change to the site path alone (REF = the commit before it).

With ``--profile`` each build of the first run is profiled (cProfile) and the raw profiles are saved as
``benchmarks/work/sites-only-<ref|tree>.prof``; their times are then not comparable with unprofiled runs'.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402
from rebuild_pairs import worktree  # noqa: E402

CHILD = """
import cProfile, json, resource, sys, time
from pathlib import Path
project, out, sites_only, profile = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
def cpu():
    mine, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + workers.ru_utime + workers.ru_stime
before, start = cpu(), time.perf_counter()
import cobrand
if sites_only:  # the harness: drop the hub's jobs, after they and everything before them were made
    from cobrand.jobs import HUB
    from cobrand.render.partner import PartnerRenderer
    planned = PartnerRenderer.planned_jobs
    PartnerRenderer.planned_jobs = lambda self, plan, keys: [
        job for job in planned(self, plan, keys) if not job.path.startswith(HUB)]
profiler = cProfile.Profile() if profile else None
if profiler:
    profiler.enable()
report = cobrand.build(project, out_dir=out, cache_dir=out.with_name(out.name + "-cache"), jobs=1,
                       pdfs=False, images=False)
if profiler:
    profiler.disable()
    profiler.dump_stats(profile)
print(json.dumps({"build_s": time.perf_counter() - start, "cpu_s": cpu() - before, "ok": report.ok,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "written": sum(partner.written for partner in report.partners)}))
"""


def build(source: Path, project: Path, out: Path, *, sites_only: bool, profile: Path | None) -> dict[str, float]:
    """One full build into empty folders by the cobrand in ``source``, in a fresh process."""
    for folder in (out, out.with_name(out.name + "-hub"), out.with_name(out.name + "-cache")):
        run.discard(folder)
    environ = {**os.environ, "PYTHONPATH": str(source)}
    result = subprocess.run([sys.executable, "-c", CHILD, str(project), str(out), "1" if sites_only else "0",
                             str(profile or "")], env=environ, check=True, capture_output=True, text=True)
    data: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    if not data["ok"]:
        raise RuntimeError(f"the build by {source} failed")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", required=True, metavar="REF")
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile the first run's two builds")
    parser.add_argument("--ref-sites-only", action="store_true", help="REF's builds drop the hub's jobs too")
    args = parser.parse_args(argv)
    run.ensure_interpreter()
    folder, _ = run.prepare(f"p{args.partners}x{args.items}", args.partners, args.items, hugo=False)
    project = folder / "project"
    ref = worktree(args.compare)
    short = ref.name.removeprefix("worktree-")
    ways = {f"{short}, {'public sites alone' if args.ref_sites_only else 'whole build'}":
            (ref / "src", args.ref_sites_only, "ref"),
            "this tree, public sites alone": (ROOT / "src", True, "tree")}
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in ways}
    load_start, started = run.load_average(), time.perf_counter()
    try:
        for number in range(args.runs):
            names = list(ways) if number % 2 == 0 else list(reversed(ways))
            for name in names:
                source, sites_only, tag = ways[name]
                profile = WORK / f"sites-only-{tag}.prof" if args.profile and number == 0 else None
                sample = build(source, project, WORK / f"sites-only-{tag}", sites_only=sites_only, profile=profile)
                samples[name].append(sample)
                run.log(f"run {number + 1}: {name}: CPU {sample['cpu_s']:.2f} s, wall {sample['build_s']:.2f} s, "
                        f"{sample['written']:,.0f} files written" + (" (profiled)" if profile else ""))
            run.empty_discarded(settle=False)
    finally:
        for tag in ("ref", "tree"):
            out = WORK / f"sites-only-{tag}"
            for folder in (out, out.with_name(out.name + "-hub"), out.with_name(out.name + "-cache")):
                run.discard(folder)
        run.empty_discarded(settle=False)
    counted = {name: runs[1:] if args.profile and len(runs) > 1 else runs for name, runs in samples.items()}
    print(f"\n{args.partners} partners x {args.items} items, full HTML builds, jobs=1, no images or PDFs, "
          f"medians of {len(next(iter(counted.values())))} runs"
          f"{' (the profiled first run left out)' if args.profile and args.runs > 1 else ''}, load average "
          f"{load_start} at start, {run.load_average()} at end, {(time.perf_counter() - started) / 60:.0f} min\n")
    print("| Build | CPU s (median) | wall s (median) | peak RSS MB (median) | files written | CPU s, every run |\n"
          "|---|---|---|---|---|---|")
    for name, runs in counted.items():
        cpu = statistics.median(sample["cpu_s"] for sample in runs)
        wall = statistics.median(sample["build_s"] for sample in runs)
        every = ", ".join(f"{sample['cpu_s']:.2f}" for sample in samples[name])
        rss = statistics.median(sample["maxrss_mb"] for sample in runs)
        print(f"| {name} | {cpu:.2f} | {wall:.2f} | {rss:.0f} | {runs[0]['written']:,.0f} | {every} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
