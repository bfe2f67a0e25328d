"""The plugin API: typed hooks at the pipeline's stages and output providers that yield jobs (issue 22).

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
- ``outputs()``: :class:`OutputProvider` objects whose jobs join each partner's.
- ``on_after_build(AfterBuild)``: the build's report, once the partners are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .errors import CobrandError, Problem

if TYPE_CHECKING:
    from .jobs import Job
    from .kinds import Kind
    from .models import ContentItem, Partner, Project
    from .plan import PartnerPlan
    from .render.context import PartnerViews
    from .render.output_plan import OutputPlan
    from .render.partner import PartnerKeys
    from .report import BuildReport

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


@dataclass(frozen=True)
class OutputRequest:
    """What an output provider gets for one partner.

    ``plan`` is what the partner is entitled to; ``views`` the template data (render/context.py);
    ``keys`` the partner's input keys (``base``: site and partner; ``listing``: and the cards of its
    items; ``with_bodies``: and its items whole; render/partner.py ``PartnerKeys``). A job's key must
    name every input its bytes depend on: key on ``keys.listing`` for what lists items, and so on.
    ``root`` is the folder inside the partner's output the provider writes under (``""``: the top):
    every job's path must start with it. ``pages`` are the site paths of the HTML pages under it.
    ``output_plan`` says what the partner gets besides its pages (render/output_plan.py: its PDFs, images,
    kit, social pack and e-mails, by path), decided before any job is made. ``earlier`` holds the jobs of
    the providers that ran before this one, by provider name (cobrand's own first, in the order of
    render/providers/, then plugins' in the order they are enabled): an output made from another's files
    names them there, as the kit's zip does.
    """

    project: Project
    plan: PartnerPlan
    views: PartnerViews
    keys: PartnerKeys
    output_plan: OutputPlan
    root: str = ""
    pages: tuple[str, ...] = ()
    earlier: Mapping[str, tuple[Job, ...]] = field(default_factory=lambda: MappingProxyType({}))


class OutputProvider(Protocol):
    """Makes one kind of output for each partner, as jobs (jobs.py) the writer runs when their key changed.

    A provider may also have a ``root`` attribute: the folder of the partner's output it writes under
    (``OutputRequest.root`` is then that; default ``""``, the top of the partner's site).
    """

    name: str

    def jobs(self, request: OutputRequest) -> Iterable[Job]:
        """The jobs of this output for the partner of ``request``, in a stable order."""
        ...


@dataclass(frozen=True)
class AfterBuild:
    """``on_after_build``: the build's report (report.py), before ``report.json`` is written."""

    project: Project
    report: BuildReport


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

    def outputs(self) -> Sequence[OutputProvider]:
        """Outputs this plugin adds to every partner's."""
        return ()

    def on_after_build(self, event: AfterBuild) -> None:
        """Called once the build's partners are written."""


class PluginError(CobrandError):
    """A plugin's hook raised: names the plugin and the hook; the original error is its ``__cause__``."""

    def __init__(self, plugin: str, hook: str, error: BaseException) -> None:
        super().__init__(f"plugin {plugin!r} failed in {hook}: {type(error).__name__}: {error}")
        self.plugin = plugin
        self.hook = hook


@dataclass(frozen=True)
class EnabledPlugin:
    """A plugin enabled in cobrand.toml: its name, the object, and a digest of its code and files.

    The digest is part of every output's key (cache.site_key), so a new version of a plugin
    renders again what it may change.
    """

    name: str
    plugin: Plugin
    digest: str


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


def after_build(project: Project, report: BuildReport) -> None:
    """Every plugin's ``on_after_build``, in order; raises :class:`PluginError`."""
    for enabled, method in each(project.plugins, "on_after_build"):
        event = AfterBuild(project, report)
        call(enabled, "on_after_build", lambda: method(event))  # noqa: B023 - called at once
