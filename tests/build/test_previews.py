"""Pages show resized previews (WebP with a PNG fallback) of the social images and PDF thumbnails, each
<img> with its real width and height; the full-size images stay downloads.

Measured on the example before previews: the northbeam-it social page loaded 15 full-size PNGs,
1.4 MiB of images (kit/social/*.png).
"""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from PIL import Image, ImageChops, ImageStat

from support.example import PARTNERS

# Hub pages ("hub:") and public pages that show previews or thumbnails.
PAGES = ("hub:social.html", "hub:kit.html", "one-pagers/harborline-vault.html", "one-pagers/index.html")


class _Pictures(HTMLParser):
    """Every <img> of a page, with the <source>s of the <picture> around it."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, object]] = []
        self._sources: list[dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "picture":
            self._sources = []
        elif tag == "source" and self._sources is not None:
            self._sources.append(values)
        elif tag == "img":
            self.images.append({"attrs": values, "sources": list(self._sources or [])})

    def handle_endtag(self, tag: str) -> None:
        if tag == "picture":
            self._sources = None


def _images(page: Path) -> list[dict[str, object]]:
    parser = _Pictures()
    parser.feed(page.read_text("utf-8"))
    return parser.images


def _file(site: Path, page: Path, url: str) -> Path:
    relative = urljoin(page.relative_to(site).as_posix(), url)
    return site / relative


def _generated(attrs: dict[str, str | None]) -> bool:
    """Images cobrand makes: previews and thumbnails (logos have their own sized files, checked elsewhere)."""
    src = attrs.get("src") or ""
    return "static/previews/" in src or "static/thumbs/" in src


@pytest.mark.parametrize("partner", [partner.slug for partner in PARTNERS])
def test_previews_are_webp_with_a_png_fallback_of_the_size_the_img_says(example_build, partner: str) -> None:
    seen = 0
    for name in PAGES:
        site = (example_build.hub if name.startswith("hub:") else example_build.out) / partner
        page = site / name.removeprefix("hub:")
        if not page.is_file():
            continue
        for image in _images(page):
            attrs = image["attrs"]
            assert isinstance(attrs, dict)
            if not _generated(attrs):
                continue
            seen += 1
            where = f"{partner}/{name}: {attrs['src']}"
            width, height = int(attrs["width"]), int(attrs["height"])
            with Image.open(_file(site, page, attrs["src"])) as fallback:
                assert (fallback.format, fallback.size) == ("PNG", (width, height)), where
            sources = image["sources"]
            assert isinstance(sources, list) and len(sources) == 1, where
            assert sources[0].get("type") == "image/webp", where
            with Image.open(_file(site, page, sources[0]["srcset"])) as preview:
                assert (preview.format, preview.size) == ("WEBP", (width, height)), where
    assert seen, f"{partner}: no preview or thumbnail shown"


def test_social_page_shows_previews_not_the_full_size_images(example_build) -> None:
    site = example_build.hub / "northbeam-it"
    page = site / "social.html"
    images = [image for image in _images(page) if _generated(image["attrs"])]  # type: ignore[arg-type]
    assert len(images) == 15
    shown = 0
    for image in images:
        attrs = image["attrs"]
        webp = _file(site, page, image["sources"][0]["srcset"])  # type: ignore[index]
        full = site / "kit" / "social" / Path(attrs["src"]).name  # type: ignore[index,arg-type]
        assert full.is_file(), full  # the download the page links to
        assert f'href="kit/social/{full.name}" download' in page.read_text("utf-8")
        shown += webp.stat().st_size
        with Image.open(full) as original, Image.open(webp) as preview:
            assert preview.width <= 720 < original.width
            # The same picture: the full image scaled down differs from the preview only by compression.
            scaled = original.convert("RGB").resize(preview.size, Image.Resampling.LANCZOS)
            difference = ImageStat.Stat(ImageChops.difference(scaled, preview.convert("RGB"))).mean
            assert max(difference) < 6, (full.name, difference)
    full_size = sum(path.stat().st_size for path in (site / "kit" / "social").glob("*.png"))
    assert full_size > 1024 * 1024  # what the page loaded before
    assert shown < full_size / 4, (shown, full_size)


def test_thumbnails_keep_the_pages_shape(example_build) -> None:
    """A4 and US Letter thumbnails: the width and height the pages print are the page's proportions."""
    for partner in PARTNERS:
        page = example_build.hub / partner.slug / "kit.html"
        for image in _images(page):
            attrs = image["attrs"]
            if "static/thumbs/" not in (attrs.get("src") or ""):  # type: ignore[union-attr]
                continue
            ratio = int(attrs["height"]) / int(attrs["width"])  # type: ignore[index,arg-type]
            expected = 11 / 8.5 if partner.letter else 297 / 210
            assert abs(ratio - expected) < 0.005, (partner.slug, ratio)


def test_webp_previews_are_byte_identical_when_made_again(example_build) -> None:
    """The preview of an image made twice in this process equals the one the build wrote (the build's
    jobs=1 and jobs=2 outputs are compared whole in test_determinism)."""
    from cobrand.render.images import preview_png, preview_size, webp

    site = example_build.hub / "northbeam-it"
    for full in sorted((site / "kit" / "social").glob("*-x.png"))[:2]:
        data = full.read_bytes()
        with Image.open(io.BytesIO(data)) as original:
            size = preview_size(original.size)
        png = preview_png(data, size)
        assert png == (site / "static" / "previews" / full.name).read_bytes()
        written = (site / "static" / "previews" / full.name.replace(".png", ".webp")).read_bytes()
        assert webp(png) == webp(png) == written
