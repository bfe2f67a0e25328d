"""Who gets what: the entitlement rule, and the warnings it implies, shared by validate and plan.

A neutral module below both stages (tests/unit/test_architecture.py): validate warns about content the rule
withholds, plan selects what it grants, and neither imports the other.
"""

from __future__ import annotations

from collections import defaultdict

from .errors import Problem
from .models import ContentItem, Partner, Project
from .schemas import SocialFile


def exclusion_reason(item: ContentItem, partner: Partner, project: Project) -> str | None:
    """Why ``partner`` does not get ``item``, or None when it does."""
    return unavailable_reason(item, project) or audience_reason(item, partner, project)


def unavailable_reason(item: ContentItem, project: Project) -> str | None:
    """Why no partner gets ``item`` in this build (a draft, scheduled, expired), or None."""
    meta = item.meta
    if meta.draft and "drafts" not in project.preview:
        return "draft"
    if item.publish_date > project.today and "future" not in project.preview:
        return f"scheduled for {item.publish_date.isoformat()}"
    if meta.expires is not None and meta.expires < project.today:
        return f"expired on {meta.expires.isoformat()}"
    return None


def audience_reason(item: ContentItem, partner: Partner, project: Project) -> str | None:
    """Why ``partner`` is not among the partners ``item`` is for (named partners, tier, ecosystems, regions),
    or None when it is."""
    meta = item.meta
    data = partner.data
    if meta.partners is not None and partner.slug not in meta.partners:
        return "made for other partners"
    if meta.min_tier is not None and meta.min_tier not in project.config.tiers.order:
        return f"unknown tier {meta.min_tier}"  # a draft's error, reported as a warning: shown to nobody
    if meta.min_tier is not None and project.tier_rank(data.tier) < project.tier_rank(meta.min_tier):
        return f"needs tier {meta.min_tier} or above"
    if meta.ecosystems is not None and set(meta.ecosystems).isdisjoint(data.ecosystems):
        return f"for the {', '.join(meta.ecosystems)} ecosystem(s)"
    if meta.regions is not None and set(meta.regions).isdisjoint(data.regions):
        return f"for the {', '.join(meta.regions)} region(s)"
    return None


def link_of(item: ContentItem) -> str | None:
    """The key of the item a social post links to, or None (for a post without a link, or not a post)."""
    return item.meta.link if isinstance(item.meta, SocialFile) else None


NAMED_PARTNERS = 5  # a warning names this many partners and counts the rest


def social_link_warnings(project: Project) -> list[Problem]:
    """A warning for each social post left out for some partners because of the item it links to.

    Names the post's file, the linked item, why those partners do not get it, and the partners.
    """
    items = {item.key: item for item in project.content}
    problems = []
    for post in project.content:
        link = link_of(post)
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
