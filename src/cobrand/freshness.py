"""Is a partner's output up to date? Decided here, and only here.

A partner's output is current when its folder exists and its manifest records the partner's
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

from collections.abc import Callable, Mapping
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


def is_current(out_dir: Path, slug: str, fingerprint: str, manifest: Mapping[str, object],
               hub: tuple[Path, Mapping[str, object]] | None = None) -> bool:
    """True when the partner's folder, and its hub folder where ``hub`` (the hubs' folder and the partner's
    hub manifest) is given, were written from exactly the inputs ``fingerprint`` names; ``manifest`` is the
    partner's manifest (:func:`read_manifest`)."""
    return up_to_date(recorded_fingerprint(out_dir, slug, manifest), fingerprint) and (
        hub is None or up_to_date(recorded_fingerprint(hub[0], slug, hub[1]), fingerprint))


def _stamp(out_dir: Path, slug: str, hub_dir: Path | None) -> str | None:
    """The stamps of the partner's manifests (site, and hub where given), or None when one is missing."""
    stamps = [manifest_stamp(folder, slug) for folder in (out_dir, hub_dir) if folder is not None]
    return None if None in stamps else "|".join(str(stamp) for stamp in stamps)


def known_current(state: SavedState, out_dir: Path, partner: Partner, shared: str, hub_dir: Path | None = None
                  ) -> tuple[tuple[Problem, ...], tuple[str, ...]] | None:
    """The warnings the partner's output was written with and the withheld items whose last good files it
    kept (:mod:`cobrand.kept`), when the saved state holds the partner's
    fingerprint for these inputs (its folder's digest and ``shared``, what all partners share) and its
    output has it; None otherwise (the partner must be planned to tell).

    The manifest is read only when its stamp is not the one remembered (another output
    folder, or a folder restored from elsewhere); then the stamp is remembered anew. With ``hub_dir``,
    the partner's hub folder there must be current too.
    """
    content = _inputs(partner, shared)
    if content is None or not state.partner_outputs.knows(partner.slug, content):
        return None
    record = state.partner_outputs.recall(partner.slug, content, lambda: PartnerRecord("", None, ()))
    stamp = _stamp(out_dir, partner.slug, hub_dir)
    if stamp is not None and stamp == record.manifest_stamp:
        folders = (out_dir / partner.slug, *([hub_dir / partner.slug] if hub_dir is not None else []))
        return (record.warnings, record.kept) if all(folder.is_dir() for folder in folders) else None
    hub = (hub_dir, read_manifest(hub_dir, partner.slug)) if hub_dir is not None else None
    if is_current(out_dir, partner.slug, record.fingerprint, read_manifest(out_dir, partner.slug), hub):
        state.partner_outputs.remember(partner.slug, content, PartnerRecord(record.fingerprint, stamp, record.warnings,
                                                                            record.kept))
        return record.warnings, record.kept
    return None


def remember_current(state: SavedState, out_dir: Path, partner: Partner, shared: str, fingerprint: str,
                     warnings: tuple[Problem, ...], kept: tuple[str, ...] = (), hub_dir: Path | None = None) -> None:
    """Remember that the partner's output in ``out_dir`` is now that of ``fingerprint``, written with
    ``warnings`` and keeping the withheld items ``kept``: with the manifest's stamp, the next build knows
    it is current without reading it.

    Call it only for an output that is complete (a failed partner's folder holds older output).
    """
    content = _inputs(partner, shared)
    if content is not None:
        state.partner_outputs.remember(partner.slug, content,
                                       PartnerRecord(fingerprint, _stamp(out_dir, partner.slug, hub_dir), warnings,
                                                     kept))


def remembered(section: Section[T], partner: Partner, shared: str, make: Callable[[], T]) -> T:
    """``make()``, a result made from the partner's plan, kept in ``section`` of the saved state for the same
    inputs as the partner's output (its folder's digest and ``shared``): they fix its plan."""
    content = _inputs(partner, shared)
    return make() if content is None else section.recall(partner.slug, content, make)


def _inputs(partner: Partner, shared: str) -> str | None:
    # Partners built in memory have no folder digest: they are planned every time.
    return digest(shared, partner.digest) if partner.digest else None
