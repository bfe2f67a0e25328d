"""Builds on a Dask cluster (issue 24): a LocalCluster of 2 worker processes over loopback.

Every test compares a Dask build with a local ``-j 2`` build of the same project, file by
file (pages, images, PDFs, zips) and manifest by manifest. The workers start in another
folder and record, through an audit hook, every file they open or list under the
projects, outputs and caches of this test session: rendering on a worker must read none.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import cloudpickle
import dask
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

import cobrand
from cobrand.build import load_and_check
from cobrand.cli import main
from cobrand.distribute.dask_executor import (
    LOCAL_WORKER_CONFIG,
    ClusterError,
    Piece,
    ProjectOnWorker,
    batches,
    dask_executor,
)
from cobrand.distribute.partner_task import Recorded, render_outputs
from cobrand.distribute.shipping import ship, unpack
from cobrand.plan import Planner
from cobrand.render.partner import PartnerRenderer
from support.example import ENVIRON, PROJECT_PARTS, ROOT, copy_example, file_digests

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the audit hook below runs on the workers

COSTLY = (".pdf", ".png", ".webp", ".zip")


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("cobrand_bench_generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(sys.modules[spec.name])
    return sys.modules[spec.name]


def generate(folder: Path, partners: int = 6, items: int = 10) -> Path:
    """A small generated project (blog posts, one-pagers, social posts) in ``folder/project``."""
    _generator().generate(folder, partners, items, mix=(0.6, 0.2, 0.2), hugo=False)
    return folder / "project"


def hub_of(out: Path) -> Path:
    """The hubs' folder of a build into ``out`` (the default, beside it)."""
    return out.with_name(out.name + "-hub")


def site_digests(out: Path) -> dict[str, str]:
    """Digests of every file a build publishes, the hubs' ("hub:") too (the report, the lock and the cache
    left out)."""
    return {prefix + name: digest for root, prefix in ((out, ""), (hub_of(out), "hub:"))
            for name, digest in file_digests(root).items()
            if name not in {"report.json", "overview.html"} and not name.startswith(".cobrand")}


def manifests(out: Path) -> dict[str, tuple[object, object]]:
    """Each partner's recorded fingerprint and file keys, in the sites' folder and the hubs' ("hub:")."""
    return {prefix + path.stem: (data["fingerprint"], data["files"])
            for root, prefix in ((out, ""), (hub_of(out), "hub:"))
            for path in sorted((root / ".cobrand").glob("*.json"))
            for data in [json.loads(path.read_text())]}


def outcomes(report: cobrand.BuildReport) -> dict[str, tuple[str, int, int, int, int]]:
    return {r.slug: (r.status, r.files, r.written, r.removed, r.pdfs) for r in report.partners}


# --- the cluster ------------------------------------------------------------------------------------------


def _record_reads(roots: list[str], log: str) -> None:
    """On a worker: append to ``log`` every file opened or folder listed under ``roots``."""

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event not in ("open", "os.listdir", "os.scandir") or not args:
            return
        path = args[0]
        if not isinstance(path, str | bytes | os.PathLike):
            return
        name = os.fsdecode(path)  # a relative name is relative to a folder's descriptor or the cwd, both elsewhere
        inside = any(name == root or name.startswith(root + os.sep) for root in roots)
        if os.path.isabs(name) and name != log and inside:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"{event} {name}\n")

    sys.addaudithook(hook)


class Cluster:
    def __init__(self, cluster: LocalCluster, client: Client, log: Path) -> None:
        self.cluster, self.client, self.log = cluster, client, log
        self.address = cluster.scheduler_address

    def reads(self) -> list[str]:
        """What the workers read of the projects, outputs and caches so far."""
        return self.log.read_text().splitlines() if self.log.exists() else []


def start_cluster(factory: pytest.TempPathFactory, name: str, config: dict[str, object] | None = None
                  ) -> Iterator[Cluster]:
    elsewhere = factory.mktemp(f"{name}-worker-cwd")
    previous = os.getcwd()
    os.chdir(elsewhere)  # worker processes start here, not in the repository
    try:
        with dask.config.set(config or {}):  # read by the scheduler as it starts
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None, silence_logs=logging.ERROR)
    finally:
        os.chdir(previous)
    client = Client(cluster, set_as_default=False)
    log = Path(str(factory.getbasetemp())) / f"{name}-worker-reads.log"
    roots = [str(factory.getbasetemp()), *(str(ROOT / part) for part in PROJECT_PARTS)]
    client.run(_record_reads, roots, str(log))
    probe = factory.mktemp(f"{name}-probe") / "probe.txt"
    probe.write_text("read by every worker once, to show the hook sees reads\n")
    client.run(probe.read_text)
    assert len(log.read_text().splitlines()) == 2
    log.unlink()
    assert set(client.run(os.getcwd).values()) == {str(elsewhere)}
    try:
        yield Cluster(cluster, client, log)
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from start_cluster(tmp_path_factory, "shared")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("generated"))


@pytest.fixture(scope="module")
def generated_local(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, cobrand.BuildReport]:
    """The generated project built with local workers (-j 2, no PDFs): the reference for Dask builds."""
    out = tmp_path_factory.mktemp("generated-local") / "out"
    return out, local_build(generated, out, pdfs=False)


def dask_build(cluster: Cluster, project: Path, out: Path, **options: object) -> cobrand.BuildReport:
    with dask_executor(cluster.address) as executor:
        report = cobrand.build(project, out_dir=out, environ=ENVIRON, executor=executor, **options)  # type: ignore[arg-type]
    assert cluster.reads() == []
    return report


def local_build(project: Path, out: Path, **options: object) -> cobrand.BuildReport:
    return cobrand.build(project, out_dir=out, environ=ENVIRON, jobs=2, **options)  # type: ignore[arg-type]


# --- same output as -j 2 ----------------------------------------------------------------------------------


def test_example_on_dask_is_byte_identical_to_local_workers(cluster, example_build, tmp_path):
    """Five partners on two workers: fewer than four per worker, so each PDF is a task of its own, and
    each kit's zip is made by the client from the PDFs that came back."""
    out = tmp_path / "out"
    with dask_executor(cluster.address) as executor:
        report = cobrand.build(ROOT, out_dir=out, environ=ENVIRON, executor=executor)
    assert cluster.reads() == []
    assert report.ok, report.failures
    assert executor.traffic.tasks == len(report.partners) + sum(r.pdfs for r in report.partners)
    expected = site_digests(example_build.out)
    assert {name.rsplit(".", 1)[-1] for name in expected} >= {"html", "png", "pdf", "zip", "xml", "csv"}
    assert site_digests(out) == expected
    assert manifests(out) == manifests(example_build.out)
    assert outcomes(report) == outcomes(example_build.report)


def test_batches_keep_order_and_shrink_to_one_partner_at_the_end():
    pieces = [Piece(f"p{index:03}", Recorded(None)) for index in range(200)]
    cut = list(batches(pieces, threads=2))
    assert [piece for batch in cut for piece in batch] == pieces
    sizes = [len(batch) for batch in cut]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == 8 and sizes[-8:] == [1] * 8
    assert len(cut) < len(pieces) / 3
    assert [len(batch) for batch in batches(pieces[:7], threads=2)] == [1] * 7


@pytest.fixture(scope="module")
def twenty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, cobrand.BuildReport]:
    """Twenty partners (enough for batches of several on two worker threads), and their -j 2 build."""
    folder = tmp_path_factory.mktemp("twenty")
    project = generate(folder, partners=20, items=3)
    return project, folder / "local", local_build(project, folder / "local", pdfs=False)


def test_partners_in_batches_match_local_workers(cluster, twenty, tmp_path):
    """Twenty partners on two worker threads travel several to a task: the same files and manifests as -j 2."""
    project, local, expected = twenty
    remote = tmp_path / "dask"
    with dask_executor(cluster.address) as executor:
        report = cobrand.build(project, out_dir=remote, environ=ENVIRON, executor=executor, pdfs=False)
    assert cluster.reads() == []
    assert report.ok and outcomes(report) == outcomes(expected)
    assert executor.traffic.tasks < len(report.partners) == 20
    assert site_digests(remote) == site_digests(local)
    assert manifests(remote) == manifests(local)


def test_a_withheld_item_is_kept_on_dask_as_by_local_workers(cluster, tmp_path):
    """Differential (issue 20): a post broken after a first build keeps its last good files, through Dask as
    through local workers, and both report the same partners as keeping it."""
    project = copy_example(tmp_path)
    local, remote = tmp_path / "local", tmp_path / "dask"
    options = {"pdfs": False, "images": False}
    assert local_build(project, local, **options).ok and dask_build(cluster, project, remote, **options).ok
    post = project / "content/blog/ransomware-recovery-drill.md"
    post.write_text(post.read_text(encoding="utf-8").replace("\ntitle:", "\ntitel:", 1), encoding="utf-8")
    page = "blog/ransomware-recovery-drill.html"
    had = {path.parent.parent.name: path.read_bytes() for path in local.glob(f"*/{page}")}
    assert had
    local_report = local_build(project, local, **options)
    remote_report = dask_build(cluster, project, remote, **options)
    item = "blog/ransomware-recovery-drill"
    assert remote_report.kept_by(item) == local_report.kept_by(item) == sorted(had)
    assert site_digests(remote) == site_digests(local)
    assert manifests(remote) == manifests(local)
    assert {slug: (remote / slug / page).read_bytes() for slug in had} == had


def test_one_root_on_dask_matches_local_workers(cluster, tmp_path):
    """``--only hub`` then ``--only site`` after a one-pager's edit, PDFs on: the hub's kit copies the site's
    PDF, which the hub-only build makes without writing it. Dask and local workers write the same files and
    manifests at each step, and the folder a step does not cover is left as it was."""
    project = copy_example(tmp_path)
    local, remote = tmp_path / "local", tmp_path / "dask"
    assert local_build(project, local, images=False).ok and dask_build(cluster, project, remote, images=False).ok
    pager = project / "content/one-pagers/recovery-assurance.md"
    pager.write_text(pager.read_text(encoding="utf-8") + "\nA sentence added for the --only test.\n", encoding="utf-8")
    sites_before = {name: digest for name, digest in site_digests(remote).items() if not name.startswith("hub:")}
    for only in ("hub", "site"):
        local_report = local_build(project, local, images=False, only=only)
        remote_report = dask_build(cluster, project, remote, images=False, only=only)
        assert local_report.ok and remote_report.ok and outcomes(remote_report) == outcomes(local_report)
        assert site_digests(remote) == site_digests(local)
        assert manifests(remote) == manifests(local)
        if only == "hub":
            assert {name: digest for name, digest in site_digests(remote).items()
                    if not name.startswith("hub:")} == sites_before


def test_generated_project_and_incremental_edit_match_local_workers(cluster, generated, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(generated, project)
    local, remote = tmp_path / "local", tmp_path / "dask"
    progress: list[str] = []
    first_local = local_build(project, local, pdfs=False)
    first_remote = dask_build(cluster, project, remote, pdfs=False, on_partner=lambda r: progress.append(r.slug))
    assert first_remote.ok and outcomes(first_remote) == outcomes(first_local)
    assert sorted(progress) == sorted(r.slug for r in first_local.partners)  # one call per completed future
    assert site_digests(remote) == site_digests(local)
    assert manifests(remote) == manifests(local)

    # An edited post and social post: changed pages, cards and social images; every kit zip then needs
    # the unchanged kit files too, which only the output's owner has. A removed social post: stale files.
    post = sorted((project / "content" / "blog").glob("*.md"))[0]
    post.write_text(post.read_text().replace("\n\n", "\n\nA sentence added for the rebuild.\n\n", 1))
    social, removed = sorted((project / "content" / "social").glob("*.yaml"))[:2]
    social.write_text(social.read_text().replace('title: "', 'title: "Edited: ', 1))
    removed.unlink()
    second_local = local_build(project, local, pdfs=False)
    second_remote = dask_build(cluster, project, remote, pdfs=False)
    assert outcomes(second_remote) == outcomes(second_local)
    assert any(0 < r.written < r.files for r in second_remote.partners), outcomes(second_remote)
    assert any(r.removed for r in second_remote.partners), outcomes(second_remote)
    assert site_digests(remote) == site_digests(local)
    assert manifests(remote) == manifests(local)

    # Nothing changed: no partner is rendered again, and nothing is written.
    third = dask_build(cluster, project, remote, pdfs=False)
    assert {r.status for r in third.partners} == {"reused"}

    # An empty output folder with the cache kept: images and zips come from the client's store, and
    # workers send back none of them.
    again = tmp_path / "again"
    with dask_executor(cluster.address) as executor:
        fourth = cobrand.build(project, out_dir=again, environ=ENVIRON, executor=executor, pdfs=False,
                               cache_dir=remote / ".cobrand" / "cache")
        shipped_back = executor.traffic.from_workers
    assert fourth.ok and cluster.reads() == []
    assert site_digests(again) == site_digests(local)
    def size(name: str) -> int:
        return (hub_of(again) / name.removeprefix("hub:") if name.startswith("hub:") else again / name).stat().st_size

    costly = sum(size(name) for name in site_digests(again) if name.endswith(COSTLY))
    everything = sum(size(name) for name in site_digests(again))
    assert costly > 0 and shipped_back <= everything - costly


def test_a_partner_that_fails_on_a_worker_is_named_like_a_local_failure(cluster, tmp_path):
    project = copy_example(tmp_path)
    page = project / "content/blog/immutable-backups-explained.md"
    page.write_text(page.read_text().replace("{{ partner.name }} can review",
                                             "[Talk to us]({{ partner.name }}) can review", 1))
    for slug, name in (("falkenstein-systeme", "javascript:alert(1)"), ("kestrel-cloud", "https://kestrel.example/")):
        toml = project / "partners" / slug / "partner.toml"
        toml.write_text("\n".join(f'name = "{name}"' if line.startswith("name = ") else line
                                  for line in toml.read_text().splitlines()) + "\n")
    options = {"partners": ("falkenstein-systeme", "kestrel-cloud"), "pdfs": False, "images": False}
    local = local_build(project, tmp_path / "local", **options)
    remote = dask_build(cluster, project, tmp_path / "dask", **options)
    assert {r.slug: r.status for r in remote.partners} == {"falkenstein-systeme": "failed", "kestrel-cloud": "built"}
    assert remote.failures == local.failures
    assert "falkenstein-systeme" in remote.failures[0].message
    assert not (tmp_path / "dask" / "falkenstein-systeme").exists()
    assert site_digests(tmp_path / "dask") == site_digests(tmp_path / "local")


def test_a_shipped_project_renders_the_same_without_its_folder(generated, generated_local, tmp_path):
    """Ship the loaded project, move its folder away, unpack it elsewhere: every output is the same."""
    project = tmp_path / "project"
    shutil.copytree(generated, project)
    loaded, _ = load_and_check(project, environ=ENVIRON)
    shipped = ship(loaded)
    # The theme's files travel; logos do not: the pickled project carries their checked bytes.
    assert {name.split("/")[0] for name in shipped.files} == {"themes"}
    assert all(partner.logo.data in shipped.pickled for partner in loaded.partners)
    project.rename(tmp_path / "moved")  # nothing may be read from the project's folder from here on
    unpacked = unpack(shipped, tmp_path / "worker")
    assert unpacked.root == tmp_path / "worker" / "files" and not unpacked.partners[0].logo.path.exists()
    planner = Planner(unpacked)
    renderer = PartnerRenderer(unpacked, pdfs=False, images=True, planner=planner)
    out, _ = generated_local
    for partner in unpacked.partners:
        rendered = render_outputs(renderer, planner, partner, Recorded(None), frozenset())
        assert rendered.failure is None
        made = {path: hashlib.sha256(data).hexdigest() for path, data in rendered.made.items()}
        # Job paths: the hub's files start with "hub:", as site_digests names them.
        on_disk = {name.replace(f"{partner.slug}/", "", 1): digest for name, digest in site_digests(out).items()
                   if name.removeprefix("hub:").startswith(f"{partner.slug}/")}
        assert made == on_disk


def _page_faults_of_large_buffers() -> int:
    """On a worker: page faults while 8 MiB buffers are made, written through and freed, one after another."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        buffer = b"x" * (8 << 20)
        del buffer
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


MAPPED_AFRESH = 15 * (8 << 20) // 4096  # most of the 20 buffers mapped anew and faulted in, page by page


def test_workers_reuse_freed_buffers_while_a_build_holds_them(generated, tmp_path_factory):
    """Dask's nanny fixes glibc's mmap threshold at 128 KiB: a build's workers reuse freed buffers instead.

    A cluster of its own: a worker that has built holds free heap space that serves such buffers too.
    """
    for own in start_cluster(tmp_path_factory, "memory"):
        client = own.client
        assert set(client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_")).values()) == {"65536"}
        untuned = client.run(_page_faults_of_large_buffers)
        loaded, _ = load_and_check(generated, environ=ENVIRON)
        plugin = ProjectOnWorker("cobrand-memory-test", ship(loaded), pdfs=False, images=False, pdf_links=False,
                                 palettes={}, stored=frozenset())
        client.register_plugin(plugin, name="cobrand-memory-test")
        try:
            tuned = client.run(_page_faults_of_large_buffers)
        finally:
            client.unregister_worker_plugin("cobrand-memory-test")
        restored = client.run(_page_faults_of_large_buffers)
    assert set(untuned) == set(tuned) == set(restored) and len(untuned) == 2
    for worker in untuned:
        assert untuned[worker] >= MAPPED_AFRESH
        assert tuned[worker] * 5 < untuned[worker]
        assert restored[worker] >= MAPPED_AFRESH  # the worker is left as Dask set it up


# --- faults -----------------------------------------------------------------------------------------------


def held_until_gone(own: Cluster, worker: str, keys: Iterable[object]) -> set[str]:
    """Every task key the scheduler gave ``worker``, just killed, until it notices the worker is gone: ``keys``
    (what it held when it was picked) and any it was given between that look and the kill. With no retries
    allowed, each of those fails with the worker."""
    held = {str(key) for key in keys}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = own.client.processing()
        if worker not in now:
            return held
        held.update(str(key) for key in now[worker])
        time.sleep(0.01)
    raise AssertionError(f"the scheduler still lists {worker} 30 s after it was killed")


def build_killing_a_worker(own: Cluster, project: Path, out: Path) -> tuple[cobrand.BuildReport, set[str]]:
    """Build on ``own``, SIGKILLing a worker that is running a task once the first partner is back.

    Returns the report and the slugs of the partners whose tasks the killed worker was running.
    """
    killed: list[tuple[int, list[str]]] = []

    def kill_a_busy_worker(_: object) -> None:
        if killed:
            return
        busy = {worker: keys for worker, keys in own.client.processing().items() if keys}
        assert busy, "every task finished before a worker could be killed"
        worker, keys = sorted(busy.items())[0]
        pid = own.client.run(os.getpid, workers=[worker])[worker]
        os.kill(pid, signal.SIGKILL)
        held = held_until_gone(own, worker, keys)
        # cobrand-<project>-<build>-<task>-<first partner>: six partners on two workers go one per task
        killed.append((pid, [str(key).split("-", 4)[4] for key in held]))

    with dask_executor(own.address) as executor:
        report = cobrand.build(project, out_dir=out, environ=ENVIRON, executor=executor, pdfs=False,
                               on_partner=kill_a_busy_worker)
    assert killed and killed[0][1], "no task was running on the killed worker"
    assert killed[0][0] not in own.client.run(os.getpid).values()  # that process is gone for good
    return report, set(killed[0][1])


def test_a_worker_killed_mid_build_changes_nothing(generated, generated_local, tmp_path_factory, tmp_path):
    """The client fetches results straight from the workers here, as ``--dask local:N`` does (the other fault
    test fetches them through the scheduler): results held by the killed worker are made again."""
    project, (local_out, local) = generated, generated_local
    for own in start_cluster(tmp_path_factory, "killed"):
        with dask.config.set({"distributed.client.direct-to-workers": True}):  # read as the client connects
            remote, _ = build_killing_a_worker(own, project, tmp_path / "dask")
    assert remote.ok, remote.failures
    assert outcomes(remote) == outcomes(local)
    assert site_digests(tmp_path / "dask") == site_digests(local_out)
    assert manifests(tmp_path / "dask") == manifests(local_out)


def test_a_task_whose_worker_dies_too_often_fails_its_partner_only(generated, generated_local, tmp_path_factory,
                                                                   tmp_path):
    project, local_out = generated, generated_local[0]
    for own in start_cluster(tmp_path_factory, "fragile", {"distributed.scheduler.allowed-failures": 0}):
        remote, lost = build_killing_a_worker(own, project, tmp_path / "dask")
    failed = {result.slug: result.failure for result in remote.partners if result.failure is not None}
    assert failed and set(failed) <= lost and not remote.ok
    for slug, failure in failed.items():
        assert f"while building partner {slug} on the Dask cluster" in failure.message
        assert "KilledWorker" in failure.message
        assert not (tmp_path / "dask" / slug).exists() and not (hub_of(tmp_path / "dask") / slug).exists()
    assert site_digests(tmp_path / "dask") == {name: digest for name, digest in site_digests(local_out).items()
                                               if name.removeprefix("hub:").split("/")[0] not in failed}
    saved = json.loads((tmp_path / "dask" / "report.json").read_text())
    assert saved["ok"] is False and {entry["slug"] for entry in saved["partners"] if entry["failure"]} == set(failed)


def test_a_lost_batch_is_retried_one_partner_per_task(twenty, tmp_path_factory, tmp_path):
    """A batch whose worker dies (no retries allowed) is not its partners' failure: each gets a task of its own,
    which runs on a live worker. Only a one-partner task that was on the dead worker fails its partner."""
    project, local, expected = twenty
    killed: list[tuple[str, set[str]]] = []  # the batch's key, and every key the worker held when it died
    for own in start_cluster(tmp_path_factory, "batch-lost", {"distributed.scheduler.allowed-failures": 0}):
        with dask_executor(own.address) as executor:

            def kill_a_worker_running_a_batch(_: object, own: Cluster = own) -> None:
                if killed:
                    return
                for worker, keys in sorted(own.client.processing().items()):
                    batch = [str(key) for key in keys if len(executor.traffic.batches.get(str(key), ())) > 1]
                    if batch:
                        os.kill(own.client.run(os.getpid, workers=[worker])[worker], signal.SIGKILL)
                        killed.append((batch[0], held_until_gone(own, worker, keys)))
                        return

            report = cobrand.build(project, out_dir=tmp_path / "dask", environ=ENVIRON, executor=executor,
                                   pdfs=False, on_partner=kill_a_worker_running_a_batch)
    assert killed, "no batch of several partners was running when the first partner came back"
    batches_of = executor.traffic.batches
    lost = batches_of[killed[0][0]]
    assert len(lost) > 1
    assert all(any(slugs == (slug,) for slugs in batches_of.values()) for slug in lost)  # each retried alone
    failed = {result.slug for result in report.partners if result.failure is not None}
    alone_on_the_dead_worker = {batches_of[key][0] for key in killed[0][1] if len(batches_of.get(key, ())) == 1}
    assert failed <= alone_on_the_dead_worker and not failed & set(lost)
    assert {r.slug: r.status for r in report.partners if r.slug not in failed} == \
        {r.slug: r.status for r in expected.partners if r.slug not in failed}
    assert site_digests(tmp_path / "dask") == {name: digest for name, digest in site_digests(local).items()
                                               if name.removeprefix("hub:").split("/")[0] not in failed}


def test_unreachable_scheduler_is_a_clear_error_and_keeps_previous_output(generated, generated_local, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(generated_local[0], out)
    before = file_digests(out)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(main, ["build", str(generated), "--out", str(out), "--no-pdf",
                                       "--dask", f"tcp://127.0.0.1:{port}", "--dask-timeout", "1"], env=ENVIRON)
    assert result.exit_code == 1, result.output
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output
    assert file_digests(out) == before
    with pytest.raises(ClusterError, match="--dask-timeout 1"), dask_executor(f"tcp://127.0.0.1:{port}", 1):
        pass


def test_cli_build_on_its_own_local_cluster_matches_local_workers(generated, generated_local, tmp_path):
    """``--dask local:2`` starts its own cluster (Dask's profiler off, cobrand's worker set-up), builds, and
    stops it: the same files and manifests as ``-j 2``."""
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(generated), "--out", str(out), "--no-pdf", "--dask", "local:2"],
                                env=ENVIRON)
    assert result.exit_code == 0, result.output
    local_out, local = generated_local
    assert site_digests(out) == site_digests(local_out)
    assert manifests(out) == manifests(local_out)
    saved = json.loads((out / "report.json").read_text())
    assert saved["ok"] is True and len(saved["partners"]) == len(local.partners)


def _housekeeping(dask_worker) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What a worker's config says of Dask's periodic housekeeping, and how often its loop's callbacks run."""
    return {"config": {key: dask.config.get(key) for key in LOCAL_WORKER_CONFIG},
            "tick_ms": dask_worker.periodic_callbacks["tick"].callback_time,
            "memory_ms": dask_worker.periodic_callbacks["memory_monitor"].callback_time}


def test_a_local_cluster_runs_dask_housekeeping_at_slower_intervals():
    """``--dask local:N`` workers get cobrand's quieter Dask settings (passed on by their nannies): no profiler,
    the event-loop tick every second, the memory monitor every 2 s. Dask's defaults (20 ms, 100 ms) would
    differ."""
    assert dask.config.get("distributed.admin.tick.interval") == "20ms"  # the defaults this process has
    with dask_executor("local:2") as executor:
        seen = list(executor.client.run(_housekeeping).values())
        assert executor.client.direct_to_workers is True  # results from the workers, not through the scheduler
    assert len(seen) == 2
    for worker in seen:
        assert worker["config"] == LOCAL_WORKER_CONFIG
        assert (worker["tick_ms"], worker["memory_ms"]) == (1000, 2000)


def test_bad_local_worker_count_is_a_usage_error(generated, tmp_path):
    result = CliRunner().invoke(main, ["build", str(generated), "--out", str(tmp_path / "out"), "--dask", "local:0"])
    assert result.exit_code == 2 and "local:N" in result.output


# --- paying for the machinery -----------------------------------------------------------------------------


def test_a_build_without_dask_imports_nothing_of_dask(generated, tmp_path):
    script = (
        "import json, sys\n"
        "import cobrand\n"
        "from cobrand.cli import main\n"
        f"cobrand.build({str(generated)!r}, out_dir={str(tmp_path / 'lib')!r}, pdfs=False, images=False, jobs=2)\n"
        "try:\n"
        f"    main(['build', {str(generated)!r}, '--out', {str(tmp_path / 'cli')!r}, '--no-pdf', '--no-images'])\n"
        "except SystemExit as stop:\n"
        "    code = stop.code\n"
        "print(json.dumps({'code': code, 'dask': sorted(m for m in sys.modules\n"
        "                  if m.split('.')[0] in ('dask', 'distributed'))}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            env=os.environ | ENVIRON)
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"code": 0, "dask": []}
    assert (tmp_path / "cli" / "report.json").is_file() and (tmp_path / "lib" / "report.json").is_file()
