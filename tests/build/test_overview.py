"""The vendor overview page (<out>/overview.html), read back with lxml and compared with what
``cobrand partners --json`` and report.json say about the same project: a differential, not a list.

The project is the example plus a partner whose name is hostile HTML, a partner whose partner.toml does
not load, and a partner that loads but has an error (skipped with its name still known).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

import cobrand
from cobrand.cli import main
from cobrand.overview import kind_label
from support.example import ENVIRON, copy_example
from support.nu_checker import nu_check

HOSTILE = 'Tide & <b>Sons</b> "Ltd" <script>x()</script>'
KIND_COLUMNS = {"blog": "Blog posts", "one-pagers": "Datasheets", "media": "Media", "social": "Social posts"}


def overview_table(path: Path) -> dict[str, dict[str, str]]:
    """The partners table of an overview page: slug -> column header -> cell text."""
    tree = lxml.html.fromstring(path.read_bytes())
    assert tree.xpath('//meta[@name="robots"]/@content') == ["noindex, nofollow"]
    table = tree.xpath('//table[caption="Partners, by slug"]')[0]
    headers = [th.text_content() for th in table.xpath("./thead/tr/th")]
    assert all(th.get("scope") == "col" for th in table.xpath("./thead/tr/th"))
    rows = {}
    for tr in table.xpath("./tbody/tr"):
        cells = tr.xpath("./th|./td")
        assert cells[0].tag == "th" and cells[0].get("scope") == "row"
        rows[cells[0].text_content()] = dict(zip(headers, (cell.text_content() for cell in cells), strict=True))
    return rows


@dataclass(frozen=True)
class Fleet:
    project: Path
    listed: list[dict[str, object]]  # `cobrand partners --json` before the broken partners were added
    out: Path  # the project built once (no PDFs, no images)
    report: cobrand.BuildReport


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    """The project (with a hostile name but not yet the broken partners) and its `cobrand partners --json`."""
    project = copy_example(tmp_path_factory.mktemp("overview"))
    hostile = project / "partners" / "tide-sons"
    shutil.copytree(project / "partners" / "kestrel-cloud", hostile)
    toml = hostile / "partner.toml"
    lines = toml.read_text(encoding="utf-8").splitlines()
    lines[0] = f"name = {json.dumps(HOSTILE)}"
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["partners", str(project), "--json"], env=ENVIRON)
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    # A partner whose partner.toml does not load (a TOML syntax error) ...
    unloadable = project / "partners" / "zz-unloadable"
    shutil.copytree(project / "partners" / "kestrel-cloud", unloadable)
    (unloadable / "partner.toml").write_text('name = "Unclosed\n', encoding="utf-8")
    # ... and one that loads but personalises content that does not exist.
    overriding = project / "partners" / "aa-overriding"
    shutil.copytree(project / "partners" / "kestrel-cloud", overriding)
    (overriding / "overrides").mkdir(exist_ok=True)
    (overriding / "overrides" / "no-such-post.toml").write_text('intro = "x"\n', encoding="utf-8")
    out = project.parent / "build"
    report = cobrand.build(project, out_dir=out, pdfs=False, images=False, jobs=1, environ=ENVIRON)
    return Fleet(project, listed, out, report)


def test_overview_lists_every_partner_as_partners_and_report_say(fleet: Fleet) -> None:
    listed, out, report = fleet.listed, fleet.out, fleet.report
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (out / "overview.html").is_file() and not (out / "kestrel-cloud" / "overview.html").exists()
    rows = overview_table(out / "overview.html")

    built = {entry["slug"] for entry in data["partners"]}
    skipped = {entry["slug"]: entry["problems"] for entry in data["skipped"]}
    assert set(skipped) == {"zz-unloadable", "aa-overriding"}, data["skipped"]
    assert set(rows) == built | set(skipped)
    for entry in listed:
        row = rows[str(entry["slug"])]
        assert row["Name"] == entry["name"]
        assert row["Tier"] == entry["tier"]
        assert row["Ecosystems"] == (", ".join(entry["ecosystems"]) or "\u2013")  # type: ignore[arg-type]
        assert row["Regions"] == (", ".join(entry["regions"]) or "\u2013")  # type: ignore[arg-type]
        counts = entry["counts"]
        assert isinstance(counts, dict)
        assert set(counts) >= set(KIND_COLUMNS)
        for kind, count in counts.items():
            assert row[kind_label(kind)] == str(count), (entry["slug"], kind)
        assert row["Total"] == str(entry["total"])
    for entry in data["partners"]:
        row = rows[entry["slug"]]
        assert row["This build"].startswith("built"), row
        urls = entry["urls"]
        assert (f"{len(urls['added'])} added, {len(urls['changed'])} changed, {len(urls['removed'])} removed"
                in row["This build"])
    for slug, problems in skipped.items():
        row = rows[slug]
        assert row["This build"].startswith("skipped")
        for problem in problems:
            assert problem["message"] in row["This build"], (slug, problem)
    assert rows["aa-overriding"]["Name"] == "Kestrel Cloud"  # loaded, so its name is known
    assert rows["zz-unloadable"]["Name"] == "not loaded"
    # The hostile name is text, not markup.
    assert rows["tide-sons"]["Name"] == HOSTILE
    page = (out / "overview.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<b>Sons" not in page
    warned = {problem for problem in report.all_warnings}
    assert sum(int(row["Warnings"]) for row in rows.values()) >= len([w for w in warned if "partners/" in w.file])


def test_partial_build_still_lists_every_partner(fleet: Fleet, tmp_path: Path) -> None:
    out = tmp_path / "build"
    shutil.copytree(fleet.out, out)
    shutil.copytree(fleet.out.with_name(fleet.out.name + "-hub"), tmp_path / "build-hub")  # the hubs, beside it
    full = overview_table(out / "overview.html")
    cobrand.build(fleet.project, out_dir=out, partners=("northbeam-it",), pdfs=False, images=False, jobs=1,
                  environ=ENVIRON)
    partial = overview_table(out / "overview.html")
    assert set(partial) == set(full)
    for slug, row in partial.items():
        expected = "unchanged" if slug == "northbeam-it" else "skipped" if slug in (
            "zz-unloadable", "aa-overriding") else "not in this build"
        assert row["This build"].startswith(expected), (slug, row)
        # What the load knows about every partner is the same as in the full build.
        for column in ("Name", "Tier", "Ecosystems", "Regions", *KIND_COLUMNS.values(), "Total", "Newest item",
                       "Warnings"):
            assert row[column] == full[slug][column], (slug, column)
    assert {str(entry["slug"]) for entry in fleet.listed} <= set(partial)


def test_overview_is_byte_identical_for_the_same_inputs(fleet: Fleet, tmp_path: Path) -> None:
    out = tmp_path / "build"
    cobrand.build(fleet.project, out_dir=out, pdfs=False, images=False, jobs=2, environ=ENVIRON)
    assert (out / "overview.html").read_bytes() == (fleet.out / "overview.html").read_bytes()


def test_a_refused_build_says_so_on_the_overview(tmp_path: Path) -> None:
    project = copy_example(tmp_path)
    out = tmp_path / "build"
    config = project / "cobrand.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[unknown_table]\nx = 1\n", encoding="utf-8")
    with pytest.raises(cobrand.ProjectError):
        cobrand.build(project, out_dir=out, pdfs=False, images=False, jobs=1, environ=ENVIRON)
    tree = lxml.html.fromstring((out / "overview.html").read_bytes())
    assert tree.xpath("//h1")[0].text_content() == "Partner overview: build stopped"
    assert "cobrand.toml" in tree.xpath("//main")[0].text_content()


def test_overview_with_skipped_partners_passes_the_nu_html_checker(fleet: Fleet) -> None:
    """The example's overview is checked with every page (test_validators_html.py); this one has skipped
    partners, their errors and a hostile name in it."""
    page = (fleet.out / "overview.html").resolve()
    assert "skipped" in page.read_text(encoding="utf-8")
    messages = nu_check([page])
    assert not messages, messages


def test_a_rebuild_shows_what_a_clean_build_shows_after_plans_change(tmp_path: Path) -> None:
    """The overview's counts and newest items, kept in the saved state between builds, follow what changes a
    partner's plan: a post's audience narrowed and a new post; a rebuild's table equals a clean build's (but
    for what this build did to each partner)."""

    def table(out: Path) -> dict[str, dict[str, str]]:
        return {slug: {column: text for column, text in row.items() if column != "This build"}
                for slug, row in overview_table(out / "overview.html").items()}

    project = copy_example(tmp_path)
    out = tmp_path / "build"
    cobrand.build(project, out_dir=out, pdfs=False, images=False, jobs=1, environ=ENVIRON)
    before = table(out)
    again = tmp_path / "again"
    shutil.copytree(out, again)
    shutil.copytree(out.with_name("build-hub"), again.with_name("again-hub"))
    cobrand.build(project, out_dir=again, pdfs=False, images=False, jobs=1, environ=ENVIRON)  # nothing changed
    assert table(again) == before
    post = project / "content" / "blog" / "aws-snapshot-pitfalls.md"
    post.write_text(post.read_text(encoding="utf-8").replace("ecosystems: [aws]", "ecosystems: [gcp]"), "utf-8")
    newest = project / "content" / "blog" / "zz-a-new-post.md"
    newest.write_text("---\ntitle: A new post\ndate: 2026-11-21\nsummary: New.\n---\n\nNew.\n", "utf-8")
    cobrand.build(project, out_dir=out, pdfs=False, images=False, jobs=1, environ=ENVIRON)
    clean = tmp_path / "clean"
    cobrand.build(project, out_dir=clean, pdfs=False, images=False, jobs=1, environ=ENVIRON)
    after = table(out)
    assert after == table(clean)
    assert {row["Newest item"] for row in after.values()} != {row["Newest item"] for row in before.values()}
    assert [row["Blog posts"] for row in after.values()] != [row["Blog posts"] for row in before.values()]
