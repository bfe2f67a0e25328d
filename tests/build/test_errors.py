"""Bad input: every error names its file and field (or line), all are reported at once,
and a failed build never touches the previous good output."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import cobrand
from cobrand.cli import main
from support.example import ENVIRON, copy_example, file_digests

KESTREL = "partners/kestrel-cloud/partner.toml"
NORTHBEAM = "partners/northbeam-it/partner.toml"
IMMUTABLE = "content/blog/immutable-backups-explained.md"
PRICING = "content/blog/what-managed-backup-should-cost.md"
WORKSHOP = "content/blog/northbeam-recovery-time-workshop.md"
MYTHS = "content/social/immutability-myths.yaml"


# --- helpers ------------------------------------------------------------------------


def edit(project: Path, relative: str, old: str, new: str) -> int:
    """Replace ``old`` (which must occur) by ``new`` in a project file; return its 1-based line."""
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}: the example changed, update the test"
    line = text[:text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def line_of(project: Path, relative: str, needle: str) -> int:
    text = (project / relative).read_text(encoding="utf-8")
    assert needle in text, needle
    return text[:text.index(needle)].count("\n") + 1


def problems_of(project: Path, **kwargs) -> list[cobrand.Problem]:
    """Build ``project``; it must fail with a ProjectError, whose problems are returned."""
    with pytest.raises(cobrand.ProjectError) as caught:
        cobrand.build(project, out_dir=project / "build", pdfs=False, jobs=1, environ=ENVIRON, all_or_nothing=True,
                      **kwargs)
    problems = caught.value.problems
    assert problems, "ProjectError without problems"
    for problem in problems:
        assert isinstance(problem, cobrand.Problem)
        assert not Path(problem.file).is_absolute(), f"{problem.file} should be project-relative"
        assert "\\" not in problem.file
    assert not (project / "build" / "kestrel-cloud").exists(), "a failed project must not write partner output"
    return problems


def find(problems: list[cobrand.Problem], file: str, *, field: str | None = None, line: int | None = None,
         contains: str = "") -> cobrand.Problem:
    """The problem of ``file`` (with ``field``/``line`` when given) whose message contains ``contains``."""
    for problem in problems:
        if problem.file != file:
            continue
        if field is not None and problem.field != field:
            continue
        if line is not None and problem.line != line:
            continue
        if contains.lower() not in problem.message.lower():
            continue
        assert problem.severity == "error"
        return problem
    pytest.fail(f"no problem for {file} field={field} line={line} containing {contains!r} in:\n"
                + "\n".join(str(problem) for problem in problems))


# --- partner.toml ----------------------------------------------------------------------


def test_missing_partner_toml(project):
    (project / KESTREL).unlink()
    problem = find(problems_of(project), KESTREL, contains="missing")
    assert str(problem).startswith(KESTREL)


def test_malformed_toml_reports_line(project):
    line = edit(project, KESTREL, 'tier = "registered"', 'tier = "registered')
    problem = find(problems_of(project), KESTREL, line=line)
    assert "toml" in problem.message.lower()
    assert str(problem).startswith(f"{KESTREL}:{line}")


def test_unknown_tier(project):
    edit(project, KESTREL, 'tier = "registered"', 'tier = "diamond"')
    problem = find(problems_of(project), KESTREL, field="tier", contains="diamond")
    assert "registered" in problem.message  # says which tiers exist


def test_missing_logo_file_named_in_partner_toml(project):
    (project / "partners/northbeam-it/logo.png").unlink()
    problem = find(problems_of(project), NORTHBEAM, field="logo")
    assert "logo.png" in problem.message and "not found" in problem.message


def test_no_logo_at_all(project):
    (project / "partners/kestrel-cloud/logo.svg").unlink()
    edit(project, KESTREL, 'logo = "logo.svg"\n', "")
    find(problems_of(project), KESTREL, field="logo", contains="logo")


def test_logo_that_is_not_an_image(project):
    (project / "partners/northbeam-it/logo.png").write_bytes(b"This is a text file, not a PNG.\n" * 10)
    problem = find(problems_of(project), NORTHBEAM, field="logo", contains="not an image")
    assert "logo.png" in problem.message


def test_colour_that_is_not_a_colour(project):
    line = edit(project, KESTREL, 'primary = "#3d7ea6"', 'primary = "blurple"')
    problem = find(problems_of(project), KESTREL, field="colors.primary", contains="blurple")
    assert "colour" in problem.message or "color" in problem.message
    assert problem.line == line
    assert str(problem).startswith(f"{KESTREL}:{line}: colors.primary: 'blurple'")


UNSAFE_URLS = ["javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,<b>hi</b>",
               "//evil.example/phish", "  javascript:alert(1)", "vbscript:msgbox(1)"]
URL_FIELDS = {
    "website": ('website = "https://kestrel-cloud.example"', 'website = "{url}"'),
    "personalize.cta_url": ('cta_url = "https://kestrel-cloud.example/backup-check"', 'cta_url = "{url}"'),
}


@pytest.mark.parametrize("url", UNSAFE_URLS)
@pytest.mark.parametrize("field", sorted(URL_FIELDS))
def test_unsafe_url_is_refused(project, field, url):
    old, new = URL_FIELDS[field]
    edit(project, KESTREL, old, new.format(url=url))
    problem = find(problems_of(project), KESTREL, field=field)
    assert url.strip()[:10] in problem.message


# --- content ---------------------------------------------------------------------------


def test_front_matter_typo_suggests_the_field(project):
    line = edit(project, PRICING, "min_tier: gold", "min_teir: gold")
    problem = find(problems_of(project), PRICING, line=line)
    assert "min_tier" in problem.message
    assert "min_teir" in (problem.field or "") + problem.message


def test_invalid_yaml_front_matter_reports_line(project):
    line = edit(project, IMMUTABLE, "author: Maren Okafor", "author: Maren: Okafor")
    problem = find(problems_of(project), IMMUTABLE, line=line)
    assert "yaml" in problem.message.lower()


def test_unterminated_yaml_front_matter(project):
    edit(project, IMMUTABLE, "tags: [backup, immutability, ransomware]", "tags: [backup, immutability")
    problem = find(problems_of(project), IMMUTABLE, contains="yaml")
    assert problem.line is not None


def test_unknown_partner_in_front_matter(project):
    edit(project, WORKSHOP, "partners: [northbeam-it]", "partners: [northbeem-it]")
    find(problems_of(project), WORKSHOP, field="partners", contains="northbeem-it")


def test_token_naming_unknown_field_in_markdown(project):
    line = edit(project, IMMUTABLE, "{{ partner.name }} can review", "{{ partner.nmae }} can review")
    problem = find(problems_of(project), IMMUTABLE, line=line)
    assert "nmae" in problem.message


def test_token_naming_unknown_field_in_social_post(project):
    line = edit(project, MYTHS, "{{ partner.name }} can run", "{{ partner.nmae }} can run")
    problem = find(problems_of(project), MYTHS, field="variants.linkedin")
    assert "nmae" in problem.message
    assert problem.line == line


def test_statement_in_social_post_reports_its_own_line(project):
    line = edit(project, MYTHS, "{{ partner.name }} can run", "{% if true %}x{% endif %} can run")
    problem = find(problems_of(project), MYTHS, field="variants.linkedin", contains="{%")
    assert problem.line == line


def test_token_syntax_error(project):
    line = edit(project, IMMUTABLE, "{{ partner.name }} can review", "{{ partner.name + }} can review")
    find(problems_of(project), IMMUTABLE, line=line, contains="token")


# --- several at once, the CLI, and what a failure leaves behind ------------------------------


def break_several(project: Path) -> dict[str, str | None]:
    """Four independent errors in four files; returns file -> field."""
    edit(project, KESTREL, 'primary = "#3d7ea6"', 'primary = "blurple"')
    edit(project, NORTHBEAM, 'tier = "platinum"', 'tier = "diamond"')
    edit(project, PRICING, "min_tier: gold", "min_teir: gold")
    (project / "partners/sakura-systems/partner.toml").unlink()
    return {KESTREL: "colors.primary", NORTHBEAM: "tier", PRICING: None,
            "partners/sakura-systems/partner.toml": None}


def test_several_errors_are_reported_together(project):
    expected = break_several(project)
    problems = problems_of(project)
    for file, field in expected.items():
        find(problems, file, field=field)
    assert len({problem.file for problem in problems}) >= len(expected)


def test_cli_exits_1_and_prints_every_problem_to_stderr(project):
    expected = break_several(project)
    result = CliRunner().invoke(main, ["build", str(project), "--no-pdf", "--out", str(project / "build")])
    assert result.exit_code == 1, result.output
    for file in expected:
        assert file in result.stderr
    assert "colors.primary" in result.stderr and "blurple" in result.stderr
    assert "min_tier" in result.stderr
    assert "blurple" not in result.stdout


def test_cli_unknown_partner_exits_2(project):
    result = CliRunner().invoke(main, ["build", str(project), "--no-pdf", "--partner", "no-such-partner",
                                       "--out", str(project / "build")])
    assert result.exit_code == 2
    assert "no-such-partner" in result.stderr
    assert not (project / "build" / "kestrel-cloud").exists()


def test_library_unknown_partner_raises_usage_error(project):
    with pytest.raises(cobrand.UsageError) as caught:
        cobrand.build(project, out_dir=project / "build", partners=("no-such-partner",), pdfs=False,
                      environ=ENVIRON)
    assert "no-such-partner" in str(caught.value)
    assert caught.value.exit_code == 2


# Builds that must succeed use PDFs (the default) and two partners, to stay quick and to keep
# these tests independent of the --no-pdf path, which has its own test in test_cli.py.
SUBSET = ("kestrel-cloud", "northbeam-it")


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> tuple[Path, Path]:
    """A project copy and a good build of it, made once; tests work on copies of both."""
    base = tmp_path_factory.mktemp("good-build")
    project = copy_example(base)
    out = base / "out"
    report = cobrand.build(project, out_dir=out, partners=SUBSET, jobs=2, environ=ENVIRON, all_or_nothing=True)
    assert report.ok, report.failures
    return project, out


@pytest.fixture
def built(good_build, tmp_path) -> tuple[Path, Path]:
    """A writable copy of the good project and of its build output."""
    project, out = good_build
    shutil.copytree(project, tmp_path / "project")
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "project", tmp_path / "out"


@pytest.mark.parametrize("breakage", [
    lambda project: edit(project, KESTREL, 'primary = "#3d7ea6"', 'primary = "blurple"'),
    lambda project: (project / NORTHBEAM).unlink(),
    lambda project: edit(project, PRICING, "min_tier: gold", "min_teir: gold"),
], ids=["bad-colour", "missing-partner-toml", "front-matter-typo"])
def test_failed_build_leaves_previous_output_byte_identical(built, breakage: Callable):
    project, out = built
    before = file_digests(out)
    assert any(name.startswith("kestrel-cloud/") for name in before)
    assert any(name.endswith(".pdf") for name in before)
    breakage(project)
    with pytest.raises(cobrand.ProjectError):
        cobrand.build(project, out_dir=out, partners=SUBSET, jobs=2, environ=ENVIRON, all_or_nothing=True)
    with pytest.raises(cobrand.ProjectError):
        cobrand.build(project, out_dir=out, jobs=2, environ=ENVIRON, all_or_nothing=True)  # a full build too
    after = file_digests(out)
    missing, added = sorted(set(before) - set(after)), sorted(set(after) - set(before))
    assert missing == [] and added == []
    # The refused run's report and overview are the files that change: they say so (issue 20).
    refused = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert refused["ok"] is False and refused["refused"] is True and refused["errors"]
    run_state = {"report.json", "overview.html"}
    changed = [name for name in sorted(before) if after[name] != before[name] and name not in run_state]
    assert changed == []


def test_partner_render_failure_keeps_its_previous_output(built):
    """A token that only fails for some partners (no address) fails those partners at render
    time; their previous output stays, the others are rebuilt, and the report says so."""
    project, out = built
    before = file_digests(out)
    line = edit(project, IMMUTABLE, "{{ partner.name }} can review",
                "{{ partner.contact.address.upper() }} can review")
    report = cobrand.build(project, out_dir=out, partners=SUBSET, jobs=2, environ=ENVIRON, all_or_nothing=True)
    assert not report.ok
    status = {result.slug: result.status for result in report.partners}
    assert status == {"kestrel-cloud": "failed", "northbeam-it": "built"}  # kestrel has no contact.address
    failure = next(result.failure for result in report.partners if result.slug == "kestrel-cloud")
    assert failure is not None
    assert failure.file == IMMUTABLE
    assert failure.line == line
    after = file_digests(out)
    kestrel_before = {name: digest for name, digest in before.items() if name.startswith("kestrel-cloud/")}
    kestrel_after = {name: digest for name, digest in after.items() if name.startswith("kestrel-cloud/")}
    assert kestrel_before  # the partner's previous site is still there, unchanged
    assert kestrel_after == kestrel_before
    page = (out / "northbeam-it/blog/immutable-backups-explained.html").read_text(encoding="utf-8")
    assert "88 CAUSEWAY STREET" in page
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["ok"] is False
    assert [entry["file"] for entry in data["failures"]] == [IMMUTABLE]
