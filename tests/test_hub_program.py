"""The hub's program, what's new and its Atom feed, as built: entitlement, counts, feed validity.

The pure rules (windows, teasers, fail-closed counts) are tested in tests/test_program.py; these tests
read what a build writes, and what independent tools (jing, lxml) read back from it.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from cobrand.build import load_and_check
from cobrand.plan import Planner
from cobrand.program import hub_view
from cobrand.render.hub_feed import hub_feed

from conftest import ENVIRON, ROOT
from generated_project import ARABIC, rtl_cjk_project

SCHEMAS = Path(__file__).resolve().parent / "data" / "schemas"
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
        path.write_bytes(hub_feed(project, partner, hub_view(project, planner.plan(partner), planner)))
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
        view = hub_view(project, planner.plan(partner), planner)
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
        counts = {row["kind"]: row["count"] for row in hub_view(project, planner.plan(partner), planner)["counts"]}
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
