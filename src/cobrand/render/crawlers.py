"""What search engines read beside the pages: where robots.txt lives, the sitemap index, canonical URLs.

Crawlers read robots.txt only at a host's root (RFC 9309). With a domain per partner
(``https://{partner}.vendor.example/``) each partner's folder is its host's root, so each partner
gets its own robots.txt. With the path-style layout (``https://partners.vendor.example/{partner}/``)
the partners share one host: a robots.txt inside a partner's folder is never read, so cobrand writes
one robots.txt and a sitemap index that lists every partner's sitemap into the output folder, beside
the partner folders (docs/publishing.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from ..models import ContentItem, Project
from .context import partner_url

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
ROOT_ROBOTS = "robots.txt"
SITEMAP_INDEX = "sitemap-index.xml"
ROOT_FILES = (ROOT_ROBOTS, SITEMAP_INDEX)
# Hubs are for partners, not search engines: every hub folder and the hub root turn every crawler away.
HUB_ROBOTS = b"User-agent: *\nDisallow: /\n"


def xml_escape(data: str, entities: Mapping[str, str] | None = None) -> str:
    """``data`` with ``&``, ``>`` and ``<`` escaped, then each key of ``entities`` replaced in order.

    What ``xml.sax.saxutils.escape`` does (tests/unit/test_xml_escape.py compares them); that
    module imports urllib.request, http.client and ssl, which every build process would load for it.
    """
    data = data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for key, value in (entities or {}).items():
        data = data.replace(key, value)
    return data


def partner_at_host_root(project: Project) -> bool:
    """True when each partner has a host of its own (``{partner}`` in ``base_url``'s host name)."""
    return "{partner}" in urlsplit(project.config.site.base_url).netloc


def shared_base(project: Project) -> str:
    """The URL of the output folder, where the partner folders sit, for the path-style layout."""
    return project.config.site.base_url.split("{partner}", 1)[0]


def vendor_canonical(project: Project, item: ContentItem) -> str | None:
    """The vendor's original that ``item``'s pages name canonical (``[site] canonical = "vendor"`` and the
    item's front matter ``canonical_url``), or None when each partner's copy is canonical."""
    if project.config.site.canonical != "vendor":
        return None
    url = getattr(item.meta, "canonical_url", None)
    return str(url) if url else None


def vendor_copies(project: Project, items: Iterable[ContentItem]) -> frozenset[str]:
    """The page paths of ``items`` whose pages name the vendor's original canonical (:func:`vendor_canonical`):
    a sitemap leaves them out."""
    if project.config.site.canonical != "vendor":
        return frozenset()  # asked once, not for each of a partner's items
    return frozenset(item.page_path for item in items if item.page_path and vendor_canonical(project, item))


def root_files(project: Project) -> dict[str, bytes]:
    """Files to write at the top of the output folder, by name: robots.txt and the sitemap index for the
    path-style layout, none when every partner is at its own host's root."""
    if partner_at_host_root(project):
        return {}
    base = shared_base(project)
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {base}{SITEMAP_INDEX}\n"
    lines = ["<?xml version='1.0' encoding='utf-8'?>", f'<sitemapindex xmlns="{SITEMAP}">']
    for partner in sorted(project.partners, key=lambda partner: partner.slug):
        lines += ["  <sitemap>", f"    <loc>{xml_escape(partner_url(project, partner, 'sitemap.xml'))}</loc>",
                  "  </sitemap>"]
    lines += ["</sitemapindex>", ""]
    return {ROOT_ROBOTS: robots.encode(), SITEMAP_INDEX: "\n".join(lines).encode("utf-8")}
