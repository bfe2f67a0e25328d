"""Stage 5, write: stage each partner's files, then swap them in.

Nothing under ``out/<partner>/`` is touched until that partner has rendered
completely into ``out/.staging/``; the swap is two renames on one file
system. A failed or killed build therefore leaves the previous good output
in place. Like Pelican's writer, we refuse to write one path twice.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import BuildLockedError, CobrandError

STAGING = ".staging"
TRASH = ".trash"
MANIFEST = ".cobrand-manifest.json"
LOCK = ".cobrand.lock"


class DuplicateOutputError(CobrandError):
    """Two outputs of one build claim the same path."""


def write_files(folder: Path, files: Iterable[tuple[str, bytes]]) -> int:
    """Write ``(relative path, bytes)`` pairs under ``folder``; return how many."""
    seen: set[str] = set()
    for relative, data in files:
        if relative in seen:
            raise DuplicateOutputError(f"{relative} would be written twice")
        seen.add(relative)
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return len(seen)


def staging_folder(out_dir: Path, slug: str) -> Path:
    """A fresh, empty staging folder for one partner."""
    folder = out_dir / STAGING / slug
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def discard_staging(out_dir: Path, slug: str) -> None:
    """Drop a partner's half-written staging folder."""
    shutil.rmtree(out_dir / STAGING / slug, ignore_errors=True)


def publish(out_dir: Path, slugs: Iterable[str]) -> None:
    """Swap each staged partner folder into place, keeping the old one until the new one is there."""
    trash = out_dir / TRASH
    trash.mkdir(exist_ok=True)
    for slug in slugs:
        live = out_dir / slug
        old = trash / slug
        if old.exists():
            shutil.rmtree(old)
        if live.exists():
            live.rename(old)
        (out_dir / STAGING / slug).rename(live)
    shutil.rmtree(trash, ignore_errors=True)
    shutil.rmtree(out_dir / STAGING, ignore_errors=True)


def read_manifest(out_dir: Path) -> set[str]:
    """Partner folders that earlier builds wrote into ``out_dir``."""
    try:
        return set(json.loads((out_dir / MANIFEST).read_text())["partners"])
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def remove_stale(out_dir: Path, current: set[str]) -> list[str]:
    """Delete partner folders we wrote before whose partner no longer exists."""
    stale = sorted(read_manifest(out_dir) - current)
    for slug in stale:
        shutil.rmtree(out_dir / slug, ignore_errors=True)
    return stale


def write_manifest(out_dir: Path, partners: set[str]) -> None:
    """Record which partner folders cobrand owns in ``out_dir``."""
    write_atomic(out_dir / MANIFEST, json.dumps({"partners": sorted(partners)}, indent=2).encode() + b"\n")


def write_atomic(path: Path, data: bytes) -> None:
    """Write a single file so readers see the old or the new bytes, never half."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


@contextmanager
def build_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` for one build."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / LOCK, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLockedError(f"another cobrand build is writing to {out_dir}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
