"""Logos without their empty margins: visible boxes, trimmed SVGs and trimmed PNGs.

Partners send logos with white or transparent margins of every size. Sized
by their file's box, such logos would look smaller than they are and
unbalance every lockup, so sizes use the visible content's aspect ratio and
the site and PDFs show trimmed files:

* raster logos (PNG, JPEG, WebP) become PNGs cropped to their content
  (:func:`rasterise`);
* SVG logos stay vector: the document rebuilt from the allowlist at load
  (``Logo.data``, never the partner's file) is nested in an outer ``<svg>``
  whose viewBox is the visible box (measured on a rasterisation with
  cairosvg; an SVG with live text is not trimmed, because each renderer
  measures text in its own fonts). Print stays sharp at any size.
"""

from __future__ import annotations

import functools
import io

from PIL import Image

from ..models import Logo
from .ink import draw_svg, ink_box, nested_svg, raster_pixels

VENDOR_MAX_HEIGHT = 256  # a raster vendor logo on the site is at most this many pixels high (2x its largest use)
RASTER_HEIGHT = 600  # logos are rasterised once at this height, then scaled down


def logo_bytes(logo: Logo) -> bytes:
    """The bytes renderers may use for ``logo``: checked at load (SVG rebuilt), never re-read from its path."""
    if not logo.data:
        raise ValueError(f"{logo.path.name} was not loaded through load.logos.inspect_logo; refusing its file")
    return logo.data


@functools.lru_cache(maxsize=4)  # the vendor's logo is on every partner's cards: drawn once per process
def rasterise(logo: Logo) -> Image.Image:
    """The logo as RGBA pixels, trimmed to its visible content (shared: never draw on the result)."""
    if logo.format == "svg":
        scale = RASTER_HEIGHT / logo.height
        source = draw_svg(logo_bytes(logo), round(logo.width * scale), RASTER_HEIGHT)
    else:
        source = raster_pixels(logo_bytes(logo))  # oriented, sRGB, 8-bit: as viewers show it
    return trim(source.convert("RGBA"))


def trim(image: Image.Image) -> Image.Image:
    """Crop transparent or white margins around a logo."""
    box = ink_box(image)
    return image.crop(box) if box else image


def trimmed_size(logo: Logo) -> tuple[float, float]:
    """Width and height of the logo's visible content: pixels for raster logos, the SVG's units for SVG."""
    _, _, width, height = logo.visible_box
    return width, height


def trimmed_ratio(logo: Logo) -> float:
    """Width over height of the logo's visible content."""
    width, height = trimmed_size(logo)
    return width / height


def trimmed_svg(logo: Logo) -> bytes:
    """An SVG logo cropped to its visible content, still vector; the original bytes if it cannot be."""
    data = logo_bytes(logo)
    return nested_svg(data, logo.width, logo.height, logo.visible_box) or data


def trimmed_png(logo: Logo, max_height: int | None = None) -> bytes:
    """A raster logo cropped to its content as PNG, scaled down (never up) to ``max_height`` pixels."""
    image = rasterise(logo)
    if max_height is not None and image.height > max_height:
        width = max(1, round(image.width * max_height / image.height))
        image = image.resize((width, max_height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@functools.lru_cache(maxsize=16)  # a partner's PDFs all embed the same logos
def trimmed_file(logo: Logo, max_height: int | None = None) -> tuple[bytes, str]:
    """The trimmed logo's bytes and extension: vector for SVG, PNG (at most ``max_height`` high) otherwise."""
    if logo.format == "svg":
        return trimmed_svg(logo), "svg"
    return trimmed_png(logo, max_height), "png"


def vendor_logo_path(logo: Logo) -> str:
    """Site path of the trimmed vendor logo; named by digest so it can be cached forever."""
    return f"static/logo/vendor-{logo.digest[:10]}.{'svg' if logo.format == 'svg' else 'png'}"


def vendor_logo_bytes(logo: Logo) -> bytes:
    """The trimmed vendor logo the site shows at :func:`vendor_logo_path`."""
    return trimmed_file(logo, VENDOR_MAX_HEIGHT)[0]
