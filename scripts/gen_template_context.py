"""Write docs/templates.md: every value a theme's templates see, found by rendering the example project.

The names are not listed by hand: the example's pages (every partner, every kind) are rendered through
cobrand's own page renderer, wrapped so that it notes what each page is given (the template context,
the page's values, each item's view). The descriptions are the table :data:`DESCRIPTIONS` below;
tests/build/test_template_context.py regenerates the file and fails when it differs from the committed one,
when a value templates see has no description, or when a description names a value no page gets.
Run ``.venv/bin/python scripts/gen_template_context.py`` after adding or removing a template value.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cobrand.build import load_and_check
from cobrand.models import Partner
from cobrand.render.engine.renderers import FullRenderer, PageRequest
from cobrand.render.partner import PartnerRenderer

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "templates.md"
ENVIRON = {"SOURCE_DATE_EPOCH": "1796000000"}
# Values that are mappings by a name the project or the networks choose: their keys are not listed.
MAPPINGS = frozenset({"personalize", "social_csv", "item.personalize", "item.variants", "item.messages",
                      "item.urls", "item.share", "item.images", "item.previews", "item.image_text",
                      "item.embed", "hub"})
# Globals Jinja2 itself provides (jinja2.defaults.DEFAULT_NAMESPACE) and gettext's: documented by Jinja2.
JINJA_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace",
                           "gettext", "ngettext", "pgettext", "npgettext"})

DESCRIPTIONS: dict[str, str] = {
    # --- every page: the partner's data -------------------------------------------------------------
    "site": "The project's `[site]` settings a page shows.",
    "site.title": "The site's title (`[site] title`).",
    "site.language": "The site's language (`[site] language`), the language of the vendor's originals.",
    "site.paper": "`A4` or `Letter`: the paper size of the partner's locale, for print CSS.",
    "legal": "The vendor's legal line in the partner's language where the vendor gave one.",
    "legal.text": "The legal line's text.",
    "legal.lang": "Its language, where it is not the page's (else none): put it in a `lang` attribute.",
    "legal.dir": "`rtl` or `ltr` where its direction is not the page's (else none): a `dir` attribute.",
    "lang": "The partner's locale (`en-GB`): the page's `lang`.",
    "dir": "`ltr` or `rtl`: the page's text direction.",
    "ui_lang": "The language of the theme's strings where it is not the page's (no catalogue for the "
               "partner's language), else none: `<body lang>`.",
    "ui_dir": "The direction of the theme's strings.",
    "ui_lang_attrs": "` lang=\"…\" dir=\"…\"` of `ui_lang` and `ui_dir` for `<body>` where the theme's strings are not "
                     "in the page's language, else empty: printed whole (`<body{{ ui_lang_attrs }}>`), it keeps "
                     "the page one shape for partners with and without it, where `{% if ui_lang %}` makes two "
                     "(docs/internals.md, skeleton rendering).",
    "own_lang_attrs": "` lang=\"…\" dir=\"…\"` of `lang` and `dir`, for the partner's own text (intro, closing, "
                      "call to action) on a page whose `<body>` has `ui_lang_attrs`; else empty.",
    "vendor": "The vendor.",
    "vendor.name": "The vendor's name.",
    "vendor.website": "The vendor's website.",
    "vendor.legal": "The vendor's legal line as written in `cobrand.toml` (pages show `legal`).",
    "vendor.logo": "Site path of the vendor's logo as published.",
    "vendor.logo_ratio": "The vendor logo's width over its height.",
    "partner": "The partner, every value escaped as data (never markup).",
    "partner.name": "The partner's name.",
    "partner.name_run": "The name to place inside a sentence: isolated (`<bdi>`) on right-to-left pages.",
    "partner.vendor_name_run": "The vendor's name to place inside a sentence, isolated likewise.",
    "partner.slug": "The partner's slug (its folder name).",
    "partner.tier": "The partner's tier.",
    "partner.website": "The partner's website, if given.",
    "partner.email": "`[contact] email`, if given.",
    "partner.phone": "`[contact] phone`, if given.",
    "partner.phone_uri": "The phone number as a `tel:` link.",
    "partner.address": "`[contact] address`, if given.",
    "partner.intro": "The `intro` personalisation field, resolved (see `personalize`).",
    "partner.cta_label": "The call to action's label (`cta_label`, else \"Contact us\").",
    "partner.cta_url": "The call to action's link (`cta_url`, else `mailto:` the partner's e-mail, else its "
                       "website).",
    "partner.closing": "The `closing` personalisation field, resolved.",
    "partner.logo": "Site path of the partner's logo as published.",
    "partner.logo_ratio": "The partner logo's width over its height.",
    "partner.logo_files": "The sized logo files and favicons (`png_1x`, `png_2x`, `webp_1x`, `webp_2x`, "
                          "`favicon`, `touch_icon`, `svg`, `hero`, `height`), when images are made; else none.",
    "personalize": "Every personalisation field of `cobrand.toml` `[personalize]` by name: the partner's "
                   "value, else the field's default.",
    "brand_css": "A `:root{...}` rule (markup) of CSS custom properties: the partner's and the vendor's "
                 "palettes (`--partner-primary`, ...) and the `[brand]` lockup rules.",
    "lockup": "Logo sizes computed from the `[brand]` rules (`src/cobrand/brand/lockup.py`).",
    "lockup.masthead": "The site's masthead, in CSS px: `partner_width`, `partner_height`, `vendor_width`, "
                       "`vendor_height`, `gap`.",
    "lockup.masthead.partner_width": "Partner logo width, CSS px.",
    "lockup.masthead.partner_height": "Partner logo height, CSS px.",
    "lockup.masthead.vendor_width": "Vendor logo width, CSS px.",
    "lockup.masthead.vendor_height": "Vendor logo height, CSS px.",
    "lockup.masthead.gap": "Space between the two logos, CSS px.",
    "lockup.masthead.phone_scale": "How much the masthead shrinks on phones (never below the brand's "
                                   "minimum logo height).",
    "lockup.hero": "The home page's card, in CSS px (the same keys as `lockup.masthead` but "
                   "`phone_scale`).",
    "lockup.hero.partner_width": "Partner logo width, CSS px.",
    "lockup.hero.partner_height": "Partner logo height, CSS px.",
    "lockup.hero.vendor_width": "Vendor logo width, CSS px.",
    "lockup.hero.vendor_height": "Vendor logo height, CSS px.",
    "lockup.hero.gap": "Space between the two logos, CSS px.",
    "lockup.print": "The PDF header, in mm (the same keys as `lockup.hero`).",
    "lockup.print.partner_width": "Partner logo width, mm.",
    "lockup.print.partner_height": "Partner logo height, mm.",
    "lockup.print.vendor_width": "Vendor logo width, mm.",
    "lockup.print.vendor_height": "Vendor logo height, mm.",
    "lockup.print.gap": "Space between the two logos, mm.",
    "lockup.partner_ratio": "The partner logo's visible (trimmed) width over height.",
    "lockup.vendor_ratio": "The vendor logo's visible (trimmed) width over height.",
    "lockup.vendor_logo": "Site path of the trimmed vendor logo the lockups show.",
    "palette": "The partner's accessible palette: `primary`, `accent` (the exact brand colours), `text`, "
               "`on_primary`, `button`, `on_button` (each reaching WCAG AA where text sits on it).",
    "posts": "The partner's blog posts, newest first: a list of item views (below).",
    "one_pagers": "The partner's one-pagers, newest first: item views.",
    "media": "The partner's videos and podcasts, newest first: item views.",
    "social": "The partner's social posts, newest first: item views.",
    "kit_zip": "Site path of the partner's kit zip.",
    "social_csv": "Site path of the scheduling CSV of each network, by network name, when the partner gets "
                  "social posts.",
    "home_url": "The partner's home page, absolute (from `base_url`); on hub pages empty (the hub links "
                "relatively: its address is not assumed).",
    "site_url": "On hub pages: the partner's public home page, absolute (from `base_url`); hub pages link "
                "to public pages as `site_url ~ item.path`.",
    "hub_nav": "On hub pages: which optional pages the hub's menu links, `social` and `email` (true or false).",
    "hub_nav.social": "The partner gets social posts: the hub has `social.html`.",
    "hub_nav.email": "The partner gets newsletter e-mails: the hub has `email/index.html`.",
    "hub": "On hub pages: the partner's program, what's new and what expires soon "
           "(`cobrand.program.hub_view`: tier, tiers, benefits, counts, next_tier, new, expiring, ...; see "
           "the default theme's `hub/index.html` and `hub/new.html`).",
    "build_date": "The build's date (a `datetime.date`; `SOURCE_DATE_EPOCH` sets it).",
    "preview": "What a preview build shows beside published items (`drafts`, `future`); empty in a "
               "normal build. Preview pages say so and are `noindex`.",
    "og_image": "Site path of the page's Open Graph image: its item's card, else the partner's.",
    "item": "On an item's page: the item's view (below).",
    # --- the page --------------------------------------------------------------------------------------
    "page": "The page being rendered.",
    "page.path": "Its site path (`blog/five-signs.html`).",
    "page.folder": "Its folder (`blog`, or empty at the root): relative links depend on it alone.",
    "page.section": "The first part of its path (`blog`, `index.html`).",
    "page.is_404": "True on the 404 page (whose links are absolute).",
    "page.title": "Its title: the item's (filled for the partner) or the page's own.",
    "page.description": "Its description: the item's summary, or the page's own.",
    "page.url": "Its absolute URL.",
    "page.canonical": "Its canonical URL: its own, or the vendor's original (`[site] canonical = \"vendor\"`).",
    "page.og_image": "As `og_image`.",
    # --- an item's view --------------------------------------------------------------------------------
    "item.key": "The item's key: its kind's folder and slug (`blog/five-signs`).",
    "item.variant_id": "Which language variant of the item this is (the key, and the language of a "
                       "translation).",
    "item.kind": "Its kind's folder name (`blog`, `one-pagers`, `media`, `social`, or a plugin's).",
    "item.slug": "Its slug.",
    "item.lang": "The translation's language, when the item is a translation; else none.",
    "item.foreign_lang": "Its language where it is not the page's (an untranslated original), else none: "
                         "the item's container's `lang`.",
    "item.foreign_dir": "Its direction where it is not the page's, else none.",
    "item.vendor_canonical": "The vendor's original (`canonical_url` in front matter) when `[site] canonical = "
                             "\"vendor\"`, else none.",
    "item.title": "Its title, tokens filled for the partner.",
    "item.date": "Its date (a `datetime.date`).",
    "item.date_display": "Its date written for the partner's locale.",
    "item.path": "Site path of its page (none for a social post).",
    "item.canonical": "Absolute URL of its page (none for a social post).",
    "item.personalize": "Personalisation fields resolved for this item (the partner's per-item overrides "
                        "first).",
    "item.summary": "Its summary, tokens filled.",
    "item.author": "Its author, if given.",
    "item.tags": "Its tags.",
    "item.body": "Its body as HTML (tokens filled), made when printed.",
    "item.reading_minutes": "Minutes to read it.",
    "item.pdf_path": "Site path of its PDF on the public site (beside its page) when it has one and PDFs "
                     "are linked, else none.",
    "item.kit_pdf_path": "Hub path of the kit's copy of its PDF (`kit/<slug>.pdf`), else none.",
    "item.press_path": "Hub path of its press-ready PDF in the kit (`[print] press`), else none.",
    "item.og_image": "Site path of its Open Graph card, when images are made.",
    "item.subtitle": "A one-pager's subtitle, tokens filled.",
    "item.print_url": "The tracked URL its printed sheet's QR code opens.",
    "item.qr_svg": "`item.qr_svg(title)`: an inline SVG QR code of `print_url`, titled for its alternative "
                   "text.",
    "item.thumbnail": "A one-pager's PDF first page as an image (`png`, `webp`, `width`, `height`), when PDFs "
                      "are made; else none.",
    "item.media_kind": "`video` or `podcast`.",
    "item.duration": "Its duration as written (`12:30`).",
    "item.embed": "What its page plays: `provider`, `url` (the player, loaded on click) and `watch`, or "
                  "`audio`, `type` and `format` for an audio file of the site.",
    "item.publish_date": "A social post's first day in the scheduler (not before the page it promotes).",
    "item.headline": "A social post's `headline`, tokens filled, if given.",
    "item.image_text": "What each network's image shows, by network: the headline, else the text's first line.",
    "item.hashtags": "A social post's hashtags, without `#`.",
    "item.link_path": "Site path of the page a social post promotes, if any.",
    "item.variants": "Each network's post as published (text, tracked link, hashtags), by network name.",
    "item.messages": "Each network's post without its link, by network name.",
    "item.urls": "Each network's tracked link, by network name (none without a link).",
    "item.share": "Each network's share dialog URL, by network name, when the post links a page.",
    "item.images": "Site path of each network's co-branded image, by network name, when images are made.",
    "item.previews": "Each network image's resized preview (`png`, `webp`, `width`, `height`), by network.",
    # --- globals ---------------------------------------------------------------------------------------
    "url": "`url('site/path')`: a link to a page or file of the partner's site, relative to the page.",
    "networks": "The social networks by name, in their order (`src/cobrand/networks.py`): "
                "`networks[name].label`, `.limit`, `.image_size`.",
    "_": "`_('text')`: the theme's string in the page's language (gettext).",
}


class _Noting:
    """The full page renderer, noting what each page is given."""

    mode = "full"  # what the renderer's providers ask of the page engine (render/engine/renderers.py)

    def __init__(self) -> None:
        self.full = FullRenderer()
        self.requests: list[PageRequest] = []

    def render(self, request: PageRequest) -> str:
        self.requests.append(request)
        return self.full.render(request)

    def switch_language(self, language: str) -> None:
        self.full.switch_language(language)


def _names(prefix: str, value: Any, into: set[str]) -> None:
    """``prefix`` and, for a dict of fixed keys, ``prefix.key`` for each key, recursively."""
    into.add(prefix)
    if isinstance(value, Mapping) and prefix not in MAPPINGS:
        for key, inner in value.items():
            _names(f"{prefix}.{key}", inner, into)


def _render_pages(renderer: PartnerRenderer, partner: Partner) -> None:
    """Make every HTML page of ``partner`` (and what a page needs made first)."""
    jobs = {job.path: job for job in renderer.jobs(partner)}
    made: dict[str, bytes] = {}

    def resolve(path: str) -> bytes:
        if path not in made:
            made[path] = jobs[path].make(resolve)
        return made[path]

    for path in jobs:
        if path.endswith(".html"):
            resolve(path)


def observe(project_dir: Path = ROOT) -> tuple[set[str], set[str], dict[str, set[str]], set[str]]:
    """Render every page of the project's partners: the context's names, the page's, each item key
    with the kinds whose views have it, and the globals."""
    project, _ = load_and_check(project_dir, environ=ENVIRON)
    renderer = PartnerRenderer(project, pdfs=False, images=True, pdf_links=True)
    noting = _Noting()
    renderer.pages = noting
    for partner in project.partners:
        _render_pages(renderer, partner)
    context: set[str] = set()
    page: set[str] = {"page"}
    items: dict[str, set[str]] = defaultdict(set)
    for request in noting.requests:
        views: list[dict[str, Any]] = []
        for name, value in request.data.items():
            if name == "item":
                context.add("item")
                views.append(value)
            else:
                _names(name, value, context)
            if name in {"posts", "one_pagers", "media", "social"}:
                views += list(value)
        for name in (*request.place, *request.page_values):
            page.add(f"page.{name}")
        for view in views:
            for name in view:
                items[f"item.{name}"].add(view["kind"])
    globals_ = {name for name in renderer.env.globals if name not in JINJA_GLOBALS}
    return context, page, dict(items), globals_


def _rows(names: Iterable[str], extra: dict[str, str] | None = None) -> list[str]:
    rows = []
    for name in sorted(names, key=lambda n: n.split(".")):
        what = DESCRIPTIONS.get(name, "**not described**: add it to scripts/gen_template_context.py")
        rows.append(f"| `{name}` | {what} |" if extra is None else f"| `{name}` | {extra[name]} | {what} |")
    return rows


def generate(project_dir: Path = ROOT) -> str:
    """The text of docs/templates.md."""
    context, page, items, globals_ = observe(project_dir)
    kinds = {name: ", ".join(sorted(found)) for name, found in items.items()}
    lines = [
        "# Template context reference",
        "",
        "<!-- Generated by scripts/gen_template_context.py from what the example's pages are given; "
        "do not edit. -->",
        "",
        "Every value a theme's page templates see. A vendor theme (`themes/<name>/templates/`) reads",
        "them as Jinja2 names; values are data, escaped when printed unless they are markup (`body`,",
        "`brand_css`). On these dicts `a.b` reads the key `b` before any attribute. Templates that read",
        "a value are re-rendered when the inputs behind it change (see [internals](internals.md)).",
        "The keys of `cobrand.toml`, `partner.toml` and front matter are in the [reference](reference.md).",
        "",
        "## Every page",
        "",
        "The partner's data, the same on all its pages (`og_image` and `item` depend on the page).",
        "",
        "| name | what it is |",
        "|---|---|",
        *_rows(context),
        "",
        "## The page",
        "",
        "| name | what it is |",
        "|---|---|",
        *_rows(page),
        "",
        "## An item's view",
        "",
        "`item` on an item's page, and each entry of `posts`, `one_pagers`, `media` and `social`. A",
        "plugin's kind has the values of the built-in kind it resembles, and what the plugin adds",
        "([plugins](plugins.md)).",
        "",
        "| name | kinds | what it is |",
        "|---|---|---|",
        *_rows(items, kinds),
        "",
        "## Functions and globals",
        "",
        "Besides Jinja2's own (`range`, `dict`, `namespace`, ...) and gettext's (`gettext`, `ngettext`,",
        "`pgettext`, `npgettext`):",
        "",
        "| name | what it is |",
        "|---|---|",
        *_rows(globals_),
        "",
        "## Print templates",
        "",
        "`print/one-pager.html`, which WeasyPrint makes a one-pager's PDF from, sees the names of every",
        "page with `item` (the one-pager's view) and `page` (`path`, `folder`, `section`, `is_404` only),",
        "and `files` (`partner_logo`, `vendor_logo`: URLs of both logos trimmed for print) and",
        "`direction_of(text)` (`ltr` or `rtl`).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Write docs/templates.md (or, with ``--check``, exit 1 when it differs from what would be written)."""
    text = generate()
    if "--check" in argv:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run .venv/bin/python scripts/gen_template_context.py")
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
