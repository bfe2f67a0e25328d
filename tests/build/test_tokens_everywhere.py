"""Tokens work wherever they can appear: titles, summaries, headings, image alt text, social text and headlines
are filled per partner in every output file of a real build (pages, feeds, PDFs, images, CSVs, the kit zip)."""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

import cobrand
from cobrand.scaffold import init_project
from support.example import ENVIRON

PARTNER = "Example Partner"
POST = """---
title: "{{ partner.name }} explains restores"
date: 2026-01-05
summary: "Why {{ partner.name }} tests every restore."
---

Intro paragraph from {{ partner.name }}.

![Diagram for {{ partner.name }}](../assets/diagram.png)

## Talk to {{ partner.name }}

Closing words.

## Talk to Example Partner

The same heading once the token is filled: its id must differ.
"""
SHEET = """---
title: "{{ partner.name }} at a glance"
date: 2026-01-06
subtitle: "What {{ partner.name }} offers"
---

The first paragraph of the sheet, by {{ vendor.name }} and {{ partner.name }}, becomes its summary.

## Get started with {{ partner.name }}

Call us.
"""
SOCIAL = """title: Internal launch post (silver and above)
date: 2026-01-07
link: blog/restores
headline: "Restores you can prove, from {{ partner.name }}"
variants:
  linkedin: "{{ partner.name }} now proves every restore."
  x: "Restores, proven by {{ partner.name }}."
  facebook: "{{ partner.name }} tests your restores."
"""


def make_project(root: Path) -> Path:
    init_project(root, environ=ENVIRON)
    Image.new("RGB", (40, 30), "#1f4e79").save(root / "content" / "assets" / "diagram.png")
    (root / "content" / "blog" / "restores.md").write_text(POST, encoding="utf-8")
    (root / "content" / "one-pagers" / "glance.md").write_text(SHEET, encoding="utf-8")
    (root / "content" / "social" / "launch.yaml").write_text(SOCIAL, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("tokens-everywhere")
    root = make_project(base / "project")
    out = base / "out"
    report = cobrand.build(root, out_dir=out, jobs=1, environ=ENVIRON)
    assert report.ok if hasattr(report, "ok") else True
    return out / "example-partner"


def hub_of(site: Path) -> Path:
    """A partner's hub folder, for its site folder in a build's default layout."""
    return site.parent.with_name(site.parent.name + "-hub") / site.name


def texts_of(path: Path, data: bytes) -> list[tuple[str, str]]:
    """The text of every output file (zip members and PDF text included), by name."""
    if path.suffix == ".pdf":
        return [(str(path), "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))]
    if path.suffix == ".zip":
        found = []
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                found += texts_of(Path(name), archive.read(name))
        return found
    if path.suffix in {".png", ".jpg", ".webp", ".ico", ".woff2", ".mp3"}:
        return []
    return [(str(path), data.decode("utf-8"))]


def test_no_output_file_publishes_a_token_literally(built):
    checked = 0
    for path in sorted([*built.rglob("*"), *hub_of(built).rglob("*")]):
        if path.is_file():
            for name, text in texts_of(path, path.read_bytes()):
                assert "{{" not in text and "}}" not in text, name
                checked += 1
    assert checked > 20


def test_titles_and_summaries_are_filled_in_pages_feed_and_csv(built):
    post = (built / "blog" / "restores.html").read_text(encoding="utf-8")
    assert f"<title>{PARTNER} explains restores · {PARTNER}</title>" in post
    assert f'<meta property="og:title" content="{PARTNER} explains restores">' in post
    assert f'<meta name="description" content="Why {PARTNER} tests every restore.">' in post
    assert f'alt="Diagram for {PARTNER}"' in post
    listing = (built / "blog" / "index.html").read_text(encoding="utf-8")
    assert f"{PARTNER} explains restores" in listing
    feed = (built / "feed.xml").read_text(encoding="utf-8")
    assert f"<title>{PARTNER} explains restores</title>" in feed
    assert f"<summary>Why {PARTNER} tests every restore.</summary>" in feed
    csv = (hub_of(built) / "kit" / "hootsuite-x.csv").read_text(encoding="utf-8")
    assert f"Restores, proven by {PARTNER}." in csv


def test_a_missing_summary_is_the_first_paragraph_filled(built):
    sheet = (built / "one-pagers" / "glance.html").read_text(encoding="utf-8")
    vendor = "Your Company"
    summary = f"The first paragraph of the sheet, by {vendor} and {PARTNER}, becomes its summary."
    assert f'<meta name="description" content="{summary}">' in sheet
    assert f"What {PARTNER} offers" in sheet
    pdf = PdfReader(built / "one-pagers" / "glance.pdf")
    text = " ".join((page.extract_text() or "") for page in pdf.pages)
    assert f"{PARTNER} at a glance" in " ".join(text.split())


class Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value or "" for name, value in attrs if name == "id"]


@pytest.mark.parametrize("page, expected", [("blog/restores.html", "talk-to-example-partner-1"),
                                            ("one-pagers/glance.html", "get-started-with-example-partner")])
def test_heading_ids_are_made_from_the_filled_heading(built, page, expected):
    parser = Ids()
    parser.feed((built / page).read_text(encoding="utf-8"))
    assert expected in parser.ids
    for value in parser.ids:  # valid ids: not empty, no whitespace, unique
        assert value and not re.search(r"\s", value), value
    assert len(parser.ids) == len(set(parser.ids))


def test_social_images_show_the_filled_headline_never_the_internal_title(tmp_path, built):
    # Differential: the same post with the headline already written out gives byte-identical images.
    root = make_project(tmp_path / "literal")
    literal = SOCIAL.replace('headline: "Restores you can prove, from {{ partner.name }}"',
                             f'headline: "Restores you can prove, from {PARTNER}"')
    (root / "content" / "social" / "launch.yaml").write_text(literal, encoding="utf-8")
    out = tmp_path / "out"
    cobrand.build(root, out_dir=out, jobs=1, pdfs=False, environ=ENVIRON)
    for network in ("linkedin", "x", "facebook"):
        image = f"kit/social/launch-{network}.png"
        assert (hub_of(built) / image).read_bytes() == (hub_of(out / "example-partner") / image).read_bytes(), image
    # And the internal title is not what they show: another title gives the same images.
    retitled = literal.replace("Internal launch post (silver and above)", "Something else entirely")
    (root / "content" / "social" / "launch.yaml").write_text(retitled, encoding="utf-8")
    cobrand.build(root, out_dir=out, jobs=1, pdfs=False, environ=ENVIRON)
    for network in ("linkedin", "x", "facebook"):
        image = f"kit/social/launch-{network}.png"
        assert (hub_of(built) / image).read_bytes() == (hub_of(out / "example-partner") / image).read_bytes(), image


def test_without_a_headline_the_image_shows_the_posts_first_line(tmp_path):
    root = make_project(tmp_path / "first-line")
    without = "\n".join(line for line in SOCIAL.splitlines() if not line.startswith("headline:")) + "\n"
    (root / "content" / "social" / "launch.yaml").write_text(without, encoding="utf-8")
    headlined = root.parent / "headlined"
    make_project(headlined)
    # The headline written out as each network's first line would be gives the same X image.
    (headlined / "content" / "social" / "launch.yaml").write_text(
        SOCIAL.replace('headline: "Restores you can prove, from {{ partner.name }}"',
                       'headline: "Restores, proven by {{ partner.name }}."'), encoding="utf-8")
    first, second = tmp_path / "a", tmp_path / "b"
    cobrand.build(root, out_dir=first, jobs=1, pdfs=False, environ=ENVIRON)
    cobrand.build(headlined, out_dir=second, jobs=1, pdfs=False, environ=ENVIRON)
    first, second = hub_of(first / "example-partner"), hub_of(second / "example-partner")
    image = "kit/social/launch-x.png"
    assert (first / image).read_bytes() == (second / image).read_bytes()
    assert (first / "kit/social/launch-linkedin.png").read_bytes() != (first / image).read_bytes()


def test_og_card_of_a_post_shows_its_filled_title(tmp_path, built):
    root = make_project(tmp_path / "literal-title")
    (root / "content" / "blog" / "restores.md").write_text(
        POST.replace('title: "{{ partner.name }} explains restores"', f'title: "{PARTNER} explains restores"'),
        encoding="utf-8")
    out = tmp_path / "out"
    cobrand.build(root, out_dir=out, jobs=1, pdfs=False, environ=ENVIRON)
    image = "static/og/restores.png"
    assert (built / image).read_bytes() == (out / "example-partner" / image).read_bytes()


def test_a_bad_token_in_a_title_is_an_error_naming_the_field_and_line(tmp_path):
    root = make_project(tmp_path / "bad")
    (root / "content" / "blog" / "restores.md").write_text(
        POST.replace("{{ partner.name }} explains", "{{ partner.nmae }} explains"), encoding="utf-8")
    with pytest.raises(cobrand.ProjectError) as caught:
        cobrand.load_and_check(root, environ=ENVIRON)
    problems = [p for p in caught.value.problems if p.file == "content/blog/restores.md"]
    assert problems and problems[0].line == 2, caught.value.problems


def test_the_social_image_alt_text_is_the_filled_headline(built):
    social = (hub_of(built) / "social.html").read_text(encoding="utf-8")
    assert f'alt="Image for the LinkedIn post: Restores you can prove, from {PARTNER}"' in social
    assert "Image for the LinkedIn post: Internal launch post" not in social
