"""Logos without their empty margins: visible boxes, trimmed SVGs and trimmed PNGs.

Partners send logos with white or transparent margins of every size. Sized
by their file's box, such logos would look smaller than they are and
unbalance every lockup, so sizes use the visible content's aspect ratio and
the site and PDFs show trimmed files:

* raster logos (PNG, JPEG, WebP) become PNGs cropped to their content
  (:func:`images.rasterise`);
* SVG logos stay vector: the original document is nested, unchanged, in an
  outer ``<svg>`` whose viewBox is the visible box (measured on a
  rasterisation with cairosvg). Print stays sharp at any size and the
  partner's markup is not rewritten, only its root's size attributes.
"""

from __future__ import annotations

import functools
import io
import re

from PIL import Image, ImageChops

from ..models import Logo
from .images import rasterise

SVG_NS = "http://www.w3.org/2000/svg"
# Pixels of the rasterisation that measures an SVG's visible box (once per logo and process, on every build
# that renders the partner): a 4:1 wordmark is measured at 1000x250, a square mark at 500x500, so the box is
# within a pixel, 0.4% of a wordmark's height, at about 20 ms a logo.
MEASURE_PIXELS = 250_000
VENDOR_MAX_HEIGHT = 256  # a raster vendor logo on the site is at most this many pixels high (2x its largest use)
# The same thresholds as images.trim: faint alpha and near-white are margin, not ink.
ALPHA_INK = 8
WHITE_INK = 12

# An SVG document's prolog (declaration, comments, processing instructions) and root start tag.
_PROLOG = re.compile(r"\A(?:\s+|<\?xml.*?\?>|<!--.*?-->|<\?.*?\?>)*", re.S)
_START_TAG = re.compile(r"""<([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>""")
_ATTRIBUTE = re.compile(r"""\s+([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")
_ENCODING = re.compile(rb"""\A\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_SIZE_ATTRIBUTES = {"width", "height", "x", "y"}


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The box (left, top, right, bottom) of an RGBA image's visible content, or None if it has none."""
    alpha = image.getchannel("A").point(lambda value: 255 if value > ALPHA_INK else 0)
    outer = alpha.getbbox()
    if outer is None:
        return None
    crop = image.crop(outer)
    white = Image.new("RGBA", crop.size, (255, 255, 255, 255))
    difference = ImageChops.difference(crop, white).convert("L").point(lambda v: 255 if v > WHITE_INK else 0)
    inner = difference.getbbox()
    if inner is None:
        return outer
    return outer[0] + inner[0], outer[1] + inner[1], outer[0] + inner[2], outer[1] + inner[3]


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _decode(data: bytes) -> str | None:
    declared = _ENCODING.match(data)
    try:
        return data.decode(declared.group(1).decode("ascii") if declared else "utf-8").lstrip("\ufeff")
    except (LookupError, UnicodeDecodeError):
        return None


def _nested(logo: Logo, view_box: tuple[float, float, float, float]) -> bytes | None:
    """The logo's document inside an outer ``<svg>`` showing ``view_box`` of it, or None if it cannot be."""
    text = _decode(logo.path.read_bytes())
    if text is None:
        return None
    body = text[_PROLOG.match(text).end():]  # type: ignore[union-attr]  # the pattern matches the empty string
    start = _START_TAG.match(body)
    if start is None or start.group(1).rsplit(":", 1)[-1] != "svg" or start.group(3):
        return None
    # The root keeps everything but its size and position: it fills the logo's own box, in which
    # its viewBox and preserveAspectRatio place the drawing exactly as when it stands alone.
    kept = "".join(match.group(0) for match in _ATTRIBUTE.finditer(start.group(2))
                   if match.group(1) not in _SIZE_ATTRIBUTES)
    root = f'<{start.group(1)}{kept} width="{_number(logo.width)}" height="{_number(logo.height)}">'
    x, y, width, height = view_box
    outer = (f'<svg xmlns="{SVG_NS}" width="{_number(width)}" height="{_number(height)}" '
             f'viewBox="{_number(x)} {_number(y)} {_number(width)} {_number(height)}">')
    return (outer + root + body[start.end():].rstrip() + "</svg>\n").encode("utf-8")


@functools.lru_cache(maxsize=4096)
def svg_visible_box(logo: Logo) -> tuple[float, float, float, float]:
    """The visible part of an SVG logo as (x, y, width, height) in its own units (0 0 width height is all)."""
    whole = (0.0, 0.0, logo.width, logo.height)
    document = _nested(logo, whole)
    if document is None:
        return whole
    import cairosvg  # imported on first use: it is slow to import

    scale = (MEASURE_PIXELS / (logo.width * logo.height)) ** 0.5
    size = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    png = cairosvg.svg2png(bytestring=document, output_width=size[0], output_height=size[1], unsafe=False)
    with Image.open(io.BytesIO(png)) as image:
        box = ink_box(image.convert("RGBA"))
    if box is None:
        return whole
    # Pixel edges back to the logo's units, with the partly covered pixels inside the box.
    scale_x, scale_y = size[0] / logo.width, size[1] / logo.height
    left, top = box[0] / scale_x, box[1] / scale_y
    return left, top, box[2] / scale_x - left, box[3] / scale_y - top


@functools.lru_cache(maxsize=4096)
def trimmed_size(logo: Logo) -> tuple[float, float]:
    """Width and height of the logo's visible content: pixels for raster logos, the SVG's units for SVG."""
    if logo.format == "svg":
        _, _, width, height = svg_visible_box(logo)
        return width, height
    image = rasterise(logo)
    return float(image.width), float(image.height)


def trimmed_ratio(logo: Logo) -> float:
    """Width over height of the logo's visible content."""
    width, height = trimmed_size(logo)
    return width / height


def trimmed_svg(logo: Logo) -> bytes:
    """An SVG logo cropped to its visible content, still vector; the original bytes if it cannot be."""
    return _nested(logo, svg_visible_box(logo)) or logo.path.read_bytes()


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
