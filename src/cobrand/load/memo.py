"""Reuse what an earlier build parsed from files whose bytes have not changed.

Loading costs about 5 ms per partner (TOML, schema, decoding the logo to
prove it whole) and 10 to 20 ms per content file (YAML, Markdown, token
checks). A build after a one-file change should not pay that for every file
of a project with thousands of partners. Each partner folder and content
file is loaded as before, and its result kept under the digest of the bytes
it was read from; the next build reuses the result while the digest is the
same. Digests, not modification times, so a fresh CI checkout with a
restored cache still hits, and an edit within the file system's timestamp
granularity is still seen.

Like Sphinx's pickled environment, the memo is a pickle in the cache folder:
that folder must be as trusted as the output it sits beside (SECURITY.md).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
MEMO_FILE = "load-memo.pickle"
HASHED_BYTES = 16 * 1024 * 1024
SETTLED_SECONDS = 2


class LoadMemo:
    """Results of loading files, by a key naming the file and the digest of what was read."""

    def __init__(self, path: Path | None = None, salt: str = "") -> None:
        self._path = path
        self._salt = salt  # cobrand's code and the project's location: results depend on both
        self._old: dict[str, tuple[str, Any]] = self._read() if path is not None else {}
        self._new: dict[str, tuple[str, Any]] = {}
        self._reloaded = 0

    def _read(self) -> dict[str, tuple[str, Any]]:
        assert self._path is not None
        try:
            with open(self._path, "rb") as handle:
                salt, entries = pickle.load(handle)
        except FileNotFoundError:
            return {}
        except Exception:  # a memo from another version, or a damaged one: start afresh
            return {}
        return entries if salt == self._salt and isinstance(entries, dict) else {}

    def knows(self, key: str, content: str) -> bool:
        """True when ``recall(key, content, ...)`` would reuse a result rather than load."""
        entry = self._old.get(key)
        return entry is not None and entry[0] == content

    def recall(self, key: str, content: str, load: Callable[[], T]) -> T:
        """``load()``'s result, reused when ``key`` was last loaded from the same ``content`` digest."""
        entry = self._old.get(key)
        if entry is not None and entry[0] == content:
            value: T = entry[1]
        else:
            value = load()
            self._reloaded += 1
        self._new[key] = (content, value)
        return value

    def remember(self, key: str, content: str, value: Any) -> None:
        """Keep ``value`` as the result for ``key`` at ``content``, replacing what was there."""
        if self._old.get(key) != (content, value):
            self._reloaded += 1
        self._new[key] = (content, value)

    def save(self) -> None:
        """Keep this build's results for the next one (only when something was loaded afresh or dropped)."""
        if self._path is None or (self._reloaded == 0 and self._new.keys() == self._old.keys()):
            return
        try:
            data = pickle.dumps((self._salt, self._new), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return  # a result that cannot be pickled is simply loaded again next time
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_name(f".{self._path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, self._path)


def file_digest(path: Path | str, *extra: str, memo: LoadMemo | None = None) -> str:
    """The digest of one file's bytes (and ``extra`` strings); '' if it cannot be read.

    A file over ``HASHED_BYTES`` is known by its size and modification time instead: reading
    it would cost more than the parse it saves (and loaders refuse such logos unread). With
    ``memo``, a file whose size, times and inode are those of the last build, and that has
    not been touched for ``SETTLED_SECONDS``, is not read again: like git's index, an edit
    made within the file system's timestamp granularity of the last read is never trusted away.
    """
    try:
        status = os.stat(path)
    except OSError:
        return ""
    signature = f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}"
    settled = max(status.st_mtime_ns, status.st_ctime_ns) < time.time_ns() - SETTLED_SECONDS * 1_000_000_000
    if memo is not None and settled:
        content = memo.recall(f"bytes:{path}", signature, lambda: _bytes_digest(path, status.st_size, signature))
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


def tree_digest(folder: Path, skip: Callable[[str], bool] = lambda name: False, memo: LoadMemo | None = None) -> str:
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
                hasher.update(file_digest(entry.path, memo=memo).encode())

    if folder.is_dir():
        walk(str(folder), "")
    return hasher.hexdigest()
