#!/usr/bin/env python3
"""Rebuilds after one edit, real builds, two revisions side by side: run.py's rebuild figures, as pairs.

    .venv/bin/python benchmarks/rebuild_pairs.py --compare 572369a [--edit post|partner|full|none] [--edits 6]
        [--partners 1000 --items 100] [--from-source]

Builds the generated 1,000 x 100 project (or another size, generated under
``benchmarks/work/`` when missing) with the working tree and with
revision REF (from a worktree under ``benchmarks/work/``), each into its own
output folder with ``jobs=2`` and no PDFs or images, as run.py does. Then it
edits the post (or recolours the partner) that run.py edits, ``--edits``
times; after each edit both revisions
rebuild, in alternating order, each in a fresh process that reports the time
spent in ``cobrand.build()`` and the CPU time of it and its workers. The
first builds (full, cold) are reported too, as one pair. With ``--edit full``
nothing is edited: each of the ``--edits`` pairs is a clean full build (output
and cache folders removed first), for run.py's full-build figure as pairs. With
``--edit none`` nothing is edited or removed: each pair is a no-op rebuild, where
starting the process and importing cobrand are much of the cost, so every line
also gives the CPU time of the whole process (start-up and imports included).

Both revisions' modules are compiled to bytecode (``compileall``) before the
first build, as an installed package's are: with ``PYTHONDONTWRITEBYTECODE``
set and no ``__pycache__``, every fresh process compiled every module it
imports from source, and a no-op rebuild then weighed the revisions' lines of
source more than their work (benchmarks/README.md, fifteenth session). With
``--from-source`` both revisions' ``__pycache__`` folders are removed instead
and the builds run with ``PYTHONDONTWRITEBYTECODE=1``, so every process
compiles what it imports.

The first edit after a clean build is reported on its own line, apart from the
median of the later ones: a clean build's keys must equal a warm one's, or that
edit rewrites everything (issue 22). With ``--first``, every pair is a first
edit: both output folders are built again from nothing (untimed) before each edit.
Every line says how many files the rebuild wrote.

On this shared machine a rebuild's time varies by half between minutes; a
pair shares the minute, so the medians of the two columns can be compared
where two separate runs of run.py cannot.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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

CHILD = """
import json, resource, sys, time
from pathlib import Path
import cobrand
project, out = Path(sys.argv[1]), Path(sys.argv[2])
def cpu():
    mine, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + workers.ru_utime + workers.ru_stime
before, start = cpu(), time.perf_counter()
report = cobrand.build(project, out_dir=out, cache_dir=out.with_name(out.name + "-cache"), jobs=2,
                       pdfs=False, images=False)
print(json.dumps({"build_s": time.perf_counter() - start, "cpu_s": cpu() - before, "process_cpu_s": cpu(),
                  "built": sum(1 for partner in report.partners if partner.status == "built"),
                  "written": sum(partner.written for partner in report.partners)}))
"""


def worktree(revision: str) -> Path:
    """A checkout of ``revision`` under benchmarks/work, made once."""
    short = subprocess.run(["git", "rev-parse", "--short", revision], cwd=ROOT, check=True, capture_output=True,
                           text=True).stdout.strip()
    tree = WORK / f"worktree-{short}"
    if not tree.is_dir():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), short], cwd=ROOT, check=True,
                       capture_output=True)
    return tree


def bytecode(source: Path, from_source: bool) -> None:
    """Compile the modules under ``source`` to bytecode, or (``from_source``) remove what was compiled."""
    if from_source:
        for folder in sorted(source.rglob("__pycache__")):
            shutil.rmtree(folder)
    else:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(source)], check=True)


def build(source: Path, project: Path, out: Path, from_source: bool = False) -> dict[str, float]:
    environ = {**os.environ, "PYTHONPATH": str(source)}
    if from_source:
        environ["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run([sys.executable, "-c", CHILD, str(project), str(out)], env=environ, check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def changed(original: str, kind: str, edit: int) -> str:
    """The edited post (a sentence more) or partner (another primary colour), as run.py edits them."""
    if kind == "post":
        return original + f"\nEdited for a paired rebuild, {edit} at {time.time()}.\n"
    colour = f'"#{(0x1155aa + 0x2f1b07 * edit) % 0xffffff:06x}"'
    return original.replace(original.split("primary = ", 1)[1].split("\n", 1)[0], colour, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", required=True, metavar="REF", help="the revision to pair with the working tree")
    parser.add_argument("--edit", choices=["post", "partner", "full", "none"], default="post")
    parser.add_argument("--edits", type=int, default=6)
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--from-source", action="store_true",
                        help="no bytecode: every build's process compiles the modules it imports")
    parser.add_argument("--first", action="store_true",
                        help="time only first edits: a clean (untimed) build of both revisions before each edit")
    args = parser.parse_args(argv)
    folder = WORK / f"p{args.partners}x{args.items}"
    if not (folder / "manifest.json").is_file():  # one run.py made is used as it is, Hugo site and all
        folder, _ = run.prepare(folder.name, args.partners, args.items, hugo=False)
    project = folder / "project"
    manifest = json.loads((folder / "manifest.json").read_text())
    edited = project / manifest["edit_post" if args.edit in ("full", "none") else f"edit_{args.edit}"]
    sources = {args.compare: worktree(args.compare) / "src", "working tree": ROOT / "src"}
    for source in sources.values():
        bytecode(source, args.from_source)
    outs = {name: WORK / f"pairs-out-{index}" for index, name in enumerate(sources)}

    def clean() -> None:  # moved aside, not deleted: see run.discard
        for out in outs.values():
            run.discard(out)
            run.discard(out.with_name(out.name + "-hub"))  # the partners' hubs, beside the output folder
            run.discard(out.with_name(out.name + "-cache"))

    clean()
    run.empty_discarded(settle=True)
    original = edited.read_text(encoding="utf-8")
    rebuilds: dict[str, list[dict[str, float]]] = {name: [] for name in sources}
    try:
        for edit in range(args.edits + 1):
            if edit and args.edit == "full":
                clean()
            elif edit and args.edit != "none":
                if args.first and edit > 1:  # from nothing again, with the file as it was before this edit
                    clean()
                    for name in sources:
                        build(sources[name], project, outs[name], args.from_source)
                edited.write_text(changed(original, args.edit, edit), "utf-8")
            names = list(sources) if edit % 2 == 0 else list(reversed(sources))
            for name in names:
                figures = build(sources[name], project, outs[name], args.from_source)
                label = "full build" if edit == 0 else f"edit {edit}" + (" (first after a clean build)"
                                                                         if edit == 1 or args.first else "")
                print(f"{label}: {name}: {figures['build_s']:.2f} s in build(), {figures['cpu_s']:.2f} s CPU "
                      f"({figures['process_cpu_s']:.2f} s the whole process, start-up and imports included), "
                      f"{figures['built']} partners built, {figures.get('written', '?')} files written", flush=True)
                if edit:
                    rebuilds[name].append(figures)
    finally:
        edited.write_text(original, encoding="utf-8")
        run.empty_discarded(settle=False)
    for name, runs in rebuilds.items():
        what = {"full": "clean full build", "none": "no-op rebuild"}.get(args.edit, f"one {args.edit} edited")
        groups = [(what + (", first after a clean build" if args.first else ""), runs)]
        if args.edit not in ("full", "none") and not args.first and len(runs) > 1:
            groups = [(f"{what}, first after the clean build", runs[:1]), (f"{what}, later edits", runs[1:])]
        for label, chosen in groups:
            print(f"{name}: {label}, median of {len(chosen)}: "
                  f"{statistics.median(run['build_s'] for run in chosen):.2f} s in build(), "
                  f"{statistics.median(run['cpu_s'] for run in chosen):.2f} s CPU "
                  f"({statistics.median(run['process_cpu_s'] for run in chosen):.3f} s the whole process), "
                  f"{statistics.median(run.get('written', 0) for run in chosen):.0f} files written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
