#!/usr/bin/env python3
"""Instructions one rebuild executes, by stage of the build, for this tree and REF: where instructions.py's
difference goes.

    .venv/bin/python benchmarks/stage_instructions.py --compare 6d608bf [--partners 200 --items 50]
        [--edit post|partner|none] [--only site]

instructions.py counts a whole rebuild; this splits the same rebuild (``jobs=1``, a fresh process, after a
warm-up rebuild, one copy of the generated project per revision) by the functions it passes through. Under
Valgrind's callgrind the counts are dumped on entering and leaving each function of STAGES, through a
callgrind client request (``CALLGRIND_DUMP_STATS_AT``) made by a small C function compiled here with the
system's C compiler and ``valgrind/callgrind.h`` (Debian's ``valgrind``). Each dump's instructions belong
to the innermost stage running when it was taken, so a stage's figure leaves out the stages inside it;
``top`` is everything outside them (start-up, imports, the build's own steps). A revision is split by the
stages it has: a function renamed or moved between revisions is listed under each name it had.

Counting under callgrind is slower than under cachegrind (instructions.py) and the totals differ from its by
a few per cent (the dumps themselves cost instructions); compare the stages of one run with each other.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402
from instructions import BUILD, rebuild_arguments, warm_copies  # noqa: E402

# "module:attribute" (or "module:Class.method") -> the stage it is counted under. Each revision is split by
# those it has; where two revisions name the same step differently, both names are here.
STAGES = {
    "cobrand.build:load_scoped": "load and validate",
    "cobrand.build:load_and_check": "load and validate",
    "cobrand.build:_render_all": "render and write (rest)",
    "cobrand.build:render_partner": "one partner (rest)",
    "cobrand.plan:Planner.plan": "plan",
    "cobrand.render.partner:PartnerRenderer.keys": "keys",
    "cobrand.partner_build:read_manifest": "read the manifest",
    "cobrand.build:read_manifest": "read the manifest",
    "cobrand.render.partner:PartnerRenderer.planned_jobs": "job lists",
    "cobrand.render.partner:PartnerRenderer.jobs": "job lists",
    "cobrand.render.partner:build_views": "template views",
    "cobrand.partner_build:write_partner_roots": "write (rest)",
    "cobrand.build:write_partner": "write (rest)",
    "cobrand.write:make_changed": "make what changed",
    "cobrand.partner_build:built_result": "the partner's result",
    "cobrand.build:plan_summaries": "overview (rest)",
    "cobrand.build:_overview": "overview (rest)",
    "cobrand.load.state:SavedState.save": "save the state",
    "cobrand.load.memo:LoadMemo.save": "save the state",
    "cobrand.report:BuildReport.to_json": "report.json",
}

SHIM = "#include <valgrind/callgrind.h>\nvoid cobrand_dump(void) { CALLGRIND_DUMP_STATS_AT(\"stage\"); }\n"

# Runs under callgrind: wraps the stages this revision has, then builds as instructions.py's BUILD does.
SPLIT = """
import ctypes, importlib, json, sys
owners_file, shim_file, stages_json = sys.argv[1:4]
sys.argv = [sys.argv[0], sys.argv[4]]  # what BUILD reads: the build's arguments
shim = ctypes.CDLL(shim_file)
owners, stack = [], ["top"]
def dump(owner):
    owners.append(owner)
    shim.cobrand_dump()
def wrap(stage, function):
    def counted(*args, **kwargs):
        dump(stack[-1])
        stack.append(stage)
        try:
            return function(*args, **kwargs)
        finally:
            dump(stack.pop())
    return counted
import cobrand
for spec, stage in json.loads(stages_json).items():
    module_name, _, attribute = spec.partition(":")
    try:
        owner = importlib.import_module(module_name)
    except ImportError:
        continue
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part, None)
    if owner is not None and hasattr(owner, name):
        setattr(owner, name, wrap(stage, getattr(owner, name)))
try:
    exec(compile(BUILD, "<build>", "exec"))
finally:
    dump("top")
    json.dump(owners, open(owners_file, "w"))
"""


def shim_library() -> Path:
    """The C function that asks callgrind for a dump, compiled once under benchmarks/work."""
    library = WORK / "callgrind_dump.so"
    if not library.is_file():
        source = WORK / "callgrind_dump.c"
        source.write_text(SHIM)
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", str(library), str(source)], check=True)
    return library


def split(source: Path, copy: Path, only: str | None) -> dict[str, int]:
    """Instructions of one rebuild of ``copy`` by the cobrand in ``source``, by stage."""
    args = {"project": str(copy / "project"), "out_dir": str(copy / "out"), "cache_dir": str(copy / "cache"),
            "jobs": 1, "pdfs": False, "images": False, "only": only}
    with tempfile.TemporaryDirectory() as folder:
        dumps = Path(folder) / "callgrind.out"
        code = f"BUILD = {BUILD!r}\n" + SPLIT
        environ = {**os.environ, "PYTHONPATH": str(source), "PYTHONHASHSEED": "0"}
        subprocess.run(["valgrind", "--tool=callgrind", "--dump-instr=no", "--dump-line=no",
                        f"--callgrind-out-file={dumps}", sys.executable, "-c", code, f"{folder}/owners.json",
                        str(shim_library()), json.dumps(STAGES), json.dumps(args)],
                       env=environ, check=True, capture_output=True, text=True, cwd=folder)
        owners = json.loads(Path(f"{folder}/owners.json").read_text())
        files = sorted(Path(folder).glob("callgrind.out.*"), key=lambda path: int(path.suffix[1:]))
        stages: collections.Counter[str] = collections.Counter()
        for owner, path in zip(owners, files, strict=True):
            totals = next(line for line in path.read_text().splitlines() if line.startswith(("totals:", "summary:")))
            stages[owner] += int(totals.split()[1])
    return dict(stages)


def main(argv: list[str] | None = None) -> int:
    parser = rebuild_arguments(__doc__.split("\n\n")[0])
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None or shutil.which("cc") is None:
        parser.error("needs valgrind and a C compiler (apt-get install valgrind gcc)")
    run.ensure_interpreter()
    results: dict[str, dict[str, int]] = {}
    for name, source, copy, only in warm_copies(args.compare, args.partners, args.items, args.edit, args.only,
                                                "stages"):
        results[name] = split(source, copy, only)
        run.log(f"{name}: {sum(results[name].values()):,} instructions")
    ref_name = next(iter(results))
    stages = sorted({stage for counts in results.values() for stage in counts},
                    key=lambda stage: -max(counts.get(stage, 0) for counts in results.values()))
    print(f"\n{args.partners} x {args.items}, {args.edit} edit, jobs=1"
          f"{', this tree --only ' + args.only if args.only else ''}; instructions by stage (callgrind):\n")
    print(f"| Stage | {ref_name} | this tree | difference |\n|---|---|---|---|")
    for stage in [*stages, "total"]:
        ref_count, count = ((sum(counts.values()) if stage == "total" else counts.get(stage, 0))
                            for counts in (results[ref_name], results["this tree"]))
        print(f"| {stage} | {ref_count / 1e6:,.1f} M | {count / 1e6:,.1f} M | {(count - ref_count) / 1e6:+,.1f} M |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
