"""One partner's build: plan it, tell whether its output is current, render its jobs and write them.

:func:`render_partner` is what :mod:`cobrand.build` runs for each partner that changed, in this
process or in a forked worker; :mod:`cobrand.distribute` splits the same work into a render
anywhere and a write by the output's owner, and shares :func:`built_result` and
:func:`partner_failure` so both report alike.
"""

from __future__ import annotations

import dataclasses
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import TemplateSyntaxError

from .cache import Store
from .errors import Problem
from .freshness import is_current
from .jobs import BOTH_ROOTS, HUB, HUB_ROOT, ROOT_ORDER, SITE_ROOT, Job, split_root
from .kept import Withheld
from .links import broken_links, link_warnings
from .models import Partner, Project
from .plan import PartnerPlan, Planner, PlanSummary
from .render.context import hub_url, partner_url
from .render.partner import PartnerRenderer
from .render.pdf import PdfFetchError
from .report import PartnerResult
from .roots import default_hub_dir, write_partner_roots
from .scope import partner_scope
from .tokens import TokenError
from .write import OutputError, WriteResult, read_manifest


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
    lock_fd: int | None = None  # the build lock's descriptor: worker processes close their inherited copy
    hub: Path | None = None  # where partners' hubs go (default: <out>-hub beside out)
    hub_lock_fd: int | None = None  # the hub folder's build lock, closed by workers like lock_fd
    roots: frozenset[str] = BOTH_ROOTS  # the output roots written (``--only``): the other is left as it is
    code: str | None = None  # cobrand's code digest (cache.code_digest), when the build has it already

    @property
    def hub_out(self) -> Path:
        """The folder of partners' hubs."""
        return self.hub if self.hub is not None else default_hub_dir(self.out)

    @property
    def folders(self) -> tuple[Path, ...]:
        """The output folders this build writes: the sites', the hubs', or both (in that order)."""
        folders = {SITE_ROOT: self.out, HUB_ROOT: self.hub_out}
        return tuple(folders[root] for root in ROOT_ORDER if root in self.roots)


def render_partner(renderer: PartnerRenderer, planner: Planner, partner: Partner, options: RenderOptions
                   ) -> tuple[PartnerResult, str]:
    """Bring one partner's output up to date; return the result (a failure is returned, not raised)
    and the partner's fingerprint. ``planner`` plans the partner (the plan stage, see :mod:`cobrand.plan`)."""
    start = time.perf_counter()
    plan = planner.plan(partner)
    keys = renderer.keys(partner, plan)
    fingerprint = keys.fingerprint
    # A build that writes no hub needs the hub's manifest only for a reused partner's warnings.
    hub_written = HUB_ROOT in options.roots
    manifest = read_manifest(options.out, partner.slug)
    hub_manifest = read_manifest(options.hub_out, partner.slug) if hub_written else {}
    covered = {SITE_ROOT: (options.out, manifest), HUB_ROOT: (options.hub_out, hub_manifest)}
    if is_current(partner.slug, fingerprint, [covered[root] for root in ROOT_ORDER if root in options.roots]):
        # A reused partner's warnings are those its output was written with: --strict answers the same.
        broken = recorded_broken(manifest, hub_manifest if hub_written else read_manifest(options.hub_out,
                                                                                          partner.slug))
        return PartnerResult(partner.slug, "reused", seconds=time.perf_counter() - start,
                             warnings=tuple(link_warnings(renderer.project, partner, broken)),
                             kept=kept_items(renderer.project, manifest),
                             plan_summary=planner.summary(plan)), fingerprint
    try:
        jobs = renderer.planned_jobs(plan, keys, options.roots)
        written = write_partner_roots(options.out, options.hub_out, partner.slug, jobs, fingerprint, options.store,
                                      check_links=broken_links, read=manifest, hub_read=hub_manifest,
                                      withheld=withheld_of(renderer.project, plan), roots=options.roots)
    except Exception as error:
        failure = partner_failure(renderer.project, partner, error)
    else:
        return built_result(renderer.project, plan, jobs, written, start, planner.summary(plan)), fingerprint
    return PartnerResult(partner.slug, "failed", seconds=time.perf_counter() - start, failure=failure), fingerprint


def recorded_broken(manifest: Mapping[str, object], hub_manifest: Mapping[str, object]) -> list[tuple[str, str]]:
    """The broken ``(page, link)`` pairs the partner's manifests record, hub pages named by job path."""
    found = []
    for prefix, recorded in (("", manifest.get("broken")), (HUB, hub_manifest.get("broken"))):
        if isinstance(recorded, list):
            found += [(prefix + str(page), str(link)) for page, link in recorded]
    return found


def withheld_of(project: Project, plan: PartnerPlan) -> Withheld:
    """What the writer needs to keep the files of items withheld from this build, and to let them expire."""
    expires = {item.key: until.isoformat() for item in plan.items
               if (until := getattr(item.meta, "expires", None)) is not None}
    return Withheld(project.withheld, project.today.isoformat(), expires)


def kept_items(project: Project, manifest: Mapping[str, object]) -> tuple[str, ...]:
    """The withheld items whose last good files a partner's folder, as its ``manifest`` records it, kept."""
    items = manifest.get("items")
    return tuple(sorted(key for key in project.withheld if isinstance(items, dict) and key in items))


def built_result(project: Project, plan: PartnerPlan, jobs: list[Job], written: WriteResult, start: float,
                 summary: PlanSummary) -> PartnerResult:
    """The result of ``plan``'s partner, whose ``jobs`` were written (``start``: when its render began;
    ``summary``: its plan's, :meth:`cobrand.plan.Planner.summary`)."""
    partner = plan.partner
    warnings = link_warnings(project, partner, written.broken_links)
    pdf_count = sum(1 for job in jobs if job.path.endswith(".pdf") and job.costly)  # the kit's copies are not made
    # Public URLs of the files written: the site's, then the hub's (paths under HUB).
    added, changed, removed = ((tuple(partner_url(project, partner, path)
                                      for path in paths if not path.startswith(HUB)),
                                tuple(hub_url(project, partner, split_root(path)[1])
                                      for path in paths if path.startswith(HUB)))
                               for paths in (written.added, written.changed, written.deleted))
    return PartnerResult(partner.slug, "built", written.files, pdf_count, time.perf_counter() - start,
                         warnings=tuple(warnings), written=written.written, removed=written.removed,
                         urls_added=added[0], urls_changed=changed[0], urls_removed=removed[0], kept=written.kept,
                         hub_urls_added=added[1], hub_urls_changed=changed[1], hub_urls_removed=removed[1],
                         plan_summary=summary)


def partner_failure(project: Project, partner: Partner, error: Exception) -> Problem:
    """The problem to report for ``error``, raised while rendering or writing ``partner``: the partner's."""
    if isinstance(error, OutputError):
        found = Problem(partner.source, str(error))
    elif isinstance(error, TokenError):
        found = Problem(error.source, f"{error} (for partner {partner.slug})", line=error.expression.line)
    elif isinstance(error, PdfFetchError):
        found = Problem(error.source, f"{error} (for partner {partner.slug})")
    else:
        found = describe_failure(project, partner, error)
    return dataclasses.replace(found, scope=partner_scope(partner.slug))


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
