"""The build's saved state: what earlier builds worked out from inputs that have not changed.

Loading costs about 5 ms per partner (TOML, schema, decoding the logo to
prove it whole) and 10 to 20 ms per content file (YAML, Markdown, token
checks); checking and planning a partner cost more. A build after a one-file
change should not pay that for every file of a project with thousands of
partners. Each result is kept under the digest of the inputs it was made
from (for a file, its bytes), and the next build reuses it while the digest
is the same. Digests, not modification times, so a fresh CI checkout with a
restored cache still hits, and an edit within the file system's timestamp
granularity is still seen.

The state has one typed :class:`Section` per kind of result (see
:class:`SavedState`). Like Sphinx's pickled environment, it is a pickle in
the cache folder: that folder must be as trusted as the output it sits
beside (SECURITY.md).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from ..errors import Problem
from ..models import ContentItem, Logo, Partner, Templated

if TYPE_CHECKING:
    from ..brand.palette import Palette
    from ..schemas import PageFile, ProjectFile

T = TypeVar("T")
STATE_FILE = "build-state.pickle"
HASHED_BYTES = 16 * 1024 * 1024
SETTLED_SECONDS = 2

Entries = dict[str, tuple[str, Any]]  # key -> (digest of what the value was made from, value)


@dataclass(frozen=True)
class PartnerRecord:
    """What the last build that wrote a partner's output knew of it (see :mod:`cobrand.freshness`)."""

    fingerprint: str  # everything the partner's output depends on (render.partner.PartnerKeys.fingerprint)
    manifest_stamp: str | None  # the partner's manifest as it was then (write.manifest_stamp)
    warnings: tuple[Problem, ...]  # the warnings the output was written with
    kept: tuple[str, ...] = ()  # withheld items whose last good files the output kept (cobrand.kept)


class FrontMatter(NamedTuple):
    """What a Markdown file's front matter gives, whatever its body: kept in the saved state by the front
    matter's own text, so that an edit of the body alone parses the body alone (no YAML, no schema)."""

    parsed: bool  # the YAML parsed (else ``problems`` say why, and nothing else is set)
    meta: PageFile | None  # None: the schema's errors are in ``problems``
    key_lines: dict[str, int]
    problems: list[Problem]  # of the YAML, the schema and the translation rules
    draft: bool | None  # what the front matter says of ``draft`` (None: not a table; load/content.py)
    texts: dict[str, Templated]  # title, subtitle, summary and headline, parsed for tokens
    text_problems: list[Problem]  # those texts' token errors
    meta_json: str  # ``meta`` as its schema writes it (ContentItem.meta_json)


class Section(Generic[T]):
    """One kind of saved result: values by key (a file, a partner), each with the digest of its inputs."""

    def __init__(self, state: SavedState, name: str) -> None:
        self._state = state
        self._old: Entries = state._old.get(name, {})
        self._new: Entries = state._new.setdefault(name, {})

    def knows(self, key: str, content: str) -> bool:
        """True when ``recall(key, content, ...)`` would reuse a result rather than make one."""
        entry = self._old.get(key)
        return entry is not None and entry[0] == content

    def recall(self, key: str, content: str, make: Callable[[], T]) -> T:
        """``make()``'s result, reused when ``key`` was last made from inputs of the same ``content`` digest."""
        entry = self._old.get(key)
        if entry is not None and entry[0] == content:
            value: T = entry[1]
        else:
            value = make()
            self._state._changed += 1
        self._new[key] = (content, value)
        return value

    def keep(self, key: str) -> None:
        """Carry ``key``'s result into the saved state unchanged, though this build does not ask for it (a finer
        result of a file whose whole result it reuses); a later ``recall`` of the key replaces it."""
        entry = self._old.get(key)
        if entry is not None:
            self._new[key] = entry

    def remember(self, key: str, content: str, value: T) -> None:
        """Keep ``value`` as the result for ``key`` at ``content``, replacing what was there."""
        if self._old.get(key) != (content, value):
            self._state._changed += 1
        self._new[key] = (content, value)


class SavedState:
    """The build's saved state: typed sections of results by key and the digest of their inputs.

    A result not used by this build (a deleted file, a removed partner) is not saved again.
    """

    def __init__(self, path: Path | None = None, salt: str = "") -> None:
        self._path = path
        self._salt = salt  # cobrand's code and the project's location: results depend on both
        self._old: dict[str, Entries] = self._read() if path is not None else {}
        self._new: dict[str, Entries] = {}
        self._changed = 0
        # Load: a file's digest by its path and status (see file_digest), each partner folder's and
        # content file's loaded result with its problems, the vendor's logo.
        self.file_digests: Section[str] = Section(self, "file-digests")
        self.config: Section[tuple[ProjectFile | None, list[Problem]]] = Section(self, "config")  # cobrand.toml
        self.partners: Section[tuple[Partner | None, list[Problem]]] = Section(self, "partners")
        self.content: Section[tuple[ContentItem | None, list[Problem]]] = Section(self, "content")
        self.front_matter: Section[FrontMatter] = Section(self, "front-matter")  # of Markdown files, by its text
        self.vendor_logos: Section[Logo] = Section(self, "vendor-logos")
        # Validation: each partner's social-post lengths, brand checks and [personalize] values.
        self.social_checks: Section[list[Problem]] = Section(self, "social-checks")
        self.brand_checks: Section[list[Problem]] = Section(self, "brand-checks")
        self.personal_checks: Section[list[Problem]] = Section(self, "personal-checks")  # [personalize] values
        # What `cobrand new` and `init` wrote and nobody replaced, per content file, partner and vendor logo.
        self.placeholder_checks: Section[list[Problem]] = Section(self, "placeholder-checks")
        self.placeholder_copy: Section[frozenset[str]] = Section(self, "placeholder-copy")  # the templates' lines
        # Render and write: each partner's colour palette, and what its output was last written from.
        self.palettes: Section[Palette] = Section(self, "palettes")
        self.dates: Section[str] = Section(self, "dates")  # how a locale writes a date (languages.format_date)
        self.catalogues: Section[bytes] = Section(self, "catalogues")  # the theme's translations, compiled
        self.partner_outputs: Section[PartnerRecord] = Section(self, "partner-outputs")
        # Report: what the overview shows of each partner's plan (plan.plan_summary), for the same inputs.
        self.plan_summaries: Section[Any] = Section(self, "plan-summaries")

    def _read(self) -> dict[str, Entries]:
        assert self._path is not None
        # Unpickling makes a fleet's worth of objects at once, and each few hundred of them set off the
        # cycle collector over everything made so far: it took three quarters of the load. Nothing
        # unpickled is garbage yet, so the collector waits until the state is read (and runs as before after).
        collecting = gc.isenabled()
        gc.disable()
        try:
            with open(self._path, "rb") as handle:
                salt, sections = pickle.load(handle)
        except FileNotFoundError:
            return {}
        except Exception:  # state from another version, or a damaged file: start afresh
            return {}
        finally:
            if collecting:
                gc.enable()
        if salt != self._salt or not isinstance(sections, dict):
            return {}
        if not all(isinstance(entries, dict) for entries in sections.values()):
            return {}
        return sections

    def save(self) -> None:
        """Keep this build's results for the next one (only when something was made afresh or dropped)."""
        if self._path is None or (self._changed == 0 and self._keys(self._new) == self._keys(self._old)):
            return
        try:
            data = pickle.dumps((self._salt, self._new), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return  # a result that cannot be pickled is simply made again next time
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_name(f".{self._path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, self._path)

    @staticmethod
    def _keys(sections: dict[str, Entries]) -> set[tuple[str, str]]:
        return {(name, key) for name, entries in sections.items() for key in entries}


def file_digest(path: Path | str, *extra: str, state: SavedState | None = None) -> str:
    """The digest of one file's bytes (and ``extra`` strings); '' if it cannot be read.

    A file over ``HASHED_BYTES`` is known by its size and modification time instead: reading
    it would cost more than the parse it saves (and loaders refuse such logos unread). With
    ``state``, a file whose size, times and inode are those of the last build, and that has
    not been touched for ``SETTLED_SECONDS``, is not read again: like git's index, an edit
    made within the file system's timestamp granularity of the last read is never trusted away.
    """
    try:
        status = os.stat(path)
    except OSError:
        return ""
    signature = f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}"
    settled = max(status.st_mtime_ns, status.st_ctime_ns) < time.time_ns() - SETTLED_SECONDS * 1_000_000_000
    if state is not None and settled:
        content = state.file_digests.recall(str(path), signature,
                                            lambda: _bytes_digest(path, status.st_size, signature))
    else:
        content = _bytes_digest(path, status.st_size, signature)
    if not extra:
        return content
    return hashlib.sha256("\0".join((content, *extra)).encode()).hexdigest()


def _bytes_digest(path: Path | str, size: int, signature: str) -> str:
    if size > HASHED_BYTES:
        return hashlib.sha256(f"large:{signature}".encode()).hexdigest()
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return ""


def tree_digest(folder: Path, skip: Callable[[str], bool] = lambda name: False,
                state: SavedState | None = None) -> str:
    """The digest of a folder's names, kinds, link targets and file bytes, recursively, in a stable order."""
    hasher = hashlib.sha256()

    # Paths stay strings here: a partner folder is walked on every build, a thousand of them in a big project.
    def walk(current: str, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError:
            hasher.update(f"unreadable:{prefix}\0".encode())
            return
        for entry in entries:
            name = prefix + entry.name
            if entry.is_symlink():
                hasher.update(f"link:{name}->{os.readlink(entry.path)}\0".encode())
                # A link's target may change without the link changing.
                if os.path.isfile(entry.path):
                    hasher.update(file_digest(entry.path).encode())
            elif entry.is_dir():
                hasher.update(f"dir:{name}\0".encode())
                walk(entry.path, name + "/")
            elif not skip(name):
                hasher.update(f"file:{name}\0".encode())
                hasher.update(file_digest(entry.path, state=state).encode())

    if folder.is_dir():
        walk(str(folder), "")
    return hasher.hexdigest()
