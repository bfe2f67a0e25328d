"""Co-branded images made with Pillow: social post images and Open Graph cards.

Logos are rasterised once per renderer (SVG through cairosvg, which Pillow
cannot read), trimmed of empty margins, and placed by visual area rather
than height so wide wordmarks and square marks look equally weighty.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from ..models import Logo
from .brand import Palette

FONT_DIR = Path(__file__).resolve().parent.parent / "themes" / "default" / "fonts"
SOCIAL_SIZES = {"linkedin": (1200, 627), "x": (1600, 900), "facebook": (1080, 1080)}
OG_SIZE = (1200, 630)
LOCKUP_MIN_RATIO = 0.4
RASTER_HEIGHT = 600  # logos are rasterised once at this height, then scaled down
INK = (27, 31, 36)
MUTED = (79, 88, 99)


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def rasterise(logo: Logo) -> Image.Image:
    """The logo as RGBA pixels, trimmed to its visible content."""
    if logo.format == "svg":
        import cairosvg  # imported on first use: it is slow to import and only images need it

        scale = RASTER_HEIGHT / logo.height
        png = cairosvg.svg2png(bytestring=logo.path.read_bytes(), output_width=round(logo.width * scale),
                               output_height=RASTER_HEIGHT, unsafe=False)
        source = Image.open(io.BytesIO(png))
    else:
        source = Image.open(logo.path)
    return trim(source.convert("RGBA"))


def trim(image: Image.Image) -> Image.Image:
    """Crop transparent or white margins around a logo."""
    alpha = image.getchannel("A")
    box = alpha.point(lambda value: 255 if value > 8 else 0).getbbox()
    if box is None:
        return image
    image = image.crop(box)
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    difference = ImageChops.difference(image, white).convert("L").point(lambda v: 255 if v > 12 else 0)
    inner = difference.getbbox()
    return image.crop(inner) if inner else image


def fit_area(image: Image.Image, area: float, max_width: int, max_height: int) -> Image.Image:
    """Scale ``image`` to about ``area`` pixels² (its visual weight), within a box."""
    ratio = image.width / image.height
    height = math.sqrt(area / ratio)
    width = height * ratio
    shrink = min(1.0, max_width / width, max_height / height)
    size = (max(1, round(width * shrink)), max(1, round(height * shrink)))
    return image.resize(size, Image.Resampling.LANCZOS)


@dataclass(frozen=True)
class CardStyle:
    """What a co-branded card shows besides its title."""

    partner_name: str
    vendor_name: str
    partner: Palette
    vendor: Palette
    vendor_max_ratio: float = 0.6  # brand rule: vendor logo area / partner logo area
    clear_space: float = 0.5       # brand rule: gap between the logos, in partner-logo heights


class CardPainter:
    """Paints co-branded cards; logo rasters are made once per painter."""

    def __init__(self, partner_logo: Logo, vendor_logo: Logo, style: CardStyle) -> None:
        self.partner_logo = rasterise(partner_logo)
        self.vendor_logo = rasterise(vendor_logo)
        self.style = style
        self._fitted: dict[tuple[str, int, int], Image.Image] = {}

    def _fit(self, which: str, area: float, max_width: int, max_height: int) -> Image.Image:
        key = (which, round(area), max_width * 100000 + max_height)
        if key not in self._fitted:
            source = self.partner_logo if which == "partner" else self.vendor_logo
            self._fitted[key] = fit_area(source, area, max_width, max_height)
        return self._fitted[key]

    def _font(self, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
        name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
        return ImageFont.truetype(str(FONT_DIR / name), size)

    def card(self, size: tuple[int, int], title: str, eyebrow: str = "") -> bytes:
        """A PNG of ``size`` with both logos, the partner's colours and ``title``."""
        width, height = size
        unit = min(width, height)
        style = self.style
        canvas = Image.new("RGB", size, (255, 255, 255))
        draw = ImageDraw.Draw(canvas)
        band = round(unit * 0.035)
        draw.rectangle((0, 0, width, band), fill=_rgb(style.partner.primary))
        draw.rectangle((0, height - band // 2, width, height), fill=_rgb(style.vendor.primary))
        margin = round(unit * 0.08)

        # Lockup at the bottom, partner logo first and dominant.
        footer_height = round(unit * 0.24)
        footer_top = height - margin - footer_height
        # Equal visual area for any aspect ratio from 0.4 (tall) to 6 (wide): the area is what a 0.4 mark
        # gets at the full footer height, so no logo in that range is cut short by the box.
        partner = self._fit("partner", footer_height**2 * LOCKUP_MIN_RATIO, round(width * 0.4), footer_height)
        # Brand rule: the vendor logo never outweighs the partner's.
        vendor = self._fit("vendor", partner.width * partner.height * style.vendor_max_ratio, round(width * 0.3),
                           round(footer_height * 0.7))
        canvas.paste(partner, (margin, footer_top + (footer_height - partner.height) // 2), partner)
        vendor_x = width - margin - vendor.width
        vendor_y = footer_top + (footer_height - vendor.height) // 2
        canvas.paste(vendor, (vendor_x, vendor_y), vendor)
        small = self._font(max(12, round(unit * 0.024)))
        # The label sits above the vendor logo, right-aligned, so wide partner logos never run into it.
        draw.text((width - margin, vendor_y - round(unit * 0.012)), "in partnership with", font=small, fill=MUTED,
                  anchor="rs")
        draw.line((margin, footer_top - round(unit * 0.03), width - margin, footer_top - round(unit * 0.03)),
                  fill=(221, 226, 232), width=max(1, unit // 400))

        top = band + margin
        if eyebrow:
            eyebrow_font = self._font(max(12, round(unit * 0.03)), bold=True)
            draw.text((margin, top), eyebrow.upper(), font=eyebrow_font, fill=_rgb(style.partner.text))
            top += round(unit * 0.07)
        available = footer_top - round(unit * 0.06) - top
        self._title(draw, title, (margin, top), width - 2 * margin, available, unit)
        buffer = io.BytesIO()
        canvas.save(buffer, format="PNG", optimize=False, compress_level=3)
        return buffer.getvalue()

    def _title(self, draw: ImageDraw.ImageDraw, title: str, origin: tuple[int, int], max_width: int,
               max_height: int, unit: int) -> None:
        """Wrap the title, shrinking the font until it fits the space."""
        size = round(unit * 0.085)
        while True:
            font = self._font(size, bold=True)
            lines = _wrap(draw, title, font, max_width)
            line_height = round(size * 1.22)
            if len(lines) * line_height <= max_height or size <= 14:
                break
            size -= 2
        x, y = origin
        for line in lines[: max(1, max_height // line_height)]:
            draw.text((x, y), line, font=font, fill=INK)
            y += line_height


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= max_width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines
