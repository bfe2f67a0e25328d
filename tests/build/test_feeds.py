"""Machine-read files and absolute URLs: Atom feed, sitemap, robots.txt, canonical and Open Graph."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest
from PIL import Image

from cobrand.build import load_and_check
from cobrand.plan import plan_partner
from cobrand.render import feeds
from cobrand.render.context import build_views
from cobrand.tokens import TokenFiller
from support.example import (
    CONFIG,
    ENVIRON,
    PARTNERS,
    ROOT,
    Item,
    PartnerInfo,
    copy_example,
    entitled,
    load_items,
    localized,
)

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PAGE_KINDS = ("blog", "one-pagers", "media")
OG_SIZE = (1200, 630)


def base_url(partner: PartnerInfo) -> str:
    return CONFIG["site"]["base_url"].replace("{partner}", partner.slug)


def normalise(url: str) -> str:
    """``.../`` and ``.../index.html`` name the same page."""
    return url + "index.html" if url.endswith("/") else url


def entitled_pages(partner: PartnerInfo) -> list[Item]:
    """Items with a page that ``partner`` gets (in its language where translated), from the front matter."""
    return [localized(item, partner) for item in load_items(ROOT)
            if item.kind in PAGE_KINDS and entitled(item, partner, CONFIG)]


def vendor_originals(partner: PartnerInfo) -> dict[str, str]:
    """Pages whose canonical URL is the vendor's original ([site] canonical = "vendor", the default), by path."""
    return {item.page_path: item.meta["canonical_url"] for item in entitled_pages(partner)
            if item.page_path and item.meta.get("canonical_url")}


def html_pages(site: Path) -> list[str]:
    return sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html"))


class HeadTags(HTMLParser):
    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.canonical: list[str] = []
        self.meta: dict[str, list[str]] = {}
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "link" and attributes.get("rel") == "canonical":
            self.canonical.append(attributes.get("href", ""))
        elif tag == "meta":
            key = attributes.get("property") or attributes.get("name")
            if key:
                self.meta.setdefault(key, []).append(attributes.get("content", ""))


def has_colour(image: Image.Image, color: str, tolerance: int = 6, minimum: int = 500) -> bool:
    target = tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
    rgb = image.convert("RGB")
    colours = rgb.getcolors(maxcolors=rgb.width * rgb.height) or []
    return sum(count for count, value in colours
               if all(abs(a - b) <= tolerance for a, b in zip(value, target, strict=True))) >= minimum


@pytest.fixture(params=[partner.slug for partner in PARTNERS])
def partner(request: pytest.FixtureRequest) -> PartnerInfo:
    return next(p for p in PARTNERS if p.slug == request.param)


@pytest.fixture
def site(example_build, partner) -> Path:
    return example_build.out / partner.slug


def test_example_gates_pages_differently():
    lists = {partner.slug: frozenset(item.slug for item in entitled_pages(partner)) for partner in PARTNERS}
    assert len(set(lists.values())) > 1


# --- feed.xml ---------------------------------------------------------------------------------


def test_feed_is_atom_listing_exactly_the_entitled_pages(site, partner):
    root = ET.parse(site / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    base = base_url(partner)
    for name in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{name}") or "").strip(), name
    self_links = [link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_links == [base + "feed.xml"]
    entries = root.findall(f"{ATOM}entry")
    expected = {base + f"{item.kind}/{item.slug}.html": item for item in entitled_pages(partner)}
    links = []
    for entry in entries:
        hrefs = [link.get("href") for link in entry.findall(f"{ATOM}link")]
        assert len(hrefs) == 1 and hrefs[0], ET.tostring(entry)
        links.append(hrefs[0])
        assert entry.findtext(f"{ATOM}id") == hrefs[0]
        item = expected.get(hrefs[0])
        assert item is not None, f"{hrefs[0]} is not entitled"
        assert entry.findtext(f"{ATOM}title") == item.title
        updated = entry.findtext(f"{ATOM}updated") or ""
        assert dt.datetime.fromisoformat(updated.replace("Z", "+00:00")).date() == item.meta["date"]
    assert sorted(links) == sorted(expected), "every entitled page, once"


def test_feed_urls_are_absolute_from_base_url(site, partner):
    root = ET.parse(site / "feed.xml").getroot()
    base = base_url(partner)
    hrefs = [link.get("href") or "" for link in root.iter(f"{ATOM}link")]
    hrefs += [element.text or "" for element in root.iter(f"{ATOM}id")]
    assert hrefs
    for href in hrefs:
        assert href.startswith(base), href
        path = normalise(href)[len(base):]
        assert (site / path).is_file(), href


# --- sitemap.xml and robots.txt ----------------------------------------------------------------


def test_sitemap_lists_every_page_but_404(site, partner):
    root = ET.parse(site / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    locations = [url.findtext(f"{SITEMAP}loc") or "" for url in root.findall(f"{SITEMAP}url")]
    base = base_url(partner)
    assert all(location.startswith(base) for location in locations), locations
    assert len(locations) == len(set(map(normalise, locations))), "no page twice"
    # A sitemap lists canonical URLs: not the 404 page, nor the copies of the vendor's own articles.
    originals = vendor_originals(partner)
    assert originals, "the example syndicates some of the vendor's articles"
    expected = {base + page for page in html_pages(site) if page != "404.html" and page not in originals}
    assert {normalise(location) for location in locations} == expected


def test_robots_at_the_host_root_points_to_a_sitemap_index_of_every_partner(example_build):
    """Path-style base_url: the partners share a host, whose root alone holds robots.txt (RFC 9309)."""
    host_root = CONFIG["site"]["base_url"].split("{partner}")[0]
    lines = (example_build.out / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert f"Sitemap: {host_root}sitemap-index.xml" in lines
    assert not any(line.strip().lower() == "disallow: /" for line in lines)
    index = ET.parse(example_build.out / "sitemap-index.xml").getroot()
    assert index.tag == f"{SITEMAP}sitemapindex"
    listed = [element.findtext(f"{SITEMAP}loc") for element in index.findall(f"{SITEMAP}sitemap")]
    assert listed == [base_url(partner) + "sitemap.xml" for partner in sorted(PARTNERS, key=lambda p: p.slug)]
    for partner in PARTNERS:
        assert (example_build.out / partner.slug / "sitemap.xml").is_file()


def test_robots_points_to_the_sitemap(site, partner):
    """For a partner folder deployed at a host's root (a domain per partner, or the partner's own host)."""
    lines = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert f"Sitemap: {base_url(partner)}sitemap.xml" in lines
    assert not any(line.strip().lower() == "disallow: /" for line in lines)


# --- canonical and Open Graph -------------------------------------------------------------------


def test_every_page_has_its_canonical_url(site, partner):
    base = base_url(partner)
    wrong = []
    for page in html_pages(site):
        tags = HeadTags((site / page).read_text(encoding="utf-8"))
        if page == "404.html":  # served at any missing URL: not indexed, no canonical of its own
            if tags.canonical or tags.meta.get("og:url") or tags.meta.get("robots") != ["noindex"]:
                wrong.append((page, tags.canonical, tags.meta.get("robots")))
            continue
        canonical = vendor_originals(partner).get(page) or base + page
        if len(tags.canonical) != 1 or normalise(tags.canonical[0]) != normalise(canonical):
            wrong.append((page, tags.canonical))
        if [normalise(url) for url in tags.meta.get("og:url", [])] != [base + page]:
            wrong.append((page, tags.meta.get("og:url")))
    assert not wrong, wrong[:4]


def test_open_graph_images_are_absolute_and_exist(site, partner):
    base = base_url(partner)
    seen: set[str] = set()
    for page in html_pages(site):
        tags = HeadTags((site / page).read_text(encoding="utf-8"))
        images = tags.meta.get("og:image", []) + tags.meta.get("twitter:image", [])
        assert len(tags.meta.get("og:image", [])) == 1, (page, "the example builds images, so pages have a card")
        for url in images:
            assert urlsplit(url).scheme == "https" and url.startswith(base), (page, url)
            path = url[len(base):]
            assert (site / path).is_file(), (page, url)
            seen.add(path)
    assert "static/og/home.png" in seen
    item_cards = {f"static/og/{item.slug}.png" for item in entitled_pages(partner)}
    assert item_cards <= seen, "each item page has its own card"


def test_open_graph_cards_are_1200x630_in_the_partners_colour(site, partner):
    cards = sorted((site / "static" / "og").glob("*.png"))
    assert len(cards) == 1 + len(entitled_pages(partner))
    for card in cards:
        with Image.open(card) as image:
            assert image.format == "PNG"
            assert image.size == OG_SIZE, (card.name, image.size)
            assert has_colour(image, partner.primary), f"{partner.primary} not in {card.name}"


def test_open_graph_card_colour_check_can_fail(example_build):
    northbeam = next(p for p in PARTNERS if p.slug == "northbeam-it")
    falkenstein = next(p for p in PARTNERS if p.slug == "falkenstein-systeme")
    with Image.open(example_build.out / northbeam.slug / "static" / "og" / "home.png") as image:
        assert has_colour(image, northbeam.primary)
        assert not has_colour(image, falkenstein.primary)


def test_feed_and_sitemap_are_exactly_what_elementtree_writes(tmp_path):
    """Feeds are written as text; parsing one and writing it back with ElementTree must give the same bytes,
    with markup characters in partner and content values."""
    project_dir = copy_example(tmp_path)
    toml = project_dir / "partners/kestrel-cloud/partner.toml"
    toml.write_text(toml.read_text().replace('name = "Kestrel Cloud"', 'name = "Kestrel & <Cloud> \\"Co\\""'))
    post = project_dir / "content/blog/aws-snapshot-pitfalls.md"
    post.write_text(post.read_text().replace("title: Six ways", "title: Six <ways> & 'more' ways", 1))
    project, _ = load_and_check(project_dir, environ=ENVIRON)
    partner = next(p for p in project.partners if p.slug == "kestrel-cloud")
    plan = plan_partner(project, partner)
    feed = feeds.atom_feed(project, plan, build_views(project, plan, TokenFiller()).items)
    site_map = feeds.sitemap(project, partner, ["index.html", "blog/a&b.html"])
    assert b"Kestrel &amp; &lt;Cloud&gt;" in feed and b"&lt;ways&gt; &amp; 'more'" in feed
    for document, namespace in ((feed, ATOM), (site_map, SITEMAP)):
        ET.register_namespace("", namespace.strip("{}"))
        tree = ET.fromstring(document)
        ET.indent(tree)
        assert ET.tostring(tree, encoding="utf-8", xml_declaration=True) + b"\n" == document
