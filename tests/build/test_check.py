"""``cobrand check``: every check of a build, without writing anything."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cobrand
from cobrand.check import check
from cobrand.cli import main
from cobrand.links import broken_links
from support.example import (
    BUILD_DATE,
    CONFIG,
    ENVIRON,
    PARTNERS,
    ROOT,
    copy_example,
    entitled,
    load_items,
    project_files,
)

POST = "content/blog/ransomware-recovery-drill.md"  # ungated: every partner has it
GATED = "what-managed-backup-should-cost"  # min_tier: gold




@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


def set_expiry(project: Path, relative: str, days: int) -> dt.date:
    expires = BUILD_DATE + dt.timedelta(days=days)
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n") and "\nexpires:" not in text
    path.write_text(text.replace("---\n", f"---\nexpires: {expires.isoformat()}\n", 1), encoding="utf-8")
    return expires


def link_to_gated_post(project: Path) -> None:
    path = project / POST
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"\nSee also [what managed backup should cost](../blog/{GATED}.html).\n",
                    encoding="utf-8")


def expiry_warnings(report, file: str) -> list[cobrand.Problem]:
    return [p for p in report.warnings if p.file == file and p.field == "expires"]


# --- the example ------------------------------------------------------------------------------


def test_example_checks_clean():
    report = check(ROOT, environ=ENVIRON)
    assert report.ok, report.summary()
    assert report.errors == []
    assert report.warnings == [], report.summary()
    assert report.partners == len(PARTNERS)
    assert report.content == len(load_items(ROOT))
    assert check(ROOT, strict=True, environ=ENVIRON).ok


def test_check_writes_nothing(project):
    link_to_gated_post(project)  # a project with findings, so rendering and link checks run
    before = project_files(project)
    folders = sorted(path for path in project.rglob("*") if path.is_dir())
    report = check(project, environ=ENVIRON)
    assert report.warnings
    assert not (project / "build").exists()
    assert project_files(project) == before, "check must not create or change any file"
    assert sorted(path for path in project.rglob("*") if path.is_dir()) == folders, "nor any folder"


def test_check_finds_errors_without_writing(project):
    partner = project / "partners" / "kestrel-cloud" / "partner.toml"
    partner.write_text(partner.read_text(encoding="utf-8").replace('tier = "registered"', 'tier = "bronze"'),
                       encoding="utf-8")
    report = check(project, environ=ENVIRON)
    assert not report.ok
    assert any(p.file == "partners/kestrel-cloud/partner.toml" and p.field == "tier" for p in report.errors)
    assert not (project / "build").exists()


# --- expiry ----------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 10, 30])
def test_item_expiring_within_30_days_warns(project, days):
    expires = set_expiry(project, POST, days)
    report = check(project, environ=ENVIRON)
    assert report.ok, "a warning is not a failure"
    warnings = expiry_warnings(report, POST)
    assert len(warnings) == 1, report.summary()
    assert warnings[0].severity == "warning"
    assert expires.isoformat() in warnings[0].message or str(days) in warnings[0].message
    assert POST in report.summary() and "expires" in report.summary()


def test_item_expiring_later_does_not_warn(project):
    set_expiry(project, POST, 31)
    report = check(project, environ=ENVIRON)
    assert expiry_warnings(report, POST) == []
    assert report.warnings == []


def test_expiry_warning_also_appears_in_a_build(project, tmp_path):
    set_expiry(project, POST, 5)
    report = cobrand.build(project, out_dir=tmp_path / "out", jobs=1, environ=ENVIRON, pdfs=False, images=False)
    assert report.ok
    assert [p for p in report.warnings if p.file == POST and p.field == "expires"]


# --- links to pages a partner does not get -----------------------------------------------------


def test_link_to_a_gated_page_warns_for_partners_without_it(project):
    link_to_gated_post(project)
    report = check(project, environ=ENVIRON)
    assert report.ok
    warnings = [p for p in report.warnings if p.file == POST]
    assert warnings, report.summary()
    gated = next(item for item in load_items(ROOT) if item.slug == GATED)
    has_post = next(item for item in load_items(ROOT) if item.source.name == Path(POST).name)
    without = {p.slug for p in PARTNERS if entitled(has_post, p, CONFIG) and not entitled(gated, p, CONFIG)}
    assert without, "the example must have partners below gold"
    flagged = {p.slug for p in PARTNERS for w in warnings if p.slug in w.message}
    assert flagged == without
    assert all(GATED in w.message for w in warnings)


def test_link_to_a_gated_page_fails_in_strict_mode(project):
    link_to_gated_post(project)
    report = check(project, strict=True, environ=ENVIRON)
    assert not report.ok
    assert report.errors == [], "strict mode fails on warnings without calling them errors"


def test_link_to_a_gated_page_warns_in_a_build_too(project, tmp_path):
    link_to_gated_post(project)
    report = cobrand.build(project, out_dir=tmp_path / "out", jobs=1, environ=ENVIRON, pdfs=False, images=False)
    assert [p for p in report.all_warnings if p.file == POST and GATED in p.message]


def test_expiry_warning_fails_in_strict_mode(project):
    set_expiry(project, POST, 3)
    assert check(project, environ=ENVIRON).ok
    assert not check(project, strict=True, environ=ENVIRON).ok


# --- the command ------------------------------------------------------------------------------


def invoke(*args: str):
    return CliRunner().invoke(main, ["check", *args], env=ENVIRON, catch_exceptions=False)


def test_cli_check_json_on_the_example():
    result = invoke(str(ROOT), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["errors"] == [] and data["warnings"] == []
    assert data["partners"] == len(PARTNERS)


def test_cli_check_strict_exits_1_on_warnings(project):
    set_expiry(project, POST, 3)
    relaxed = invoke(str(project), "--json")
    assert relaxed.exit_code == 0
    data = json.loads(relaxed.stdout)
    assert data["ok"] is True
    assert any(w["file"] == POST and w["field"] == "expires" for w in data["warnings"])
    strict = invoke(str(project), "--json", "--strict")
    assert strict.exit_code == 1
    data = json.loads(strict.stdout)
    assert data["ok"] is False
    assert any(w["file"] == POST for w in data["warnings"])
    assert not (project / "build").exists()


def test_cli_check_strict_passes_without_warnings():
    result = invoke(str(ROOT), "--strict")
    assert result.exit_code == 0, result.output


def test_broken_links_finds_every_link_attribute_and_reports_them_in_page_order():
    """The quick scan must find what the full pattern finds: links after any whitespace, src as well as href."""
    page = (b'<a href="ok.html">x</a><a\nhref="missing.html">y</a><img\tsrc="static/gone.png">'
            b'<div data-href="not-a-link.html"></div><a href="https://elsewhere.example/x">z</a>'
            b'<a href="blog/">b</a><a href="ok.html#top">c</a>')
    existing = {"ok.html", "blog/index.html"}
    assert broken_links([("index.html", page)], existing) == [("index.html", "missing.html"),
                                                              ("index.html", "static/gone.png")]
    assert broken_links([("index.html", page)], existing | {"missing.html", "static/gone.png"}) == []
    assert broken_links([("blog/post.html", b'<a href="../ok.html">up</a>')], existing) == []
    # A link found to resolve on one page is not resolved again on the next page of its folder,
    # but a page whose links break is still reported, on its own.
    pages = [("a.html", b'<a href="ok.html">x</a>'), ("b.html", b'<a href="ok.html">x</a><a href="no.html">y</a>'),
             ("c.html", b'<a href="no.html">again</a>')]
    assert broken_links(pages, existing) == [("b.html", "no.html"), ("c.html", "no.html")]
