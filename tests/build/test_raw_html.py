"""Raw HTML in vendor Markdown: allowlisted and sanitised with nh3, never printed as text; third-party
iframes become the theme's click-to-load player. Checked on real builds, and in headless Chromium: the
page runs no vendor script and contacts no third party until the visitor clicks."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

import cobrand
from cobrand.scaffold import init_project
from support.example import ENVIRON, playwright_or_skip
from support.http_server import local_http_server

SITE = "example-partner"
BODY = """Intro paragraph.

<div class="callout callout--tip" onclick="alert(1)" style="position:fixed">
<strong>Tip:</strong> ask {{ partner.name }} for a drill.
</div>

<script>document.title = "owned"</script>

<a href="javascript:alert(2)">bad link</a> and <a href="{{ partner.website }}" onmouseover="x()">good link</a>.

<iframe src="https://forms.example.org/embed/123" title="Book a review" width="600" height="400"></iframe>

<iframe src="http://insecure.example.org/embed"></iframe>

<form action="https://forms.example.org/submit" method="post"><label for="email">Email</label>
<input id="email" type="email" name="email" onfocus="x()"><button type="submit">Send</button></form>

<details><summary>More</summary><p>Hidden detail.</p></details>

<img src="https://cdn.example.org/x.png" onerror="alert(3)" alt="Chart">

<style>body { display: none }</style>
"""


class Elements(HTMLParser):
    """Every element of the page's article body, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    base = tmp_path_factory.mktemp("raw-html")
    root = base / "project"
    init_project(root, environ=ENVIRON)
    (root / "content" / "blog" / "raw.md").write_text(
        f"---\ntitle: Raw HTML\ndate: 2026-01-05\nsummary: A post with HTML.\n---\n\n{BODY}", encoding="utf-8")
    out = base / "out"
    report = cobrand.build(root, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON)
    assert report.ok
    site = out / SITE
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


def test_in_chromium_nothing_runs_and_no_third_party_is_contacted_until_click(page, tmp_path):
    sync_playwright = playwright_or_skip().sync_playwright

    site, _ = page
    requests: list[str] = []

    with local_http_server(site) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context()
        context.route("**/*", lambda route: (requests.append(route.request.url),
                                             route.continue_() if route.request.url.startswith("http://127.0.0.1")
                                             else route.abort()))
        dialogs: list[str] = []
        view = context.new_page()
        view.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        view.goto(f"{server.url}/blog/raw.html")
        view.wait_for_load_state("networkidle")
        assert view.title() != "owned" and dialogs == []
        assert view.locator(".callout").count() == 1 and view.locator(".callout").is_visible()
        # The vendor's <img> from a CDN loads, as a Markdown image would; the embed's host waits for the click.
        assert not [url for url in requests if "forms.example.org" in url or "insecure" in url]
        view.locator('.player[data-embed] .player__start').click()
        view.wait_for_selector(".player iframe")
        assert view.locator(".player iframe").get_attribute("src") == "https://forms.example.org/embed/123"
        assert any(url.startswith("https://forms.example.org/") for url in requests)
        browser.close()


def test_markdown_without_raw_html_is_not_touched(tmp_path):
    # Differential: the example's bodies (no raw HTML) render exactly as Markdown alone renders them.
    from cobrand.load.markdown import make_markdown, render_body

    md = make_markdown()
    text = "Intro *a* & b < c.\n\n| x | y |\n|:-|-:|\n| 1 | 2 |\n\n## Head {{ partner.name }}\n\n[^1]\n\n[^1]: Note."
    body = render_body(md, text, 1, "blog")[0]
    plain = md.render(text.replace("{{ partner.name }}", "cobrandtoken0x"))
    assert "".join(s if isinstance(s, str) else "cobrandtoken0x" for s in body.segments) == plain
