#!/usr/bin/env python3
"""cobrand benchmarks: build times, incremental rebuilds, memory, Hugo and WeasyPrint baselines.

    .venv/bin/python benchmarks/run.py --partners 1000 --items 100 --runs 3
    .venv/bin/python benchmarks/run.py --quick          # 50 x 20, one run: checks the harness

Generates a synthetic project (benchmarks/generate.py) into benchmarks/work/,
then measures, in one run and side by side, every figure of the benchmark
issue and prints a Markdown table (figure, baseline, ratio, target, pass or
miss). Every build runs in a fresh process (benchmarks/_child.py), as the
CLI would; each figure is the median of --runs runs. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
CHILD = BENCH / "_child.py"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
TARGET_SIZE = (1000, 100)


def ensure_interpreter() -> None:
    """Re-run under the repository's virtualenv when cobrand is not importable here."""
    import importlib.util

    if importlib.util.find_spec("cobrand") is None or importlib.util.find_spec("weasyprint") is None:
        if VENV_PYTHON.exists() and Path(sys.executable).resolve() != VENV_PYTHON.resolve():
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])
        sys.exit("cobrand is not importable: run with the project's virtualenv (.venv/bin/python)")


def ensure_hugo() -> str | None:
    """Hugo's path; install Debian's package when missing and we are root, else say how."""
    found = shutil.which("hugo")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("hugo not found: installing Debian's package (apt-get install -y hugo)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if subprocess.run(["apt-get", "install", "-y", "hugo"], env=env).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env)
            subprocess.run(["apt-get", "install", "-y", "hugo"], env=env)
        found = shutil.which("hugo")
    if not found:
        log("hugo is not installed; the Hugo comparison is skipped. Install it with: sudo apt-get install -y hugo")
    return found


def snapshot_source() -> str:
    """Copy src/cobrand to work/snapshot and make every build use the copy.

    Other people may edit src/ while a benchmark runs; a change to the default
    theme would invalidate every cached output half-way through. Every child
    process imports the snapshot (PYTHONPATH comes before the editable
    install), so one run measures one version of the code. Returns its digest.
    """
    target = WORK / "snapshot"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(REPO / "src" / "cobrand", target / "cobrand",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    hasher = hashlib.sha256()
    for path in sorted((target / "cobrand").rglob("*")):
        if path.is_file():
            hasher.update(path.relative_to(target).as_posix().encode() + b"\0" + path.read_bytes())
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))
    sys.path.insert(0, str(target))
    return hasher.hexdigest()[:12]


# ext4 without a journal (this machine's root file system) will not reuse an inode freed in the
# last 30-35 s: each new file's inode search steps over every recently freed one (perf: most of
# the time goes to recently_deleted() under ext4_create). Creating 40,000 files took 58 us a file
# in a fresh folder and 340-610 us a file right after deleting the previous 40,000. So a build
# started just after the harness deleted the last one's output measured the deletion, not the
# tool: timed outputs are moved aside here and deleted only when no build is timed.
DISCARDED = WORK / "discarded"
INODE_SETTLE_SECONDS = 36


def discard(folder: Path) -> None:
    """Move ``folder`` out of the way, to be deleted by :func:`empty_discarded` after the timed builds."""
    if folder.exists():
        DISCARDED.mkdir(parents=True, exist_ok=True)
        folder.rename(DISCARDED / f"{time.time_ns()}-{folder.name}")


def empty_discarded(*, settle: bool) -> None:
    """Delete what :func:`discard` moved aside; with ``settle``, then wait out ext4's window."""
    if not DISCARDED.exists():
        return
    shutil.rmtree(DISCARDED, ignore_errors=True)
    if settle:
        log(f"deleted earlier build output; waiting {INODE_SETTLE_SECONDS} s for the file system to reuse its inodes")
        time.sleep(INODE_SETTLE_SECONDS)


def log(message: str) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------ processes ----


class TreeSampler(threading.Thread):
    """Samples the memory of a process and all its descendants (Linux /proc)."""

    def __init__(self, root_pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.interval = interval
        self.stop = threading.Event()
        self.peak_pss_kb = 0
        self.peak_rss_kb = 0
        self.peak_processes = 0

    def _tree(self) -> list[int]:
        parents: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
        tree, stack = [], [self.root_pid]
        while stack:
            pid = stack.pop()
            tree.append(pid)
            stack += parents.get(pid, [])
        return tree

    @staticmethod
    def _field(path: str, name: bytes) -> int:
        try:
            with open(path, "rb") as handle:
                for line in handle:
                    if line.startswith(name):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def run(self) -> None:
        while not self.stop.is_set():
            pids = self._tree()
            pss = sum(self._field(f"/proc/{pid}/smaps_rollup", b"Pss:") for pid in pids)
            rss = sum(self._field(f"/proc/{pid}/status", b"VmRSS:") for pid in pids)
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self.peak_processes = max(self.peak_processes, len(pids))
            self.stop.wait(self.interval)


@dataclass
class Sample:
    """One measured process: wall time, CPU time and memory of it and its descendants."""

    wall_s: float
    cpu_s: float
    maxrss_kb: int  # largest single process (ru_maxrss of the process and its reaped descendants)
    peak_pss_kb: int = 0  # sampled: whole process tree, shared pages counted once
    peak_rss_sum_kb: int = 0  # sampled: whole process tree, shared pages counted in every process
    data: dict[str, Any] = field(default_factory=dict)  # what _child.py printed

    @property
    def build_s(self) -> float:
        return float(self.data.get("build_s", self.wall_s))


SETTLE_SECONDS = 2


def settle() -> None:
    """Let the disk catch up before a timed build: the last build's gigabyte of writes and the
    deletion of its output are flushed first, so they do not land inside the next build's time."""
    os.sync()
    time.sleep(SETTLE_SECONDS)


def measure(command: Sequence[str], *, memory: bool = False, timeout: float = 7200) -> Sample:
    """Run ``command``, timing it with perf_counter and collecting its rusage via wait4.

    Every timed build goes through here, and starts on a settled disk (see :func:`settle`).
    """
    settle()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=out, stderr=err)
        sampler = TreeSampler(process.pid) if memory else None
        if sampler:
            sampler.start()
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        if sampler:
            sampler.stop.set()
            sampler.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} ... failed ({process.returncode}):\n{stderr[-3000:]}")
    data: dict[str, Any] = {}
    if stdout.strip().startswith("{"):
        data = json.loads(stdout.strip().splitlines()[-1])
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                  sampler.peak_pss_kb if sampler else 0, sampler.peak_rss_kb if sampler else 0, data)


def cobrand_build(project: Path, out: Path, cache: Path, *, jobs: int, pdfs: bool = False, images: bool = False,
                  memory: bool = False, fresh: bool = False) -> Sample:
    if fresh:  # the partners' hubs go beside the output folder (cobrand.roots.default_hub_dir)
        for folder in (out, out.with_name(out.name + "-hub"), cache):
            discard(folder)
    args = {"project": str(project), "out": str(out), "cache": str(cache), "jobs": jobs, "pdfs": pdfs,
            "images": images}
    sample = measure([sys.executable, str(CHILD), "build", json.dumps(args)], memory=memory)
    if not sample.data.get("ok"):
        raise RuntimeError(f"cobrand build failed: {sample.data.get('failures')}")
    return sample


def hugo_build(hugo: str, site: Path, out: Path) -> Sample:
    discard(out)
    return measure([hugo, "--quiet", "-s", str(site), "-d", str(out)], memory=False)


def count_files(folder: Path, suffix: str) -> int:
    return sum(1 for _, _, files in os.walk(folder) for name in files if name.endswith(suffix))


# ------------------------------------------------------------ projects -----


def prepare(name: str, partners: int, items: int, *, mix: tuple[float, float, float] = (0.8, 0.1, 0.1),
            hugo: bool = True) -> tuple[Path, dict[str, Any]]:
    """Generate (or reuse, when the generator and arguments are unchanged) a project under work/."""
    sys.path.insert(0, str(BENCH))
    import generate

    folder = WORK / name
    stamp = {"generator": hashlib.sha256((BENCH / "generate.py").read_bytes()).hexdigest(),
             "partners": partners, "items": items, "mix": list(mix), "hugo": hugo}
    stamp_file = folder / "stamp.json"
    if stamp_file.is_file() and json.loads(stamp_file.read_text()) == stamp:
        log(f"reusing generated project {folder.relative_to(REPO)}")
        return folder, json.loads((folder / "manifest.json").read_text())
    log(f"generating {partners} partners x {items} items into {folder.relative_to(REPO)} ...")
    start = time.perf_counter()
    discard(folder)
    manifest = generate.generate(folder, partners, items, mix=mix, hugo=hugo)
    stamp_file.write_text(json.dumps(stamp))
    log(f"generated in {time.perf_counter() - start:.1f}s")
    return folder, manifest


# ---------------------------------------------------------- measurements ---


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Results:
    config: dict[str, Any]
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    checkpoint: Path | None = None  # raw results are saved here after every measurement

    def add(self, key: str, sample: Sample) -> Sample:
        self.samples.setdefault(key, []).append(sample)
        self.save()
        return sample

    def save(self) -> None:
        if self.checkpoint is not None:
            raw = {"config": self.config, "extra": self.extra,
                   "samples": {key: [vars(x) for x in samples] for key, samples in self.samples.items()}}
            temporary = self.checkpoint.with_suffix(".tmp")
            temporary.write_text(json.dumps(raw, indent=1, default=str))
            os.replace(temporary, self.checkpoint)

    @classmethod
    def load(cls, path: Path) -> Results:
        raw = json.loads(path.read_text())
        samples = {key: [Sample(**sample) for sample in values] for key, values in raw["samples"].items()}
        return cls(raw["config"], samples, raw["extra"])

    def wall(self, key: str) -> float:
        return median([s.wall_s for s in self.samples.get(key, [])])

    def build(self, key: str) -> float:
        return median([s.build_s for s in self.samples.get(key, [])])

    def cpu(self, key: str) -> float:
        return median([s.cpu_s for s in self.samples.get(key, [])])


def measure_full_builds(results: Results, folder: Path, runs: int, jobs: int, hugo: str | None) -> Path:
    """Fresh HTML-only cobrand builds and Hugo builds of the same pages, interleaved; returns the last out dir."""
    project, out, cache = folder / "project", folder / "out", folder / "cache"
    hugo_out = folder / "hugo-out"
    for run in range(runs):
        order = ["cobrand", "hugo"] if run % 2 == 0 else ["hugo", "cobrand"]
        for tool in order:
            if tool == "cobrand":
                sample = results.add("full_html", cobrand_build(project, out, cache, jobs=jobs, memory=True,
                                                                fresh=True))
                log(f"  run {run + 1}: cobrand full HTML build {sample.wall_s:.2f}s wall "
                    f"({sample.build_s:.2f}s in build(), CPU {sample.cpu_s:.1f}s, "
                    f"tree PSS {sample.peak_pss_kb / 1024:.0f} MB)")
            elif hugo:
                sample = results.add("hugo", hugo_build(hugo, folder / "hugo", hugo_out))
                log(f"  run {run + 1}: hugo build {sample.wall_s:.2f}s wall (CPU {sample.cpu_s:.1f}s)")
        if run == 0:
            results.extra["cobrand_html_files"] = count_files(out, ".html")
            results.extra["cobrand_files"] = results.samples["full_html"][0].data["counts"]["files"]
            if hugo:
                results.extra["hugo_html_files"] = count_files(hugo_out, ".html")
                results.extra["hugo_files"] = count_files(hugo_out, "")
    discard(hugo_out)
    return out


def edit_file(path: Path, change: Callable[[str], str]) -> str:
    original = path.read_text("utf-8")
    changed = change(original)
    assert changed != original, f"edit of {path} changed nothing"
    path.write_text(changed, "utf-8")
    return original


EDIT_COLOURS = ["#aa3311", "#1155aa", "#22884f", "#7a2a8c", "#b8860b", "#0f6e6e", "#9c1c4d"]


def measure_rebuilds(results: Results, folder: Path, manifest: dict[str, Any], runs: int, jobs: int) -> None:
    project, out, cache = folder / "project", folder / "out", folder / "cache"

    def rebuild(key: str, label: str) -> Sample:
        sample = results.add(key, cobrand_build(project, out, cache, jobs=jobs))
        counts = sample.data["counts"]
        log(f"  {label}: {sample.build_s:.3f}s in build() ({sample.wall_s:.2f}s process), "
            f"{counts['partners_built']} partners built, {counts['files_written']} files written")
        return sample

    post = project / manifest["edit_post"]
    original = post.read_text("utf-8")
    try:
        # The first edit after a clean build: keys made with a cold saved state and cold skeletons must match a warm
        # build's, or the edit rewrites everything (it once rewrote 112,000 of 118,000 files here).
        for run in range(runs):
            cobrand_build(project, out, cache, jobs=jobs, fresh=True)  # untimed
            edit_file(post, lambda text, run=run: original + f"\nFirst edit {run + 1} after a clean build.\n")
            rebuild("edit_post_first", f"run {run + 1}: one post edited, the first edit after a clean build")
            post.write_text(original, "utf-8")
    finally:
        post.write_text(original, "utf-8")

    settle = cobrand_build(project, out, cache, jobs=jobs)  # untimed: the no-op runs below must be no-ops
    if settle.data["counts"]["partners_built"]:
        log(f"  note: the rebuild after the full build rebuilt {settle.data['counts']['partners_built']} partners")
    for run in range(runs):
        rebuild("noop", f"run {run + 1}: no-op rebuild")

    try:
        for run in range(runs):
            def extend(text: str, run: int = run) -> str:
                return original + (f"\nBenchmark edit {run + 1}: one more sentence about restore tests, added to "
                                   "measure an incremental build.\n")

            edit_file(post, extend)
            rebuild("edit_post", f"run {run + 1}: one post edited")
    finally:
        post.write_text(original, "utf-8")
    cobrand_build(project, out, cache, jobs=jobs)  # back to the generated state, untimed

    partner = project / manifest["edit_partner"]
    original = partner.read_text("utf-8")
    try:
        for run in range(runs):
            colour = EDIT_COLOURS[run % len(EDIT_COLOURS)]
            def recolour(text: str, colour: str = colour) -> str:
                return text.replace(text.split("primary = ", 1)[1].split("\n", 1)[0], f'"{colour}"', 1)

            edit_file(partner, recolour)
            rebuild("edit_partner", f"run {run + 1}: one partner edited")
    finally:
        partner.write_text(original, "utf-8")
    cobrand_build(project, out, cache, jobs=jobs)

    template = project / manifest["edit_template"]
    original = template.read_text("utf-8")
    try:
        for run in range(runs):
            def retitle(text: str, run: int = run) -> str:
                return text.replace("Recover from anything", f"Recover from anything (edit {run + 1})")

            edit_file(template, retitle)
            rebuild("edit_template", f"run {run + 1}: vendor theme template changed")
    finally:
        template.write_text(original, "utf-8")


def measure_pdfs(results: Results, folder: Path, runs: int, docs: int) -> None:
    """PDF throughput with 1 and 2 workers, and per-PDF cost against WeasyPrint alone."""
    project, out, cache = folder / "project", folder / "out", folder / "cache"
    variants = [("pdf_html_j1", 1, False, False), ("pdf_j1", 1, True, False), ("pdf_j2", 2, True, False),
                ("pdf_all_j2", 2, True, True)]  # order rotates from run to run
    for run in range(runs):
        shift = run % len(variants)
        for key, jobs, pdfs, images in variants[shift:] + variants[:shift]:
            if key == "pdf_all_j2" and run > 0:
                continue  # images add little to explain; one run is enough
            sample = results.add(key, cobrand_build(project, out, cache, jobs=jobs, pdfs=pdfs, images=images,
                                                    fresh=True))
            log(f"  run {run + 1}: {key}: {sample.build_s:.2f}s in build(), {sample.data['counts']['pdfs']} PDFs")
    results.extra["pdf_count"] = results.samples["pdf_j1"][0].data["counts"]["pdfs"]
    discard(out)
    discard(cache)
    log(f"  WeasyPrint alone vs cobrand, {docs} documents x {runs} rounds in one warm process ...")
    sample = measure([sys.executable, str(CHILD), "pdfcompare",
                      json.dumps({"project": str(project), "docs": docs, "rounds": runs})])
    results.extra["pdfcompare"] = sample.data
    per = sample.data["per_pdf_s"]
    log(f"  per PDF: cobrand {per['cobrand']:.3f}s, WeasyPrint same options {per['weasyprint_same_options']:.3f}s, "
        f"WeasyPrint defaults {per['weasyprint_defaults']:.3f}s")


def measure_full_with_pdfs(results: Results, folder: Path, jobs: int) -> None:
    project, out, cache = folder / "project", folder / "out-pdf", folder / "cache-pdf"
    sample = results.add("full_all", cobrand_build(project, out, cache, jobs=jobs, pdfs=True, images=True,
                                                   memory=True, fresh=True))
    log(f"  full build with PDFs and images: {sample.wall_s:.1f}s wall, {sample.data['counts']['pdfs']} PDFs")
    discard(out)
    discard(cache)


# --------------------------------------------------------------- report ----


def fmt_s(value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**pass**" if ok else "**miss**")


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform(),
                            "cpus": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import weasyprint

    import cobrand

    info["cobrand"] = cobrand.__version__
    info["weasyprint"] = weasyprint.__version__
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"], capture_output=True,
                               text=True).stdout.strip()
        info["commit"] = commit + (" + uncommitted changes in src/" if dirty else "")
    except OSError:
        pass
    return info


def render_markdown(results: Results) -> str:
    c = results.config
    partners, items = c["partners"], c["items"]
    at_target = (partners, items) == TARGET_SIZE
    s = results
    rows: list[tuple[str, str, str, str, str, str]] = []

    def rebuild_cell(key: str) -> str:
        return f"{fmt_s(s.build(key))} (process {fmt_s(s.wall(key))}, CPU {fmt_s(s.cpu(key))})"

    pages = s.extra.get("cobrand_html_files", 0)
    cob_full, hugo_full = s.wall("full_html"), s.wall("hugo")
    ratio = cob_full / hugo_full if s.samples.get("hugo") else float("nan")
    if s.samples.get("full_html"):
        rows.append((f"1. Full build, HTML only: {partners} partners x {items} items, {pages:,} HTML pages, "
                     f"-j {c['jobs']} (process wall time)", fmt_s(cob_full),
                     f"Hugo {fmt_s(hugo_full)} ({s.extra.get('hugo_html_files', 0):,} HTML pages)"
                     if s.samples.get("hugo") else "Hugo not run",
                     f"{ratio:.2f}x" if ratio == ratio else "n/a", "<= 0.25x Hugo",
                     verdict(ratio <= 0.25 if ratio == ratio else None)))
        if s.samples.get("hugo"):
            cpu_ratio = s.cpu("full_html") / s.cpu("hugo")
            rows.append(("   same, CPU time (user+sys, all processes)", fmt_s(s.cpu("full_html")),
                         f"Hugo {fmt_s(s.cpu('hugo'))}", f"{cpu_ratio:.2f}x", "(info)", ""))
        rows.append(("   same, inside build() (no interpreter start-up)", fmt_s(s.build("full_html")), "", "", "(info)",
                     ""))
    if s.samples.get("full_all"):
        sample = s.samples["full_all"][0]
        count, jobs = sample.data["counts"]["pdfs"], c["jobs"]
        rows.append((f"1. Full build with PDFs and images: {partners} x {items}, {count:,} PDFs, -j {jobs} (1 run)",
                     fmt_s(sample.wall_s), "", "", "(info)", ""))
    pdfs = s.extra.get("pdf_count", 0)
    pdf_project = s.extra.get("pdf_project") or f"{c['pdf_partners']} partners x {c['pdf_items']} one-pagers"
    if s.samples.get("pdf_j2") and s.samples.get("pdf_html_j1") and s.samples.get("pdf_all_j2"):
        rows.append((f"1. Full build with PDFs: {pdf_project}, {pdfs} PDFs, -j 2", fmt_s(s.build("pdf_j2")),
                     f"HTML only -j 1: {fmt_s(s.build('pdf_html_j1'))}", "", "(info)", ""))
        rows.append((f"1. Full build with PDFs and images: {pdf_project}, -j 2 (1 run)", fmt_s(s.build("pdf_all_j2")),
                     "", "", "(info)", ""))
    if s.samples.get("noop"):
        noop = s.build("noop")
        not_noop = sum(1 for x in s.samples["noop"] if x.data["counts"]["partners_built"])
        rows.append((f"2. No-op rebuild, {partners} partners (in build(); process wall and CPU in brackets)"
                     + (f" [{not_noop} run(s) rebuilt partners]" if not_noop else ""),
                     rebuild_cell("noop"), "", "", "< 1 s", verdict(noop < 1)))
    if s.samples.get("edit_post"):
        post = s.build("edit_post")
        written = median([x.data["counts"]["files_written"] for x in s.samples["edit_post"]])
        rows.append((f"3. One ungated post edited: {partners} partners rebuilt, {written:,.0f} files written",
                     rebuild_cell("edit_post"), "", "", "< 2 s", verdict(post < 2)))
    if s.samples.get("edit_post_first"):
        post = s.build("edit_post_first")
        written = median([x.data["counts"]["files_written"] for x in s.samples["edit_post_first"]])
        rows.append((f"3. Same, the first edit after a clean build: {written:,.0f} files written",
                     rebuild_cell("edit_post_first"), "", "", "< 2 s", verdict(post < 2)))
    if s.samples.get("edit_partner"):
        partner = s.build("edit_partner")
        written = median([x.data["counts"]["files_written"] for x in s.samples["edit_partner"]])
        rows.append((f"3. One partner's colour edited: 1 partner rebuilt, {written:,.0f} files written (no PDFs)",
                     rebuild_cell("edit_partner"), "", "", "< 0.5 s + its PDFs",
                     verdict(partner < 0.5)))
    if s.samples.get("edit_template"):
        template = s.build("edit_template")
        written = median([x.data["counts"]["files_written"] for x in s.samples["edit_template"]])
        full_build = s.build("full_html")
        rows.append((f"3. Vendor theme template edited: {written:,.0f} files written",
                     rebuild_cell("edit_template"),
                     f"full build {fmt_s(full_build)}" if s.samples.get("full_html") else "",
                     f"{template / full_build:.2f}x of full" if s.samples.get("full_html") else "",
                     "(no target)", ""))
    full = s.samples.get("full_html", [])
    pss = median([x.peak_pss_kb for x in full]) / 1024
    biggest = median([x.maxrss_kb for x in full]) / 1024
    rss_sum = median([x.peak_rss_sum_kb for x in full]) / 1024
    hugo_rss = median([x.maxrss_kb for x in s.samples.get("hugo", [])]) / 1024 if s.samples.get("hugo") else 0
    if full:
        rows.append((f"4. Peak memory, full HTML build {partners} x {items}, -j {c['jobs']}: whole process tree "
                     "(PSS)", f"{pss:,.0f} MB", f"Hugo max RSS {hugo_rss:,.0f} MB" if hugo_rss else "", "",
                     "< 500 MB", verdict(pss < 500)))
        rows.append(("   same: largest single process (max RSS) / sum of RSS over the tree",
                     f"{biggest:,.0f} MB / {rss_sum:,.0f} MB", "", "", "(info)", ""))
    if s.samples.get("pdf_j1") and s.samples.get("pdf_j2"):
        rate1 = pdfs / s.build("pdf_j1")
        rate2 = pdfs / s.build("pdf_j2")
        rows.append((f"6. PDF throughput, {pdf_project} (whole build incl. HTML), -j 1 / -j 2",
                     f"{rate1:.2f} / {rate2:.2f} PDFs/s", "", f"{rate2 / rate1:.2f}x", ">= 1.8x (2 vs 1)",
                     verdict(rate2 / rate1 >= 1.8)))
        only1 = pdfs / max(1e-9, s.build("pdf_j1") - s.build("pdf_html_j1"))
        rows.append(("   PDFs only (build with PDFs minus HTML-only build), -j 1", f"{only1:.2f} PDFs/s", "", "",
                     "(info)", ""))
    compare = s.extra.get("pdfcompare")
    if compare:
        per = compare["per_pdf_s"]
        ratio = per["cobrand"] / per["weasyprint_same_options"]
        rows.append((f"6. Per-PDF time, warm process, {compare['docs']} documents: cobrand's PDF job vs WeasyPrint "
                     "alone on the same HTML with the same write_pdf options",
                     fmt_s(per["cobrand"]), f"WeasyPrint {fmt_s(per['weasyprint_same_options'])}", f"{ratio:.2f}x",
                     "<= 1.1x", verdict(ratio <= 1.1)))
        rows.append(("   same, against WeasyPrint's defaults (same stylesheets, no other options)",
                     fmt_s(per["cobrand"]),
                     f"WeasyPrint {fmt_s(per['weasyprint_defaults'])}",
                     f"{per['cobrand'] / per['weasyprint_defaults']:.2f}x", "(info)", ""))
        if s.samples.get("pdf_j1") and s.samples.get("pdf_html_j1"):
            in_build = (s.build("pdf_j1") - s.build("pdf_html_j1")) / max(1, pdfs)
            rows.append(("   per-PDF time inside a -j 1 build (build with PDFs minus HTML-only, / PDFs)",
                         fmt_s(in_build), f"WeasyPrint {fmt_s(per['weasyprint_same_options'])}",
                         f"{in_build / per['weasyprint_same_options']:.2f}x", "(info)", ""))

    lines = [f"## Results: {partners} partners x {items} items, median of {c['runs']} run(s)", ""]
    if not at_target:
        lines += [f"Targets are set for {TARGET_SIZE[0]:,} partners x {TARGET_SIZE[1]} items; at this size the "
                  "pass/miss column is only indicative.", ""]
    for error in s.extra.get("errors", []):
        lines += [f"**A section failed and its figures are missing:** {error}", ""]
    lines += ["| Figure | cobrand | Baseline | Ratio | Target | Result |", "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    m = c["machine"]
    lines += ["", f"Machine: {m.get('cpu', '?')}, {m.get('cpus')} CPUs, {m.get('memory_gb', '?')} GB RAM; "
              f"Python {m['python']}; cobrand {m['cobrand']} at {m.get('commit', '?')} (snapshot "
              f"{c.get('source_digest', '?')} of src/cobrand, taken at the start); WeasyPrint {m['weasyprint']}; "
              f"{c.get('hugo_version') or 'Hugo not installed'}. Load average at start {c['load_start']}, "
              f"at end {c.get('load_end', '?')}. Run on {c['date']}; took {c.get('elapsed_min', 0):.0f} min."
              + (f" Figures of skipped sections come from {c['merged_from']}." if c.get("merged_from") else ""), ""]
    lines += ["Every figure is a median; cobrand and Hugo builds alternate within each run. Rebuild times are the "
              "time spent in `cobrand.build()`; the process wall time (adding Python start-up and imports) and the CPU "
              "time of all its processes are in brackets. On a busy machine wall times grow, CPU times much less.", ""]
    lines += ["<details><summary>Every run</summary>", "", "| Measurement | wall s (each run) | build() s | CPU s |"
              " peak PSS MB | files written |", "|---|---|---|---|---|---|"]
    for key, samples in s.samples.items():
        child = bool(samples[0].data)
        cells = [", ".join(f"{x.wall_s:.2f}" for x in samples),
                 ", ".join(f"{x.build_s:.3f}" for x in samples) if child else "",
                 ", ".join(f"{x.cpu_s:.1f}" for x in samples),
                 ", ".join(f"{x.peak_pss_kb / 1024:.0f}" for x in samples) if samples[0].peak_pss_kb else "",
                 ", ".join(str(x.data["counts"]["files_written"]) for x in samples) if child else ""]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    stages = [x.data.get("timings", {}) for x in s.samples.get("full_html", [])]
    if stages:
        lines += ["", "Full HTML build stages (median, inside build()): " + ", ".join(
            f"{stage} {median([t.get(stage, 0) for t in stages]):.2f} s" for stage in stages[0])]
    if compare:
        lines += ["", f"PDF comparison: per-round per-PDF seconds {json.dumps(compare['per_pdf_runs_s'])}; mean size "
                  f"cobrand {compare['mean_bytes_cobrand']:,.0f} B, WeasyPrint {compare['mean_bytes_weasyprint']:,.0f}"
                  f" B; byte-identical {compare['identical_bytes']}/{compare['docs']}."]
    if compare:
        lines += ["", f"write_pdf options cobrand used (and WeasyPrint alone reused): "
                  f"`{json.dumps(compare.get('write_pdf_options', {}))}`."]
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for cobrand builds (default 2)")
    parser.add_argument("--pdf-partners", type=int, default=20)
    parser.add_argument("--pdf-items", type=int, default=3, help="one-pagers in the PDF project")
    parser.add_argument("--pdf-docs", type=int, default=12, help="documents in the WeasyPrint comparison")
    parser.add_argument("--full-pdf", action="store_true",
                        help="also build the full-size project once with PDFs and images (slow at 1000 x 100)")
    parser.add_argument("--skip", default="", help="comma-separated sections to skip: full,rebuilds,pdfs")
    parser.add_argument("--quick", action="store_true", help="50 partners x 20 items, 1 run: checks the harness")
    parser.add_argument("--results", type=Path, help="where to write the Markdown table (default: "
                        "benchmarks/results.md; with --quick, benchmarks/work/results-quick.md)")
    parser.add_argument("--keep", action="store_true", help="keep the build output under benchmarks/work/")
    parser.add_argument("--merge", type=Path, metavar="JSON",
                        help="start from the raw results of an earlier run (with --skip, to redo some sections)")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="only print the table again from a results JSON of an earlier run")
    args = parser.parse_args(argv)
    if args.render:
        markdown = render_markdown(Results.load(args.render))
        print(markdown)
        if args.results:
            args.results.write_text(markdown, "utf-8")
        return 0
    if args.quick:
        args.partners, args.items, args.runs = 50, 20, 1
        args.pdf_partners, args.pdf_items, args.pdf_docs = 6, 3, 6
    ensure_interpreter()
    skip = set(filter(None, args.skip.split(",")))
    started = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    source_digest = snapshot_source()
    hugo = ensure_hugo()
    hugo_version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.split(" ")[0:2] \
        if hugo else None
    config = {"partners": args.partners, "items": args.items, "runs": args.runs, "jobs": args.jobs,
              "pdf_partners": args.pdf_partners, "pdf_items": args.pdf_items, "machine": machine(),
              "hugo_version": " ".join(hugo_version) if hugo_version else None, "load_start": load_average(),
              "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "source_digest": source_digest}
    results = Results(config, checkpoint=WORK / f"results-{args.partners}x{args.items}.json")
    if args.merge:  # figures of sections this run skips come from an earlier run
        earlier = Results.load(args.merge)
        results.samples.update(earlier.samples)
        results.extra.update(earlier.extra)
        config["merged_from"] = f"{args.merge.name} ({earlier.config.get('date')})"
    log(f"machine: {config['machine']}; load average {config['load_start']}")

    folder, manifest = prepare(f"p{args.partners}x{args.items}", args.partners, args.items)
    for name in ("out", "cache"):  # left by --keep or a run that was stopped
        discard(folder / name)
    empty_discarded(settle=True)
    results.extra["manifest"] = {key: value for key, value in manifest.items() if key != "one_pagers_per_partner"}
    def section(name: str, run_it: Callable[[], object]) -> None:
        try:
            run_it()
        except Exception as error:  # keep the other sections' figures
            log(f"{name} failed: {error}")
            results.extra.setdefault("errors", []).append(f"{name}: {str(error)[:500]}")

    if "full" not in skip:
        for key in ("full_html", "hugo"):
            results.samples.pop(key, None)
        log("1/5 full builds (cobrand HTML only, fresh output and cache) and Hugo, side by side")
        section("full builds", lambda: measure_full_builds(results, folder, args.runs, args.jobs, hugo))
    if "rebuilds" not in skip:
        def rebuilds() -> None:
            if not (folder / "out").is_dir():
                cobrand_build(folder / "project", folder / "out", folder / "cache", jobs=args.jobs, fresh=True)
            measure_rebuilds(results, folder, manifest, args.runs, args.jobs)
        for key in ("edit_post_first", "noop", "edit_post", "edit_partner", "edit_template"):
            results.samples.pop(key, None)
        log("2/5 and 3/5 no-op and incremental rebuilds")
        section("rebuilds", rebuilds)
    if "pdfs" not in skip:
        for key in ("pdf_html_j1", "pdf_j1", "pdf_j2", "pdf_all_j2"):
            results.samples.pop(key, None)
        log("4/5 PDFs")
        pdf_folder, _ = prepare(f"pdf{args.pdf_partners}x{args.pdf_items}", args.pdf_partners, args.pdf_items,
                                mix=(0, 1, 0), hugo=False)
        results.extra["pdf_project"] = f"{args.pdf_partners} partners x {args.pdf_items} one-pagers"
        section("PDFs", lambda: measure_pdfs(results, pdf_folder, args.runs,
                                             min(args.pdf_docs, args.pdf_partners * args.pdf_items)))
    if args.full_pdf:
        log("5/5 full-size build with PDFs and images (one run)")
        section("full build with PDFs", lambda: measure_full_with_pdfs(results, folder, args.jobs))
    if not args.keep:
        for name in ("out", "cache"):
            discard(folder / name)
    empty_discarded(settle=False)
    config["load_end"] = load_average()
    config["elapsed_min"] = (time.perf_counter() - started) / 60
    markdown = render_markdown(results)
    print(markdown)
    target = args.results or (WORK / "results-quick.md" if args.quick else BENCH / "results.md")
    target.write_text(markdown, "utf-8")
    results.save()
    log(f"wrote {target} and {WORK / f'results-{args.partners}x{args.items}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
