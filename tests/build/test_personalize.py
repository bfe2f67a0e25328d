"""Vendor-controlled personalisation: declared fields, partner values, per-item overrides.

cobrand.toml opens fields with ``[personalize.<field>]``; partners fill them in
``[personalize]`` of partner.toml and per content item in
``partners/<slug>/overrides/<content-slug>.toml``; content places them as
``{{ personalize.<field> }}``. Everything not declared stays locked.
"""

from __future__ import annotations

import html
import tomllib
from pathlib import Path

import pytest

import cobrand
from support.example import (
    ENVIRON,
    PARTNER_SLUGS,
    copy_example,
    load_config,
    load_partners,
    nothing_but_the_report,
    project_files,
)

POST = "ransomware-recovery-drill"  # its body ends with {{ personalize.closing }}
POST_PAGE = f"blog/{POST}.html"
OVERRIDE = f"partners/northbeam-it/overrides/{POST}.toml"
NORTHBEAM = "partners/northbeam-it/partner.toml"


# --- helpers -----------------------------------------------------------------------------






def run_build(project: Path, out: Path, **options) -> cobrand.BuildReport:
    options = {"jobs": 1, "environ": ENVIRON, "pdfs": False, "images": False, "all_or_nothing": True} | options
    return cobrand.build(project, out_dir=out, **options)


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def refused(project: Path, tmp_path: Path) -> cobrand.ProjectError:
    """Build and expect a ProjectError before anything is written."""
    out = tmp_path / "refused-out"
    with pytest.raises(cobrand.ProjectError) as caught:
        run_build(project, out)
    assert nothing_but_the_report(out), "a refused build must not write output"
    return caught.value


def problem(error: cobrand.ProjectError, file: str, field: str | None) -> cobrand.Problem:
    matches = [p for p in error.problems if p.file == file and p.field == field and p.severity == "error"]
    assert matches, f"no error for {file} / {field} in:\n{error}"
    assert file in str(error) and (field is None or field in str(error))
    return matches[0]


def prose(page: str) -> str:
    """The item body of a rendered post (between the prose block and the end of the article)."""
    start = page.index('class="prose"')
    return page[start:page.index("</article>", start)]


def expected_closing(root: Path, slug: str) -> str:
    """override -> partner.toml -> vendor default, read from the project files themselves."""
    override = root / "partners" / slug / "overrides" / f"{POST}.toml"
    if override.is_file():
        values = tomllib.loads(override.read_text(encoding="utf-8"))
        if "closing" in values:
            return values["closing"]
    partner = next(p for p in load_partners(root) if p.slug == slug)
    if "closing" in partner.data.get("personalize", {}):
        return partner.data["personalize"]["closing"]
    return load_config(root)["personalize"]["closing"]["default"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = copy_example(tmp_path_factory.mktemp("personalize"))
    out = root.parent / "out"
    report = run_build(root, out)
    assert report.ok, report.summary()
    return root, out


# --- values reach the pages ----------------------------------------------------------------


def test_example_has_the_cases_to_test(built):
    root, _ = built
    assert (root / OVERRIDE).is_file()
    default = load_config(root)["personalize"]["closing"]["default"]
    without_closing = [p.slug for p in load_partners(root) if "closing" not in p.data.get("personalize", {})]
    assert without_closing, "some partner must rely on the vendor default"
    assert default and expected_closing(root, "northbeam-it") != default


@pytest.mark.parametrize("slug", PARTNER_SLUGS)
def test_closing_on_the_post_follows_override_then_partner_then_default(built, slug):
    root, out = built
    body = prose((out / slug / POST_PAGE).read_text(encoding="utf-8"))
    closing = expected_closing(root, slug)
    assert html.escape(closing, quote=False) in body


def test_northbeam_override_is_on_its_page_only(built):
    root, out = built
    override = tomllib.loads((root / OVERRIDE).read_text(encoding="utf-8"))["closing"]
    northbeam = (out / "northbeam-it" / POST_PAGE).read_text(encoding="utf-8")
    assert override in prose(northbeam)
    # The override is for this item only: the partner-level closing stays on other pages.
    assert override not in (out / "northbeam-it" / "index.html").read_text(encoding="utf-8")
    for slug in PARTNER_SLUGS:
        if slug == "northbeam-it":
            continue
        for page in (out / slug).rglob("*.html"):
            assert override not in page.read_text(encoding="utf-8"), f"{slug}/{page.name} has northbeam's override"


def test_partner_without_a_value_gets_the_vendor_default(built):
    root, out = built
    default = load_config(root)["personalize"]["closing"]["default"]
    kestrel = next(p for p in load_partners(root) if p.slug == "kestrel-cloud")
    assert "closing" not in kestrel.data["personalize"]
    assert default in prose((out / "kestrel-cloud" / POST_PAGE).read_text(encoding="utf-8"))
    northbeam = prose((out / "northbeam-it" / POST_PAGE).read_text(encoding="utf-8"))
    assert default not in northbeam


def test_override_survives_a_vendor_edit_of_the_post(tmp_path):
    root = copy_example(tmp_path)
    out = tmp_path / "out"
    run_build(root, out)
    partners_before = {path: data for path, data in project_files(root).items() if path.startswith("partners/")}
    added = "The vendor added this paragraph after a review in November."
    edit(root, f"content/blog/{POST}.md", "{{ personalize.closing }}", f"{added}\n\n{{{{ personalize.closing }}}}")
    report = run_build(root, out)
    assert report.ok, report.summary()
    override = tomllib.loads((root / OVERRIDE).read_text(encoding="utf-8"))["closing"]
    body = prose((out / "northbeam-it" / POST_PAGE).read_text(encoding="utf-8"))
    assert added in body, "the vendor's edit must be published"
    assert override in body, "the partner's override must survive the vendor's edit"
    kestrel = prose((out / "kestrel-cloud" / POST_PAGE).read_text(encoding="utf-8"))
    assert added in kestrel and expected_closing(root, "kestrel-cloud") in kestrel
    # Building never writes into the partners' folders.
    after = {path: data for path, data in project_files(root).items() if path.startswith("partners/")}
    assert after == partners_before


# --- locked fields ------------------------------------------------------------------------


def test_undeclared_field_in_partner_toml_is_refused(project, tmp_path):
    edit(project, NORTHBEAM, "[personalize]\n", '[personalize]\ntagline = "x"\n')
    error = refused(project, tmp_path)
    problem(error, NORTHBEAM, "personalize.tagline")


def test_undeclared_field_in_an_override_is_refused(project, tmp_path):
    (project / OVERRIDE).write_text('tagline = "x"\n', encoding="utf-8")
    error = refused(project, tmp_path)
    problem(error, OVERRIDE, "tagline")


def test_vendor_text_stays_locked_even_for_known_partner_keys(project, tmp_path):
    # "name" is a partner field, but not one the vendor opened for personalisation.
    (project / OVERRIDE).write_text('closing = "fine"\nname = "Someone Else"\n', encoding="utf-8")
    error = refused(project, tmp_path)
    problem(error, OVERRIDE, "name")


def test_override_for_content_that_does_not_exist(project, tmp_path):
    typo = "partners/northbeam-it/overrides/ransomware-recovery-dril.toml"
    (project / typo).write_text('closing = "Book a drill."\n', encoding="utf-8")
    error = refused(project, tmp_path)
    found = [p for p in error.problems if p.file == typo]
    assert found, str(error)
    assert "ransomware-recovery-dril" in found[0].message


# --- value checks ---------------------------------------------------------------------------


def test_too_long_value_in_partner_toml_names_the_maximum(project, tmp_path):
    maximum = load_config(project)["personalize"]["cta_label"]["max_length"]
    label = "B" * (maximum + 1)
    edit(project, NORTHBEAM, 'cta_label = "Book a ransomware recovery drill"', f'cta_label = "{label}"')
    found = problem(refused(project, tmp_path), NORTHBEAM, "personalize.cta_label")
    assert str(maximum) in found.message
    assert str(maximum + 1) in found.message


def test_value_at_the_maximum_is_accepted(project, tmp_path):
    maximum = load_config(project)["personalize"]["cta_label"]["max_length"]
    label = "Book a drill " + "x" * (maximum - len("Book a drill "))
    assert len(label) == maximum
    edit(project, NORTHBEAM, 'cta_label = "Book a ransomware recovery drill"', f'cta_label = "{label}"')
    out = tmp_path / "out"
    assert run_build(project, out).ok
    assert label in (out / "northbeam-it" / "index.html").read_text(encoding="utf-8")


def test_too_long_value_in_an_override_names_the_maximum(project, tmp_path):
    maximum = load_config(project)["personalize"]["closing"]["max_length"]
    (project / OVERRIDE).write_text(f'closing = "{"c" * (maximum + 1)}"\n', encoding="utf-8")
    found = problem(refused(project, tmp_path), OVERRIDE, "closing")
    assert str(maximum) in found.message


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(document.cookie)",
                                 "data:text/html,<script>alert(1)</script>"])
def test_url_field_refuses_unsafe_schemes_in_partner_toml(project, tmp_path, url):
    assert load_config(project)["personalize"]["cta_url"]["kind"] == "url"
    edit(project, NORTHBEAM, 'cta_url = "https://northbeam-it.example/recovery-drill"', f'cta_url = "{url}"')
    problem(refused(project, tmp_path), NORTHBEAM, "personalize.cta_url")


def test_url_field_refuses_javascript_in_an_override(project, tmp_path):
    (project / OVERRIDE).write_text('cta_url = "javascript:alert(1)"\n', encoding="utf-8")
    problem(refused(project, tmp_path), OVERRIDE, "cta_url")


def test_text_field_accepts_what_a_url_field_refuses(project, tmp_path):
    # The check belongs to kind = "url": the same words in a text field are plain text.
    edit(project, NORTHBEAM, 'closing = "Northbeam IT: recovery you have already rehearsed."',
         'closing = "javascript: not a link, just words"')
    out = tmp_path / "out"
    assert run_build(project, out).ok
    page = (out / "northbeam-it" / "index.html").read_text(encoding="utf-8")
    assert "javascript: not a link, just words" in page
    assert 'href="javascript:' not in page


def test_required_field_without_value_or_default_is_an_error(project, tmp_path):
    edit(project, "cobrand.toml", "[personalize.intro]\n", "[personalize.intro]\nrequired = true\n")
    intro = next(p for p in load_partners(project) if p.slug == "kestrel-cloud")
    edit(project, "partners/kestrel-cloud/partner.toml", f'intro = "{intro.data["personalize"]["intro"]}"\n', "")
    error = refused(project, tmp_path)
    problem(error, "partners/kestrel-cloud/partner.toml", "personalize.intro")
    # Partners that fill it are fine.
    flagged = {p.file for p in error.problems if p.field == "personalize.intro"}
    assert flagged == {"partners/kestrel-cloud/partner.toml"}


def test_required_field_with_a_default_needs_no_value(project, tmp_path):
    config = load_config(project)["personalize"]["cta_label"]
    assert config.get("default")
    edit(project, "cobrand.toml", "[personalize.cta_label]\n", "[personalize.cta_label]\nrequired = true\n")
    edit(project, "partners/kestrel-cloud/partner.toml", 'cta_label = "Ask for an AWS backup check"\n', "")
    out = tmp_path / "out"
    assert run_build(project, out).ok
    assert config["default"] in (out / "kestrel-cloud" / "index.html").read_text(encoding="utf-8")


# --- the vendor's own declarations ---------------------------------------------------------------


def vendor_problem(error: cobrand.ProjectError, field: str) -> cobrand.Problem:
    found = [p for p in error.problems if p.file == "cobrand.toml" and (p.field or "").startswith(field)]
    assert found, f"no error for cobrand.toml / {field} in:\n{error}"
    return found[0]


def test_vendor_default_longer_than_its_maximum_is_an_error(project, tmp_path):
    """A default is shown to partners who fill nothing: it must respect the field's own max_length."""
    maximum = load_config(project)["personalize"]["cta_label"]["max_length"]
    edit(project, "cobrand.toml", 'default = "Talk to us"', f'default = "{"T" * (maximum + 20)}"')
    found = vendor_problem(refused(project, tmp_path), "personalize.cta_label")
    assert str(maximum) in found.message


def test_vendor_default_of_a_url_field_must_be_a_safe_url(project, tmp_path):
    """kind = "url" holds for the default too: it ends up in an href on every partner's pages."""
    edit(project, "cobrand.toml", "[personalize.cta_url]\n", '[personalize.cta_url]\ndefault = "javascript:alert(1)"\n')
    vendor_problem(refused(project, tmp_path), "personalize.cta_url")
