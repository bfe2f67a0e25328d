"""Raw HTML in vendor Markdown: allowlisted and sanitised with nh3, never printed as text; third-party
iframes become the theme's click-to-load player. Checked on real builds; in headless Chromium (the page runs
no vendor script and contacts no third party until the visitor clicks): tests/browser/test_raw_html_in_chromium.py."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from support.raw_html import build_raw_html


class Elements(HTMLParser):
    """Every element of the page's article body, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    site = build_raw_html(tmp_path_factory.mktemp("raw-html"))
    return site, (site / "blog" / "raw.html").read_text(encoding="utf-8")


def body_of(document: str) -> str:
    return document.split('<div class="prose">', 1)[1].split("</article>", 1)[0]


def test_a_callout_div_renders_as_a_div_with_its_tokens_filled(page):
    _, document = page
    body = body_of(document)
    parser = Elements()
    parser.feed(body)
    callouts = [attrs for tag, attrs in parser.elements if tag == "div" and "callout" in (attrs.get("class") or "")]
    assert callouts == [{"class": "callout callout--tip"}]  # onclick and style removed
    assert "ask Example Partner for a drill" in body
    assert "&lt;div" not in body and "&lt;/div" not in body  # never shown as text
    assert any(tag == "details" for tag, _ in parser.elements)
    assert any(tag == "form" and attrs.get("action") == "https://forms.example.org/submit"
               for tag, attrs in parser.elements)


def test_scripts_styles_and_event_handlers_are_removed(page):
    _, document = page
    body = body_of(document)
    parser = Elements()
    parser.feed(body)
    assert not [tag for tag, _ in parser.elements if tag in {"script", "style", "iframe"}]
    assert not [(tag, name) for tag, attrs in parser.elements for name in attrs if name.startswith("on")]
    assert "owned" not in body and "display: none" not in body
    assert "javascript:" not in body
    links = [attrs.get("href") for tag, attrs in parser.elements if tag == "a"]
    assert "https://example-partner.example" in links or any((h or "").startswith("https://") for h in links)


def test_an_iframe_becomes_the_click_to_load_player(page):
    _, document = page
    body = body_of(document)
    parser = Elements()
    parser.feed(body)
    players = [attrs for tag, attrs in parser.elements if tag == "div" and attrs.get("data-embed")]
    assert [attrs["data-embed"] for attrs in players] == ["https://forms.example.org/embed/123"]
    assert "Book a review" in body
    assert "insecure.example.org" not in body  # not https: dropped, never loaded




def test_markdown_without_raw_html_is_not_touched(tmp_path):
    # Differential: the example's bodies (no raw HTML) render exactly as Markdown alone renders them.
    from cobrand.load.markdown import make_markdown, render_body

    md = make_markdown()
    text = "Intro *a* & b < c.\n\n| x | y |\n|:-|-:|\n| 1 | 2 |\n\n## Head {{ partner.name }}\n\n[^1]\n\n[^1]: Note."
    body = render_body(md, text, 1, "blog")[0]
    plain = md.render(text.replace("{{ partner.name }}", "cobrandtoken0x"))
    assert "".join(s if isinstance(s, str) else "cobrandtoken0x" for s in body.segments) == plain
