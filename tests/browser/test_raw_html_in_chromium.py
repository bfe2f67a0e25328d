"""Raw HTML in vendor Markdown, in headless Chromium: the page runs no vendor script and contacts no third
party until the visitor clicks the click-to-load player (the built page: tests/build/test_raw_html.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.example import playwright_or_skip
from support.http_server import local_http_server
from support.raw_html import build_raw_html


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_raw_html(tmp_path_factory.mktemp("raw-html"))


def test_in_chromium_nothing_runs_and_no_third_party_is_contacted_until_click(site: Path) -> None:
    sync_playwright = playwright_or_skip().sync_playwright

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

