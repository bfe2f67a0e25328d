"""Render everything one partner gets: its public site (pages, PDFs, feeds, images, static files) and its
hub (the kit, the social pack, the program pages; render/hub.py).

Rendering is described as jobs: each output's path, the key of its inputs,
and a function that makes its bytes. The writer runs only the jobs whose key
changed, which is how incremental builds, the dev server and caching work.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from ..brand.palette import Palette, palette
from ..brand.trim import logo_bytes, vendor_logo_bytes, vendor_logo_path
from ..cache import digest, partner_key, site_key
from ..jobs import HUB, Job, Output, Resolve, hub_path
from ..load import SavedState
from ..models import ContentItem, MediaFile, Partner, Project
from ..plan import PartnerPlan, Planner
from ..plugins import OutputRequest, PageEvent, page_hook
from ..tokens import TokenFiller
from ..version import __version__
from . import feeds, hub
from .context import (
    BODIES,
    CARDS,
    DATE,
    PARTNER_LOGO,
    VENDOR_LOGO,
    PartnerViews,
    build_views,
    reading_minutes,
    text_direction,
)
from .engine.reads import recording
from .engine.renderers import make_renderer, render_mode
from .i18n import catalogue_language, for_locale, install_translations, load_translations
from .images import (
    OG_SIZE,
    SOCIAL_SIZES,
    WEBP_METHOD,
    WEBP_QUALITY,
    CardPainter,
    CardStyle,
    direction_of,
    fonts_key,
    preview_png,
    preview_size,
    webp,
)
from .logos import make_logo_file, print_logo_files
from .newsletter import NewsletterRenderer, email_jobs, vendor_logo_job
from .output_plan import OutputOptions, OutputPlan, press_path, preview_path
from .outputs import plugin_providers, provided_jobs
from .pdf import PdfFetchError, PdfRenderer, ReadScope, first_page_thumbnail
from .site import Page, home_page, page_place, render_page, selection_pages, theme_environment, theme_static_files

PRINT_STYLESHEET = "print/one-pager.css"
PRESS_STYLESHEET = "print/press.css"
class PartnerKeys(NamedTuple):
    """The keys of one partner's inputs, each naming everything the one before it does and more."""

    base: str  # cobrand, config, theme and the partner: outputs that show no content
    listing: str  # and what cards show of each item the partner gets: listings, feeds
    with_bodies: str  # and every item whole
    fingerprint: str  # and the day: everything the partner's output depends on


class _Shared(NamedTuple):
    """What partners who get the same items share, made once for all of them."""

    cards: str  # a digest of what listings show of each item
    bodies: str  # a digest of every item whole
    pages: list[tuple[Page, str]]  # the pages after the home page, each with the key of the item it shows, or ""
    assets: list[Job]  # content files the pages use


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


def _preview_job(full: Job, path: str, size: tuple[int, int]) -> Job:
    """``full``'s image resized to ``size`` as a PNG at ``path``."""
    return Job(path, digest(full.key, "preview", str(size)), lambda resolve: preview_png(resolve(full.path), size),
               costly=True, items=full.items)


def _webp_job(png: Job) -> Job:
    """The WebP of ``png``'s image, beside it."""
    return Job(png.path.replace(".png", ".webp"), digest(png.key, f"webp q{WEBP_QUALITY} m{WEBP_METHOD}"),
               lambda resolve: webp(resolve(png.path)), costly=True, items=png.items)


class PartnerRenderer:
    """Holds what all partners share (templates, stylesheet, static bytes) and renders partners.

    One instance per process: the theme is compiled and the print stylesheet
    parsed once, then reused for every partner.
    """

    def __init__(self, project: Project, *, pdfs: bool = True, images: bool = True,
                 pdf_links: bool | None = None, compiled_templates: Path | None = None,
                 render: str | None = None, planner: Planner | None = None) -> None:
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
        self.languages = load_translations(project.theme)
        self._language: str | None = None  # the catalogue the theme's strings are switched to
        # Pages link to PDFs when PDFs are made; `cobrand check` keeps the links without making them.
        self.pdf_links = pdfs if pdf_links is None else pdf_links
        stylesheet = _theme_file(project, PRINT_STYLESHEET)
        press = _theme_file(project, PRESS_STYLESHEET) if project.config.print.press else None
        self._pdf_setup = (stylesheet, project.theme.folders, press) if pdfs else None
        # Keyed by position in the theme chain, not absolute path, so caches move between checkouts.
        every_theme_file = {f"{index}/{path.relative_to(folder).as_posix()}": path
                            for index, folder in enumerate(project.theme.folders)
                            for path in folder.rglob("*") if path.is_file()}
        preview = ",".join(sorted(project.preview))  # preview pages carry a banner and noindex
        self.site_key = site_key(project, __version__, f"pdfs={pdfs},images={images},links={self.pdf_links},"
                                 f"preview={preview}",
                                 every_theme_file)
        every_item = list(project.content) + [t for by_lang in project.translations.values() for t in by_lang.values()]
        self.assets = {path: (project.root / "content" / path).read_bytes()
                       for item in every_item for path in item.assets}
        asset_keys = {path: hashlib.sha256(data).hexdigest() for path, data in self.assets.items()}
        self._item_keys = {item.variant_id: digest(item.digest, *(asset_keys[a] for a in item.assets))
                           for item in every_item}
        # What a listing shows of an item: all of it but the body (social posts have none).
        self._card_keys = {item.variant_id: digest(item.variant_id, item.meta.model_dump_json(),
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
        self._static_jobs = [Job(path, digest(self.site_key, path), _constant(data))
                             for path, data in self.static.items()]
        if images:  # the vendor logo as PNG, which newsletter e-mails show from the public site
            self._static_jobs.append(vendor_logo_job(project, self.site_key))
        users: dict[str, set[str]] = {}  # the items that show each asset
        for item in every_item:
            for path in item.assets:
                users.setdefault(path, set()).add(item.key)
        self._asset_jobs = {path: Job(path, digest(self.site_key, path, asset_keys[path]), _constant(data),
                                      items=tuple(sorted(users[path])))
                            for path, data in self.assets.items()}
        self._shared_by_selection: dict[tuple[str, ...], _Shared] = {}
        # Partner palettes by colours (see remember_palettes): a palette is a colour search of about
        # 0.2 ms, which a one-post rebuild of a thousand partners need not do again.
        self.palettes: dict[tuple[str, str], Palette] = {}
        self.providers = ((None, feeds.SiteFeeds()), *plugin_providers(project.plugins))
        self._output_options = OutputOptions(pdfs=pdfs, images=images, press=project.config.print.press,
                                             min_logo_height=project.config.brand.min_logo_height_px)

    @cached_property
    def pdf(self) -> PdfRenderer | None:
        """WeasyPrint's renderer, made when the first PDF is: importing WeasyPrint and parsing the print
        stylesheet take about a second, which a build with nothing to print need not pay."""
        return PdfRenderer(*self._pdf_setup) if self._pdf_setup is not None else None

    def remember_palettes(self, state: SavedState, partners: Sequence[Partner]) -> None:
        """Take each partner's palette from ``state``, making and keeping the ones it lacks."""
        for partner in partners:
            key = _colour_key(partner)
            self.palettes[key] = state.palettes.recall(partner.slug, " ".join(key),
                                                       functools.partial(palette, partner.data.colors))

    def keys(self, partner: Partner, plan: PartnerPlan) -> PartnerKeys:
        """The keys of ``partner``'s inputs; ``keys(...).fingerprint`` names everything its output depends on:
        its hub's program page shows what its next tier adds, so those items' cards too."""
        shared = self._shared(plan)
        base = digest(self.site_key, partner_key(partner))
        with_bodies = digest(base, shared.bodies)
        return PartnerKeys(base, digest(base, shared.cards), with_bodies,
                           digest(with_bodies, self.project.today.isoformat(), *sorted(self.project.withheld),
                                  self._upper_cards(partner)))

    def _upper_cards(self, partner: Partner) -> str:
        """A digest of what listings show of each item the partner's next tier gives."""
        upper = hub.upper_tier_items(self.project, partner, self.planner)
        return digest(*(self._card_keys[item.variant_id] for item in upper))

    def _shared(self, plan: PartnerPlan) -> _Shared:
        shared = self._shared_by_selection.get(plan.selection)
        if shared is None:
            item_keys = self._item_keys
            variants = {item.key: item.variant_id for item in plan.pages}
            used_assets = sorted({path for item in plan.pages for path in item.assets})
            shared = self._shared_by_selection[plan.selection] = _Shared(
                cards=digest(*(self._card_keys[item.variant_id] for item in plan.items)),
                bodies=digest(*(item_keys[item.variant_id] for item in plan.items)),
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
        """Every output of ``partner``'s site and hub as a job, in a stable order; hub jobs' paths start
        with :data:`cobrand.jobs.HUB`.

        ``plan`` and ``keys`` are the partner's, when the caller has them already.
        """
        project = self.project
        plan = plan or self.planner.plan(partner)
        shared = self._shared(plan)
        # Without a catalogue for the partner's language the theme's strings stay in the site's language.
        ui_language = None if catalogue_language(self.languages, partner.data.locale) else project.config.site.language
        outputs = self.outputs(plan)
        views = build_views(project, plan, self.filler, pdf_links=self.pdf_links, ui_language=ui_language,
                            partner_palette=self.palettes.get(_colour_key(partner)), outputs=outputs)
        # Listings show cards, not bodies, so editing a post's text leaves every other page alone.
        keys = keys or self.keys(partner, plan)
        base, listing, with_bodies, _ = keys
        dated = digest(listing, project.today.isoformat())

        jobs = list(self._static_jobs)
        logo = f"{PARTNER_LOGO}.{partner.logo.extension}"
        # The logo as loaded (SVG rebuilt from the allowlist), never the partner's file.
        jobs.append(Job(logo, digest(base, logo), lambda _: logo_bytes(partner.logo)))
        if self.images:
            jobs += self._logo_jobs(partner, outputs, base)
        hub_jobs = hub.copies(jobs)  # the hub's pages show the same stylesheet, script and logos
        jobs += shared.assets
        if self.images:
            jobs += self._image_jobs(partner, outputs, views, base)
        hub_jobs += hub.social_jobs(views, outputs, project, dated, listing)

        pages = [(home_page(partner), ""), *shared.pages]
        reads: dict[str, frozenset[str]] = {}
        listing_half = listing[:32]
        today = project.today.isoformat()
        # Pages are keyed on the cards of what they list; a page that read a body or the date says so.
        page_extras = {BODIES: with_bodies, DATE: today}
        jobs += [Job(page.path, listing_half + own, functools.partial(self._make_page, partner, views, page, reads),
                     extras=page_extras, reads=reads, items=(page.item_key,) if page.item_key else ())
                 for page, own in pages]

        if self._pdf_setup is not None:
            scope = self._read_scope(partner, plan)
            pdf_extras = {CARDS: listing, BODIES: with_bodies, DATE: today}
            for item in outputs.pdf_items:
                assert item.kit_pdf_path is not None
                # Published on the site beside the item's page; the kit keeps a copy of the same bytes.
                pdf_job = self._pdf_job(partner, views, item, base, scope, pdf_extras, reads)
                thumbnails = self._thumbnail_jobs(pdf_job, outputs, item)
                jobs += [pdf_job, *thumbnails]
                hub_jobs += [hub.pdf_copy(pdf_job, item.kit_pdf_path), *hub.copies(thumbnails)]
                if outputs.press:
                    hub_jobs.append(self._pdf_job(partner, views, item, base, scope, pdf_extras, reads, press=True))
        hub_jobs += [job for job in jobs if job.path.startswith(HUB)]  # the social images and their previews
        jobs = [job for job in jobs if not job.path.startswith(HUB)]
        if outputs.kit_zip is not None:
            hub_jobs.append(hub.zip_job(partner, plan, outputs, {job.path: job for job in hub_jobs}))

        # Outputs made from the partner's plan and views alone come from providers: the built-in feeds
        # (render/feeds.py), then plugins' (docs/plugins.md).
        request = OutputRequest(project, plan, views, keys, pages=tuple(page.path for page, _ in pages))
        jobs += provided_jobs(self.providers, request, (job.path for job in jobs))
        strings = for_locale(self.languages, partner.data.locale)
        emails = email_jobs(NewsletterRenderer(self.env, project, self._translate), partner, plan, views, base,
                            self._item_keys, self.assets)
        return jobs + hub_jobs + hub.hub_jobs(hub.HubRequest(
            project, plan, self.planner, views, self.filler, digest(listing, self._upper_cards(partner)), base,
            page_extras, reads, lambda hub_views, page: self._make_page(partner, hub_views, page, reads, None,
                                                                        in_hub=True),
            lambda: strings.gettext("What's new"), emails, self.pdf_links))

    def _translate(self, partner: Partner) -> None:
        """Switch the theme's strings to the partner's language (one partner renders at a time)."""
        language = catalogue_language(self.languages, partner.data.locale)
        if self._language == language:
            return
        install_translations(self.env, for_locale(self.languages, partner.data.locale))
        self.pages.switch_language(language)
        self._language = language

    def _make_page(self, partner: Partner, views: PartnerViews, page: Page, reads: dict[str, frozenset[str]],
                   _: Resolve | None, in_hub: bool = False) -> bytes:
        """Render a page of the site (or the hub); note in ``reads`` the inputs its templates read beyond those
        its key names."""
        self._translate(partner)
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
    def _recording(self, views: PartnerViews, path: str, own_item: str | None,
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

    def _read_scope(self, partner: Partner, plan: PartnerPlan) -> ReadScope:
        """What ``partner``'s PDFs may read: its folder, the vendor's logo, the theme, its items' assets."""
        content = self.project.root / "content"
        assets = [content / asset for item in plan.items for asset in item.assets]
        return ReadScope.of(f"partner {partner.slug}", files=[self.project.vendor.logo.path, *assets],
                            folders=[partner.folder, *self.project.theme.folders])

    def _pdf_job(self, partner: Partner, views: PartnerViews, item: ContentItem, base: str, scope: ReadScope,
                 extras: dict[str, str], reads: dict[str, frozenset[str]], press: bool = False) -> Job:
        assert item.pdf_path is not None and item.kit_pdf_path is not None
        # The press PDF (bleed, crop marks) is for the partner's printer: in the hub's kit only.
        path = press_path(item.kit_pdf_path) if press else item.pdf_path
        job_path = hub_path(path) if press else path
        page = {"path": item.pdf_path} | page_place(item.pdf_path)
        project = self.project

        def make(_: Resolve) -> bytes:
            self._translate(partner)
            template = self.env.get_template("print/one-pager.html")
            # Both logos trimmed of their margins, handed to WeasyPrint in memory.
            files, generated = print_logo_files(partner.logo, project.vendor.logo, views.common["lockup"]["print"])
            with self._recording(views, job_path, item.key, reads):
                html = template.render(views.common | {"item": views.items[item.key], "files": files,
                                                       "page": page, "direction_of": direction_of})
            identifier = hashlib.sha256(f"{partner.slug}/{path}".encode()).hexdigest()[:32]
            try:
                assert self.pdf is not None
                return self.pdf.render(html, project.root / "content" / item.kind, identifier.encode(), scope,
                                       press, generated)
            except PdfFetchError as error:
                error.source = item.source
                raise

        return Job(job_path, digest(base, path, self._item_keys[item.variant_id]), make, costly=True, extras=extras,
                   reads=reads, items=(item.key,))

    def _thumbnail_jobs(self, pdf_job: Job, outputs: OutputPlan, item: ContentItem) -> list[Job]:
        """A picture of the PDF's first page for the kit page, PNG and WebP; made from the PDF's bytes."""
        path, size = outputs.thumbnails[item.key], outputs.thumbnail_size
        png = Job(path, digest(pdf_job.key, "thumbnail", str(size)),
                  lambda resolve: first_page_thumbnail(resolve(pdf_job.path), size), costly=True, items=pdf_job.items)
        return [png, _webp_job(png)]

    def _logo_jobs(self, partner: Partner, outputs: OutputPlan, base: str) -> list[Job]:
        """Sized logo files (1x, 2x, WebP and PNG) and favicons, named by digest and size."""
        files = outputs.logo_files
        assert files is not None

        def maker(path: str) -> Callable[[Resolve], bytes]:
            return lambda _: make_logo_file(partner.logo, path, files)

        return [Job(path, digest(base, path), maker(path), costly=True) for path in files.paths]

    def _image_jobs(self, partner: Partner, outputs: OutputPlan, views: PartnerViews, base: str) -> list[Job]:
        """Open Graph cards for the home page and each item page, and social images per network."""
        project = self.project
        base = digest(base, fonts_key())  # a newly installed font changes how cards look
        painters: list[CardPainter] = []
        # Card text in the partner's language, from the theme's catalogues like the pages' strings.
        strings = for_locale(self.languages, partner.data.locale)

        def painter() -> CardPainter:  # logos are rasterised only if some image must be made
            if not painters:
                rules = project.config.brand
                style = CardStyle(partner.name, project.vendor.name, views.common["palette"],
                                  palette(project.vendor.colors), rules.vendor_max_ratio, rules.clear_space,
                                  strings.gettext("in partnership with"), text_direction(partner.data.locale))
                painters.append(CardPainter(partner.logo, project.vendor.logo, style))
            return painters[0]

        def card(size: tuple[int, int], title: str | Callable[[], str], eyebrow: str, picture: str | None = None
                 ) -> Callable[[Resolve], bytes]:
            background = self.assets[picture] if picture else None
            # An item's text is read from its view when the image is made: filled for the partner, and
            # only for the images an incremental build makes again.
            return lambda _: painter().card(size, title() if callable(title) else title, eyebrow, background)

        def view_text(key: str, name: str, network: str | None = None) -> Callable[[], str]:
            def text() -> str:
                value = views.items[key][name]
                return str(value[network] if network else value)
            return text

        home = outputs.og_home
        assert home is not None
        jobs = [Job(home, digest(base, home), card(OG_SIZE, project.config.site.title, partner.name), True)]
        eyebrows = {"blog": strings.gettext("Blog"), "one-pagers": strings.gettext("Datasheet"),
                    "video": strings.gettext("Video"), "podcast": strings.gettext("Podcast")}
        for item in outputs.plan.items:
            item_key = self._item_keys[item.variant_id]  # includes the bytes of the post's picture
            if item.kind == "social":
                picture = item.assets[0] if item.assets else None
                for network, size in SOCIAL_SIZES.items():
                    path = outputs.social_images[item.key][network]  # in the hub
                    # Public text: the post's headline or its first line, never its internal title.
                    headline = view_text(item.key, "image_text", network)
                    full = Job(hub_path(path), digest(base, path, item_key), card(size, headline, partner.name,
                                                                                    picture), True, items=(item.key,))
                    # What the hub's social page shows: a resized copy, WebP with a PNG fallback (the full
                    # image is for download and the zip).
                    shown = _preview_job(full, hub_path(preview_path(item, network)), preview_size(size))
                    jobs += [full, shown, _webp_job(shown)]
            else:
                path = outputs.og_images[item.key]
                kind = item.meta.kind if isinstance(item.meta, MediaFile) else ""
                eyebrow = eyebrows.get(item.kind) or eyebrows.get(kind, "")
                label = project.kinds.get(item.kind).eyebrow
                if not eyebrow and label:  # a plugin kind's label, translated where the theme's catalogues have it
                    eyebrow = strings.gettext(label)
                jobs.append(Job(path, digest(base, path, item_key), card(OG_SIZE, view_text(item.key, "title"),
                                                                         eyebrow), True, items=(item.key,)))
        return jobs
