"""Stage 3, plan: which content each partner is entitled to. Pure functions, no I/O."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from .entitlement import audience_reason, link_of, unavailable_reason
from .models import ContentItem, Partner, Project, translation_language

Items = tuple[ContentItem, ...]
_Selected = tuple[tuple[tuple[str, Items], ...], tuple[str, ...]]  # a PartnerPlan's fields after the partner


@dataclass(frozen=True)
class PartnerPlan:
    """Everything one partner gets: the items of each kind (kinds.py) in the kinds' order, newest first."""

    partner: Partner
    by_kind: tuple[tuple[str, Items], ...]  # (kind name, its items) for every kind of the project
    # The variant ids of every item, in order. Hundreds of partners get the same items, and what is
    # made from the items alone (keys, page lists) is made once for each selection.
    selection: tuple[str, ...]
    # The tier above the partner's (None at the top) and every item the partner would get there: the hub's
    # program page shows what it adds, so the partner's keys name those items' cards too.
    next_tier: str | None
    next_tier_items: Items
    next_tier_selection: tuple[str, ...]  # their variant ids, as ``selection`` is the partner's

    def of_kind(self, name: str) -> Items:
        """The partner's items of the kind ``name`` (none for a kind the project does not have)."""
        for kind, items in self.by_kind:
            if kind == name:
                return items
        return ()

    @property
    def posts(self) -> Items:
        return self.of_kind("blog")

    @property
    def one_pagers(self) -> Items:
        return self.of_kind("one-pagers")

    @property
    def media(self) -> Items:
        return self.of_kind("media")

    @property
    def social(self) -> Items:
        return self.of_kind("social")

    # Cached: the renderer, its providers and the result ask for these a dozen times per partner.
    @functools.cached_property
    def pages(self) -> Items:
        """Items that have a page of their own, kind by kind."""
        return tuple(item for _, items in self.by_kind for item in items if item.has_page)

    @functools.cached_property
    def items(self) -> Items:
        """Every item: those with pages first, then the others (social posts)."""
        return _items_in_order(self.by_kind)


def plan_partner(project: Project, partner: Partner) -> PartnerPlan:
    """Select and order the items ``partner`` is entitled to, in its language where translated, and those its
    next tier would give it."""
    return _plan(project, partner, lambda someone: _select(project, someone))


def next_tier_partner(project: Project, partner: Partner) -> Partner | None:
    """The same partner one tier up in ``[tiers] order`` (same ecosystems, regions, locale, slug); None at the
    top. What it gets beyond the partner's own items differs by tier alone."""
    order = project.config.tiers.order
    position = order.index(partner.data.tier)
    if position + 1 == len(order):
        return None
    return dataclasses.replace(partner, data=partner.data.model_copy(update={"tier": order[position + 1]}))


class Planner:
    """Plans the partners of one project, selecting once for all partners with the same entitlements.

    A selection depends on the partner's tier, on the ecosystems, regions and language it has that content
    names, and on its slug only where content names partners (:meth:`_entitlements`); thousands of partners
    share a few dozen of these.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self._named = frozenset(slug for item in project.content for slug in item.meta.partners or ())
        # What of a partner's ecosystems, regions and language the rule can read: those some item names.
        self._ecosystems = frozenset(name for item in project.content for name in item.meta.ecosystems or ())
        self._regions = frozenset(name for item in project.content for name in item.meta.regions or ())
        self._languages = frozenset(language for found in project.translations.values() for language in found)
        self._selections: dict[tuple[object, ...], _Selected] = {}
        self._available = available_items(project)  # the same for every partner: the rule's first half
        self._parts: dict[tuple[object, ...], _PlanParts] = {}
        self._summaries: dict[tuple[str, ...], PlanSummary] = {}

    def plan(self, partner: Partner) -> PartnerPlan:
        """The same plan as :func:`plan_partner`; everything but the partner is the same for partners with the
        same entitlements (the next tier's items too: same ecosystems, regions, locale and slug), made once."""
        key = self._entitlements(partner)
        parts = self._parts.get(key)
        if parts is None:
            parts = self._parts[key] = _plan_parts(self.project, partner, self._selection)
        return PartnerPlan(partner, *parts)

    def summary(self, plan: PartnerPlan) -> PlanSummary:
        """:func:`plan_summary` of ``plan`` (one of this planner's), made once for partners who get the same items."""
        summary = self._summaries.get(plan.selection)
        if summary is None:
            summary = self._summaries[plan.selection] = plan_summary(plan)
        return summary

    def _selection(self, partner: Partner) -> _Selected:
        key = self._entitlements(partner)
        selection = self._selections.get(key)
        if selection is None:
            selection = self._selections[key] = _select(self.project, partner, self._available)
        return selection

    def grouped(self, partners: tuple[Partner, ...]) -> tuple[Partner, ...]:
        """``partners`` with the same entitlements next to each other, groups in order of first appearance.

        Partners who get the same items have pages of the same shape (a listing of as many
        cards): a worker process given them together makes each page's skeleton once.
        """
        groups: dict[tuple[object, ...], list[Partner]] = {}
        for partner in partners:
            groups.setdefault(self._entitlements(partner), []).append(partner)
        return tuple(partner for group in groups.values() for partner in group)

    def _entitlements(self, partner: Partner) -> tuple[object, ...]:
        """What the entitlement rule (entitlement.py) and the choice of translations read of ``partner``: its
        tier; the ecosystems and regions it has that some item is for (an ecosystem no item names changes
        nothing a partner gets); its language where some item is translated into it; its slug where content
        names it."""
        data = partner.data
        language = translation_language(data.locale)
        return (data.tier, self._ecosystems.intersection(data.ecosystems),
                self._regions.intersection(data.regions), language if language in self._languages else None,
                partner.slug if partner.slug in self._named else None)


# A plan but its partner: the items of each kind, their variant ids, the next tier, its items and their ids.
_PlanParts = tuple[tuple[tuple[str, Items], ...], tuple[str, ...], str | None, Items, tuple[str, ...]]


def _plan(project: Project, partner: Partner, select: Callable[[Partner], _Selected]) -> PartnerPlan:
    """``partner``'s plan, its items and its next tier's chosen by ``select`` (with or without a memo)."""
    return PartnerPlan(partner, *_plan_parts(project, partner, select))


def _plan_parts(project: Project, partner: Partner, select: Callable[[Partner], _Selected]) -> _PlanParts:
    upper = next_tier_partner(project, partner)
    upper_by_kind, upper_variants = select(upper) if upper is not None else ((), ())
    by_kind, variants = select(partner)
    return by_kind, variants, upper.data.tier if upper else None, _items_in_order(upper_by_kind), upper_variants


def _items_in_order(by_kind: tuple[tuple[str, Items], ...]) -> Items:
    """The items of ``by_kind`` in :attr:`PartnerPlan.items` order: those with pages first, then the others."""
    return (tuple(item for _, items in by_kind for item in items if item.has_page)
            + tuple(item for _, items in by_kind for item in items if not item.has_page))


def available_items(project: Project) -> Items:
    """The content items some partner may get in this build: not drafts, not scheduled, not expired."""
    return tuple(item for item in project.content if unavailable_reason(item, project) is None)


def _select(project: Project, partner: Partner, available: Items | None = None) -> _Selected:
    """The items of each kind ``partner`` gets, newest first, and their variant ids; ``available`` are the
    project's :func:`available_items`, when the caller has them already."""
    locale = partner.data.locale
    entitled = [project.localized(item, locale) for item in (available_items(project) if available is None
                                                               else available)
                if audience_reason(item, partner, project) is None]
    # A social post that promotes a page the partner does not get (expired, scheduled, gated, withheld) would
    # ship a broken link or a gated item's address: the post is left out too (see social_link_warnings).
    pages = {item.key for item in entitled if item.has_page}
    entitled = [item for item in entitled if link_of(item) is None or link_of(item) in pages]
    entitled.sort(key=lambda item: (item.meta.date, item.slug), reverse=True)

    by_kind = tuple((name, tuple(item for item in entitled if item.kind == name)) for name in project.kinds.names)
    plan_order = [item for _, items in by_kind for item in items if item.has_page]
    plan_order += [item for _, items in by_kind for item in items if not item.has_page]
    return by_kind, tuple(item.variant_id for item in plan_order)


def item_day(item: ContentItem) -> dt.date:
    """The day an item last changed for a partner: its ``updated`` date when it has one, else its publish day."""
    updated = getattr(item.meta, "updated", None)
    day = item.publish_date
    return max(day, updated) if isinstance(updated, dt.date) else day


# What the vendor overview (overview.py) shows of a partner's plan: its items by kind, and its newest item's day
# and key.
PlanSummary = tuple[tuple[tuple[str, int], ...], tuple[dt.date, str] | None]


def plan_summary(plan: PartnerPlan) -> PlanSummary:
    """The overview's figures of a partner's plan: how many items of each kind it gets, and its newest."""
    # plan.by_kind names every kind of the project, in the project's order.
    return (tuple((kind, len(items)) for kind, items in plan.by_kind),
            max(((item_day(item), item.key) for item in plan.items), default=None))


def select_partners(project: Project, slugs: tuple[str, ...] = (), shard: tuple[int, int] | None = None
                    ) -> tuple[Partner, ...]:
    """The partners a build covers: all, the named ones, or one shard of them.

    Shards are by position in slug order, so shards 1..N of one project are
    disjoint and together cover every partner.
    """
    partners = project.partners
    if slugs:
        wanted = set(slugs)
        partners = tuple(partner for partner in partners if partner.slug in wanted)
    if shard is not None:
        index, count = shard
        partners = tuple(p for position, p in enumerate(partners) if position % count == index - 1)
    return partners
