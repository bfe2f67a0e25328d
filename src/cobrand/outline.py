"""Text as outlines: SVG path data for a line of text in the bundled DejaVu Sans, via fontTools.

Generated logos (``cobrand new``) draw their letters as paths so that every
renderer shows the same shapes and the logo can be trimmed by geometry
(issue 20): live ``<text>`` is set in whatever font each renderer finds.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

FONT_DIR = Path(__file__).resolve().parent / "themes" / "default" / "fonts"


@functools.lru_cache(maxsize=2)
def _font(bold: bool) -> Any:
    from fontTools.ttLib import TTFont  # a WeasyPrint dependency; imported when a logo is made

    return TTFont(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"))


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def text_path(text: str, x: float, baseline: float, size: float, *, bold: bool = False,
              anchor: str = "start") -> tuple[str, float] | None:
    """Path data drawing ``text`` at ``size`` with its baseline at ``baseline``, and the x where the text ends.

    None if the font lacks a letter.

    ``anchor`` is ``start`` (``x`` is the left edge) or ``middle`` (``x`` is the centre), as SVG's text-anchor.
    """
    from fontTools.pens.svgPathPen import SVGPathPen
    from fontTools.pens.transformPen import TransformPen

    font = _font(bold)
    glyphs, cmap, metrics = font.getGlyphSet(), font.getBestCmap(), font["hmtx"]
    names = [cmap.get(ord(char)) for char in text]
    if None in names:
        return None
    scale = size / font["head"].unitsPerEm
    if anchor == "middle":
        x -= sum(metrics[name][0] for name in names) * scale / 2
    pen = SVGPathPen(glyphs, ntos=_number)
    for name in names:
        glyphs[name].draw(TransformPen(pen, (scale, 0, 0, -scale, x, baseline)))
        x += metrics[name][0] * scale
    return pen.getCommands(), x
