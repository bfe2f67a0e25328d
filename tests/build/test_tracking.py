"""Tracked links: UTM parameters on links to the vendor's site, and nowhere else."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import cobrand
from cobrand.tracking import Tracking
from support.example import CONFIG, ENVIRON, PARTNERS, ROOT, PartnerInfo, copy_example

VENDOR_HOSTS = {"harborline.example", "www.harborline.example"}
ITEM_FOLDERS = ("blog", "one-pagers", "media")
URL_ATTRIBUTES = {"href", "src", "action", "data-embed", "poster"}


# --- helpers ------------------------------------------------------------------------------




@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


def run_build(project: Path, out: Path) -> cobrand.BuildReport:
    report = cobrand.build(project, out_dir=out, jobs=1, environ=ENVIRON, pdfs=False, images=False)
    assert report.ok, report.summary()
    return report


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


class UrlCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") or ""
        if tag == "link" and ("rel", "canonical") in attrs and urlsplit(href).hostname in VENDOR_HOSTS:
            return  # names the vendor's original of a syndicated article as it is: not a link to track
        self.urls += [value for name, value in attrs if name in URL_ATTRIBUTES and value]


def absolute_urls(page: Path) -> list[str]:
    collector = UrlCollector()
    collector.feed(page.read_text(encoding="utf-8"))
    return [url for url in collector.urls if urlsplit(url).scheme in {"http", "https"}]


def pages(site: Path) -> list[tuple[str, Path]]:
    return [(path.relative_to(site).as_posix(), path) for path in sorted(site.rglob("*.html"))]


def campaign_of(page: str) -> str:
    folder, _, name = page.rpartition("/")
    if folder in ITEM_FOLDERS and name != "index.html":
        return name.removesuffix(".html")
    return CONFIG.get("tracking", {}).get("site_campaign", "partner-site")


def utm_source(partner: PartnerInfo) -> str:
    return partner.data.get("tracking", {}).get("utm_source") or partner.slug


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def utm_keys(url: str) -> set[str]:
    return {key for key in query(url) if key.startswith("utm_")}


def vendor_links(site: Path) -> list[tuple[str, str]]:
    return [(page, url) for page, path in pages(site) for url in absolute_urls(path)
            if urlsplit(url).hostname in VENDOR_HOSTS]


@pytest.fixture(params=[partner.slug for partner in PARTNERS])
def partner(request: pytest.FixtureRequest) -> PartnerInfo:
    return next(p for p in PARTNERS if p.slug == request.param)


# --- the example build ----------------------------------------------------------------------


def test_every_vendor_link_is_tracked_exactly(example_build, partner):
    site = example_build.out / partner.slug
    medium = CONFIG["tracking"]["utm_medium"]
    links = vendor_links(site)
    pages_with_links = {page for page, _ in links}
    assert pages_with_links == {page for page, _ in pages(site)}, "the footer links to the vendor on every page"
    assert any(campaign_of(page) != "partner-site" for page, _ in links), "content links must be checked too"
    for page, url in links:
        expected = {"utm_source": [utm_source(partner)], "utm_medium": [medium],
                    "utm_campaign": [campaign_of(page)]}
        assert query(url) == expected, (page, url)


def test_tracked_urls_keep_the_vendor_url_intact(example_build, partner):
    site = example_build.out / partner.slug
    sources = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "content").rglob("*.md"))
    for page, url in vendor_links(site):
        parts = urlsplit(url)
        assert parts.scheme == "https" and not parts.fragment
        bare = f"{parts.scheme}://{parts.netloc}{parts.path}"
        assert bare.rstrip("/") == "https://harborline.example" or bare in sources, (page, url)


def test_links_to_the_partners_own_website_are_not_tracked(example_build, partner):
    site = example_build.out / partner.slug
    host = urlsplit(partner.data["website"]).hostname
    links = [(page, url) for page, path in pages(site) for url in absolute_urls(path)
             if urlsplit(url).hostname == host]
    assert links, "the contact block links to the partner's website"
    for page, url in links:
        assert not utm_keys(url), (page, url)


def test_links_to_third_parties_are_not_tracked(example_build, partner):
    """On the public site and the hub's pages (the share links are on the hub's social page). The hub's
    newsletter e-mails are left out: they tag every link with utm_medium=email on purpose (test_newsletter)."""
    site, hub = example_build.out / partner.slug, example_build.hub / partner.slug
    own = {urlsplit(partner.data["website"]).hostname, urlsplit(CONFIG["site"]["base_url"]).hostname}
    hub_pages = [(f"hub:{page}", path) for page, path in pages(hub) if not page.startswith("email/")]
    links = [(page, url) for page, path in pages(site) + hub_pages for url in absolute_urls(path)
             if urlsplit(url).hostname not in VENDOR_HOSTS | own]
    hosts = {urlsplit(url).hostname for _, url in links}
    assert {"www.youtube.com", "www.linkedin.com", "x.com", "www.facebook.com"} <= hosts, hosts
    for page, url in links:
        assert not utm_keys(url), (page, url)


def test_links_to_the_partners_microsite_are_not_tracked(example_build, partner):
    """The partner's own pages (canonical, absolute links on 404.html) are not the vendor's site,
    even when base_url is a subdomain of the vendor's domain."""
    site = example_build.out / partner.slug
    base = CONFIG["site"]["base_url"].replace("{partner}", partner.slug)
    links = [(page, url) for page, path in pages(site) for url in absolute_urls(path) if url.startswith(base)]
    assert links, "canonical links point at the partner's microsite"
    tracked = [(page, url) for page, url in links if utm_keys(url)]
    assert not tracked, tracked[:5]


# --- configuration ----------------------------------------------------------------------------


def test_tracking_can_be_disabled(project, tmp_path):
    edit(project, "cobrand.toml", "[tracking]\n", "[tracking]\nenabled = false\n")
    out = tmp_path / "out"
    run_build(project, out)
    for partner in PARTNERS:
        site = out / partner.slug
        links = [(page, url) for page, path in pages(site) for url in absolute_urls(path)]
        assert [url for _, url in links if urlsplit(url).hostname in VENDOR_HOSTS], "vendor links stay"
        assert not [(page, url) for page, url in links if utm_keys(url)]


def test_utm_source_defaults_to_the_partner_slug(project, tmp_path):
    edit(project, "partners/northbeam-it/partner.toml", '[tracking]\nutm_source = "northbeam"\n', "")
    out = tmp_path / "out"
    run_build(project, out)
    links = vendor_links(out / "northbeam-it")
    assert links
    assert {query(url)["utm_source"][0] for _, url in links} == {"northbeam-it"}
    # Other partners keep their own source.
    falkenstein = vendor_links(out / "falkenstein-systeme")
    assert {query(url)["utm_source"][0] for _, url in falkenstein} == {"falkenstein"}


def test_utm_medium_and_site_campaign_come_from_cobrand_toml(project, tmp_path):
    edit(project, "cobrand.toml", 'utm_medium = "partner"', 'utm_medium = "channel"\nsite_campaign = "microsite"')
    out = tmp_path / "out"
    run_build(project, out)
    for page, url in vendor_links(out / "kestrel-cloud"):
        params = query(url)
        assert params["utm_medium"] == ["channel"], url
        expected = "microsite" if campaign_of(page) == "partner-site" else campaign_of(page)
        assert params["utm_campaign"] == [expected], (page, url)


def test_parameters_the_author_set_are_kept(project, tmp_path):
    edit(project, "content/blog/aws-snapshot-pitfalls.md", "(https://harborline.example/platform/aws)",
         "(https://harborline.example/platform/aws?edition=pro&utm_campaign=aws-guide)")
    out = tmp_path / "out"
    run_build(project, out)
    links = [url for page, url in vendor_links(out / "kestrel-cloud")
             if page == "blog/aws-snapshot-pitfalls.html" and "/platform/aws" in url]
    assert len(links) == 1
    assert query(links[0]) == {"edition": ["pro"], "utm_campaign": ["aws-guide"],
                               "utm_source": ["kestrel-cloud"], "utm_medium": ["partner"]}


@pytest.mark.parametrize("url", [
    "https://tidewater.example/",
    "https://www.tidewater.example/platform?plan=pro&seats=5#pricing",
    "https://docs.tidewater.example/guide?utm_campaign=launch",
    "https://tidewater.example/a?utm_source=newsletter&x=1&y=%C3%A9",
    "https://partner.example/page",
    "https://tidewater.example.evil.example/",
])
def test_links_in_pages_are_tagged_as_single_urls_are(url: str) -> None:
    tracking = Tracking("tidewater.example", "acme-co", "partner-site")
    for campaign in ("first-post", "second post & more"):
        link = f'href="{html.escape(url)}"'
        page = f'<p><a {link}>one</a> <a class="x" {link}>two</a></p>'
        tagged = f'href="{html.escape(tracking.url(url, campaign))}"'
        expected = f'<p><a {tagged}>one</a> <a class="x" {tagged}>two</a></p>'
        assert tracking.html(page.encode(), campaign) == expected.encode()
        assert ("utm_medium=partner-site" in tagged) == tracking.is_vendor(url)


@pytest.mark.parametrize(("url", "vendor"), [
    ("https://tidewater.example/guide", True),
    ("HTTPS://Docs.TIDEWATER.example", True),
    ("https://www.tidewater.example:8443/x", True),
    # User information is never the vendor's: it exists to make a host look like another (issue 19).
    ("https://user@www.tidewater.example:8443/x", False),
    ("https://evil.example\\@tidewater.example/", False),  # browsers go to evil.example
    ("https://tide\twater.example/", True),  # URL parsers and browsers drop tabs and newlines
    # Share links and other sites that name the vendor's host only after it.
    ("https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Ftidewater.example%2F", False),
    ("https://x.example/#tidewater.example", False),
    ("https://tidewater.example@evil.example/", False),
    ("https://tidewater.example.evil.example/", False),
])
def test_the_vendor_is_told_by_the_host_alone(url: str, vendor: bool) -> None:
    assert Tracking("tidewater.example", "acme-co", "partner-site").is_vendor(url) is vendor
