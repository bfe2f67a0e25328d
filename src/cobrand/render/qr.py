"""QR codes for print: encoded by zxing-cpp, drawn as an inline SVG path of one horizontal line per run.

zxing-cpp encodes with Zint, in C: about 0.5 ms a code against segno's 9 to 15 ms, which spends them
choosing the mask in Python (both choose it by the standard's penalty rules). The SVG is written here
from the code's modules as segno writes it (``svg_inline(scale=4, border=2, svgclass="qr",
lineclass=None)``): one stroked path whose segments are runs of dark modules, the form WeasyPrint
draws with the fewest points. ``tests/unit/test_qr.py`` holds :func:`svg_markup` equal to segno's
writer on segno's own matrices, and reads the drawn codes back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any

from markupsafe import Markup

_DARK_RUN = re.compile(b"\x00+")  # modules as zxing-cpp's image has them: 0 dark, 255 light
SCALE, BORDER = 4, 2  # pixels a module; modules of quiet zone (the print template sizes the code itself)


def modules(text: str) -> list[bytes]:
    """The rows of the QR code of ``text`` at error correction level M (survives print), one byte a
    module, 0 for dark and 255 for light."""
    import zxingcpp

    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image: Any = code.to_image(scale=1, add_quiet_zones=False)  # a buffer (its stub does not say so)
    width = image.shape[1]
    data = memoryview(image).tobytes()
    return [data[start:start + width] for start in range(0, len(data), width)]


def svg_markup(rows: Sequence[bytes], title: str, scale: int = SCALE, border: int = BORDER) -> str:
    """An inline ``<svg class="qr">`` of the code whose ``rows`` are given (see :func:`modules`), with
    ``title`` as its ``<title>`` (WeasyPrint writes it as the figure's alternative text)."""
    segments: list[str] = []
    last_x, last_y = 0, 0.0
    for index, row in enumerate(rows):
        y = border + index + 0.5
        for run in _DARK_RUN.finditer(row):
            start, end = border + run.start(), border + run.end()
            step = y - last_y
            segments.append(f"{'m' if segments else 'M'}{start - last_x} {int(step) if step.is_integer() else step}"
                            f"h{end - start}")
            last_x, last_y = end, y
    size = (len(rows) + 2 * border) * scale
    return (f'<svg width="{size}" height="{size}" class="qr"><title>{escape(title, quote=False)}</title>'
            f'<path transform="scale({scale})" stroke="#000" d="{"".join(segments)}"/></svg>')


def qr_svg(url: str, title: str | Markup) -> Markup:
    """An inline SVG QR code for ``url``, titled ``title`` (a translated string is Markup: unescaped here,
    escaped once in the SVG)."""
    plain = title.unescape() if isinstance(title, Markup) else title
    return Markup(svg_markup(modules(url), plain))
