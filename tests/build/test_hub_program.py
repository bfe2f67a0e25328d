"""The hub's program, what's new and its Atom feed, as built: entitlement, counts, feed validity.

The pure rules (windows, teasers, fail-closed counts) are tested in tests/unit/test_program.py; these tests
read what a build writes, and what independent tools (jing, lxml) read back from it.
"""

from __future__ import annotations

import dataclasses
import html
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from cobrand.build import load_and_check
from cobrand.plan import Planner
from cobrand.program import build_program, hub_view
from cobrand.render.hub_feed import hub_feed
from support.example import ENVIRON, ROOT
from support.generated_project import ARABIC, rtl_cjk_project

SCHEMAS = Path(__file__).resolve().parents[1] / "support" / "data" / "schemas"
ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _feeds(project_root: Path, out: Path, *, hub_base: bool = True) -> dict[str, Path]:
    """Each partner's hub feed of ``project_root``, written to ``out``; without ``hub_base``, [hub] base_url unset."""
    project, problems = load_and_check(project_root, environ=ENVIRON)
    assert project is not None, problems
    if not hub_base:
        hub = project.config.hub.model_copy(update={"base_url": None})
        project = dataclasses.replace(project, config=project.config.model_copy(update={"hub": hub}))
    planner = Planner(project)
    written = {}
    for partner in project.partners:
        path = out / partner.slug / "feed.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(hub_feed(project, partner, hub_view(project, planner.plan(partner))))
        written[partner.slug] = path
    return written


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Hub feeds of the example (with and without [hub] base_url) and of the Arabic/Japanese project."""
    tmp = tmp_path_factory.mktemp("hub-feeds")
    return {"example": _feeds(ROOT, tmp / "example"),
            "relative": _feeds(ROOT, tmp / "relative", hub_base=False),
            "rtl": _feeds(rtl_cjk_project(tmp / "rtl"), tmp / "rtl-out")}


def test_hub_feeds_are_valid_atom(feeds: dict[str, dict[str, Path]]) -> None:
    jing = shutil.which("jing")
    assert jing is not None, "jing is missing: scripts/setup installs it (Debian package jing)"
    paths = [str(path) for group in feeds.values() for path in group.values()]
    result = subprocess.run([jing, "-c", str(SCHEMAS / "atom.rnc"), *paths], capture_output=True, text=True)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line or ": fatal:" in line]
    assert result.returncode == 0 and not errors, "RFC 4287 Appendix B (RELAX NG):\n" + "\n".join(
        errors or [result.stdout, result.stderr])
    # jing is not vacuous here: the same feed without its id fails.
    broken = Path(paths[0]).with_name("broken.xml")
    text = Path(paths[0]).read_text("utf-8")
    start = text.index("<id>")
    broken.write_text(text[:start] + text[text.index("</id>") + 5:], "utf-8")
    assert subprocess.run([jing, "-c", str(SCHEMAS / "atom.rnc"), str(broken)], capture_output=True).returncode != 0


def _entries(path: Path) -> list[etree._Element]:
    return list(etree.parse(str(path)).getroot().iterfind(ATOM + "entry"))


def test_hub_feeds_say_their_language(feeds: dict[str, dict[str, Path]]) -> None:
    assert etree.parse(str(feeds["rtl"][ARABIC])).getroot().get(XML_LANG) == "ar-AE"
    assert etree.parse(str(feeds["example"]["sakura-systems"])).getroot().get(XML_LANG) == "ja-JP"
    # The Japanese partner gets English originals: each such entry says so.
    entries = _entries(feeds["example"]["sakura-systems"])
    assert entries and all(entry.get(XML_LANG) == "en" for entry in entries)
    # A German partner's entry for a translated item is in the feed's language and says nothing.
    german = {entry.findtext(ATOM + "id"): entry.get(XML_LANG) for entry in _entries(
        feeds["example"]["falkenstein-systeme"])}
    assert german and all(lang in (None, "en") for lang in german.values())


def test_entries_link_to_public_pages_and_feed_links_follow_hub_base_url(feeds: dict[str, dict[str, Path]]) -> None:
    for name, hub_base in (("example", "https://hub.harborline.example/northbeam-it/"), ("relative", "")):
        path = feeds[name]["northbeam-it"]
        feed = etree.parse(str(path)).getroot()
        links = {link.get("rel"): link.get("href") for link in feed.iterfind(ATOM + "link")}
        assert links == {None: hub_base + "new.html", "self": hub_base + "feed.xml"}, name
        entries = _entries(path)
        assert len(entries) >= 3
        for entry in entries:
            href = entry.find(ATOM + "link").get("href")
            if "social.html#post-" in href:
                assert href.startswith(hub_base + "social.html"), href
            else:
                assert href.startswith("https://partners.harborline.example/northbeam-it/"), href
                assert entry.findtext(ATOM + "id") == href
        enclosures = [link.get("href") for entry in entries for link in entry.iterfind(ATOM + "link")
                      if link.get("rel") == "enclosure"]
        assert enclosures == [hub_base + "kit/recovery-assurance.pdf"], name


def test_feed_entries_are_the_whats_new_list_newest_first(feeds: dict[str, dict[str, Path]]) -> None:
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    planner = Planner(project)
    for partner in project.partners:
        view = hub_view(project, planner.plan(partner))
        entries = _entries(feeds["example"][partner.slug])
        assert [entry.findtext(ATOM + "title") for entry in entries] == [item["title"] for item in view["new"]]
        updated = [entry.findtext(ATOM + "updated") for entry in entries]
        assert updated == sorted(updated, reverse=True)


def test_hub_feeds_are_deterministic(tmp_path: Path, feeds: dict[str, dict[str, Path]]) -> None:
    again = _feeds(ROOT, tmp_path)
    for slug, path in feeds["example"].items():
        assert again[slug].read_bytes() == path.read_bytes(), slug


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example built without PDFs and images (the counts and titles do not depend on them)."""
    import cobrand

    out = tmp_path_factory.mktemp("hub-program-build") / "build"
    report = cobrand.build(ROOT, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON)
    assert report.ok, report.failures
    return out


VIDEO_PAGE = '<meta property="og:type" content="video.other">'


def _public_pages(site: Path, folder: str) -> list[Path]:
    return sorted(path for path in (site / folder).glob("*.html") if path.name != "index.html")


def test_counts_equal_what_the_public_site_shows(built: Path) -> None:
    """Differential: the hub's count of each kind is the number of such pages on the partner's public site."""
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    planner = Planner(project)
    for partner in project.partners:
        site = built / partner.slug
        counts = {row["kind"]: row["count"] for row in hub_view(project, planner.plan(partner))["counts"]}
        media = [path.read_text("utf-8") for path in _public_pages(site, "media")]
        shown = {"blog": len(_public_pages(site, "blog")), "one-pagers": len(_public_pages(site, "one-pagers")),
                 # A video's page says so to Open Graph; a podcast episode's is a plain web page.
                 "video": sum(VIDEO_PAGE in page for page in media),
                 "podcast": sum(VIDEO_PAGE not in page for page in media)}
        assert {kind: counts.get(kind, 0) for kind in shown} == shown, partner.slug


def test_a_teaser_without_min_tier_is_a_warning(project: Path) -> None:
    from cobrand.check import check

    post = project / "content" / "blog" / "immutable-backups-explained.md"
    text = post.read_text("utf-8")
    post.write_text(text.replace("\ndate:", "\nteaser: true\ndate:", 1), "utf-8")
    report = check(project, environ=ENVIRON)
    assert report.ok
    warnings = [p for p in report.warnings if p.field == "teaser"]
    assert [(p.file, p.severity) for p in warnings] == [("content/blog/immutable-backups-explained.md", "warning")]
    assert "min_tier" in warnings[0].message


# --- the hub as built ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hub_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example built with its hubs (no PDFs or images: titles and counts do not depend on them)."""
    import cobrand

    tmp = tmp_path_factory.mktemp("hub-program-hubs")
    out, hub = tmp / "build", tmp / "build-hub"
    report = cobrand.build(ROOT, out_dir=out, hub_dir=hub, jobs=1, pdfs=False, images=False, environ=ENVIRON)
    assert report.ok, report.failures
    return out, hub


def _text(path: Path) -> str:
    """What a page shows and says: its markup with tags removed and entities read (titles in attributes too)."""
    return html.unescape(path.read_text("utf-8"))


def test_no_hub_file_names_an_item_the_partner_does_not_get_unless_teaser(hub_build: tuple[Path, Path]) -> None:
    """Differential: for every partner, no file of its hub holds the title of an item it is not entitled to,
    except, on the program page, the next tier's items whose front matter says teaser: true."""
    _, hub = hub_build
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    planner = Planner(project)
    checked = teased = 0
    for partner in project.partners:
        plan = planner.plan(partner)
        program = build_program(project, plan)
        teasers = {teaser.key for teaser in program.next_tier.teasers} if program.next_tier else set()
        have = {item.key for item in plan.items}
        files = {path: _text(path) for path in sorted((hub / partner.slug).rglob("*"))
                 if path.suffix in (".html", ".xml", ".txt", ".csv")}
        assert hub / partner.slug / "index.html" in files and hub / partner.slug / "feed.xml" in files
        for item in project.content:
            if item.key in have:
                continue
            title = _title(project, partner, project.localized(item, partner.data.locale))
            for path, text in files.items():
                if item.key in teasers and path.name == "index.html" and path.parent == hub / partner.slug:
                    assert title in text, (partner.slug, item.key)
                    teased += 1
                    continue
                assert title not in text, (partner.slug, item.key, str(path))
                checked += 1
    assert teased == 1 and checked > 100


def _title(project, partner, item) -> str:
    from cobrand.personalize import resolve
    from cobrand.tokens import TokenFiller, token_context

    context = token_context(partner, project.vendor, resolve(project, partner, item.slug))
    return str(TokenFiller().fill(item.texts["title"], context)) if "title" in item.texts else item.meta.title


def _program_counts(page: Path) -> dict[str, int]:
    """The program page's table of what the partner gets: row label -> number."""
    tree = lxml_html.parse(str(page))
    table = tree.xpath("//section[@aria-labelledby='hub-content']//table")[0]
    return {row.xpath("string(th)").strip(): int(row.xpath("string(td)").strip())
            for row in table.xpath("tbody/tr")}


def test_the_program_page_counts_what_the_site_and_the_social_pack_show(hub_build: tuple[Path, Path]) -> None:
    """Differential: each count on the program page is the number of such pages on the public site, and of
    posts in the hub's social pack."""
    out, hub = hub_build
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    for partner in project.partners:
        if partner.data.locale.split("-")[0] != "en":
            continue  # the row labels below are the English ones
        site = out / partner.slug
        media = [path.read_text("utf-8") for path in _public_pages(site, "media")]
        social = hub / partner.slug / "social.html"
        shown = {"Blog posts": len(_public_pages(site, "blog")), "Datasheets": len(_public_pages(site, "one-pagers")),
                 "Videos": sum(VIDEO_PAGE in page for page in media),
                 "Podcasts": sum(VIDEO_PAGE not in page for page in media),
                 "Social posts": len(lxml_html.parse(str(social)).xpath("//h2[@class='social__title']"))
                 if social.exists() else 0}
        counts = _program_counts(hub / partner.slug / "index.html")
        assert {label: counts.get(label, 0) for label in shown} == shown, partner.slug
        assert sum(counts.values()) == sum(shown.values())


def test_built_hub_feeds_are_valid_atom_and_say_their_language(hub_build: tuple[Path, Path]) -> None:
    _, hub = hub_build
    feeds = sorted(hub.glob("*/feed.xml"))
    assert len(feeds) == 5
    jing = shutil.which("jing")
    assert jing is not None, "jing is missing: scripts/setup installs it (Debian package jing)"
    result = subprocess.run([jing, "-c", str(SCHEMAS / "atom.rnc"), *map(str, feeds)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    for feed in feeds:
        root = etree.parse(str(feed)).getroot()
        assert root.get(XML_LANG), feed
        for entry in root.iterfind(ATOM + "entry"):
            href = entry.find(ATOM + "link").get("href")
            assert href.startswith(("https://partners.harborline.example/", "https://hub.harborline.example/")), href


def test_hub_pages_are_noindex_and_link_whats_new_to_public_pages(hub_build: tuple[Path, Path]) -> None:
    _, hub = hub_build
    for name in ("index.html", "new.html"):
        page = (hub / "northbeam-it" / name).read_text("utf-8")
        assert '<meta name="robots" content="noindex, nofollow">' in page
        assert 'rel="canonical"' not in page
    new = lxml_html.parse(str(hub / "northbeam-it" / "new.html"))
    links = new.xpath("//table//tbody//th[@scope='row']/a/@href")
    assert "https://partners.harborline.example/northbeam-it/one-pagers/recovery-assurance.html" in links
    assert new.xpath("//link[@rel='alternate' and @type='application/atom+xml']/@href") == ["feed.xml"]


def test_every_link_of_the_program_pages_reaches_a_file(hub_build: tuple[Path, Path]) -> None:
    """Differential: each link of the program and what's-new pages names a file the build wrote: a relative one
    in the partner's hub, an absolute one of its public site in its site folder. This build makes no PDFs,
    so no page links to one."""
    out, hub = hub_build
    for folder in sorted(path for path in hub.iterdir() if path.is_dir() and not path.name.startswith(".")):
        public = f"https://partners.harborline.example/{folder.name}/"
        checked = 0
        for name in ("index.html", "new.html"):
            for href in lxml_html.parse(str(folder / name)).xpath("//a/@href | //link/@href"):
                target = href.split("#", 1)[0]
                if not target or href.startswith(("mailto:", "tel:")):
                    continue
                if target.startswith(public):
                    assert (out / folder.name / (target.removeprefix(public) or "index.html")).is_file(), href
                elif "://" not in target:
                    assert (folder / target).is_file(), (folder.name, name, href)
                checked += 1
        assert checked >= 8, folder.name


def _tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and ".cobrand" not in path.relative_to(folder).parts}


def test_incremental_hubs_equal_clean_ones_after_program_edits(project: Path, tmp_path: Path) -> None:
    """Differential: after each edit that only the program reads (a gated teaser's title, which a lower tier
    sees; an item's updated date) and after the day moves on, an incremental build's hubs are byte-identical
    to a clean build's."""
    import cobrand

    out, hub = tmp_path / "out", tmp_path / "hub"
    options = {"jobs": 1, "pdfs": False, "images": False}
    assert cobrand.build(project, out_dir=out, hub_dir=hub, environ=ENVIRON, **options).ok
    sheet = project / "content" / "one-pagers" / "clean-room-recovery.md"
    post = project / "content" / "blog" / "immutable-backups-explained.md"
    later = {"SOURCE_DATE_EPOCH": str(int(ENVIRON["SOURCE_DATE_EPOCH"]) + 5 * 86400)}
    steps = [(sheet, "title: Harborline Clean Room", "title: Clean Room, renamed", ENVIRON),
             (post, "\ndate: 2026-06-09\n", "\ndate: 2026-06-09\nupdated: 2026-11-20\n", ENVIRON),
             (None, "", "", later)]
    for number, (path, old, new, environ) in enumerate(steps):
        if path is not None:
            text = path.read_text("utf-8")
            assert old in text
            path.write_text(text.replace(old, new, 1), "utf-8")
        before = _tree(hub)
        assert cobrand.build(project, out_dir=out, hub_dir=hub, environ=environ, **options).ok
        clean_out, clean_hub = tmp_path / f"clean-out-{number}", tmp_path / f"clean-hub-{number}"
        assert cobrand.build(project, out_dir=clean_out, hub_dir=clean_hub, environ=environ, **options).ok
        incremental, clean = _tree(hub), _tree(clean_hub)
        assert incremental.keys() == clean.keys()
        assert [name for name in clean if incremental[name] != clean[name]] == [], number
        assert incremental != before, number  # each step changes some hub page
    assert "Clean Room, renamed" in (hub / "falkenstein-systeme" / "index.html").read_text("utf-8")
    assert "Clean Room" not in (hub / "maple-ridge-tech" / "index.html").read_text("utf-8")
    assert "immutable" in (hub / "kestrel-cloud" / "new.html").read_text("utf-8").lower()


def test_an_arabic_hub_is_right_to_left_with_english_runs_marked(tmp_path: Path) -> None:
    """The program page of an ar-AE partner reads right to left; the vendor's English tier text and the
    untranslated titles say lang="en" dir="ltr", and "+1" keeps its sign before the number."""
    import cobrand

    project = rtl_cjk_project(tmp_path)
    hub = tmp_path / "hub"
    report = cobrand.build(project, out_dir=tmp_path / "out", hub_dir=hub, partners=(ARABIC,), jobs=1, pdfs=False,
                           images=False, environ=ENVIRON)
    assert report.ok, report.failures
    page = lxml_html.parse(str(hub / ARABIC / "index.html"))
    assert page.xpath("/html/@dir") == ["rtl"] and page.xpath("/html/@lang") == ["ar-AE"]
    english = page.xpath("//ul[contains(@class, 'hub-benefits')]")
    assert english and all(ul.get("lang") == "en" and ul.get("dir") == "ltr" for ul in english)
    adds = page.xpath("//section[@aria-labelledby='hub-next']//td[starts-with(normalize-space(.), '+')]")
    assert adds and all(td.xpath("span/@dir") == ["ltr"] for td in adds)
    recent = page.xpath("//ul[@class='hub-recent']//a")
    assert recent and all(a.get("lang") == "en" and a.get("dir") == "ltr" for a in recent)
