"""Render everything one partner gets: its public site (pages, PDFs, feeds, images, static files) and its
hub (the kit, the social pack, the program pages; render/hub.py).

Rendering is described as jobs: each output's path, the key of its inputs,
and a function that makes its bytes. The writer runs only the jobs whose key
changed, which is how incremental builds, the dev server and caching work.
The renderer holds what all partners share and the services its output
providers (render/providers/) call; for one partner it goes plan -> output plan
(render/output_plan.py) -> views -> each provider's jobs.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import babel
from markupsafe import Markup

from ..brand.palette import Palette, palette
from ..brand.trim import logo_bytes, vendor_logo_bytes, vendor_logo_path
from ..cache import PartnerKeys, digest, partner_key, site_key
from ..hooks import PageEvent, page_hook
from ..jobs import BOTH_ROOTS, HUB, HUB_ROOT, Job, Output, Resolve, hub_path
from ..languages import format_date
from ..load import SavedState
from ..models import Partner, Project
from ..plan import PartnerPlan, Planner
from ..tokens import TokenFiller
from ..version import __version__
from . import hub
from .context import (
    BODIES,
    VENDOR_LOGO,
    PartnerViews,
    build_views,
    reading_minutes,
)
from .engine.reads import recording
from .engine.renderers import make_renderer, render_mode
from .i18n import catalogue_language, for_locale, install_globals, load_translations, translation_globals
from .output_plan import OutputOptions, OutputPlan
from .outputs import OutputRequest, Providers, plugin_providers, provided_jobs
from .pdf import PdfRenderer, ReadScope
from .providers import builtin_providers
from .providers.services import Shared
from .site import Page, render_page, selection_pages, theme_environment, theme_static_files

PRINT_STYLESHEET = "print/one-pager.css"
PRESS_STYLESHEET = "print/press.css"


def _theme_file(project: Project, relative: str) -> Path | None:
    for folder in project.theme.folders:
        if (folder / relative).is_file():
            return folder / relative
    return None


def _colour_key(partner: Partner) -> tuple[str, str]:
    colors = partner.data.colors
    return colors.primary, colors.accent or colors.primary


def _constant(data: bytes) -> Callable[[Resolve], bytes]:
    return lambda _: data


class WarmedUp(BaseException):
    """A render inside :meth:`PartnerRenderer.warming_up` reached its first PDF. A BaseException, like
    GeneratorExit, so that no handler that turns a partner's errors into its failure can catch it: the
    render is abandoned with nothing written (a partner's outputs are all made before any is written)."""


class PartnerRenderer:
    """Holds what all partners share (templates, stylesheet, static bytes) and renders partners.

    One instance per process: the theme is compiled and the print stylesheet
    parsed once, then reused for every partner.
    """

    def __init__(self, project: Project, *, pdfs: bool = True, images: bool = True,
                 pdf_links: bool | None = None, compiled_templates: Path | None = None,
                 render: str | None = None, planner: Planner | None = None, code: str | None = None) -> None:
        self.project = project
        self.env = theme_environment(project.theme, compiled_templates)
        # How pages are rendered: from skeletons (fast), through Jinja2 (full), or both, compared (verify).
        self.pages = make_renderer(render_mode(render), self.env,
                                   compiled_templates / "skeletons" if compiled_templates else None)
        self.filler = TokenFiller()
        # The build's planner (it plans each partner and hands the plan in), for the plans made here.
        self.planner = planner or Planner(project)
        theme_files = theme_static_files(project.theme)
        self.static = {path: file.read_bytes() for path, file in theme_files.items()}
        vendor_logo = project.vendor.logo
        self.static[f"{VENDOR_LOGO}.{vendor_logo.extension}"] = logo_bytes(vendor_logo)
        self.static[vendor_logo_path(vendor_logo)] = vendor_logo_bytes(vendor_logo)  # the lockups show it trimmed
        self.images = images
        self._language: str | None = None  # the catalogue the theme's strings are switched to
        # Each catalogue's template functions, made once: partners of several languages alternate, and the
        # skeletons' environment wraps each function it has not met before (render/engine/slots.py).
        self._strings: dict[str, dict[str, Callable[..., Markup]]] = {}
        self._languages: dict[str, gettext.NullTranslations] | None = None  # see languages
        # Pages link to PDFs when PDFs are made; `cobrand check` keeps the links without making them.
        self.pdf_links = pdfs if pdf_links is None else pdf_links
        stylesheet = _theme_file(project, PRINT_STYLESHEET)
        press = _theme_file(project, PRESS_STYLESHEET) if project.config.print.press else None
        self._pdf_setup = (stylesheet, project.theme.folders, press) if pdfs else None
        self._pdf: PdfRenderer | None = None  # see pdf
        self._warming_up = False  # see warming_up
        # Keyed by position in the theme chain, not absolute path, so caches move between checkouts.
        every_theme_file = {f"{index}/{path.relative_to(folder).as_posix()}": path
                            for index, folder in enumerate(project.theme.folders)
                            for path in folder.rglob("*") if path.is_file()}
        preview = ",".join(sorted(project.preview))  # preview pages carry a banner and noindex
        self.site_key = site_key(project, __version__, f"pdfs={pdfs},images={images},links={self.pdf_links},"
                                 f"preview={preview}",
                                 every_theme_file, code)
        every_item = list(project.content) + [t for by_lang in project.translations.values() for t in by_lang.values()]
        self.assets = {path: (project.root / "content" / path).read_bytes()
                       for item in every_item for path in item.assets}
        asset_keys = {path: hashlib.sha256(data).hexdigest() for path, data in self.assets.items()}
        self._item_keys = {item.variant_id: digest(item.digest, *(asset_keys[a] for a in item.assets))
                           for item in every_item}
        # What a listing shows of an item: all of it but the body (social posts have none).
        self._card_keys = {item.variant_id: digest(item.variant_id, item.meta_key,
                                                   str(reading_minutes(item)), *(asset_keys[a] for a in item.assets))
                           if item.body is not None else self._item_keys[item.variant_id]
                           for item in every_item}
        # Everything a partner's plan can draw from: with the site key, today and the partner's own
        # digest it fixes the partner's fingerprint (see build.py).
        # Items withheld for their errors count too: a partner that kept one's last good files (write.py) is
        # not current once the item is deleted, or mended.
        self.content_key = digest(*(f"{key}={value}" for key, value in sorted(self._item_keys.items())),
                                  *(f"withheld={key}" for key in sorted(project.withheld)))
        # Theme files and content assets are the same for every partner: their jobs are made once.
        self.static_jobs = [Job(path, digest(self.site_key, path), _constant(data))
                             for path, data in self.static.items()]
        if images:  # the vendor logo as PNG, which newsletter e-mails show from the public site
            from .newsletter import vendor_logo_job  # the e-mails' module: see builtin_providers

            self.static_jobs.append(vendor_logo_job(project, self.site_key))
        users: dict[str, set[str]] = {}  # the items that show each asset
        for item in every_item:
            for path in item.assets:
                users.setdefault(path, set()).add(item.key)
        self._asset_jobs = {path: Job(path, digest(self.site_key, path, asset_keys[path]), _constant(data),
                                      items=tuple(sorted(users[path])))
                            for path, data in self.assets.items()}
        self._shared_by_selection: dict[tuple[str, ...], Shared] = {}
        # Digests of what listings show of each item of a selection (a plan's or its next tier's), and of every
        # item whole.
        self._cards_by_selection: dict[tuple[str, ...], str] = {}
        self._bodies_by_selection: dict[tuple[str, ...], str] = {}
        # Partner palettes by colours (see remember_palettes): a palette is a colour search of about
        # 0.2 ms, which a one-post rebuild of a thousand partners need not do again.
        self.palettes: dict[tuple[str, str], Palette] = {}
        # Items' dates as each partner locale writes them (see remember_dates).
        self._dates: dict[tuple[dt.date, str], str] = {}
        # Plugins' providers are asked for now: a plugin that fails to give them fails every partner, as before.
        self._plugin_providers = plugin_providers(project.plugins)
        self._output_options = OutputOptions(pdfs=pdfs, images=images, press=project.config.print.press,
                                             min_logo_height=project.config.brand.min_logo_height_px)

    @cached_property
    def providers(self) -> Providers:
        """cobrand's outputs in their order (render/providers/), then plugins' (docs/plugins.md); made with the
        first partner's jobs (see :meth:`prepare`)."""
        return (*builtin_providers(self), *self._plugin_providers)

    @property
    def languages(self) -> dict[str, gettext.NullTranslations]:
        """The theme's translations by language, read with the first partner rendered (see :meth:`prepare`):
        Babel parses each catalogue, which a build that renders no partner need not pay."""
        if self._languages is None:
            self._languages = load_translations(self.project.theme)
        return self._languages

    def prepare(self, state: SavedState | None = None) -> None:
        """Make now what the first partner's render would make (providers, translations): before worker
        processes are forked, so that each does not make its own copy. With ``state``, the translations'
        compiled catalogues are taken from it while their files are unchanged."""
        self.providers  # noqa: B018 - a cached property, made here
        if self._languages is None:
            self._languages = load_translations(self.project.theme, state)

    @property
    def pdf(self) -> PdfRenderer | None:
        """WeasyPrint's renderer, made when the first PDF is: importing WeasyPrint and parsing the print
        stylesheet take about a second, which a build with nothing to print need not pay. Inside
        :meth:`warming_up`, the render ends once it is made."""
        if self._pdf is None and self._pdf_setup is not None:
            self._pdf = PdfRenderer(*self._pdf_setup)
        if self._warming_up and self._pdf is not None:
            raise WarmedUp
        return self._pdf

    @contextmanager
    def warming_up(self) -> Iterator[None]:
        """Render up to a partner's first PDF: once WeasyPrint's renderer is made for it, :class:`WarmedUp` is
        raised, which leaves every function between here and that PDF's job (a partner's failure is an
        ``Exception``; this is not one) and ends here. The build warms its worker processes' common state this
        way before forking them (see cobrand.build.WARM_BEFORE_FORK)."""
        self._warming_up = True
        try:
            yield
        except WarmedUp:
            pass
        finally:
            self._warming_up = False

    def remember_palettes(self, state: SavedState, partners: Sequence[Partner]) -> None:
        """Take each partner's palette from ``state``, making and keeping the ones it lacks."""
        for partner in partners:
            key = _colour_key(partner)
            self.palettes[key] = state.palettes.recall(partner.slug, " ".join(key),
                                                       functools.partial(palette, partner.data.colors))

    def remember_dates(self, state: SavedState, partners: Sequence[Partner]) -> None:
        """Take from ``state`` how each partner's locale writes each content item's date, formatting and keeping
        those it lacks: loading Babel's date module and each locale's data is a large part of a one-post
        rebuild, which with every date remembered need not pay it (nor each worker again)."""
        cldr = f"babel {babel.__version__}"  # the locale data the texts were formatted with
        days = sorted({item.meta.date for item in self.project.content})
        for locale in sorted({partner.data.locale for partner in partners}):
            for day in days:
                self._dates[day, locale] = state.dates.recall(f"{locale} {day.isoformat()}", cldr,
                                                              functools.partial(format_date, day, locale))

    def date_text(self, day: dt.date, locale: str) -> str:
        """``day`` as people of ``locale`` read it (:func:`cobrand.languages.format_date`)."""
        text = self._dates.get((day, locale))
        return format_date(day, locale) if text is None else text

    def keys(self, partner: Partner, plan: PartnerPlan) -> PartnerKeys:
        """The keys of ``partner``'s inputs; ``keys(...).fingerprint`` names everything its output depends on:
        its hub's program page shows what its next tier adds, so the cards of what that tier gives too
        (``keys(...).program``, the hub pages' key)."""
        cards, upper_cards = self._cards(plan.selection), self._cards(plan.next_tier_selection)
        bodies = self._bodies_by_selection.get(plan.selection)
        if bodies is None:
            bodies = self._bodies_by_selection[plan.selection] = digest(*(self._item_keys[variant]
                                                                          for variant in plan.selection))
        base = digest(self.site_key, partner_key(partner))
        listing, with_bodies = digest(base, cards), digest(base, bodies)
        return PartnerKeys(base, listing, with_bodies,
                           digest(with_bodies, self.project.today.isoformat(), *sorted(self.project.withheld),
                                  upper_cards),
                           digest(listing, upper_cards))

    def _cards(self, selection: tuple[str, ...]) -> str:
        """The digest of the cards of the items ``selection`` names (a plan's, or its next tier's), made once."""
        cards = self._cards_by_selection.get(selection)
        if cards is None:
            cards = self._cards_by_selection[selection] = digest(*(self._card_keys[variant] for variant in selection))
        return cards

    def shared(self, plan: PartnerPlan) -> Shared:
        """The pages and content files of partners who get ``plan``'s items, with the pages' keys, made once for
        all of them."""
        shared = self._shared_by_selection.get(plan.selection)
        if shared is None:
            item_keys = self._item_keys
            variants = {item.key: item.variant_id for item in plan.pages}
            used_assets = sorted({path for item in plan.pages for path in item.assets})
            shared = self._shared_by_selection[plan.selection] = Shared(
                # A page's key is compared only with the key recorded for the same path, so it need not name
                # the path: joining halves of the partner's key and its item's costs nothing where a digest
                # of each of ~80 pages did.
                pages=[(page, item_keys[variants[page.item_key]][:32] if page.item_key else "")
                       for page in selection_pages(plan, self.project.kinds)],
                assets=[self._asset_jobs[path] for path in used_assets])
        return shared

    def outputs(self, plan: PartnerPlan) -> OutputPlan:
        """What ``plan``'s partner gets besides its pages, with this renderer's options (render/output_plan.py)."""
        return OutputPlan.of(self.project, plan, self._output_options)

    @property
    def item_keys(self) -> dict[str, str]:
        """Each item's key by variant id: its text and the bytes of its assets."""
        return self._item_keys

    def render(self, partner: Partner) -> list[Output]:
        """Every output file of ``partner``'s site and hub, rendered now, in job order (hub paths start with
        :data:`cobrand.jobs.HUB`)."""
        jobs = self.jobs(partner)
        made: dict[str, bytes] = {}
        by_path = {job.path: job for job in jobs}

        def resolve(path: str) -> bytes:
            if path not in made:
                made[path] = by_path[path].make(resolve)
            return made[path]

        return [Output(job.path, resolve(job.path)) for job in jobs]

    def jobs(self, partner: Partner, plan: PartnerPlan | None = None, keys: PartnerKeys | None = None) -> list[Job]:
        """Every output of ``partner``'s site and hub as a job (:meth:`planned_jobs`), planning the partner first
        when ``plan`` is not given."""
        plan = plan or self.planner.plan(partner)
        return self.planned_jobs(plan, keys or self.keys(partner, plan))

    def planned_jobs(self, plan: PartnerPlan, keys: PartnerKeys, roots: frozenset[str] = BOTH_ROOTS) -> list[Job]:
        """Every output of ``plan``'s partner's site and hub as a job, in a stable order (the site's, then the
        hub's, whose paths start with :data:`cobrand.jobs.HUB`); ``keys`` are the partner's (:meth:`keys`).
        Without :data:`cobrand.jobs.HUB_ROOT` in ``roots`` the hub's jobs are left out (no site output is
        made from a hub output's bytes, while the hub's kit copies the site's PDFs).

        The partner's plan gives its output plan (what it gets besides its pages), which gives its template
        views; then each output provider, cobrand's (render/providers/) and plugins', yields its jobs.
        """
        project, partner = self.project, plan.partner
        outputs = self.outputs(plan)
        # Without a catalogue for the partner's language the theme's strings stay in the site's language.
        ui_language = None if catalogue_language(self.languages, partner.data.locale) else project.config.site.language
        views = build_views(project, plan, self.filler, pdf_links=self.pdf_links, ui_language=ui_language,
                            partner_palette=self.palettes.get(_colour_key(partner)), outputs=outputs,
                            date_text=self.date_text)
        # Listings show cards, not bodies, so editing a post's text leaves every other page alone.
        pages = ("index.html", *(page.path for page, _ in self.shared(plan).pages))
        site: list[Job] = []
        in_hub: list[Job] = []
        for job in provided_jobs(self.providers, OutputRequest(project, plan, views, keys, outputs, pages=pages),
                                 roots=roots):
            (in_hub if job.path.startswith(HUB) else site).append(job)
        return site + in_hub if HUB_ROOT in roots else site

    def translate(self, partner: Partner) -> None:
        """Switch the theme's strings to the partner's language (one partner renders at a time)."""
        language = catalogue_language(self.languages, partner.data.locale)
        if self._language == language:
            return
        functions = self._strings.get(language)
        if functions is None:
            functions = self._strings[language] = translation_globals(for_locale(self.languages, partner.data.locale))
        install_globals(self.env, functions)
        self.pages.switch_language(language)
        self._language = language

    def make_page(self, partner: Partner, views: PartnerViews, page: Page, reads: dict[str, frozenset[str]],
                  _: Resolve | None, in_hub: bool = False) -> bytes:
        """Render a page of the site (or the hub); note in ``reads`` the inputs its templates read beyond those
        its key names."""
        self.translate(partner)
        views.body_reads.clear()
        recorders: list[set[str]] = self.env.recorders  # type: ignore[attr-defined]
        names: set[str] = set()
        recorders.append(names)  # as engine.reads.recording does, without a generator: a page takes ~0.4 ms
        try:
            data = (hub.render_hub_page(self.env, self.project, partner, views, page, self.pages) if in_hub
                    else render_page(self.env, self.project, partner, views, page, self.pages))
        finally:
            recorders.pop()
        self._note_reads(views, names, hub_path(page.path) if in_hub else page.path, page.item_key, reads)
        if self.project.plugins:  # plugins' on_page (docs/plugins.md): the page's bytes in, bytes out
            data = page_hook(self.project.plugins, PageEvent(self.project, partner,
                                                             hub_path(page.path) if in_hub else page.path, data))
        return data

    @contextmanager
    def recording(self, views: PartnerViews, path: str, own_item: str | None,
                   reads: dict[str, frozenset[str]]) -> Iterator[None]:
        """Record what the templates run inside the block read, as the inputs of the output at ``path``."""
        views.body_reads.clear()
        with recording(self.env) as names:  # type: ignore[arg-type]
            yield
        self._note_reads(views, names, path, own_item, reads)

    def _note_reads(self, views: PartnerViews, names: set[str], path: str, own_item: str | None,
                    reads: dict[str, frozenset[str]]) -> None:
        inputs = views.inputs_read(names, self.env.globals)
        if views.body_reads and views.body_reads - {own_item}:
            inputs |= {BODIES}
        reads[path] = inputs

    def read_scope(self, partner: Partner, plan: PartnerPlan) -> ReadScope:
        """What ``partner``'s PDFs may read: its folder, the vendor's logo, the theme, its items' assets."""
        content = self.project.root / "content"
        assets = [content / asset for item in plan.items for asset in item.assets]
        return ReadScope.of(f"partner {partner.slug}", files=[self.project.vendor.logo.path, *assets],
                            folders=[partner.folder, *self.project.theme.folders])
