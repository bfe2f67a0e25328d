"""Load the plugins cobrand.toml enables, from the ``cobrand.plugins`` entry points, and what they add.

Only names listed in ``[plugins] enabled`` are loaded: an installed plugin that is not enabled is
never imported. Problems name cobrand.toml and the ``plugins.enabled`` field.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from pathlib import Path

from ..errors import Problem
from ..hooks import ENTRY_POINT_GROUP, Plugin, PluginError, call, each
from ..kinds import BUILT_IN, Kind, Kinds
from ..models import EnabledPlugin, Theme
from ..schemas import ProjectFile

CONFIG_FILE = "cobrand.toml"
FIELD = "plugins.enabled"


def load_plugins(config: ProjectFile) -> tuple[tuple[EnabledPlugin, ...], list[Problem]]:
    """The enabled plugins, in the order cobrand.toml names them, and a problem for each that cannot load."""
    wanted = config.plugins.enabled
    if not wanted:
        return (), []
    from importlib import metadata  # here: importing it (and the email parser it uses) costs every build

    installed = {entry.name: entry for entry in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    enabled: list[EnabledPlugin] = []
    problems: list[Problem] = []
    for name in wanted:
        entry = installed.get(name)
        if entry is None:
            known = ", ".join(sorted(installed)) or "none"
            problems.append(Problem(CONFIG_FILE, f"plugin {name!r} is not installed (installed plugins: {known}); "
                                    "install its package in cobrand's environment", field=FIELD))
            continue
        try:
            factory = entry.load()
            plugin = factory()
        except Exception as error:
            problems.append(Problem(CONFIG_FILE, f"plugin {name!r} ({entry.value}) cannot be loaded: "
                                    f"{type(error).__name__}: {error}", field=FIELD))
            continue
        if not isinstance(plugin, Plugin):
            problems.append(Problem(CONFIG_FILE, f"plugin {name!r} ({entry.value}) is not a cobrand.plugins.Plugin",
                                    field=FIELD))
            continue
        version = entry.dist.version if entry.dist is not None else ""
        enabled.append(EnabledPlugin(name, plugin, _code_digest(entry.module, version)))
    return tuple(enabled), problems


def _code_digest(module: str, version: str) -> str:
    """A digest of the files of the package ``module`` belongs to (its code, templates, data) and its version.

    An editable install's edits change it as a release does, so outputs a plugin makes are made again.
    """
    top = sys.modules[module.split(".")[0]]
    files: list[Path] = []
    for folder in getattr(top, "__path__", []):
        files += [path for path in Path(folder).rglob("*") if path.is_file() and "__pycache__" not in path.parts]
    if not files and getattr(top, "__file__", None):
        files = [Path(str(top.__file__))]
    hasher = hashlib.sha256(version.encode())
    for path in sorted(files):
        hasher.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return hasher.hexdigest()


def plugin_kinds(plugins: tuple[EnabledPlugin, ...]) -> tuple[Kinds, list[Problem]]:
    """The built-in kinds and those the plugins add; a kind that clashes with another is a problem."""
    kinds = BUILT_IN
    problems: list[Problem] = []
    for enabled, method in each(plugins, "kinds"):
        try:
            added = call(enabled, "kinds", lambda: tuple(method()))  # noqa: B023 - called at once
            salted = tuple(_salted(kind, enabled.digest) for kind in added)
            kinds = kinds.adding(salted)
        except (PluginError, ValueError, TypeError) as error:
            problems.append(Problem(CONFIG_FILE, f"plugin {enabled.name!r}: {error}", field=FIELD))
    return kinds, problems


def _salted(kind: object, salt: str) -> Kind:
    if not isinstance(kind, Kind):
        raise TypeError(f"kinds() returned {type(kind).__name__}, not a cobrand.kinds.Kind")
    return dataclasses.replace(kind, salt=salt)


def plugin_theme(theme: Theme, plugins: tuple[EnabledPlugin, ...]) -> tuple[Theme, list[Problem]]:
    """``theme`` with each plugin's theme folder after the vendor's and before cobrand's default."""
    folders: list[Path] = []
    problems: list[Problem] = []
    for enabled, method in each(plugins, "theme_folder"):
        try:
            folder = call(enabled, "theme_folder", method)
        except PluginError as error:
            problems.append(Problem(CONFIG_FILE, str(error), field=FIELD))
            continue
        if folder is not None and not (Path(folder) / "templates").is_dir():
            problems.append(Problem(CONFIG_FILE, f"plugin {enabled.name!r}: theme folder {folder} has no templates/",
                                    field=FIELD))
        elif folder is not None:
            folders.append(Path(folder).resolve())
    if not folders:
        return theme, problems
    *own, default = theme.folders
    return Theme(theme.name, (*own, *folders, default)), problems
