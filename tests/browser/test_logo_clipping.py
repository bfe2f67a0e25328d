"""Logos are never clipped (issue 20): an SVG with live text is not trimmed by text measurement.

The first wave trimmed every SVG logo to the ink cairosvg drew, in the font
cairosvg picked. Chromium sets the same ``<text>`` in another font (here
fontconfig's Noto Sans for "Helvetica Neue" and Arial), wider, so the
example's vendor wordmark read "Harborlin". The test renders the real site
in headless Chromium and checks, for the partner and the vendor logo, that
no ink touches the edge of the logo's box on the page.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image, ImageChops

import cobrand
from support.example import ENVIRON, copy_example, playwright_or_skip
from support.http_server import local_http_server

SLUG = "kestrel-cloud"
# The example's vendor logo before its wordmark was outlined: live text in fonts each renderer resolves its own way.
LIVE_TEXT_LOGO = """<svg xmlns="http://www.w3.org/2000/svg" width="480" height="120" viewBox="0 0 480 120" role="img">
  <path d="M49 22 L60 13 L71 22 Z" fill="#0e3b5c"/>
  <rect x="51" y="22" width="18" height="14" rx="2" fill="#f2a541"/>
  <path d="M51 40 L69 40 L76 92 L44 92 Z" fill="#0e3b5c"/>
  <text x="124" y="76" font-family="'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif" font-size="50"
        font-weight="700" letter-spacing="0.5" fill="#0e3b5c">Harbor<tspan fill="#1f7a8c">line</tspan></text>
  <rect x="126" y="88" width="64" height="4" rx="2" fill="#f2a541"/>
</svg>
"""
INK = 40  # a channel this far from the background is ink


@pytest.fixture(scope="module")
def live_text_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, cobrand.BuildReport]]:
    """The example with a live-text partner logo and vendor logo, built with images and served over HTTP."""
    project = copy_example(tmp_path_factory.mktemp("live-text"))
    (project / "partners" / SLUG / "logo.svg").write_text(LIVE_TEXT_LOGO, encoding="utf-8")
    (project / "brand" / "harborline.svg").write_text(LIVE_TEXT_LOGO, encoding="utf-8")
    report = cobrand.build(project, out_dir=project / "build", partners=(SLUG,), jobs=1, pdfs=False, images=True,
                           environ=ENVIRON)
    assert report.ok, report.failures
    with local_http_server(project / "build") as server:
        yield f"{server.url}/{SLUG}/index.html", report


# Builds no more than the browser test below: it reads the warnings of the build that test opens.
def test_live_text_is_a_warning_naming_the_owner_and_the_font(live_text_site):
    _, report = live_text_site
    for file, field in ((f"partners/{SLUG}/partner.toml", "logo"), ("cobrand.toml", "vendor.logo")):
        found = [p for p in report.warnings if p.file == file and p.field == field and "live <text>" in p.message]
        assert found, [str(p) for p in report.warnings]
        assert "'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif" in found[0].message
        assert "outline" in found[0].message


def _edge_ink(screenshot: bytes, box: dict[str, float]) -> dict[str, int]:
    """Pixels of ink on each edge of ``box`` (CSS px, device scale 2), against the colour just outside it."""
    with Image.open(io.BytesIO(screenshot)) as page:
        page = page.convert("RGB")
    scale = 2
    left, top = round(box["x"] * scale), round(box["y"] * scale)
    right, bottom = round((box["x"] + box["width"]) * scale), round((box["y"] + box["height"]) * scale)
    background = page.getpixel((left - 3, (top + bottom) // 2))
    edges = {"left": (left, top, left + 1, bottom), "right": (right - 1, top, right, bottom),
             "top": (left, top, right, top + 1), "bottom": (left, bottom - 1, right, bottom)}
    counts = {}
    for name, edge in edges.items():
        strip = page.crop(edge)
        difference = ImageChops.difference(strip, Image.new("RGB", strip.size, background)).convert("L")
        counts[name] = sum(difference.histogram()[INK + 1:])
    return counts


@pytest.mark.parametrize("selector", ["img.lockup__partner", ".lockup__vendor img", "img.hero__partner",
                                      "img.hero__vendor"])
def test_live_text_logo_is_not_clipped_in_chromium(live_text_site, selector):
    sync_api = playwright_or_skip()

    url, _ = live_text_site
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=2)
            page.goto(url, wait_until="load")
            element = page.locator(selector).first
            element.scroll_into_view_if_needed()
            assert element.evaluate("image => image.complete && image.naturalWidth > 0")
            box = element.bounding_box()
            assert box and box["width"] > 20 and box["height"] > 8, box
            screenshot = page.screenshot()
        finally:
            browser.close()
    counts = _edge_ink(screenshot, box)
    assert counts == {"left": 0, "right": 0, "top": 0, "bottom": 0}, (selector, counts)
