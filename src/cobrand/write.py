"""Stage 5, write: bring one partner's folder up to date, changing only what changed.

Everything a partner needs is made in memory before its folder is touched,
so a render failure writes nothing. Files are replaced atomically (every new
file written beside the one it replaces, then each renamed over it), so a
reader never sees half a file; a new partner's folder is written under a
hidden name and renamed into place when complete. Each partner's manifest
(``out/.cobrand/<slug>.json``) records the key of every file, the modification
time of every folder and which files each content item made; it is set aside
before the folder changes and rewritten after, so a build killed midway is
repaired by the next one. Like Pelican's writer, we refuse to write one path twice.

Over 500 lines on purpose: writing a folder is one transaction (manifest set aside, files written beside
the published ones, swapped in, put back on failure), and its undo paths are only checkable read together.
:func:`make_changed` is also the hub-and-site writer's (:mod:`cobrand.roots`) way of making outputs.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .cache import Store
from .errors import BuildLockedError, CobrandError
from .jobs import Job
from .kept import Withheld, item_record, keep_withheld

STATE = ".cobrand"
LOCK = ".cobrand.lock"


class OutputError(CobrandError):
    """The output folder cannot be created or written."""


class DuplicateOutputError(CobrandError):
    """Two outputs of one build claim the same path."""


@dataclass(frozen=True)
class WriteResult:
    """What writing one partner did."""

    files: int
    written: int
    reused: int
    removed: int
    made: dict[str, bytes]  # the bytes of each file written, so later stages need not read them back
    broken_links: list[tuple[str, str]] = field(default_factory=list)  # (page, link) pairs, see write_partner
    added: tuple[str, ...] = ()  # paths of files new to the partner's folder
    changed: tuple[str, ...] = ()  # paths of files rewritten with other bytes or keys
    deleted: tuple[str, ...] = ()  # paths of stale files removed
    kept: tuple[str, ...] = ()  # withheld items (kind/slug) whose last good files were kept, see Withheld


def _manifest_path(out_dir: Path, slug: str) -> Path:
    return out_dir / STATE / f"{slug}.json"


def read_manifest(out_dir: Path, slug: str) -> dict[str, object]:
    """The recorded state of a partner's folder, or an empty dict."""
    try:
        data = json.loads(_manifest_path(out_dir, slug).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def manifest_stamp(out_dir: Path, slug: str) -> str | None:
    """The size, modification time and inode of a partner's manifest, or None if it has none.

    The manifest is replaced (a new inode) whenever it is written, so an unchanged stamp
    means an unchanged manifest.
    """
    try:
        status = os.stat(_manifest_path(out_dir, slug))
    except OSError:
        return None
    return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ino}"


def recorded_files(out_dir: Path, slug: str, manifest: dict[str, object]) -> dict[str, str]:
    """The key the partner's ``manifest`` records for each of its files that is still on disk.

    What :func:`write_partner` will count as unchanged, for renderers that make outputs
    away from the output folder (:mod:`cobrand.distribute`).
    """
    files = manifest.get("files")
    if not isinstance(files, dict):
        return {}
    on_disk = _files_on_disk(out_dir / slug, files, manifest.get("folders"))
    return {path: key for path, key in files.items() if path in on_disk}


def make_changed(by_path: Mapping[str, Job], changed: Iterable[Job], unchanged: Callable[[Job], bool],
                 read_unchanged: Callable[[str], bytes], store: Store | None,
                 ready: Mapping[str, bytes] | None = None) -> dict[str, bytes]:
    """Make the ``changed`` jobs' bytes, by path: one partner's outputs, before any of its files is touched.

    A job's ``make`` may read another output by path (a page's PDF, the kit's copy of a file): that output
    is read from disk with ``read_unchanged`` when it is ``unchanged``, else made once. A costly output
    (PDF, image) is taken from ``store`` when it has the key, and put there when made. ``ready`` holds
    bytes made already, by path (cobrand.roots makes both of a partner's folders' before writing either).
    """
    made: dict[str, bytes] = {}

    def resolve(path: str) -> bytes:
        if path not in made:
            if ready is not None and path in ready:
                made[path] = ready[path]
                return made[path]
            job = by_path[path]
            if unchanged(job):
                return read_unchanged(path)
            data = store.get(job.key) if store is not None and job.costly else None
            if data is None:
                data = job.make(resolve)
                if store is not None and job.costly:
                    store.put(job.key, data)
            made[path] = data
        return made[path]

    for job in changed:
        resolve(job.path)
    return made


LinkCheck = Callable[[list[tuple[str, bytes]], set[str]], list[tuple[str, str]]]


def write_partner(out_dir: Path, slug: str, jobs: list[Job], fingerprint: str, store: Store | None,
                  check_links: LinkCheck | None = None, read: dict[str, object] | None = None,
                  withheld: Withheld | None = None, ready: Mapping[str, bytes] | None = None) -> WriteResult:
    """Make what changed, then update ``out_dir/slug`` in place.

    ``check_links`` receives (path, HTML bytes) pages and the paths of every file
    of the partner, and returns the broken ``(page, link)`` pairs. When the partner's set of files is the one the
    manifest records, only rewritten pages are checked: an unchanged page
    has the same links to the same files, so its findings are kept.
    ``read`` is the partner's manifest when the caller has read it already.
    ``withheld`` names the items withheld from this build: their files in the folder are kept (see Withheld).
    ``ready`` holds the bytes of outputs made already, by path (see :func:`make_changed`).
    """
    folder = out_dir / slug
    manifest_data = read_manifest(out_dir, slug) if read is None else read
    previous = manifest_data.get("files")
    old_keys: dict[str, str] = previous if isinstance(previous, dict) else _unknown_files(folder)
    by_path: dict[str, Job] = {}
    for job in jobs:
        if job.path in by_path:
            raise DuplicateOutputError(f"{slug}/{job.path} would be written twice")
        by_path[job.path] = job

    on_disk = _files_on_disk(folder, old_keys, manifest_data.get("folders"))  # a file deleted by hand is made again
    kept: list[str] = []
    if withheld is not None and withheld.items:
        keeping, kept = keep_withheld(manifest_data, old_keys, on_disk, by_path, withheld, folder)
        jobs = jobs + keeping
        by_path.update((job.path, job) for job in keeping)
    items = item_record(jobs, manifest_data, kept, withheld)  # settled with the kept files, before making any

    def unchanged(job: Job) -> bool:
        return job.matches(old_keys.get(job.path)) and job.path in on_disk

    changed = [job for job in jobs if not unchanged(job)]
    made = make_changed(by_path, changed, unchanged, lambda path: (folder / path).read_bytes(), store, ready)

    broken = _broken_links(folder, set(by_path), made, old_keys, manifest_data.get("broken"), check_links)
    manifest = _manifest_path(out_dir, slug)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    stale = sorted(set(old_keys) - set(by_path))
    paths = [job.path for job in changed]
    if folder.exists():
        # Every new file is written beside the one it replaces under a hidden temporary name, and every file
        # about to be replaced or removed is hard-linked beside itself: a full disk or an unwritable file
        # stops the partner here, with its published files untouched and nothing temporary left among them
        # (issue 19). No staging folder: removing one per partner was most of a one-post rebuild (issue 22).
        # Until the manifest is back the folder counts as unknown, so temporary files a killed build left
        # among the published ones are swept by the next (see _unknown_files); on failure it is put back.
        aside = manifest.with_name(f".{manifest.name}.{os.getpid()}.old.tmp")
        with contextlib.suppress(FileNotFoundError):
            os.replace(manifest, aside)
        try:
            pending = _write_beside(folder, changed, made, stale)
        except OSError as error:
            _put_back(aside, manifest)
            raise OutputError(f"cannot write partner {slug}'s output: {_reason(error)}; "
                              "its previous files are unchanged") from None
        try:
            _swap_in(folder, pending, paths, stale, slug)
        except OutputError:
            _put_back(aside, manifest)
            raise
        aside.unlink(missing_ok=True)
    else:
        # A new partner: written under a hidden name and renamed into place when complete, so a reader
        # sees all of it or nothing, and each file needs no rename of its own.
        staging = out_dir / f".{slug}.{os.getpid()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            staging.mkdir()
            _write_files(staging, changed, made)
        except OSError as error:
            shutil.rmtree(staging, ignore_errors=True)
            raise OutputError(f"cannot write partner {slug}'s output: {_reason(error)}; "
                              "its previous files are unchanged") from None
        manifest.unlink(missing_ok=True)
        os.rename(staging, folder)
    _remove_empty_folders(folder, stale)
    keys = {job.path: job.made_key() if job.path in made else old_keys[job.path] for job in jobs}
    record = {"fingerprint": fingerprint, "files": keys, "broken": broken, "folders": _folder_stamps(folder, keys),
              **items}
    try:
        write_atomic(manifest, json.dumps(record, sort_keys=True).encode())
    except OSError as error:  # the files are in place; without a manifest the next build checks them all
        raise OutputError(f"cannot record partner {slug}'s output: {_reason(error)}") from None
    added = sorted(job.path for job in changed if job.path not in old_keys)
    replaced = sorted(job.path for job in changed if job.path in old_keys)
    return WriteResult(len(jobs), len(changed), len(jobs) - len(changed), len(stale),
                       {job.path: made[job.path] for job in changed}, [(page, link) for page, link in broken],
                       added=tuple(added), changed=tuple(replaced), deleted=tuple(stale), kept=tuple(kept))


def _reason(error: OSError) -> str:
    """An OS error as a person reads it: what went wrong, and where."""
    where = f" ({error.filename})" if error.filename else ""
    return f"{error.strerror or error}{where}"


def _put_back(aside: Path, manifest: Path) -> None:
    """Restore a manifest set aside while a partner's files were to change (they did not)."""
    with contextlib.suppress(FileNotFoundError):
        os.replace(aside, manifest)


def _temporary(path: str, kind: str = "") -> str:
    """The hidden name beside ``path`` of a new file (``kind`` "") or of the hard link that keeps the published
    file until the swap is done (``kind`` "old."); either is swept by the next build if left."""
    head, _, name = path.rpartition("/")
    return f"{head}/.{name}.{os.getpid()}.{kind}tmp" if head else f".{name}.{os.getpid()}.{kind}tmp"


@dataclass
class _Pending:
    """What :func:`_write_beside` left in the published folder to be swapped in or cleaned up."""

    written: list[str] = field(default_factory=list)  # temporary files holding new bytes
    kept: dict[str, str] = field(default_factory=dict)  # published path -> hard link to its previous file
    folders: list[str] = field(default_factory=list)  # folders made for new files, outermost first

    def discard(self, folder: Path) -> None:
        """Remove everything temporary, leaving the published files as they were."""
        for path in [*self.written, *self.kept.values()]:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, path))
        for made in reversed(self.folders):
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(folder, made))


def _write_beside(folder: Path, jobs: list[Job], made: dict[str, bytes], stale: list[str]) -> _Pending:
    """Write each job's bytes beside the file it replaces; hard-link each file about to change or go but the last.

    Linking copies nothing; it fails, as the replacement would, on a file that cannot be
    replaced (a folder where a file should be), before anything published changed.
    On any error everything made here is removed again and the error raised.
    """
    pending = _Pending()
    known: set[str] = set()
    try:
        for job in jobs:
            parent = job.path.rpartition("/")[0]
            if parent and parent not in known:
                _make_folders(folder, parent, pending.folders)
                known.add(parent)
            target = os.path.join(folder, job.path)
            if os.path.isdir(target) and not os.path.islink(target):
                raise IsADirectoryError(errno.EISDIR, "a folder stands where a file is to be written", target)
            temporary = _temporary(job.path)
            pending.written.append(temporary)
            _write_file(os.path.join(folder, temporary), made[job.path])
        swapped = [*(job.path for job in jobs), *stale]  # in _swap_in's order
        # The last file swapped in or removed needs no way back: should that step fail, nothing after it
        # has changed (a one-post rebuild changes one file per partner, and links none).
        for path in swapped[:-1]:
            target = os.path.join(folder, path)
            if os.path.lexists(target):
                link = _temporary(path, "old.")
                os.link(target, os.path.join(folder, link), follow_symlinks=False)
                pending.kept[path] = link
    except OSError:
        pending.discard(folder)
        raise
    return pending


def _make_folders(folder: Path, relative: str, made: list[str]) -> None:
    """Make ``folder/relative`` and the folders above it that are missing, noting each one made."""
    missing = []
    path = relative
    while path and not os.path.isdir(os.path.join(folder, path)):
        missing.append(path)
        path = path.rpartition("/")[0]
    for path in reversed(missing):
        os.mkdir(os.path.join(folder, path))
        made.append(path)


def _swap_in(folder: Path, pending: _Pending, paths: list[str], stale: list[str], slug: str) -> None:
    """Move the new files into place and remove stale ones; undo all of it on failure."""
    done: list[str] = []
    try:
        for path in paths:
            os.replace(os.path.join(folder, _temporary(path)), os.path.join(folder, path))
            done.append(path)
        for path in stale:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(folder, path))
            done.append(path)
    except OSError as error:
        for path in done:  # put back what was there: the hard links made before anything changed
            with contextlib.suppress(OSError):
                if path in pending.kept:
                    os.replace(os.path.join(folder, pending.kept.pop(path)), os.path.join(folder, path))
                else:
                    os.unlink(os.path.join(folder, path))
        pending.discard(folder)
        raise OutputError(f"cannot write partner {slug}'s output: {_reason(error)}; "
                          "its previous files were put back") from None
    for link in pending.kept.values():
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(folder, link))


def _folder_stamps(folder: Path, files: dict[str, str]) -> dict[str, int]:
    """The modification time of each folder holding ``files``, as it is once they are written."""
    return {name: os.stat(os.path.join(folder, name)).st_mtime_ns
            for name in sorted({path.rpartition("/")[0] for path in files})}


def _files_on_disk(folder: Path, recorded: dict[str, str], stamps: object) -> set[str]:
    """Which recorded files are still there.

    Adding, removing or renaming a file changes its folder's modification time, so when
    every folder's time is the one recorded after the last build wrote it, the files are
    the recorded ones: a few stats instead of listing the whole folder. A change made
    within the file system's timestamp granularity of the build's last write could keep
    the time. Recent Linux kernels give a fine-grained time to a change made after the
    time was read (multigrain timestamps; this machine's ext4 does); elsewhere that
    window is a clock tick, a few milliseconds.
    """
    if not recorded:
        return set()
    if isinstance(stamps, dict):
        try:
            if all(os.stat(os.path.join(folder, name)).st_mtime_ns == stamp for name, stamp in stamps.items()):
                return set(recorded)
        except OSError:
            pass
    return _files_in(folder)


def _files_in(folder: Path) -> set[str]:
    """Relative paths of the files under ``folder``: one directory listing per folder, not a stat per file."""
    found: set[str] = set()

    def walk(path: str, prefix: str) -> None:
        try:
            entries = list(os.scandir(path))
        except OSError:
            return
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, prefix + entry.name + "/")
            elif entry.is_file():
                found.add(prefix + entry.name)

    walk(str(folder), "")
    return found


def _write_files(folder: Path, jobs: list[Job], made: dict[str, bytes]) -> None:
    folders: set[str] = set()
    for job in jobs:
        target = os.path.join(folder, job.path)
        parent = os.path.dirname(target)
        if parent not in folders:  # one mkdir per folder, not per file
            os.makedirs(parent, exist_ok=True)
            folders.add(parent)
        _write_file(target, made[job.path])


def _write_file(path: str, data: bytes) -> None:
    # A file object and its buffer cost 3 us of the 15 it takes tmpfs to write a page; a new
    # partner's folder has about ninety files.
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        written = 0
        while written < len(data):  # a regular file takes it all at once, unless interrupted
            written += os.write(handle, data[written:] if written else data)
    finally:
        os.close(handle)


def _broken_links(folder: Path, paths: set[str], made: dict[str, bytes], old_keys: dict[str, str],
                  recorded: object, check_links: LinkCheck | None) -> list[list[str]]:
    if check_links is None:
        return []
    # Findings of pages not rewritten stand only if no file was added or removed since they were made.
    kept: list[list[str]] | None = None
    if isinstance(recorded, list) and old_keys.keys() == paths:
        kept = [entry for entry in recorded if entry[0] not in made]
    to_check = sorted(path for path in (made if kept is not None else paths) if path.endswith(".html"))
    pages = [(path, made[path] if path in made else (folder / path).read_bytes()) for path in to_check]
    return sorted((kept or []) + [[page, link] for page, link in check_links(pages, paths)])


def _unknown_files(folder: Path) -> dict[str, str]:
    """Files of a partner folder with no manifest (a killed build): all to be replaced or removed.

    Left-over temporary files of the killed build are deleted here.
    """
    files: dict[str, str] = {}
    if not folder.is_dir():
        return files
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)
        else:
            files[path.relative_to(folder).as_posix()] = ""  # no key matches: rewritten, or removed as stale
    return files


def sweep_temporary(out_dir: Path) -> None:
    """Remove what a killed build left: temporary files and new partners' folders at the top of the
    output folder, manifests it had set aside, and temporary files inside partner folders that have
    no manifest (a partner whose files were changing; it may be skipped, so not rebuilt, this time)."""
    for path in [*out_dir.glob(".*.tmp"), *(out_dir / STATE).glob(".*.tmp")]:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    recorded = known_partners(out_dir)
    try:
        folders = [entry.path for entry in os.scandir(out_dir)
                   if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".")
                   and entry.name not in recorded]
    except OSError:
        return
    for folder in folders:
        for path in Path(folder).rglob(".*.tmp"):
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)


def _remove_empty_folders(folder: Path, removed: list[str]) -> None:
    parents = sorted({(folder / path).parent for path in removed}, key=lambda p: len(p.parts), reverse=True)
    for parent in parents:
        while parent != folder and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def known_partners(out_dir: Path) -> set[str]:
    """Partner folders that cobrand wrote into ``out_dir``."""
    state = out_dir / STATE
    return {path.stem for path in state.glob("*.json")} if state.is_dir() else set()


def remove_partners(out_dir: Path, slugs: set[str]) -> list[str]:
    """Delete the output of partners that no longer exist."""
    for slug in sorted(slugs):
        shutil.rmtree(out_dir / slug, ignore_errors=True)
        _manifest_path(out_dir, slug).unlink(missing_ok=True)
    return sorted(slugs)


def write_atomic(path: Path, data: bytes, *, folder_exists: bool = False) -> None:
    """Write a file so readers see the old or the new bytes, never half.

    ``folder_exists`` skips making the parent folder, for callers that already made it.
    """
    if not folder_exists:
        path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        _write_file(str(temporary), data)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def build_lock(out_dir: Path) -> Iterator[int]:
    """Hold an exclusive lock on ``out_dir`` for one build; yield the lock file's descriptor.

    The lock is an ``flock`` on an open file, shared by every process forked while it is
    held: worker processes close their copy (see ``build._init_worker``) and die with
    the build, so a build killed with SIGKILL leaves no process holding it.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = open(out_dir / LOCK, "w")  # noqa: SIM115 - closed by the with below
    except OSError as error:
        raise OutputError(f"cannot write to the output folder {out_dir}: {error.strerror or error}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLockedError(f"another cobrand build is writing to {out_dir}; wait for it to finish") from None
        try:
            yield handle.fileno()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
