"""Every feed and sitemap a build writes is valid against its published schema.

- Atom feeds: the RELAX NG schema of RFC 4287 (Appendix B, tests/support/data/schemas/atom.rnc), checked by
  Debian's jing, which reads the compact syntax itself; the two rules the RFC states as Schematron
  annotations (which RELAX NG validators skip) are checked here with XPath. Feeds declare xml:lang.
- Sitemaps and sitemap indexes: the sitemaps.org 0.9 XML Schemas (tests/support/data/schemas/sitemap.xsd and
  siteindex.xsd), checked by libxml2 through lxml.etree.XMLSchema.

Files: every .xml file of the example build and of a generated project with an Arabic (ar-AE) and a
Japanese partner, built once for this module; an XML file of any other kind fails the test, so a new
one cannot go unchecked. A failure names the file, the line and the rule.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

import cobrand
from support.example import ENVIRON, PARTNERS
from support.generated_project import ARABIC, JAPANESE, rtl_cjk_project
from support.generated_project import PARTNERS as GENERATED_PARTNERS

SCHEMAS = Path(__file__).resolve().parents[1] / "support" / "data" / "schemas"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EXAMPLE_LOCALES = {partner.slug: partner.locale for partner in PARTNERS}
GENERATED_LOCALES = {ARABIC: "ar-AE", JAPANESE: "ja-JP"}


@pytest.fixture(scope="module")
def generated_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated RTL/CJK project, built once without PDFs and images (feeds do not show them)."""
    tmp = tmp_path_factory.mktemp("validators-feeds")
    out = tmp / "out"
    report = cobrand.build(rtl_cjk_project(tmp), out_dir=out, partners=GENERATED_PARTNERS, jobs=1, pdfs=False,
                           images=False, environ=ENVIRON)
    assert report.ok, report
    return out


@pytest.fixture(scope="module")
def xml_files(example_build, generated_out: Path) -> dict[str, list[Path]]:
    """Every .xml file of both builds by root element: "feed", "urlset", "sitemapindex"."""
    by_root: dict[str, list[Path]] = {"feed": [], "urlset": [], "sitemapindex": []}
    unknown = []
    for out in (example_build.out, generated_out):
        for path in sorted(out.rglob("*.xml")):
            if ".cobrand" in path.relative_to(out).parts:
                continue  # the build's own cache and manifests, not published
            root = etree.parse(str(path)).getroot().tag
            kind = {ATOM + "feed": "feed", SITEMAP + "urlset": "urlset",
                    SITEMAP + "sitemapindex": "sitemapindex"}.get(root)
            if kind is None:
                unknown.append(f"{path}: root element {root} has no schema in this test")
            else:
                by_root[kind].append(path)
    assert not unknown, "\n".join(unknown)
    assert by_root["feed"] and by_root["urlset"]
    return by_root


def test_atom_feeds_are_valid_against_the_rfc_4287_schema(xml_files: dict[str, list[Path]]) -> None:
    jing = shutil.which("jing")
    if jing is None:
        pytest.skip("jing is missing: scripts/setup installs it (Debian package jing)")
    # One JVM for every feed; jing prints "file:line:column: error: message" per problem.
    result = subprocess.run([jing, "-c", str(SCHEMAS / "atom.rnc"), *map(str, xml_files["feed"])],
                            capture_output=True, text=True)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line or ": fatal:" in line]
    assert result.returncode == 0 and not errors, "RFC 4287 Appendix B (RELAX NG):\n" + "\n".join(
        errors or [result.stdout, result.stderr])


def test_atom_feeds_keep_the_rfc_rules_its_schema_states_as_schematron(xml_files: dict[str, list[Path]]) -> None:
    failures = []
    for path in xml_files["feed"]:
        feed = etree.parse(str(path)).getroot()
        namespaces = {"atom": ATOM.strip("{}")}
        if not feed.xpath("atom:author or not(atom:entry[not(atom:author)])", namespaces=namespaces):
            failures.append(f"{path}: an atom:feed must have an atom:author unless all entries have one "
                            "(RFC 4287 4.1.1)")
        for entry in feed.iterfind(ATOM + "entry"):
            if not entry.xpath("atom:link[@rel='alternate'] or atom:link[not(@rel)] or atom:content",
                               namespaces=namespaces):
                failures.append(f"{path}:{entry.sourceline}: an atom:entry must have an alternate link or "
                                "content (RFC 4287 4.1.2)")
    assert not failures, "\n".join(failures)


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


@pytest.mark.parametrize(("kind", "schema"), [("urlset", "sitemap.xsd"), ("sitemapindex", "siteindex.xsd")])
def test_sitemaps_are_valid_against_the_sitemaps_org_schemas(xml_files: dict[str, list[Path]], kind: str,
                                                              schema: str) -> None:
    validator = _schema(schema)
    # Both layouts write them: partner sitemaps, and the sitemap index at the host root (path-style base_url).
    assert xml_files[kind], f"no {kind} file in either build"
    failures = []
    for path in xml_files[kind]:
        if not validator.validate(etree.parse(str(path))):
            failures += [f"{path}:{error.line}: {error.message} (sitemaps.org 0.9, {schema})"
                         for error in validator.error_log]
    assert not failures, "\n".join(failures)


def test_the_schemas_reject_what_they_should(tmp_path: Path) -> None:
    """The shipped schemas and jing are not vacuous: a feed without its id and with a malformed language,
    and a sitemap with a relative location, fail."""
    feed = tmp_path / "feed.xml"
    feed.write_text('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en GB"><title>t</title>'
                    "<updated>2026-01-01T00:00:00Z</updated></feed>", "utf-8")
    result = subprocess.run([shutil.which("jing") or "jing", "-c", str(SCHEMAS / "atom.rnc"), str(feed)],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert 'missing required element "id"' in result.stdout and "xml:lang" in result.stdout
    sitemap = etree.fromstring(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
                               b"<loc>index.html</loc></url></urlset>")
    assert not _schema("sitemap.xsd").validate(etree.ElementTree(sitemap))
    index = etree.fromstring(b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>')
    assert not _schema("siteindex.xsd").validate(etree.ElementTree(index))  # at least one sitemap


def test_feeds_declare_the_partners_language_and_mark_entries_in_another(example_build,
                                                                          generated_out: Path) -> None:
    for out, locales in ((example_build.out, EXAMPLE_LOCALES), (generated_out, GENERATED_LOCALES)):
        for slug, locale in locales.items():
            feed = etree.parse(str(out / slug / "feed.xml")).getroot()
            assert feed.get(XML_LANG) == locale, (slug, feed.get(XML_LANG))
    german = etree.parse(str(example_build.out / "falkenstein-systeme" / "feed.xml")).getroot()
    languages = {entry.findtext(ATOM + "id").rsplit("/", 1)[-1]: entry.get(XML_LANG, "de-DE")
                 for entry in german.iterfind(ATOM + "entry")}
    assert languages["harborline-vault.html"] == "de-DE"  # the German translation
    assert languages["recovery-assurance.html"] == "en"  # an English original
    english = etree.parse(str(example_build.out / "northbeam-it" / "feed.xml")).getroot()
    assert all(entry.get(XML_LANG) is None for entry in english.iterfind(ATOM + "entry"))


def test_sitemaps_list_pages_that_exist(example_build, generated_out: Path) -> None:
    """Every sitemap location is an absolute URL of the partner's site naming a page the build wrote."""
    config_base = "https://partners.harborline.example/"
    for out in (example_build.out, generated_out):
        for sitemap in sorted(out.glob("*/sitemap.xml")):
            slug = sitemap.parent.name
            for loc in etree.parse(str(sitemap)).getroot().iter(SITEMAP + "loc"):
                url = loc.text or ""
                assert url.startswith(f"{config_base}{slug}/"), (sitemap, url)
                page = url.removeprefix(f"{config_base}{slug}/") or "index.html"
                assert (out / slug / page).is_file(), f"{sitemap}: {url} names no page of the build"
