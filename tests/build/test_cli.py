"""The ``cobrand`` command line, through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import cobrand
from cobrand.cli import main
from support.example import EPOCH, ROOT


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"SOURCE_DATE_EPOCH": EPOCH})


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert "cobrand" in result.output
    assert cobrand.__version__ in result.output


def test_help_lists_build(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "build" in result.output


def test_build_json_prints_the_report(runner, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(ROOT), "--out", str(out), "--json", "--no-pdf",
                                  "--partner", "sakura-systems", "--partner", "maple-ridge-tech"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert sorted(entry["slug"] for entry in data["partners"]) == ["maple-ridge-tech", "sakura-systems"]
    assert all(entry["status"] == "built" for entry in data["partners"])
    assert data["counts"]["pdfs"] == 0
    assert data["counts"]["partners_built"] == 2
    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == data


def test_build_one_partner_only(runner, tmp_path):
    out = tmp_path / "X"
    result = runner.invoke(main, ["build", str(ROOT), "--partner", "kestrel-cloud", "--out", str(out),
                                  "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    partner_folders = sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert partner_folders == ["kestrel-cloud"]
    assert (out / "kestrel-cloud" / "index.html").is_file()
    assert list((out / "kestrel-cloud" / "one-pagers").glob("*.pdf")), "PDFs are built unless --no-pdf"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["ok"] is True
    assert [entry["slug"] for entry in report["partners"]] == ["kestrel-cloud"]
    assert report["counts"]["partners_built"] == 1
    assert "kestrel-cloud" not in result.stderr  # a successful build prints its summary on stdout
    assert str(out.resolve()) in result.stdout or "1 partner" in result.stdout


def test_no_pdf_skips_pdfs(runner, tmp_path):
    """A preview without PDFs still builds every page, and no page links to a missing PDF."""
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(ROOT), "--partner", "kestrel-cloud", "--out", str(out),
                                  "--no-pdf"])
    assert result.exit_code == 0, result.stdout + result.stderr
    site = out / "kestrel-cloud"
    assert (site / "index.html").is_file() and (tmp_path / "out-hub" / "kestrel-cloud" / "kit.html").is_file()
    assert (site / "one-pagers" / "harborline-vault.html").is_file()
    hub = tmp_path / "out-hub" / "kestrel-cloud"
    assert list(site.rglob("*.pdf")) == [] and list(hub.rglob("*.pdf")) == []
    for page in [*site.rglob("*.html"), *hub.rglob("*.html")]:
        assert ".pdf" not in page.read_text(encoding="utf-8"), page


def test_quiet_prints_nothing_on_success(runner, tmp_path):
    result = runner.invoke(main, ["build", str(ROOT), "--partner", "kestrel-cloud", "--out",
                                  str(tmp_path / "out"), "--no-pdf", "-q"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""


def test_unknown_option_is_a_usage_error(runner):
    result = runner.invoke(main, ["build", str(ROOT), "--no-such-option"])
    assert result.exit_code == 2


def test_jobs_must_be_positive(runner, tmp_path):
    result = runner.invoke(main, ["build", str(ROOT), "--jobs", "0", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_not_a_project_exits_1(runner, tmp_path):
    result = runner.invoke(main, ["build", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "cobrand.toml" in result.stderr
