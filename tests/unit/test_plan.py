"""Planning: the build's memoised planner gives every partner exactly the plan it would get alone."""

from __future__ import annotations

import dataclasses
import itertools

from cobrand.build import load_and_check
from cobrand.plan import Planner, plan_partner, plan_summary
from support.example import ENVIRON, ROOT


def test_the_planner_shares_selections_only_between_partners_with_the_same_entitlements() -> None:
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    # Every partner of the example, then each of them again under every tier, with no ecosystems or
    # regions, in another locale, and under a new slug (which loses content made for it by name).
    variants = list(project.partners)
    for partner, tier in itertools.product(project.partners, project.config.tiers.order):
        variants.append(dataclasses.replace(partner, data=partner.data.model_copy(update={"tier": tier})))
    for partner in project.partners:
        variants += [
            dataclasses.replace(partner, data=partner.data.model_copy(update={"ecosystems": [], "regions": []})),
            dataclasses.replace(partner, data=partner.data.model_copy(update={"locale": "de-DE"})),
            dataclasses.replace(partner, slug=partner.slug + "-copy"),
            # Entitlements no content names: shared with the partner's own plan, which must fit them too.
            dataclasses.replace(partner, data=partner.data.model_copy(update={
                "ecosystems": [*partner.data.ecosystems, "nobody-names-this"],
                "regions": [*partner.data.regions, "nowhere"], "locale": "fr-CA"})),
            dataclasses.replace(partner, data=partner.data.model_copy(update={"locale": "de-AT"})),
        ]
    planner = Planner(project)
    plans = [planner.plan(partner) for partner in variants]
    assert plans == [plan_partner(project, partner) for partner in variants]
    # The renderer shares keys and page lists between plans with the same `selection`: it must name the items.
    assert all(plan.selection == tuple(item.variant_id for item in plan.items) for plan in plans)
    assert all(plan.next_tier_selection == tuple(item.variant_id for item in plan.next_tier_items) for plan in plans)
    assert any(plan.next_tier_selection for plan in plans) and any(not plan.next_tier for plan in plans)
    # ... and the overview's summary, made once per selection, is each partner's own.
    assert [planner.summary(plan) for plan in plans] == [plan_summary(plan) for plan in plans]
    # The variants really differ in what they get, so a wrongly shared selection would show above.
    assert len({plan.selection for plan in plans}) >= 6
    named = {slug for item in project.content for slug in item.meta.partners or ()}
    assert named, "the example names a partner in some content's `partners` list"
    for slug in named:
        alone = next(plan for plan in plans if plan.partner.slug == slug)
        copy = next(plan for plan in plans if plan.partner.slug == slug + "-copy")
        assert len(copy.items) < len(alone.items)
