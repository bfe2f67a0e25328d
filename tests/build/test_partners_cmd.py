"""``cobrand partners``: the partner list and the entitlement matrix, checked against the rules."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cobrand.cli import main
from support.example import (
    BUILD_DATE,
    CONFIG,
    ENVIRON,
    ITEMS,
    PARTNERS,
    ROOT,
    Item,
    PartnerInfo,
    _as_date,
    copy_example,
    entitled,
)

KINDS = ("blog", "one-pagers", "media", "social")
# Translations (<slug>.<lang>.md) share their original's entitlements and column.
ITEMS = [item for item in ITEMS if "." not in item.slug]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=ENVIRON, catch_exceptions=False)

def expected_reason(item: Item, partner: PartnerInfo) -> str | None:
    """The first rule that withholds ``item``, as a pattern its reason must match (independent of src/)."""
    meta, data = item.meta, partner.data
    order = CONFIG["tiers"]["order"]
    if meta.get("draft"):
        return r"draft"
    if meta.get("expires") is not None and _as_date(meta["expires"]) < BUILD_DATE:
        return r"expired"
    if meta.get("partners") is not None and partner.slug not in meta["partners"]:
        return r"other partners"
    if meta.get("min_tier") is not None and order.index(data["tier"]) < order.index(meta["min_tier"]):
        return rf"\b{meta['min_tier']}\b"
    if meta.get("ecosystems") is not None and not set(meta["ecosystems"]) & set(data.get("ecosystems", [])):
        return "ecosystem.*" + "|".join(meta["ecosystems"]) + "|" + "|".join(meta["ecosystems"]) + ".*ecosystem"
    if meta.get("regions") is not None and not set(meta["regions"]) & set(data.get("regions", [])):
        return "region.*" + "|".join(meta["regions"]) + "|" + "|".join(meta["regions"]) + ".*region"
    return None


def parse_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames or []), list(reader)


def test_csv_matrix_matches_the_entitlement_rules() -> None:
    result = run("partners", str(ROOT), "--csv")
    assert result.exit_code == 0, result.output
    header, rows = parse_csv(result.output)
    keys = [f"{item.kind}/{item.slug}" for item in ITEMS]
    item_columns = header[header.index("entitled") + 1:]
    assert sorted(item_columns) == sorted(keys)
    assert [row["partner"] for row in rows] == sorted(partner.slug for partner in PARTNERS)
    withheld = 0
    for partner in PARTNERS:
        row = next(row for row in rows if row["partner"] == partner.slug)
        assert (row["name"], row["tier"], row["locale"]) == (partner.name, partner.data["tier"], partner.locale)
        assert row["ecosystems"].split() == partner.data.get("ecosystems", [])
        assert row["regions"].split() == partner.data.get("regions", [])
        for item in ITEMS:
            cell = row[f"{item.kind}/{item.slug}"]
            if entitled(item, partner, CONFIG):
                assert cell == "1", (partner.slug, item.slug, cell)
            else:
                withheld += 1
                pattern = expected_reason(item, partner)
                assert pattern is not None
                assert cell != "1" and re.search(pattern, cell), (partner.slug, item.slug, cell, pattern)
        assert int(row["entitled"]) == sum(entitled(item, partner, CONFIG) for item in ITEMS)
    assert withheld > 0  # the example exercises the rules


def test_binary_csv_has_only_ones_and_zeros() -> None:
    result = run("partners", str(ROOT), "--csv", "--binary")
    assert result.exit_code == 0, result.output
    _, rows = parse_csv(result.output)
    for partner in PARTNERS:
        row = next(row for row in rows if row["partner"] == partner.slug)
        for item in ITEMS:
            assert row[f"{item.kind}/{item.slug}"] == ("1" if entitled(item, partner, CONFIG) else "0")


def test_table_lists_partners_with_counts_per_kind() -> None:
    result = run("partners", str(ROOT))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:6] == ["PARTNER", "NAME", "TIER", "ECOSYSTEMS", "REGIONS", "LOCALE"]
    for partner in PARTNERS:
        line = next(line for line in lines if line.startswith(partner.slug + " "))
        assert partner.name in line and f" {partner.data['tier']} " in line and partner.locale in line
        counts = [int(number) for number in line.split()[-5:]]
        expected = [sum(1 for item in ITEMS if item.kind == kind and entitled(item, partner, CONFIG))
                    for kind in KINDS]
        assert counts == [*expected, sum(expected)], partner.slug
    assert f"{len(PARTNERS)} partner(s), {len(ITEMS)} content item(s)" in result.output


def test_json_lists_partners() -> None:
    result = run("partners", str(ROOT), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [entry["slug"] for entry in data] == sorted(partner.slug for partner in PARTNERS)
    for entry in data:
        partner = next(p for p in PARTNERS if p.slug == entry["slug"])
        assert entry["ecosystems"] == partner.data.get("ecosystems", [])
        assert entry["total"] == sum(entitled(item, partner, CONFIG) for item in ITEMS)


def test_spreadsheet_formulas_are_neutralised(tmp_path: Path) -> None:
    project = copy_example(tmp_path)
    toml = project / "partners/kestrel-cloud/partner.toml"
    toml.write_text(toml.read_text().replace('name = "Kestrel Cloud"', 'name = "=HYPERLINK(\\"x\\")"'))
    result = run("partners", str(project), "--csv")
    assert result.exit_code == 0, result.output
    _, rows = parse_csv(result.output)
    name = next(row["name"] for row in rows if row["partner"] == "kestrel-cloud")
    assert name == "'=HYPERLINK(\"x\")"


@pytest.mark.parametrize("args", [[], ["--csv"]])
def test_a_broken_project_names_the_file(tmp_path: Path, args: list[str]) -> None:
    project = copy_example(tmp_path)
    toml = project / "partners/kestrel-cloud/partner.toml"
    toml.write_text(toml.read_text().replace('tier = "registered"', 'tier = "diamond"'))
    result = run("partners", str(project), *args)
    assert result.exit_code == 1
    assert "partners/kestrel-cloud/partner.toml" in result.output and "diamond" in result.output
