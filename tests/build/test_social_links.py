"""Links follow entitlement and time: a social post that promotes an item a partner does not get (gated,
expired, scheduled, draft) is left out of that partner's social page, CSVs, text file and kit zip, with a
warning naming the post's file and the item. No output ever carries such an item's address."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

import cobrand
from cobrand.check import check
from cobrand.scaffold import init_project, new_partner
from support.example import ENVIRON

TARGET = """---
title: Gold insights
date: 2026-01-05
summary: For gold partners.
{gating}
---

The body of the gated post.
"""
POST = """title: Promote the gold insights
date: 2026-01-06
link: blog/gold-insights
variants:
  linkedin: "Read the insights from {{ partner.name }}."
  x: "Insights from {{ partner.name }}."
  facebook: "Insights from {{ partner.name }}."
"""


def make_project(root: Path, gating: str) -> Path:
    init_project(root, environ=ENVIRON)
    new_partner(root, "gold-co", name="Gold Co", tier="gold")
    (root / "content" / "blog" / "gold-insights.md").write_text(TARGET.format(gating=gating), encoding="utf-8")
    (root / "content" / "social" / "promote.yaml").write_text(POST, encoding="utf-8")
    return root


def hub_of(site: Path) -> Path:
    """The partner's hub folder, for its site folder in a build's default layout."""
    return site.parent.with_name(site.parent.name + "-hub") / site.name


def every_text(site: Path) -> dict[str, str]:
    """Every text file of a partner's output (its site and its hub), zip members included, by name."""
    texts = {}
    for path in sorted([*site.rglob("*"), *hub_of(site).rglob("*")]):
        root = site if path.is_relative_to(site) else hub_of(site)
        if path.suffix in {".html", ".csv", ".txt", ".xml"}:
            texts[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
        elif path.suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
                for name in archive.namelist():
                    if name.endswith((".csv", ".txt")):
                        texts[f"{path.name}:{name}"] = archive.read(name).decode("utf-8")
    return texts


def promoted(site: Path) -> list[str]:
    return [name for name, text in every_text(site).items() if "Insights from" in text or "insights from" in text]


def linked(site: Path) -> list[str]:
    return [name for name, text in every_text(site).items() if "gold-insights" in text]


@pytest.mark.parametrize("gating, reason", [
    ("min_tier: gold", "needs tier gold"),
    ("expires: 2026-02-01", "expired on 2026-02-01"),
    ("publish: 2027-03-01", "scheduled for 2027-03-01"),
    ("date: 2027-03-01", "scheduled for 2027-03-01"),
    ("draft: true", "draft"),
])
def test_a_post_promoting_an_item_a_partner_does_not_get_is_left_out_with_a_warning(tmp_path, gating, reason):
    if gating.startswith("date:"):
        root = make_project(tmp_path / "project", "")
        target = root / "content" / "blog" / "gold-insights.md"
        target.write_text(target.read_text().replace("date: 2026-01-05", gating), encoding="utf-8")
    else:
        root = make_project(tmp_path / "project", gating)
    out = tmp_path / "out"
    report = cobrand.build(root, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON)
    silver = out / "example-partner"
    assert promoted(silver) == [] and linked(silver) == []
    rows = list(csv.reader(io.StringIO((hub_of(silver) / "kit" / "hootsuite-x.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 1  # the launch post only
    gold = out / "gold-co"
    if reason.startswith("needs tier"):  # the gold partner gets both: the post, with a link to the page
        assert "kit/hootsuite-x.csv" in promoted(gold) and "social.html" in linked(gold)
        assert (gold / "blog" / "gold-insights.html").is_file()
    else:
        assert promoted(gold) == [] and linked(gold) == []
    # The warning names the post's file, the item and why; build and check say the same.
    for warnings in (report.warnings, check(root, environ=ENVIRON).warnings):
        found = [w for w in warnings if w.file == "content/social/promote.yaml"]
        assert found, warnings
        assert "blog/gold-insights" in found[0].message and reason in found[0].message
        assert "example-partner" in found[0].message


def test_a_post_whose_item_is_published_is_kept(tmp_path):
    root = make_project(tmp_path / "project", "")
    out = tmp_path / "out"
    report = cobrand.build(root, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON)
    for slug in ("example-partner", "gold-co"):
        site = out / slug
        assert {"kit/hootsuite-x.csv", "kit/social-posts.txt", "social.html"} <= set(promoted(site))
        assert any(name.endswith("kit/hootsuite-x.csv") for name in promoted(site) if ":" in name)  # in the zip
    assert not [w for w in report.warnings if w.file == "content/social/promote.yaml"]


def test_expiry_takes_the_promotion_down_on_the_day(tmp_path):
    # The same project built on two days: the nightly build after expiry drops the promotion.
    root = make_project(tmp_path / "project", "expires: 2026-11-22")
    out = tmp_path / "out"
    cobrand.build(root, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON)  # 2026-11-22
    assert "social.html" in promoted(out / "example-partner")
    next_day = {"SOURCE_DATE_EPOCH": str(int(ENVIRON["SOURCE_DATE_EPOCH"]) + 86400)}
    cobrand.build(root, out_dir=out, jobs=1, pdfs=False, images=False, environ=next_day)
    assert promoted(out / "example-partner") == [] and linked(out / "example-partner") == []
