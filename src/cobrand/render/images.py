"""Co-branded images made with Pillow: social post images and Open Graph cards.

Logos are rasterised once per process (SVG through cairosvg, which Pillow
cannot read), trimmed of empty margins, and placed by visual area rather
than height so wide wordmarks and square marks look equally weighty.

Text is set in the bundled DejaVu Sans (Latin, Greek, Cyrillic, Arabic,
Hebrew), or in Noto Sans CJK when it holds Chinese, Japanese or Korean
characters (a system font: ``scripts/setup`` installs ``fonts-noto-cjk``).
With libraqm, Pillow shapes Arabic and lays out right-to-left text; cards
of right-to-left partners are mirrored, partner logo and text on the right.
"""

from __future__ import annotations

import functools
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from ..brand.palette import Palette
from ..brand.trim import rasterise
from ..models import Logo
from ..networks import NETWORKS

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

FONT_DIR = Path(__file__).resolve().parent.parent / "themes" / "default" / "fonts"
# Noto Sans CJK where Debian/Ubuntu (fonts-noto-cjk), Fedora and Arch install it; index 0 is the Japanese face.
CJK_FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/google-noto-cjk"),
                 Path("/usr/share/fonts/noto-cjk"))
# Compiled when a text is first set, not when the module loads: a class of these ranges costs Python's regex
# compiler about as much as rendering a page, and a build that makes no image sets no text.
_CJK_RANGES = ("[\u1100-\u11ff\u2e80-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\ufe30-\ufe4f"
               "\uff00-\uffef\U00020000-\U0003ffff]")


@functools.cache
def _cjk() -> re.Pattern[str]:
    return re.compile(_CJK_RANGES)


SOCIAL_SIZES = {network.name: network.image_size for network in NETWORKS}  # a post's image per network
OG_SIZE = (1200, 630)
LOCKUP_MIN_RATIO = 0.4
INK = (27, 31, 36)
MUTED = (79, 88, 99)


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def fit_area(image: Image.Image, area: float, max_width: int, max_height: int) -> Image.Image:
    """Scale ``image`` to about ``area`` pixels² (its visual weight), within a box."""
    ratio = image.width / image.height
    height = math.sqrt(area / ratio)
    width = height * ratio
    shrink = min(1.0, max_width / width, max_height / height)
    size = (max(1, round(width * shrink)), max(1, round(height * shrink)))
    return image.resize(size, Image.Resampling.LANCZOS)


def font_file(text: str, bold: bool = False) -> Path:
    """The font that can set ``text``: Noto Sans CJK for Chinese, Japanese and Korean, else DejaVu Sans."""
    if _cjk().search(text):
        name = "NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc"
        for folder in CJK_FONT_DIRS:
            if (folder / name).is_file():
                return folder / name
    return FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")


@functools.cache
def raqm() -> bool:
    """Whether Pillow has libraqm here, which shapes Arabic and orders right-to-left text (without it Pillow
    draws letters unjoined, left to right).

    Asked (and Pillow's drawing and font modules imported) when a card is painted: every build imports this
    module, a rebuild with nothing to do paints none.
    """
    from PIL import features

    return bool(features.check_feature("raqm"))


def fonts_key() -> str:
    """Which fonts cards are set in on this machine, for cache keys: installing Noto CJK changes cards."""
    kana = "\u3042"  # any CJK character
    return f"{font_file(kana)},{font_file(kana, bold=True)},raqm={raqm()}"


def direction_of(text: str) -> str:
    """``rtl`` when the first letter with a direction is Arabic or Hebrew (Unicode's rule P2), else ``ltr``."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in {"R", "AL"}:
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


@functools.lru_cache(maxsize=8)
def cover(data: bytes, size: tuple[int, int]) -> Image.Image:
    """``data`` (an image file) scaled and cropped around its centre to fill ``size``, as RGB.

    Memoised: every partner's cards of a post crop the same picture to the same
    sizes. Callers must not draw on the result (paste it into a copy).
    """
    from PIL import ImageOps  # Pillow's modules but Image where used: see raqm

    with Image.open(io.BytesIO(data)) as source:
        side = max(size)
        source.draft("RGB", (side, side))  # a large JPEG decodes at a reduced scale that still covers the card
        picture = ImageOps.exif_transpose(source)
        if picture.mode in {"RGBA", "LA", "PA"} or (picture.mode == "P" and "transparency" in picture.info):
            flat = Image.new("RGB", picture.size, (255, 255, 255))  # transparent parts show white, as on the page
            flat.paste(picture.convert("RGBA"), mask=picture.convert("RGBA").getchannel("A"))
            picture = flat
        return ImageOps.fit(picture.convert("RGB"), size, Image.Resampling.LANCZOS, centering=(0.5, 0.5))


@dataclass(frozen=True)
class CardStyle:
    """What a co-branded card shows besides its title, in the partner's language."""

    partner_name: str
    vendor_name: str
    partner: Palette
    vendor: Palette
    vendor_max_ratio: float = 0.6  # brand rule: vendor logo area / partner logo area
    clear_space: float = 0.5       # brand rule: gap between the logos, in partner-logo heights
    partnership: str = "in partnership with"  # the label over the vendor logo, translated
    direction: str = "ltr"         # the partner's reading direction: "rtl" mirrors the card


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

    def _font(self, size: int, text: str, bold: bool = False) -> ImageFont.FreeTypeFont:
        return _load_font(font_file(text, bold), size)

    def _text(self, draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, font: ImageFont.FreeTypeFont,
              fill: tuple[int, int, int], anchor: str) -> None:
        """Draw ``text``, shaped and ordered by its own direction when libraqm is there."""
        draw.text(xy, text, font=font, fill=fill, anchor=anchor, direction=direction_of(text) if raqm() else None)

    def card(self, size: tuple[int, int], title: str, eyebrow: str = "", background: bytes | None = None) -> bytes:
        """A PNG of ``size`` with both logos, the partner's colours and ``title``.

        With ``background`` (the bytes of a picture), the picture fills the card,
        cropped around its centre, and the lockup sits on a white band at its foot;
        the picture carries the message, so no title is painted over it.
        """
        if background is not None:
            return self._picture_card(size, background)
        width, height = size
        unit = min(width, height)
        style = self.style
        rtl = style.direction == "rtl"
        canvas = Image.new("RGB", size, (255, 255, 255))
        draw = _draw(canvas)
        band = round(unit * 0.035)
        draw.rectangle((0, 0, width, band), fill=_rgb(style.partner.primary))
        draw.rectangle((0, height - band // 2, width, height), fill=_rgb(style.vendor.primary))
        margin = round(unit * 0.08)

        # Lockup at the bottom, partner logo first and dominant.
        footer_height = round(unit * 0.24)
        footer_top = height - margin - footer_height
        self._lockup(canvas, draw, footer_top, footer_height, margin)
        draw.line((margin, footer_top - round(unit * 0.03), width - margin, footer_top - round(unit * 0.03)),
                  fill=(221, 226, 232), width=max(1, unit // 400))

        top = band + margin
        start = width - margin if rtl else margin  # text starts at the reading side
        if eyebrow:
            label = eyebrow.upper()
            eyebrow_font = self._font(max(12, round(unit * 0.03)), label, bold=True)
            self._text(draw, (start, top), label, eyebrow_font, _rgb(style.partner.text), "ra" if rtl else "la")
            top += round(unit * 0.07)
        available = footer_top - round(unit * 0.06) - top
        self._title(draw, title, (start, top), width - 2 * margin, available, unit)
        return _png(canvas)

    def _picture_card(self, size: tuple[int, int], background: bytes) -> bytes:
        """The picture, cover-cropped, with the partner+vendor lockup on a white band over its foot."""
        width, height = size
        unit = min(width, height)
        style = self.style
        canvas = cover(background, size).copy()
        draw = _draw(canvas)
        margin = round(unit * 0.06)
        padding = round(unit * 0.035)
        footer_height = round(unit * 0.2)
        band_top = height - footer_height - 2 * padding
        # White behind the logos: they are drawn for white pages, and stay readable on any picture.
        draw.rectangle((0, band_top, width, height), fill=(255, 255, 255))
        draw.rectangle((0, band_top, width, band_top + round(unit * 0.012)), fill=_rgb(style.partner.primary))
        draw.rectangle((0, height - round(unit * 0.0175), width, height), fill=_rgb(style.vendor.primary))
        self._lockup(canvas, draw, band_top + padding, footer_height, margin)
        return _png(canvas)

    def _lockup(self, canvas: Image.Image, draw: ImageDraw.ImageDraw, footer_top: int, footer_height: int,
                margin: int) -> None:
        """Partner logo at the reading side, dominant; the vendor logo at the other, under the partnership label."""
        width, height = canvas.size
        unit = min(width, height)
        style = self.style
        rtl = style.direction == "rtl"
        # Equal visual area for any aspect ratio from 0.4 (tall) to 6 (wide): the area is what a 0.4 mark
        # gets at the full footer height, so no logo in that range is cut short by the box.
        partner = self._fit("partner", footer_height**2 * LOCKUP_MIN_RATIO, round(width * 0.4), footer_height)
        # Brand rule: the vendor logo never outweighs the partner's.
        vendor = self._fit("vendor", partner.width * partner.height * style.vendor_max_ratio, round(width * 0.3),
                           round(footer_height * 0.7))
        partner_x = width - margin - partner.width if rtl else margin
        canvas.paste(partner, (partner_x, footer_top + (footer_height - partner.height) // 2), partner)
        vendor_x = margin if rtl else width - margin - vendor.width
        vendor_y = footer_top + (footer_height - vendor.height) // 2
        canvas.paste(vendor, (vendor_x, vendor_y), vendor)
        label = style.partnership
        small = self._font(max(12, round(unit * 0.024)), label)
        # The label sits above the vendor logo, aligned with the card's edge, so wide partner logos never run
        # into it.
        edge = margin if rtl else width - margin
        self._text(draw, (edge, vendor_y - round(unit * 0.012)), label, small, MUTED, "ls" if rtl else "rs")

    def _title(self, draw: ImageDraw.ImageDraw, title: str, origin: tuple[int, int], max_width: int,
               max_height: int, unit: int) -> None:
        """Wrap the title, shrinking the font until it fits the space."""
        size = round(unit * 0.085)
        direction = direction_of(title) if raqm() else None
        while True:
            font = self._font(size, title, bold=True)
            lines = _wrap(draw, title, font, max_width, direction)
            line_height = round(size * 1.22)
            if len(lines) * line_height <= max_height or size <= 14:
                break
            size -= 2
        x, y = origin
        anchor = "ra" if self.style.direction == "rtl" else "la"
        for line in lines[: max(1, max_height // line_height)]:
            self._text(draw, (x, y), line, font, INK, anchor)
            y += line_height


def _draw(canvas: Image.Image) -> ImageDraw.ImageDraw:
    from PIL import ImageDraw  # with the first card painted: see raqm

    return ImageDraw.Draw(canvas)


@functools.lru_cache(maxsize=64)
def _load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """A font at a size; loading Noto CJK (a 20 MB collection) for every line of text would be slow."""
    from PIL import ImageFont

    layout = ImageFont.Layout.RAQM if raqm() else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, index=0, layout_engine=layout)


# Previews: what pages show of an image whose full size is for download (social images, PDF thumbnails).
PREVIEW_WIDTH = 720  # a third of a 74rem page at 2x, or a phone's full width at ~1.75x
WEBP_QUALITY = 80
# libwebp's default effort (cwebp's too): 6, its slowest, took 1.6-2.2x the time for 1-2.5% smaller files on the
# example's previews, thumbnails and logos. The output depends only on pixels and these settings.
WEBP_METHOD = 4


def preview_size(size: tuple[int, int], width: int = PREVIEW_WIDTH) -> tuple[int, int]:
    """The size of the preview of an image of ``size``: ``width`` wide (never wider than the image), same shape."""
    full_width, full_height = size
    if full_width <= width:
        return size
    return width, max(1, round(full_height * width / full_width))


def preview_png(image: bytes, size: tuple[int, int]) -> bytes:
    """``image`` (an image file) resized to ``size`` with Lanczos, as a PNG (the fallback of the WebP)."""
    with Image.open(io.BytesIO(image)) as source:
        picture = source.convert("RGB")
    if picture.size != size:
        picture = picture.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=6)  # optimize=True: 2% smaller, 4 times slower
    return buffer.getvalue()


def webp(image: bytes) -> bytes:
    """``image`` (an image file) as a lossy WebP of the same size, byte-identical for the same pixels."""
    with Image.open(io.BytesIO(image)) as source:
        picture = source.convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD, exif=b"", icc_profile=None)
    return buffer.getvalue()


def _png(canvas: Image.Image) -> bytes:
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=False, compress_level=3)
    return buffer.getvalue()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, max_width: int,
          direction: str | None = None) -> list[str]:
    """Lines of ``text`` that fit ``max_width``: broken at spaces, and between characters in a word too
    long for a line (Japanese and Chinese put no spaces between words)."""

    def fits(candidate: str) -> bool:
        return draw.textlength(candidate, font=font, direction=direction) <= max_width

    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:  # only a word wider than a whole line gets here
            if current and not fits(current + char):
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    return lines
