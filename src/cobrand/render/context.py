"""Plain view data for theme templates, built once per partner.

Templates see only these read-only mappings and tuples: values are strings, dates
and already-filled Markup bodies, so a theme cannot reach into the pipeline.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from markupsafe import Markup

from ..brand.lockup import lockup_view
from ..brand.palette import Palette, palette
from ..hooks import ItemEvent, item_hook
from ..languages import foreign_language, format_date, other_direction, primary_language, text_direction
from ..models import ContentItem, Partner, Project
from ..networks import BY_NAME
from ..personalize import resolve
from ..plan import PartnerPlan
from ..schemas import AUDIO_TYPES, MediaFile, OnePagerFile, SocialFile, audio_extension
from ..tokens import TokenError, TokenFiller, token_context
from ..tracking import Tracking, print_url, share_url
from ..validate import social_text
from ..values import paper_size
from .output_plan import OutputOptions, OutputPlan
from .qr import qr_svg

PARTNER_LOGO = "static/partner-logo"
VENDOR_LOGO = "static/vendor-logo"
WORDS_PER_MINUTE = 230


def partner_url(project: Project, partner: Partner, path: str = "") -> str:
    """Absolute URL of ``path`` in the partner's deployed site, from ``site.base_url``."""
    base = project.config.site.base_url.replace("{partner}", partner.slug)
    return base + ("" if path == "index.html" else path)


def hub_url(project: Project, partner: Partner, path: str = "") -> str:
    """Where ``path`` of the partner's hub is: absolute from ``[hub] base_url`` where set, else its path
    inside the hub folder (``<slug>/kit.html``): the hub is deployed apart, often behind access control."""
    base = project.config.hub.base_url
    inside = "" if path == "index.html" else path
    return base.replace("{partner}", partner.slug) + inside if base else f"{partner.slug}/{inside}"


def partner_tracking(project: Project, partner: Partner) -> Tracking:
    """The partner's tracking parameters for links to the vendor."""
    config = project.config.tracking
    host = (urlsplit(project.vendor.website).hostname or "").lower().removeprefix("www.")
    source = partner.data.tracking.utm_source or partner.slug
    return Tracking(vendor_host=host, source=source, medium=config.utm_medium, enabled=config.enabled,
                    partner_site=partner_url(project, partner))


def legal_line(project: Project, locale: str, body_lang: str | None = None) -> dict[str, str | None]:
    """The vendor's legal line in ``locale``'s language where the vendor gave one, else the original; with
    its language as ``lang`` where that is not ``body_lang`` (the page's body, by default ``locale``)."""
    body_lang = body_lang or locale
    language = project.config.site.language
    translated = project.config.vendor.legal_translations.get(primary_language(locale))
    if translated is not None:
        return {"text": translated, "lang": foreign_language(locale, body_lang),
                "dir": other_direction(text_direction(locale), body_lang)}
    return {"text": project.vendor.legal, "lang": foreign_language(language, body_lang),
            "dir": other_direction(text_direction(language), body_lang)}


def frozen(value: Any) -> Any:
    """``value`` read-only all the way down: each dict inside it a read-only mapping, each list a tuple.

    Views are made once and then read by every output of the partner, in any order; none may change
    what another reads.
    """
    if type(value) is dict:  # leaves are taken as they are, without a call each: a partner's views hold hundreds
        return MappingProxyType({key: frozen(item) if type(item) in _MUTABLE else item for key, item in value.items()})
    if type(value) is list:
        return tuple(frozen(item) if type(item) in _MUTABLE else item for item in value)
    return value


_MUTABLE = (dict, list)  # the containers frozen() copies


class ItemViews(Mapping[str, Mapping[str, Any]]):
    """The view of each entitled item, by item key, made the first time it is asked for (a rebuild after one
    post is edited renders that post's page alone); with ``extra``, the output plan's values for it by key."""

    def __init__(self, items: Sequence[ContentItem], make: Callable[[ContentItem], dict[str, Any]],
                 extra: Mapping[str, Mapping[str, Any]] = MappingProxyType({})) -> None:
        self._items = {item.key: item for item in items}
        self._make = make
        self._extra = extra
        self._views: dict[str, Mapping[str, Any]] = {}  # a memo: each view is made once, then read

    def __getitem__(self, key: str) -> Mapping[str, Any]:
        view = self._views.get(key)
        if view is None:
            made = self._make(self._items[key])
            extra = self._extra.get(key)
            if extra is not None:
                made |= extra
            view = self._views[key] = frozen(made)
        return view

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def in_order(self, items: Sequence[ContentItem]) -> ViewList:
        """The views of ``items``, in their order, for a template to loop over."""
        return ViewList(tuple(item.key for item in items), self)


class ViewList(Sequence[Mapping[str, Any]]):
    """A list of item views whose views are made only when read (``posts[:3]`` makes three)."""

    def __init__(self, keys: tuple[str, ...], views: ItemViews) -> None:
        self._keys = keys
        self._views = views

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._views[key] for key in self._keys[index]]
        return self._views[self._keys[index]]

    def __len__(self) -> int:
        return len(self._keys)


# The inputs a context value is made from, beyond the site (cobrand, config, theme, options) and the
# partner, which every output's key names: what listings show of each item the partner gets, the items
# whole, the build's date. A page records the names its templates read (render/engine/reads.py) and is
# keyed on the inputs behind them, so each value of the context says here what it is made from.
CARDS, BODIES, DATE = "cards", "bodies", "date"
SITE_AND_PARTNER: frozenset[str] = frozenset()
EVERY_INPUT = frozenset({CARDS, BODIES, DATE})  # a name nobody declared: keyed on everything
# Values of the page rather than the partner: its own item (whose key the page's key names), its
# image and its place, title and links.
PAGE_NAMES = frozenset({"page", "item", "og_image"})


@dataclass(frozen=True)
class PartnerViews:
    """Everything the theme needs for one partner's pages, complete when made (:func:`build_views`, from the
    output plan): ``common`` and ``inputs`` are read-only; ``body_reads`` and the memos below are bookkeeping."""

    common: MappingProxyType[str, Any]
    items: ItemViews
    tracking: Tracking
    # Keys of the items whose bodies templates printed. Pages are keyed on the cards (title, summary,
    # date) of the items they list, not their bodies, so editing a post's text re-renders that post's
    # page alone; a page that printed another item's body is noticed here and keyed on bodies too.
    body_reads: set[str] = field(default_factory=set)
    # What each name of ``common`` is made from (CARDS, BODIES, DATE); a name missing here counts as
    # made from everything.
    inputs: MappingProxyType[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    _constants: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    _inputs_of: dict[frozenset[str], frozenset[str]] = field(default_factory=dict)

    def constant_names(self, page_names: Iterable[str], globals_: Iterable[str]) -> frozenset[str]:
        """Names of the context whose values are the same on all the partner's pages: ``common``'s but
        ``page_names`` (which a page sets for itself), and the theme's globals."""
        key = tuple(page_names)
        found = self._constants.get(key)
        if found is None:
            found = self._constants[key] = (frozenset(self.common) - frozenset(key)) | frozenset(globals_)
        return found

    def inputs_read(self, names: Iterable[str], globals_: Container[str]) -> frozenset[str]:
        """The inputs behind the context names a template read (``page.x`` reads are the page's).

        A name that is not one of ``common`` is the page's own or the theme's, or a variable a template
        handed to a template it includes, made from reads recorded in the including one.
        """
        key = frozenset(names)  # pages of one template read the same names: worked out once
        known = self._inputs_of.get(key)
        if known is not None:
            return known
        found: set[str] = set()
        for name in key:
            name = name.partition(".")[0]
            if name in PAGE_NAMES or name in globals_ or name not in self.common:
                continue
            found |= self.inputs.get(name, EVERY_INPUT)
        known = self._inputs_of[key] = frozenset(found)
        return known


def reading_minutes(item: ContentItem) -> int:
    """Minutes to read an item at an average pace, at least one."""
    return max(1, math.ceil(item.words / WORDS_PER_MINUTE))


def build_views(project: Project, plan: PartnerPlan, filler: TokenFiller, *, pdf_links: bool = True,
                partner_palette: Palette | None = None, ui_language: str | None = None,
                outputs: OutputPlan | None = None,
                date_text: Callable[[dt.date, str], str] = format_date) -> PartnerViews:
    """Assemble the template data for one partner; item views are made (and tokens filled) when first used.

    ``outputs`` is the partner's output plan: the paths of the generated files pages show (logos, cards,
    thumbnails, the kit's zip, the CSVs); without one, no generated image and no PDF.

    Without ``pdf_links`` (a preview that makes no PDFs) no page links to a PDF. ``partner_palette``
    is the partner's :func:`palette`, when the caller has it already. ``ui_language`` is the language of
    the theme's strings when the theme has no catalogue for the partner's (they stay in the site's
    language): the page's body then says so, and text in the partner's language inside it says its own.
    ``date_text`` writes a date as people of a locale read it (the renderer's knows the project's already).
    """
    partner = plan.partner
    data = partner.data
    # The language text inside <body> is read in unless an element says otherwise.
    body_lang = ui_language if ui_language and foreign_language(ui_language, data.locale) else data.locale
    tracking = partner_tracking(project, partner)
    body_reads: set[str] = set()
    personalize = resolve(project, partner)

    def item_view(item: ContentItem) -> dict[str, Any]:
        personal = resolve(project, partner, item.slug)
        tokens = token_context(partner, project.vendor, personal)
        try:
            # Title, summary, social posts and the body carry tokens: filled here, so every output shows them
            # filled (the body when first printed).
            texts = {name: str(filler.fill(value, tokens)) for name, value in item.texts.items()}
            posts = {network: str(filler.fill(value, tokens)) for network, value in sorted(item.variants.items())}
        except TokenError as error:
            error.source = item.source
            raise
        body = filler.fill_later(item.body, tokens, item.source) if item.body else None
        view = _item_view(project, partner, item, Filled(texts, posts, body), tracking, body_reads, body_lang,
                          date_text)
        view["personalize"] = personal
        if not pdf_links:
            view["pdf_path"] = view["kit_pdf_path"] = view["press_path"] = None
        if project.plugins:  # what plugins add to the item's view (docs/plugins.md, on_item)
            view |= item_hook(project.plugins, ItemEvent(project, partner, item, MappingProxyType(view)))
        return view

    if outputs is None:
        outputs = OutputPlan.of(project, plan, OutputOptions(pdfs=False, images=False, press=False,
                                                             min_logo_height=project.config.brand.min_logo_height_px))
    items = ItemViews(plan.items, item_view, outputs.item_values)
    paper = paper_size(data.locale)
    partner_palette = partner_palette or palette(data.colors)
    vendor_palette = palette(project.vendor.colors)
    rules = project.config.brand
    lockup = (f"--lockup-clear-space:{rules.clear_space:g};--lockup-vendor-ratio:{rules.vendor_max_ratio:g};"
              f"--logo-min-height:{rules.min_logo_height_px}px;--print-logo-height:{rules.print_logo_height_mm:g}mm;")
    brand_css = Markup(":root{" + partner_palette.css_variables("partner")
                       + vendor_palette.css_variables("vendor") + lockup + "}")
    lockup_sizes = lockup_view(project, partner)  # logo sizes by the [brand] rules (brand/lockup.py)
    by_kind = dict(plan.by_kind)
    common = {
        "site": {"title": project.config.site.title, "paper": paper,
                 "language": project.config.site.language},
        "legal": legal_line(project, data.locale, body_lang),
        "lang": data.locale,
        "dir": text_direction(data.locale),
        # Set when the theme's strings are not in the page's language: <body lang dir> names theirs.
        "ui_lang": body_lang if body_lang != data.locale else None,
        "ui_dir": text_direction(body_lang),
        # The same as attributes for <body>, and those text in the partner's own language needs inside it: printed
        # whole, they leave a page one shape whether the theme's strings are in the page's language or not
        # (a skeleton fills both, where {% if ui_lang %} made two).
        "ui_lang_attrs": (Markup(' lang="%s" dir="%s"') % (body_lang, text_direction(body_lang))
                          if body_lang != data.locale else Markup("")),
        "own_lang_attrs": (Markup(' lang="%s" dir="%s"') % (data.locale, text_direction(data.locale))
                           if body_lang != data.locale else Markup("")),
        "vendor": {
            "name": project.vendor.name,
            "website": project.vendor.website,
            "legal": project.vendor.legal,
            "logo": f"{VENDOR_LOGO}.{project.vendor.logo.extension}",
            "logo_ratio": project.vendor.logo.width / project.vendor.logo.height,
        },
        "partner": {
            "name": data.name,
            # Names inside the theme's sentences on a right-to-left page read as runs of their own (<bdi>), so a
            # Latin name's full stop or digits stay with it; elsewhere the plain name.
            "name_run": _isolated(data.name, data.locale),
            "vendor_name_run": _isolated(project.vendor.name, data.locale),
            "slug": partner.slug,
            "tier": data.tier,
            "website": data.website,
            "email": data.contact.email,
            "phone": data.contact.phone,
            "phone_uri": "tel:" + "".join(c for c in data.contact.phone or "" if c in "+0123456789"),
            "address": data.contact.address,
            "intro": personalize.get("intro"),
            "cta_label": personalize.get("cta_label") or "Contact us",
            "cta_url": personalize.get("cta_url") or _default_cta(data.contact.email, data.website),
            "closing": personalize.get("closing"),
            "logo": f"{PARTNER_LOGO}.{partner.logo.extension}",
            "logo_ratio": partner.logo.width / partner.logo.height,
            "logo_files": outputs.logo_files,  # sized logo files and favicons (render/logos.py), when images are made
        },
        "personalize": personalize,
        "brand_css": brand_css,
        "lockup": lockup_sizes,
        "palette": partner_palette,
        # The partner's items of each kind, by the kind's view name (posts, one_pagers, media, social, ...).
        **{kind.view: items.in_order(by_kind.get(kind.name, ())) for kind in project.kinds},
        "kit_zip": outputs.kit_zip,  # None when the kit holds nothing
        "social_csv": dict(outputs.social_csv),  # network -> kit path of the Hootsuite CSV, with social posts
        "home_url": partner_url(project, partner),
        "build_date": project.today,
        # A preview (--drafts, --future) shows what is not published: its pages say so and are noindex.
        "preview": sorted(project.preview),
        # The home page's social card, when images are made (an item's page shows its own).
        **({"og_image": outputs.og_home} if outputs.og_home else {}),
    }
    inputs = dict.fromkeys(("site", "lang", "dir", "ui_lang", "ui_dir", "ui_lang_attrs", "own_lang_attrs", "vendor",
                            "legal", "partner", "personalize", "brand_css", "lockup", "palette", "home_url", "og_image",
                            "preview"), SITE_AND_PARTNER)
    # The zip and the scheduling files exist only when the partner gets something to put in them.
    inputs |= dict.fromkeys((*(kind.view for kind in project.kinds), "kit_zip", "social_csv"), frozenset({CARDS}))
    inputs["build_date"] = frozenset({DATE})
    return PartnerViews(frozen(common), items, tracking, body_reads, MappingProxyType(inputs))


def _isolated(text: str, locale: str) -> str | Markup:
    return Markup("<bdi>%s</bdi>") % text if text_direction(locale) == "rtl" else text


def _default_cta(email: str | None, website: str | None) -> str | None:
    if email:
        return "mailto:" + email
    return website


class Filled(NamedTuple):
    """An item's texts with the partner's tokens filled: title, summary and the like by name, each social
    network's post, and the body, filled when first asked for (None: no body)."""

    texts: dict[str, str]
    posts: dict[str, str]
    body: Callable[[], str] | None


def _item_view(project: Project, partner: Partner, item: ContentItem, filled: Filled, tracking: Tracking,
               body_reads: set[str], body_lang: str, date_text: Callable[[dt.date, str], str]) -> dict[str, Any]:
    meta = item.meta
    texts, posts, body = filled
    content_lang = item.lang or project.config.site.language
    vendor_copy = getattr(meta, "canonical_url", None) if project.config.site.canonical == "vendor" else None
    view: dict[str, Any] = {
        "key": item.key,
        "variant_id": item.variant_id,
        "lang": item.lang,
        # The item's language where it is not the page's (an untranslated original on a de-DE page): its
        # container says lang="en" so that screen readers and hyphenation use the right language.
        "foreign_lang": foreign_language(content_lang, body_lang),
        "foreign_dir": other_direction(text_direction(content_lang), body_lang),
        "vendor_canonical": vendor_copy,
        "kind": item.kind,
        "slug": item.slug,
        "title": texts.get("title", meta.title),
        "date": meta.date,
        "date_display": date_text(meta.date, partner.data.locale),
        "path": item.page_path,
        "canonical": partner_url(project, partner, item.page_path) if item.page_path else None,
    }
    if isinstance(meta, SocialFile):
        link = next((other for other in project.content if other.key == meta.link), None)
        page_url = partner_url(project, partner, link.page_path) if link and link.page_path else None
        variants, messages, share, urls = {}, {}, {}, {}
        for network, post in posts.items():
            url = share_url(page_url, network, item.slug) if page_url else None
            text = tracking.text(post, item.slug)
            variants[network] = social_text(text, meta.hashtags, url, network)
            messages[network] = social_text(text, meta.hashtags, None, network)  # for tools that take the link apart
            urls[network] = url
            if url:
                # The network's own share dialog; only X takes prefilled text.
                share[network] = BY_NAME[network].share_link(url, social_text(text, meta.hashtags, None, network))
        headline = texts.get("headline")
        view |= {
            # Not scheduled before the post, or the page it promotes, is published (--future previews show both).
            "publish_date": max(item.publish_date, link.publish_date if link else item.publish_date),
            "headline": headline,
            # What each network's image shows: public text, never the post's internal title.
            "image_text": {network: headline or first_line(text) for network, text in messages.items()},
            "hashtags": meta.hashtags,
            "link_path": link.page_path if link else None,
            "variants": variants,
            "messages": messages,
            "urls": urls,
            "share": share,
            "images": {},  # network -> site path of the co-branded image, when rendered
        }
        return view
    view |= {
        "summary": texts.get("summary", ""),
        "author": meta.author,
        "tags": meta.tags,
        "body": (LazyMarkup(body, on_read=functools.partial(body_reads.add, item.key)) if body else Markup("")),
        "reading_minutes": reading_minutes(item),
        "pdf_path": item.pdf_path,  # on the public site
        "kit_pdf_path": item.kit_pdf_path,  # in the hub's kit, with the press PDF
        "press_path": (item.kit_pdf_path.replace(".pdf", "-press.pdf")
                       if item.kit_pdf_path and project.config.print.press else None),
    }
    if isinstance(meta, OnePagerFile):
        printed = print_url(view["canonical"], tracking.source, item.slug)
        # Templates call it with a translated "QR code linking to ...", the figure's alternative text in the
        # tagged PDF: the code is made only when a PDF shows it.
        view |= {"subtitle": texts.get("subtitle"), "print_url": printed, "qr_svg": functools.partial(qr_svg, printed),
                 "thumbnail": None}
    if isinstance(meta, MediaFile):
        view |= {"media_kind": meta.kind, "duration": meta.duration, "embed": _embed(meta)}
    return view


HEADLINE_CHARACTERS = 120


def first_line(text: str) -> str:
    """The first line of a post's text that is not a link or hashtags, cut at a word: its image's headline."""
    for line in text.splitlines():
        words = [word for word in line.split() if not word.startswith(("http://", "https://", "#"))]
        if words:
            kept = " ".join(words)
            if len(kept) <= HEADLINE_CHARACTERS:
                return kept
            return kept[:HEADLINE_CHARACTERS].rsplit(" ", 1)[0].rstrip(",;:.-\u2013\u2014 ") + "\u2026"
    return ""


class LazyMarkup:
    """Markup made only when a template prints it, then kept.

    Listings need titles, not bodies, so an incremental build that re-renders
    a few pages makes only what they show.
    """

    def __init__(self, make: Callable[[], str], on_read: Callable[[], None] | None = None) -> None:
        self._make = make
        self._on_read = on_read
        self._html: str | None = None

    def __html__(self) -> str:
        if self._on_read is not None:
            self._on_read()
        if self._html is None:
            self._html = self._make()
        return self._html

    def __str__(self) -> str:
        return self.__html__()


def _embed(meta: MediaFile) -> dict[str, str]:
    """What the media page plays: a player to load on click, or an audio file of the site itself."""
    if meta.embed.audio:
        # The loader copied the file to the same path in the partner's site; media pages sit one folder deep.
        extension = audio_extension(meta.embed.audio)
        return {"audio": "../" + meta.embed.audio, "type": AUDIO_TYPES[extension], "format": extension.upper()}
    if meta.embed.youtube:
        video = meta.embed.youtube
        return {"provider": "YouTube", "url": f"https://www.youtube-nocookie.com/embed/{video}?autoplay=1",
                "watch": f"https://www.youtube.com/watch?v={video}"}
    video = meta.embed.vimeo or ""
    return {"provider": "Vimeo", "url": f"https://player.vimeo.com/video/{video}?autoplay=1&dnt=1",
            "watch": f"https://vimeo.com/{video}"}

