"""Two outputs per partner (issue 23): the public site for its customers, the hub for the partner.

The public site never offers the partner's tools (kit, social pack, CSVs, zip) and never links to the
hub; every hub page is kept out of search engines; both folders change together or not at all.
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

import cobrand
from cobrand.cli import main
from cobrand.errors import UsageError
from support.example import CONFIG, ENVIRON, PARTNER_SLUGS, copy_example

SLUG = "kestrel-cloud"
# What only the hub offers: no public file may name it.
PARTNER_TOOLS = re.compile(r"(^|/)(kit\.html|social\.html|new\.html|kit/)|\.(csv|zip)$|_hub")


class _Links(HTMLParser):
    """Every URL a page refers to, and its robots meta and canonical link."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.robots: list[str] = []
        self.canonical: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src", "action", "poster", "data"):
            if values.get(name):
                self.links.append(values[name] or "")
        for name in ("srcset",):
            if values.get(name):
                self.links += [part.strip().split()[0] for part in (values[name] or "").split(",") if part.strip()]
        if tag == "meta" and values.get("name") == "robots":
            self.robots.append(values.get("content") or "")
        if tag == "link" and values.get("rel") == "canonical":
            self.canonical.append(values.get("href") or "")


def parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def xml_urls(path: Path) -> list[str]:
    """Every URL an XML file (feed, sitemap) names: element text that looks like one, and href attributes."""
    found = []
    for element in ET.parse(path).getroot().iter():
        found += [value for name, value in element.attrib.items() if name in {"href", "src"}]
        text = (element.text or "").strip()
        if "://" in text or text.endswith((".html", ".pdf", ".csv", ".zip", ".xml")):
            found.append(text)
    return found


def digests(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


# --- the public site ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", PARTNER_SLUGS)
def test_the_public_site_offers_no_kit_social_csv_or_zip_and_never_the_hub(example_build, slug):
    site = example_build.out / slug
    files = [path for path in sorted(site.rglob("*")) if path.is_file()]
    assert not [path for path in files if PARTNER_TOOLS.search(path.relative_to(site).as_posix())]
    checked = 0
    for path in files:
        where = path.relative_to(site).as_posix()
        if path.suffix == ".html":
            links = parse(path).links
            text = html.unescape(path.read_text(encoding="utf-8"))
            assert "Download the kit" not in text and "social-posts" not in text, where
        elif path.suffix == ".xml":
            links = xml_urls(path)
        else:
            continue
        for link in links:
            target = unquote(urlsplit(link).path)
            assert not PARTNER_TOOLS.search(target), f"{where} links to {link}"
            assert not target.startswith(str(example_build.hub)), f"{where} links into the hub folder: {link}"
            checked += 1
    assert checked > 100
    # Datasheets are published beside their pages, and listed on their own index page.
    index = parse(site / "one-pagers" / "index.html").links
    pdfs = sorted(path.name for path in (site / "one-pagers").glob("*.pdf"))
    assert pdfs and all(name in index for name in pdfs)


@pytest.mark.parametrize("slug", PARTNER_SLUGS)
def test_the_navigation_names_only_the_kinds_the_partner_has(example_build, slug):
    site = example_build.out / slug
    nav = re.search(r'<nav class="nav".*?</nav>', (site / "index.html").read_text(encoding="utf-8"), re.S)
    assert nav
    links = re.findall(r'href="([^"]+)"', nav.group(0))
    expected = ["index.html", "blog/index.html"]
    expected += ["one-pagers/index.html"] if list((site / "one-pagers").glob("*.html")) else []
    expected += ["media/index.html"] if (site / "media").is_dir() else []
    assert links[:len(expected)] == expected
    assert all(not link.endswith((".html",)) or link in expected for link in links)  # the rest: the CTA


def test_a_partner_without_media_gets_no_media_index_and_no_media_link(tmp_path):
    project = copy_example(tmp_path)
    for path in (project / "content" / "media").glob("*.md"):
        path.unlink()
    for path in (project / "content" / "social").glob("*.yaml"):  # posts promoting the removed episodes
        if "media/" in path.read_text(encoding="utf-8"):
            path.unlink()
    out = tmp_path / "build"
    report = cobrand.build(project, out_dir=out, partners=(SLUG,), pdfs=False, images=False, jobs=1,
                           environ=ENVIRON)
    assert report.ok, report.summary()
    site = out / SLUG
    assert not (site / "media").exists()
    for page in site.rglob("*.html"):
        assert "media/index.html" not in page.read_text(encoding="utf-8"), page


# --- the hub -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", PARTNER_SLUGS)
def test_every_hub_page_is_noindex_nofollow_without_a_canonical(example_build, slug):
    hub = example_build.hub / slug
    pages = sorted(hub.rglob("*.html"))
    assert {page.relative_to(hub).as_posix() for page in pages} >= {"index.html", "new.html", "kit.html",
                                                                     "404.html"}
    for page in pages:
        found = parse(page)
        assert found.robots == ["noindex, nofollow"], page
        assert found.canonical == [], page
        assert 'property="og:' not in page.read_text(encoding="utf-8"), page
    assert (hub / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\nDisallow: /\n"


def test_the_hub_root_turns_every_crawler_away(example_build):
    assert (example_build.hub / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\nDisallow: /\n"
    assert sorted(path.name for path in example_build.hub.iterdir() if not path.name.startswith(".")) == \
        sorted([*PARTNER_SLUGS, "robots.txt"])


@pytest.mark.parametrize("slug", PARTNER_SLUGS)
def test_hub_links_resolve_in_the_hub_or_point_at_the_public_site(example_build, slug):
    hub, site = example_build.hub / slug, example_build.out / slug
    report = json.loads((example_build.out / "report.json").read_text())
    assert report["hub_dir"] == str(example_build.hub.resolve())
    public = CONFIG["site"]["base_url"].replace("{partner}", slug)  # the public site's address
    checked = public_links = 0
    for page in sorted(hub.rglob("*.html")):
        where = page.relative_to(hub).as_posix()
        if where == "404.html":
            continue
        for link in parse(page).links:
            parts = urlsplit(link)
            if parts.scheme in {"http", "https"}:
                if link.startswith(public):
                    assert (site / (unquote(parts.path).removeprefix(urlsplit(public).path) or "index.html")
                            ).is_file(), f"{where}: {link}"
                    public_links += 1
                continue
            if parts.scheme or link.startswith("#"):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(where), unquote(parts.path)))
            assert (hub / target).is_file(), f"{where}: {link} -> {target}"
            checked += 1
    assert checked > 20
    assert public_links > 0


# --- both folders together ----------------------------------------------------------------------------------


FAILING_KIT = ('{% extends "default/hub/kit.html" %}{% block main %}'
               '{% if partner.slug == "kestrel-cloud" %}{{ no_such_value }}{% endif %}{{ super() }}{% endblock %}')


def test_a_partner_whose_hub_fails_keeps_its_old_site_and_hub_byte_for_byte(tmp_path):
    project = copy_example(tmp_path)
    out, hub = tmp_path / "build", tmp_path / "build-hub"
    options = {"partners": (SLUG, "northbeam-it"), "pdfs": False, "images": False, "jobs": 1, "environ": ENVIRON}
    assert cobrand.build(project, out_dir=out, **options).ok
    before = {SLUG: (digests(out / SLUG), digests(hub / SLUG)),
              "northbeam-it": (digests(out / "northbeam-it"), digests(hub / "northbeam-it"))}
    # An edit both partners' sites show, and a hub template that fails for one of them only.
    post = project / "content/blog/ransomware-recovery-drill.md"
    post.write_text(post.read_text(encoding="utf-8").replace("\n\n", "\n\nA sentence added.\n\n", 1),
                    encoding="utf-8")
    templates = project / "themes/harborline/templates/hub"
    templates.mkdir()
    (templates / "kit.html").write_text(FAILING_KIT, encoding="utf-8")
    report = cobrand.build(project, out_dir=out, **options)
    status = {result.slug: result for result in report.partners}
    assert status[SLUG].status == "failed" and status["northbeam-it"].status == "built"
    assert "no_such_value" in str(status[SLUG].failure)
    assert (digests(out / SLUG), digests(hub / SLUG)) == before[SLUG]
    assert digests(out / "northbeam-it") != before["northbeam-it"][0]
    # The next good build brings both folders up to date, like a clean build.
    (templates / "kit.html").unlink()
    assert cobrand.build(project, out_dir=out, **options).ok
    clean = tmp_path / "clean"
    assert cobrand.build(project, out_dir=clean, **options).ok
    for slug in (SLUG, "northbeam-it"):
        assert digests(out / slug) == digests(clean / slug)
        assert digests(hub / slug) == digests(tmp_path / "clean-hub" / slug)


def test_a_hub_that_cannot_be_written_keeps_the_partners_site_too(tmp_path):
    project = copy_example(tmp_path)
    out, hub = tmp_path / "build", tmp_path / "build-hub"
    options = {"partners": (SLUG,), "pdfs": False, "images": False, "jobs": 1, "environ": ENVIRON}
    assert cobrand.build(project, out_dir=out, **options).ok
    before = digests(out / SLUG)
    # A folder where the hub's changed file must go: writing the hub fails before anything is swapped in.
    (hub / SLUG / "kit.html").unlink()
    (hub / SLUG / "kit.html").mkdir()
    edit = project / "cobrand.toml"
    edit.write_text(edit.read_text(encoding="utf-8").replace("registered in England and Wales",
                                                             "registered in Scotland"), encoding="utf-8")
    report = cobrand.build(project, out_dir=out, **options)
    assert [result.status for result in report.partners] == ["failed"]
    assert "hub" in str(report.partners[0].failure)
    assert digests(out / SLUG) == before
    assert (hub / SLUG / "kit.html").is_dir()


def test_the_report_names_the_urls_of_each_folder(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "build"
    options = {"partners": (SLUG,), "pdfs": False, "images": False, "jobs": 1, "environ": ENVIRON}
    first = cobrand.build(project, out_dir=out, **options)
    result = first.partners[0]
    hub_base = CONFIG["hub"]["base_url"].replace("{partner}", SLUG)  # the example sets [hub] base_url
    assert f"{hub_base}kit.html" in result.hub_urls_added and hub_base in result.hub_urls_added
    assert not [url for url in result.urls_added if PARTNER_TOOLS.search(urlsplit(url).path)]
    assert any(url.endswith("/one-pagers/index.html") for url in result.urls_added)
    # A post's title is on the site's listings and the hub's "what's new": each root says what changed.
    post = project / "content/blog/ransomware-recovery-drill.md"
    text = post.read_text(encoding="utf-8")
    title = re.search(r"^title: (.*)$", text, re.M)
    assert title
    post.write_text(text.replace(title.group(0), "title: A retitled drill", 1), encoding="utf-8")
    second = cobrand.build(project, out_dir=out, **options).partners[0]
    assert f"{hub_base}new.html" in second.hub_urls_changed
    assert any(url.endswith("/blog/index.html") for url in second.urls_changed)
    saved = json.loads((out / "report.json").read_text())["partners"][0]
    assert saved["hub_urls"]["changed"] == list(second.hub_urls_changed)
    assert saved["urls"]["changed"] == list(second.urls_changed)


# --- where the hub goes -------------------------------------------------------------------------------------


def test_hub_out_puts_the_hubs_where_told(tmp_path):
    project = copy_example(tmp_path)
    out, hub = tmp_path / "public", tmp_path / "elsewhere" / "hubs"
    result = CliRunner().invoke(main, ["build", str(project), "--out", str(out), "--hub-out", str(hub), "--partner",
                                       SLUG, "--no-pdf", "--no-images", "-j", "1"], env=ENVIRON)
    assert result.exit_code == 0, result.output
    assert (hub / SLUG / "kit.html").is_file() and (hub / "robots.txt").is_file()
    assert (hub / ".cobrand" / f"{SLUG}.json").is_file() and (out / ".cobrand" / f"{SLUG}.json").is_file()
    assert not (tmp_path / "public-hub").exists()
    # Moving the hub elsewhere: the partner is built again there, its site reused file by file.
    moved = tmp_path / "moved-hub"
    again = cobrand.build(project, out_dir=out, hub_dir=moved, partners=(SLUG,), pdfs=False, images=False, jobs=1,
                          environ=ENVIRON)
    assert again.partners[0].status == "built" and again.partners[0].urls_changed == ()
    assert digests(moved / SLUG) == digests(hub / SLUG)


@pytest.mark.parametrize("where", ["inside-out", "holds-out", "same", "content"])
def test_a_hub_folder_inside_the_output_or_the_sources_is_refused(tmp_path, where):
    project = copy_example(tmp_path)
    out = tmp_path / "build"
    hub = {"inside-out": out / "hub", "holds-out": tmp_path, "same": out, "content": project / "content"}[where]
    if where == "holds-out":
        out = tmp_path / "hubs" / "build"
        hub = tmp_path / "hubs"
    before = digests(project / "content")
    with pytest.raises(UsageError, match="--hub-out"):
        cobrand.build(project, out_dir=out, hub_dir=hub, partners=(SLUG,), pdfs=False, images=False, jobs=1,
                      environ=ENVIRON)
    assert digests(project / "content") == before
    shutil.rmtree(out, ignore_errors=True)


def test_without_a_hub_address_the_report_names_hub_files_by_their_place_in_the_hub_folder(tmp_path):
    project = copy_example(tmp_path)
    config = project / "cobrand.toml"
    text = config.read_text(encoding="utf-8")
    address = re.search(r'(?m)^base_url = "https://hub\.[^"]*"\n', text)
    assert address, "the example names its hubs' address"
    config.write_text(text.replace(address.group(0), "", 1), encoding="utf-8")
    report = cobrand.build(project, out_dir=tmp_path / "build", partners=(SLUG,), pdfs=False, images=False, jobs=1,
                           environ=ENVIRON)
    assert report.ok, report.summary()
    added = report.partners[0].hub_urls_added
    assert f"{SLUG}/" in added and f"{SLUG}/kit.html" in added and not [url for url in added if "://" in url]
    # Inside the hub, links stay relative: the hub works wherever it is published.
    page = (tmp_path / "build-hub" / SLUG / "new.html").read_text(encoding="utf-8")
    assert "hub.harborline.example" not in page
