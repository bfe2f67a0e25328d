"""Is a partner's output up to date? Decided here, and only here.

A partner's output is current when, in each output root the build covers (its public site, its hub,
or both: ``cobrand build --only``), its folder exists and its manifest records the partner's
fingerprint: the digest of everything the output depends on (``PartnerKeys.fingerprint`` of
:mod:`cobrand.render.partner`, which :func:`cobrand.write.write_partner` records). There are two
ways to know, and both end in :func:`up_to_date`:

- after planning the partner and computing its fingerprint: :func:`is_current` compares it with
  the manifest's (:func:`recorded_fingerprint`), and a renderer elsewhere compares it with the
  fingerprint the output's owner read for it (:mod:`cobrand.distribute.partner_task`);
- before, without planning: :func:`known_current` takes the fingerprint the saved state remembers
  for the same partner folder and shared inputs (:func:`remember_current` keeps it), and reads the
  manifest only when the manifest's stamp has changed since. Planning a partner to fingerprint it
  is most of a build where nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from .cache import digest
from .errors import Problem
from .load.state import PartnerRecord, SavedState, Section
from .models import Partner
from .write import manifest_stamp, read_manifest

T = TypeVar("T")


def up_to_date(recorded: str | None, fingerprint: str) -> bool:
    """True when an output recorded with ``recorded`` (None: no output) is that of ``fingerprint``."""
    return recorded is not None and recorded == fingerprint


def recorded_fingerprint(out_dir: Path, slug: str, manifest: Mapping[str, object]) -> str | None:
    """The fingerprint the partner's output was written from, as its ``manifest`` (:func:`read_manifest`) records
    it, or None when it has no output folder."""
    fingerprint = manifest.get("fingerprint")
    return fingerprint if isinstance(fingerprint, str) and (out_dir / slug).is_dir() else None


def is_current(slug: str, fingerprint: str, folders: Sequence[tuple[Path, Mapping[str, object]]]) -> bool:
    """True when the partner's folder in each of ``folders`` (an output root this build covers, and the
    partner's manifest there, :func:`read_manifest`) was written from exactly the inputs ``fingerprint`` names."""
    return bool(folders) and all(up_to_date(recorded_fingerprint(root, slug, manifest), fingerprint)
                                 for root, manifest in folders)


def _stamp(roots: Sequence[Path], slug: str) -> str | None:
    """The stamps of the partner's manifests in ``roots``, or None when one is missing."""
    stamps = [manifest_stamp(root, slug) for root in roots]
    return None if None in stamps else "|".join(str(stamp) for stamp in stamps)


def known_current(state: SavedState, roots: Sequence[Path], partner: Partner, shared: str
                  ) -> tuple[tuple[Problem, ...], tuple[str, ...]] | None:
    """The warnings the partner's output was written with and the withheld items whose last good files it
    kept (:mod:`cobrand.kept`), when the saved state holds the partner's
    fingerprint for these inputs (its folder's digest and ``shared``, what all partners share) and its
    output in every one of ``roots`` (the output roots this build covers: the sites', the hubs', or both)
    has it; None otherwise (the partner must be planned to tell).

    The manifests are read only when their stamps are not the ones remembered (other output
    folders, a folder restored from elsewhere, or a build that covered other roots); then the stamps are
    remembered anew.
    """
    content = _inputs(partner, shared)
    if content is None or not state.partner_outputs.knows(partner.slug, content):
        return None
    record = state.partner_outputs.recall(partner.slug, content, lambda: PartnerRecord("", None, ()))
    stamp = _stamp(roots, partner.slug)
    if stamp is not None and stamp == record.manifest_stamp:
        return (record.warnings, record.kept) if all((root / partner.slug).is_dir() for root in roots) else None
    if is_current(partner.slug, record.fingerprint, [(root, read_manifest(root, partner.slug)) for root in roots]):
        state.partner_outputs.remember(partner.slug, content, PartnerRecord(record.fingerprint, stamp, record.warnings,
                                                                            record.kept))
        return record.warnings, record.kept
    return None


def remember_current(state: SavedState, roots: Sequence[Path], partner: Partner, shared: str, fingerprint: str,
                     warnings: tuple[Problem, ...], kept: tuple[str, ...] = ()) -> None:
    """Remember that the partner's output in ``roots`` is now that of ``fingerprint``, written with
    ``warnings`` and keeping the withheld items ``kept``: with the manifest's stamp, the next build knows
    it is current without reading it.

    Call it only for an output that is complete (a failed partner's folder holds older output).
    """
    content = _inputs(partner, shared)
    if content is not None:
        state.partner_outputs.remember(partner.slug, content,
                                       PartnerRecord(fingerprint, _stamp(roots, partner.slug), warnings,
                                                     kept))


def remembered(section: Section[T], partner: Partner, shared: str, make: Callable[[], T]) -> T:
    """``make()``, a result made from the partner's plan, kept in ``section`` of the saved state for the same
    inputs as the partner's output (its folder's digest and ``shared``): they fix its plan."""
    content = _inputs(partner, shared)
    return make() if content is None else section.recall(partner.slug, content, make)


def _inputs(partner: Partner, shared: str) -> str | None:
    # Partners built in memory have no folder digest: they are planned every time.
    return digest(shared, partner.digest) if partner.digest else None
