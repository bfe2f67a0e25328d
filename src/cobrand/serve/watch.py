"""Watching the project: which saved files can change the build, and the watchdog observer that reports them."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

WATCHED_FOLDERS = ("content", "partners", "themes")
CONFIG_FILE = "cobrand.toml"
# Event kinds that mean a file changed. Reads (opened, closed_no_write) are
# ignored: the build itself reads every watched file.
_CHANGE_EVENTS = frozenset({"created", "deleted", "modified", "moved", "closed"})
_EDITOR_LITTER = re.compile(r"(^\.|~$|\.sw[a-p]$|\.tmp$|\.bak$|^4913$|^#.*#$)")


def relevant_path(root: Path, out: Path | None, logo_folder: Path | None, path: str, hub: Path | None = None
                  ) -> str | None:
    """The project-relative path of a changed file if it can affect the build, else None.

    Files the build writes (under ``out`` and ``hub``) never do."""
    try:
        absolute = Path(path).resolve() if not os.path.isabs(path) else Path(os.path.normpath(path))
        relative = absolute.relative_to(root)
    except ValueError:
        return None
    if any(folder is not None and absolute.is_relative_to(folder) for folder in (out, hub)):
        return None
    parts = relative.parts
    if not parts or _EDITOR_LITTER.search(parts[-1]) or any(part.startswith(".") for part in parts):
        return None
    if parts[0] in WATCHED_FOLDERS or relative.as_posix() == CONFIG_FILE:
        return relative.as_posix()
    if logo_folder is not None and absolute.parent == logo_folder:
        return relative.as_posix()
    return None


class Watcher:
    """Watches the project's folders and calls ``on_change`` with the relevant paths that changed.

    The vendor logo's folder is watched once a build has said where the logo is
    (:meth:`refresh`); folders created later (``content/`` in a new project) are
    watched from the next refresh on.
    """

    def __init__(self, root: Path, out: Path | None, on_change: Callable[[list[str]], None],
                 hub: Path | None = None) -> None:
        self.root = root
        self.out = out
        self.hub = hub
        self.on_change = on_change
        self.logo_folder: Path | None = None
        self._observer: Any = None
        self._watches: dict[str, Any] = {}
        self._stopped = False

    def start(self) -> None:
        """Start watching."""
        self._observer = Observer()
        self._observer.daemon = True
        self.refresh()
        self._observer.start()

    def stop(self) -> None:
        """Stop watching and wait (a little) for the observer's thread."""
        self._stopped = True
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)

    def refresh(self, vendor_logo: Path | None = None) -> None:
        """Watch folders that appeared since the last build; ``vendor_logo`` is the logo the build loaded."""
        if vendor_logo is not None:
            folder = vendor_logo.parent.resolve()
            self.logo_folder = folder if folder.is_relative_to(self.root) else None
        observer = self._observer
        if observer is None or self._stopped:
            return
        for path, watch in list(self._watches.items()):
            if not Path(path).is_dir():  # deleted: watch it again if it comes back
                with contextlib.suppress(KeyError, OSError):
                    observer.unschedule(watch)
                del self._watches[path]
        for path, recursive in self._targets().items():
            if path in self._watches:
                continue
            try:
                self._watches[path] = observer.schedule(_ChangeHandler(self), path, recursive=recursive)
            except OSError:
                continue

    def relevant(self, path: str) -> str | None:
        """The project-relative path of a changed file if it can affect the build, else None."""
        return relevant_path(self.root, self.out, self.logo_folder, path, self.hub)

    def _targets(self) -> dict[str, bool]:
        """Folders to watch (path -> recursive)."""
        targets = {str(self.root): False}
        for name in WATCHED_FOLDERS:
            if (self.root / name).is_dir():
                targets[str(self.root / name)] = True
        if self.logo_folder is not None and self.logo_folder.is_dir():
            targets.setdefault(str(self.logo_folder), False)
        return targets


class _ChangeHandler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGE_EVENTS or (event.is_directory and event.event_type == "modified"):
            return  # reads, and a folder's own timestamp (its files report themselves)
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        relevant = [rel for path in paths if path
                    for rel in [self.watcher.relevant(os.fsdecode(path))] if rel is not None]
        if relevant:
            self.watcher.on_change(relevant)
