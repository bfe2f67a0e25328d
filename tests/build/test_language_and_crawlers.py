"""Language and direction of every run of text, downloads that hold something, and what crawlers read.

Read back from the built files by an HTML parser of the standard library (not cobrand's own views); the
visual order of right-to-left pages, in Debian's chromium, is tests/browser/test_right_to_left_in_chromium.py.
"""

from __future__ import annotations

import json
import re
import tomllib
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import cobrand
from cobrand.check import check
from support.awkward_project import write_awkward_project
from support.example import (
    ENVIRON,
    ROOT,
    ExampleBuild,
    copy_example,
    load_config,
    load_items,
    load_partners,
)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class LanguageRuns(HTMLParser):
    """Every text node of a page with the language and direction it inherits (the nearest lang / dir)."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, str | None]] = []
        self.runs: list[tuple[str, str, str]] = []
        self.feed(document)

    def _current(self) -> tuple[str, str]:
        lang = next((entry[1] for entry in reversed(self.stack) if entry[1] is not None), "")
        direction = next((entry[2] for entry in reversed(self.stack) if entry[2] is not None), "ltr")
        return lang, direction

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            attributes = dict(attrs)
            self.stack.append((tag, attributes.get("lang"), attributes.get("dir")))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            self.runs.append((text, *self._current()))


def primary(tag: str) -> str:
    return tag.split("-")[0].lower()


def builds(example_build: ExampleBuild, awkward_build: ExampleBuild) -> Iterator[tuple[Path, Path]]:
    """(project root, build folder) of the example and of the generated project."""
    yield ROOT, example_build.out
    yield awkward_build.out.parent / "project", awkward_build.out


# --- language ----------------------------------------------------------------------------------------------


def test_every_title_and_the_legal_line_carry_their_own_language(example_build, awkward_build):
    """An item shown untranslated on a page of another language sits in an element with lang="en" (and
    dir="ltr" on a right-to-left page); a translated one inherits the page's language."""
    checked = 0
    wrong = []
    for project, out in builds(example_build, awkward_build):
        config = load_config(project)
        originals = load_items(project)
        translations = load_items(project, translations=True)
        for partner in load_partners(project):
            language = primary(partner.locale)
            expected = {}
            for item in originals:
                translated = next((t for t in translations if (t.kind, t.slug, t.lang) == (item.kind, item.slug,
                                                                                             language)), None)
                shown = translated or item
                expected[shown.title] = translated.lang if translated else "en"
            legal = config["vendor"]["legal"]
            expected.setdefault(legal, "en")
            for page in sorted((out / partner.slug).rglob("*.html")):
                document = page.read_text(encoding="utf-8")
                page_lang = re.search(r'<html lang="([^"]+)" dir="(\w+)"', document)
                assert page_lang and page_lang.group(1) == partner.locale, page
                for text, lang, direction in LanguageRuns(document).runs:
                    if text in expected:
                        checked += 1
                        want = expected[text]
                        if primary(lang) != primary(want):
                            wrong.append(f"{page.relative_to(out)}: {text!r} is read as {lang}, not {want}")
                        if want == "en" and direction != "ltr":
                            wrong.append(f"{page.relative_to(out)}: {text!r} runs {direction}")
    assert checked > 200
    assert not wrong, "\n".join(wrong[:20])


def test_a_locale_the_theme_does_not_speak_marks_the_theme_strings_and_the_partners_text(tmp_path):
    """A Dutch partner (no theme catalogue for nl): the page is nl-NL, its body says the theme's strings
    are English, and the Dutch translation and the partner's own intro say they are Dutch."""
    project = write_awkward_project(tmp_path / "project")
    folder = project / "partners" / "delta-backup"
    folder.mkdir()
    (folder / "logo.svg").write_bytes((project / "partners" / "pale-harbour" / "logo.svg").read_bytes())
    (folder / "partner.toml").write_text(
        'name = "Delta Backup"\ntier = "gold"\nlocale = "nl-NL"\nlogo = "logo.svg"\n\n[colors]\nprimary = "#005a9c"\n'
        '\n[personalize]\nintro = "Wij beschermen uw gegevens."\n', encoding="utf-8")
    (project / "content" / "blog" / "restore-tests.nl.md").write_text(
        "---\ntitle: Test uw herstel voordat u het nodig hebt\ndate: 2026-09-01\nsummary: Een herstel dat u nooit "
        "hebt geprobeerd is hoop, geen plan.\n---\n\nProbeer het.\n", encoding="utf-8")
    out = tmp_path / "build"
    cobrand.build(project, out_dir=out, partners=("delta-backup",), jobs=1, pdfs=False, images=False,
                  environ=ENVIRON)
    runs = {text: lang for text, lang, _ in LanguageRuns((out / "delta-backup/index.html").read_text()).runs}
    assert runs["Latest insights"] == "en"  # a theme string, from no catalogue
    assert runs["Wij beschermen uw gegevens."] == "nl-NL"
    assert runs["Test uw herstel voordat u het nodig hebt"] == "nl"
    assert runs["Quayside Vault"] == "en"
    page = (out / "delta-backup/index.html").read_text(encoding="utf-8")
    assert '<html lang="nl-NL" dir="ltr">' in page and '<body class="home" lang="en" dir="ltr">' in page


def test_the_legal_line_comes_in_the_partners_language_where_the_vendor_gave_one(tmp_path):
    project = copy_example(tmp_path)
    config = project / "cobrand.toml"
    german = "Harborline und das Harborline-Leuchtturmzeichen sind Marken der Harborline Data Ltd."
    config.write_text(config.read_text(encoding="utf-8").replace(
        "\n[vendor.colors]", f'\n[vendor.legal_translations]\nde = "{german}"\n\n[vendor.colors]'), encoding="utf-8")
    out = tmp_path / "build"
    cobrand.build(project, out_dir=out, partners=("falkenstein-systeme", "kestrel-cloud"), pdfs=False,
                  images=False, jobs=1, environ=ENVIRON)
    german_page = (out / "falkenstein-systeme" / "index.html").read_text(encoding="utf-8")
    assert f'<p class="footer__legal">{german}</p>' in german_page
    english_page = (out / "kestrel-cloud" / "index.html").read_text(encoding="utf-8")
    assert german not in english_page and 'class="footer__legal">Harborline and' in english_page


def test_social_copy_comes_in_the_partners_language_with_fallbacks_marked(awkward_build):
    arabic = (awkward_build.hub / "gulf-shield" / "kit" / "social-posts.txt").read_text(encoding="utf-8")
    assert arabic.startswith("# أسبوع اختبار الاستعادة\n") and "[en]" not in arabic
    assert "هل استعدت خدمة كاملة هذا العام؟" in arabic
    japanese = (awkward_build.hub / "sakura-backup" / "kit" / "social-posts.txt").read_text(encoding="utf-8")
    assert japanese.startswith("# Restore test week [en]\n")


def test_check_reports_translation_coverage_per_locale(awkward_build):
    project = awkward_build.out.parent / "project"
    report = check(project, environ=ENVIRON)
    coverage = json.loads(report.to_json())["translations"]
    assert "translations: ar (gulf-shield): 2 of 4 items translated; untranslated: media/vault-in-five-minutes, "\
           "one-pagers/quayside-vault" in report.summary().splitlines()
    # The one-pager, the video and (for Japanese and German) the social post exist in English only.
    assert coverage["ar"]["missing"] == ["media/vault-in-five-minutes", "one-pagers/quayside-vault"]
    assert coverage["ar"]["partners"] == ["gulf-shield"]
    assert coverage["ja"]["missing"] == ["media/vault-in-five-minutes", "one-pagers/quayside-vault",
                                         "social/restore-test-week"]
    assert coverage["de"]["missing"] == ["blog/restore-tests", "media/vault-in-five-minutes",
                                         "one-pagers/quayside-vault", "social/restore-test-week"]
    assert coverage["ar"]["translated"] == 2 and coverage["ar"]["items"] == 4


def test_names_inside_sentences_are_isolated_on_right_to_left_pages_only(awkward_build):
    arabic = (awkward_build.out / "gulf-shield" / "index.html").read_text(encoding="utf-8")
    assert "<bdi>Quayside Backup</bdi>" in arabic and "<bdi>درع الخليج Gulf Shield</bdi>" in arabic
    german = (awkward_build.out / "pale-harbour" / "index.html").read_text(encoding="utf-8")
    assert "<bdi>" not in german


# --- downloads ------------------------------------------------------------------------------------------------


def test_a_project_without_social_posts_offers_no_empty_download(tmp_path):
    project = write_awkward_project(tmp_path / "project", social=False)
    out = tmp_path / "build"
    cobrand.build(project, out_dir=out, jobs=1, images=False, environ=ENVIRON)
    for partner in load_partners(project):
        site, hub = out / partner.slug, out.with_name("build-hub") / partner.slug
        assert not list((hub / "kit").glob("hootsuite-*.csv")) and not (hub / "kit" / "social-posts.txt").exists()
        home = (site / "index.html").read_text(encoding="utf-8")
        assert not re.search(r"\b0 social", home) and "social post" not in home
        kit_page = (hub / "kit.html").read_text(encoding="utf-8")
        assert ".csv" not in kit_page and "social-posts.txt" not in kit_page
        assert not (hub / "social.html").exists() and 'href="social.html"' not in kit_page
        # Every download a page offers exists and holds something.
        for page in [*site.rglob("*.html"), *hub.rglob("*.html")]:
            for link in re.findall(r'href="([^"#?]+)"[^>]*download', page.read_text(encoding="utf-8")):
                target = (page.parent / link).resolve()
                assert target.is_file() and target.stat().st_size > 0, (page, link)
        with zipfile.ZipFile(hub / "kit" / f"{partner.slug}-kit.zip") as archive:
            names = archive.namelist()
        assert names and not any("hootsuite" in name or name.endswith(".txt") for name in names), names


def test_a_project_with_nothing_to_download_offers_no_zip(tmp_path):
    project = write_awkward_project(tmp_path / "project", social=False)
    (project / "content" / "one-pagers" / "quayside-vault.md").unlink()
    out = tmp_path / "build"
    cobrand.build(project, out_dir=out, jobs=1, images=False, environ=ENVIRON)
    site, hub = out / "gulf-shield", out.with_name("build-hub") / "gulf-shield"
    assert not (hub / "kit").exists() or not any((hub / "kit").iterdir())
    for page in (site / "index.html", hub / "index.html", hub / "kit.html"):
        assert ".zip" not in page.read_text(encoding="utf-8"), page


# --- crawlers --------------------------------------------------------------------------------------------------


def test_syndicated_articles_name_the_vendors_original_canonical_by_default(awkward_build):
    out = awkward_build.out
    vendor_copy = "https://quayside.example/blog/restore-tests/"
    page = (out / "pale-harbour" / "blog" / "restore-tests.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{vendor_copy}">' in page
    # og:url stays the partner's page, so that shares of it lead to the partner.
    assert '<meta property="og:url" content="https://partners.quayside.example/pale-harbour/blog/' in page
    assert "restore-tests" not in (out / "pale-harbour" / "sitemap.xml").read_text(encoding="utf-8")
    # Translations are other documents: their partner copies stay canonical.
    arabic = (out / "gulf-shield" / "blog" / "restore-tests.html").read_text(encoding="utf-8")
    assert ('<link rel="canonical" href="https://partners.quayside.example/gulf-shield/blog/restore-tests.html">'
            in arabic)


def test_canonical_partner_names_each_partners_copy(tmp_path):
    project = write_awkward_project(tmp_path / "project")
    config = project / "cobrand.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'title = "Quayside Partner Hub"', 'title = "Quayside Partner Hub"\ncanonical = "partner"'), encoding="utf-8")
    out = tmp_path / "build"
    cobrand.build(project, out_dir=out, partners=("pale-harbour",), jobs=1, pdfs=False, images=False, environ=ENVIRON)
    own = "https://partners.quayside.example/pale-harbour/blog/restore-tests.html"
    assert f'<link rel="canonical" href="{own}">' in (out / "pale-harbour/blog/restore-tests.html").read_text()
    assert own in (out / "pale-harbour" / "sitemap.xml").read_text(encoding="utf-8")


def test_a_domain_per_partner_gets_robots_txt_in_each_folder_and_none_at_the_top(tmp_path):
    project = write_awkward_project(tmp_path / "project")
    config = project / "cobrand.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "https://partners.quayside.example/{partner}/", "https://{partner}.partners.quayside.example/"),
        encoding="utf-8")
    out = tmp_path / "build"
    out.mkdir()
    (out / "robots.txt").write_text("left by a path-style build\n")
    cobrand.build(project, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON)
    assert not (out / "robots.txt").exists() and not (out / "sitemap-index.xml").exists()
    robots = (out / "gulf-shield" / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://gulf-shield.partners.quayside.example/sitemap.xml" in robots.splitlines()


def test_root_files_name_every_partner_even_in_a_partial_build(tmp_path):
    project = write_awkward_project(tmp_path / "project")
    out = tmp_path / "build"
    cobrand.build(project, out_dir=out, partners=("gulf-shield",), jobs=1, pdfs=False, images=False, environ=ENVIRON)
    index = (out / "sitemap-index.xml").read_text(encoding="utf-8")
    slugs = re.findall(r"quayside\.example/([a-z-]+)/sitemap\.xml", index)
    assert slugs == sorted(slug for slug in tomllib_partners(project))
    assert (out / "robots.txt").read_text().endswith("Sitemap: https://partners.quayside.example/sitemap-index.xml\n")


def tomllib_partners(project: Path) -> list[str]:
    return [folder.name for folder in (project / "partners").iterdir()
            if tomllib.loads((folder / "partner.toml").read_text(encoding="utf-8"))]
