"""Render partners on a Dask cluster; write their outputs here, with the ordinary writer.

Per build, the loaded project and the files it renders from are shipped once to every
worker in a worker plugin (:class:`ProjectOnWorker`): Dask's scheduler keeps it and sets
it up on workers that join later, including those that replace a lost one. A task then carries
a batch of partners (:class:`Piece`: each one's slug and what the output folder records for it,
:class:`~.partner_task.Recorded`), and returns their changed outputs
(:class:`~.partner_task.Rendered`). Results stream back as tasks complete and are written
by this process, which alone touches the output folder and the cache store.

A worker lost mid-task has its task rescheduled by Dask (``distributed.scheduler.allowed-failures``
times); rendering is deterministic, so the output is the same as an undisturbed build's.
A task that still fails becomes that partner's failure. This module imports Dask: only
``cobrand build --dask`` imports it.
"""

from __future__ import annotations

import gc
import logging
import pickle
import shutil
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dask
from distributed import Client, Future, LocalCluster, WorkerPlugin, as_completed, get_worker
from PIL import Image

from ..build import IMAGE_BLOCKS_KEPT
from ..cache import code_digest
from ..errors import CobrandError, Problem, UsageError
from ..models import Partner
from ..partner_build import RenderOptions
from ..plan import Planner
from ..render.partner import PartnerRenderer
from ..report import PartnerResult
from .memory import keep_freed_memory, restore_freed_memory
from .partner_task import Recorded, Rendered, joined, pdfs_to_make, recorded, render_outputs, write_outputs
from .shipping import ShippedProject, ship, unpack

# Dask's statistical profiler samples each task's stack every 10 ms: on rendering, pure Python, it
# cost a tenth of the workers' CPU (8 partners with PDFs, warm workers: 13.0-14.4 s with it, 11.8-12.0 s
# without). Local clusters run without it; docs/distributed.md suggests the same for others.
# Dask's periodic housekeeping is set for interactive clusters: every process checks its event loop
# every 20 ms, each nanny and worker reads its memory every 100 ms, the system monitor runs every 0.5 s.
# An idle LocalCluster of 2 workers spent 1.26 CPU-s in 20 s that way (6% of a core, for the whole
# build); with the slower intervals below, 0.20 CPU-s. A build's tasks keep their memory in bounds
# (a partner's outputs), so a memory check every 2 s is still in time.
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "2s",
    "distributed.admin.system-monitor.interval": "5s",
}
# With fewer partners than this many per worker thread, each PDF a partner needs gets a task of its own:
# a few long partner tasks would otherwise leave workers idle at the end of the build. Not beyond
# PDF_TASKS_PARTNERS partners: the one client lists those partners' outputs and makes their kit zips,
# work that grows with them while the idle time at the end does not.
PDF_TASKS_BELOW = 4
PDF_TASKS_PARTNERS = 32
# Each task costs messages and event-loop turns in the client and a worker, whatever it carries, so
# partners travel in batches: as many as leave each worker thread about BATCHES_PER_THREAD batches of
# what is still to submit, at most MOST_PER_BATCH. Batches shrink towards the end, down to one partner,
# so that no worker waits long at the end for another's last batch.
BATCHES_PER_THREAD = 4
MOST_PER_BATCH = 8
DEFAULT_TIMEOUT = 10.0  # seconds to reach the scheduler before giving up
LOCAL = "local:"


class ClusterError(CobrandError):
    """The Dask cluster cannot be reached or started."""


class ProjectOnWorker(WorkerPlugin):
    """The shipped project on one worker, unpacked into the worker's own folder, with one renderer per thread."""

    def __init__(self, name: str, shipped: ShippedProject, *, pdfs: bool, images: bool, pdf_links: bool,
                 palettes: dict[Any, Any], stored: frozenset[str]) -> None:
        self.name = name
        self.shipped = shipped
        self.settings = (pdfs, images, pdf_links)
        self.palettes = palettes
        self.stored = stored

    def setup(self, worker: Any) -> None:
        """Unpack the project's files under the worker's local directory."""
        self.folder = Path(worker.local_directory) / self.name
        # Compiled templates outlive the build, as they do in the client's cache: named by cobrand's code,
        # keyed inside by each template's source.
        self.templates = Path(worker.local_directory) / f"cobrand-templates-{code_digest()[:16]}"
        self.project = unpack(self.shipped, self.folder)
        self.partners = {partner.slug: partner for partner in self.project.partners}
        # As in local worker processes (build.py): the project lives as long as the build, so the garbage
        # collector need not scan it again and again; Pillow keeps a few freed image blocks.
        gc.collect()
        gc.freeze()
        if Image.core.get_blocks_max() < IMAGE_BLOCKS_KEPT:
            Image.core.set_blocks_max(IMAGE_BLOCKS_KEPT)
        # Dask's nanny fixes glibc's mmap threshold at 128 KiB: rendering's large buffers would each be
        # mapped and faulted in afresh (see memory.py).
        self.tuned_memory = keep_freed_memory()
        self.local = threading.local()  # a renderer switches languages as it goes: one per thread

    def teardown(self, worker: Any) -> None:
        """Remove the unpacked files."""
        shutil.rmtree(self.folder, ignore_errors=True)
        gc.unfreeze()
        if getattr(self, "tuned_memory", False):  # set up, and tuned: another build's plugin may still run
            restore_freed_memory()

    def renderer(self) -> PartnerRenderer:
        """This thread's renderer, made on first use (with this thread's planner, :meth:`planner`)."""
        renderer = getattr(self.local, "renderer", None)
        if renderer is None:
            pdfs, images, pdf_links = self.settings
            renderer = PartnerRenderer(self.project, pdfs=pdfs, images=images, pdf_links=pdf_links,
                                       compiled_templates=self.templates, planner=self.planner())
            renderer.palettes.update(self.palettes)
            self.local.renderer = renderer
            # Compiled templates and the theme's bytes live as long as the project: frozen too, as local
            # workers inherit them frozen from the process that made them.
            gc.collect()
            gc.freeze()
        return renderer

    def planner(self) -> Planner:
        """This thread's planner (it keeps the selections it made), made on first use."""
        planner = getattr(self.local, "planner", None)
        if planner is None:
            planner = self.local.planner = Planner(self.project)
        return planner

    def render(self, piece: Piece) -> Rendered:
        """Render one partner's ``piece`` (see :func:`~.partner_task.render_outputs`)."""
        rendered = render_outputs(self.renderer(), self.planner(), self.partners[piece.slug], piece.before,
                                  self.stored, skip=piece.skip, only=piece.only)
        if not getattr(self.local, "warm", False):
            # What the first render made to keep (WeasyPrint's fonts and stylesheets, skeletons, compiled
            # templates) lives as long as the build: frozen, as local workers inherit it frozen from the
            # process that rendered the first partner before forking them.
            gc.collect()
            gc.freeze()
            self.local.warm = True
        return rendered


@dataclass(frozen=True)
class Piece:
    """One partner's share of a task: all its outputs but those at ``skip``, or only those at ``only``."""

    slug: str
    before: Recorded
    skip: frozenset[str] = frozenset()
    only: frozenset[str] | None = None


def render_on_worker(plugin: str, pieces: tuple[Piece, ...]) -> tuple[Rendered, ...]:
    """The task: render each of ``pieces``, in order, with the project of the worker plugin named ``plugin``."""
    project = get_worker().plugins[plugin]
    assert isinstance(project, ProjectOnWorker)
    return tuple(project.render(piece) for piece in pieces)


def batches(pieces: list[Piece], threads: int) -> Iterator[tuple[Piece, ...]]:
    """``pieces`` in order, cut into tasks: large batches first, shrinking to one piece at the end
    (see :data:`BATCHES_PER_THREAD`)."""
    start = 0
    while start < len(pieces):
        size = max(1, min(MOST_PER_BATCH, (len(pieces) - start) // (threads * BATCHES_PER_THREAD)))
        yield tuple(pieces[start:start + size])
        start += size


@dataclass
class Traffic:
    """What a build shipped: once per worker, and per task each way."""

    project: int = 0  # the shipped project and its files, sent to each worker
    to_workers: int = 0  # task arguments, all tasks together
    from_workers: int = 0  # output bytes returned, all tasks together
    tasks: int = 0
    writing: float = 0.0  # seconds the client spent writing results, all tasks together
    batches: dict[str, tuple[str, ...]] = field(default_factory=dict)  # each task's key: its partners, in order


class DaskExecutor:
    """Renders partners on the cluster behind a client (see :class:`cobrand.build.PartnerExecutor`).

    ``connect`` makes the client when first needed: a ``local:N`` cluster starts only for a build
    that has partners to render.
    """

    def __init__(self, connect: Callable[[], Client]) -> None:
        self._connect = connect
        self._client: Client | None = None
        self.traffic = Traffic()
        self.pdf_tasks_below = PDF_TASKS_BELOW  # partners per worker thread (see PDF_TASKS_BELOW)

    @property
    def client(self) -> Client:
        """The client, connected on first use."""
        if self._client is None:
            self._client = self._connect()
        return self._client

    def render(self, renderer: PartnerRenderer, partners: tuple[Partner, ...], options: RenderOptions
               ) -> Iterator[tuple[Partner, tuple[PartnerResult, str]]]:
        """Render ``partners`` on the cluster, writing each one's outputs here as its task completes."""
        if not partners:
            return
        shipped = ship(renderer.project)
        name = f"cobrand-{shipped.digest[:12]}-{uuid.uuid4().hex[:8]}"
        plugin = ProjectOnWorker(name, shipped, pdfs=options.pdfs, images=options.images,
                                 pdf_links=renderer.pdf_links, palettes=dict(renderer.palettes),
                                 stored=options.store.keys())
        self.traffic.project = shipped.size
        self.client.register_plugin(plugin, name=name)
        threads = self._threads()
        split = options.pdfs and len(partners) <= PDF_TASKS_PARTNERS and len(partners) < self.pdf_tasks_below * threads
        pieces: list[Piece] = []
        owners: dict[str, Partner] = {}
        # As local workers take them: partners of one page shape together, so a worker makes each
        # page's skeleton once for several of them.
        for partner in renderer.planner.grouped(partners):
            before = recorded(options, partner.slug)
            pdfs = pdfs_to_make(renderer, renderer.planner, partner, before, plugin.stored) if split else ()
            pieces.append(Piece(partner.slug, before, skip=frozenset(pdfs)))
            pieces += [Piece(partner.slug, before, only=frozenset({path})) for path in pdfs]
            owners[partner.slug] = partner
        # Split partners are split for balance: their pieces go one per task.
        tasks = [(piece,) for piece in pieces] if split else list(batches(pieces, threads))
        waiting = Counter(piece.slug for piece in pieces)
        done: dict[str, list[tuple[Piece, Rendered | BaseException]]] = defaultdict(list)
        batch_of: dict[object, tuple[Piece, ...]] = {}
        futures: list[Future] = []

        def submit(batch: tuple[Piece, ...]) -> Future:
            future = self.client.submit(render_on_worker, name, batch, key=f"{name}-{len(futures)}-{batch[0].slug}",
                                        pure=False)
            self.traffic.to_workers += len(pickle.dumps(batch))
            batch_of[future.key] = batch
            self.traffic.batches[str(future.key)] = tuple(piece.slug for piece in batch)
            futures.append(future)
            return future

        try:
            completed = as_completed([submit(batch) for batch in tasks], loop=self.client.loop)
            for future in completed:
                self.traffic.tasks += 1
                batch = batch_of.pop(future.key)
                results: tuple[Rendered | BaseException, ...]
                try:
                    results = future.result()
                except Exception as error:  # the task itself failed: a lost worker too often, or the plugin
                    results = (error,) * len(batch)
                future.release()
                if len(batch) > 1 and isinstance(results[0], BaseException):
                    # A batch is lost whole (say one partner's input kills its worker each time): each of its
                    # partners gets a task of its own, so that only a partner whose own task fails fails.
                    for piece in batch:
                        completed.add(submit((piece,)))
                    continue
                for piece, result in zip(batch, results, strict=True):
                    done[piece.slug].append((piece, result))
                    waiting[piece.slug] -= 1
                    if waiting[piece.slug]:
                        continue
                    partner = owners[piece.slug]
                    outcome = self._write(renderer, partner, done.pop(piece.slug), options)
                    yield partner, outcome
                    if options.fail_fast and outcome[0].failure is not None:
                        return
        finally:
            self.client.cancel([future for future in futures if not future.done()])
            self.client.unregister_worker_plugin(name)

    def _threads(self) -> int:
        """Worker threads in the cluster now."""
        workers = self.client.scheduler_info().get("workers", {})
        return sum(int(worker.get("nthreads", 1)) for worker in workers.values()) or 1

    def _write(self, renderer: PartnerRenderer, partner: Partner,
               parts: list[tuple[Piece, Rendered | BaseException]], options: RenderOptions
               ) -> tuple[PartnerResult, str]:
        for _, result in parts:
            if isinstance(result, BaseException):
                message = (f"{type(result).__name__}: {result} "
                           f"(while building partner {partner.slug} on the Dask cluster)")
                return PartnerResult(partner.slug, "failed", failure=Problem(partner.source, message)), ""
        in_order = sorted(parts, key=lambda part: (part[0].only is not None, sorted(part[0].only or ())))
        own, *pdf_parts = [result for _, result in in_order if isinstance(result, Rendered)]
        rendered = joined(own, pdf_parts)
        self.traffic.from_workers += sum(part.size for part in [own, *pdf_parts])
        start = time.perf_counter()
        try:
            return write_outputs(renderer, partner, rendered, options)
        finally:
            self.traffic.writing += time.perf_counter() - start


def parse_address(address: str) -> int | None:
    """The worker count of ``local:N``, or None for a scheduler address; raise UsageError for a bad ``local:``."""
    if not address.startswith(LOCAL):
        return None
    count = address.removeprefix(LOCAL)
    if not count.isdigit() or int(count) < 1:
        raise UsageError(f"--dask {address}: use local:N with N >= 1 worker processes, or a scheduler address")
    return int(count)


def _unreachable(address: str, timeout: float, waited: float, error: BaseException) -> ClusterError:
    return ClusterError(f"cannot reach the Dask scheduler at {address} (gave up after {waited:.0f}s, "
                        f"--dask-timeout {timeout:g}): {error}")


@contextmanager
def dask_executor(address: str, timeout: float = DEFAULT_TIMEOUT) -> Iterator[DaskExecutor]:
    """A :class:`DaskExecutor` on the scheduler at ``address``, or on ``local:N`` worker processes, for the block.

    A scheduler address is connected to at once: :class:`ClusterError` when none answers within
    ``timeout`` seconds, before the build starts. A local cluster starts when first needed.
    """
    workers = parse_address(address)
    closing: list[Client | LocalCluster] = []

    def connect() -> Client:
        start = time.monotonic()
        cluster = None
        try:
            if workers is not None:
                with dask.config.set(LOCAL_WORKER_CONFIG):
                    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR)
                closing.append(cluster)
            # A local cluster's scheduler runs in this process: by default results would travel worker ->
            # scheduler -> client, twice over loopback and through this process's event loop twice. Its workers
            # are reachable, so results come straight from them. Elsewhere the client may not reach the
            # workers (a cluster behind its scheduler): Dask's own setting decides (docs/distributed.md).
            client = Client(cluster or address, timeout=timeout, set_as_default=False,
                            direct_to_workers=True if workers is not None else None)
        except (OSError, TimeoutError, ValueError) as error:
            raise _unreachable(address, timeout, time.monotonic() - start, error) from None
        closing.append(client)
        return client

    executor = DaskExecutor(connect)
    if workers is None:
        executor.client  # noqa: B018 - connect now: an unreachable scheduler fails before the build
    try:
        yield executor
    finally:
        for resource in reversed(closing):
            resource.close()
