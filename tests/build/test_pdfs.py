"""The partner kit PDFs: real files, right paper, the partner's brand, fonts embedded."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from support.example import CONFIG, ITEMS, PARTNERS, entitled, localized

LETTER = (612.0, 792.0)
A4 = (595.0, 842.0)
TOLERANCE = 8

CASES = [(partner, localized(item, partner)) for partner in PARTNERS for item in ITEMS
         if item.kind == "one-pagers" and entitled(item, partner, CONFIG)]
IDS = [f"{partner.slug}/{item.slug}{'.' + item.lang if item.lang else ''}" for partner, item in CASES]


@pytest.fixture(params=CASES, ids=IDS)
def case(request, example_build):
    partner, item = request.param
    path = example_build.out / partner.slug / "one-pagers" / f"{item.slug}.pdf"
    assert path.is_file(), path
    return partner, item, path


def squash(text: str) -> str:
    return " ".join(text.split())


def test_every_partner_has_pdfs():
    assert {partner.slug for partner, _ in CASES} == {partner.slug for partner in PARTNERS}


def test_pdf_opens_with_pages_and_paper_size(case):
    partner, _, path = case
    assert path.read_bytes().startswith(b"%PDF-")
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) >= 1
    expected = LETTER if partner.letter else A4
    for page in reader.pages:
        box = page.mediabox
        size = (float(box.width), float(box.height))
        assert abs(size[0] - expected[0]) <= 1 and abs(size[1] - expected[1]) <= 1, (partner.locale, size)


def test_pdf_text_names_partner_and_contact(case):
    partner, item, path = case
    reader = pypdf.PdfReader(path)
    text = squash(" ".join(page.extract_text() or "" for page in reader.pages))
    assert partner.name in text
    assert partner.email in text
    assert item.title in text
    assert "{{" not in text


def test_pdf_metadata(case):
    partner, item, path = case
    metadata = pypdf.PdfReader(path).metadata
    assert metadata is not None
    assert metadata.get("/Title") == item.title
    assert metadata.get("/Author") == partner.name


def _fonts(resources, seen: set[int]) -> list:
    """Every font dictionary reachable from a resources dictionary (including form XObjects)."""
    found: list = []
    if resources is None:
        return found
    resources = resources.get_object()
    fonts = resources.get("/Font")
    if fonts is not None:
        for ref in fonts.get_object().values():
            font = ref.get_object()
            if id(font) not in seen:
                seen.add(id(font))
                found.append(font)
    xobjects = resources.get("/XObject")
    if xobjects is not None:
        for ref in xobjects.get_object().values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Form" and id(xobject) not in seen:
                seen.add(id(xobject))
                found += _fonts(xobject.get("/Resources"), seen)
    return found


def _embedded(font) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # glyphs are drawn by the PDF itself
    if font.get("/Subtype") == "/Type0":
        return all(_embedded(descendant.get_object()) for descendant in font["/DescendantFonts"])
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_all_fonts_embedded_pypdf(case):
    _, _, path = case
    reader = pypdf.PdfReader(path)
    seen: set[int] = set()
    fonts = [font for page in reader.pages for font in _fonts(page.get("/Resources"), seen)]
    assert fonts, "no fonts found"
    not_embedded = [str(font.get("/BaseFont")) for font in fonts if not _embedded(font)]
    assert not_embedded == []


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_all_fonts_embedded_pdffonts(case):
    _, _, path = case
    output = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = output.splitlines()[2:]
    assert rows, output
    for row in rows:
        # name type... encoding emb sub uni object ID: "emb" is the 5th column from the end
        columns = row.split()
        assert columns[-5] == "yes", row


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_primary_colour_printed_on_page_one(case, tmp_path: Path):
    partner, _, path = case
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", "-singlefile", str(path), str(prefix)],
                   check=True, capture_output=True)
    image = Image.open(prefix.with_suffix(".png")).convert("RGB")
    target = _rgb(partner.primary)
    colors: list = image.getcolors(maxcolors=image.width * image.height) or []
    close = sum(count for count, pixel in colors if all(abs(pixel[i] - target[i]) <= TOLERANCE for i in range(3)))
    assert close >= 100, f"{partner.primary} appears in only {close} pixels of page 1"
