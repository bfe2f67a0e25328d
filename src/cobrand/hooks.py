"""The plugin hooks as the pipeline's stages call them: the :class:`Plugin` base class, the events of the
early stages, and running a hook (plugin authors import all of it from :mod:`cobrand.plugins`).

This module sits below every stage, so that each stage can call the hooks: the events of later stages are
defined with their stage (``OutputRequest`` and ``OutputProvider`` in render/outputs.py, ``AfterBuild`` in
report.py), and :mod:`cobrand.plugins`, on top of everything, gathers them into one API.

A plugin is a class (usually a subclass of :class:`Plugin`) published under the entry-point group
``cobrand.plugins`` and enabled by name in ``cobrand.toml`` (``[plugins] enabled``); loading it is
``load/plugins.py``'s job. Plugins run with the vendor's trust, like its theme: they are code the vendor
installed, never partner input (docs/plugins.md). A hook that raises stops what it was part of with a
:class:`PluginError` naming the plugin and the hook.

The hooks, in pipeline order (each one is optional):

- ``kinds()``: content kinds the plugin adds (:class:`~cobrand.kinds.Kind`), read before content loads.
- ``theme_folder()``: a folder with ``templates/`` and ``static/`` placed after the vendor's theme and
  before cobrand's default, so the vendor's theme can override the plugin's templates.
- ``on_after_load(AfterLoad)``: the loaded project; returns problems (errors or warnings) with file and field.
- ``on_item(ItemEvent)``: once per item and partner; returns values added to the item's template view.
- ``on_page(PageEvent)``: once per HTML page; gets the page's bytes and returns them, changed or not.
- ``outputs()``: output providers (render/outputs.py) whose jobs join each partner's.
- ``on_after_build(AfterBuild)``: the build's report, once the partners are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import CobrandError, Problem
from .models import EnabledPlugin

if TYPE_CHECKING:
    from .kinds import Kind
    from .models import ContentItem, Partner, Project

ENTRY_POINT_GROUP = "cobrand.plugins"
T = TypeVar("T")


@dataclass(frozen=True)
class AfterLoad:
    """``on_after_load``: the project as loaded and validated (content with errors already set aside)."""

    project: Project


@dataclass(frozen=True)
class ItemEvent:
    """``on_item``: one item as ``partner`` gets it; ``view`` is what templates see of it (read only)."""

    project: Project
    partner: Partner
    item: ContentItem
    view: Mapping[str, Any]


@dataclass(frozen=True)
class PageEvent:
    """``on_page``: one rendered HTML page of ``partner``'s output at ``path`` (a hub page's starts with
    ``jobs.HUB``), as UTF-8 bytes."""

    project: Project
    partner: Partner
    path: str
    html: bytes


class Plugin:
    """The base class of cobrand plugins: every hook does nothing until a subclass overrides it."""

    def kinds(self) -> Sequence[Kind]:
        """Content kinds this plugin adds."""
        return ()

    def theme_folder(self) -> Path | None:
        """A folder with ``templates/`` (and optionally ``static/``) for this plugin's pages."""
        return None

    def on_after_load(self, event: AfterLoad) -> Iterable[Problem]:
        """Problems the plugin finds in the loaded project."""
        return ()

    def on_item(self, event: ItemEvent) -> Mapping[str, Any] | None:
        """Values to add to the item's view for this partner (None: nothing)."""
        return None

    def on_page(self, event: PageEvent) -> bytes:
        """The page's HTML, changed or not."""
        return event.html

    def outputs(self) -> Sequence[Any]:
        """Outputs this plugin adds to every partner's: :class:`cobrand.render.outputs.OutputProvider` objects
        (typed loosely here: providers are a render-stage type, and this module sits below every stage)."""
        return ()

    def on_after_build(self, event: Any) -> None:
        """Called once the build's partners are written, with a :class:`cobrand.report.AfterBuild`."""


class PluginError(CobrandError):
    """A plugin's hook raised: names the plugin and the hook; the original error is its ``__cause__``."""

    def __init__(self, plugin: str, hook: str, error: BaseException) -> None:
        super().__init__(f"plugin {plugin!r} failed in {hook}: {type(error).__name__}: {error}")
        self.plugin = plugin
        self.hook = hook


def call(enabled: EnabledPlugin, hook: str, run: Callable[[], T]) -> T:
    """``run()``, one hook of ``enabled``; what it raises becomes a :class:`PluginError`."""
    try:
        return run()
    except PluginError:
        raise
    except Exception as error:
        raise PluginError(enabled.name, hook, error) from error


def each(plugins: Sequence[EnabledPlugin], hook: str) -> Iterator[tuple[EnabledPlugin, Callable[..., Any]]]:
    """The enabled plugins that override ``hook``, with their bound method: a hook nobody overrides costs nothing."""
    for enabled in plugins:
        method = getattr(type(enabled.plugin), hook, None)
        if method is not None and method is not getattr(Plugin, hook, None):
            yield enabled, getattr(enabled.plugin, hook)


def page_hook(plugins: Sequence[EnabledPlugin], event: PageEvent) -> bytes:
    """``event.html`` passed through every plugin's ``on_page`` in order."""
    html = event.html
    for enabled, method in each(plugins, "on_page"):
        current = PageEvent(event.project, event.partner, event.path, html)
        html = call(enabled, "on_page", lambda: method(current))  # noqa: B023 - called at once
        if not isinstance(html, bytes):
            raise PluginError(enabled.name, "on_page", TypeError(f"returned {type(html).__name__}, not bytes"))
    return html


def item_hook(plugins: Sequence[EnabledPlugin], event: ItemEvent) -> dict[str, Any]:
    """The values every plugin's ``on_item`` adds to the item's view, later plugins winning."""
    added: dict[str, Any] = {}
    for enabled, method in each(plugins, "on_item"):
        values = call(enabled, "on_item", lambda: method(event))  # noqa: B023 - called at once
        if values is not None and not isinstance(values, Mapping):
            raise PluginError(enabled.name, "on_item", TypeError(f"returned {type(values).__name__}, not a mapping"))
        added |= dict(values or {})
    return added


def after_load_problems(project: Project) -> list[Problem]:
    """What every plugin's ``on_after_load`` finds; a hook that raises is an error of cobrand.toml."""
    problems: list[Problem] = []
    for enabled, method in each(project.plugins, "on_after_load"):
        event = AfterLoad(project)
        try:
            found = list(call(enabled, "on_after_load", lambda: method(event)))  # noqa: B023 - called at once
        except PluginError as error:
            problems.append(Problem("cobrand.toml", str(error), field="plugins.enabled"))
            continue
        bad = [value for value in found if not isinstance(value, Problem)]
        if bad:
            problems.append(Problem("cobrand.toml", f"plugin {enabled.name!r} failed in on_after_load: returned "
                                    f"{type(bad[0]).__name__}, not cobrand.errors.Problem", field="plugins.enabled"))
        problems += [value for value in found if isinstance(value, Problem)]
    return problems
