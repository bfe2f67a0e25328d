"""The hub's Atom feed of what's new (``feed.xml`` in the partner's hub): what a partner subscribes to.

Entries are the items of the hub's "what's new" list (cobrand.program), newest change first: each links to
the item's page on the partner's public site (absolute, from ``[site] base_url``), or, for a social post,
to its place in the hub's social pack. The feed's own links are absolute where ``[hub] base_url`` is set
and relative to the feed otherwise (a hub is often served behind access control at an address the build
does not know). The feed and entry ids are fixed by the partner's public address and the item, so a feed
reader follows an updated item as the same entry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from ..models import Partner, Project
from ..program import hub_url, public_url
from .crawlers import xml_escape as escape
from .feeds import _ATTRIBUTE_ENTITIES, ATOM, _document, _element, _link


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _hub_link(project: Project, partner: Partner, path: str) -> str:
    return hub_url(project, partner, path) or path


def _urn(*parts: str) -> str:
    """A permanent IRI for what has no public address of its own (the feed, a social post)."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "#".join(parts)))


def hub_feed(project: Project, partner: Partner, hub: Mapping[str, Any], title: str = "What's new") -> bytes:
    """The Atom feed of ``hub["new"]`` (the partner's :func:`cobrand.program.hub_view`).

    ``title`` names the list in the partner's language (the hub's page title); the feed says it is in
    the partner's language (``xml:lang``) and an entry in another language says which.
    """
    home = public_url(project, partner)
    entries = hub["new"]
    updated = max((entry["date"] for entry in entries), default=hub["today"])
    lines = [f'<feed xmlns="{ATOM}" xml:lang="{escape(partner.data.locale, _ATTRIBUTE_ENTITIES)}">',
             _element(1, "title", f"{partner.name}: {title}"),
             _element(1, "subtitle", f"{project.vendor.name} · {project.config.site.title}"),
             _element(1, "id", _urn(home, "hub", "new")),
             _element(1, "updated", _timestamp(updated)),
             _link(1, href=_hub_link(project, partner, "new.html")),
             _link(1, rel="self", href=_hub_link(project, partner, "feed.xml"), type="application/atom+xml"),
             "  <author>", _element(2, "name", project.vendor.name), _element(2, "uri", project.vendor.website),
             "  </author>"]
    for entry in entries:
        url = entry["url"] or _hub_link(project, partner, entry["hub_path"] or "new.html")
        lang = entry.get("foreign_lang")
        opening = f'  <entry xml:lang="{escape(lang, _ATTRIBUTE_ENTITIES)}">' if lang else "  <entry>"
        lines += [opening,
                  _element(2, "title", entry["title"]),
                  _element(2, "id", entry["url"] or _urn(home, entry["key"])),
                  _link(2, href=url),
                  *(_link(2, rel="enclosure", href=_hub_link(project, partner, file), type="application/pdf")
                    for file in entry["files"]),
                  _element(2, "updated", _timestamp(entry["date"])),
                  _element(2, "published", _timestamp(entry["published"])),
                  f'    <category term="{escape(entry["kind"], _ATTRIBUTE_ENTITIES)}" />',
                  f'    <category term="{escape(entry["change"], _ATTRIBUTE_ENTITIES)}" />',
                  "  </entry>"]
    return _document(lines, "</feed>")
