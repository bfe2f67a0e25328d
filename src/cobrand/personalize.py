"""Personalisation the vendor controls.

``cobrand.toml`` declares the fields partners may fill (``[personalize.<field>]``
with kind, maximum length, required, default). Partners fill them in
``[personalize]`` and per content item in ``overrides/<content-slug>.toml``.
Values resolve override -> partner -> vendor default, so a vendor edit to the
content never wipes a partner's text, and everything else stays locked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib

from .cache import digest
from .entitlement import exclusion_reason
from .errors import Problem
from .load.state import SavedState
from .models import Partner, Project
from .schemas import PersonalizeFieldFile
from .values import check_link_url


def resolve(project: Project, partner: Partner, item_slug: str | None = None) -> dict[str, str | None]:
    """The value of every declared field for ``partner`` (and one content item, if given)."""
    fields = project.config.personalize
    values: dict[str, str | None] = {name: spec.default for name, spec in fields.items()}
    values.update({name: value for name, value in partner.data.personalize.items() if name in fields})
    if item_slug is not None and item_slug in partner.overrides:
        _, overrides = partner.overrides[item_slug]
        values.update({name: value for name, value in overrides.items() if name in fields})
    return values


def check_personalization(project: Project, state: SavedState | None = None) -> list[Problem]:
    """Partner and override values against the vendor's declarations.

    An override may name only an item its partner gets. One for an item the partner is not entitled to
    reads exactly like one for an item that does not exist, and "did you mean" suggests only the
    partner's own items: a partner folder cannot learn which gated or draft items exist.
    ``state`` keeps the problems of each partner's own values by its folder and the declarations, so a
    rebuild checks again only the partners whose folder or the declared fields changed.
    """
    fields = project.config.personalize
    declared = project.config_key  # the declarations are in cobrand.toml
    # Expiry and scheduling are left out: an override for an item that has just expired, or that publishes
    # later, is not a secret.
    timeless = dataclasses.replace(project, today=dt.date.min, preview=project.preview | {"future"})
    tiers = set(project.config.tiers.order)
    problems: list[Problem] = []
    for partner in project.partners:
        def own(partner: Partner = partner) -> list[Problem]:
            return _own_values_problems(partner, fields)

        problems += (state.personal_checks.recall(partner.slug, digest(declared, partner.digest), own)
                     if state is not None and partner.digest else own())
        if not partner.overrides or partner.tier not in tiers:
            continue  # an unknown tier is an error of its own; entitlements cannot be told without one
        offered = sorted({item.slug for item in project.content
                          if (item.meta.min_tier is None or item.meta.min_tier in tiers)
                          and exclusion_reason(item, partner, timeless) is None})
        for slug, (file, values) in sorted(partner.overrides.items()):
            if slug not in offered:
                guess = difflib.get_close_matches(slug, offered, n=1)
                hint = f"; did you mean {guess[0]}.toml?" if guess else ""
                problems.append(Problem(file, f"overrides content {slug!r}, which does not exist among partner "
                                        f"{partner.slug}'s items{hint}"))
            problems += _check_values(file, "", values, fields)
    return problems


def _own_values_problems(partner: Partner, fields: dict[str, PersonalizeFieldFile]) -> list[Problem]:
    """The problems of the values in ``partner``'s ``[personalize]``: undeclared, too long, required."""
    problems = _check_values(partner.source, "personalize.", partner.data.personalize, fields)
    for name, spec in sorted(fields.items()):
        if spec.required and spec.default is None and not partner.data.personalize.get(name):
            problems.append(Problem(partner.source, "is required by cobrand.toml", field=f"personalize.{name}"))
    return problems


def _check_values(file: str, prefix: str, values: dict[str, str],
                  fields: dict[str, PersonalizeFieldFile]) -> list[Problem]:
    problems = []
    for name, value in sorted(values.items()):
        spec = fields.get(name)
        field = prefix + name
        if spec is None:
            open_fields = ", ".join(sorted(fields)) or "none"
            problems.append(Problem(file, f"is not a field the vendor opened for personalisation "
                                    f"(open fields: {open_fields})", field=field))
            continue
        if len(value) > spec.max_length:
            problems.append(Problem(file, f"is {len(value)} characters; at most {spec.max_length} allowed",
                                    field=field))
        if "\n" in value and not spec.multiline:
            problems.append(Problem(file, "has a line break; this field is one line (cobrand.toml does not "
                                    "declare it multiline)", field=field))
        if spec.kind == "url":
            try:
                check_link_url(value)
            except ValueError as error:
                problems.append(Problem(file, str(error), field=field))
    return problems
