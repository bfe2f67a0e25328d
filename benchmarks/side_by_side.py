#!/usr/bin/env python3
"""Every figure of run.py's table for two revisions, side by side: this tree against REF, step by step.

    .venv/bin/python benchmarks/side_by_side.py --compare 6d608bf [--partners 200 --items 50] [--runs 5]
        [--only site]

Each run, for both revisions in turn (the order alternates from run to run), each build in a fresh
process (``benchmarks/_child.py``, ``jobs=2``), each revision with its own output, hub and cache folders:

1. a full HTML build into empty folders, no images (the process tree's memory sampled, as run.py does);
2. a no-op rebuild;
3. one post edited, the first edit after that clean build, then a second edit (a new sentence each);
4. one partner's primary colour edited;
5. a full build with PDFs and images of the small one-pager project (``--pdf-partners`` x ``--pdf-items``):
   what a default ``cobrand build`` makes. Steps 1 to 4 make neither, as run.py's HTML figures.

A step's two builds run one right after the other, so they share the machine's moment. REF is checked
out once into a worktree under ``benchmarks/work/``; each process imports cobrand from that revision's
``src`` through ``PYTHONPATH``, both compiled to bytecode first. Prints every run and then a Markdown
table of medians: CPU time (user + system of the build and its workers: the figure least sensitive to
other load on this shared machine), process wall time, the ratio of the medians, and the median of each
run's own ratio (its two builds ran back to back, so a machine that slows down over the runs moves both
alike). With ``--json PATH`` the raw samples are saved too.

With ``--only site`` this tree's builds are ``cobrand build --only site``: they write the public sites
alone, the output REF wrote before builds also wrote each partner's hub (6d608bf), so both revisions do
the same work. REF's builds are its plain ``cobrand build``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402
from rebuild_pairs import bytecode, worktree  # noqa: E402

STEPS = {
    "full_html": "Full build, HTML only",
    "noop": "No-op rebuild",
    "edit_post_first": "One post edited, first edit after a clean build",
    "edit_post": "One post edited, second edit",
    "edit_partner": "One partner's colour edited",
    "full_pdf": "Full build with PDFs and images",
    "memory": "Peak memory of the full HTML build (process tree PSS)",
}


def outputs(out: Path) -> tuple[Path, Path, Path]:
    """A revision's site, hub and cache folders (the hub beside the site, as ``cobrand.roots`` puts it)."""
    return out, out.with_name(out.name + "-hub"), out.with_name(out.name + "-cache")


def build(source: Path, project: Path, out: Path, *, pdfs: bool = False, images: bool = False,
          memory: bool = False, fresh: bool = False, only: str | None = None) -> run.Sample:
    """One build of ``project`` by the cobrand in ``source``, in a fresh process."""
    site, hub, cache = outputs(out)
    if fresh:
        for folder in (site, hub, cache):
            run.discard(folder)
    args = {"project": str(project), "out": str(site), "cache": str(cache), "jobs": 2, "pdfs": pdfs,
            "images": images, "only": only}
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(source)
    try:
        sample = run.measure([sys.executable, str(run.CHILD), "build", json.dumps(args)], memory=memory)
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    if not sample.data.get("ok", False):
        raise RuntimeError(f"build by {source} failed: {sample.data.get('failures')}")
    return sample


def recolour(text: str, edit: int) -> str:
    """The partner file with another primary colour (as run.py and rebuild_pairs.py edit it)."""
    colour = f'"#{(0x1155aa + 0x2f1b07 * edit) % 0xffffff:06x}"'
    return text.replace(text.split("primary = ", 1)[1].split("\n", 1)[0], colour, 1)


def written(sample: run.Sample) -> int:
    """Files the build wrote, from its report's counts."""
    return int(sample.data.get("counts", {}).get("files_written", 0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", required=True, metavar="REF")
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--pdf-partners", type=int, default=20)
    parser.add_argument("--pdf-items", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip", default="", help="comma-separated steps to leave out: pdf")
    parser.add_argument("--json", type=Path, help="save every sample here")
    parser.add_argument("--only", choices=["site", "hub"], help="this tree's builds write only this root")
    args = parser.parse_args(argv)
    run.ensure_interpreter()
    skip = set(filter(None, args.skip.split(",")))
    folder, manifest = run.prepare(f"p{args.partners}x{args.items}", args.partners, args.items, hugo=False)
    pdf_folder, _ = run.prepare(f"pdf{args.pdf_partners}x{args.pdf_items}", args.pdf_partners, args.pdf_items,
                                mix=(0, 1, 0), hugo=False)
    project, pdf_project = folder / "project", pdf_folder / "project"
    post, partner = project / manifest["edit_post"], project / manifest["edit_partner"]
    originals = {post: post.read_text("utf-8"), partner: partner.read_text("utf-8")}
    short = worktree(args.compare).name.removeprefix("worktree-")
    sources = {short: worktree(args.compare) / "src", "this tree": ROOT / "src"}
    for source in sources.values():  # as an installed package's modules are (rebuild_pairs.py says why)
        bytecode(source, from_source=False)
    outs = {name: WORK / f"sbs-out-{index}" for index, name in enumerate(sources)}
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {name: {} for name in sources}

    def step(key: str, names: list[str], **options: Any) -> None:
        chosen_project = pdf_project if key == "full_pdf" else project
        for name in names:
            out = outs[name].with_name(outs[name].name + "-pdf") if key == "full_pdf" else outs[name]
            sample = build(sources[name], chosen_project, out, only=args.only if name == "this tree" else None,
                           **options)
            samples[name].setdefault(key, []).append({"cpu_s": sample.cpu_s, "wall_s": sample.wall_s,
                                                      "build_s": sample.build_s, "maxrss_kb": sample.maxrss_kb,
                                                      "peak_pss_kb": sample.peak_pss_kb, "written": written(sample)})
            extra = f", peak PSS {sample.peak_pss_kb / 1024:.0f} MB" if sample.peak_pss_kb else ""
            run.log(f"{key}: {name}: CPU {sample.cpu_s:.2f} s, wall {sample.wall_s:.2f} s, "
                    f"build() {sample.build_s:.2f} s, {written(sample)} files written{extra}")

    started = time.perf_counter()
    load_start = run.load_average()
    try:
        for number in range(args.runs):
            names = list(sources) if number % 2 == 0 else list(reversed(sources))
            step("full_html", names, memory=True, fresh=True)
            step("noop", names)
            post.write_text(originals[post] + f"\nFirst edit of run {number} at {time.time()}.\n", "utf-8")
            step("edit_post_first", names)
            post.write_text(originals[post] + f"\nSecond edit of run {number} at {time.time()}.\n", "utf-8")
            step("edit_post", names)
            partner.write_text(recolour(originals[partner], number + 1), "utf-8")
            step("edit_partner", names)
            if "pdf" not in skip:
                step("full_pdf", names, pdfs=True, images=True, fresh=True)
            for path, text in originals.items():
                path.write_text(text, "utf-8")
            run.empty_discarded(settle=False)
    finally:
        for path, text in originals.items():
            path.write_text(text, "utf-8")
        for out in outs.values():
            for folder in (*outputs(out), *outputs(out.with_name(out.name + "-pdf"))):
                run.discard(folder)
        run.empty_discarded(settle=False)
    if args.json:
        args.json.write_text(json.dumps({"config": vars(args) | {"json": str(args.json)}, "samples": samples},
                                        indent=1))
    base, new = list(sources)
    print(f"\n{args.partners} partners x {args.items} items (PDFs: {args.pdf_partners} x {args.pdf_items} "
          f"one-pagers), this tree {'--only ' + args.only if args.only else 'building both roots'}, "
          f"jobs=2, median of {args.runs} runs, load average {load_start} at start, "
          f"{run.load_average()} at end, {(time.perf_counter() - started) / 60:.0f} min\n")
    print(f"| Measurement | {base} CPU s | this tree CPU s | CPU ratio | CPU ratio by run | {base} wall s "
          f"| this tree wall s | wall ratio by run | files written ({base} / this tree) |\n"
          "|---|---|---|---|---|---|---|---|---|")

    def median(name: str, key: str, field: str) -> float:
        return statistics.median(sample[field] for sample in samples[name][key])

    def by_run(key: str, field: str) -> float:
        """The median of each run's ratio of this tree's figure to REF's."""
        return statistics.median(new_sample[field] / base_sample[field]
                                 for base_sample, new_sample in zip(samples[base][key], samples[new][key], strict=True))

    for key, label in STEPS.items():
        if key == "memory":
            pss = [median(name, "full_html", "peak_pss_kb") / 1024 for name in (base, new)]
            rss = [median(name, "full_html", "maxrss_kb") / 1024 for name in (base, new)]
            print(f"| {label} | {pss[0]:.0f} MB | {pss[1]:.0f} MB | {pss[1] / pss[0]:.2f}x | "
                  f"{by_run('full_html', 'peak_pss_kb'):.2f}x | largest process {rss[0]:.0f} MB | {rss[1]:.0f} MB "
                  "| | |")
            continue
        if key not in samples[base]:
            continue
        cpu = [median(name, key, "cpu_s") for name in (base, new)]
        wall = [median(name, key, "wall_s") for name in (base, new)]
        files = [median(name, key, "written") for name in (base, new)]
        print(f"| {label} | {cpu[0]:.2f} | {cpu[1]:.2f} | {cpu[1] / cpu[0]:.2f}x | {by_run(key, 'cpu_s'):.2f}x "
              f"| {wall[0]:.2f} | {wall[1]:.2f} | {by_run(key, 'wall_s'):.2f}x | {files[0]:,.0f} / {files[1]:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
