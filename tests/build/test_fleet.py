"""One unit's mistake never stops the fleet, and CI can trust every report (issue 20).

Each test builds a copy of the example project, breaks one unit (a partner, a content
item, the project), builds again, and compares what is on disk, file by file, with what
was there and with what a build of the unbroken units writes.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import cobrand
from cobrand.check import check
from cobrand.cli import main
from support.example import ENVIRON, PARTNER_SLUGS, copy_example

BROKEN = "kestrel-cloud"
KESTREL_TOML = f"partners/{BROKEN}/partner.toml"
POST = "content/blog/ransomware-recovery-drill.md"
POST_PAGE = "blog/ransomware-recovery-drill.html"
PROMOTION = "social/recovery-drill-afternoon"  # a social post that links to POST
EDITED_POST = "content/blog/aws-snapshot-pitfalls.md"
EDITED_PAGE = "blog/aws-snapshot-pitfalls.html"
GONE = "content/blog/microsoft-365-backup-gaps.md"
GONE_PAGE = "blog/microsoft-365-backup-gaps.html"
BASE_URL = "https://partners.harborline.example/{partner}/"
RUN_STATE = {"report.json", "overview.html"}  # written on every run, refused ones too


def run(project: Path, out: Path, **options: object) -> cobrand.BuildReport:
    settings: dict[str, object] = {"jobs": 1, "environ": ENVIRON, "pdfs": False, "images": False}
    return cobrand.build(project, out_dir=out, **(settings | options))  # type: ignore[arg-type]


def cli(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["build", *args], env={**ENVIRON, **(env or {})})


def digests(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def partner_state(out: Path, slug: str) -> dict[str, str]:
    """Every file of a partner's published folder and its manifest, by hash."""
    state = {f"{slug}/{name}": value for name, value in digests(out / slug).items()}
    manifest = out / ".cobrand" / f"{slug}.json"
    state[manifest.name] = hashlib.sha256(manifest.read_bytes()).hexdigest()
    return state


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def first_build(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("fleet")
    project = copy_example(base)
    out = base / "out"
    assert run(project, out).ok
    return project, out


@pytest.fixture
def built(first_build, tmp_path) -> tuple[Path, Path]:
    project, out = first_build
    shutil.copytree(project, tmp_path / "project")
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "project", tmp_path / "out"


def break_colour(project: Path) -> None:
    edit(project, KESTREL_TOML, 'primary = "#3d7ea6"', 'primary = "blurple"')


BREAKAGES = {
    "bad-colour": (break_colour, "colors.primary"),
    "no-partner-toml": (lambda project: (project / KESTREL_TOML).unlink(), None),
    "unknown-tier": (lambda project: edit(project, KESTREL_TOML, 'tier = "registered"', 'tier = "copper"'), "tier"),
    "no-logo": (lambda project: [path.unlink() for path in (project / "partners" / BROKEN).glob("logo.*")], "logo"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_broken_partner_is_skipped_and_keeps_its_files_byte_for_byte(built, breakage):
    project, out = built
    before = partner_state(out, BROKEN)
    others_before = {slug: partner_state(out, slug) for slug in PARTNER_SLUGS if slug != BROKEN}
    breaker, field = BREAKAGES[breakage]
    breaker(project)
    edit(project, EDITED_POST, "\n\n", "\n\nA sentence added after the first build.\n\n")  # the others change

    report = run(project, out)

    assert not report.ok
    assert list(report.skipped) == [BROKEN]
    problems = report.skipped[BROKEN]
    assert all(p.file.startswith(f"partners/{BROKEN}/") and p.scope == f"partner:{BROKEN}" for p in problems)
    if field is not None:
        assert any(p.field == field for p in problems), problems
    assert partner_state(out, BROKEN) == before, "the skipped partner's files changed"
    for slug, state in others_before.items():
        page = (out / slug / EDITED_PAGE)
        if page.exists():
            assert "A sentence added after the first build." in page.read_text(encoding="utf-8"), slug
            assert partner_state(out, slug) != state
    assert {result.slug for result in report.partners} == set(PARTNER_SLUGS) - {BROKEN}
    assert report.built and not report.failures
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert saved["ok"] is False
    assert [entry["slug"] for entry in saved["skipped"]] == [BROKEN]
    assert saved["skipped"][0]["problems"][0]["file"].startswith(f"partners/{BROKEN}/")


def test_a_skipped_partner_builds_as_if_it_had_never_been_there(built, tmp_path):
    """Differential: the healthy partners' output equals a build of a project without the broken one."""
    project, out = built
    break_colour(project)
    run(project, out)
    alone = copy_example(tmp_path, "without")
    shutil.rmtree(alone / "partners" / BROKEN)
    reference = tmp_path / "reference"
    assert run(alone, reference).ok
    for slug in PARTNER_SLUGS:
        if slug != BROKEN:
            assert digests(out / slug) == digests(reference / slug), slug


def test_cli_exits_1_and_names_the_skipped_partner(built):
    project, out = built
    break_colour(project)
    result = cli(str(project), "--out", str(out), "--no-pdf", "--no-images", "-j", "1")
    assert result.exit_code == 1, result.output
    assert f"skipped partner {BROKEN}" in result.stderr
    assert KESTREL_TOML in result.stderr


def test_all_or_nothing_keeps_everything_as_it_was(built):
    project, out = built
    before = digests(out)
    break_colour(project)
    edit(project, EDITED_POST, "\n\n", "\n\nA sentence added after the first build.\n\n")
    result = cli(str(project), "--out", str(out), "--no-pdf", "--no-images", "--all-or-nothing")
    assert result.exit_code == 1, result.output
    after = digests(out)
    assert {name for name in after if after[name] != before.get(name)} <= RUN_STATE
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["ok"] is False and report["refused"] is True
    assert any(problem["file"] == KESTREL_TOML for problem in report["errors"])


def test_a_broken_content_item_is_withheld_from_everyone_and_the_rest_builds(built):
    project, out = built
    had_page = [slug for slug in PARTNER_SLUGS if (out / slug / POST_PAGE).is_file()]
    assert had_page, "the example must publish the post"
    edit(project, POST, "\ntitle:", "\ntitel:")  # a front matter typo: the post no longer loads
    edit(project, EDITED_POST, "\n\n", "\n\nA sentence added after the first build.\n\n")

    report = run(project, out)

    assert not report.ok and not report.skipped
    assert set(report.withheld) == {"blog/ransomware-recovery-drill", PROMOTION}
    assert all(p.file == POST for p in report.withheld["blog/ransomware-recovery-drill"])
    assert report.withheld[PROMOTION][0].field == "link"
    for slug in PARTNER_SLUGS:
        # Partners that had the post keep its page as it was (see the next test); nothing else names it.
        assert (out / slug / POST_PAGE).exists() == (slug in had_page), slug
        assert not [path for path in (out / slug).rglob("*recovery-drill-afternoon*")], slug
        text = "\n".join(path.read_text(encoding="utf-8", errors="replace")
                         for path in (out / slug).rglob("*") if path.suffix in {".html", ".xml", ".txt", ".csv"}
                         and path.relative_to(out / slug).as_posix() != POST_PAGE)
        assert "ransomware-recovery-drill" not in text, f"{slug} still links to the withheld post"
    assert {result.slug for result in report.built} == set(PARTNER_SLUGS)
    assert any("A sentence added" in (out / slug / EDITED_PAGE).read_text(encoding="utf-8")
               for slug in PARTNER_SLUGS if (out / slug / EDITED_PAGE).exists())
    result = cli(str(project), "--out", str(out), "--no-pdf", "--no-images", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [entry["item"] for entry in data["withheld"]] == ["blog/ransomware-recovery-drill", PROMOTION]


NEWCOMER = "newcomer-it"


def test_a_broken_item_keeps_its_last_good_files_where_it_was_and_reaches_no_one_new(built):
    """Issue 20: a broken item is withheld, nothing new of it is published, and it is never shown to a partner
    it was not shown to before. Partners that had it keep their previous files of it byte for byte; a partner
    added in the same rebuild, entitled to it, does not get it; the report names who kept the last good version."""
    project, out = built
    edit(project, POST, "\ndate:", "\nmin_tier: silver\ndate:")  # kestrel-cloud (registered) lacks it
    assert run(project, out).ok
    had = {slug: (out / slug / POST_PAGE).read_bytes() for slug in PARTNER_SLUGS if (out / slug / POST_PAGE).is_file()}
    lacked = [slug for slug in PARTNER_SLUGS if slug not in had]
    assert had and lacked == [BROKEN], "the scenario needs partners with and without the post"
    like = sorted(had)[0]
    shutil.copytree(project / "partners" / like, project / "partners" / NEWCOMER)
    toml = project / "partners" / NEWCOMER / "partner.toml"
    toml.write_text(re.sub(r'(?m)^name = ".*"$', 'name = "Newcomer IT"', toml.read_text(encoding="utf-8"), count=1),
                    encoding="utf-8")
    edit(project, POST, "\ntitle:", "\ntitel:")

    result = cli(str(project), "--out", str(out), "--no-pdf", "--no-images", "-j", "1", "--json")

    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    for slug, page in had.items():
        assert (out / slug / POST_PAGE).read_bytes() == page, f"{slug}'s page of the withheld post changed"
        manifest = json.loads((out / ".cobrand" / f"{slug}.json").read_text(encoding="utf-8"))
        assert POST_PAGE in manifest["items"]["blog/ransomware-recovery-drill"]
        listing = (out / slug / "blog/index.html").read_text(encoding="utf-8")
        assert "ransomware-recovery-drill" not in listing, "listings do not list a withheld item"
    for slug in [*lacked, NEWCOMER]:
        assert not (out / slug / POST_PAGE).exists(), f"{slug} got a withheld post it never had"
    assert {entry["slug"]: entry["status"] for entry in data["partners"]}[NEWCOMER] == "built"
    assert (out / NEWCOMER / "index.html").is_file()
    entry = next(entry for entry in data["withheld"] if entry["item"] == "blog/ransomware-recovery-drill")
    assert entry["kept_by"] == sorted(had)
    assert entry["problems"][0]["file"] == POST
    text = cli(str(project), "--out", str(out), "--no-pdf", "--no-images", "-j", "1")
    assert text.exit_code == 1
    assert f"{', '.join(sorted(had))} keep(s) its last good version" in text.stderr  # reused partners too
    assert all((out / slug / POST_PAGE).read_bytes() == page for slug, page in had.items())

    # Deleted, not broken (with a partner's override of it): its files go, though the partners' inputs are
    # otherwise those of the last build.
    (project / POST).unlink()
    (project / "partners/northbeam-it/overrides/ransomware-recovery-drill.toml").unlink()
    report = run(project, out)
    assert "blog/ransomware-recovery-drill" not in report.withheld and not report.skipped
    assert not [slug for slug in had if (out / slug / POST_PAGE).exists()], report.summary()


def test_a_withheld_items_kept_files_go_when_its_last_good_version_expires(built):
    """Keeping the last good version never outlives the expiry it was published with."""
    project, out = built
    edit(project, POST, "\ndate:", "\nexpires: 2026-11-25\ndate:")
    assert run(project, out).ok
    had = [slug for slug in PARTNER_SLUGS if (out / slug / POST_PAGE).is_file()]
    assert had
    edit(project, POST, "\ntitle:", "\ntitel:")
    report = run(project, out)
    assert report.kept_by("blog/ransomware-recovery-drill") == sorted(had)
    report = run(project, out, environ={"SOURCE_DATE_EPOCH": str(1795305600 + 7 * 86400)})
    assert "blog/ransomware-recovery-drill" in report.withheld
    assert report.kept_by("blog/ransomware-recovery-drill") == []
    assert not [slug for slug in had if (out / slug / POST_PAGE).exists()]


def test_expiry_still_happens_while_a_partner_is_broken(built):
    """The nightly build's job is to take expired content down: a broken partner must not stop it."""
    project, out = built
    edit(project, EDITED_POST, "\ndate:", "\nexpires: 2026-11-25\ndate:")
    assert run(project, out).ok
    published = [slug for slug in PARTNER_SLUGS if (out / slug / EDITED_PAGE).is_file()]
    assert published
    break_colour(project)
    report = run(project, out, environ={"SOURCE_DATE_EPOCH": str(1795305600 + 7 * 86400)})
    assert list(report.skipped) == [BROKEN]
    for slug in published:
        if slug != BROKEN:
            assert not (out / slug / EDITED_PAGE).exists(), f"{slug} still shows an expired post"


def test_a_partner_name_that_makes_a_vendor_post_too_long_is_that_partners_problem(built):
    project, out = built
    (project / "content" / "social" / "name-in-x.yaml").write_text(
        "title: Names the partner on X\ndate: 2026-06-01\nvariants:\n"
        "  linkedin: A post for {{ partner.name }}.\n"
        f"  x: \"{{{{ partner.name }}}} {'a' * 240}\"\n"
        "  facebook: A post for {{ partner.name }}.\n", encoding="utf-8")
    edit(project, KESTREL_TOML, 'name = "Kestrel Cloud"', 'name = "' + "Kestrel " * 8 + 'Cloud"')
    report = run(project, out)
    assert list(report.skipped) == [BROKEN] and not report.withheld
    [problem] = report.skipped[BROKEN]
    assert (problem.file, problem.field) == (KESTREL_TOML, "name")
    assert "X post is" in problem.message and "content/social/name-in-x.yaml" in problem.message
    assert {result.slug for result in report.partners} == set(PARTNER_SLUGS) - {BROKEN} and not report.failures


def test_a_post_too_long_for_everyone_is_the_posts_problem(built):
    project, out = built
    (project / "content" / "social" / "long-for-all.yaml").write_text(
        "title: Too long\ndate: 2026-06-01\nvariants:\n"
        "  linkedin: A post.\n"
        f"  x: \"{'a' * 300} {{{{ partner.name }}}}\"\n"
        "  facebook: A post.\n", encoding="utf-8")
    report = run(project, out)
    assert not report.skipped and list(report.withheld) == ["social/long-for-all"]
    assert {p.field for p in report.withheld["social/long-for-all"]} == {"variants.x"}


def test_partner_and_shard_selection_report_a_skipped_partner(built):
    project, out = built
    before = partner_state(out, BROKEN)
    break_colour(project)
    report = run(project, out, partners=(BROKEN,))
    assert list(report.skipped) == [BROKEN] and not report.partners and not report.ok
    assert partner_state(out, BROKEN) == before
    # Shards count every partner folder, loadable or not: a broken partner moves no one.
    slugs = sorted(PARTNER_SLUGS)
    for index in (1, 2):
        expected = {slug for position, slug in enumerate(slugs) if position % 2 == index - 1}
        shard = run(project, out, shard=(index, 2))
        assert {r.slug for r in shard.partners} | set(shard.skipped) == expected


def test_a_project_error_still_stops_everything(built):
    project, out = built
    before = digests(out)
    edit(project, "cobrand.toml", 'base_url = "', 'base_url = "ftp')
    with pytest.raises(cobrand.ProjectError) as caught:
        run(project, out)
    assert any(p.file == "cobrand.toml" for p in caught.value.problems)
    after = digests(out)
    assert {name for name in after if after[name] != before[name]} <= RUN_STATE


# --- reports CI can trust ----------------------------------------------------------------------------


def test_report_json_is_written_and_printed_on_a_refused_run(built):
    project, out = built
    edit(project, "cobrand.toml", 'base_url = "', 'base_url = "ftp')
    result = cli(str(project), "--out", str(out), "--no-pdf", "--json")
    assert result.exit_code == 1
    printed = json.loads(result.stdout)
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for data in (printed, saved):
        assert data["ok"] is False and data["refused"] is True
        assert any(problem["file"] == "cobrand.toml" and problem["field"] for problem in data["errors"])


def test_json_is_printed_for_usage_errors_too(built):
    project, out = built
    result = cli(str(project), "--out", str(out), "--partner", "no-such-partner", "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False and "no-such-partner" in data["errors"][0]["message"]


ANNOTATION = re.compile(r"^::(?P<level>error|warning|notice) (?P<properties>[^:]*)::(?P<message>.*)$")


def unescape(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def annotations(output: str) -> list[dict[str, str]]:
    found = []
    for line in output.splitlines():
        match = ANNOTATION.match(line)
        if match:
            properties = dict(item.split("=", 1) for item in match.group("properties").split(","))
            found.append({"level": match.group("level"), "message": unescape(match.group("message")),
                          **{key: unescape(value) for key, value in properties.items()}})
    return found


def test_github_format_prints_annotations_and_writes_a_step_summary(built, tmp_path):
    project, out = built
    edit(project, KESTREL_TOML, 'primary = "#3d7ea6"', 'primary = "100%, blurple: yes"')
    edit(project, POST, "\ntitle:", "\ntitel:")
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    result = cli(str(project), "--out", str(out), "--no-pdf", "--no-images", "--format", "github",
                 env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    found = annotations(result.stdout)
    errors = [a for a in found if a["level"] == "error"]
    colour = [a for a in errors if a["file"] == KESTREL_TOML]
    assert colour and colour[0]["line"].isdigit() and "colors.primary" in colour[0]["title"]
    assert "100%, blurple: yes" in colour[0]["message"] or "100%" in colour[0]["message"]
    assert any(a["file"] == POST for a in errors)
    for line in result.stdout.splitlines():
        if line.startswith("::"):
            assert "\n" not in line and ANNOTATION.match(line), line
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n"), "the summary is appended to, not replaced"
    assert "## cobrand build: FAILED" in text and BROKEN in text and "blog/ransomware-recovery-drill" in text


def test_report_lists_the_urls_added_changed_and_removed_per_partner(built):
    project, out = built
    edit(project, EDITED_POST, "\n\n", "\n\nA sentence added after the first build.\n\n")
    (project / GONE).unlink()
    new_post = (project / "content" / "blog" / "brand-new-post.md")
    new_post.write_text("---\ntitle: A brand new post\ndate: 2026-11-01\nsummary: New.\n---\nNew text.\n",
                        encoding="utf-8")
    had_gone = {slug for slug in PARTNER_SLUGS if (out / slug / GONE_PAGE).exists()}
    assert had_gone
    report = run(project, out)
    assert report.ok, report.summary()
    saved = {entry["slug"]: entry["urls"] for entry in json.loads((out / "report.json").read_text())["partners"]}
    for slug in PARTNER_SLUGS:
        base = BASE_URL.format(partner=slug)
        urls = saved[slug]
        assert base + "blog/brand-new-post.html" in urls["added"]
        if (out_before := base + GONE_PAGE) and slug in had_gone:
            assert out_before in urls["removed"]
        if (out / slug / EDITED_PAGE).exists():
            assert base + EDITED_PAGE in urls["changed"]
        assert base + "blog/index.html" in urls["changed"]
        every = urls["added"] + urls["changed"] + urls["removed"]
        assert all(url.startswith(base) for url in every)
        assert len(set(every)) == len(every), "a URL is listed once"


def test_an_unchanged_rebuild_lists_no_urls(built):
    project, out = built
    report = run(project, out)
    assert report.ok and all(not (r.urls_added or r.urls_changed or r.urls_removed) for r in report.partners)


def link_to_gated_post(project: Path) -> None:
    """A link from a post every partner gets to a gold-only post: a render-time warning for the others."""
    edit(project, EDITED_POST, "\n\n", "\n\nSee [what it costs](what-managed-backup-should-cost.html).\n\n")


def test_strict_gives_the_same_answer_on_a_clean_and_an_incremental_build(built, tmp_path):
    project, _ = built
    link_to_gated_post(project)
    clean = run(project, tmp_path / "clean", strict=True)
    assert clean.all_warnings, "the scenario needs a warning found while rendering"
    assert not clean.ok
    again = run(project, tmp_path / "clean", strict=True)
    assert all(result.status == "reused" for result in again.partners)
    assert not again.ok
    assert sorted(map(str, again.all_warnings)) == sorted(map(str, clean.all_warnings))
    runner = [cli(str(project), "--out", str(tmp_path / "cli"), "--no-pdf", "--no-images", "--strict")
              for _ in range(2)]
    assert [result.exit_code for result in runner] == [1, 1]


def test_check_and_build_report_the_same_warnings(built):
    project, out = built
    link_to_gated_post(project)
    report = run(project, out)
    checked = check(project, environ=ENVIRON)
    assert sorted(map(str, checked.warnings)) == sorted(map(str, report.all_warnings))


def test_a_warning_names_its_file_and_line(built):
    project, out = built
    link_to_gated_post(project)
    expected = next(number for number, text in
                    enumerate((project / EDITED_POST).read_text(encoding="utf-8").splitlines(), start=1)
                    if "what-managed-backup-should-cost.html" in text)
    report = run(project, out)
    links = [p for p in report.all_warnings if "what-managed-backup-should-cost" in p.message]
    assert links and all((p.file, p.line) == (EDITED_POST, expected) for p in links), links
    again = run(project, out)  # reused partners: the same warnings, lines included
    assert sorted(map(str, again.all_warnings)) == sorted(map(str, report.all_warnings))


def test_check_and_build_both_warn_about_a_low_resolution_logo(built):
    from PIL import Image, ImageDraw

    project, out = built
    folder = project / "partners" / BROKEN
    (folder / "logo.svg").unlink()
    image = Image.new("RGBA", (90, 30), (255, 255, 255, 0))
    ImageDraw.Draw(image).rectangle((5, 5, 85, 25), fill=(20, 60, 120, 255))
    image.save(folder / "logo.png")
    edit(project, KESTREL_TOML, 'logo = "logo.svg"', 'logo = "logo.png"')
    report = run(project, out)
    dpi = [p for p in report.all_warnings if p.file == KESTREL_TOML and p.field == "logo" and "dpi" in p.message]
    assert dpi, report.all_warnings
    assert report.ok and not report.skipped
    checked = check(project, environ=ENVIRON)
    assert sorted(map(str, checked.warnings)) == sorted(map(str, report.all_warnings))
    assert not run(project, out, strict=True).ok


def test_github_format_on_a_refused_run(built, tmp_path):
    project, out = built
    edit(project, "cobrand.toml", 'base_url = "', 'base_url = "ftp')
    summary = tmp_path / "summary.md"
    result = cli(str(project), "--out", str(out), "--no-pdf", "--format", "github",
                 env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    errors = [a for a in annotations(result.stdout) if a["level"] == "error"]
    assert any(a.get("file") == "cobrand.toml" for a in errors), result.stdout
    assert "## cobrand build: refused" in summary.read_text(encoding="utf-8")


LIVE_TEXT_LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="240" height="80" viewBox="0 0 240 80">'
                  '<rect x="4" y="10" width="60" height="60" fill="#0b3d2e"/>'
                  '<text x="74" y="52" font-family="DejaVu Sans" font-size="28" fill="#0b3d2e">Northbeam</text>'
                  '</svg>')


def warned(data: dict[str, object]) -> set[tuple[str, int | None, str]]:
    """The (file, line, message) of each warning of a --json report, check's or build's."""
    return {(w["file"], w.get("line"), w["message"]) for w in data["warnings"]}  # type: ignore[index, union-attr]


def test_check_and_build_json_report_the_same_warnings_clean_and_incremental(built, tmp_path):
    """Differential (issue 20): placeholder copy, a low-dpi logo, a live-text SVG logo and a hidden partner
    folder are each warned about, and `check --json` lists exactly the warnings `build --json` does, on a
    clean build, on a rebuild that reuses every partner, and on one that rebuilds one of them."""
    from PIL import Image, ImageDraw

    from cobrand.scaffold import new_content

    project, _ = built
    out = tmp_path / "clean-out"
    new_content(project, "post", "Placeholder post from cobrand new", environ=ENVIRON)  # the template's copy
    folder = project / "partners" / BROKEN  # a raster logo far too small to print at 300 dpi
    (folder / "logo.svg").unlink()
    image = Image.new("RGBA", (90, 30), (255, 255, 255, 0))
    ImageDraw.Draw(image).rectangle((5, 5, 85, 25), fill=(20, 60, 120, 255))
    image.save(folder / "logo.png")
    edit(project, KESTREL_TOML, 'logo = "logo.svg"', 'logo = "logo.png"')
    northbeam = project / "partners" / "northbeam-it"  # a wordmark in live text
    for old_logo in northbeam.glob("logo.*"):
        old_logo.unlink()
    (northbeam / "logo.svg").write_text(LIVE_TEXT_LOGO, encoding="utf-8")
    edit(project, "partners/northbeam-it/partner.toml", 'logo = "logo.png"', 'logo = "logo.svg"')
    shutil.copytree(project / "partners" / "maple-ridge-tech", project / "partners" / ".archived-partner")

    def check_json() -> set[tuple[str, int | None, str]]:
        result = CliRunner().invoke(main, ["check", str(project), "--json"], env=ENVIRON)
        return warned(json.loads(result.stdout))

    def build_json() -> tuple[set[tuple[str, int | None, str]], dict[str, object]]:
        result = cli(str(project), "--out", str(out), "--no-pdf", "--no-images", "-j", "1", "--json")
        data = json.loads(result.stdout)
        assert result.exit_code == 0 and data["ok"], result.stdout
        return warned(data), data

    expected = check_json()
    kinds = {"placeholder": "placeholder copy", "dpi": " dpi ", "live text": "outline", "hidden": "hidden folder"}
    for kind, words in kinds.items():
        assert any(words in message for _, _, message in expected), f"check gives no {kind} warning: {expected}"
    clean, data = build_json()
    assert clean == expected
    assert data["counts"]["partners_built"] == len(PARTNER_SLUGS)  # type: ignore[index]
    reused, data = build_json()
    assert data["counts"]["partners_reused"] == len(PARTNER_SLUGS)  # type: ignore[index]
    assert reused == expected
    edit(project, "partners/sakura-systems/partner.toml", 'name = "Sakura Systems"', 'name = "Sakura Systems KK"')
    mixed, data = build_json()
    assert data["counts"]["partners_reused"] == len(PARTNER_SLUGS) - 1  # type: ignore[index]
    assert mixed == expected == check_json()


def test_a_withheld_one_pager_keeps_its_page_pdf_and_images_byte_for_byte(tmp_path):
    """With PDFs and images: everything the item made (page, PDF, press PDF, thumbnails, Open Graph card) stays
    as it was; files that gather many items are made again without it, the kit zip among them (fail closed)."""
    import io
    import zipfile

    project = copy_example(tmp_path)
    out = tmp_path / "out"
    slug = "maple-ridge-tech"
    options = {"partners": (slug,), "pdfs": True, "images": True}
    assert run(project, out, **options).ok
    manifest = json.loads((out / ".cobrand" / f"{slug}.json").read_text(encoding="utf-8"))
    own = manifest["items"]["one-pagers/recovery-assurance"]
    assert any(path.endswith(".pdf") for path in own) and any(path.startswith("static/og/") for path in own), own
    assert any(path.endswith(".html") for path in own) and any("thumbs" in path for path in own), own
    before = {path: (out / slug / path).read_bytes() for path in own}
    # The kit is in the partner's hub: its copy of the PDF, the press PDF and the zip.
    hub = out.with_name(out.name + "-hub") / slug
    hub_manifest = json.loads((hub.parent / ".cobrand" / f"{slug}.json").read_text(encoding="utf-8"))
    hub_own = hub_manifest["items"]["one-pagers/recovery-assurance"]
    assert any(path.startswith("kit/") and path.endswith(".pdf") for path in hub_own), hub_own
    hub_before = {path: (hub / path).read_bytes() for path in hub_own}
    zip_path = next(path for path in hub_manifest["files"] if path.endswith("-kit.zip"))
    pdf_name = next(path for path in own if path.endswith(".pdf")).rpartition("/")[2]

    def in_zip() -> bool:
        names = zipfile.ZipFile(io.BytesIO((hub / zip_path).read_bytes())).namelist()
        return any(name.endswith("/" + pdf_name) for name in names)

    assert in_zip()
    edit(project, "content/one-pagers/recovery-assurance.md", "\ntitle:", "\ntitel:")

    report = run(project, out, **options)

    assert "one-pagers/recovery-assurance" in report.withheld and not report.ok
    assert report.kept_by("one-pagers/recovery-assurance") == [slug]
    assert {path: (out / slug / path).read_bytes() for path in own} == before
    assert {path: (hub / path).read_bytes() for path in hub_own} == hub_before
    assert not in_zip()
    kit_page = (hub / "kit.html").read_text(encoding="utf-8")
    assert "recovery-assurance" not in kit_page


def test_temporary_files_a_killed_build_left_in_a_partner_now_skipped_are_swept(built):
    """A build killed while a partner's files were changing leaves hidden temporary files beside them, and no
    manifest; if that partner is skipped next time (an error of its own), they are removed all the same."""
    project, out = built
    (out / ".cobrand" / f"{BROKEN}.json").unlink()  # set aside by the killed build, then swept
    leftovers = [out / BROKEN / ".index.html.4242.tmp", out / BROKEN / "blog" / ".index.html.4242.old.tmp"]
    for path in leftovers:
        path.write_bytes(b"<html>half a page")
    published = {name: value for name, value in digests(out / BROKEN).items() if not name.endswith(".tmp")}
    break_colour(project)
    report = run(project, out)
    assert list(report.skipped) == [BROKEN]
    assert not [path for path in leftovers if path.exists()]
    assert digests(out / BROKEN) == published
