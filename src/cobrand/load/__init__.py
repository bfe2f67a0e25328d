"""Stage 1, load: read cobrand.toml, partners/, content/ and the theme into frozen models."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from ..errors import Problem
from ..kinds import BUILT_IN
from ..models import ContentItem, EnabledPlugin, Project, Theme, Vendor
from ..schemas import ProjectFile
from .content import load_content
from .logos import LogoError, confined_file, inspect_logo
from .partners import PartnerLoad
from .plugins import load_plugins, plugin_kinds, plugin_theme
from .schema import parse_toml, validate
from .state import STATE_FILE, SavedState, file_digest

DEFAULT_THEME = Path(__file__).resolve().parent.parent / "themes" / "default"
CONFIG_FILE = "cobrand.toml"

__all__ = ["CONFIG_FILE", "DEFAULT_THEME", "STATE_FILE", "SavedState", "load_project"]


def load_project(root: Path, today: dt.date, state: SavedState | None = None, jobs: int = 1
                 ) -> tuple[Project | None, list[Problem]]:
    """Load a whole project; return it (when loadable) and every problem found.

    ``state`` holds earlier builds' results for files that have not changed; partner
    folders to load are spread over ``jobs`` processes when there are many.
    """
    root = root.resolve()
    state = state or SavedState()
    config_path = root / CONFIG_FILE
    if not config_path.is_file():
        return None, [Problem(CONFIG_FILE, f"not found in {root}; is this a cobrand project?")]
    text = config_path.read_text(encoding="utf-8")
    # Its result is kept by its text: a rebuild parses no TOML and builds no schema for it.
    config_digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    config, problems = state.config.recall(CONFIG_FILE, config_digest, lambda: _read_config(text))
    problems = list(problems)
    vendor, theme = None, None
    plugins: tuple[EnabledPlugin, ...] = ()
    kinds = BUILT_IN
    if config is not None:
        vendor, found = _load_vendor(root, config, state)
        problems += found
        theme, found = _load_theme(root, config.site.theme)
        problems += found
        # Plugins the vendor enabled add content kinds (read below) and templates.
        plugins, found = load_plugins(config)
        problems += found
        kinds, found = plugin_kinds(plugins)
        problems += found
        if theme is not None:
            theme, found = plugin_theme(theme, plugins)
            problems += found
    with PartnerLoad(root, state, jobs) as partner_load:  # in worker processes while this one reads the content
        loaded, content_problems = load_content(root, state, kinds)
        partners, found = partner_load.result()
    problems += found + content_problems
    content, translations, found = _split_translations(loaded)
    problems += found
    if config is None or vendor is None or theme is None:
        return None, problems
    project = Project(root=root, config=config, vendor=vendor, partners=tuple(partners),
                      content=tuple(content), theme=theme, today=today, kinds=kinds,
                      partner_folders=_folder_names(root / "partners"), translations=translations,
                      plugins=plugins, config_digest=config_digest)
    return project, problems


def _read_config(text: str) -> tuple[ProjectFile | None, list[Problem]]:
    """cobrand.toml's config, or the problems that stop it."""
    raw, problems = parse_toml(text, CONFIG_FILE)
    if raw is None:
        return None, problems
    return validate(ProjectFile, raw, CONFIG_FILE, toml_text=text)


def _load_vendor(root: Path, config: ProjectFile, state: SavedState) -> tuple[Vendor | None, list[Problem]]:
    data = config.vendor
    try:
        path = confined_file(root, data.logo)
        # Measuring an SVG logo's ink draws it with cairosvg: kept by the logo's digest like partners' logos.
        logo = state.vendor_logos.recall(data.logo, file_digest(path, state=state), lambda: inspect_logo(path))
    except LogoError as error:
        return None, [Problem(CONFIG_FILE, f"{data.logo}: {error}", field="vendor.logo")]
    warnings = [Problem(CONFIG_FILE, f"{data.logo}: {warning}", field="vendor.logo", severity="warning")
                for warning in logo.warnings]
    return Vendor(name=data.name, website=data.website, legal=data.legal, colors=data.colors, logo=logo), warnings


def _load_theme(root: Path, name: str) -> tuple[Theme | None, list[Problem]]:
    if name == "default":
        return Theme("default", (DEFAULT_THEME,)), []
    folder = root / "themes" / name
    if not folder.is_dir():
        return None, [Problem(CONFIG_FILE, f"theme {name!r} not found (expected themes/{name}/)",
                              field="site.theme")]
    return Theme(name, (folder, DEFAULT_THEME)), []


def _split_translations(items: list[ContentItem]
                        ) -> tuple[list[ContentItem], dict[str, dict[str, ContentItem]], list[Problem]]:
    """Originals, and translations by original key and language; orphans are problems."""
    originals = [item for item in items if item.lang is None]
    keys = {item.key for item in originals}
    translations: dict[str, dict[str, ContentItem]] = {}
    problems = []
    for item in items:
        if item.lang is None:
            continue
        if item.key not in keys:
            problems.append(Problem(item.source, f"is a translation of {item.key}, which does not exist"))
        translations.setdefault(item.key, {})[item.lang] = item
    return originals, translations, problems


def _folder_names(folder: Path) -> frozenset[str]:
    if not folder.is_dir():
        return frozenset()
    return frozenset(entry.name for entry in folder.iterdir() if entry.is_dir())
