"""Logo files for the site: trimmed, sized 1x and 2x (WebP with PNG fallback), and favicons.

File names carry the logo's digest and size, so they change whenever the
image does and can be cached forever. Sizes come from the lockups
(brand/lockup.py), so the files are exactly as high as the masthead and
the home page's card show them.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image

from ..brand.lockup import HERO, MASTHEAD, logo_height, print_pixels
from ..brand.trim import rasterise, trimmed_file, trimmed_svg
from ..models import Logo
from .pdf import generated_url

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
    hero_height: int
    hero: str | None  # raster logos: a PNG for the home page's card, at twice the card's CSS height
    svg: str | None  # SVG logos: the logo trimmed to its visible box, still vector (masthead and card)

    @property
    def paths(self) -> tuple[str, ...]:
        """Every file to make, in a stable order."""
        optional = tuple(path for path in (self.hero, self.svg) if path)
        return (self.png_1x, self.png_2x, self.webp_1x, self.webp_2x, self.favicon, self.touch_icon, *optional)


def header_height(logo: Logo, min_height: float = MASTHEAD.min_height) -> int:
    """CSS pixel height of the partner logo in the site's masthead (area-balanced), rounded up."""
    return math.ceil(logo_height(logo, MASTHEAD, min_height))


def logo_files(logo: Logo, min_height: float = MASTHEAD.min_height) -> LogoFiles:
    """The paths :func:`make_logo_file` makes for ``logo``; ``min_height`` is the brand's minimum, in CSS px."""
    height = header_height(logo, min_height)
    hero = 2 * math.ceil(logo_height(logo, HERO, min_height))
    stem = f"static/logo/partner-{logo.digest[:10]}"
    vector = logo.format == "svg"
    return LogoFiles(f"{stem}-{height}h.png", f"{stem}-{height * 2}h.png", f"{stem}-{height}h.webp",
                     f"{stem}-{height * 2}h.webp", f"{stem}-favicon.ico", f"{stem}-touch-{TOUCH_ICON}.png", height,
                     hero, None if vector else f"{stem}-card-{hero}h.png", f"{stem}.svg" if vector else None)


def _encode(image: Image.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    if kind == "webp":
        image.save(buffer, format="WEBP", lossless=True, method=4)
    elif kind == "ico":
        image.save(buffer, format="ICO", sizes=FAVICON_SIZES)
    else:
        # zlib's default level, not optimize=True: 1.5% larger logos, made about 5 times faster.
        image.save(buffer, format="PNG", compress_level=6)
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
    if path == files.svg:
        return trimmed_svg(logo)
    image = rasterise(logo)
    if path == files.favicon:
        return _encode(_square(image, 48), "ico")
    if path == files.touch_icon:
        return _encode(_square(image, TOUCH_ICON), "png")
    if path == files.hero:
        height = files.hero_height
    else:
        height = files.height * (2 if path in (files.png_2x, files.webp_2x) else 1)
    width = max(1, round(image.width * height / image.height))
    resized = image.resize((width, height), Image.Resampling.LANCZOS)
    return _encode(resized, "webp" if path.endswith(".webp") else "png")


def print_logo_files(partner_logo: Logo, vendor_logo: Logo, printed: dict[str, float]
                     ) -> tuple[dict[str, str], dict[str, bytes]]:
    """Trimmed logos for a PDF whose header is ``printed`` (a :meth:`Lockup.view`, in mm).

    Returns the URLs the print template uses (``partner_logo``, ``vendor_logo``) and the files
    behind them, for :meth:`PdfRenderer.render`: SVG logos stay vector, raster logos become PNGs
    of at most the pixels 300 dpi needs at their printed height.
    """
    urls, files = {}, {}
    for key, logo, height in (("partner_logo", partner_logo, printed["partner_height"]),
                              ("vendor_logo", vendor_logo, printed["vendor_height"])):
        data, extension = trimmed_file(logo, print_pixels(height))
        name = f"{key}-{logo.digest[:16]}.{extension}"
        urls[key], files[name] = generated_url(name), data
    return urls, files
