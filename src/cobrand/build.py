"""The pipeline: load, validate, plan, render, write, report.

:func:`build` is the library entry point; the CLI and the dev server call it.
Which units a build covers is :mod:`cobrand.fleet`'s job, rendering elsewhere
:mod:`cobrand.distribute`'s, one partner's build :mod:`cobrand.partner_build`'s. The plan stage
is called here: one :class:`~cobrand.plan.Planner` for the build, shared with the renderer.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from .cache import Store, code_digest, digest
from .errors import BuildLockedError, CobrandError, Problem, ProjectError, UsageError
from .fleet import CheckedProject, load_scoped, partner_slugs, select_slugs
from .freshness import known_current, remember_current
from .jobs import BOTH_ROOTS, HUB_ROOT, SITE_ROOT, roots_named
from .links import link_warnings
from .load import STATE_FILE, SavedState
from .models import Partner, Project
from .orphans import die_with_parent
from .overview import OVERVIEW_FILE, overview_html, overview_rows, plan_summaries, refused_html
from .partner_build import RenderOptions, describe_failure, recorded_broken, render_partner
from .plan import Planner, PlanSummary
from .render import crawlers
from .render.engine.renderers import render_mode
from .render.partner import PartnerRenderer
from .report import BuildReport, PartnerResult, after_build, unfinished_report
from .roots import default_hub_dir
from .scope import PROJECT, partner_scope
from .write import (
    OutputError,
    build_lock,
    known_partners,
    read_manifest,
    remove_partners,
    sweep_temporary,
    write_atomic,
)

REPORT_FILE = "report.json"


def load_and_check(project_dir: Path | str = ".", *, strict: bool = False,
                   environ: Mapping[str, str] | None = None,
                   state: SavedState | None = None, jobs: int = 1,
                   preview: frozenset[str] = frozenset()) -> tuple[Project, list[Problem]]:
    """Load and validate a project; raise :class:`ProjectError` listing every error.

    Returns the project and its warnings. With ``strict``, warnings are errors.
    ``state`` lets unchanged files skip parsing (see :mod:`cobrand.load.state`);
    ``jobs`` processes load partner folders when there are many. ``preview`` holds
    ``"drafts"`` and/or ``"future"`` to show drafts and scheduled items too.
    """
    checked = load_scoped(project_dir, strict=strict, environ=environ, state=state, jobs=jobs, all_or_nothing=True,
                          preview=preview)
    return checked.project, checked.warnings


def build(
    project_dir: Path | str = ".",
    *,
    out_dir: Path | str | None = None,
    partners: tuple[str, ...] = (),
    shard: tuple[int, int] | None = None,
    strict: bool = False,
    jobs: int | None = None,
    pdfs: bool = True,
    images: bool = True,
    cache_dir: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    on_partner: Callable[[PartnerResult], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    fail_fast: bool = False,
    executor: PartnerExecutor | None = None,
    render: str | None = None,
    all_or_nothing: bool = False,
    on_load: Callable[[Project], None] | None = None,
    preview: frozenset[str] = frozenset(),
    hub_dir: Path | str | None = None,
    only: str | None = None,
) -> BuildReport:
    """Build every selected partner's public site into ``out_dir`` (default ``<project>/build``) and its
    hub (program, kit, social pack, e-mails) into ``hub_dir`` (default ``<out_dir>-hub`` beside it).

    A partner whose files have errors is skipped and its previous output kept as it
    was; a content item with errors is withheld: nothing new of it is published, and partners
    that had it keep their last good files of it (:mod:`cobrand.kept`); the rest builds
    (issue 20). Raises :class:`ProjectError` when the project's own files have errors (or, with
    ``all_or_nothing``, when anything has), and :class:`UsageError` for an unknown partner,
    a bad shard, or an output or cache folder inside the project's sources. ``report.json``
    is written in ``out_dir`` on every run, refused ones too.
    A partner that fails to render is reported in the returned report; its
    previous output is kept and the other partners are still built. Only
    outputs whose inputs changed are rendered again; PDFs and images are kept
    in ``cache_dir`` (default ``out_dir/.cobrand/cache``). ``on_partner`` is
    called with each partner's result as it finishes and ``on_start`` with
    the number of partners first (for progress displays).
    With ``fail_fast``, no further partner is started after the first failure.
    ``executor`` renders the partners that changed elsewhere (a Dask cluster, see
    :mod:`cobrand.distribute`) instead of in ``jobs`` local processes.
    ``render`` picks the page renderer (``full``, ``fast`` or ``verify``; default: the
    ``COBRAND_RENDER`` variable of ``environ``, else ``fast``; see render/engine/).
    ``on_load`` is called with the loaded project before rendering (the dev server lists its partners).
    ``preview`` (``"drafts"``, ``"future"``) also shows drafts and scheduled items, on pages
    marked as a preview and kept out of search engines.
    ``only`` (``"site"`` or ``"hub"``) writes just the public sites or just the hubs; the other folder is
    left as it is, and the next build that covers it brings it up to date. Partners gone from
    ``partners/`` lose both, whichever is built.
    """
    timings: dict[str, float] = {}
    root = Path(project_dir).resolve()
    out = Path(out_dir) if out_dir is not None else root / "build"
    cache = Path(cache_dir) if cache_dir is not None else out / ".cobrand" / "cache"
    hub = Path(hub_dir) if hub_dir is not None else default_hub_dir(out.resolve())
    check_output_folders(root, out, cache, hub)
    roots = roots_named(only)
    report = BuildReport(project=str(root), out_dir=str(out.resolve()), timings=timings, strict=strict,
                         hub_dir=str(hub.resolve()), only=only)
    try:
        return _build(root, out, hub, cache, report, partners=partners, shard=shard, strict=strict, jobs=jobs,
                      pdfs=pdfs, images=images, environ=environ, on_partner=on_partner, on_start=on_start,
                      fail_fast=fail_fast, all_or_nothing=all_or_nothing, executor=executor, render=render,
                      on_load=on_load, preview=preview, roots=roots)
    except BuildLockedError:
        raise  # the output belongs to the build holding the lock, its report included
    except CobrandError as error:
        report.refusal = error.problems if isinstance(error, ProjectError) else [Problem("", str(error),
                                                                                          scope=PROJECT)]
        _write_refusal(out, report)
        raise


def check_output_folders(root: Path, out: Path, cache: Path, hub: Path | None = None) -> None:
    """Refuse an output, hub or cache folder that is, holds, or sits inside the project's sources,
    and a hub folder that is, holds or sits inside the output folder.

    A build removes stale files from its output folders: pointed at ``content/`` it would delete the
    vendor's work. The project root itself is refused too; a folder inside it (``build/``) is not.
    The public sites and the hubs are published apart, so neither folder may hold the other.
    """
    sources = [root / name for name in ("content", "partners", "themes")]
    folders = [("--out", out), ("--cache-dir", cache)] + ([("--hub-out", hub)] if hub is not None else [])
    for option, folder in folders:
        resolved = folder.resolve()
        if resolved == root or root.is_relative_to(resolved):
            raise UsageError(f"{option} {folder} is the project folder or holds it; choose a folder for output "
                             "only, such as build/")
        for source in sources:
            if resolved.is_relative_to(source.resolve()) or source.resolve().is_relative_to(resolved):
                raise UsageError(f"{option} {folder} is inside or holds the project's {source.name}/ folder; "
                                 "cobrand deletes stale files there, so choose a folder for output only")
    if hub is not None:
        site, hubs = out.resolve(), hub.resolve()
        if site.is_relative_to(hubs) or hubs.is_relative_to(site):
            raise UsageError(f"--hub-out {hub} and --out {out} must be separate folders, neither inside the other: "
                             "the hubs are published apart from the public sites")


def _write_refusal(out: Path, report: BuildReport) -> None:
    """Write the report of a refused run, unless another build holds the output folder."""
    try:
        with build_lock(out):
            write_atomic(out / REPORT_FILE, report.to_json().encode("utf-8"))
            write_atomic(out / OVERVIEW_FILE, refused_html(report.refusal or []))
    except (CobrandError, OSError):
        pass  # the refusal itself is what the caller sees; an unwritable folder must not hide it


def _build(root: Path, out: Path, hub: Path, cache: Path, report: BuildReport, *, partners: tuple[str, ...],
           shard: tuple[int, int] | None, strict: bool, jobs: int | None, pdfs: bool, images: bool,
           environ: Mapping[str, str] | None, on_partner: Callable[[PartnerResult], None] | None,
           on_start: Callable[[int], None] | None, fail_fast: bool, all_or_nothing: bool,
           executor: PartnerExecutor | None, render: str | None,
           on_load: Callable[[Project], None] | None = None, preview: frozenset[str] = frozenset(),
           roots: frozenset[str] = BOTH_ROOTS) -> BuildReport:
    timings = report.timings
    code = code_digest()
    jobs = jobs or os.cpu_count() or 1
    mode = render_mode(render, os.environ if environ is None else environ)
    _reuse_image_memory()
    with _timed(timings, "load+validate"):
        state = SavedState(cache / STATE_FILE, salt=digest(code, str(root)))
        checked = load_scoped(root, strict=strict, environ=environ, state=state, jobs=jobs,
                              all_or_nothing=all_or_nothing, preview=preview)
    project = checked.project
    if on_load is not None:
        on_load(project)
    everyone = partner_slugs(project)
    _check_selection(everyone, partners, shard)
    chosen = set(select_slugs(everyone, partners, shard))
    selected = tuple(partner for partner in project.partners if partner.slug in chosen)
    report.warnings = checked.warnings
    report.skipped = {slug: found for slug, found in checked.skipped.items() if slug in chosen}
    report.withheld = checked.withheld
    if on_start is not None:
        on_start(len(selected))
    store = Store(cache)
    # A site-only build creates no hubs' folder, but locks one that is there: gone partners leave it too.
    hubs_locked = build_lock(hub) if HUB_ROOT in roots or hub.is_dir() else contextlib.nullcontext(None)
    with build_lock(out) as lock, hubs_locked as hub_lock:
        sweep_temporary(out)
        if hub_lock is not None:
            sweep_temporary(hub)
        try:
            write_atomic(out / REPORT_FILE, unfinished_report(report).to_json().encode("utf-8"))
        except OSError as error:  # before any partner's output is touched
            raise OutputError(f"cannot write {out}: {error.strerror or error}") from None
        try:
            with _timed(timings, "render+write"):
                # Compiled templates depend on cobrand's own extensions too, so its code names the folder.
                options = RenderOptions(out, store, pdfs, images, fail_fast, cache / f"templates-{code[:16]}",
                                        mode, lock_fd=lock, hub=hub, hub_lock_fd=hub_lock, roots=roots, code=code)
                report.partners, shared = _render_all(project, selected, options, jobs, on_partner, state, executor)
            summaries = plan_summaries(project, state, shared, report.partners)  # kept in the state: before it is saved
            state.save()
            if not partners and shard is None:
                # Only folders gone from partners/ lose their output: a skipped partner keeps its own.
                gone = (known_partners(out) | known_partners(hub)) - set(everyone)
                report.removed = remove_partners(out, gone)
                remove_partners(hub, gone)
            if SITE_ROOT in roots:
                _write_root_files(project, out)
            if HUB_ROOT in roots:
                _write_hub_root_files(hub)
            after_build(project, report)  # plugins' on_after_build (docs/plugins.md): before the report is written
        except CobrandError as error:
            report.refusal = error.problems if isinstance(error, ProjectError) else [
                Problem("", str(error), scope=PROJECT)]
            write_atomic(out / REPORT_FILE, report.to_json().encode("utf-8"))
            write_atomic(out / OVERVIEW_FILE, refused_html(report.refusal))
            raise
        try:
            write_atomic(out / REPORT_FILE, report.to_json().encode("utf-8"))
            write_atomic(out / OVERVIEW_FILE, _overview(checked, report, everyone, chosen, out, hub, summaries))
        except OSError as error:
            raise OutputError(f"cannot write {out}: {error.strerror or error}") from None
    return report


def _overview(checked: CheckedProject, report: BuildReport, everyone: tuple[str, ...], chosen: set[str],
              out: Path, hub: Path, summaries: Mapping[str, PlanSummary]) -> bytes:
    """The vendor overview page of this run (see :mod:`cobrand.overview`): every partner, built this run or not;
    ``summaries``: what it shows of partners' plans (:func:`cobrand.overview.plan_summaries`)."""
    project = checked.project
    # Partners this run did not cover keep the render warnings their output was written with.
    earlier = {}
    for partner in project.partners:
        if partner.slug not in chosen:
            broken = recorded_broken(read_manifest(out, partner.slug), read_manifest(hub, partner.slug))
            earlier[partner.slug] = link_warnings(project, partner, broken)
    rows = overview_rows(project, report, everyone=everyone, skipped=checked.skipped, set_aside=checked.set_aside,
                         earlier_warnings=earlier, summaries=summaries)
    selection = None if chosen == set(everyone) else sorted(chosen)
    return overview_html(project, rows, checked.withheld, selection=selection)


def _write_hub_root_files(hub: Path) -> None:
    """The hubs' root robots.txt: no crawler is welcome anywhere in the hubs."""
    data = crawlers.HUB_ROBOTS
    if not (hub / "robots.txt").is_file() or (hub / "robots.txt").read_bytes() != data:
        write_atomic(hub / "robots.txt", data)


def _write_root_files(project: Project, out: Path) -> None:
    """robots.txt and the sitemap index beside the partner folders (path-style base_url), or none."""
    files = crawlers.root_files(project)
    for name in crawlers.ROOT_FILES:
        if name in files:
            if not (out / name).is_file() or (out / name).read_bytes() != files[name]:
                write_atomic(out / name, files[name])
        else:  # the layout changed to a domain per partner: each partner folder has its own robots.txt
            (out / name).unlink(missing_ok=True)


def _check_selection(known_slugs: tuple[str, ...], partners: tuple[str, ...], shard: tuple[int, int] | None) -> None:
    known = set(known_slugs)
    unknown = sorted(set(partners) - known)
    if unknown:
        raise UsageError(f"unknown partner(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    if shard is not None and not (1 <= shard[0] <= shard[1]):
        raise UsageError(f"shard {shard[0]}/{shard[1]} is out of range; use K/N with 1 <= K <= N")


# Freed image blocks Pillow keeps for the next image (each at most 16 MB): by default it keeps none, so
# every logo's pixels were mapped afresh and faulted in page by page; keeping a few, measuring a
# thousand partners' logos took a quarter less time.
IMAGE_BLOCKS_KEPT = 4


def _reuse_image_memory() -> None:
    # Pillow's own setting (PILLOW_BLOCKS_MAX) wins when it keeps more; forked workers inherit this one.
    if Image.core.get_blocks_max() < IMAGE_BLOCKS_KEPT:
        Image.core.set_blocks_max(IMAGE_BLOCKS_KEPT)


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


class PartnerExecutor(Protocol):
    """Renders partners somewhere other than this process's local workers (see :mod:`cobrand.distribute`)."""

    def render(self, renderer: PartnerRenderer, partners: tuple[Partner, ...], options: RenderOptions
               ) -> Iterator[tuple[Partner, tuple[PartnerResult, str]]]:
        """Bring each partner's output in ``options.out`` up to date, as :func:`render_partner` does,
        yielding each partner with its result and fingerprint as it completes."""
        ...


# Worker processes are forked after the project is loaded and the renderer made, so each one
# inherits both (compiled templates, theme files, keys) instead of making its own. With enough
# partners to share, this process renders the first one itself before forking (WARM_BEFORE_FORK):
# the workers then also inherit what a renderer makes on first use (page skeletons, e-mail layouts,
# WeasyPrint and the print stylesheet) instead of each making it again. It stops at that partner's
# first PDF, once WeasyPrint is made: PDFs are most of a PDF build's time, and all of one partner's,
# rendered here while the workers waited, kept the other cores idle for them. A partner stopped
# there is rendered again, whole, by a worker.
WARM_BEFORE_FORK = 4  # stale partners per worker process from which the first is rendered here
_worker: tuple[PartnerRenderer, Planner, RenderOptions, tuple[Partner, ...]] | None = None


def _init_worker(renderer: PartnerRenderer, planner: Planner, options: RenderOptions, partners: tuple[Partner, ...],
                 parent: int, progress: Any) -> None:
    global _worker, _progress
    # Ctrl-C reaches the whole process group; the parent alone handles it and cancels the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)
    for lock_fd in (options.lock_fd, options.hub_lock_fd):
        if lock_fd is not None:
            # The build lock is an flock shared by every copy of its descriptor: a worker's copy must not
            # keep the output folder locked after the build is gone.
            with contextlib.suppress(OSError):
                os.close(lock_fd)
    _progress = progress
    # What the parent loaded lives as long as the worker: keep the garbage collector from scanning
    # it again and again (and from touching, so copying, the pages it shares with the parent).
    gc.freeze()
    _worker = (renderer, planner, options, partners)


_progress: Any = None  # one flag per partner, shared with the parent: 1 while a worker builds it, 2 once done
_STARTED, _DONE = 1, 2


def _render_in_worker(index: int) -> tuple[PartnerResult, str]:
    # Partners are inherited at fork and named by position: pickling each one to send it was
    # a tenth of a millisecond per partner, in a rebuild that spends a few on each.
    assert _worker is not None
    renderer, planner, options, partners = _worker
    if _progress is not None:
        _progress[index] = _STARTED
    outcome = render_partner(renderer, planner, partners[index], options)
    if _progress is not None:
        _progress[index] = _DONE
    return outcome


def _render_all(project: Project, partners: tuple[Partner, ...], options: RenderOptions, jobs: int,
                on_partner: Callable[[PartnerResult], None] | None, state: SavedState,
                executor: PartnerExecutor | None = None) -> tuple[list[PartnerResult], str | None]:
    """Every partner's result, in ``partners``' order, and the digest of what every partner's output depends on
    beside its own folder (None when the renderer could not be made)."""
    results: list[PartnerResult] = []
    # The plan stage: what each partner is entitled to. The renderer gets the same planner for the
    # plans it makes itself (a partner at the next tier, for its hub).
    planner = Planner(project)
    try:
        renderer = PartnerRenderer(project, pdfs=options.pdfs, images=options.images,
                                   compiled_templates=options.compiled_templates, render=options.render,
                                   planner=planner, code=options.code)
    except Exception as error:  # e.g. a broken print stylesheet: every partner reports it
        for partner in partners:
            _collect(results, PartnerResult(partner.slug, "failed", failure=describe_failure(project, partner, error)),
                     on_partner)
        return results, None
    renderer.remember_palettes(state, partners)
    renderer.remember_dates(state, partners)
    # What every partner's fingerprint names beside its own folder (see freshness.known_current).
    shared = digest(renderer.site_key, renderer.content_key, project.today.isoformat())

    def remember(partner: Partner, result: PartnerResult, fingerprint: str) -> None:
        if result.failure is None:  # a failed partner's folder holds older output
            remember_current(state, options.folders, partner, shared, fingerprint, result.warnings, result.kept)

    # Partners whose fingerprint is remembered and current are found here, so worker processes
    # start only for partners that changed or whose inputs did (those are fingerprinted there).
    stale = []
    for partner in partners:
        start = time.perf_counter()
        known = known_current(state, options.folders, partner, shared)
        if known is not None:
            _collect(results, PartnerResult(partner.slug, "reused", seconds=time.perf_counter() - start,
                                            warnings=known[0], kept=known[1]), on_partner)
        else:
            stale.append(partner)
    if stale:
        try:
            renderer.prepare(state)  # what rendering needs, made once here rather than in each worker
        except Exception as error:  # e.g. a broken translation catalogue: every partner to render reports it
            for partner in stale:
                _collect(results, PartnerResult(partner.slug, "failed",
                                                failure=describe_failure(project, partner, error)), on_partner)
            stale = []
    if executor is not None:
        for partner, (result, fingerprint) in executor.render(renderer, tuple(stale), options):
            remember(partner, result, fingerprint)
            _collect(results, result, on_partner)
    elif jobs <= 1 or len(stale) <= 1:
        for partner in stale:
            result, fingerprint = render_partner(renderer, planner, partner, options)
            remember(partner, result, fingerprint)
            _collect(results, result, on_partner)
            if options.fail_fast and result.failure is not None:
                break
    else:
        ordered = planner.grouped(tuple(stale))
        if len(ordered) >= WARM_BEFORE_FORK * jobs:
            first: tuple[PartnerResult, str] | None = None
            with renderer.warming_up():
                first = render_partner(renderer, planner, ordered[0], options)
            if first is not None:  # rendered whole: no PDF to make
                result, fingerprint = first
                remember(ordered[0], result, fingerprint)
                _collect(results, result, on_partner)
                ordered = () if options.fail_fast and result.failure is not None else ordered[1:]
        if ordered:
            for partner, (result, fingerprint) in _render_in_pool(renderer, planner, ordered, options, jobs):
                remember(partner, result, fingerprint)
                _collect(results, result, on_partner)
    order = {partner.slug: index for index, partner in enumerate(partners)}
    return sorted(results, key=lambda result: order[result.slug]), shared


def _collect(results: list[PartnerResult], result: PartnerResult,
             on_partner: Callable[[PartnerResult], None] | None) -> None:
    results.append(result)
    if on_partner is not None:
        on_partner(result)


def _render_in_pool(renderer: PartnerRenderer, planner: Planner, partners: tuple[Partner, ...],
                    options: RenderOptions, jobs: int) -> Iterator[tuple[Partner, tuple[PartnerResult, str]]]:
    # Imported here: a build that renders no more than one partner (a no-op, one partner edited) starts no pool.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork")
    # Small chunks: when the partners run out, one worker can sit idle for up to a chunk's time; 32 chunks
    # a worker keep that to a few per cent of a rebuild, for a few hundred messages.
    chunk = 1 if options.fail_fast else max(1, len(partners) // (jobs * 32))
    progress = context.RawArray("b", len(partners))
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(partners)), mp_context=context,
                               initializer=_init_worker,
                               initargs=(renderer, planner, options, partners, os.getpid(), progress))
    done = 0
    try:
        outcomes = pool.map(_render_in_worker, range(len(partners)), chunksize=chunk)
        for partner, outcome in zip(partners, outcomes, strict=False):
            done += 1
            yield partner, outcome
            if options.fail_fast and outcome[0].failure is not None:
                break
    except BrokenProcessPool:
        # A worker died (killed, or out of memory): name what was being built, keep everyone's old output.
        being_built = [partner for index, partner in enumerate(partners) if progress[index] == _STARTED]
        names = ", ".join(partner.slug for partner in being_built) or "none had started"
        for index, partner in enumerate(partners[done:], start=done):
            if progress[index] == _DONE:
                message = "was built, but the worker process died before reporting it; build again to record it"
            elif progress[index] == _STARTED:
                message = "not built: the worker process building it died (killed, or out of memory)"
            else:
                message = f"not built: the build stopped after a worker process died while building {names}"
            failure = Problem(partner.source, f"{message}; its previous output is kept", scope=partner_scope(
                partner.slug))
            yield partner, (PartnerResult(partner.slug, "failed", failure=failure), "")
    finally:
        # On fail-fast, Ctrl-C or any error: start nothing more, let running partners finish their files.
        pool.shutdown(wait=True, cancel_futures=True)
