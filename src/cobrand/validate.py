"""Stage 2, validate: cross-references and per-partner checks across the loaded project.

Schemas already checked each file on its own; this module checks what only
the whole project can tell: known tiers, partners and links, tokens that name
real fields, social posts that fit each network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from .cache import digest
from .entitlement import exclusion_reason, social_link_warnings
from .errors import Problem, UsageError
from .load import CONFIG_FILE, SavedState
from .load.content import DRAFT_NOT_BUILT, as_draft_problems
from .models import ContentItem, Partner, Project, Templated
from .networks import BY_NAME, Network
from .personalize import check_personalization, resolve
from .schemas import SocialFile
from .scope import PROJECT, content_of, partner_of, partner_scope, scoped
from .tokens import TokenError, TokenFiller, token_context
from .values import FIRST_DATE, LAST_DATE

EXPIRY_WARNING_DAYS = 30


def check_project(project: Project, state: SavedState | None = None) -> list[Problem]:
    """Every cross-reference error and warning of the project.

    With ``state``, a partner's social posts are measured again only when the
    partner, the social posts, the config or the date changed.
    """
    problems = _check_partners(project) + _check_unique_slugs(project)
    for item in project.content:
        problems += _check_item(project, item)
    problems += check_personalization(project, state)
    problems += _check_tokens(project)
    # A draft is checked as far as it can be and never stops a build: its errors are warnings, and
    # set_aside_broken_drafts leaves it out, previews included.
    drafts = {item.source for item in project.content if item.meta.draft}
    problems = [*as_draft_problems([p for p in problems if p.file in drafts]),
                *(p for p in problems if p.file not in drafts)]
    problems = [scoped(problem) for problem in problems]
    errors = [problem for problem in problems if problem.severity == "error"]
    if any(problem.scope == PROJECT for problem in errors):
        return problems
    # The per-partner checks below rely on valid tiers and tokens: they measure only the partners and
    # items without errors, so one partner's typo never hides another partner's over-long post.
    broken_partners = {partner_of(problem) for problem in errors}
    broken_items = {content_of(problem) for problem in errors}
    healthy = dataclasses.replace(
        set_aside_broken_drafts(project, problems),
        partners=tuple(p for p in project.partners if p.slug not in broken_partners))
    healthy = dataclasses.replace(healthy, content=tuple(item for item in healthy.content
                                                         if item.key not in broken_items))
    return problems + _check_social_lengths(healthy, state or SavedState()) + social_link_warnings(healthy)


def set_aside_broken_drafts(project: Project, problems: list[Problem]) -> Project:
    """``project`` without the drafts that have problems (their errors were made warnings)."""
    broken = {p.file for p in problems if p.message.startswith(DRAFT_NOT_BUILT)}
    if not any(item.meta.draft and item.source in broken for item in project.content):
        return project
    return dataclasses.replace(project, content=tuple(item for item in project.content
                                                      if not (item.meta.draft and item.source in broken)))


def _unknown(values: list[str] | tuple[str, ...], known: list[str]) -> list[str]:
    return [value for value in values if known and value not in known]


def _check_partners(project: Project) -> list[Problem]:
    config = project.config
    problems = []
    for partner in project.partners:
        data = partner.data
        if data.tier not in config.tiers.order:
            problems.append(Problem(partner.source, f"unknown tier {data.tier!r}; {CONFIG_FILE} defines "
                                    f"{', '.join(config.tiers.order)}", field="tier"))
        for name, values, known in (("ecosystems", data.ecosystems, config.ecosystems.known),
                                    ("regions", data.regions, config.regions.known)):
            for value in _unknown(values, known):
                problems.append(Problem(partner.source, f"unknown {name[:-1]} {value!r}; known: "
                                        f"{', '.join(known)}", field=name))
    return problems


def _check_unique_slugs(project: Project) -> list[Problem]:
    """Content slugs are unique across kinds, so overrides and links can name them alone."""
    first: dict[str, str] = {}
    problems = []
    for item in project.content:
        if item.slug in first:
            problems.append(Problem(item.source, f"uses the slug {item.slug!r} of {first[item.slug]}; "
                                    "content slugs must be unique across kinds"))
        first.setdefault(item.slug, item.source)
    return problems


def _check_item(project: Project, item: ContentItem) -> list[Problem]:
    config = project.config
    meta = item.meta
    problems = []
    if meta.min_tier is not None and meta.min_tier not in config.tiers.order:
        problems.append(Problem(item.source, f"unknown tier {meta.min_tier!r}; {CONFIG_FILE} defines "
                                f"{', '.join(config.tiers.order)}", field="min_tier"))
    for name, values, known in (("ecosystems", meta.ecosystems or [], config.ecosystems.known),
                                ("regions", meta.regions or [], config.regions.known)):
        for value in _unknown(values, known):
            problems.append(Problem(item.source, f"unknown {name[:-1]} {value!r}; known: {', '.join(known)}",
                                    field=name))
    for slug in meta.partners or []:
        if slug not in project.partner_folders:
            problems.append(Problem(item.source, f"unknown partner {slug!r} (no partners/{slug}/)",
                                    field="partners"))
    if isinstance(meta, SocialFile) and meta.link is not None:
        pages = {other.key: other.has_page for other in project.content}
        if meta.link not in pages:
            problems.append(Problem(item.source, f"links to {meta.link!r}, which does not exist", field="link"))
        elif not pages[meta.link]:
            problems.append(Problem(item.source, f"links to {meta.link!r}, which has no page of its own; link to a "
                                    "blog post, one-pager, media item or another kind with pages", field="link"))
    if meta.teaser and meta.min_tier is None:
        problems.append(Problem(item.source, "teaser: true has no effect without min_tier: every tier gets the item",
                                field="teaser", severity="warning"))
    if meta.expires is not None and not meta.draft:
        days = (meta.expires - project.today).days
        if 0 <= days <= EXPIRY_WARNING_DAYS:
            problems.append(Problem(item.source, f"expires in {days} days ({meta.expires.isoformat()})",
                                    field="expires", severity="warning"))
    return problems


def _check_tokens(project: Project) -> list[Problem]:
    """Fill every token against one partner: the fields every partner has are the same."""
    if not project.partners:
        return []
    filler = TokenFiller()
    context = token_context(project.partners[0], project.vendor, resolve(project, project.partners[0]))
    problems = []
    for item in project.content:
        templated = [("", item.body)] if item.body else []
        templated += [(f"variants.{network}", value) for network, value in sorted(item.variants.items())]
        templated += sorted(item.texts.items())  # title, summary, headline: filled like the body
        for field, value in templated:
            for expression in value.expressions:
                try:
                    filler.evaluate(expression, context)
                except TokenError as error:
                    problems.append(Problem(item.source, f"{error}; tokens can read partner.name, "
                                            "partner.website, partner.contact.email and the like",
                                            field=field or None, line=expression.line))
    return problems


def social_text(text: str, hashtags: list[str], url: str | None, network: str) -> str:
    """The post as published: text, then link, then hashtags, joined as the network shows them."""
    parts = [text.strip()]
    if url:
        parts.append(url)
    if hashtags:
        parts.append(" ".join(f"#{tag}" for tag in hashtags))
    known = BY_NAME.get(network)
    return (known.separator if known else "\n\n").join(parts)


def _check_social_lengths(project: Project, state: SavedState) -> list[Problem]:
    filler = TokenFiller()
    social = [item for item in project.content if isinstance(item.meta, SocialFile)]
    shared = digest(project.config_key, project.today.isoformat(), *(item.digest for item in social))
    problems: set[Problem] = set()
    for partner in project.partners:
        def measure(partner: Partner = partner) -> list[Problem]:
            return _partner_social_problems(project, partner, social, filler)

        # Partners built in memory (no folder digest) are measured every time.
        found = (state.social_checks.recall(partner.slug, digest(shared, partner.digest), measure)
                 if partner.digest else measure())
        problems.update(found)
    return sorted(problems)


def _partner_social_problems(project: Project, partner: Partner, social: list[ContentItem],
                             filler: TokenFiller) -> list[Problem]:
    """Length problems of every social post ``partner`` gets, filled with its values.

    A post too long even with every token empty is the post's problem; one made too
    long by what the partner's values add is the partner's, naming the fields (issue 20).
    """
    problems: list[Problem] = []
    placeholder_url = "https://x.example/" + "a" * 40
    for item in social:
        assert isinstance(item.meta, SocialFile)
        if exclusion_reason(item, partner, project) is None:
            context = token_context(partner, project.vendor, resolve(project, partner, item.slug))
            for network, templated in sorted(item.variants.items()):
                try:
                    text = str(filler.fill(templated, context))
                except TokenError:
                    continue  # reported by _check_tokens
                url = placeholder_url if item.meta.link else None
                full = social_text(text, item.meta.hashtags, url, network)
                bare = social_text(_without_tokens(templated), item.meta.hashtags, url, network)
                field = f"variants.{network}"
                rules = BY_NAME.get(network)
                if rules is None:
                    continue
                if rules.length(full) > rules.limit:
                    problems.append(_length_problem(project, partner, item, field, rules, rules.length(full),
                                                    rules.length(bare), templated))
                hook = text.split("\n", 1)[0]
                if rules.hook is not None and len(hook) > rules.hook:
                    problems.append(Problem(item.source, f"{rules.label} hook (first line) is {len(hook)} "
                                         f"characters; only about {rules.hook} show before 'see more'",
                                         field=field, severity="warning"))
    return problems


def _without_tokens(templated: Templated) -> str:
    """The vendor's own text of a post: every token left empty."""
    return "".join(segment for segment in templated.segments if isinstance(segment, str))


def _length_problem(project: Project, partner: Partner, item: ContentItem, field: str, rules: Network, count: int,
                    bare_count: int, templated: Templated) -> Problem:
    label, limit = rules.label, rules.limit
    urls = f", each URL counts {rules.url_length}" if rules.url_length is not None else ""
    if bare_count > limit:  # too long for everyone: the post's own problem, said the same for every partner
        return Problem(item.source, f"{label} post is {bare_count} characters before any partner value "
                                    f"(limit {limit}{urls})", field=field)
    file, names = _partner_fields(partner, item, templated)
    return Problem(file, f"{label} post is {count} characters for partner {partner.slug} (limit {limit}{urls}): "
                         f"{item.source} ({field}) fits without the partner's value; shorten {', '.join(names)}",
                   field=names[0] if names else None, scope=partner_scope(partner.slug))


def _partner_fields(partner: Partner, item: ContentItem, templated: Templated) -> tuple[str, list[str]]:
    """The partner file and fields whose values a post's tokens place."""
    override_file, overrides = partner.overrides.get(item.slug, (partner.source, {}))
    names: list[str] = []
    file = partner.source
    for expression in templated.expressions:
        parts = expression.source.replace(" ", "").split(".")
        if parts[0] == "partner" and len(parts) > 1 and parts[1] != "personalize":
            name = ".".join(parts[1:])
        elif parts[0] in ("personalize", "partner") and len(parts) > 1:
            personal = parts[-1]
            if personal in overrides:
                file, name = override_file, personal
            else:
                name = f"personalize.{personal}"
        else:
            continue
        if name not in names:
            names.append(name)
    return file, names


def today_from_environment(environ: dict[str, str]) -> dt.date:
    """The build date: from SOURCE_DATE_EPOCH when set (reproducible builds), else today (UTC).

    A set but malformed SOURCE_DATE_EPOCH is a UsageError, never ignored: the reproducible-builds
    specification asks builds to stop on one rather than fall back to the clock.
    """
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.datetime.now(tz=dt.UTC).date()
    if not re.fullmatch(r"[0-9]{1,20}", epoch):
        raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC, "
                         f"not {epoch[:40]!r}")
    start, after = (int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())
                    for day in (FIRST_DATE, LAST_DATE + dt.timedelta(days=1)))
    if not start <= int(epoch) < after:
        raise UsageError(f"SOURCE_DATE_EPOCH {epoch} is outside {FIRST_DATE.year}-{LAST_DATE.year}, the years "
                         "every output (such as the kit's zip timestamps) can hold")
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
