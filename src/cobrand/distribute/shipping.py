"""The loaded project, packed to render on another machine that has no checkout.

A :class:`ShippedProject` carries the frozen project (pickled) and the bytes of every
project file rendering reads: theme files and content assets. Logos are not among them:
the project carries each logo's checked bytes (``Logo.data``), the only ones renderers
use, so their files would travel twice. Every path in the project is pickled relative to
the project root (or to cobrand's installed package, for the default theme, or to an
enabled plugin's package, for its templates), and :func:`unpack` writes the files into a
folder of the receiving worker and points those paths there. Workers thus never see the
project folder, its output or its cache: they need the same Python environment (cobrand,
the enabled plugins, WeasyPrint, fonts) and nothing else.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path, PosixPath
from typing import Any

from ..errors import CobrandError
from ..models import Project

PACKAGE = Path(__file__).resolve().parent.parent  # cobrand's own files (the default theme) on this machine
FILES = "files"  # the project's files inside the folder a worker unpacks into


class ShippingError(CobrandError):
    """The project refers to a file outside its folder, which workers on other machines would not have."""


@dataclass(frozen=True)
class ShippedProject:
    """The project and the bytes of the files its rendering reads, keyed by path relative to its root."""

    digest: str
    pickled: bytes
    files: dict[str, bytes]

    @property
    def size(self) -> int:
        """Bytes shipped: the pickled project and every file."""
        return len(self.pickled) + sum(len(data) for data in self.files.values())


def files_to_ship(project: Project) -> list[Path]:
    """The project files rendering reads: its theme folders and content assets."""
    root = project.root
    wanted: set[Path] = set()
    for folder in project.theme.folders:
        if folder.is_relative_to(root):
            wanted.update(path for path in folder.rglob("*") if path.is_file())
    items = list(project.content) + [item for by_lang in project.translations.values() for item in by_lang.values()]
    wanted.update(root / "content" / asset for item in items for asset in item.assets)
    return sorted(wanted)


def _package_folder(module: str) -> Path:
    """The folder of the installed top-level package of ``module`` on this machine."""
    top = importlib.import_module(module.split(".")[0])
    folders = list(getattr(top, "__path__", []))
    return Path(folders[0]).resolve() if folders else Path(str(top.__file__)).resolve().parent


class _RelativePickler(pickle.Pickler):
    """Pickles each absolute path as its place under the project root, cobrand's package or a plugin's."""

    def __init__(self, file: io.BytesIO, root: Path, plugins: dict[str, Path]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.root = root
        self.plugins = plugins

    def persistent_id(self, obj: Any) -> tuple[str, ...] | None:
        if type(obj) is not PosixPath or not obj.is_absolute():
            return None
        if obj.is_relative_to(self.root):
            return ("project", obj.relative_to(self.root).as_posix())
        if obj.is_relative_to(PACKAGE):
            return ("package", obj.relative_to(PACKAGE).as_posix())
        for module, folder in self.plugins.items():  # a plugin's templates: workers have the plugin installed
            if obj.is_relative_to(folder):
                return ("plugin", obj.relative_to(folder).as_posix(), module)
        raise ShippingError(f"{obj} is outside the project folder {self.root}: workers could not read it")


class _RelocatingUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, root: Path) -> None:
        super().__init__(file)
        self.root = root

    def persistent_load(self, pid: Any) -> Path:
        place, relative, *module = pid
        if place == "plugin":
            return _package_folder(module[0]) / relative
        return (self.root if place == "project" else PACKAGE) / relative


def ship(project: Project) -> ShippedProject:
    """Pack ``project`` and the files rendering reads (raises :class:`ShippingError` for a file outside it)."""
    root = project.root
    buffer = io.BytesIO()
    plugins = {type(enabled.plugin).__module__: _package_folder(type(enabled.plugin).__module__)
               for enabled in project.plugins}
    _RelativePickler(buffer, root, plugins).dump(project)
    pickled = buffer.getvalue()
    files = {}
    for path in files_to_ship(project):
        if not path.is_relative_to(root):
            raise ShippingError(f"{path} is outside the project folder {root}: workers could not read it")
        files[path.relative_to(root).as_posix()] = path.read_bytes()
    hasher = hashlib.sha256(pickled)
    for name, data in sorted(files.items()):
        hasher.update(b"\0" + name.encode() + b"\0" + hashlib.sha256(data).digest())
    return ShippedProject(hasher.hexdigest(), pickled, files)


def unpack(shipped: ShippedProject, folder: Path) -> Project:
    """Write the shipped files under ``folder`` (once) and return the project, its paths pointing there."""
    root = folder / FILES
    if not root.is_dir():
        staging = folder / f".{FILES}.{os.getpid()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        for name, data in shipped.files.items():
            target = staging / name
            if not target.resolve().is_relative_to(staging.resolve()):
                raise ShippingError(f"{name}: a shipped file must stay inside the project")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        staging.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(staging, root)
        except OSError:  # unpacked meanwhile by another process sharing the folder
            shutil.rmtree(staging, ignore_errors=True)
    project = _RelocatingUnpickler(io.BytesIO(shipped.pickled), root).load()
    assert isinstance(project, Project)
    return project
