"""Logo files for the site: trimmed, sized 1x and 2x (WebP with PNG fallback), and favicons.

File names carry the logo's digest and size, so they change whenever the
image does and can be cached forever.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image

from ..models import Logo
from .images import rasterise

# The default theme shows the partner logo at about this area (CSS px²), by
# its aspect ratio, within these heights; see .lockup__partner in cobrand.css.
HEADER_AREA_HEIGHT = 46.4
HEADER_MIN_HEIGHT = 28
HEADER_MAX_HEIGHT = 58
FAVICON_SIZES = [(16, 16), (32, 32), (48, 48)]
TOUCH_ICON = 180


@dataclass(frozen=True)
class LogoFiles:
    """Site paths of a partner's generated logo files."""

    png_1x: str
    png_2x: str
    webp_1x: str
    webp_2x: str
    favicon: str
    touch_icon: str
    height: int


def header_height(logo: Logo, min_height: int = HEADER_MIN_HEIGHT) -> int:
    """CSS pixel height of the partner logo in the site header (area-balanced)."""
    ratio = logo.width / logo.height
    return round(min(HEADER_MAX_HEIGHT, max(min_height, HEADER_AREA_HEIGHT / math.sqrt(ratio))))


def logo_files(logo: Logo, min_height: int = HEADER_MIN_HEIGHT) -> LogoFiles:
    """The paths :func:`make_logo_file` makes for ``logo``."""
    height = header_height(logo, min_height)
    stem = f"static/logo/partner-{logo.digest[:10]}"
    return LogoFiles(f"{stem}-{height}h.png", f"{stem}-{height * 2}h.png", f"{stem}-{height}h.webp",
                     f"{stem}-{height * 2}h.webp", f"{stem}-favicon.ico", f"{stem}-touch-{TOUCH_ICON}.png", height)


def _encode(image: Image.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    if kind == "webp":
        image.save(buffer, format="WEBP", lossless=True, method=4)
    elif kind == "ico":
        image.save(buffer, format="ICO", sizes=FAVICON_SIZES)
    else:
        image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _square(image: Image.Image, size: int) -> Image.Image:
    """The logo centred on a transparent square, with a little padding."""
    inner = round(size * 0.9)
    scale = min(inner / image.width, inner / image.height)
    resized = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                           Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    canvas.paste(resized, ((size - resized.width) // 2, (size - resized.height) // 2), resized)
    return canvas


def make_logo_file(logo: Logo, path: str, files: LogoFiles) -> bytes:
    """Bytes of one of the files named in ``files``."""
    image = rasterise(logo)
    if path == files.favicon:
        return _encode(_square(image, 48), "ico")
    if path == files.touch_icon:
        return _encode(_square(image, TOUCH_ICON), "png")
    height = files.height * (2 if path in (files.png_2x, files.webp_2x) else 1)
    width = max(1, round(image.width * height / image.height))
    resized = image.resize((width, height), Image.Resampling.LANCZOS)
    return _encode(resized, "webp" if path.endswith(".webp") else "png")
