"""Logos without their empty margins: visible boxes, trimmed SVGs and trimmed PNGs.

Partners send logos with white or transparent margins of every size. Sized
by their file's box, such logos would look smaller than they are and
unbalance every lockup, so sizes use the visible content's aspect ratio and
the site and PDFs show trimmed files:

* raster logos (PNG, JPEG, WebP) become PNGs cropped to their content
  (:func:`images.rasterise`);
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

from ..load.ink import nested_svg
from ..models import Logo
from .images import logo_bytes, rasterise

VENDOR_MAX_HEIGHT = 256  # a raster vendor logo on the site is at most this many pixels high (2x its largest use)


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
