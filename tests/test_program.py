"""The hub's program data (src/cobrand/program.py) and the schema it reads: pure tests, nothing is built.

Schema: ``[tiers.<name>]`` tables, the ``[hub]`` section, ``updated`` and ``teaser`` in front matter, each
error naming its file, key and line.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cobrand.load.schema import parse_yaml, validate
from cobrand.models import PageFile, ProjectFile, SocialFile

from conftest import ROOT

CONFIG = (ROOT / "cobrand.toml").read_text(encoding="utf-8")


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
