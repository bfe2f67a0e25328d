"""HTML pages of one partner's public microsite, rendered with the theme's Jinja2 templates."""

from __future__ import annotations

import functools
import gettext
import posixpath
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)

from ..kinds import Kinds
from ..models import Partner, Project, Theme
from ..networks import BY_NAME
from ..plan import PartnerPlan
from .context import PartnerViews, partner_url
from .engine.reads import PageView, ReadingContext
from .engine.renderers import FullRenderer, PageRenderer, PageRequest
from .fragments import FragmentCache, reset_fragments
from .i18n import install_translations


class Page(NamedTuple):  # a tuple, not a frozen dataclass: a build makes one per page, cheaply
    """One page to render: its site path, template and title, and the item it shows, if any."""

    path: str
    template: str
    title: str
    item_key: str | None = None
    description: str = ""


def page_place(path: str) -> dict[str, Any]:
    """What a template knows of where the page at ``path`` is, besides the path itself: its
    ``folder`` (which fixes its relative links), whether it ``is_404`` and its ``section``."""
    return {"folder": posixpath.dirname(path), "is_404": path == "404.html", "section": path.split("/", 1)[0]}


@functools.lru_cache(maxsize=8192)  # pages repeat the same few links thousands of times per build
def relative_url(folder: str, target: str) -> str:
    """``target`` (a site path) as a link relative to a page in ``folder`` ("" for the root)."""
    if "://" in target or target.startswith(("mailto:", "tel:", "#")):
        return target
    return posixpath.relpath(target, folder or ".")


def page_link(folder: str, is_404: bool, home_url: str, target: str) -> str:
    """What ``url(target)`` prints on a page in ``folder``."""
    if is_404:
        # A host serves 404.html at any depth, so its links start at the host's root: the path of the
        # partner's home (``/northbeam-it/`` or ``/``), which works on the real host and on a local server.
        if "://" in target or target.startswith(("mailto:", "tel:", "#")):
            return target
        return urlsplit(home_url).path + target.removesuffix("index.html")
    return relative_url(folder, target)


@pass_context
def _url(context: Any, target: str) -> str:
    page = context["page"]
    return page_link(page["folder"], page["is_404"], context["home_url"] if page["is_404"] else "", target)


def _url_arguments(context: Any) -> tuple[Any, tuple[Any, ...]]:
    page = context["page"]  # what _url reads of the context, for page skeletons (render/engine/skeleton.py)
    return page_link, (page["folder"], page["is_404"], context["home_url"] if page["is_404"] else "")


_url.context_free = _url_arguments  # type: ignore[attr-defined]


class ThemeEnvironment(Environment):
    """Jinja2's environment, with ``a.b`` on a plain dict or a read-only view looking up the key ``b`` first.

    Theme data are plain dicts and read-only mappings of them, and Jinja2 tries the attribute first: for
    every dotted name (dozens per page, hundreds on a listing) that raised and caught an AttributeError. The
    only difference is for keys named like dict methods, where the key is what a theme means.
    Its contexts record what templates read (render/engine/reads.py).
    """

    context_class = ReadingContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorders: list[set[str]] = []

    def getattr(self, obj: Any, attribute: str) -> Any:
        kind = type(obj)
        # Views are read-only mappings (render/context.frozen): left out, every dotted name on one went
        # Jinja2's way, an attribute lookup that raised first.
        if kind is MappingProxyType or kind is dict or kind is PageView:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def theme_environment(theme: Theme, compiled: Path | None = None) -> Environment:
    """Templates from the vendor theme first, then cobrand's default; ``default/x.html`` reaches the default.

    ``compiled`` is a folder where compiled templates are kept between builds (Jinja2's bytecode
    cache, keyed by each template's source), so a small rebuild does not compile the theme again.
    """
    cache = None
    if compiled is not None:
        compiled.mkdir(parents=True, exist_ok=True)
        cache = FileSystemBytecodeCache(str(compiled))
    loaders = [FileSystemLoader(str(folder / "templates")) for folder in theme.folders]
    default = FileSystemLoader(str(theme.folders[-1] / "templates"))
    env = ThemeEnvironment(
        loader=ChoiceLoader([*loaders, PrefixLoader({"default": default})]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n", FragmentCache],
        bytecode_cache=cache,
        # One environment serves one build, and a theme edit starts another build: checking each
        # template file's modification time on every page (three stats a page) buys nothing.
        auto_reload=False,
    )
    install_translations(env, gettext.NullTranslations())
    env.globals["url"] = _url
    env.globals["networks"] = BY_NAME  # the social networks by name, in their order: networks[name].label
    return env


def theme_static_files(theme: Theme) -> dict[str, Path]:
    """Every static file of the theme chain, by site path; the vendor theme wins."""
    files: dict[str, Path] = {}
    for folder in reversed(theme.folders):
        static = folder / "static"
        if static.is_dir():
            for path in sorted(static.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    files["static/" + path.relative_to(static).as_posix()] = path
    return dict(sorted(files.items()))


def home_page(partner: Partner) -> Page:
    """The partner's home page, titled with its name."""
    return Page("index.html", "index.html", partner.name)


def selection_pages(plan: PartnerPlan, kinds: Kinds) -> Iterator[Page]:
    """Every page of a partner's site after the home page, from its plan alone (no item view is made
    here): the same pages for every partner who gets the same items. Each item's page and each
    kind's listing come from its kind (kinds.py)."""
    for item in plan.pages:
        template = kinds.get(item.kind).page_template
        assert item.page_path is not None and template is not None
        yield Page(item.page_path, template, item.meta.title, item.key, getattr(item.meta, "summary", None) or "")
    for kind in kinds:
        # The hub lists some kinds (social posts); a kind's index is left out where the partner has none of it.
        if kind.listing is not None and not kind.listing.hub and (kind.listing.when_empty or plan.of_kind(kind.name)):
            yield Page(kind.listing.path, kind.listing.template, kind.listing.title)
    yield Page("404.html", "404.html", "Page not found")


def render_page(env: Environment, project: Project, partner: Partner, views: PartnerViews,
                page: Page, renderer: PageRenderer | None = None) -> bytes:
    """Render one page to UTF-8 bytes with ``renderer`` (render/engine/), in full by default."""
    own_url = partner_url(project, partner, page.path)
    item = views.items[page.item_key] if page.item_key is not None else None
    # [site] canonical = "vendor": a syndicated item names the vendor's original (models.SiteFile).
    canonical = (item or {}).get("vendor_canonical") or own_url
    og_image = (item or {}).get("og_image") or views.common.get("og_image")
    place = page_place(page.path)
    # An item's page is titled and described with the item's text filled for the partner (tokens included).
    title, description = (item["title"], item.get("summary") or "") if item is not None else (page.title,
                                                                                             page.description)
    page_values = {"path": page.path, "title": title, "description": description, "canonical": canonical,
                   "url": own_url, "og_image": og_image}

    extra = {"og_image": og_image} | ({"item": item} if item is not None else {})
    data = views.common | extra
    # A {% cached %} fragment is shared by the partner's pages when it reads nothing but the partner's
    # values (and the page's, which key it): the names whose values are the same on every page.
    reset_fragments(env, views, views.constant_names(extra, env.globals))
    recorders = getattr(env, "recorders", [])

    def full() -> str:
        return env.get_template(page.template).render(data, page=PageView(place | page_values, recorders))

    request = PageRequest(page.template, place, data, page_values, (partner.slug, page.path), full)
    document = (renderer or FullRenderer()).render(request)
    campaign = item["slug"] if item else project.config.tracking.site_campaign
    return views.tracking.html(document.encode("utf-8"), campaign)
