"""One partner's work in two steps: a pure render anywhere, then the write by the output's owner.

:func:`render_outputs` runs where the project was shipped (a Dask worker). From what the
output folder records for the partner (:class:`Recorded`) it makes the bytes of every
output whose key changed, and returns them with every output's path and keys
(:class:`Rendered`): no file is read from or written to the output folder or the cache.

:func:`write_outputs` runs in the process that owns the output folder and applies a
:class:`Rendered` with the ordinary writer (:func:`cobrand.write.write_partner`), so
atomic files, manifests, stale removal, link checks and the cache store behave as in a
local build. An output whose making needs another output's bytes that only the owner
has (a kit zip holding an unchanged PDF) is made there, by the owner's renderer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Container
from dataclasses import dataclass, field

from ..errors import Problem
from ..freshness import recorded_fingerprint, up_to_date
from ..jobs import BOTH_ROOTS, HUB_ROOT, SITE_ROOT, Job, Resolve, hub_path, root_of
from ..links import broken_links
from ..models import Partner
from ..partner_build import RenderOptions, built_result, kept_items, partner_failure, withheld_of
from ..plan import Planner
from ..render.partner import PartnerRenderer
from ..report import PartnerResult
from ..roots import write_partner_roots
from ..write import read_manifest, recorded_files


@dataclass(frozen=True)
class Recorded:
    """What the output folder holds for one partner, as the writer will see it."""

    fingerprint: str | None  # the manifests', when the partner's folder exists in each root the build writes
    files: dict[str, str] = field(default_factory=dict)  # the key recorded for each file still on disk
    roots: frozenset[str] = BOTH_ROOTS  # the output roots the build writes (``--only``)


@dataclass(frozen=True)
class OutputKeys:
    """One output as the writer needs it without its maker: where it goes and what it was made from."""

    path: str
    key: str
    costly: bool
    extras: dict[str, str] | None  # see Job.extras
    items: tuple[str, ...] = ()  # see Job.items


@dataclass(frozen=True)
class Rendered:
    """A partner's render: every output's keys, the bytes of those that changed, or the failure."""

    slug: str
    fingerprint: str
    seconds: float
    reused: bool = False
    outputs: tuple[OutputKeys, ...] = ()
    made: dict[str, bytes] = field(default_factory=dict)
    reads: dict[str, frozenset[str]] = field(default_factory=dict)  # inputs outputs read (see Job.made_key)
    failure: Problem | None = None

    @property
    def size(self) -> int:
        """Bytes of output carried."""
        return sum(len(data) for data in self.made.values())


def recorded(options: RenderOptions, slug: str) -> Recorded:
    """What ``options.out`` (the site) and ``options.hub_out`` (the hub) record for partner ``slug``.

    Hub files are named by their job paths (:data:`cobrand.jobs.HUB` first); the fingerprint is the
    partner's only when every folder the build writes (``options.roots``) holds it.
    """
    manifest, hub_manifest = read_manifest(options.out, slug), read_manifest(options.hub_out, slug)
    fingerprints = {recorded_fingerprint(folder, slug, read)
                    for root, folder, read in ((SITE_ROOT, options.out, manifest), (HUB_ROOT, options.hub_out,
                                                                                     hub_manifest))
                    if root in options.roots}
    fingerprint = fingerprints.pop() if len(fingerprints) == 1 else None
    files = recorded_files(options.out, slug, manifest)
    files |= {hub_path(path): key for path, key in recorded_files(options.hub_out, slug, hub_manifest).items()}
    return Recorded(fingerprint, files, options.roots)


class _MadeElsewhere(Exception):
    """An output's making needs bytes that only the output's owner has."""


def render_outputs(renderer: PartnerRenderer, planner: Planner, partner: Partner, before: Recorded,
                   stored: Container[str], *, skip: Container[str] = frozenset(),
                   only: Container[str] | None = None) -> Rendered:
    """Make every output of ``partner`` whose key differs from ``before``; a failure is returned, not raised.

    Costly outputs whose key is in ``stored`` (the owner's cache store) are left to the owner, as are
    outputs whose making needs them or an unchanged output. Outputs at paths in ``skip`` are made by
    other tasks (see :func:`pdfs_to_make`), and so are those that need them; with ``only``, just the
    outputs at those paths are made, and only their bytes are returned.
    """
    start = time.perf_counter()
    plan = planner.plan(partner)
    keys = renderer.keys(partner, plan)
    if up_to_date(before.fingerprint, keys.fingerprint):
        return Rendered(partner.slug, keys.fingerprint, time.perf_counter() - start, reused=True)
    try:
        jobs = renderer.planned_jobs(plan, keys, before.roots)
        by_path = {job.path: job for job in jobs}
        made: dict[str, bytes] = {}

        def elsewhere(job: Job) -> bool:
            return job.path in skip or job.matches(before.files.get(job.path)) or (job.costly and job.key in stored)

        def resolve(path: str) -> bytes:
            if path not in made:
                job = by_path[path]
                if elsewhere(job):
                    raise _MadeElsewhere(path)
                made[path] = job.make(resolve)
            return made[path]

        # Outputs of a root the build does not write are made only when one it writes needs their bytes; the
        # owner is told of them all, as it may need them to make such an output (write_partner_roots).
        for job in (job for job in jobs if root_of(job.path) in before.roots):
            if (only is None or job.path in only) and not elsewhere(job):
                with contextlib.suppress(_MadeElsewhere):  # left to the owner (see write_outputs)
                    resolve(job.path)
        if only is not None:
            return Rendered(partner.slug, keys.fingerprint, time.perf_counter() - start,
                            made={path: data for path, data in made.items() if path in only})
        reads = {path: names for job in jobs if job.reads for path, names in job.reads.items()}
        outputs = tuple(OutputKeys(job.path, job.key, job.costly, job.extras, job.items) for job in jobs)
    except Exception as error:
        return Rendered(partner.slug, keys.fingerprint, time.perf_counter() - start,
                        failure=partner_failure(renderer.project, partner, error))
    return Rendered(partner.slug, keys.fingerprint, time.perf_counter() - start, outputs=outputs, made=made,
                    reads=reads)


def pdfs_to_make(renderer: PartnerRenderer, planner: Planner, partner: Partner, before: Recorded,
                 stored: Container[str]) -> tuple[str, ...]:
    """The paths of ``partner``'s PDFs that :func:`render_outputs` would make, none if it would make nothing.

    A partner whose outputs cannot even be listed has none here: its own task reports the failure.
    """
    plan = planner.plan(partner)
    keys = renderer.keys(partner, plan)
    if up_to_date(before.fingerprint, keys.fingerprint):
        return ()
    try:
        jobs = renderer.planned_jobs(plan, keys, before.roots)
    except Exception:  # reported by the partner's own task, which lists them again
        return ()
    # PDFs rendered, not the hub kit's copies of them (made from the rendered bytes, by whoever has them).
    return tuple(job.path for job in jobs if job.path.endswith(".pdf") and job.costly
                 and root_of(job.path) in before.roots and not job.matches(before.files.get(job.path))
                 and job.key not in stored)


def joined(partner_part: Rendered, pdf_parts: list[Rendered]) -> Rendered:
    """A partner's render from its own task's and its PDF tasks' (see ``skip`` and ``only`` of
    :func:`render_outputs`): the first failure, else every made output together."""
    if partner_part.failure is not None or partner_part.reused:
        return partner_part
    failed = [part.failure for part in pdf_parts if part.failure is not None]
    if failed:
        return dataclasses.replace(partner_part, failure=failed[0], outputs=(), made={}, reads={})
    made = dict(partner_part.made)
    for part in pdf_parts:
        made.update(part.made)
    return dataclasses.replace(partner_part, made=made,
                               seconds=partner_part.seconds + sum(part.seconds for part in pdf_parts))


def write_outputs(renderer: PartnerRenderer, partner: Partner, rendered: Rendered, options: RenderOptions
                  ) -> tuple[PartnerResult, str]:
    """Apply ``rendered`` to ``options.out`` as :func:`cobrand.partner_build.render_partner` would have written it.

    ``renderer`` is the owner's, for the outputs left to it. Returns the partner's result and fingerprint.
    """
    start = time.perf_counter() - rendered.seconds
    if rendered.failure is not None:
        return PartnerResult(partner.slug, "failed", seconds=rendered.seconds, failure=rendered.failure), \
            rendered.fingerprint
    if rendered.reused:
        withheld = renderer.project.withheld
        kept = kept_items(renderer.project, read_manifest(options.out, partner.slug)) if withheld else ()
        return PartnerResult(partner.slug, "reused", seconds=rendered.seconds, kept=kept), rendered.fingerprint
    reads = dict(rendered.reads)
    own: dict[str, Job] = {}

    def make_here(path: str) -> Callable[[Resolve], bytes]:
        def make(resolve: Resolve) -> bytes:
            if not own:
                own.update((job.path, job) for job in renderer.jobs(partner))
            job = own[path]
            data = job.make(resolve)
            if job.reads and path in job.reads:
                reads[path] = job.reads[path]
            return data
        return make

    def maker(path: str) -> Callable[[Resolve], bytes]:
        data = rendered.made.get(path)
        return make_here(path) if data is None else lambda _: data

    jobs = [Job(output.path, output.key, maker(output.path), output.costly, output.extras,
                reads if output.extras is not None else None, output.items)
            for output in rendered.outputs]
    plan = renderer.planner.plan(partner)
    try:
        written = write_partner_roots(options.out, options.hub_out, partner.slug, jobs, rendered.fingerprint,
                                      options.store, check_links=broken_links,
                                      withheld=withheld_of(renderer.project, plan), roots=options.roots)
    except Exception as error:
        failure = partner_failure(renderer.project, partner, error)
        return PartnerResult(partner.slug, "failed", seconds=time.perf_counter() - start, failure=failure), \
            rendered.fingerprint
    return built_result(renderer.project, plan, jobs, written, start, renderer.planner.summary(plan)), \
        rendered.fingerprint
