"""The example project, built once: every partner gets its brand, its content and nothing else."""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.etree import ElementTree as ET

import pypdf
import pytest

from support.example import (
    CONFIG,
    ITEMS,
    PARTNER_SLUGS,
    PARTNERS,
    ROOT,
    TRANSLATIONS,
    PartnerInfo,
    entitled,
    localized,
    partner_by_slug,
)

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PAGE_KINDS = ("blog", "one-pagers", "media")
HUB_PAGES = ["index.html", "new.html", "kit.html", "social.html", "404.html"]  # every example partner has social posts


def fixed_pages(partner: PartnerInfo) -> list[str]:
    """The public site's pages that show no item: the index pages of the kinds the partner has, and 404."""
    pages = ["index.html", "blog/index.html", "404.html"]
    pages += ["one-pagers/index.html"] if entitled_items(partner, ("one-pagers",)) else []
    return pages + (["media/index.html"] if entitled_items(partner, ("media",)) else [])


def base_url(slug: str) -> str:
    return CONFIG["site"]["base_url"].replace("{partner}", slug)


def entitled_items(partner: PartnerInfo, kinds: tuple[str, ...] = (*PAGE_KINDS, "social")) -> list:
    return [item for item in ITEMS if item.kind in kinds and entitled(item, partner, CONFIG)]


def withheld_items(partner: PartnerInfo, kinds: tuple[str, ...] = (*PAGE_KINDS, "social")) -> list:
    return [item for item in ITEMS if item.kind in kinds and not entitled(item, partner, CONFIG)]


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def text_files(site: Path) -> dict[str, str]:
    """Every HTML, XML, CSV and text file of a partner's site, decoded."""
    return {path.relative_to(site).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(site.rglob("*")) if path.suffix in {".html", ".xml", ".txt", ".csv"}}


def pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def squash(text: str) -> str:
    return " ".join(text.split())


class LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"href", "src"} and value is not None:
                self.links.append((tag, value))
            if name == "srcset" and value:
                self.links += [(tag, part.strip().split()[0]) for part in value.split(",") if part.strip()]


def links_of(page: Path) -> list[tuple[str, str]]:
    collector = LinkCollector()
    collector.feed(page.read_text(encoding="utf-8"))
    return collector.links


@pytest.fixture(params=PARTNER_SLUGS)
def partner(request: pytest.FixtureRequest) -> PartnerInfo:
    return partner_by_slug(request.param)


@pytest.fixture
def site(example_build, partner: PartnerInfo) -> Path:
    return example_build.out / partner.slug


@pytest.fixture
def hub(example_build, partner: PartnerInfo) -> Path:
    return example_build.hub / partner.slug


# --- the build as a whole ------------------------------------------------------------------


def test_report_lists_every_partner_as_built(example_build):
    report = example_build.report
    assert report.ok, report.failures
    assert report.failures == []
    assert sorted(result.slug for result in report.partners) == sorted(PARTNER_SLUGS)
    assert all(result.status == "built" for result in report.partners)
    for result in report.partners:
        expected_pdfs = len(entitled_items(partner_by_slug(result.slug), ("one-pagers",)))
        assert result.pdfs == expected_pdfs
        site, hub = example_build.out / result.slug, example_build.hub / result.slug
        assert result.files == sum(1 for folder in (site, hub) for path in folder.rglob("*") if path.is_file())


def test_example_has_real_gating_to_test():
    """Guard against a vacuous suite: the example gates something away from every partner."""
    for partner in PARTNERS:
        assert withheld_items(partner), partner.slug
        assert entitled_items(partner, ("one-pagers",)), partner.slug


# --- per partner --------------------------------------------------------------------


def test_expected_pages_and_pdfs_exist(partner, site, hub):
    expected = [site / path for path in [*fixed_pages(partner), "feed.xml", "sitemap.xml", "robots.txt"]]
    expected += [hub / path for path in [*HUB_PAGES, "robots.txt", "kit/social-posts.txt",
                                         f"kit/{partner.slug}-kit.zip"]]
    expected += [site / item.page_path for item in entitled_items(partner, PAGE_KINDS)]
    for item in entitled_items(partner, ("one-pagers",)):
        expected += [site / f"one-pagers/{item.slug}.pdf", hub / f"kit/{item.slug}.pdf"]
    missing = [path for path in expected if not path.is_file()]
    assert missing == []
    for path in expected:
        assert path.stat().st_size > 0, path


def test_exactly_the_entitled_pages_and_pdfs(partner, site, hub):
    pages = {path.relative_to(site).as_posix() for path in html_pages(site)}
    expected = set(fixed_pages(partner)) | {item.page_path for item in entitled_items(partner, PAGE_KINDS)}
    assert pages == expected
    emails = {f"email/{item.slug}.html" for item in entitled_items(partner, ("blog",))}
    assert emails and {path.relative_to(hub).as_posix() for path in html_pages(hub)} == {*HUB_PAGES,
                                                                                        "email/index.html", *emails}
    pdfs = {path.name for path in (site / "one-pagers").glob("*.pdf")}
    assert pdfs == {f"{item.slug}.pdf" for item in entitled_items(partner, ("one-pagers",))}
    # The kit keeps a copy of each published datasheet, byte for byte: one render, two places.
    assert {path.name: path.read_bytes() for path in (hub / "kit").glob("*.pdf")} == {
        name: (site / "one-pagers" / name).read_bytes() for name in pdfs}


def partnership_phrase(locale: str) -> str:
    """ "in partnership with" in the partner's language, from the theme's own catalogue."""
    from babel.messages.pofile import read_po

    locale_dir = ROOT / "src" / "cobrand" / "themes" / "default" / "locale"
    po = locale_dir / locale.split("-")[0] / "LC_MESSAGES" / "messages.po"
    if not po.is_file():
        return "in partnership with"
    with po.open("rb") as handle:
        message = read_po(handle).get("in partnership with")
    return message.string if message is not None and message.string else "in partnership with"


def test_brand_on_every_page(partner, site):
    logo = next((site / "static").glob("partner-logo.*"))
    name = html.escape(partner.name, quote=False)
    legal = html.escape(CONFIG["vendor"]["legal"], quote=False)
    vendor = html.escape(CONFIG["vendor"]["name"], quote=False)
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        where = page.relative_to(site).as_posix()
        assert name in text, where
        style = " ".join(re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S))
        assert partner.primary in style, where
        assert re.search(rf"--partner-primary:\s*{re.escape(partner.primary)}\b", style), where
        # sized 1x/2x raster logos, or the SVG logo trimmed to its visible box
        generated = re.compile(r"static/logo/partner-[0-9a-f]{10}(-\d+h\.png|\.svg)$")
        logo_srcs = [src for tag, src in links_of(page)
                     if tag == "img" and (src.endswith(logo.name) or generated.search(src))]
        assert logo_srcs, f"{where} does not show the partner logo"
        assert partner.email in text, where
        assert html.escape(partner.phone) in text, where
        assert html.escape(partnership_phrase(partner.locale), quote=False) in text, where
        assert vendor in text, where
        assert legal in text, where


def test_logo_is_the_partners_own_file(partner, site):
    source = Path(__file__).resolve().parents[2] / "partners" / partner.slug
    logo_name = partner.data.get("logo") or next(p.name for p in source.glob("logo.*"))
    copied = next((site / "static").glob("partner-logo.*"))
    assert copied.suffix == Path(logo_name).suffix
    sent = (source / logo_name).read_bytes()
    if copied.suffix == ".svg":  # SVG is published as rebuilt from the allowlist (SECURITY.md), never as sent
        from cobrand.load.svg_allowlist import sanitize_svg

        sent = sanitize_svg(sent).data
    assert sha(copied.read_bytes()) == sha(sent)


def test_no_other_partner_leaks(partner, site, hub):
    others = [other for other in PARTNERS if other.slug != partner.slug]
    texts = text_files(site) | {f"hub:{path}": text for path, text in text_files(hub).items()}
    texts |= {path.relative_to(site).as_posix(): squash(pdf_text(path)) for path in (site / "one-pagers").glob("*.pdf")}
    assert any(name.endswith(".pdf") for name in texts)
    for other in others:
        needles = {other.name, html.escape(other.name), other.email, other.slug,
                   other.email.split("@", 1)[1]}
        for file, text in texts.items():
            for needle in needles:
                assert needle not in text, f"{other.slug}'s {needle!r} appears in {partner.slug}/{file}"


def test_gated_content_follows_entitlement(partner, site, hub):
    pages = {path.relative_to(site).as_posix(): path.read_text(encoding="utf-8") for path in html_pages(site)}
    pages |= {f"hub:{path.relative_to(hub).as_posix()}": path.read_text(encoding="utf-8") for path in html_pages(hub)}
    all_html = "\n".join(pages.values())
    social_page = pages["hub:social.html"]
    social_txt = (hub / "kit" / "social-posts.txt").read_text(encoding="utf-8")
    kit_page = pages["hub:kit.html"]
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    for item in entitled_items(partner):
        title = html.escape(item.title, quote=True)
        if item.kind == "social":
            assert title in social_page, item.slug
            assert f"# {item.title}" in social_txt, item.slug
        else:
            assert (site / item.page_path).is_file()
            assert base_url(partner.slug) + item.page_path in feed
            # A sitemap lists canonical pages: a copy of the vendor's own article names the vendor's.
            in_sitemap = base_url(partner.slug) + item.page_path in sitemap
            assert in_sitemap != bool(item.meta.get("canonical_url")), item.slug
        if item.kind == "one-pagers":
            assert (site / "one-pagers" / f"{item.slug}.pdf").is_file() and (hub / "kit" / f"{item.slug}.pdf").is_file()
            assert f"kit/{item.slug}.pdf" in kit_page
            assert f'href="{item.slug}.pdf"' in pages[item.page_path]  # beside the datasheet's page
    for item in withheld_items(partner):
        title = html.escape(item.title, quote=True)
        # The hub's program page names what the next tier adds by title where the vendor opts in (teaser: true).
        shown = "\n".join(text for path, text in pages.items()
                          if path != "hub:index.html" or not item.meta.get("teaser"))
        assert title not in shown, f"{item.kind}/{item.slug} is listed for {partner.slug}"
        assert item.title not in social_txt
        assert item.slug not in feed
        assert item.slug not in sitemap
        if item.kind != "social":
            assert not (site / item.page_path).exists()
            assert f"{item.kind}/{item.slug}.html" not in all_html
        if item.kind == "one-pagers":
            assert not (site / "one-pagers" / f"{item.slug}.pdf").exists() and not (hub / "kit" / f"{item.slug}.pdf"
                                                                                  ).exists()
            assert f"{item.slug}.pdf" not in kit_page


def test_tokens_are_filled(partner, site, hub):
    name = html.escape(partner.name, quote=False)
    checked = 0
    for page in html_pages(site) + html_pages(hub):
        text = page.read_text(encoding="utf-8")
        assert "{{" not in text and "}}" not in text, page
        assert "{%" not in text and "cobrandtoken" not in text, page
    for item in entitled_items(partner, PAGE_KINDS):
        text = (site / item.page_path).read_text(encoding="utf-8")
        body = localized(item, partner).body
        # "{{ partner.name }} runs Recovery Assurance" must read "<name> runs Recovery Assurance"
        for following in re.findall(r"\{\{ partner\.name \}\} (\w+ \w+)", body):
            assert f"{name} {following}" in text, (item.slug, following)
            checked += 1
        for following in re.findall(r"\{\{ partner\.contact\.email \}\} ([a-z]+ [a-z]+)", body):
            assert f"{partner.email}</a> {following}" in text or f"{partner.email} {following}" in text
            checked += 1
    assert checked >= 3
    social_txt = (hub / "kit" / "social-posts.txt").read_text(encoding="utf-8")
    assert "{{" not in social_txt
    assert partner.name in social_txt


@pytest.mark.parametrize("root", ["site", "hub"])
def test_internal_links_resolve(partner, root, request):
    site = request.getfixturevalue(root)
    checked = 0
    for page in html_pages(site):
        where = page.relative_to(site).as_posix()
        if where == "404.html":
            continue
        for tag, link in links_of(page):
            parts = urlsplit(link)
            if parts.scheme in {"http", "https", "mailto", "tel"} or link.startswith("#"):
                continue
            assert not parts.scheme, f"{where}: unexpected scheme in {link!r}"
            assert not link.startswith("/"), f"{where}: root-absolute link {link!r} (links must be relative)"
            target = posixpath.normpath(posixpath.join(posixpath.dirname(where), unquote(parts.path)))
            assert not target.startswith(".."), f"{where}: {link!r} leaves the partner folder"
            assert (site / target).is_file(), f"{where}: <{tag}> {link!r} -> {target} is missing"
            checked += 1
    assert checked > 20


def test_404_links_start_at_the_host_root(partner, site):
    """404.html is served at any depth, so its links into the site start at the host's root (the path of
    base_url): they work on the real host and on a local server alike."""
    root = urlsplit(base_url(partner.slug)).path
    raw = [link for _, link in links_of(site / "404.html")]
    relative = [link for link in raw if not urlsplit(link).scheme and not link.startswith(("#", "/"))]
    assert relative == []
    links = [link.split("?", 1)[0].split("#", 1)[0] for link in raw]
    assert root in links or root + "index.html" in links
    assert root + "static/cobrand.css" in links
    for link in links:
        if link.startswith("/"):
            assert (site / link.removeprefix(root)).exists(), link


def test_feed_lists_exactly_the_entitled_pages(partner, site):
    root = ET.parse(site / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    links = [entry.findtext(f"{ATOM}id") or "" for entry in root.iter(f"{ATOM}entry")]
    hrefs = [link.get("href", "") for entry in root.iter(f"{ATOM}entry") for link in entry.iter(f"{ATOM}link")]
    expected = {base_url(partner.slug) + item.page_path for item in entitled_items(partner, PAGE_KINDS)}
    assert sorted(links) == sorted(expected)
    assert sorted(hrefs) == sorted(expected)
    titles = {entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")}
    assert titles == {localized(item, partner).title for item in entitled_items(partner, PAGE_KINDS)}


def test_sitemap_lists_exactly_the_entitled_pages(partner, site):
    """Every entitled page whose canonical URL is the partner's: copies of the vendor's own articles
    (front matter canonical_url) name the vendor's original, and a sitemap lists canonical URLs."""
    root = ET.parse(site / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    locs = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    base = base_url(partner.slug)
    expected = {base + page.removesuffix("index.html") if page == "index.html" else base + page
                for page in fixed_pages(partner) if page != "404.html"}
    expected |= {base + item.page_path for item in entitled_items(partner, PAGE_KINDS)
                 if not item.meta.get("canonical_url")}
    assert len(locs) == len(set(locs))
    assert set(locs) == expected


def test_robots_points_at_sitemap(partner, site):
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {base_url(partner.slug)}sitemap.xml" in robots


def test_zip_contains_exactly_the_kit(partner, hub):
    kit = hub / "kit"
    zip_path = kit / f"{partner.slug}-kit.zip"
    files = {path.relative_to(kit).as_posix(): sha(path.read_bytes())
             for path in sorted(kit.rglob("*")) if path.is_file() and path != zip_path}
    assert "social-posts.txt" in files
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert sorted(names) == sorted(f"{partner.slug}-kit/{name}" for name in files)
        for name, digest in files.items():
            assert sha(archive.read(f"{partner.slug}-kit/{name}")) == digest, name


def test_html_lang_is_partner_locale(partner, site):
    for page in html_pages(site):
        assert f'<html lang="{partner.locale}"' in page.read_text(encoding="utf-8"), page


def test_report_json_written(example_build):
    import json

    data = json.loads((example_build.out / "report.json").read_text(encoding="utf-8"))
    assert data["ok"] is True
    assert sorted(entry["slug"] for entry in data["partners"]) == sorted(PARTNER_SLUGS)
    assert data["counts"]["partners_built"] == len(PARTNER_SLUGS)
    assert data["counts"]["pdfs"] == sum(len(entitled_items(p, ("one-pagers",))) for p in PARTNERS)


def test_example_builds_without_warnings(example_build):
    """The example is the showcase: no expiry, link or social-length warnings."""
    assert example_build.report.to_dict()["warnings"] == []


def test_links_to_the_partner_site_are_not_tracked(partner, site):
    """Canonical, Open Graph and 404 links point at the partner's own site, untagged."""
    base = base_url(partner.slug)
    for page in html_pages(site):
        where = page.relative_to(site).as_posix()
        text = page.read_text(encoding="utf-8")
        canonical = re.search(r'<link rel="canonical" href="([^"]*)"', text)
        if where == "404.html":  # not a page of its own: noindex, no canonical
            assert canonical is None and '<meta name="robots" content="noindex">' in text
            continue
        assert canonical, where
        # The vendor's own articles name the vendor's original ([site] canonical = "vendor", the default).
        originals = {item.page_path: item.meta["canonical_url"] for item in entitled_items(partner, ("blog",))
                     if item.meta.get("canonical_url")}
        expected = base if where == "index.html" else originals.get(where, base + where)
        assert html.unescape(canonical.group(1)) == expected, where
        for _, link in links_of(page):
            if link.startswith(base):
                assert "utm_" not in link, f"{where}: {link}"
    for name in ("feed.xml", "sitemap.xml", "robots.txt"):
        assert "utm_" not in (site / name).read_text(encoding="utf-8"), name


def test_links_to_the_vendor_carry_the_partners_utm_source(partner, site):
    vendor_host = urlsplit(CONFIG["vendor"]["website"]).hostname
    source = partner.data.get("tracking", {}).get("utm_source", partner.slug)
    checked = 0
    for page in html_pages(site):
        for tag, link in links_of(page):
            if tag == "link":  # <link rel="canonical"> names the vendor's original as it is, untracked
                continue
            parts = urlsplit(link)
            if parts.hostname in {vendor_host, f"www.{vendor_host}"}:
                query = dict(parse_qsl(parts.query))
                assert query.get("utm_source") == source, link
                checked += 1
    assert checked >= len(html_pages(site))  # the footer links to the vendor on every page


def _plain_headings(item) -> list[str]:
    return [line[3:].strip() for line in item.body.splitlines()
            if line.startswith("## ") and re.fullmatch(r"[\w ]+", line[3:].strip())]


def test_translations_serve_partners_in_their_language(partner, site):
    """A partner gets <slug>.<lang>.md when its locale's language matches, else the original."""
    translated_keys = {(t.kind, t.slug) for t in TRANSLATIONS}
    checked = 0
    for item in entitled_items(partner, PAGE_KINDS):
        if (item.kind, item.slug) not in translated_keys:
            continue
        version = localized(item, partner)
        text = (site / item.page_path).read_text(encoding="utf-8")
        own = _plain_headings(version)
        assert own, item.slug
        for heading in own:
            assert f">{heading}</h2>" in text, (item.slug, heading)
        others = [t for t in [item, *TRANSLATIONS] if (t.kind, t.slug) == (item.kind, item.slug) and t is not version]
        for other in others:
            for heading in set(_plain_headings(other)) - set(own):
                assert f">{heading}</h2>" not in text, (item.slug, heading)
        if version.kind == "one-pagers":
            pdf = " ".join(" ".join(page.extract_text() or "" for page in
                                    pypdf.PdfReader(site / "one-pagers" / f"{item.slug}.pdf").pages).split())
            assert own[0] in pdf
        checked += 1
    entitled_translated = [i for i in entitled_items(partner, PAGE_KINDS) if (i.kind, i.slug) in translated_keys]
    assert checked == len(entitled_translated)
