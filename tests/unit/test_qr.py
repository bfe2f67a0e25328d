"""QR codes on PDFs: cobrand encodes them with zxing-cpp and writes the SVG itself, as segno writes it.

The SVG writer is held equal to segno's on segno's own matrices (so the path WeasyPrint draws keeps the
form segno gave it), and each code cobrand makes is drawn by another renderer (cairosvg) and read back by
zxing-cpp's reader. The PDFs' codes are read back from rendered pages in tests/build/test_print_and_locales.py.
"""

from __future__ import annotations

import io

import cairosvg
import segno
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from PIL import Image

from cobrand.render.qr import modules, qr_svg, svg_markup

URLS = [
    "https://kestrel-cloud.partners.example.com/one-pagers/harborline-vault.html?utm_source=kestrel-cloud"
    "&utm_medium=print&utm_campaign=harborline-vault",
    "https://a.example/",
    "https://falkenstein-systeme.example.de/one-pagers/datenschutz-übersicht.html?utm_source=f&utm_medium=print",
    "https://example.jp/one-pagers/" + "データ" * 20,
]


def segno_rows(code: segno.QRCode) -> list[bytes]:
    """segno's matrix (1 dark) as cobrand's rows (0 dark, 255 light)."""
    return [bytes(0 if dark else 255 for dark in row) for row in code.matrix]


def segno_svg(code: segno.QRCode, title: str) -> str:
    return code.svg_inline(scale=4, border=2, title=title, svgclass="qr", lineclass=None)


def test_the_svg_is_segnos_for_the_same_modules() -> None:
    for url in URLS:
        code = segno.make(url, error="m")
        for title in ("QR code linking to " + url, 'Fish & "chips" <b>', "日本語のタイトル"):
            assert svg_markup(segno_rows(code), title) == segno_svg(code, title)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=300), st.sampled_from(["l", "m", "q", "h"]))
def test_the_svg_is_segnos_for_any_code(text: str, error: str) -> None:
    code = segno.make(text, error=error, micro=False)
    assert svg_markup(segno_rows(code), text) == segno_svg(code, text)


def _read(svg: str) -> list[zxingcpp.Barcode]:
    """The codes another renderer (cairosvg) draws from ``svg``, read by zxing-cpp."""
    standalone = str(svg).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    png = cairosvg.svg2png(bytestring=standalone.encode("utf-8"), background_color="white")
    with Image.open(io.BytesIO(png)) as image:
        return zxingcpp.read_barcodes(image.convert("L"))


def test_each_code_reads_back_as_its_url_at_level_m() -> None:
    for url in URLS:
        found = _read(qr_svg(url, "QR code"))
        assert [code.text for code in found] == [url]
        assert found[0].format == zxingcpp.BarcodeFormat.QRCode and found[0].ec_level == "M"


def test_the_title_is_escaped_once() -> None:
    svg = qr_svg("https://a.example/", Markup("Fish &amp; chips"))  # a translated string arrives as Markup
    assert "<title>Fish &amp; chips</title>" in svg
    svg = qr_svg("https://a.example/", "<script>&")
    assert "<title>&lt;script&gt;&amp;</title>" in svg and "<script>" not in svg


def test_modules_are_a_square_of_dark_and_light_bytes() -> None:
    rows = modules(URLS[0])
    assert len({len(row) for row in rows}) == 1 and len(rows) == len(rows[0])
    assert (len(rows) - 17) % 4 == 0  # a QR code of version v has 17 + 4v modules a side
    assert set(b"".join(rows)) == {0, 255}
    assert rows[0][:7] == bytes(7)  # the finder pattern's top edge: seven dark modules
