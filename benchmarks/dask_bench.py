"""Local workers against a Dask cluster: one generated project with PDFs, built both ways, alternated.

    .venv/bin/python benchmarks/dask_bench.py --partners 200 --items 20 --runs 3
    .venv/bin/python benchmarks/dask_bench.py --quick        # 30 partners, 1 run: checks the harness

Each run builds the project from nothing (empty output folder and cache) with ``cobrand build -j J``
and with ``cobrand build --dask local:J``, each in its own process, the order alternating from run to
run; the two outputs are compared file by file. Then, in this process, one more Dask build on a
LocalCluster records what crosses the wire (the shipped project once per worker, each task's
arguments and results), the client's time writing results, and each task's compute time from Dask's
task stream; a burst of empty tasks measures the scheduler's own cost per task, on J workers and on
more workers than cores. From these it works out an estimate for 5,000 partners x 10 PDFs on 16, 64
and 256 workers. Prints a Markdown table and writes it, with the raw figures, under benchmarks/work/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
EPOCH = "1795305600"  # the test suite's build date: the same content is live in every run
sys.path.insert(0, str(BENCH))

from run import ensure_interpreter, prepare  # noqa: E402 - the benchmark's own helpers


def log(message: str) -> None:
    print(f"[dask-bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def hub_of(out: Path) -> Path:
    """The partner hubs' folder of a build into ``out`` without --hub-out (cobrand's default: beside it)."""
    return out.with_name(out.name + "-hub")


def digests(out: Path) -> dict[str, str]:
    """SHA-256 of every published file (report, overview, lock and state left out: they describe the run)."""
    found = {}
    for path in sorted(out.rglob("*")):
        name = path.relative_to(out).as_posix()
        if path.is_file() and name not in ("report.json", "overview.html") and not name.startswith(".cobrand"):
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def timed_build(project: Path, out: Path, how: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``cobrand build`` process from nothing (output and cache removed first).

    CPU counts the build's process and every process it waited for: local workers, and Dask's nannies
    and workers (each nanny waits for its worker, the client for the nannies).
    """
    for folder in (out, hub_of(out)):
        shutil.rmtree(folder, ignore_errors=True)
    command = [sys.executable, "-c", "import sys; from cobrand.cli import main; sys.argv[0] = 'cobrand'; main()",
               "build", str(project), "--out", str(out), "-q", *how]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, env=os.environ | {"SOURCE_DATE_EPOCH": EPOCH})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def empty_task(_: int) -> None:
    """A task that does nothing: what remains of its time is the scheduler's and the wire's."""


def scheduler_overhead(workers: int, tasks: int) -> tuple[float, float]:
    """Wall seconds per task of ``tasks`` empty tasks through a LocalCluster of ``workers`` processes, and
    CPU seconds per task of this process, which runs the scheduler and the client (less moved by the load)."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster, set_as_default=False) as client:
        client.gather(client.map(empty_task, range(workers * 4), pure=False))  # warm the workers up
        start, cpu = time.perf_counter(), time.process_time()
        client.gather(client.map(empty_task, range(tasks), pure=False))
        return (time.perf_counter() - start) / tasks, (time.process_time() - cpu) / tasks


def thread_cpu() -> dict[str, float]:
    """CPU seconds (user + system) of this process so far, in all and by thread: ``main`` (a client's
    writing, a worker's event loop), ``loop`` (the client's event loop: scheduler, nannies, receiving),
    ``tasks`` (a worker's task threads), ``other``."""
    import threading

    kinds = {thread.native_id: "main" if thread is threading.main_thread() else
             "tasks" if "Dask-Default-Threads" in thread.name else
             "loop" if thread.name.startswith("IO loop") else "other" for thread in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    found = {"main": 0.0, "loop": 0.0, "tasks": 0.0, "other": 0.0}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        kind = kinds.get(int(task.name), "other")
        found[kind] += (int(fields[11]) + int(fields[12])) / tick
    usage = resource.getrusage(resource.RUSAGE_SELF)
    found["all"] = usage.ru_utime + usage.ru_stime
    return found


def measured_dask_build(project: Path, out: Path, workers: int, partners: int | None = None) -> dict[str, Any]:
    """One Dask build in this process: traffic, client write time, per-task compute from the task stream.

    With ``partners``, only the first that many partners are built: every figure taken from it is per task.
    """
    import cobrand
    from cobrand.distribute.dask_executor import dask_executor

    for folder in (out, hub_of(out)):
        shutil.rmtree(folder, ignore_errors=True)
    with dask_executor(f"local:{workers}") as executor:
        client = executor.client  # start the cluster before timing
        client.wait_for_workers(workers)
        client.get_task_stream()  # start recording
        workers_before, client_before = client.run(thread_cpu), thread_cpu()
        start = time.perf_counter()
        chosen: tuple[str, ...] = ()  # every partner
        if partners is not None:
            chosen = tuple(sorted(path.name for path in (project / "partners").iterdir() if path.is_dir())[:partners])
        report = cobrand.build(project, out_dir=out, environ={"SOURCE_DATE_EPOCH": EPOCH}, executor=executor,
                               partners=chosen)
        wall = time.perf_counter() - start
        workers_after, client_after = client.run(thread_cpu), thread_cpu()
        stream = client.get_task_stream()
        traffic = executor.traffic
    # Where the CPU of the build went (this process: the client, the scheduler and the nannies; the workers).
    cpu = {f"client_{kind}": client_after[kind] - client_before[kind] for kind in ("all", "main", "loop")}
    for kind in ("all", "tasks"):
        cpu[f"workers_{kind}"] = sum(workers_after[address][kind] - before[kind]
                                     for address, before in workers_before.items() if address in workers_after)
    cpu["workers_start"] = sum(before["all"] for before in workers_before.values())
    by_slug = {result.slug: result for result in report.partners}
    computes = []  # per task: its partners, their PDFs, its compute seconds on the worker
    for entry in stream:
        compute = [s for s in entry["startstops"] if s["action"] == "compute"]
        slugs = traffic.batches.get(str(entry["key"]), ())
        if compute and slugs and all(slug in by_slug for slug in slugs):
            computes.append((len(slugs), sum(by_slug[slug].pdfs for slug in slugs),
                             sum(s["stop"] - s["start"] for s in compute)))
    render = report.timings.get("render+write", wall)
    return {"wall": wall, "render_phase": render, "tasks": traffic.tasks, "partners": len(report.partners),
            "project_bytes": traffic.project, "to_workers": traffic.to_workers,
            "from_workers": traffic.from_workers, "writing": traffic.writing, "computes": computes,
            "pdfs": sum(r.pdfs for r in report.partners), "ok": report.ok, "cpu": cpu}


def fit(tasks: list[tuple[int, int, float]]) -> tuple[float, float]:
    """Least squares of a task's compute seconds = partners * base + pdfs * per_pdf (a task carries a batch of
    partners); the base alone, per partner, when the PDFs do not vary independently of the partners."""
    a = sum(n * n for n, _, _ in tasks)
    b = sum(n * p for n, p, _ in tasks)
    c = sum(p * p for _, p, _ in tasks)
    y_n = sum(n * s for n, _, s in tasks)
    y_p = sum(p * s for _, p, s in tasks)
    determinant = a * c - b * b
    if determinant <= 1e-9 * a * c:
        return sum(s for _, _, s in tasks) / sum(n for n, _, _ in tasks), 0.0
    return (y_n * c - y_p * b) / determinant, (a * y_p - b * y_n) / determinant


def estimate(base: float, per_pdf: float, overhead: float, write: float, bytes_per_partner: float,
             workers: int, partners: int = 5000, pdfs: int = 10, bandwidth: float = 100e6,
             startup: float = 20.0) -> dict[str, float]:
    """Wall seconds for ``partners`` x ``pdfs`` on ``workers``: the slowest of the parallel and the serial parts."""
    from cobrand.distribute.dask_executor import batches

    tasks = sum(1 for _ in batches(list(range(partners)), workers))  # as the executor cuts them (no split PDFs)
    compute = partners * (base + pdfs * per_pdf) / workers
    scheduler = tasks * overhead  # the scheduler hands out tasks one after another
    client = partners * write + partners * bytes_per_partner / bandwidth  # one writer, one network link
    return {"compute": compute, "scheduler": scheduler, "client": client,
            "total": startup + max(compute, scheduler, client)}


def comparison(times: dict[str, list[float]], cpu: dict[str, list[float]], identical: bool | None) -> list[str]:
    """The side-by-side table of the timed builds: medians, their ratio, every run."""
    local, dask = statistics.median(times["local"]), statistics.median(times["dask"])
    cpu_local, cpu_dask = statistics.median(cpu["local"]), statistics.median(cpu["dask"])
    return [
        "| measure | local `-j` | `--dask local:` | ratio |",
        "|---|---|---|---|",
        f"| full build from nothing, median wall s | {local:.1f} | {dask:.1f} | {dask / local:.2f} |",
        f"| full build from nothing, median CPU s (all processes) | {cpu_local:.1f} | {cpu_dask:.1f} | "
        f"{cpu_dask / cpu_local:.2f} |",
        f"| every run, wall s | {', '.join(f'{t:.1f}' for t in times['local'])} | "
        f"{', '.join(f'{t:.1f}' for t in times['dask'])} | |",
        f"| every run, CPU s | {', '.join(f'{t:.1f}' for t in cpu['local'])} | "
        f"{', '.join(f'{t:.1f}' for t in cpu['dask'])} | |",
        f"| outputs byte-identical (sites and hubs) | | {'yes' if identical else 'NO'} | |",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    ensure_interpreter()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="local workers and Dask worker processes")
    parser.add_argument("--empty-tasks", type=int, default=2000)
    parser.add_argument("--measure-partners", type=int, default=None,
                        help="build only this many partners in the measured Dask build (per-task figures)")
    parser.add_argument("--pdf-seconds", type=float, default=0.22,
                        help="CPU seconds per further PDF for the estimate when the measured build cannot fit it")
    parser.add_argument("--quick", action="store_true", help="30 partners, 1 run")
    args = parser.parse_args(argv)
    if args.quick:
        args.partners, args.runs, args.empty_tasks = 30, 1, 500
    folder, manifest = prepare(f"dask-{args.partners}x{args.items}", args.partners, args.items, hugo=False)
    project = folder / "project"
    outs = {"local": WORK / "dask-out-local", "dask": WORK / "dask-out-dask"}
    hows = {"local": ["-j", str(args.jobs)], "dask": ["--dask", f"local:{args.jobs}"]}
    times: dict[str, list[float]] = {"local": [], "dask": []}
    cpu: dict[str, list[float]] = {"local": [], "dask": []}
    for run in range(args.runs):
        order = ["local", "dask"] if run % 2 == 0 else ["dask", "local"]
        for name in order:
            seconds, cpu_seconds = timed_build(project, outs[name], hows[name])
            times[name].append(seconds)
            cpu[name].append(cpu_seconds)
            log(f"run {run + 1}/{args.runs} {name}: {seconds:.1f}s wall, {cpu_seconds:.1f}s CPU")
    identical = None  # --runs 0: only the measured build and the empty tasks
    if args.runs:
        identical = all(digests(root(outs["local"])) == digests(root(outs["dask"])) for root in (Path, hub_of))
        log(f"outputs identical: {identical}")
    measured = measured_dask_build(project, WORK / "dask-out-measured", args.jobs, args.measure_partners)
    log(f"measured build: {measured['wall']:.1f}s, {measured['tasks']} tasks")
    WORK.mkdir(exist_ok=True)
    (WORK / f"dask-measured-{args.partners}x{args.items}.json").write_text(json.dumps(measured, indent=2))
    many = max(8, args.jobs * 4)
    overhead = {args.jobs: scheduler_overhead(args.jobs, args.empty_tasks),
                many: scheduler_overhead(many, args.empty_tasks)}
    for count, (wall, cpu_seconds) in overhead.items():
        log(f"empty tasks, {count} workers: {wall * 1e3:.2f} ms ({cpu_seconds * 1e3:.2f} ms CPU)")
    pdf_folder = outs["local"] if args.runs else WORK / "dask-out-measured"
    pdf_sizes = [path.stat().st_size for path in pdf_folder.rglob("*.pdf")]
    pdf_size = statistics.mean(pdf_sizes) if pdf_sizes else 60e3
    for built in [*outs.values(), WORK / "dask-out-measured"]:
        for removed in (built, hub_of(built)):
            shutil.rmtree(removed, ignore_errors=True)

    tasks = max(1, measured["tasks"])
    partners = max(1, measured["partners"])
    base, per_pdf = fit(measured["computes"])
    assumed = ""  # when every task had as many PDFs per partner, the fit cannot tell the two costs apart
    if per_pdf <= 0.0:
        per_pdf = args.pdf_seconds
        base = max(0.0, base - per_pdf * measured["pdfs"] / max(1, measured["partners"]))
        assumed = f" (per PDF not measurable here, every partner had as many: --pdf-seconds {per_pdf:g} s assumed)"
    compute_sum = sum(seconds for _, _, seconds in measured["computes"])
    idle = max(0.0, measured["render_phase"] * args.jobs - compute_sum) / tasks
    per_partner_bytes = (measured["to_workers"] + measured["from_workers"]) / partners
    write = measured["writing"] / partners
    split = measured["cpu"]  # where the measured build's CPU went
    lines = [
        f"# Dask against local workers: {args.partners} partners x {args.items} items, "
        f"{args.jobs} workers, {args.runs} run(s) alternated; measured build: {measured['partners']} partners "
        f"in {measured['tasks']} tasks, {measured['pdfs']} PDFs",
        "",
    ]
    if args.runs:
        lines += comparison(times, cpu, identical)
    lines += [
        "| per partner, then per task (a batch of partners) | value |",
        "|---|---|",
        f"| shipped once per worker: project and files | {measured['project_bytes'] / 1e6:.2f} MB |",
        f"| per partner: to the worker (slug, recorded keys) | {measured['to_workers'] / partners / 1e3:.2f} kB |",
        f"| per partner: back to the client (changed outputs) | {measured['from_workers'] / partners / 1e3:.1f} kB |",
        f"| per partner: compute on the worker, base + per PDF | {base * 1e3:.0f} ms + {per_pdf * 1e3:.0f} ms x PDFs |",
        f"| per partner: client's write of the result | {write * 1e3:.1f} ms |",
        f"| partners per task | {partners / tasks:.1f} |",
        f"| workers idle per task in the build (scheduling, transfer, start-up) | {idle * 1e3:.0f} ms |",
        f"| CPU per partner: rendering (workers' task threads) | {split['workers_tasks'] / partners * 1e3:.0f} ms |",
        f"| CPU per task: workers besides rendering (unpacking the project, importing cobrand; then "
        f"tasks in, results out, heartbeats) | "
        f"{(split['workers_all'] - split['workers_tasks']) / tasks * 1e3:.1f} ms |",
        f"| CPU per partner: client's main thread (writing) | {split['client_main'] / partners * 1e3:.1f} ms |",
        f"| CPU per task: client's event loop (scheduler, nannies, receiving) | "
        f"{split['client_loop'] / tasks * 1e3:.1f} ms |",
        f"| CPU once: starting the workers (interpreter, distributed; cobrand comes with the first task) | "
        f"{split['workers_start']:.2f} s |",
        *(f"| scheduler round trip of an empty task, {w} workers: wall (scheduler and client CPU) | {s * 1e3:.2f} ms "
          f"({c * 1e3:.2f} ms) |" for w, (s, c) in overhead.items()),
        "",
        f"Estimate for 5,000 partners x 10 PDFs. Assumptions: per-partner compute as fitted above{assumed}; one client "
        "writing every result at the write time measured here (the extra PDFs add to it: not counted); "
        f"results {pdf_size / 1e3:.0f} kB larger per extra PDF, at 100 MB/s between client and cluster; the "
        f"scheduler's cost per task as measured with {many} workers, for cobrand's batches of partners on that "
        "many workers; 20 s to start workers; no other load.",
        "",
        "| workers | compute s | scheduler s | client s | estimated wall |",
        "|---|---|---|---|---|",
    ]
    estimates = {}
    for workers in (16, 64, 256):
        pdfs_now = measured["pdfs"] / partners
        figure = estimate(base, per_pdf, overhead[many][0], write, per_partner_bytes + (10 - pdfs_now) * pdf_size,
                          workers)
        estimates[workers] = figure
        lines.append(f"| {workers} | {figure['compute']:.0f} | {figure['scheduler']:.0f} | {figure['client']:.0f} "
                     f"| {figure['total'] / 60:.1f} min |")
    table = "\n".join(lines) + "\n"
    print(table)
    WORK.mkdir(exist_ok=True)
    (WORK / f"dask-results-{args.partners}x{args.items}.md").write_text(table)
    raw = {"args": vars(args), "times": times, "cpu": cpu, "identical": identical, "measured": measured,
           "overhead": {str(k): list(v) for k, v in overhead.items()}, "fit": [base, per_pdf], "estimates": estimates,
           "manifest": manifest}
    (WORK / f"dask-results-{args.partners}x{args.items}.json").write_text(json.dumps(raw, indent=2))
    return 0 if identical is not False and measured["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
