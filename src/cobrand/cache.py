"""What makes a build incremental: input fingerprints and a store of costly outputs.

Every output has a key, the digest of everything it is made from (cobrand's
version, config, theme, partner data and logo, the content it shows). An
output whose key is unchanged is not rendered again. PDFs and images are also
kept by key in a content-addressed store (``--cache-dir``), so a CI job with a
restored cache but an empty output folder reuses them.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import NamedTuple

from .models import Partner, Project


def digest(*parts: str | bytes) -> str:
    """A stable hex digest of ``parts`` (order matters)."""
    # One join and one update: the build computes hundreds of keys per partner.
    data = b"\0".join([part.encode("utf-8") if isinstance(part, str) else part for part in parts])
    return hashlib.sha256(data).hexdigest()


def code_digest() -> str:
    """A digest of cobrand's own source, so that any change to the code invalidates the cache.

    The version alone is not enough: development builds share a version number.
    """
    package = os.path.dirname(os.path.realpath(__file__))
    sources = []
    # os.walk and BLAKE2, not Path.rglob and SHA-256: every build digests the whole package first.
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        relative = os.path.relpath(folder, package).replace(os.sep, "/")
        sources += [(name if relative == "." else f"{relative}/{name}", os.path.join(folder, name))
                    for name in names if name.endswith(".py")]
    hasher = hashlib.blake2b(digest_size=32)
    for name, path in sorted(sources):
        with open(path, "rb") as source:
            hasher.update(name.encode() + b"\0" + source.read())
    return hasher.hexdigest()


def site_key(project: Project, version: str, options: str, theme_files: dict[str, Path], code: str | None = None
             ) -> str:
    """Inputs every partner shares: cobrand's code (``code``, else :func:`code_digest`), render options, config,
    theme, vendor logo and plugins."""
    theme = [f"{path}={hashlib.sha256(file.read_bytes()).hexdigest()}" for path, file in sorted(theme_files.items())]
    # A plugin's code may change any output (its hooks see every page and item): its digest names it.
    plugins = [f"plugin:{enabled.name}={enabled.digest}" for enabled in project.plugins]
    return digest(version, code or code_digest(), options, project.config_key, project.vendor.logo.digest,
                  *theme, *plugins)


def partner_key(partner: Partner) -> str:
    """Inputs of one partner: its data, logo bytes and overrides."""
    overrides = json.dumps({slug: values for slug, (_, values) in partner.overrides.items()}, sort_keys=True)
    return digest(partner.slug, partner.data_json, partner.logo.digest, overrides)


class Store:
    """Output bytes by key, on disk; safe to share between builds and machines.

    Each entry starts with the SHA-256 of its bytes, checked before reuse: a cache
    restored from a truncated archive, or damaged on disk, is made again rather than
    published (issue 19).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / "objects" / key[:2] / key

    def get(self, key: str) -> bytes | None:
        """The bytes stored under ``key``, or None when there are none or they fail their digest."""
        path = self._path(key)
        try:
            stored = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        recorded, data = stored[:_DIGEST_SIZE], stored[_DIGEST_SIZE:]
        if hashlib.sha256(data).digest() != recorded:
            path.unlink(missing_ok=True)  # corrupt: made again, and stored anew by put()
            return None
        return data

    def keys(self) -> frozenset[str]:
        """Every key the store holds (a listing of its folders, no file is read)."""
        objects = self.root / "objects"
        if not objects.is_dir():
            return frozenset()
        return frozenset(entry.name for folder in objects.iterdir() if folder.is_dir()
                         for entry in os.scandir(folder) if not entry.name.startswith("."))

    def put(self, key: str, data: bytes) -> None:
        """Keep ``data`` under ``key``. The store is a cache: a full disk leaves it without the entry."""
        path = self._path(key)
        if path.exists():
            return
        temporary = path.with_name(f".{key}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(hashlib.sha256(data).digest() + data)
            os.replace(temporary, path)
        except OSError:
            temporary.unlink(missing_ok=True)


_DIGEST_SIZE = 32  # bytes of a SHA-256 digest


class PartnerKeys(NamedTuple):
    """The keys of one partner's inputs, each naming everything the one before it does and more."""

    base: str  # cobrand, config, theme and the partner: outputs that show no content
    listing: str  # and what cards show of each item the partner gets: listings, feeds
    with_bodies: str  # and every item whole
    fingerprint: str  # and the day: everything the partner's output depends on
    program: str  # listing's, and the cards of what the partner's next tier gives: the hub's pages
