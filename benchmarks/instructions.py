#!/usr/bin/env python3
"""Instructions one rebuild executes, counted by Valgrind, for this tree and REF: a figure the machine's noise
does not move.

    .venv/bin/python benchmarks/instructions.py --compare 6d608bf [--partners 200 --items 50]
        [--edit post|partner|none|clean] [--jobs 1] [--only site] [--pdfs]

CPU time on this shared two-core machine moves by 10 to 30% from one minute to the next (the side-by-side
tables quote medians of alternated runs for that reason), which hides a change of a few per cent. The
number of instructions a process executes does not move: two counts of the same build differ by less
than 0.01%. So each revision, in turn, on its own copy of the generated project:

1. builds it in full (``jobs=2``, no images, no PDFs), then makes one edit and rebuilds, uncounted, so
   the saved state, the manifests and the compiled templates are those of a warm rebuild;
2. makes the edit again (a new sentence at the end of the post, or another primary colour for the partner)
   and rebuilds in a fresh process under ``valgrind --tool=cachegrind``, which counts every instruction
   of the process (Python's own start-up and cobrand's import included; ``--jobs 2`` counts the workers
   too, whose counts Valgrind starts from their parent's at the fork, so only ``--jobs 1`` sums to one
   build's work).

``--edit clean`` skips the first step and the edit: it counts a whole build from nothing (no output, no
saved state, no compiled templates). ``--pdfs`` builds side_by_side.py's PDF project instead (one-pagers
only) with PDFs and images, as that script's PDF step does: ``--partners 20 --items 3 --edit clean --pdfs``
counts that build.

Both revisions' modules are compiled to bytecode first and ``PYTHONHASHSEED`` is fixed. Instructions
are not time: system calls, cache misses and the kernel's share are not in them. They are the figure to
compare Python-level changes by; ``side_by_side.py`` gives the time. Needs ``valgrind`` (Debian's).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402
from rebuild_pairs import bytecode, worktree  # noqa: E402
from side_by_side import recolour  # noqa: E402

BUILD = """
import json, sys
import cobrand
args = json.loads(sys.argv[1])
only = args.pop("only")
only = {"only": only} if only else {}  # a revision before --only has no such argument
report = cobrand.build(args.pop("project"), **args, **only)
assert report.ok, report.to_dict()["failures"]
print(report.to_dict()["counts"]["files_written"])
"""


def build(source: Path, copy: Path, jobs: int, only: str | None, counted: bool, pdfs: bool = False
          ) -> tuple[int, int | None]:
    """Files written and, when ``counted``, the instructions of a build of ``copy`` by the cobrand in ``source``."""
    args = {"project": str(copy / "project"), "out_dir": str(copy / "out"), "cache_dir": str(copy / "cache"),
            "jobs": jobs, "pdfs": pdfs, "images": pdfs, "only": only}
    command = [sys.executable, "-c", BUILD, json.dumps(args)]
    environ = {**os.environ, "PYTHONPATH": str(source), "PYTHONHASHSEED": "0"}
    if not counted:
        result = subprocess.run(command, env=environ, check=True, capture_output=True, text=True)
        return int(result.stdout.split()[-1]), None
    with tempfile.TemporaryDirectory() as counts:
        result = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--trace-children=yes",
                                 f"--cachegrind-out-file={counts}/cachegrind.%p", *command],
                                env=environ, check=True, capture_output=True, text=True)
    refs = [int(found.replace(",", "")) for found in re.findall(r"I\s+refs:\s+([\d,]+)", result.stderr)]
    return int(result.stdout.split()[-1]), sum(refs)


def edit(copy: Path, manifest: dict[str, str], kind: str, number: int) -> None:
    """Make the ``number``-th edit of ``kind`` to the copy's post or partner."""
    if kind == "post":
        path = copy / "project" / manifest["edit_post"]
        text = path.read_text("utf-8").split("\nInstructions edit ")[0]
        path.write_text(text + f"\nInstructions edit {number}: one more sentence about restore tests.\n", "utf-8")
    elif kind == "partner":
        path = copy / "project" / manifest["edit_partner"]
        path.write_text(recolour(path.read_text("utf-8"), number), "utf-8")


def warm_copies(compare: str, partners: int, items: int, kind: str, only: str | None, prefix: str,
                pdfs: bool = False) -> Iterator[tuple[str, Path, Path, str | None]]:
    """For REF (``compare``) and this tree in turn: its name, its source, a copy of the generated project it
    has built, rebuilt after one edit of ``kind`` and edited again (the rebuild to count is the caller's),
    and the root it writes (REF too, when it has ``--only``: 61200af and later; else all it wrote then).
    Each copy is removed when the caller moves on."""
    folder, manifest = (run.prepare(f"pdf{partners}x{items}", partners, items, mix=(0, 1, 0), hugo=False) if pdfs
                        else run.prepare(f"p{partners}x{items}", partners, items, hugo=False))
    ref = worktree(compare)
    sources = {ref.name.removeprefix("worktree-"): ref / "src", "this tree": ROOT / "src"}
    for index, (name, source) in enumerate(sources.items()):
        bytecode(source, from_source=False)
        copy = WORK / f"{prefix}-{index}"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(folder / "project", copy / "project")
        root = only if name == "this tree" or "only: str | None" in (source / "cobrand" / "build.py").read_text() \
            else None
        if kind != "clean":  # a clean build is counted from nothing: no output, no saved state
            build(source, copy, 2, root, counted=False, pdfs=pdfs)
            edit(copy, manifest, kind, 1)
            build(source, copy, 2, root, counted=False, pdfs=pdfs)
            edit(copy, manifest, kind, 2)
        yield name, source, copy, root
        shutil.rmtree(copy, ignore_errors=True)


def rebuild_arguments(description: str) -> argparse.ArgumentParser:
    """The options of a comparison of one rebuild of two revisions (this script's and stage_instructions.py's)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--compare", required=True, metavar="REF")
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--edit", choices=["post", "partner", "none", "clean"], default="post",
                        help="clean: count a whole build of the project, with no earlier output nor saved state")
    parser.add_argument("--only", choices=["site", "hub"], help="write only this root (REF too, if it has --only)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = rebuild_arguments(__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--pdfs", action="store_true", help="build the PDF project, with PDFs and images")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        parser.error("needs valgrind (apt-get install valgrind)")
    run.ensure_interpreter()
    counts: dict[str, tuple[int, int | None]] = {}
    for name, source, copy, only in warm_copies(args.compare, args.partners, args.items, args.edit, args.only,
                                                "instructions", pdfs=args.pdfs):
        counts[name] = build(source, copy, args.jobs, only, counted=True, pdfs=args.pdfs)
        run.log(f"{name}: {counts[name][1]:,} instructions, {counts[name][0]} files written")
    ref_count, count = (instructions for _, instructions in counts.values())
    assert ref_count and count
    what = {"post": "one post edited", "partner": "one partner's colour edited", "none": "nothing changed",
            "clean": "a clean build"}[args.edit]
    print(f"\n{args.partners} x {args.items}, {what}{' with PDFs and images' if args.pdfs else ''}, jobs={args.jobs}"
          f"{', this tree --only ' + args.only if args.only else ''}; instructions of the rebuild's processes:\n")
    print("| Revision | instructions | files written |\n|---|---|---|")
    for name, (files, instructions) in counts.items():
        print(f"| {name} | {(instructions or 0) / 1e9:.3f} G | {files:,} |")
    print(f"\nRatio: {count / ref_count:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
