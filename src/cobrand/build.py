"""The pipeline: load, validate, plan, render, write, report.

:func:`build` is the library entry point; the CLI and the dev server call it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from jinja2 import TemplateSyntaxError
from PIL import Image

from .cache import Store, code_digest, digest
from .errors import Problem, ProjectError, UsageError
from .links import broken_links, link_warnings
from .load import MEMO_FILE, LoadMemo, load_project
from .models import Partner, Project
from .plan import select_partners
from .render.engine.renderers import render_mode
from .render.partner import Job, PartnerRenderer
from .render.pdf import PdfFetchError
from .report import BuildReport, PartnerResult
from .tokens import TokenError
from .validate import check_project, today_from_environment
from .write import (
    WriteResult,
    build_lock,
    is_current,
    known_partners,
    manifest_stamp,
    read_manifest,
    remove_partners,
    sweep_temporary,
    write_atomic,
    write_partner,
)

REPORT_FILE = "report.json"


def load_and_check(project_dir: Path | str = ".", *, strict: bool = False,
                   environ: Mapping[str, str] | None = None,
                   memo: LoadMemo | None = None, jobs: int = 1) -> tuple[Project, list[Problem]]:
    """Load and validate a project; raise :class:`ProjectError` listing every error.

    Returns the project and its warnings. With ``strict``, warnings are errors.
    ``memo`` lets unchanged files skip parsing (see :mod:`cobrand.load.memo`);
    ``jobs`` processes load partner folders when there are many.
    """
    today = today_from_environment(dict(os.environ if environ is None else environ))
    project, problems = load_project(Path(project_dir), today, memo, jobs)
    if project is not None:
        problems += check_project(project, memo)
    errors = [p for p in problems if p.severity == "error" or (strict and p.severity == "warning")]
    if errors or project is None:
        raise ProjectError(errors)
    return project, [p for p in problems if p.severity == "warning"]


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
) -> BuildReport:
    """Build every selected partner's site and kit into ``out_dir`` (default ``<project>/build``).

    Raises :class:`ProjectError` before writing anything when the project has
    errors, and :class:`UsageError` for an unknown partner or a bad shard.
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
    """
    timings: dict[str, float] = {}
    root = Path(project_dir).resolve()
    out = Path(out_dir) if out_dir is not None else root / "build"
    cache = Path(cache_dir) if cache_dir is not None else out / ".cobrand" / "cache"
    code = code_digest()
    jobs = jobs or os.cpu_count() or 1
    render = render_mode(render, os.environ if environ is None else environ)
    _reuse_image_memory()
    with _timed(timings, "load+validate"):
        memo = LoadMemo(cache / MEMO_FILE, salt=digest(code, str(root)))
        project, warnings = load_and_check(root, strict=strict, environ=environ, memo=memo, jobs=jobs)
    _check_selection(project, partners, shard)
    selected = select_partners(project, partners, shard)
    if on_start is not None:
        on_start(len(selected))
    report = BuildReport(project=str(project.root), out_dir=str(out.resolve()), warnings=warnings,
                         timings=timings, strict=strict)
    store = Store(cache)
    with build_lock(out):
        sweep_temporary(out)
        with _timed(timings, "render+write"):
            # Compiled templates depend on cobrand's own extensions too, so its code names the folder.
            options = RenderOptions(out, store, pdfs, images, fail_fast, cache / f"templates-{code[:16]}", render)
            report.partners = _render_all(project, selected, options, jobs, on_partner, memo, executor)
        memo.save()
        if not partners and shard is None:
            everyone = {partner.slug for partner in project.partners}
            report.removed = remove_partners(out, known_partners(out) - everyone)
        write_atomic(out / REPORT_FILE, report.to_json().encode("utf-8"))
    return report


def _check_selection(project: Project, partners: tuple[str, ...], shard: tuple[int, int] | None) -> None:
    known = {partner.slug for partner in project.partners}
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


@dataclass(frozen=True)
class RenderOptions:
    """What every partner's render shares: where to write and what to make."""

    out: Path
    store: Store
    pdfs: bool
    images: bool
    fail_fast: bool = False
    compiled_templates: Path | None = None
    render: str = "fast"  # the page renderer: full, fast or verify


# Worker processes are forked after the project is loaded and the renderer made, so each one
# inherits both (compiled templates, theme files, keys) instead of making its own; WeasyPrint is
# set up lazily, in each worker that prints.
_worker: tuple[PartnerRenderer, RenderOptions, tuple[Partner, ...]] | None = None


def _init_worker(renderer: PartnerRenderer, options: RenderOptions, partners: tuple[Partner, ...]) -> None:
    global _worker
    # Ctrl-C reaches the whole process group; the parent alone handles it and cancels the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What the parent loaded lives as long as the worker: keep the garbage collector from scanning
    # it again and again (and from touching, so copying, the pages it shares with the parent).
    gc.freeze()
    _worker = (renderer, options, partners)


def _render_in_worker(index: int) -> tuple[PartnerResult, str]:
    # Partners are inherited at fork and named by position: pickling each one to send it was
    # a tenth of a millisecond per partner, in a rebuild that spends a few on each.
    assert _worker is not None
    renderer, options, partners = _worker
    return render_partner(renderer, partners[index], options)


def _render_all(project: Project, partners: tuple[Partner, ...], options: RenderOptions, jobs: int,
                on_partner: Callable[[PartnerResult], None] | None, memo: LoadMemo,
                executor: PartnerExecutor | None = None) -> list[PartnerResult]:
    results: list[PartnerResult] = []
    try:
        renderer = PartnerRenderer(project, pdfs=options.pdfs, images=options.images,
                                   compiled_templates=options.compiled_templates, render=options.render)
    except Exception as error:  # e.g. a broken print stylesheet: every partner reports it
        for partner in partners:
            _collect(results, PartnerResult(partner.slug, "failed", failure=describe_failure(project, partner, error)),
                     on_partner)
        return results
    renderer.remember_palettes(memo, partners)
    # Planning a partner to fingerprint it is most of a no-op build: fingerprints are remembered by
    # the partner folder's digest and everything partners share.
    shared = digest(renderer.site_key, renderer.content_key, project.today.isoformat())

    def remember(partner: Partner, result: PartnerResult, fingerprint: str) -> None:
        # With the manifest's stamp, the next build knows the partner is current without reading it.
        # A failed partner is not remembered: its folder holds older output.
        if partner.digest and result.failure is None:  # partners built in memory have no folder digest
            memo.remember(f"fingerprints/{partner.slug}", digest(shared, partner.digest),
                          (fingerprint, manifest_stamp(options.out, partner.slug)))

    # Partners whose fingerprint is remembered and current are found here, so worker processes
    # start only for partners that changed or whose inputs did (those are fingerprinted there).
    stale = []
    for partner in partners:
        start = time.perf_counter()
        if _known_current(partner, options.out, memo, digest(shared, partner.digest)):
            _collect(results, PartnerResult(partner.slug, "reused", seconds=time.perf_counter() - start), on_partner)
        else:
            stale.append(partner)
    if executor is not None:
        for partner, (result, fingerprint) in executor.render(renderer, tuple(stale), options):
            remember(partner, result, fingerprint)
            _collect(results, result, on_partner)
    elif jobs <= 1 or len(stale) <= 1:
        for partner in stale:
            result, fingerprint = render_partner(renderer, partner, options)
            remember(partner, result, fingerprint)
            _collect(results, result, on_partner)
            if options.fail_fast and result.failure is not None:
                break
    else:
        for partner, (result, fingerprint) in _render_in_pool(renderer, renderer.planner.grouped(tuple(stale)),
                                                              options, jobs):
            remember(partner, result, fingerprint)
            _collect(results, result, on_partner)
    order = {partner.slug: index for index, partner in enumerate(partners)}
    return sorted(results, key=lambda result: order[result.slug])


def _known_current(partner: Partner, out: Path, memo: LoadMemo, content: str) -> bool:
    """True when the memo holds the partner's fingerprint for these inputs and its output has it.

    The manifest is read only when its stamp is not the one remembered (another output
    folder, or a folder restored from elsewhere); then the stamp is remembered anew.
    """
    key = f"fingerprints/{partner.slug}"
    if not partner.digest or not memo.knows(key, content):
        return False
    fingerprint, stamp = memo.recall(key, content, lambda: ("", None))
    current_stamp = manifest_stamp(out, partner.slug)
    if current_stamp is not None and current_stamp == stamp:
        return (out / partner.slug).is_dir()
    if is_current(out, partner.slug, fingerprint):
        memo.remember(key, content, (fingerprint, current_stamp))
        return True
    return False


def _collect(results: list[PartnerResult], result: PartnerResult,
             on_partner: Callable[[PartnerResult], None] | None) -> None:
    results.append(result)
    if on_partner is not None:
        on_partner(result)


def _render_in_pool(renderer: PartnerRenderer, partners: tuple[Partner, ...], options: RenderOptions, jobs: int
                    ) -> Iterator[tuple[Partner, tuple[PartnerResult, str]]]:
    context = multiprocessing.get_context("fork")
    # Small chunks: when the partners run out, one worker can sit idle for up to a chunk's time; 32 chunks
    # a worker keep that to a few per cent of a rebuild, for a few hundred messages.
    chunk = 1 if options.fail_fast else max(1, len(partners) // (jobs * 32))
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(partners)), mp_context=context,
                               initializer=_init_worker, initargs=(renderer, options, partners))
    try:
        outcomes = pool.map(_render_in_worker, range(len(partners)), chunksize=chunk)
        for partner, outcome in zip(partners, outcomes, strict=False):
            yield partner, outcome
            if options.fail_fast and outcome[0].failure is not None:
                break
    finally:
        # On fail-fast, Ctrl-C or any error: start nothing more, let running partners finish their files.
        pool.shutdown(wait=True, cancel_futures=True)


def render_partner(renderer: PartnerRenderer, partner: Partner, options: RenderOptions) -> tuple[PartnerResult, str]:
    """Bring one partner's output up to date; return the result (a failure is returned, not raised)
    and the partner's fingerprint."""
    start = time.perf_counter()
    plan = renderer.planner.plan(partner)
    keys = renderer.keys(partner, plan)
    fingerprint = keys.fingerprint
    manifest = read_manifest(options.out, partner.slug)
    if is_current(options.out, partner.slug, fingerprint, manifest):
        return PartnerResult(partner.slug, "reused", seconds=time.perf_counter() - start), fingerprint
    try:
        jobs = renderer.jobs(partner, plan, keys)
        written = write_partner(options.out, partner.slug, jobs, fingerprint, options.store,
                                check_links=broken_links, read=manifest)
    except Exception as error:
        failure = partner_failure(renderer.project, partner, error)
    else:
        return built_result(renderer.project, partner, jobs, written, start), fingerprint
    return PartnerResult(partner.slug, "failed", seconds=time.perf_counter() - start, failure=failure), fingerprint


def built_result(project: Project, partner: Partner, jobs: list[Job], written: WriteResult, start: float
                 ) -> PartnerResult:
    """The result of a partner whose ``jobs`` were written (``start``: when its render began)."""
    warnings = link_warnings(project, partner, written.broken_links)
    pdf_count = sum(1 for job in jobs if job.path.endswith(".pdf"))
    return PartnerResult(partner.slug, "built", written.files, pdf_count, time.perf_counter() - start,
                         warnings=tuple(warnings), written=written.written, removed=written.removed)


def partner_failure(project: Project, partner: Partner, error: Exception) -> Problem:
    """The problem to report for ``error``, raised while rendering or writing ``partner``."""
    if isinstance(error, TokenError):
        return Problem(error.source, f"{error} (for partner {partner.slug})", line=error.expression.line)
    if isinstance(error, PdfFetchError):
        return Problem(error.source, f"{error} (for partner {partner.slug})")
    return describe_failure(project, partner, error)


def describe_failure(project: Project, partner: Partner, error: Exception) -> Problem:
    """Name the template and line behind a render error when there is one, else the partner."""
    message = f"{type(error).__name__}: {error} (while building partner {partner.slug})"
    if isinstance(error, TemplateSyntaxError) and error.filename:
        return Problem(_project_path(project, error.filename), message, line=error.lineno)
    template_frames = [frame for frame, line in traceback.walk_tb(error.__traceback__)
                       if frame.f_code.co_filename.endswith((".html", ".xml", ".txt"))]
    if template_frames:
        frame = template_frames[-1]
        lines = traceback.extract_tb(error.__traceback__)
        line = next((entry.lineno for entry in reversed(lines) if entry.filename == frame.f_code.co_filename), None)
        return Problem(_project_path(project, frame.f_code.co_filename), message, line=line)
    return Problem(partner.source, message)


def _project_path(project: Project, filename: str) -> str:
    path = Path(filename)
    return path.relative_to(project.root).as_posix() if path.is_relative_to(project.root) else str(path)
