"""The same partners rendered in a plain process and on a Dask worker: where a worker's CPU goes.

    .venv/bin/python benchmarks/dask_worker_cpu.py --partners 20 --items 10 --runs 2

Renders every partner of a generated project (PDFs and images included, a clean output: every
output made) three ways, one after another, each in its own process, ``--runs`` times:

- ``plain``: one process, :func:`cobrand.distribute.partner_task.render_outputs` in a loop;
- ``worker``: one task per partner on a one-worker LocalCluster, with glibc's malloc thresholds as
  Dask's nanny leaves them (``MALLOC_TRIM_THRESHOLD_=65536``: see distribute/memory.py);
- ``tuned``: the same, with the thresholds as cobrand's worker plugin sets them for a build.

Prints the tasks' thread CPU, the process's user and system CPU and its minor page faults over
the renders (start-up and shipping left out). The machine's load moves every figure: compare
within a run.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
ENVIRON = {"SOURCE_DATE_EPOCH": "1795305600"}


def usage() -> tuple[float, float, int]:
    """User and system CPU seconds and minor page faults of this process so far."""
    found = resource.getrusage(resource.RUSAGE_SELF)
    return found.ru_utime, found.ru_stime, found.ru_minflt


def timed_task(plugin: str, slug: str, before: object) -> float:
    """On a worker: render partner ``slug`` (see render_on_worker); its thread CPU seconds."""
    from cobrand.distribute.dask_executor import Piece, render_on_worker

    start = time.thread_time()
    (rendered,) = render_on_worker(plugin, (Piece(slug, before),))  # type: ignore[arg-type]
    assert rendered.failure is None, rendered.failure
    return time.thread_time() - start


def measure(project: Path, how: str) -> dict[str, float | str]:
    """Render every partner of ``project`` the way ``how`` names; CPU and page faults of the renders."""
    from cobrand.build import load_and_check
    from cobrand.distribute.partner_task import Recorded, render_outputs
    from cobrand.plan import Planner
    from cobrand.render.partner import PartnerRenderer

    loaded, _ = load_and_check(project, environ=ENVIRON)
    if how == "plain":
        before = usage()
        planner = Planner(loaded)
        renderer = PartnerRenderer(loaded, pdfs=True, images=True, planner=planner)
        task_cpu = 0.0
        for partner in loaded.partners:
            start = time.thread_time()
            assert render_outputs(renderer, planner, partner, Recorded(None), frozenset()).failure is None
            task_cpu += time.thread_time() - start
        after = usage()
    else:
        import dask
        from distributed import Client, LocalCluster

        from cobrand.distribute.dask_executor import LOCAL_WORKER_CONFIG, ProjectOnWorker
        from cobrand.distribute.memory import restore_freed_memory
        from cobrand.distribute.shipping import ship

        with dask.config.set(LOCAL_WORKER_CONFIG):
            cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None, silence_logs=logging.ERROR)
        with cluster, Client(cluster, set_as_default=False) as client:
            plugin = ProjectOnWorker("cobrand-cpu", ship(loaded), pdfs=True, images=True, pdf_links=True,
                                     palettes={}, stored=frozenset())
            client.register_plugin(plugin, name="cobrand-cpu")
            if how == "worker":
                client.run(restore_freed_memory)  # as Dask's nanny left it
            (before,) = client.run(usage).values()
            task_cpu = sum(client.submit(timed_task, "cobrand-cpu", partner.slug, Recorded(None), pure=False).result()
                           for partner in loaded.partners)
            (after,) = client.run(usage).values()
    return {"how": how, "task_cpu": task_cpu, "user": after[0] - before[0], "system": after[1] - before[1],
            "page_faults": after[2] - before[2]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=20)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--one", nargs=2, metavar=("PROJECT", "HOW"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(Path(args.one[0]), args.one[1])))
        return 0
    from run import prepare

    folder, _ = prepare(f"dask-{args.partners}x{args.items}", args.partners, args.items, hugo=False)
    print("| run | how | task thread CPU s | user s | system s | minor page faults |")
    print("|---|---|---|---|---|---|")
    for run in range(args.runs):
        for how in ("plain", "worker", "tuned"):
            result = subprocess.run([sys.executable, __file__, "--one", str(folder / "project"), how],
                                    capture_output=True, text=True, check=True)
            found = json.loads(result.stdout.strip().splitlines()[-1])
            print(f"| {run + 1} | {how} | {found['task_cpu']:.2f} | {found['user']:.2f} | {found['system']:.2f} "
                  f"| {found['page_faults']:,} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
