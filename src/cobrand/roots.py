"""A partner's two output folders: its public site (``<out>/<slug>/``) and its hub (``<hub_out>/<slug>/``).

One partner's jobs share one namespace (hub jobs' paths start with :data:`cobrand.jobs.HUB`), so a hub
file can be made from a site file's bytes (the kit's copy of a datasheet PDF, rendered once). Writing them
is two steps:

1. every output of both folders whose key changed is made in memory, an output of either folder read from
   disk where it is unchanged: a render failure raises here, before either folder is touched, so a failed
   partner keeps its old site and its old hub byte for byte;
2. each folder is brought up to date by the ordinary writer (:func:`cobrand.write.write_partner`), with
   the bytes made in step 1: atomic files, its own manifest (``<root>/.cobrand/<slug>.json``), stale files
   removed, links checked within the folder, withheld items' files kept.

Step 2 writes the hub, then the site: a write error in the hub (a full disk, a folder where a file must
go) leaves both folders as they were. A write error in the site after the hub was written leaves the hub
new and the public site old; the site's manifest then lacks the partner's fingerprint, so the next build
brings the partner up to date again. (Two folders, possibly on two file systems, cannot be swapped as one.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .cache import Store
from .jobs import BOTH_ROOTS, HUB, HUB_ROOT, SITE_ROOT, Job, Resolve, root_of, split_root
from .kept import Withheld
from .write import LinkCheck, WriteResult, make_changed, read_manifest, recorded_files, write_partner


def default_hub_dir(out_dir: Path) -> Path:
    """Where partners' hubs go when no folder is given: ``<out>-hub`` beside the output folder."""
    return out_dir.with_name(out_dir.name + "-hub")


def write_partner_roots(out_dir: Path, hub_dir: Path, slug: str, jobs: list[Job], fingerprint: str,
                        store: Store | None, check_links: LinkCheck | None = None,
                        read: dict[str, object] | None = None, hub_read: dict[str, object] | None = None,
                        withheld: Withheld | None = None, roots: frozenset[str] = BOTH_ROOTS) -> WriteResult:
    """Make what changed in either folder, then write ``out_dir/slug`` and ``hub_dir/slug``.

    ``read`` and ``hub_read`` are the partner's manifests when the caller has read them already. The
    result names hub files by their job paths (:data:`cobrand.jobs.HUB` first). Only the folders of
    ``roots`` are written (``cobrand build --only``); a job of the other root is made only when an output
    written needs its bytes (the kit's copy of a PDF, in a hub-only build), and the other folder is left
    as it is, its manifest with it: its recorded fingerprint then differs, so the next build that covers
    it brings it up to date.
    """
    if HUB_ROOT not in roots and not any(job.path.startswith(HUB) for job in jobs):
        # The site alone, and no hub output to make for it: the ordinary writer makes what changed before it
        # touches the folder, as step 1 would (a site-only build's common case, one post edited).
        return _joined(write_partner(out_dir, slug, jobs, fingerprint, store, check_links=check_links, read=read,
                                     withheld=withheld), _nothing_written())
    manifests = (read_manifest(out_dir, slug) if read is None else read,
                 read_manifest(hub_dir, slug) if hub_read is None else hub_read)
    folders = (out_dir / slug, hub_dir / slug)
    recorded = (recorded_files(out_dir, slug, manifests[0]), recorded_files(hub_dir, slug, manifests[1]))
    def unchanged(job: Job) -> bool:
        in_hub, inside = split_root(job.path)
        return job.matches(recorded[in_hub].get(inside))

    def read_unchanged(path: str) -> bytes:
        in_hub, inside = split_root(path)
        return (folders[in_hub] / inside).read_bytes()

    written_jobs = [job for job in jobs if root_of(job.path) in roots]
    made = make_changed({job.path: job for job in jobs}, [job for job in written_jobs if not unchanged(job)],
                        unchanged, read_unchanged, store)

    # What each output's templates read, recorded by job path while it was made; the writer looks a hub
    # output's up by its path inside the hub.
    reads: dict[str, frozenset[str]] = {}
    for job in jobs:
        if job.reads:
            reads.update(job.reads)
    hub_reads = {path[len(HUB):]: names for path, names in reads.items() if path.startswith(HUB)}
    # A hub file made from a site file's bytes under the same key (the kit's copy of a PDF) is recorded as
    # having read what that file's templates read, however either was made (here, or on a Dask worker).
    site_keys = {job.key: job.path for job in jobs if job.extras is not None and not job.path.startswith(HUB)}
    for job in jobs:
        original = site_keys.get(job.key) if job.path.startswith(HUB) and job.extras is not None else None
        if original is not None and original in reads:
            hub_reads[job.path[len(HUB):]] = reads[original]

    def made_already(job: Job, in_hub: bool, inside: str) -> Job:
        data = made.get(job.path)
        folder = folders[in_hub]
        make: Callable[[Resolve], bytes] = (lambda _: data) if data is not None else (
            lambda _: (folder / inside).read_bytes())  # unchanged: the writer keeps it, reading it only to link-check
        # Made field by field rather than with ``_replace``: this runs for every hub file of every partner.
        return Job(inside, job.key, make, job.costly, job.extras,
                   hub_reads if in_hub and job.reads is not None else job.reads, job.items)

    # A site job's path is its file's: the writer takes its bytes from ``made`` as they are.
    site = [job for job in written_jobs if not job.path.startswith(HUB)]
    hub = [made_already(job, True, job.path[len(HUB):]) for job in written_jobs if job.path.startswith(HUB)]
    in_hub = _nothing_written()
    if HUB_ROOT in roots and (hub or folders[1].exists()):
        in_hub = write_partner(hub_dir, slug, hub, fingerprint, None, check_links=check_links, read=manifests[1],
                               withheld=withheld)
    if SITE_ROOT not in roots:
        return _joined(_nothing_written(), in_hub)
    written = write_partner(out_dir, slug, site, fingerprint, None, check_links=check_links, read=manifests[0],
                            withheld=withheld, ready=made)
    return _joined(written, in_hub)


def _nothing_written() -> WriteResult:
    """The result of a folder this build does not write."""
    return WriteResult(0, 0, 0, 0, {})


def _joined(site: WriteResult, hub: WriteResult) -> WriteResult:
    """One result for both folders, hub files named by their job paths."""

    def prefixed(paths: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(HUB + path for path in paths)

    return WriteResult(
        site.files + hub.files, site.written + hub.written, site.reused + hub.reused, site.removed + hub.removed,
        site.made | {HUB + path: data for path, data in hub.made.items()},
        site.broken_links + [(HUB + page, link) for page, link in hub.broken_links],
        added=site.added + prefixed(hub.added), changed=site.changed + prefixed(hub.changed),
        deleted=site.deleted + prefixed(hub.deleted), kept=tuple(sorted(set(site.kept) | set(hub.kept))))
