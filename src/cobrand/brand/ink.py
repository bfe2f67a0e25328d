"""Where a logo's ink is: the visible box that trimming keeps, measured once when the logo is loaded.

Partners send logos with white or transparent margins of every size; every
lockup sizes logos by their visible content. Measuring an SVG means drawing
it (cairosvg), so it happens at load, where the build's saved state keeps the result
for as long as the logo's bytes do not change.
"""

from __future__ import annotations

import io
import re
import sys

from PIL import Image

Box = tuple[float, float, float, float]  # x, y, width, height

SVG_NS = "http://www.w3.org/2000/svg"
# Pixels of the rasterisation that measures an SVG's visible box (once per logo, when it is loaded; the build's
# saved state keeps the result): a 4:1 wordmark is measured at 1000x250, a square mark at 500x500, so the box is
# within a pixel, 0.4% of a wordmark's height, at about 20 ms a logo.
MEASURE_PIXELS = 250_000
# The same thresholds as trim.trim: faint alpha and near-white are margin, not ink.
ALPHA_INK = 8
WHITE_INK = 12

# An SVG document's prolog (declaration, comments, processing instructions) and root start tag.
_PROLOG = re.compile(r"\A(?:\s+|<\?xml.*?\?>|<!--.*?-->|<\?.*?\?>)*", re.S)
_START_TAG = re.compile(r"""<([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>""")
_ATTRIBUTE = re.compile(r"""\s+([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")
_ENCODING = re.compile(rb"""\A\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_SIZE_ATTRIBUTES = {"width", "height", "x", "y"}


# Image.point's tables: given a function, it calls it for each of the 256 levels, on every logo.
_ALPHA_MASK = [255 if level > ALPHA_INK else 0 for level in range(256)]
_WHITE_MASK = [255 if level > WHITE_INK else 0 for level in range(256)]


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The box (left, top, right, bottom) of an RGBA image's visible content, or None if it has none."""
    from PIL import ImageChops  # Pillow's modules but Image are imported where used: a no-op measures no logo

    alpha = image.getchannel("A").point(_ALPHA_MASK)
    outer = alpha.getbbox()
    if outer is None:
        return None
    crop = image.crop(outer)
    white = Image.new("RGBA", crop.size, (255, 255, 255, 255))
    difference = ImageChops.difference(crop, white).convert("L").point(_WHITE_MASK)
    inner = difference.getbbox()
    if inner is None:
        return outer
    return outer[0] + inner[0], outer[1] + inner[1], outer[0] + inner[2], outer[1] + inner[3]


def draws_nothing(image: Image.Image) -> bool:
    """True when an RGBA image shows nothing on a white page: all transparent, or opaque white everywhere.

    A white mark on a transparent background is not "nothing" (it is meant for dark backgrounds).
    """
    from PIL import ImageChops

    alpha = image.getchannel("A")
    if alpha.point(_ALPHA_MASK).getbbox() is None:
        return True
    opaque_everywhere = alpha.getextrema()[0] > ALPHA_INK  # type: ignore[operator]
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return opaque_everywhere and ImageChops.difference(image, white).convert("L").point(_WHITE_MASK).getbbox() is None


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _decode(data: bytes) -> str | None:
    declared = _ENCODING.match(data)
    try:
        return data.decode(declared.group(1).decode("ascii") if declared else "utf-8").lstrip("\ufeff")
    except (LookupError, UnicodeDecodeError):
        return None


def nested_svg(data: bytes, width: float, height: float, view_box: Box) -> bytes | None:
    """An SVG document (``width`` x ``height``) inside an outer ``<svg>`` showing ``view_box`` of it.

    None if the document cannot be nested (not UTF-8 or its declared encoding, no ``<svg>`` root).
    """
    text = _decode(data)
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
    root = f'<{start.group(1)}{kept} width="{_number(width)}" height="{_number(height)}">'
    x, y, shown_width, shown_height = view_box
    outer = (f'<svg xmlns="{SVG_NS}" width="{_number(shown_width)}" height="{_number(shown_height)}" '
             f'viewBox="{_number(x)} {_number(y)} {_number(shown_width)} {_number(shown_height)}">')
    return (outer + root + body[start.end():].rstrip() + "</svg>\n").encode("utf-8")


class FetchRefused(ValueError):
    """A drawing asked for a file or URL; logos drawn here are self-contained, so nothing is served."""


def refuse_fetch(url: str, resource_type: str) -> bytes:
    """cairosvg's url fetcher for logos: sanitised SVG has no outside reference, so every fetch is refused."""
    raise FetchRefused(f"refused to fetch {url[:80]!r} ({resource_type}): logos may not load other files")


def raster_pixels(data: bytes) -> Image.Image:
    """A raster logo as viewers show it, as 8-bit RGBA sRGB pixels.

    EXIF orientation is applied, 16-bit and 32-bit greyscale are scaled to 8 bits, and an embedded
    ICC profile is converted to sRGB (with LittleCMS through ImageCms), as browsers do.
    """
    from PIL import ImageOps

    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        image = ImageOps.exif_transpose(opened)
    profile = image.info.get("icc_profile")
    if image.mode in {"I;16", "I;16B", "I;16L", "I;16N", "I"}:
        image = image.convert("I").point(lambda level: level * (1 / 256)).convert("L")
    elif image.mode == "F":
        image = image.point(lambda level: level * 255).convert("L")
    alpha = None
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        alpha = image.convert("RGBA").getchannel("A")
    if image.mode in {"P", "PA", "1"}:
        image = image.convert("RGBA")
    colour = image.convert({"LA": "L", "RGBA": "RGB", "RGBa": "RGB"}.get(image.mode, image.mode))
    if profile and colour.mode in {"RGB", "L", "CMYK"}:
        from PIL import ImageCms  # LittleCMS, for the few logos with a profile (a rebuild inspects none)

        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(colour, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError) as error:
            raise ValueError(f"has an unreadable ICC colour profile ({error})") from None
        if converted is not None:
            colour = converted
    result = colour.convert("RGBA")
    if alpha is not None:
        result.putalpha(alpha)
    return result


def draw_svg(data: bytes, width: int, height: int) -> Image.Image:
    """An SVG document drawn at ``width`` x ``height`` pixels, as RGBA (external files are never fetched).

    cairosvg draws onto a cairo surface whose pixels Pillow reads directly: going through PNG
    bytes, as ``svg2png`` does, spent most of the time compressing and decompressing them.
    """
    from cairosvg.parser import Tree  # imported on first use: cairosvg is slow to import
    from cairosvg.surface import PNGSurface

    tree = Tree(bytestring=data, unsafe=False, url_fetcher=refuse_fetch)
    surface = PNGSurface(tree, None, 96, output_width=width, output_height=height)
    pixels = surface.cairo
    pixels.flush()
    if sys.byteorder != "little":  # Pillow reads cairo's premultiplied native-order pixels on little-endian only
        png = io.BytesIO()
        pixels.write_to_png(png)
        return Image.open(png).convert("RGBA")
    # Premultiplied ARGB words, which little-endian memory holds as B, G, R, A.
    return Image.frombuffer("RGBA", (pixels.get_width(), pixels.get_height()), bytes(pixels.get_data()),
                            "raw", "BGRa", pixels.get_stride(), 1)


def svg_visible_box(data: bytes, width: float, height: float) -> Box | None:
    """The visible part of an SVG logo as (x, y, width, height) in its own units (0 0 width height is all).

    None when it draws nothing (every pixel transparent or white).
    """
    whole = (0.0, 0.0, width, height)
    document = nested_svg(data, width, height, whole)
    if document is None:
        return whole
    scale = (MEASURE_PIXELS / (width * height)) ** 0.5
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    drawn = draw_svg(document, *size)
    box = ink_box(drawn)
    if box is None or draws_nothing(drawn):
        return None
    # Pixel edges back to the logo's units, with the partly covered pixels inside the box.
    scale_x, scale_y = size[0] / width, size[1] / height
    left, top = box[0] / scale_x, box[1] / scale_y
    return left, top, box[2] / scale_x - left, box[3] / scale_y - top


def raster_visible_box(image: Image.Image) -> Box | None:
    """The visible part of a decoded raster logo as (x, y, width, height) in pixels; None if it shows nothing."""
    # convert() copies even an RGBA image, and ink_box only reads the one it is given.
    rgba = image if image.mode == "RGBA" else image.convert("RGBA")
    box = ink_box(rgba)
    if box is None or draws_nothing(rgba):
        return None
    return float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])
