"""Newsletter e-mails: each blog post a partner gets, as HTML to paste into an e-mail tool, and as plain text.

An e-mail is read far from the partner's site, in clients that drop
stylesheets, scripts, SVG and relative URLs, so it is made for them:

* a table layout 600 px wide at most and fluid below (phones), its CSS inlined
  into ``style`` attributes by css-inline (no ``<style>``, ``<link>`` or
  ``<script>`` is left);
* the partner's lockup as PNG files of its public site (the masthead's sizes,
  brand/lockup.py), the partner's colours (brand/palette.py's AA palette), the
  vendor's legal line;
* the post as the public page shows it: the item's filled view
  (render/context.py), so tokens are filled once, the same way; its body made
  e-mail-safe by :func:`email_body`;
* every link absolute and tagged ``utm_medium=email`` (tracking.email_url):
  links to the partner's site, to the vendor's (as the site tags them, with
  the partner as source) and to third parties alike. ``mailto:`` and ``tel:``
  links (the partner's contact) cannot carry parameters and stay as they are.

The plain-text alternative (render/plaintext.py) has the same text with every
link listed. Both are pure functions of the partner's views: same inputs, same
bytes.
"""

from __future__ import annotations

import functools
import html
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlparse, urlsplit

from jinja2 import Environment
from lxml import html as lxml_html
from markupsafe import Markup
from PIL import Image

from ..brand.trim import trimmed_png
from ..cache import digest
from ..jobs import Job
from ..models import ContentItem, Logo, Partner, Project
from ..plan import PartnerPlan
from ..tracking import email_url
from .context import PartnerViews, build_views, partner_url
from .engine.renderers import RenderMismatchError, first_difference
from .plaintext import BlockMemo, LinkList, display_width, html_to_text, wrap

EMAIL_FOLDER = "email"
EMAIL_WIDTH = 600  # px: the width e-mail clients and tools are made for
GUTTER = 32  # px of padding each side of the content, at 600 px
VENDOR_LOGO_HEIGHT = 128  # px of the vendor's PNG: twice the highest the masthead shows it
LINK_SCHEMES = ("http", "https")
KEPT_SCHEMES = ("mailto", "tel")  # the partner's contact: no parameters to add
# Elements that do nothing in an e-mail client (forms) or hide text until clicked (details).
FORM_TAGS = frozenset({"form", "fieldset"})
INPUT_TAGS = frozenset({"input", "button", "select", "option", "textarea", "label", "legend"})
PREHEADER_PAD = "\u200c\u00a0" * 40  # keeps clients from filling the inbox preview with the e-mail's first words


# Font stacks without quotes (they sit in a <style> that is autoescaped): system fonts first.
FONTS = "-apple-system, BlinkMacSystemFont, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
LANGUAGE_FONTS = {
    "ja": "Hiragino Sans, Hiragino Kaku Gothic ProN, Yu Gothic, Meiryo, Noto Sans CJK JP, ",
    "zh": "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, ",
    "ko": "Apple SD Gothic Neo, Malgun Gothic, Noto Sans CJK KR, ",
    "ar": "Geeza Pro, Noto Sans Arabic, Tahoma, ",
    "he": "Arial Hebrew, Noto Sans Hebrew, ",
}


def email_fonts(locale: str) -> str:
    """The font stack of e-mails in ``locale``: the language's system fonts, then the Latin ones."""
    return LANGUAGE_FONTS.get(locale.split("-")[0].lower(), "") + FONTS


def email_paths(slug: str) -> tuple[str, str]:
    """Hub paths of a post's HTML e-mail and its plain-text alternative."""
    return f"{EMAIL_FOLDER}/{slug}.html", f"{EMAIL_FOLDER}/{slug}.txt"


def vendor_logo_png_path(logo: Logo) -> str:
    """Public-site path of the vendor logo as a PNG for e-mails (clients do not show SVG)."""
    return f"static/logo/vendor-{logo.digest[:10]}-{VENDOR_LOGO_HEIGHT}h.png"


def vendor_logo_png(logo: Logo) -> bytes:
    """The vendor logo trimmed to its ink, as a PNG at most :data:`VENDOR_LOGO_HEIGHT` pixels high."""
    return trimmed_png(logo, VENDOR_LOGO_HEIGHT)


def vendor_logo_job(project: Project, site_key: str) -> Job:
    """The public site's job for the vendor logo PNG that e-mails show (the same file for every partner)."""
    path = vendor_logo_png_path(project.vendor.logo)
    logo = project.vendor.logo
    # Drawn once for the renderer's life, not once per partner: where no cache store has it yet (a Dask
    # worker, the first partners of a build) every partner's job would draw the same PNG again.
    drawn = functools.cache(lambda: vendor_logo_png(logo))
    return Job(path, digest(site_key, path), lambda _: drawn(), costly=True)


@functools.lru_cache(maxsize=256)
def _image_size(data: bytes) -> tuple[int, int] | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


@dataclass(frozen=True)
class Links:
    """How links and images of one e-mail are written: absolute, and links tagged for e-mail."""

    page_url: str  # the post on the partner's public site: relative addresses are resolved against it
    home_url: str  # the partner's public site (base_url)
    source: str
    campaign: str
    enabled: bool = True  # [tracking] enabled

    def absolute(self, url: str) -> str:
        """``url`` resolved against the post's public page."""
        url = url.strip()
        joined = _joined_alone(urlsplit(self.page_url).scheme, url)
        return urljoin(self.page_url, url) if joined is None else joined

    def href(self, url: str) -> str | None:
        """What a link to ``url`` points at in the e-mail: absolute and tagged; None for a scheme it cannot use."""
        target = self.absolute(url)
        scheme = urlsplit(target).scheme.lower()
        if scheme in KEPT_SCHEMES:
            return target
        if scheme not in LINK_SCHEMES:
            return None
        return email_url(target, self.source, self.campaign) if self.enabled else target

    def site_path(self, url: str) -> str | None:
        """The public-site path of an absolute ``url`` of the partner's site, else None."""
        return url[len(self.home_url):] if url.startswith(self.home_url) else None


# Every partner's e-mail of a post links to the same vendor and third-party pages; only the partner's own
# links (relative ones) are resolved against its page.
@functools.lru_cache(maxsize=4096)
def _joined_alone(base_scheme: str, url: str) -> str | None:
    """``urljoin(base, url)`` for every base of scheme ``base_scheme`` (http or https), when that is all of the
    base it reads: ``url`` has another scheme, or one without relative URLs, or a host of its own. Else None."""
    if base_scheme not in LINK_SCHEMES or not url:
        return None
    parts = urlparse(url, base_scheme)
    if parts.scheme == base_scheme and not parts.netloc:
        return None  # resolved against the base's host and path (http and https have relative URLs and hosts)
    return urljoin(f"{base_scheme}://base.invalid/", url)


def _replace(element: lxml_html.HtmlElement, new: lxml_html.HtmlElement) -> None:
    new.tail = element.tail
    parent = element.getparent()
    assert parent is not None
    parent.replace(element, new)


def _unwrap(element: lxml_html.HtmlElement) -> None:
    """Keep the element's text and children in its place, without the element itself."""
    element.drop_tag()


def _link_paragraph(url: str | None, text: str) -> lxml_html.HtmlElement:
    paragraph = lxml_html.Element("p")
    paragraph.set("class", "embed")
    if url:
        link = lxml_html.Element("a")
        link.set("href", url)
        link.text = text
        paragraph.append(link)
    else:
        paragraph.text = text
    return paragraph


def email_body(body: str, links: Links, images: Mapping[str, bytes], fallback_alt: str, read_online: str) -> Markup:
    """The sanitised body HTML of a post made fit for e-mail clients.

    Relative links and images become absolute (the partner's public site), links are tagged for
    e-mail, a click-to-load player becomes a link to the post's page (where it plays), forms
    (which no client submits) a link there too; images get a width of at most 600 px from their file
    in ``images`` (site path to bytes), and alt text (``fallback_alt`` where the author gave none).
    """
    if not body.strip():
        return Markup("")
    root = lxml_html.fragment_fromstring(body, create_parent="div")
    page = links.href(links.page_url)
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element is root:
            continue
        tag = element.tag
        if tag == "div" and (element.get("data-embed") is not None or "player" in (element.get("class") or "")):
            label = " ".join(element.text_content().split())
            start = element.find(".//*[@class='player__label']")
            if start is not None:
                label = " ".join(start.text_content().split()).removeprefix("Load: ")
            _replace(element, _link_paragraph(page, "\u25b6 " + (label or read_online)))
        elif tag == "iframe":
            _replace(element, _link_paragraph(page, "\u25b6 " + (element.get("title") or read_online)))
        elif tag in FORM_TAGS:
            _replace(element, _link_paragraph(page, read_online))
        elif tag in INPUT_TAGS:
            if element.getparent() is not None:
                element.drop_tree()
        elif tag == "details":
            element.tag = "div"
        elif tag == "summary":
            element.tag = "p"
            element.set("class", "summary")
        elif tag == "a":
            target = links.href(element.get("href") or "")
            if target is None:
                _unwrap(element)
            else:
                element.set("href", target)
        elif tag == "img":
            _email_image(element, links, images, fallback_alt)
    inner = (html.escape(root.text) if root.text else "") + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in root)
    return Markup(inner)


def _email_image(element: lxml_html.HtmlElement, links: Links, images: Mapping[str, bytes],
                 fallback_alt: str) -> None:
    src = links.absolute(element.get("src") or "")
    element.set("src", src)
    if not (element.get("alt") or "").strip():
        element.set("alt", fallback_alt)
    path = links.site_path(src)
    data = images.get(path) if path is not None else None
    size = _image_size(data) if data is not None else None
    width, height = size or (_int(element.get("width")), _int(element.get("height")))
    if not width:
        width = EMAIL_WIDTH - 2 * GUTTER
    shown = min(width, EMAIL_WIDTH - 2 * GUTTER)
    element.set("width", str(shown))
    # Fluid below its width, also while a client blocks images (a broken image keeps its width attribute).
    element.set("style", f"width: 100%; max-width: {shown}px; height: auto;")
    if height:
        element.set("height", str(round(height * shown / width)))
    elif "height" in element.attrib:
        del element.attrib["height"]
    element.attrib.pop("loading", None)


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


@dataclass(frozen=True)
class EmailLogos:
    """The lockup of a partner's e-mails: absolute URLs of PNG logos on its public site, and their sizes."""

    partner: str | None  # None without generated images (``--no-images``): the name shows instead
    vendor: str | None
    partner_width: int
    partner_height: int
    vendor_width: int
    vendor_height: int


def email_logos(project: Project, partner: Partner, views: PartnerViews) -> EmailLogos:
    """The partner's e-mail lockup: the masthead's sizes (brand/lockup.py), the files at twice them."""
    sizes = views.common["lockup"]["masthead"]
    files = views.common["partner"]["logo_files"]
    partner_png = partner_url(project, partner, files.png_2x) if files else None
    vendor_png = partner_url(project, partner, vendor_logo_png_path(project.vendor.logo)) if files else None
    return EmailLogos(partner_png, vendor_png, round(sizes["partner_width"]), round(sizes["partner_height"]),
                      round(sizes["vendor_width"]), round(sizes["vendor_height"]))


class NewsletterRenderer:
    """Renders one partner's e-mails with the theme's ``email/`` templates.

    ``translate`` switches the theme's strings to the partner's language before a template runs
    (the environment is shared by all partners, one at a time). ``memo`` keeps the plain text's laid-out
    blocks across partners (one per build process); with ``verify`` every plain text is also made without
    it, and a difference fails the e-mail (``COBRAND_RENDER=verify``).
    """

    def __init__(self, env: Environment, project: Project, translate: Callable[[Partner], None],
                 memo: BlockMemo | None = None, verify: bool = False) -> None:
        self.env = env
        self.project = project
        self.translate = translate
        self.memo = memo
        self.verify = verify
        self._inliner: Any = None
        # A post's e-mail body and context, made for its HTML e-mail and read again for its plain text.
        self._bodies: dict[tuple[str, Links, str, str], Markup] = {}
        self._contexts: dict[str, tuple[dict[str, Any], Links]] = {}

    def _inline(self, document: str) -> str:
        """``document`` with its stylesheet moved into style attributes; nothing is fetched."""
        if self._inliner is None:
            # Imported when the first e-mail is made: a site build without e-mails never loads it.
            import css_inline

            self._inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False,
                                                  keep_link_tags=False)
        return str(self._inliner.inline(document))

    def _strings(self) -> Callable[..., Any]:
        return self.env.globals["_"]  # type: ignore[return-value]

    def _context(self, partner: Partner, views: PartnerViews, item_key: str) -> tuple[dict[str, Any], Links]:
        """The post's template context (a copy: the caller adds to it) and how its links are written."""
        if item_key not in self._contexts:
            self._contexts.clear()  # the two files of one post are made one after the other
            self._contexts[item_key] = self._make_context(partner, views, item_key)
        context, links = self._contexts[item_key]
        return dict(context), links

    def _make_context(self, partner: Partner, views: PartnerViews, item_key: str) -> tuple[dict[str, Any], Links]:
        common = views.common
        item = views.items[item_key]
        config = self.project.config.tracking
        links = Links(item["canonical"], common["home_url"], views.tracking.source, item["slug"], config.enabled)
        partner_view = common["partner"]
        cta = links.href(partner_view["cta_url"]) if partner_view["cta_url"] else None
        context = common | {
            "item": item,
            "post_url": links.href(item["canonical"]),
            "home_link": links.href(common["home_url"]),
            "vendor_link": links.href(common["vendor"]["website"]),
            "website_link": links.href(partner_view["website"]) if partner_view["website"] else None,
            "cta_link": cta,
            "logos": email_logos(self.project, partner, views),
            "width": EMAIL_WIDTH,
            "gutter": GUTTER,
            "align": "right" if common["dir"] == "rtl" else "left",
            "fonts": email_fonts(common["lang"]),
        }
        return context, links

    def html(self, partner: Partner, views: PartnerViews, item_key: str, images: Mapping[str, bytes]) -> bytes:
        """The HTML e-mail of the post ``item_key``, CSS inlined, as UTF-8 bytes."""
        self.translate(partner)
        context, links = self._context(partner, views, item_key)
        item = context["item"]
        context["body"] = self._body(item, links, images)
        context["preheader"] = (item.get("summary") or item["title"]) + PREHEADER_PAD
        document = self.env.get_template("email/post.html").render(context)
        return self._inline(document).encode("utf-8")

    def _body(self, item: dict[str, Any], links: Links, images: Mapping[str, bytes]) -> Markup:
        body, read_online = str(item["body"]), str(self._strings()("Read online"))
        key = (body, links, str(item["title"]), read_online)
        if key not in self._bodies:
            self._bodies.clear()  # the two files of one post are made one after the other
            self._bodies[key] = email_body(body, links, images, item["title"], read_online)
        return self._bodies[key]

    def text(self, partner: Partner, views: PartnerViews, item_key: str, images: Mapping[str, bytes]) -> bytes:
        """The plain-text alternative of the post ``item_key``: wrapped text, links listed at the end."""
        self.translate(partner)
        context, links = self._context(partner, views, item_key)
        item = context["item"]
        listed = LinkList()
        # From the e-mail's body: the same links (players and forms made links to the post), already tracked.
        fragment = str(self._body(item, links, images))
        body = html_to_text(fragment, listed, _same, self.memo)
        if self.verify and self.memo is not None:
            alone = LinkList()
            full = html_to_text(fragment, alone, _same)
            if (body, listed.urls) != (full, alone.urls):
                line, want, got = first_difference(full + "\n" + "\n".join(alone.urls),
                                                   body + "\n" + "\n".join(listed.urls))
                raise RenderMismatchError(
                    f"verify: partner {partner.slug}, e-mail {email_paths(item['slug'])[1]}: the memoised plain text "
                    f"differs from the one made alone at line {line}\n  alone: {want!r}\n  memo: {got!r}")
        context |= {"body_text": body, "wrap": lambda text, indent="": "\n".join(wrap(str(text), indent=indent)),
                    "underline": lambda text, mark="=": mark * max(display_width(line) for line in wrap(str(text))),
                    "cite": listed.number, "links": listed.urls}
        # The template is autoescaped like every theme template; unescaping its output once gives the text
        # back exactly (every value and translation was escaped once).
        document = self.env.get_template("email/post.txt").render(context)
        return html.unescape(document).encode("utf-8")


def post_items(plan: PartnerPlan) -> list[ContentItem]:
    """The blog posts the partner's public site shows, in its order: the posts it gets e-mails for."""
    return list(plan.posts)


def email_jobs(renderer: NewsletterRenderer, partner: Partner, posts: Sequence[ContentItem], views: PartnerViews,
               base: str, item_keys: Mapping[str, str], images: Mapping[str, bytes], prefix: str = "") -> list[Job]:
    """A job for each of ``posts``' HTML e-mail and plain text, keyed on the partner (``base``) and the post alone.

    ``item_keys`` are the items' keys by variant id (their text and assets); editing a post makes only its
    own two files again. ``images`` are the content files by site path, for the body images' sizes.
    ``prefix`` starts every job's path (:data:`cobrand.jobs.HUB` for the hub's copies).
    """
    jobs = []
    partner_half = base[:32]
    for item in posts:
        html_path, text_path = email_paths(item.slug)
        # A key is compared only with the one recorded for the same path, so halves of the partner's key and
        # the post's name both inputs, as pages' keys do, with no digest per file.
        key = partner_half + item_keys[item.variant_id][:32]
        items = (item.key,)
        jobs.append(Job(prefix + html_path, key,
                        functools.partial(_make_html, renderer, partner, views, item.key, images), items=items))
        jobs.append(Job(prefix + text_path, key,
                        functools.partial(_make_text, renderer, partner, views, item.key, images), items=items))
    return jobs


def _make_html(renderer: NewsletterRenderer, partner: Partner, views: PartnerViews, key: str,
               images: Mapping[str, bytes], _: Any) -> bytes:
    return renderer.html(partner, views, key, images)


def _make_text(renderer: NewsletterRenderer, partner: Partner, views: PartnerViews, key: str,
               images: Mapping[str, bytes], _: Any) -> bytes:
    return renderer.text(partner, views, key, images)


def _same(url: str) -> str:
    return url


def render_emails(project: Project, partner: Partner, images: bool = True, memo: BlockMemo | None = None,
                  verify: bool = False) -> dict[str, bytes]:
    """Every e-mail file of ``partner`` by hub path, made on their own (a build makes them as hub jobs,
    sharing the theme with the partner's other outputs): for checks and tools that want the e-mails alone.

    ``images`` says whether the public site has its generated logo files (a build without ``--no-images``);
    ``memo`` and ``verify`` are the build's (:class:`NewsletterRenderer`).
    """
    from ..plan import Planner
    from ..tokens import TokenFiller
    from .i18n import catalogue_language, for_locale, install_translations, load_translations
    from .output_plan import OutputOptions, OutputPlan
    from .site import theme_environment

    env = theme_environment(project.theme)
    languages = load_translations(project.theme)

    def translate(who: Partner) -> None:
        install_translations(env, for_locale(languages, who.data.locale))

    plan = Planner(project).plan(partner)
    ui_language = None if catalogue_language(languages, partner.data.locale) else project.config.site.language
    options = OutputOptions(pdfs=False, images=images, press=False,
                            min_logo_height=project.config.brand.min_logo_height_px)
    views = build_views(project, plan, TokenFiller(), ui_language=ui_language,
                        outputs=OutputPlan.of(project, plan, options))
    assets = {path: (project.root / "content" / path).read_bytes() for item in plan.posts for path in item.assets}
    item_keys = {item.variant_id: item.digest for item in plan.posts}
    jobs = email_jobs(NewsletterRenderer(env, project, translate, memo, verify), partner, post_items(plan), views, "",
                      item_keys, assets)
    return {job.path: job.make(_no_resolve) for job in jobs}


def _no_resolve(path: str) -> bytes:
    raise KeyError(path)  # e-mails are made from views, never from other outputs
