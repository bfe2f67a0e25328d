"""Stage 3, plan: which content each partner is entitled to. Pure functions, no I/O."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .errors import Problem
from .models import ContentItem, Partner, Project, SocialFile

Items = tuple[ContentItem, ...]
_Selected = tuple[Items, Items, Items, Items, tuple[str, ...]]  # a PartnerPlan's fields after the partner


def exclusion_reason(item: ContentItem, partner: Partner, project: Project) -> str | None:
    """Why ``partner`` does not get ``item``, or None when it does."""
    meta = item.meta
    data = partner.data
    if meta.draft and "drafts" not in project.preview:
        return "draft"
    if item.publish_date > project.today and "future" not in project.preview:
        return f"scheduled for {item.publish_date.isoformat()}"
    if meta.expires is not None and meta.expires < project.today:
        return f"expired on {meta.expires.isoformat()}"
    if meta.partners is not None and partner.slug not in meta.partners:
        return "made for other partners"
    if meta.min_tier is not None and meta.min_tier not in project.config.tiers.order:
        return f"unknown tier {meta.min_tier}"  # a draft's error, reported as a warning: shown to nobody
    if meta.min_tier is not None and project.tier_rank(data.tier) < project.tier_rank(meta.min_tier):
        return f"needs tier {meta.min_tier} or above"
    if meta.ecosystems is not None and not set(meta.ecosystems) & set(data.ecosystems):
        return f"for the {', '.join(meta.ecosystems)} ecosystem(s)"
    if meta.regions is not None and not set(meta.regions) & set(data.regions):
        return f"for the {', '.join(meta.regions)} region(s)"
    return None


@dataclass(frozen=True)
class PartnerPlan:
    """Everything one partner gets, newest first within each kind."""

    partner: Partner
    posts: tuple[ContentItem, ...]
    one_pagers: tuple[ContentItem, ...]
    media: tuple[ContentItem, ...]
    social: tuple[ContentItem, ...]
    # The variant ids of every item, in order. Hundreds of partners get the same items, and what is
    # made from the items alone (keys, page lists) is made once for each selection.
    selection: tuple[str, ...]

    @property
    def pages(self) -> tuple[ContentItem, ...]:
        """Items that have a page of their own."""
        return self.posts + self.one_pagers + self.media

    @property
    def items(self) -> tuple[ContentItem, ...]:
        return self.pages + self.social


def plan_partner(project: Project, partner: Partner) -> PartnerPlan:
    """Select and order the items ``partner`` is entitled to, in its language where translated."""
    return PartnerPlan(partner, *_select(project, partner))


class Planner:
    """Plans the partners of one project, selecting once for all partners with the same entitlements.

    A selection depends on the partner's tier, ecosystems, regions and locale, and on its slug
    only where content names partners; thousands of partners share a few hundred of these.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self._named = frozenset(slug for item in project.content for slug in item.meta.partners or ())
        self._selections: dict[tuple[object, ...], _Selected] = {}

    def plan(self, partner: Partner) -> PartnerPlan:
        """The same plan as :func:`plan_partner`."""
        key = self._entitlements(partner)
        selection = self._selections.get(key)
        if selection is None:
            selection = self._selections[key] = _select(self.project, partner)
        return PartnerPlan(partner, *selection)

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
        data = partner.data
        return (data.tier, frozenset(data.ecosystems), frozenset(data.regions), data.locale,
                partner.slug if partner.slug in self._named else None)


def _select(project: Project, partner: Partner) -> _Selected:
    """Posts, one-pagers, media and social posts for ``partner``, newest first."""
    locale = partner.data.locale
    entitled = [project.localized(item, locale) for item in project.content
                if exclusion_reason(item, partner, project) is None]
    # A social post that promotes a page the partner does not get (expired, scheduled, gated, withheld) would
    # ship a broken link or a gated item's address: the post is left out too (see social_link_warnings).
    pages = {item.key for item in entitled if item.kind != "social"}
    entitled = [item for item in entitled if _link_of(item) is None or _link_of(item) in pages]
    entitled.sort(key=lambda item: (item.meta.date, item.slug), reverse=True)

    def of(kind: str) -> Items:
        return tuple(item for item in entitled if item.kind == kind)

    posts, one_pagers, media, social = of("blog"), of("one-pagers"), of("media"), of("social")
    return posts, one_pagers, media, social, tuple(item.variant_id for item in posts + one_pagers + media + social)


def _link_of(item: ContentItem) -> str | None:
    return item.meta.link if isinstance(item.meta, SocialFile) else None


NAMED_PARTNERS = 5  # a warning names this many partners and counts the rest


def social_link_warnings(project: Project) -> list[Problem]:
    """A warning for each social post left out for some partners because of the item it links to.

    Names the post's file, the linked item, why those partners do not get it, and the partners.
    """
    items = {item.key: item for item in project.content}
    problems = []
    for post in project.content:
        link = _link_of(post)
        if link is None:
            continue
        linked = items.get(link)
        by_reason: dict[str, list[str]] = defaultdict(list)
        for partner in project.partners:
            if exclusion_reason(post, partner, project) is not None:
                continue
            reason = "it does not exist or was withheld" if linked is None else exclusion_reason(linked, partner,
                                                                                                  project)
            if reason is not None:
                by_reason[reason].append(partner.slug)
        for reason, slugs in sorted(by_reason.items()):
            named = ", ".join(slugs[:NAMED_PARTNERS]) + (f" and {len(slugs) - NAMED_PARTNERS} more"
                                                         if len(slugs) > NAMED_PARTNERS else "")
            problems.append(Problem(post.source, f"left out for {len(slugs)} partner(s) ({named}): it links to "
                                    f"{link}, which they do not get ({reason})", field="link", severity="warning"))
    return problems


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
