"""Machine-read files of a partner site: Atom feed, sitemap and robots.txt."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from ..models import Partner, Project
from ..plan import PartnerPlan
from .context import partner_url

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def atom_feed(project: Project, plan: PartnerPlan) -> bytes:
    """An Atom feed of the partner's posts, one-pagers and media, newest first."""
    partner = plan.partner
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    items = sorted(plan.pages, key=lambda item: (item.meta.date, item.slug), reverse=True)
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"{partner.name}: {project.config.site.title}"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = partner_url(project, partner)
    updated = max((item.meta.date for item in items), default=project.today)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _timestamp(updated)
    ET.SubElement(feed, f"{{{ATOM}}}link", href=partner_url(project, partner))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=partner_url(project, partner, "feed.xml"))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = partner.name
    for item in items:
        assert item.page_path is not None
        url = partner_url(project, partner, item.page_path)
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = item.meta.title
        ET.SubElement(entry, f"{{{ATOM}}}id").text = url
        ET.SubElement(entry, f"{{{ATOM}}}link", href=url)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _timestamp(item.meta.date)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = getattr(item.meta, "summary", "")
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def sitemap(project: Project, partner: Partner, paths: list[str]) -> bytes:
    """sitemap.xml listing every HTML page of the partner's site but the 404 page."""
    ET.register_namespace("", SITEMAP)
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")
    for path in sorted(paths):
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = partner_url(project, partner, path)
    ET.indent(urlset)
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"


def robots(project: Project, partner: Partner) -> bytes:
    """robots.txt allowing everything and pointing at the sitemap."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {partner_url(project, partner, 'sitemap.xml')}\n".encode()
