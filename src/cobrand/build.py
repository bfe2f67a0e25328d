"""The pipeline: load, validate, plan, render, write, report.

:func:`build` is the library entry point; the CLI and the dev server call it.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from jinja2 import TemplateSyntaxError

from .errors import Problem, ProjectError, UsageError
from .links import link_problems
from .load import load_project
from .models import Partner, Project
from .plan import select_partners
from .render.partner import PartnerRenderer
from .report import BuildReport, PartnerResult
from .tokens import TokenError
from .validate import check_project, today_from_environment
from .write import (
    build_lock,
    discard_staging,
    publish,
    read_manifest,
    remove_stale,
    staging_folder,
    write_atomic,
    write_files,
    write_manifest,
)

REPORT_FILE = "report.json"


def load_and_check(project_dir: Path | str = ".", *, strict: bool = False,
                   environ: Mapping[str, str] | None = None) -> tuple[Project, list[Problem]]:
    """Load and validate a project; raise :class:`ProjectError` listing every error.

    Returns the project and its warnings. With ``strict``, warnings are errors.
    """
    today = today_from_environment(dict(os.environ if environ is None else environ))
    project, problems = load_project(Path(project_dir), today)
    if project is not None:
        problems += check_project(project)
    errors = [p for p in problems if p.severity == "error" or strict]
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
    environ: Mapping[str, str] | None = None,
) -> BuildReport:
    """Build every selected partner's site and kit into ``out_dir`` (default ``<project>/build``).

    Raises :class:`ProjectError` before writing anything when the project has
    errors, and :class:`UsageError` for an unknown partner or a bad shard.
    A partner that fails to render is reported in the returned report; its
    previous output is kept and the other partners are still built.
    """
    timings: dict[str, float] = {}
    with _timed(timings, "load+validate"):
        project, warnings = load_and_check(project_dir, strict=strict, environ=environ)
    out = Path(out_dir) if out_dir is not None else project.root / "build"
    _check_selection(project, partners, shard)
    selected = select_partners(project, partners, shard)
    report = BuildReport(project=str(project.root), out_dir=str(out.resolve()), warnings=warnings,
                         timings=timings, strict=strict)
    with build_lock(out):
        with _timed(timings, "render+write"):
            report.partners = _render_all(project, selected, out, jobs or os.cpu_count() or 1, pdfs)
        with _timed(timings, "publish"):
            built = [result.slug for result in report.partners if result.status == "built"]
            publish(out, built)
            everyone = {partner.slug for partner in project.partners}
            if not partners and shard is None:
                report.removed = remove_stale(out, everyone)
                write_manifest(out, everyone)
            else:
                write_manifest(out, (read_manifest(out) & everyone) | set(built))
        write_atomic(out / REPORT_FILE, report.to_json().encode("utf-8"))
    return report


def _check_selection(project: Project, partners: tuple[str, ...], shard: tuple[int, int] | None) -> None:
    known = {partner.slug for partner in project.partners}
    unknown = sorted(set(partners) - known)
    if unknown:
        raise UsageError(f"unknown partner(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    if shard is not None and not (1 <= shard[0] <= shard[1]):
        raise UsageError(f"shard {shard[0]}/{shard[1]} is out of range; use K/N with 1 <= K <= N")


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


# Worker processes are forked after the project is loaded, so each one
# inherits it (and builds its own renderer once) instead of re-parsing content.
_worker: tuple[PartnerRenderer, Path] | None = None


def _init_worker(project: Project, out: Path, pdfs: bool) -> None:
    global _worker
    _worker = (PartnerRenderer(project, pdfs=pdfs), out)


def _render_in_worker(partner: Partner) -> PartnerResult:
    assert _worker is not None
    renderer, out = _worker
    return render_partner(renderer, partner, out)


def _render_all(project: Project, partners: tuple[Partner, ...], out: Path, jobs: int,
                pdfs: bool) -> list[PartnerResult]:
    if jobs <= 1 or len(partners) <= 1:
        renderer = PartnerRenderer(project, pdfs=pdfs)
        return [render_partner(renderer, partner, out) for partner in partners]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(jobs, len(partners)), mp_context=context,
                             initializer=_init_worker, initargs=(project, out, pdfs)) as pool:
        return list(pool.map(_render_in_worker, partners, chunksize=max(1, len(partners) // (jobs * 8))))


def render_partner(renderer: PartnerRenderer, partner: Partner, out: Path) -> PartnerResult:
    """Render one partner into its staging folder; a failure is returned, not raised."""
    start = time.perf_counter()
    folder = staging_folder(out, partner.slug)
    try:
        outputs = renderer.render(partner)
        files = write_files(folder, ((output.path, output.data) for output in outputs))
    except TokenError as error:
        discard_staging(out, partner.slug)
        failure = Problem(error.source, f"{error} (for partner {partner.slug})", line=error.expression.line)
        return PartnerResult(partner.slug, "failed", seconds=time.perf_counter() - start, failure=failure)
    except Exception as error:  # noqa: BLE001 - one partner's failure must not stop the others
        discard_staging(out, partner.slug)
        failure = describe_failure(renderer.project, partner, error)
        return PartnerResult(partner.slug, "failed", seconds=time.perf_counter() - start, failure=failure)
    pdf_count = sum(1 for output in outputs if output.path.endswith(".pdf"))
    warnings = link_problems(renderer.project, partner, outputs)
    return PartnerResult(partner.slug, "built", files, pdf_count, time.perf_counter() - start,
                         warnings=tuple(warnings))


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
