"""Inspect logo files: real format from the bytes, size, and the bytes renderers may use.

Logos come from partners, so a file is trusted only after it has been opened
with Pillow (raster) or parsed safely and rebuilt from an allowlist (SVG,
see :mod:`svg_allowlist`). The :class:`Logo` carries the bytes every renderer
and the site use (``Logo.data``): for SVG the rebuilt document, never the
partner's file. The vendor's logo goes through the same path: it is trusted,
but one path means the site, the PDFs and the images draw the same document.
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..brand.ink import raster_pixels, raster_visible_box, svg_visible_box
from ..models import Logo

# The SVG allowlist (with lxml and tinycss2) is imported when an SVG is inspected: a rebuild whose saved
# state knows every logo inspects none.

MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_LOGO_PIXELS = 25_000_000
MAX_ASPECT = 40.0  # a logo wider (or taller) than this many times its height cannot be shown legibly anywhere
RASTER_FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
_LENGTH = re.compile(r"^\s*([+-]?[0-9.eE+-]+)\s*(px)?\s*$")
LIVE_TEXT_ADVICE = ("renderers pick different fonts for it, so it is shown untrimmed and may look different "
                    "on the site, in PDFs and in images; send the logo with its text converted to outlines (paths)")


class LogoError(ValueError):
    """The file is not a usable logo; the message says why."""


def confined_file(folder: Path, relative: str) -> Path:
    """Resolve ``relative`` inside ``folder``; refuse anything that leads outside it."""
    base = folder.resolve()
    try:
        target = (folder / relative).resolve()
        if not target.is_relative_to(base):
            raise LogoError(f"{relative[:80]!r} leads outside {folder.name}/")
        if not target.is_file():
            raise LogoError(f"file {relative[:80]!r} not found")
    except OSError as error:  # a name too long, a loop of links...
        raise LogoError(f"{relative[:80]!r} cannot be opened ({error.strerror or error})") from None
    return target


def inspect_logo(path: Path) -> Logo:
    """Open and check a logo; raise :class:`LogoError` with a reason if unusable.

    ``Logo.warnings`` lists what the SVG rebuild dropped and live text that should be outlined.
    """
    size = path.stat().st_size  # before reading: a huge file is refused without loading it
    if size > MAX_LOGO_BYTES:
        raise LogoError(f"is {size // 1024} KiB; logos may be at most {MAX_LOGO_BYTES // 1024 // 1024} MiB")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() == ".svg" or _looks_like_xml(data):
        return _svg(path, data, digest)
    return _raster(path, data, digest)


def _looks_like_xml(data: bytes) -> bool:
    start = data.lstrip()[:6]
    return start.startswith((b"<?xml", b"<svg", b"\xef\xbb\xbf<", b"\xff\xfe<\x00", b"\xfe\xff\x00<"))


def _svg(path: Path, data: bytes, digest: str) -> Logo:
    from .svg_allowlist import SvgError, sanitize_svg

    try:
        clean = sanitize_svg(data)
    except SvgError as error:
        raise LogoError(str(error)) from None
    width, height = _svg_size(clean.data)
    warnings = [f"dropped {what}: not on the SVG allowlist (see SECURITY.md)" for what in clean.dropped]
    if clean.has_live_text:
        fonts = sorted({font or "no font-family (the renderer's default)" for font in clean.text_fonts})
        warnings.append(f"has live <text> in font-family {'; '.join(fonts)}: {LIVE_TEXT_ADVICE}")
        # Text is measured differently by each renderer's fonts: never trim by it (issue 20).
        visible: tuple[float, float, float, float] | None = (0.0, 0.0, width, height)
    else:
        try:
            visible = svg_visible_box(clean.data, width, height)
        except Exception as error:  # cairosvg's errors have no common base class
            raise LogoError(f"cannot be drawn ({type(error).__name__}: {error})") from None
        if visible is None:
            raise LogoError("draws nothing: every part of it is transparent or white")
    assert visible is not None
    _check_shape(visible[2], visible[3], "its visible content")
    return Logo(path, "svg", width, height, digest, visible, clean.data, tuple(warnings))


def _check_shape(width: float, height: float, what: str) -> None:
    ratio = width / height
    if ratio > MAX_ASPECT or ratio < 1 / MAX_ASPECT:
        raise LogoError(f"{what} is {width:g} x {height:g}, a {max(ratio, 1 / ratio):.0f}:1 shape; logos may be "
                        f"at most {MAX_ASPECT:g} times as wide as high (or as high as wide)")


def _raster(path: Path, data: bytes, digest: str) -> Logo:
    try:
        # verify() checks the file's structure (PNG chunks and CRCs) whatever other libraries set
        # ImageFile.LOAD_TRUNCATED_IMAGES to; load() below then decodes every pixel.
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError):
        pass  # reported with the right message by the full open below
    except Exception as error:
        raise LogoError(f"is damaged or truncated ({error})") from None
    try:
        with Image.open(path) as image:
            kind = RASTER_FORMATS.get(image.format or "")
            if kind is None:
                raise LogoError(f"is a {image.format} image; use PNG, JPEG, WebP or SVG")
            width, height = image.size
            if width * height > MAX_LOGO_PIXELS:
                raise LogoError(f"is {width}x{height} pixels; at most {MAX_LOGO_PIXELS:,} pixels are allowed")
        shown = raster_pixels(data)  # as viewers show it: EXIF orientation, sRGB, 8 bits
    except Image.DecompressionBombError:
        raise LogoError(f"has too many pixels; at most {MAX_LOGO_PIXELS:,} are allowed") from None
    except UnidentifiedImageError:
        raise LogoError("is not an image (PNG, JPEG, WebP or SVG)") from None
    except (OSError, ValueError) as error:
        raise LogoError(f"is damaged or truncated ({error})") from None
    expected = {"png": {".png"}, "jpeg": {".jpg", ".jpeg"}, "webp": {".webp"}}[kind]
    if path.suffix.lower() not in expected:
        raise LogoError(f"is a {kind.upper()} file named {path.suffix!r}; rename it to match its format")
    visible = raster_visible_box(shown)
    if visible is None:
        raise LogoError("draws nothing: every pixel is transparent or white")
    _check_shape(visible[2], visible[3], "its visible content")
    return Logo(path, kind, float(shown.width), float(shown.height), digest, visible, data)  # type: ignore[arg-type]


def _svg_size(data: bytes) -> tuple[float, float]:
    """Width and height of a rebuilt SVG in its own units; refuses missing, infinite, negative and zero sizes."""
    from lxml import etree

    from .svg_allowlist import SVG_NS

    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    assert root.tag == f"{{{SVG_NS}}}svg"
    sizes: dict[str, float | None] = {}
    for attribute in ("width", "height"):
        value = root.get(attribute)
        sizes[attribute] = _length(value)
        if value is not None and not value.strip().endswith(("%", "em", "ex", "mm", "cm", "in", "pt", "pc")):
            if sizes[attribute] is None:
                raise LogoError(f"SVG {attribute} {value[:40]!r} is not a number")
            _check_positive(f"SVG {attribute}", sizes[attribute])  # type: ignore[arg-type]
    width, height = sizes["width"], sizes["height"]
    view_box = (root.get("viewBox") or "").split()
    if view_box:
        box = [float(part) for part in view_box] if len(view_box) == 4 else []
        if len(box) != 4 or not all(math.isfinite(number) for number in box):
            raise LogoError("SVG viewBox is not four finite numbers")
        _check_positive("SVG viewBox width", box[2])
        _check_positive("SVG viewBox height", box[3])
        box_width, box_height = box[2], box[3]
        if width and not height:
            height = width * box_height / box_width
        elif height and not width:
            width = height * box_width / box_height
        elif not width and not height:
            width, height = box_width, box_height
    if not width or not height:
        raise LogoError("SVG has no size: give it a viewBox (and optionally width and height)")
    if not (math.isfinite(width) and math.isfinite(height)) or width > 1e6 or height > 1e6:
        raise LogoError(f"SVG size {width:g} x {height:g} is too large; give it a viewBox of sensible numbers")
    _check_shape(width, height, "SVG width x height")
    return width, height


def _check_positive(what: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise LogoError(f"{what} is {value!r}; it must be a positive finite number")


def _length(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    if not match:
        return None
    try:
        return float(match.group(1))
    except ValueError:
        return None
