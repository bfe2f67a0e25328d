"""Machine-read files of a partner site: Atom feed, sitemap and robots.txt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from ..cache import digest
from ..jobs import Job
from ..languages import foreign_language
from ..models import Partner, Project
from ..plan import PartnerPlan
from .context import partner_url
from .crawlers import vendor_copies
from .crawlers import xml_escape as escape
from .outputs import OutputRequest

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def atom_feed(project: Project, plan: PartnerPlan, views: Mapping[str, Mapping[str, Any]]) -> bytes:
    """An Atom feed of the partner's posts, one-pagers and media, newest first.

    The feed says it is in the partner's language (``xml:lang``, RFC 4287 section 2); an entry in
    another language (an original the partner's language has no translation of) says which.
    ``views`` are the partner's item views by key: titles and summaries as filled for the partner.
    """
    partner = plan.partner
    items = sorted(plan.pages, key=lambda item: (item.meta.date, item.slug), reverse=True)
    home = partner_url(project, partner)
    updated = max((item.meta.date for item in items), default=project.today)
    locale = partner.data.locale
    lines = [f'<feed xmlns="{ATOM}" xml:lang="{escape(locale, _ATTRIBUTE_ENTITIES)}">',
             _element(1, "title", f"{partner.name}: {project.config.site.title}"),
             _element(1, "id", home),
             _element(1, "updated", _timestamp(updated)),
             _link(1, href=home),
             _link(1, rel="self", href=partner_url(project, partner, "feed.xml")),
             "  <author>", _element(2, "name", partner.name), "  </author>"]
    for item in items:
        assert item.page_path is not None
        url = partner_url(project, partner, item.page_path)
        # Originals are in the site's language, a translation in its own.
        other = foreign_language(item.lang or project.config.site.language, locale)
        opening = f'  <entry xml:lang="{escape(other, _ATTRIBUTE_ENTITIES)}">' if other else "  <entry>"
        view = views[item.key]
        lines += [opening,
                  _element(2, "title", view["title"]),
                  _element(2, "id", url),
                  _link(2, href=url),
                  _element(2, "updated", _timestamp(item.meta.date)),
                  _element(2, "summary", view.get("summary") or ""),
                  "  </entry>"]
    return _document(lines, "</feed>")


def sitemap(project: Project, partner: Partner, paths: list[str]) -> bytes:
    """sitemap.xml listing every HTML page of the partner's site but the 404 page."""
    lines = [f'<urlset xmlns="{SITEMAP}">']
    for path in sorted(paths):
        lines += ["  <url>", _element(2, "loc", partner_url(project, partner, path)), "  </url>"]
    return _document(lines, "</urlset>")


# The feed and sitemap are written as ElementTree wrote them, indented, with its escaping, but
# without building a tree: ElementTree's serialiser made thousands of small writes per partner,
# a twentieth of a full build.
_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


def _element(depth: int, tag: str, text: str) -> str:
    indent = "  " * depth
    return f"{indent}<{tag}>{escape(text)}</{tag}>" if text else f"{indent}<{tag} />"


def _link(depth: int, **attributes: str) -> str:
    values = " ".join(f'{name}="{escape(value, _ATTRIBUTE_ENTITIES)}"' for name, value in attributes.items())
    return f"{'  ' * depth}<link {values} />"


def _document(lines: list[str], closing: str) -> bytes:
    return "\n".join(["<?xml version='1.0' encoding='utf-8'?>", *lines, closing, ""]).encode("utf-8")


def robots(project: Project, partner: Partner) -> bytes:
    """robots.txt allowing everything and pointing at the sitemap; a preview (drafts, future items) allows nothing."""
    if project.preview:
        return b"User-agent: *\nDisallow: /\n"
    return f"User-agent: *\nAllow: /\n\nSitemap: {partner_url(project, partner, 'sitemap.xml')}\n".encode()


class SiteFeeds:
    """The built-in output provider (render/outputs.py ``OutputProvider``) of what crawlers and feed readers read:
    ``feed.xml``, ``sitemap.xml`` and ``robots.txt`` of the partner's public site."""

    name = "feeds"

    def __init__(self) -> None:
        self._copies: dict[tuple[str, ...], frozenset[str]] = {}  # vendor_copies by the plan's selection

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """The three files, keyed on the cards of the partner's items (feed, sitemap) or on the site and
        the partner alone (robots.txt)."""
        project, plan, root = request.project, request.plan, request.root
        partner = plan.partner
        items = request.views.items
        # A sitemap lists canonical pages only: not the 404 page, nor copies that name the vendor's original.
        copies = self._copies.get(plan.selection)
        if copies is None:  # the same for every partner who gets the same items
            copies = self._copies[plan.selection] = vendor_copies(project, plan.pages)
        pages = [path for path in request.pages if path != "404.html" and path not in copies]
        listing = request.keys.listing
        yield Job(root + "feed.xml", digest(listing, "feed.xml"), lambda _: atom_feed(project, plan, items))
        yield Job(root + "sitemap.xml", digest(listing, "sitemap.xml"), lambda _: sitemap(project, partner, pages))
        # Read by crawlers where the folder is a host's root (a domain per partner); with the path-style
        # layout they read the root-level one beside the partner folders (render/crawlers.py).
        yield Job(root + "robots.txt", digest(request.keys.base, "robots.txt"), lambda _: robots(project, partner))
