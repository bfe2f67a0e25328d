"""The built sites and ``cobrand serve`` in a real browser: Debian's chromium driven by Playwright.

The session's example build is served over a real local HTTP server (``http.server``, 127.0.0.1) and
every partner's pages are opened as a visitor would: the logo loads, the brand colour is applied, nothing
fails to load, nothing scrolls sideways on a phone, the copy buttons work, axe-core finds no serious or
critical accessibility problem, and the media player stays off third-party servers until play is clicked.
Then ``cobrand serve`` (:class:`DevServer`) on a copy of the example: an open page reloads by itself after
an edit, and a broken template shows the error overlay until it is fixed.

Browsers are never downloaded: the tests use ``/usr/bin/chromium`` (scripts/setup installs it) and
axe-core from ``node_modules`` (scripts/setup runs ``npm install``).
"""

from __future__ import annotations

import re
import struct
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po

from cobrand.serve import DevServer
from support.example import CONFIG, ENVIRON, PARTNERS, ROOT, ExampleBuild, PartnerInfo, copy_example
from support.http_server import local_http_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE_WIDTH = 375
RELOAD_TIMEOUT_MS = 20_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# For `cobrand serve`: the partner, post and template test_serve.py uses too.
SERVE_SLUG = "kestrel-cloud"
SERVE_POST = "content/blog/ransomware-recovery-drill.md"
SERVE_POST_PAGE = "blog/ransomware-recovery-drill.html"
SERVE_TEMPLATE = "themes/harborline/templates/index.html"
SERVE_HEADLINE = "Recover from anything with Kestrel Cloud"

PARTNER_PARAMS = [pytest.param(partner, id=partner.slug) for partner in PARTNERS]

# A machine without the browser skips this module with the reason (CI fails on any skip: tests/support/ci_skips.py),
# instead of failing at import and so collecting no test at all.
if not CHROMIUM.is_file():
    pytest.skip("Debian's chromium is needed at /usr/bin/chromium: run bash scripts/setup", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is missing: run bash scripts/setup")


# --- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium for the whole module; every test opens its own context (cookies, permissions)."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def site(example_build: ExampleBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The session's example build served at ``http://127.0.0.1:<port>/`` (``/<slug>/...`` per partner), and
    its hubs at ``/_hub/<slug>/...``, as ``cobrand serve`` serves them."""
    served = tmp_path_factory.mktemp("served")
    for folder in example_build.out.iterdir():
        (served / folder.name).symlink_to(folder)
    (served / "_hub").symlink_to(example_build.hub)
    with local_http_server(served) as server:
        yield server.url


@pytest.fixture(scope="module")
def axe_source() -> Path:
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `npm install --no-audit --no-fund` at the repository "
                    "root (scripts/setup does)")
    return AXE


@dataclass
class Trouble:
    """Everything that went wrong while a page loaded: console errors, failed requests, 4xx/5xx responses."""

    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bad_status: list[str] = field(default_factory=list)
    pending: set[Any] = field(default_factory=set)

    def watch(self, page: Any) -> None:
        page.on("request", lambda request: self.pending.add(request))
        page.on("requestfinished", lambda request: self.pending.discard(request))
        page.on("requestfailed", lambda request: self.pending.discard(request))
        page.on("console", lambda message: self.console.append(
            f"{page.url}: {message.text} ({message.location})") if message.type == "error" else None)
        page.on("pageerror", lambda error: self.console.append(f"{page.url}: uncaught {error}"))
        page.on("requestfailed", lambda request: self.failed.append(f"{request.url}: {request.failure}"))
        page.on("response", lambda response: self.bad_status.append(
            f"{response.url}: HTTP {response.status}") if response.status >= 400 else None)

    def settle(self, page: Any, quiet: float = 0.25, timeout: float = 10) -> None:
        """Wait until no request of the page's has been open for ``quiet`` seconds (the favicon is asked for
        only after "load"), so that a request still running is not missed by :meth:`assert_none`."""
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            if self.pending:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= quiet:
                return
            page.wait_for_timeout(25)
        raise AssertionError(f"requests still open after {timeout:.0f}s: {[r.url for r in self.pending]}")

    def assert_none(self) -> None:
        assert self.console == [], "console errors:\n" + "\n".join(self.console)
        assert self.failed == [], "failed requests:\n" + "\n".join(self.failed)
        assert self.bad_status == [], "responses with an error status:\n" + "\n".join(self.bad_status)


def built_page(example_build: ExampleBuild, partner: PartnerInfo, folder: str) -> str:
    """The first page a partner got in ``blog``/``media`` (its entitlements decide which), as ``folder/name``."""
    pages = sorted(path.name for path in (example_build.out / partner.slug / folder).glob("*.html")
                   if path.name != "index.html")
    assert pages, f"{partner.slug} has no {folder} page"
    return f"{folder}/{pages[0]}"


def partner_pages(example_build: ExampleBuild, partner: PartnerInfo, *, media: bool = False) -> list[str]:
    """Pages of the partner's site (``<slug>/...``) and of its hub (``_hub/<slug>/...``), as the site fixture
    serves them."""
    pages = ["index.html", built_page(example_build, partner, "blog"), "one-pagers/index.html"]
    if media:
        pages += [built_page(example_build, partner, "media"), "media/index.html"]
    hub = [f"_hub/{partner.slug}/{page}" for page in ("index.html", "new.html", "kit.html", "social.html")]
    return [f"{partner.slug}/{page}" for page in pages] + hub


def rgb(hex_colour: str) -> str:
    """``#3d7ea6`` -> ``rgb(61, 126, 166)``, as getComputedStyle reports it."""
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    red, green, blue = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG, after checking its signature and the IHDR chunk's CRC."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13, f"{path}: no IHDR chunk first"
    header = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    assert zlib.crc32(kind + header) == crc, f"{path}: bad IHDR checksum"
    assert data.endswith(b"IEND\xaeB`\x82"), f"{path}: truncated (no IEND chunk)"
    width, height = struct.unpack(">II", header[:8])
    return width, height


def copied_label(partner: PartnerInfo) -> str:
    """What the copy button says after copying, from the default theme's catalogue for the partner's language."""
    po = ROOT / "src" / "cobrand" / "themes" / "default" / "locale" / partner.locale.split("-")[0] / "LC_MESSAGES" \
        / "messages.po"
    if not po.is_file():
        return "Copied"
    with po.open("rb") as handle:
        message = read_po(handle).get("Copied")
    assert message is not None and message.string, po
    return str(message.string)


# --- the built sites, served as they would be in production ------------------------------------------------


@pytest.mark.parametrize("partner", PARTNER_PARAMS)
def test_home_page_shows_the_partners_logo_and_colour(browser: Any, site: str, partner: PartnerInfo) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        trouble = Trouble()
        trouble.watch(page)
        page.goto(f"{site}/{partner.slug}/index.html", wait_until="load")
        trouble.settle(page)

        logo = page.locator(".masthead img.lockup__partner")
        assert logo.count() == 1
        assert logo.is_visible()
        assert logo.get_attribute("alt") == partner.name
        assert logo.evaluate("img => img.complete && img.naturalWidth") > 0, "the partner logo did not load"
        box = logo.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0

        # The masthead's top rule is drawn in exactly --partner-primary (cobrand.css: .masthead).
        masthead = page.locator(".masthead")
        assert masthead.evaluate("el => getComputedStyle(el).getPropertyValue('--partner-primary').trim()") \
            .lower() == partner.primary
        assert masthead.evaluate("el => getComputedStyle(el).borderTopColor") == rgb(partner.primary)
        assert masthead.evaluate("el => getComputedStyle(el).borderTopStyle") == "solid"

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"{partner.slug}.png"
        shot.unlink(missing_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        assert shot.is_file()
        width, height = png_size(shot)
        assert width == 1280 and height >= 900

        trouble.assert_none()
    finally:
        context.close()


@pytest.mark.parametrize("partner", PARTNER_PARAMS)
def test_pages_load_cleanly_and_fit_a_phone(browser: Any, site: str, example_build: ExampleBuild,
                                            partner: PartnerInfo) -> None:
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True, has_touch=True)
    try:
        trouble = Trouble()
        too_wide = {}
        for relative in partner_pages(example_build, partner):
            # A page each: navigating one page on would abort a request still running (its favicon).
            page = context.new_page()
            trouble.watch(page)
            page.goto(f"{site}/{relative}", wait_until="load")
            trouble.settle(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE_WIDTH:
                culprits = page.evaluate(
                    """limit => [...document.querySelectorAll('body *')]
                        .filter(el => el.getBoundingClientRect().right > limit + 0.5)
                        .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))""",
                    PHONE_WIDTH)
                too_wide[relative] = (width, culprits)
        assert too_wide == {}, f"pages scroll sideways at {PHONE_WIDTH}px: {too_wide}"
        trouble.assert_none()
    finally:
        context.close()


LOCKUP_BOXES = """() => {
    const box = selector => {
        const element = document.querySelector(selector);
        const rect = element.getBoundingClientRect();
        return {left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom, width: rect.width,
                height: rect.height, complete: element.complete, natural: element.naturalWidth / element.naturalHeight};
    };
    return {partner: box('.masthead .lockup__partner'), vendor: box('.masthead .lockup__vendor img'),
            heroPartner: box('.hero__partner'), heroVendor: box('.hero__vendor')};
}"""


@pytest.mark.parametrize("width", [1280, PHONE_WIDTH])
@pytest.mark.parametrize("partner", PARTNER_PARAMS)
def test_logo_lockups_follow_the_brand_rules(browser: Any, site: str, partner: PartnerInfo, width: int) -> None:
    """As laid out by Chromium: the vendor logo covers vendor_max_ratio of the partner logo's area, clear_space
    partner-logo heights apart, and each logo file has the shape of its box (trimmed, so no hidden margin)."""
    rules = CONFIG["brand"]
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{site}/{partner.slug}/index.html", wait_until="load")
        boxes = page.evaluate(LOCKUP_BOXES)
        lockups = [(boxes["partner"], boxes["vendor"])]
        if width > PHONE_WIDTH:  # the home page's card is hidden on phones
            lockups.append((boxes["heroPartner"], boxes["heroVendor"]))
        for index, (partner_box, vendor_box) in enumerate(lockups):
            where = (partner.slug, width, "masthead" if index == 0 else "card")
            for box in (partner_box, vendor_box):
                assert box["complete"] and box["width"] > 0, where
                assert box["natural"] == pytest.approx(box["width"] / box["height"], rel=0.03), (where, box)
            ratio = vendor_box["width"] * vendor_box["height"] / (partner_box["width"] * partner_box["height"])
            assert ratio == pytest.approx(rules["vendor_max_ratio"], rel=0.05), (where, ratio)
            clear_space = rules["clear_space"] * partner_box["height"]
            if index == 0:  # side by side: exactly the clear space
                gap = vendor_box["left"] - partner_box["right"]
                assert gap == pytest.approx(clear_space, abs=1), (where, gap, clear_space)
                assert partner_box["height"] >= rules["min_logo_height_px"] - 0.5, where
            else:  # stacked, with the label between: at least the clear space
                assert vendor_box["top"] - partner_box["bottom"] >= clear_space - 1, where
    finally:
        context.close()


@pytest.mark.parametrize("partner", PARTNER_PARAMS)
def test_copy_button_puts_the_social_text_on_the_clipboard(browser: Any, site: str, partner: PartnerInfo) -> None:
    context = browser.new_context()
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
        page = context.new_page()
        trouble = Trouble()
        trouble.watch(page)
        page.goto(f"{site}/_hub/{partner.slug}/social.html", wait_until="load")
        trouble.settle(page)

        button = page.locator("button[data-copy]").first
        assert button.is_visible(), "the copy button stays hidden although the clipboard API exists"
        source = page.locator(f"#{button.get_attribute('data-copy')}")
        assert source.count() == 1
        expected = source.evaluate("el => el.textContent")
        assert expected.strip()

        page.evaluate("navigator.clipboard.writeText('-- nothing copied yet --')")
        button.click()
        deadline = time.monotonic() + 5
        copied = None
        while time.monotonic() < deadline:
            copied = page.evaluate("navigator.clipboard.readText()")
            if copied == expected:
                break
            time.sleep(0.05)
        assert copied == expected
        assert button.text_content().strip() == copied_label(partner)  # in the partner's language
        trouble.assert_none()
    finally:
        context.close()


@pytest.mark.parametrize("partner", PARTNER_PARAMS)
def test_axe_finds_no_serious_accessibility_problem(browser: Any, site: str, example_build: ExampleBuild,
                                                    axe_source: Path, partner: PartnerInfo) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        found = []
        for relative in partner_pages(example_build, partner, media=True):
            page.goto(f"{site}/{relative}", wait_until="load")
            page.add_script_tag(path=str(axe_source))
            violations = page.evaluate(
                """async () => {
                    const results = await axe.run(document, {resultTypes: ['violations']});
                    return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '),
                                                              summary: n.failureSummary || ''}))}));
                }""")
            for violation in violations:
                if violation["impact"] in {"serious", "critical"}:
                    nodes = "\n".join(f"      {node['target']}: " + " / ".join(node["summary"].split("\n"))
                                      for node in violation["nodes"])
                    found.append(f"  {relative}: [{violation['impact']}] {violation['id']}: {violation['help']}\n"
                                 f"{nodes}")
        assert found == [], f"axe-core violations for {partner.slug}:\n" + "\n".join(found)
    finally:
        context.close()


@pytest.mark.parametrize("partner", PARTNER_PARAMS)
def test_media_page_contacts_no_third_party_until_play(browser: Any, site: str, example_build: ExampleBuild,
                                                       partner: PartnerInfo) -> None:
    context = browser.new_context()
    requests: list[str] = []
    try:
        context.on("request", lambda request: requests.append(request.url))

        # Third parties are answered here, never over the network: the test must not depend on (or leak to) them.
        def third_party(route: Any) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>player</title>")

        context.route("**/*", third_party)
        page = context.new_page()
        trouble = Trouble()
        trouble.watch(page)
        page.goto(f"{site}/{partner.slug}/{built_page(example_build, partner, 'media')}", wait_until="networkidle")
        trouble.settle(page)
        trouble.assert_none()
        player = page.locator(".player[data-embed]")
        assert player.count() == 1
        embed = player.get_attribute("data-embed")
        assert urlsplit(embed).hostname not in {None, "127.0.0.1"}

        before = list(requests)
        assert before, "no request recorded"
        outside = [url for url in before if urlsplit(url).scheme in {"http", "https", "ws", "wss"}
                   and urlsplit(url).hostname != "127.0.0.1"]
        assert outside == [], f"third-party requests before play was clicked: {outside}"
        assert all(urlsplit(url).hostname == "127.0.0.1" for url in before if not url.startswith(("data:", "blob:")))

        with page.expect_request(lambda request: request.url == embed, timeout=10_000):
            page.locator(".player__start").click()
        assert page.locator(".player iframe").get_attribute("src") == embed
        assert any(urlsplit(url).hostname == urlsplit(embed).hostname for url in requests[len(before):])
    finally:
        context.close()


# --- cobrand serve, end to end -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DevServer, Path]]:
    base = tmp_path_factory.mktemp("browser-serve")
    project = copy_example(base)
    server = DevServer(project, host="127.0.0.1", port=0, out_dir=base / "out", pdfs=False, images=False,
                       environ=ENVIRON, debounce=0.3)
    server.start(timeout=180)
    try:
        state = server.state
        assert state is not None and state.ok, state
        yield server, project
    finally:
        server.stop()


def _wait_until_served(server: DevServer, marker: str, present: bool, timeout: float = 30) -> None:
    """Block until the last rebuild finished with (or without) ``marker``, so the next test starts clean."""
    path = server.out / SERVE_SLUG / SERVE_POST_PAGE
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = server.state
        if state is not None and state.ok and (marker in path.read_text(encoding="utf-8")) == present:
            return
        time.sleep(0.1)
    raise AssertionError("the dev server did not rebuild the restored project")


def test_serve_reloads_an_open_page_after_an_edit(browser: Any, dev_server: tuple[DevServer, Path]) -> None:
    server, project = dev_server
    source = project / SERVE_POST
    original = source.read_text(encoding="utf-8")
    marker = f"Live reload marker {uuid.uuid4().hex}"
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{server.url}{SERVE_SLUG}/{SERVE_POST_PAGE}", wait_until="load")
        assert page.locator("#cobrand-live-reload").count() == 1
        assert marker not in page.content()
        # Survives only until the page reloads: proves the browser reloaded, not just that the server rebuilt.
        page.evaluate("window.__cobrandTestSentinel = true")

        source.write_text(original.rstrip("\n") + f"\n\n{marker}.\n", encoding="utf-8")
        page.wait_for_function("text => document.body && document.body.innerText.includes(text)", arg=marker,
                               timeout=RELOAD_TIMEOUT_MS)
        assert page.evaluate("window.__cobrandTestSentinel === undefined"), "the page changed without reloading"
        assert page.locator(".prose p", has_text=marker).count() == 1
        assert page.locator("#cobrand-dev-overlay").count() == 0
    finally:
        context.close()
        source.write_text(original, encoding="utf-8")
        _wait_until_served(server, marker, present=False)


def test_serve_shows_a_broken_template_in_the_page_and_recovers(browser: Any,
                                                                 dev_server: tuple[DevServer, Path]) -> None:
    server, project = dev_server
    template = project / SERVE_TEMPLATE
    original = template.read_text(encoding="utf-8")
    broken_line = len(original.splitlines()) + 1
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{server.url}{SERVE_SLUG}/index.html", wait_until="load")
        assert SERVE_HEADLINE in page.locator("h1").first.inner_text()
        assert page.locator("#cobrand-dev-overlay").count() == 0

        template.write_text(original + "{% if %}\n", encoding="utf-8")
        try:
            page.wait_for_function("document.getElementById('cobrand-dev-overlay') !== null",
                                   timeout=RELOAD_TIMEOUT_MS)
            overlay = page.locator("#cobrand-dev-overlay")
            assert overlay.is_visible()
            text = overlay.inner_text()
            assert SERVE_TEMPLATE in text, text
            assert re.search(rf"{re.escape(SERVE_TEMPLATE)}:{broken_line}\b", text), text
            assert "{% if %}" in text  # the offending line, quoted
            assert page.locator("#cobrand-dev-overlay-title").inner_text().startswith("Build failed")
            # The last good page is still underneath.
            assert SERVE_HEADLINE in page.locator("main h1, .hero h1").first.inner_text()
        finally:
            template.write_text(original, encoding="utf-8")

        page.wait_for_function("document.getElementById('cobrand-dev-overlay') === null && document.body !== null",
                               timeout=RELOAD_TIMEOUT_MS)
        page.wait_for_load_state("load")
        assert page.locator("#cobrand-dev-overlay").count() == 0
        assert SERVE_HEADLINE in page.locator("h1").first.inner_text()
        assert page.locator(".masthead img.lockup__partner").is_visible()
        state = server.state
        assert state is not None and state.ok
    finally:
        context.close()
        if template.read_text(encoding="utf-8") != original:
            template.write_text(original, encoding="utf-8")
