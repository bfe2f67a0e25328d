"""Inspect logo files: real format from the bytes, size, and SVG safety.

Logos come from partners, so a file is trusted only after it has been opened
with Pillow (raster) or parsed with defusedxml (SVG) and checked.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from PIL import Image, UnidentifiedImageError

from ..models import Logo
from .ink import raster_visible_box, svg_visible_box

MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_LOGO_PIXELS = 25_000_000
RASTER_FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
_LENGTH = re.compile(r"^\s*([0-9.]+)\s*(px)?\s*$")
_SVG_NS = "{http://www.w3.org/2000/svg}"
_FORBIDDEN_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "audio", "video"}


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
    """Open and check a logo; raise :class:`LogoError` with a reason if unusable."""
    size = path.stat().st_size  # before reading: a huge file is refused without loading it
    if size > MAX_LOGO_BYTES:
        raise LogoError(f"is {size // 1024} KiB; logos may be at most {MAX_LOGO_BYTES // 1024 // 1024} MiB")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() == ".svg" or data.lstrip()[:5] in (b"<?xml", b"<svg ") :
        width, height = _svg_size(data)
        try:
            visible = svg_visible_box(data, width, height)
        except Exception as error:  # cairosvg's errors have no common base class
            raise LogoError(f"cannot be drawn ({type(error).__name__}: {error})") from None
        return Logo(path, "svg", width, height, digest, visible)
    return _raster(path, data, digest)


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
            image.load()
            visible = raster_visible_box(image)
    except Image.DecompressionBombError:
        raise LogoError(f"has too many pixels; at most {MAX_LOGO_PIXELS:,} are allowed") from None
    except UnidentifiedImageError:
        raise LogoError("is not an image (PNG, JPEG, WebP or SVG)") from None
    except OSError as error:
        raise LogoError(f"is damaged or truncated ({error})") from None
    expected = {"png": {".png"}, "jpeg": {".jpg", ".jpeg"}, "webp": {".webp"}}[kind]
    if path.suffix.lower() not in expected:
        raise LogoError(f"is a {kind.upper()} file named {path.suffix!r}; rename it to match its format")
    return Logo(path, kind, float(width), float(height), digest, visible)  # type: ignore[arg-type]


_RAW_FORBIDDEN = re.compile(rb"<\?xml-stylesheet|<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_CSS_OUTSIDE = re.compile(r"@import|url\(\s*[^#\s)]|\\", re.IGNORECASE)
_ANIMATION = {"set", "animate", "animateTransform", "animateMotion"}


def _svg_size(data: bytes) -> tuple[float, float]:
    forbidden = _RAW_FORBIDDEN.search(data)
    if forbidden:
        found = forbidden.group(0).decode(errors="replace")
        raise LogoError(f"SVG contains {found}: DTDs, entities and stylesheet instructions are not allowed in a logo")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise LogoError("SVG declares entities or a DTD, which are not allowed") from None
    except SafeET.ParseError as error:
        raise LogoError(f"is not valid SVG ({error})") from None
    if root.tag not in {"svg", f"{_SVG_NS}svg"}:
        raise LogoError("is not an SVG image (root element is not <svg>)")
    for element in root.iter():
        name = str(element.tag).rsplit("}", 1)[-1]
        if name in _FORBIDDEN_ELEMENTS:
            raise LogoError(f"SVG contains <{name}>, which is not allowed in a logo")
        if name in _ANIMATION and "href" in (element.get("attributeName") or "").lower():
            raise LogoError(f"SVG <{name}> changes a link, which is not allowed in a logo")
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1]
            if local.lower().startswith("on"):
                raise LogoError(f"SVG has an event handler ({local}), which is not allowed")
            if local == "href" and not value.startswith("#"):
                raise LogoError(f"SVG refers to an outside resource ({value[:60]!r}); embed shapes instead")
            if _CSS_OUTSIDE.search(value):
                raise LogoError("SVG style refers to an outside resource or uses escapes; only url(#id) is allowed")
        if name == "style" and element.text and _CSS_OUTSIDE.search(element.text):
            raise LogoError("SVG <style> imports or links outside resources, or uses escapes")
    for attribute in ("width", "height"):
        size = root.get(attribute) or ""
        match = _LENGTH.match(size)
        if match and not _is_number(match.group(1)):
            raise LogoError(f"SVG {attribute} {size[:40]!r} is not a number")
    width, height = _length(root.get("width")), _length(root.get("height"))
    view_box = (root.get("viewBox") or "").replace(",", " ").split()
    if not all(_is_number(part) for part in view_box):
        raise LogoError("SVG viewBox is not four numbers")
    if len(view_box) == 4:
        try:
            box_width, box_height = float(view_box[2]), float(view_box[3])
        except ValueError:
            raise LogoError("SVG viewBox is not four numbers") from None
        if box_width > 0 and box_height > 0:
            if width and not height:
                height = width * box_height / box_width
            elif height and not width:
                width = height * box_width / box_height
            elif not width and not height:
                width, height = box_width, box_height
    if not width or not height:
        raise LogoError("SVG has no size: give it a viewBox (and optionally width and height)")
    return width, height


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _length(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    return float(match.group(1)) if match and _is_number(match.group(1)) else None
