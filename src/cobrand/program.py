"""A partner's program, as its hub shows it: where it stands, what the next tier adds, what changed, what expires.

Pure (plan stage, no I/O): from the project and the partner's plan (which holds what its next tier gives), plain
immutable values, then the plain dicts hub templates read (:func:`hub_view`).

Entitlement holds here as on the site and fails closed. The partner's own counts and news are its
plan's items. What the next tier adds is what the same partner (same ecosystems, regions, locale and
slug) would be planned at that tier and is not now, so an item gated to an ecosystem or region the
partner is not in is never counted. Of those items only the count shows, and the title of those
whose front matter says ``teaser: true``; nothing else of an item the partner does not get is read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .languages import foreign_language, format_date, other_direction, text_direction
from .models import ContentItem, Partner, Project
from .personalize import resolve
from .plan import PartnerPlan
from .schemas import MediaFile
from .tokens import TokenError, TokenFiller, token_context

Change = Literal["added", "updated"]


@dataclass(frozen=True)
class Count:
    """How many items of one kind; media is counted as ``video`` and ``podcast``."""

    kind: str
    count: int


@dataclass(frozen=True)
class Teaser:
    """An item of the next tier whose title the vendor lets lower tiers see."""

    key: str
    kind: str
    title: str
    lang: str  # the language of the partner's version: a translation's, else the site's


@dataclass(frozen=True)
class NextTier:
    """The tier after the partner's, what it includes and what it would add for this partner."""

    name: str
    description: str | None
    benefits: tuple[str, ...]
    adds: tuple[Count, ...]
    teasers: tuple[Teaser, ...]


@dataclass(frozen=True)
class Entry:
    """An item of the partner's on the "what's new" or "expiring soon" list."""

    key: str
    kind: str
    title: str
    lang: str  # the language of the partner's version: a translation's, else the site's
    change: Change
    day: dt.date  # of the change: the publish date of an added item, the ``updated`` date of an updated one
    published: dt.date
    expires: dt.date | None
    url: str | None  # the item's page on the partner's public site, absolute
    files: tuple[str, ...]  # its files in the hub's kit, as hub paths (a datasheet's PDF)
    hub_path: str | None  # where the hub shows it (a social post on social.html), when it has no page


@dataclass(frozen=True)
class Program:
    """Everything the hub's program and news pages show for one partner on one day."""

    partner: str
    tier: str
    tier_position: int  # 1 for the lowest tier
    tiers: tuple[str, ...]  # every tier, lowest first
    ecosystems: tuple[str, ...]
    regions: tuple[str, ...]
    description: str | None
    benefits: tuple[str, ...]
    counts: tuple[Count, ...]
    next_tier: NextTier | None
    new: tuple[Entry, ...]  # newest first
    expiring: tuple[Entry, ...]  # soonest first
    today: dt.date
    new_days: int
    expiring_days: int
    # The variant ids of every item this was made from (the partner's and the next tier's extra ones):
    # a hub page showing it is keyed on them, and on the day.
    sources: tuple[str, ...]


def public_url(project: Project, partner: Partner, path: str = "") -> str:
    """Absolute URL of ``path`` on the partner's public site, from ``[site] base_url``."""
    return project.config.site.base_url.replace("{partner}", partner.slug) + ("" if path == "index.html" else path)


def hub_url(project: Project, partner: Partner, path: str = "") -> str | None:
    """Absolute URL of ``path`` in the partner's hub, from ``[hub] base_url``; None where that is not set."""
    base = project.config.hub.base_url
    if base is None:
        return None
    return base.replace("{partner}", partner.slug) + ("" if path == "index.html" else path)


def count_kind(item: ContentItem) -> str:
    """What an item counts as: its kind, or ``video``/``podcast`` for media."""
    return item.meta.kind if isinstance(item.meta, MediaFile) else item.kind


def counts(project: Project, items: Iterable[ContentItem]) -> tuple[Count, ...]:
    """How many of ``items`` there are of each kind, in the project's kinds' order; kinds with none left out."""
    found: dict[str, int] = {}
    for item in items:
        found[count_kind(item)] = found.get(count_kind(item), 0) + 1
    order = [name for kind in project.kinds.names for name in (("video", "podcast") if kind == "media" else (kind,))]
    return tuple(Count(kind, found[kind]) for kind in sorted(found, key=lambda k: (order.index(k)
                                                                                   if k in order else len(order), k)))


def _in_window(day: dt.date, today: dt.date, days: int) -> bool:
    """``day`` is today or one of the ``days`` days before it."""
    return 0 <= (today - day).days <= days


class _Titles:
    """Titles filled with the partner's tokens, as its pages show them."""

    def __init__(self, project: Project, partner: Partner, filler: TokenFiller) -> None:
        self._project, self._partner, self._filler = project, partner, filler

    def __call__(self, item: ContentItem) -> str:
        # A social post's title is the vendor's internal name ("... (silver and above)"); its headline is
        # the text written for people outside the vendor, so the hub shows that where there is one.
        field = "headline" if getattr(item.meta, "headline", None) else "title"
        templated = item.texts.get(field)
        if templated is None:
            return str(getattr(item.meta, field))
        personal = resolve(self._project, self._partner, item.slug)
        try:
            return str(self._filler.fill(templated, token_context(self._partner, self._project.vendor, personal)))
        except TokenError as error:
            error.source = item.source
            raise


def build_program(project: Project, plan: PartnerPlan, filler: TokenFiller | None = None,
                  today: dt.date | None = None, pdf_links: bool = True) -> Program:
    """The program of ``plan``'s partner on ``today`` (the project's build date by default).

    ``filler`` fills tokens in titles (a new one if not given). Without ``pdf_links`` (a preview that makes
    no PDF) no entry names a kit file.
    """
    partner = plan.partner
    data = partner.data
    today = today or project.today
    hub = project.config.hub
    tiers = project.config.tiers
    title = _Titles(project, partner, filler or TokenFiller())
    originals = {item.key: item for item in project.content}
    items = plan.items
    upper = plan.next_tier
    extra: tuple[ContentItem, ...] = ()
    next_view = None
    if upper is not None:
        have = {item.key for item in items}
        extra = tuple(item for item in plan.next_tier_items if item.key not in have)
        about = tiers.about(upper)
        next_view = NextTier(
            name=upper, description=about.description, benefits=tuple(about.benefits),
            adds=counts(project, extra),
            # teaser is a gating field: the original's says, never a translation's.
            teasers=tuple(Teaser(item.key, count_kind(item), title(item), item.lang or project.config.site.language)
                          for item in extra
                          if originals[item.key].meta.teaser))
    about = tiers.about(data.tier)
    return Program(
        partner=partner.slug, tier=data.tier, tier_position=tiers.order.index(data.tier) + 1,
        tiers=tuple(tiers.order), ecosystems=tuple(data.ecosystems), regions=tuple(data.regions),
        description=about.description, benefits=tuple(about.benefits), counts=counts(project, items),
        next_tier=next_view,
        new=_without_files(_whats_new(project, partner, items, originals, title, today, hub.new_days), pdf_links),
        expiring=_without_files(_expiring(project, partner, items, originals, title, today, hub.expiring_days),
                                pdf_links),
        today=today, new_days=hub.new_days, expiring_days=hub.expiring_days,
        sources=tuple(item.variant_id for item in items + extra))


def _without_files(entries: tuple[Entry, ...], pdf_links: bool) -> tuple[Entry, ...]:
    """``entries`` as they are, or, without ``pdf_links``, without the kit files none of which is made."""
    return entries if pdf_links else tuple(dataclasses.replace(entry, files=()) for entry in entries)


def _entry(project: Project, partner: Partner, item: ContentItem, original: ContentItem, title: str,
           change: Change, day: dt.date) -> Entry:
    return Entry(key=item.key, kind=count_kind(item), title=title, lang=item.lang or project.config.site.language,
                 change=change, day=day,
                 published=original.publish_date, expires=original.meta.expires,
                 url=public_url(project, partner, item.page_path) if item.page_path else None,
                 files=(item.kit_pdf_path,) if item.kit_pdf_path else (),  # the kit's copy, in the hub
                 # Social posts have no public page: the hub's social pack shows each under this anchor.
                 hub_path=f"social.html#post-{item.slug}" if item.kind == "social" else None)


def _whats_new(project: Project, partner: Partner, items: tuple[ContentItem, ...],
               originals: dict[str, ContentItem], title: _Titles, today: dt.date, days: int) -> tuple[Entry, ...]:
    """Items published, or updated since, in the ``days`` days up to ``today``; the latest change first."""
    entries = []
    for item in items:
        original = originals[item.key]
        # Added: when the item became the partner's (entitlement's rule: the original's publish date).
        published = original.publish_date
        # Updated: the partner's version's own date where it gives one (a translation revised), else the original's.
        updated = item.meta.updated or original.meta.updated
        if updated is not None and updated > published and _in_window(updated, today, days):
            entries.append(_entry(project, partner, item, original, title(item), "updated", updated))
        elif _in_window(published, today, days):
            entries.append(_entry(project, partner, item, original, title(item), "added", published))
    entries.sort(key=lambda entry: (entry.day, entry.key), reverse=True)
    return tuple(entries)


def _expiring(project: Project, partner: Partner, items: tuple[ContentItem, ...],
              originals: dict[str, ContentItem], title: _Titles, today: dt.date, days: int) -> tuple[Entry, ...]:
    """Items whose ``expires`` is today or within ``days`` days (after that day nobody gets them); soonest first."""
    entries = []
    for item in items:
        original = originals[item.key]
        expires = original.meta.expires  # a gating field: translations take the original's
        if expires is not None and 0 <= (expires - today).days <= days:
            entries.append(_entry(project, partner, item, original, title(item), "added", original.publish_date))
    entries.sort(key=lambda entry: (entry.expires or today, entry.key))
    return tuple(entries)


# --- the view hub templates read ------------------------------------------------------------------------


def _runs(lang: str, locale: str) -> dict[str, str | None]:
    """``lang`` and its direction where text in it sits on a page in another language (as item views say)."""
    foreign = foreign_language(lang, locale)
    return {"foreign_lang": foreign, "foreign_dir": other_direction(text_direction(lang), locale) if foreign else None}


def _count_views(found: tuple[Count, ...]) -> list[dict[str, Any]]:
    return [{"kind": count.kind, "count": count.count} for count in found]


def _comparison(now: tuple[Count, ...], adds: tuple[Count, ...]) -> list[dict[str, Any]]:
    """Per kind the partner has or would get: how many now, how many more, how many then."""
    have = {count.kind: count.count for count in now}
    more = {count.kind: count.count for count in adds}
    kinds = [count.kind for count in now] + [count.kind for count in adds if count.kind not in have]
    return [{"kind": kind, "now": have.get(kind, 0), "adds": more.get(kind, 0),
             "then": have.get(kind, 0) + more.get(kind, 0)} for kind in kinds]


def _entry_view(entry: Entry, locale: str, body_lang: str, today: dt.date) -> dict[str, Any]:
    return {"key": entry.key, "kind": entry.kind, "title": entry.title, **_runs(entry.lang, body_lang),
            "change": entry.change,
            "date": entry.day, "date_display": format_date(entry.day, locale),
            "published": entry.published, "published_display": format_date(entry.published, locale),
            "expires": entry.expires,
            "expires_display": format_date(entry.expires, locale) if entry.expires else None,
            "days_left": (entry.expires - today).days if entry.expires else None,
            "url": entry.url, "files": list(entry.files), "hub_path": entry.hub_path}


def program_view(program: Program, locale: str, body_lang: str | None = None, site_language: str = "en"
                 ) -> dict[str, Any]:
    """``program`` as plain dicts and lists for templates, dates also shown as ``locale`` reads them.

    Text in another language than ``body_lang`` (the page body's, by default ``locale``) says which: an
    untranslated item's title, and the tiers' descriptions and benefits, written in ``site_language``.
    """
    upper = program.next_tier
    body = body_lang or locale
    return {
        "text_lang": _runs(site_language, body),  # of the tiers' descriptions and benefits (cobrand.toml)
        "tier": program.tier,
        "tier_position": program.tier_position,
        "tier_count": len(program.tiers),
        "tiers": [{"name": name, "current": name == program.tier} for name in program.tiers],
        "ecosystems": list(program.ecosystems),
        "regions": list(program.regions),
        "description": program.description,
        "benefits": list(program.benefits),
        "counts": _count_views(program.counts),
        "total": sum(count.count for count in program.counts),
        "next_tier": None if upper is None else {
            "name": upper.name, "description": upper.description, "benefits": list(upper.benefits),
            "adds": _count_views(upper.adds), "total": sum(count.count for count in upper.adds),
            "rows": _comparison(program.counts, upper.adds),
            "teasers": [{"key": teaser.key, "kind": teaser.kind, "title": teaser.title, **_runs(teaser.lang, body)}
                        for teaser in upper.teasers]},
        "new": [_entry_view(entry, locale, body, program.today) for entry in program.new],
        "expiring": [_entry_view(entry, locale, body, program.today) for entry in program.expiring],
        "today": program.today,
        "today_display": format_date(program.today, locale),
        "new_days": program.new_days,
        "expiring_days": program.expiring_days,
    }


def hub_view(project: Project, plan: PartnerPlan, filler: TokenFiller | None = None,
             today: dt.date | None = None, body_lang: str | None = None, pdf_links: bool = True) -> dict[str, Any]:
    """What hub templates read as ``hub``: :func:`build_program`'s result as plain data (views.common["hub"]);
    ``pdf_links`` as there.

    ``body_lang`` is the language the hub page's body is in, where not the partner's (the theme has no
    catalogue for it: ``views.common["ui_lang"]``).
    """
    return program_view(build_program(project, plan, filler, today, pdf_links), plan.partner.data.locale, body_lang,
                        project.config.site.language)
