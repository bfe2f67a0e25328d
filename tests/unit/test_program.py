"""The hub's program data (src/cobrand/program.py) and the schema it reads: pure tests, nothing is built.

Schema: ``[tiers.<name>]`` tables, the ``[hub]`` section, ``updated`` and ``teaser`` in front matter, each
error naming its file, key and line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest

from cobrand.build import load_and_check
from cobrand.load.schema import parse_yaml, validate
from cobrand.models import ContentItem, Project
from cobrand.personalize import resolve
from cobrand.plan import Planner
from cobrand.program import build_program, count_kind, hub_view
from cobrand.schemas import PageFile, ProjectFile, SocialFile
from cobrand.tokens import TokenFiller, templated_text, token_context
from support.example import ENVIRON, ROOT


def _without_hub_tables(text: str) -> str:
    """The example's cobrand.toml without its [tiers.<name>] and [hub] tables, for tests to add their own."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        header = line.strip()
        if header.startswith("[") and not header.startswith("[["):
            skipping = header.startswith("[tiers.") or header == "[hub]"
        if not skipping:
            kept.append(line)
    return "".join(kept)


CONFIG = _without_hub_tables((ROOT / "cobrand.toml").read_text(encoding="utf-8"))


def _config(extra: str) -> tuple[ProjectFile | None, list]:
    """The example's cobrand.toml with ``extra`` TOML appended, validated as the loader does."""
    text = CONFIG + "\n" + extra
    return validate(ProjectFile, tomllib.loads(text), "cobrand.toml", toml_text=text)


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if line.strip() == needle)


# --- [tiers.<name>] ----------------------------------------------------------------------------------


def test_tier_tables_sit_beside_order() -> None:
    config, problems = _config('[tiers.gold]\ndescription = "For partners who sell and run it."\n'
                               'benefits = ["Deal registration", "  Quarterly planning  "]\n')
    assert problems == [] and config is not None
    assert config.tiers.order == ["registered", "silver", "gold", "platinum"]
    gold = config.tiers.about("gold")
    assert gold.description == "For partners who sell and run it."
    assert gold.benefits == ["Deal registration", "Quarterly planning"]
    assert config.tiers.about("silver").benefits == [] and config.tiers.about("silver").description is None


def test_a_described_tier_missing_from_order_names_the_table_and_its_line() -> None:
    extra = '[tiers.bronze]\ndescription = "Not a tier of this program."\n'
    _, problems = _config(extra)
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem.file == "cobrand.toml" and problem.field == "tiers.bronze"
    assert "bronze" in problem.message and "registered, silver, gold, platinum" in problem.message
    assert problem.line == _line_of(CONFIG + "\n" + extra, "[tiers.bronze]")


def test_a_misspelt_key_in_a_tier_table_is_named_with_a_guess() -> None:
    extra = '[tiers.gold]\nbenefit = ["Deal registration"]\n'
    _, problems = _config(extra)
    assert [(p.field, p.message) for p in problems] == [
        ("tiers.gold.benefit", "unknown field; did you mean 'benefits'?")]
    assert problems[0].line == _line_of(CONFIG + "\n" + extra, 'benefit = ["Deal registration"]')


def test_a_stray_value_in_tiers_is_not_taken_for_a_tier() -> None:
    text = CONFIG.replace('order = ["registered"', 'ordr = ["gold"]\norder = ["registered"')
    _, problems = validate(ProjectFile, tomllib.loads(text), "cobrand.toml", toml_text=text)
    assert [p.field for p in problems] == ["tiers.ordr"]
    assert "did you mean 'order'?" in problems[0].message


@pytest.mark.parametrize(("benefits", "field"), [('[""]', "tiers.gold.benefits.0"),
                                                  (f'["{"x" * 301}"]', "tiers.gold.benefits.0"),
                                                  ("[3]", "tiers.gold.benefits.0")])
def test_benefits_are_lines_of_text(benefits: str, field: str) -> None:
    _, problems = _config(f"[tiers.gold]\nbenefits = {benefits}\n")
    assert [p.field for p in problems] == [field]


# --- [hub] ---------------------------------------------------------------------------------------


def test_hub_defaults() -> None:
    config, problems = _config("")
    assert problems == [] and config is not None
    assert (config.hub.base_url, config.hub.new_days, config.hub.expiring_days) == (None, 30, 30)


def test_hub_settings() -> None:
    config, problems = _config('[hub]\nbase_url = "https://hub.example/{partner}/"\nnew_days = 14\n'
                               'expiring_days = 60\n')
    assert problems == [] and config is not None
    assert (config.hub.base_url, config.hub.new_days, config.hub.expiring_days) == (
        "https://hub.example/{partner}/", 14, 60)


@pytest.mark.parametrize(("toml", "field", "words"), [
    ('base_url = "https://hub.example/"', "hub.base_url", "{partner}"),
    ('base_url = "https://hub.example/{partner}"', "hub.base_url", "end with '/'"),
    ('base_url = "javascript:alert(1)//{partner}/"', "hub.base_url", ""),
    ("new_days = 0", "hub.new_days", "greater than or equal to 1"),
    ("expiring_days = 400", "hub.expiring_days", "less than or equal to 366"),
    ("new_dayz = 3", "hub.new_dayz", "did you mean 'new_days'?"),
])
def test_hub_errors_name_the_key_and_line(toml: str, field: str, words: str) -> None:
    extra = f"[hub]\n{toml}\n"
    _, problems = _config(extra)
    assert [p.field for p in problems] == [field], problems
    assert words in problems[0].message
    assert problems[0].file == "cobrand.toml" and problems[0].line == _line_of(CONFIG + "\n" + extra, toml)


# --- updated, teaser ----------------------------------------------------------------------------


def _front_matter(schema: type, text: str, file: str = "content/blog/x.md") -> tuple[object, list]:
    data, lines, problems = parse_yaml(text, file, line_offset=1)
    assert problems == []
    return validate(schema, data, file, key_lines=lines)


@pytest.mark.parametrize("schema", [PageFile, SocialFile])
def test_updated_may_not_be_before_date(schema: type) -> None:
    variants = "variants: {linkedin: a, x: b, facebook: c}\n" if schema is SocialFile else ""
    meta, problems = _front_matter(schema, f"title: T\ndate: 2026-11-02\nupdated: 2026-11-01\n{variants}")
    assert meta is None
    assert [(p.file, p.field, p.line) for p in problems] == [("content/blog/x.md", "updated", 4)]
    assert "2026-11-01 is before the item's date (2026-11-02)" in problems[0].message
    meta, problems = _front_matter(schema, f"title: T\ndate: 2026-11-02\nupdated: 2026-11-02\n{variants}")
    assert problems == [] and meta.updated == meta.date  # type: ignore[attr-defined]


def test_updated_must_be_a_real_date() -> None:
    meta, problems = _front_matter(PageFile, "title: T\ndate: 2026-11-02\nupdated: soon\n")
    assert meta is None and [(p.field, p.line) for p in problems] == [("updated", 4)]


def test_teaser_is_off_unless_set() -> None:
    meta, problems = _front_matter(PageFile, "title: T\ndate: 2026-11-02\nmin_tier: gold\n")
    assert problems == [] and meta.teaser is False  # type: ignore[attr-defined]
    meta, problems = _front_matter(PageFile, "title: T\ndate: 2026-11-02\nmin_tier: gold\nteaser: true\n")
    assert problems == [] and meta.teaser is True  # type: ignore[attr-defined]
    meta, problems = _front_matter(PageFile, "title: T\ndate: 2026-11-02\nteaser: perhaps\n")
    assert meta is None and [p.field for p in problems] == ["teaser"]


def test_a_translation_takes_teaser_from_its_original(tmp_path: Path) -> None:
    from cobrand.load.content import load_content

    blog = tmp_path / "content" / "blog"
    blog.mkdir(parents=True)
    (blog / "x.md").write_text("---\ntitle: T\ndate: 2026-11-02\nmin_tier: gold\n---\nBody.\n", encoding="utf-8")
    (blog / "x.de.md").write_text("---\ntitle: T\ndate: 2026-11-02\nteaser: true\n---\nText.\n", encoding="utf-8")
    _, problems = load_content(tmp_path)
    assert [(p.file, p.field) for p in problems] == [("content/blog/x.de.md", "teaser")]


# --- the program: what the hub shows -------------------------------------------------------------------



@pytest.fixture(scope="module")
def example() -> Project:
    project, problems = load_and_check(ROOT, environ=ENVIRON)
    assert project is not None, problems
    return project


def _title(project: Project, partner, item: ContentItem) -> str:
    """``item``'s title as the partner's pages would show it (tokens filled)."""
    context = token_context(partner, project.vendor, resolve(project, partner, item.slug))
    return str(TokenFiller().fill(item.texts["title"], context)) if "title" in item.texts else item.meta.title


def _with(project: Project, key: str, **meta: object) -> Project:
    """``project`` with the front matter of the item ``key`` changed."""
    content = tuple(dataclasses.replace(item, meta=item.meta.model_copy(update=meta)) if item.key == key else item
                    for item in project.content)
    return dataclasses.replace(project, content=content)


def test_counts_are_what_the_partner_gets(example: Project) -> None:
    planner = Planner(example)
    for partner in example.partners:
        plan = planner.plan(partner)
        view = hub_view(example, plan)
        expected: dict[str, int] = {}
        for item in plan.items:
            expected[count_kind(item)] = expected.get(count_kind(item), 0) + 1
        assert {row["kind"]: row["count"] for row in view["counts"]} == expected, partner.slug
        assert view["total"] == len(plan.items)
        assert view["tier"] == partner.tier and view["ecosystems"] == partner.data.ecosystems
        assert view["description"] == example.config.tiers.about(partner.tier).description
        assert view["benefits"] == example.config.tiers.about(partner.tier).benefits


def test_the_example_shows_every_part(example: Project) -> None:
    """Tier benefits for every tier, a teaser one tier up, an updated item and one expiring soon."""
    assert all(example.config.tiers.about(tier).benefits for tier in example.config.tiers.order)
    planner = Planner(example)
    views = {partner.slug: hub_view(example, planner.plan(partner)) for partner in example.partners}
    gold = views["falkenstein-systeme"]
    assert [teaser["key"] for teaser in gold["next_tier"]["teasers"]] == ["one-pagers/clean-room-recovery"]
    assert views["northbeam-it"]["next_tier"] is None
    assert all(any(entry["change"] == "updated" for entry in view["new"]) for view in views.values())
    assert any(view["expiring"] for view in views.values())
    # The launch post is for silver and above: the registered partner is not told it expires.
    assert views["kestrel-cloud"]["expiring"] == []
    assert [entry["key"] for entry in views["maple-ridge-tech"]["expiring"]] == ["social/recovery-assurance-launch"]


def _shown(view: dict) -> str:
    """Everything ``view`` shows but the tiers' descriptions and benefits (the vendor's program text in
    cobrand.toml, which may well name a product that has a gated datasheet), as one string."""
    view = {key: value for key, value in view.items() if key not in ("description", "benefits")}
    if view["next_tier"]:
        view["next_tier"] = {key: value for key, value in view["next_tier"].items()
                             if key not in ("description", "benefits")}
    return json.dumps(view, default=str, ensure_ascii=False)


def _not_entitled_titles(project: Project, planner: Planner, partner) -> dict[str, str]:
    have = {item.key for item in planner.plan(partner).items}
    return {item.key: _title(project, partner, project.localized(item, partner.data.locale))
            for item in project.content if item.key not in have}


def test_no_title_of_an_item_the_partner_does_not_get_unless_teaser(example: Project) -> None:
    """Differential: the hub view of each partner, dumped whole, holds the title of no item it is not entitled
    to, except the next tier's items whose front matter says teaser: true."""
    planner = Planner(example)
    checked = 0
    for partner in example.partners:
        plan = planner.plan(partner)
        dumped = _shown(hub_view(example, plan))
        teasers = {teaser.key for teaser in (build_program(example, plan).next_tier or _NO_TIER).teasers}
        for key, title in _not_entitled_titles(example, planner, partner).items():
            if key in teasers:
                assert title in dumped
                continue
            assert title not in dumped, (partner.slug, key)
            checked += 1
    assert checked >= 5


class _NoTier:
    teasers = ()


_NO_TIER = _NoTier()


def test_without_teaser_the_next_tier_shows_counts_only(example: Project) -> None:
    project = _with(example, "one-pagers/clean-room-recovery", teaser=False)
    planner = Planner(project)
    falkenstein = next(p for p in project.partners if p.slug == "falkenstein-systeme")
    view = hub_view(project, planner.plan(falkenstein))
    assert view["next_tier"]["teasers"] == [] and view["next_tier"]["total"] == 1
    assert "Clean Room" not in _shown(view)


def test_the_next_tier_counts_fail_closed_for_other_ecosystems_and_regions(example: Project) -> None:
    """A platinum item for an ecosystem (or region) the gold partner is not in is neither counted nor titled."""
    falkenstein = next(p for p in example.partners if p.slug == "falkenstein-systeme")
    other = next(eco for eco in example.config.ecosystems.known if eco not in falkenstein.data.ecosystems)
    region = next(r for r in example.config.regions.known if r not in falkenstein.data.regions)
    for gate in ({"ecosystems": [other]}, {"regions": [region]}, {"partners": ["northbeam-it"]}):
        project = _with(example, "one-pagers/clean-room-recovery", **gate)
        planner = Planner(project)
        view = hub_view(project, planner.plan(falkenstein))
        assert view["next_tier"]["total"] == 0 and view["next_tier"]["teasers"] == [], gate
        assert "Clean Room" not in _shown(view), gate
    # The same item for an ecosystem the partner is in counts again.
    project = _with(example, "one-pagers/clean-room-recovery", ecosystems=[falkenstein.data.ecosystems[0]])
    planner = Planner(project)
    view = hub_view(project, planner.plan(falkenstein))
    assert view["next_tier"]["total"] == 1 and len(view["next_tier"]["teasers"]) == 1


def test_a_teaser_two_tiers_up_is_not_shown(example: Project) -> None:
    planner = Planner(example)
    maple = next(p for p in example.partners if p.slug == "maple-ridge-tech")  # silver: gold is next
    view = hub_view(example, planner.plan(maple))
    assert view["next_tier"]["name"] == "gold" and view["next_tier"]["teasers"] == []
    assert "Clean Room" not in _shown(view)


KEY = "blog/immutable-backups-explained"  # for every partner, published long before the example's day


def _entries(project: Project, today: dt.date, slug: str = "kestrel-cloud") -> tuple[list, list]:
    planner = Planner(project)
    partner = next(p for p in project.partners if p.slug == slug)
    view = hub_view(project, planner.plan(partner), today=today)
    return ([(e["key"], e["change"], e["date"]) for e in view["new"] if e["key"] == KEY],
            [(e["key"], e["days_left"]) for e in view["expiring"] if e["key"] == KEY])


@pytest.mark.parametrize(("age", "listed"), [(0, True), (30, True), (31, False)])
def test_added_within_new_days_at_the_boundary(example: Project, age: int, listed: bool) -> None:
    today = example.today
    day = today - dt.timedelta(days=age)
    new, _ = _entries(_with(example, KEY, date=day), today)
    assert new == ([(KEY, "added", day)] if listed else [])


@pytest.mark.parametrize(("age", "listed"), [(0, True), (30, True), (31, False)])
def test_updated_within_new_days_at_the_boundary(example: Project, age: int, listed: bool) -> None:
    today = example.today
    day = today - dt.timedelta(days=age)
    new, _ = _entries(_with(example, KEY, updated=day), today)
    assert new == ([(KEY, "updated", day)] if listed else [])


def test_new_days_comes_from_the_hub_section(example: Project) -> None:
    today = example.today
    project = _with(example, KEY, updated=today - dt.timedelta(days=10))
    short = dataclasses.replace(project, config=project.config.model_copy(
        update={"hub": project.config.hub.model_copy(update={"new_days": 9})}))
    assert _entries(project, today)[0] and not _entries(short, today)[0]


def test_an_item_published_and_updated_in_the_window_is_listed_once_as_updated(example: Project) -> None:
    today = example.today
    project = _with(example, KEY, date=today - dt.timedelta(days=5), updated=today - dt.timedelta(days=1))
    assert _entries(project, today)[0] == [(KEY, "updated", today - dt.timedelta(days=1))]
    # Updated on the day it was published: that is its publication.
    project = _with(example, KEY, date=today - dt.timedelta(days=5), updated=today - dt.timedelta(days=5))
    assert _entries(project, today)[0] == [(KEY, "added", today - dt.timedelta(days=5))]


def test_an_update_after_today_is_not_news_yet(example: Project) -> None:
    today = example.today
    assert _entries(_with(example, KEY, updated=today + dt.timedelta(days=1)), today)[0] == []


def test_whats_new_is_newest_first(example: Project) -> None:
    planner = Planner(example)
    for partner in example.partners:
        view = hub_view(example, planner.plan(partner))
        days = [entry["date"] for entry in view["new"]]
        assert days == sorted(days, reverse=True) and days, partner.slug


@pytest.mark.parametrize(("days", "listed"), [(-1, False), (0, True), (60, True), (61, False)])
def test_expiring_within_expiring_days_at_the_boundary(example: Project, days: int, listed: bool) -> None:
    """The example's [hub] expiring_days is 60: an item is listed from 60 days before its last day to that day."""
    assert example.config.hub.expiring_days == 60
    today = example.today
    _, expiring = _entries(_with(example, KEY, expires=today + dt.timedelta(days=days)), today)
    assert expiring == ([(KEY, days)] if listed else [])


def test_links_go_to_the_public_site_and_the_kit(example: Project) -> None:
    planner = Planner(example)
    partner = next(p for p in example.partners if p.slug == "northbeam-it")
    view = hub_view(example, planner.plan(partner))
    updated = next(entry for entry in view["new"] if entry["key"] == "one-pagers/recovery-assurance")
    assert updated["url"] == "https://partners.harborline.example/northbeam-it/one-pagers/recovery-assurance.html"
    assert updated["files"] == ["kit/recovery-assurance.pdf"]
    social = next(entry for entry in view["new"] if entry["kind"] == "social")
    assert social["url"] is None and social["hub_path"].startswith("social.html#post-")


def test_titles_are_filled_for_the_partner(example: Project) -> None:
    """A title with a token shows the partner's value, on the news list and as a teaser."""
    project = _with(example, KEY, updated=example.today)
    item = next(item for item in project.content if item.key == KEY)
    templated, _ = templated_text("Backups for {{ partner.name }}", 1)
    project = dataclasses.replace(project, content=tuple(
        dataclasses.replace(other, texts={**other.texts, "title": templated}) if other is item else other
        for other in project.content))
    planner = Planner(project)
    for partner in project.partners:
        view = hub_view(project, planner.plan(partner))
        titles = [entry["title"] for entry in view["new"] if entry["key"] == KEY]
        assert titles == [f"Backups for {partner.name}"], partner.slug


def test_a_social_post_is_listed_by_its_headline_not_its_internal_title(example: Project) -> None:
    """The launch post's title carries the vendor's note "(silver and above)"; the hub lists its headline."""
    planner = Planner(example)
    partner = next(p for p in example.partners if p.slug == "maple-ridge-tech")
    view = hub_view(example, planner.plan(partner))
    launch = next(entry for entry in view["expiring"] if entry["key"] == "social/recovery-assurance-launch")
    assert launch["title"] == "Recovery Assurance: restore tests you can prove"
    assert "silver and above" not in json.dumps(view, default=str)
