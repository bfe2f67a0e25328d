"""Structure elements in another language than the PDF's carry their own /Lang (render/pdf_languages.py).

Real WeasyPrint PDFs made by cobrand's PdfRenderer, read back by pikepdf (the structure tree) and pdfium
(the text of each marked-content id): tests/pdf_structure.py. The mapping repaints pages with WeasyPrint
internals, so a canary pins the WeasyPrint version it was checked with, and an equivalence test shows that
the repaint leaves every byte of the PDF as it was.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pikepdf
import pytest
from pdfua import validate as pdfua_validate

from cobrand.render.pdf import PdfRenderer, ReadScope
from cobrand.render.pdf_languages import TESTED_WEASYPRINT, PdfLanguageError, mark_languages, painted_boxes
from cobrand.render.pdf_tags import table_header_scopes
from support.pdf_structure import redundant_languages, structure_elements, tagged_texts

# A de-DE document with runs in English and one German run inside an English block; a link, a list, a
# table, an image and a footer line, as cobrand's datasheets have them.
MIXED = """<!doctype html><html lang="de-DE"><head><meta charset="utf-8"><title>Datenblatt</title></head><body>
<p>Datenblatt</p>
<h1 lang="en">Recovery Assurance</h1>
<p>Ein deutscher Satz mit <a href="https://example.com/">einem Verweis</a> und
<span lang="en">an English aside</span>.</p>
<div lang="en"><p>Scheduled restore tests with a report your auditors can read.</p>
<ul><li>Automated restore tests</li><li>Evidence export <span lang="de">auf Deutsch</span></li></ul>
<table><tr><th>Item</th><th>Standard</th></tr><tr><td>Services tested</td><td>3</td></tr></table>
<p><a href="https://example.com/en">Read online</a></p></div>
<p><img alt="Harborline" src="logo.svg"></p>
<footer><span>Fragen Sie uns.</span> <span lang="en">All other names are the property of their owners.</span></footer>
</body></html>"""
EXPECTED = {
    "Datenblatt": "de-DE", "Recovery Assurance": "en", "Ein deutscher Satz mit": "de-DE", "einem Verweis": "de-DE",
    "an English aside": "en", "Scheduled restore tests with a report your auditors can read.": "en",
    "Automated restore tests": "en", "Evidence export": "en", "auf Deutsch": "de", "Item": "en", "Standard": "en",
    "Services tested": "en", "3": "en", "Read online": "en", "Fragen Sie uns.": "de-DE",
    "All other names are the property of their owners.": "en",
}
PRESS = "<style>@page { size: A4; bleed: 3mm; marks: crop cross }</style>"
LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10"/></svg>'


@pytest.fixture(autouse=True)
def _logo(tmp_path: Path) -> None:
    """The image MIXED shows, beside the document (PDFs read local files only)."""
    (tmp_path / "logo.svg").write_text(LOGO, "utf-8")


def _languages(path: Path) -> dict[str, str]:
    """Each piece of text in the PDF at ``path`` (spaces around it left out) -> the language it is read in."""
    return {text.text.strip(): text.language for text in tagged_texts(path)}


def _render(tmp_path: Path, html: str, name: str = "doc.pdf") -> Path:
    """``html`` made into a PDF the way cobrand makes its datasheets (PdfRenderer, PDF/UA-1, its finisher)."""
    renderer = PdfRenderer(None, ())
    pdf = renderer.render(html, tmp_path, hashlib.sha256(name.encode()).hexdigest()[:32].encode(),
                          ReadScope.of("test", folders=[tmp_path]))
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def test_weasyprint_is_a_version_the_language_mapping_was_checked_with() -> None:
    """Canary: render/pdf_languages.py repaints pages with WeasyPrint internals (Page.paint, Stream.clone,
    the stream's tag record). On another version, run this file and tests/test_validators_pdf.py, check the
    internals it names, then add the version to TESTED_WEASYPRINT."""
    import weasyprint

    assert weasyprint.__version__ in TESTED_WEASYPRINT, (
        f"WeasyPrint {weasyprint.__version__} is not one the PDF language mapping was checked with "
        f"({', '.join(TESTED_WEASYPRINT)}): see src/cobrand/render/pdf_languages.py")


def test_runs_in_another_language_are_read_in_it_and_the_rest_in_the_documents(tmp_path: Path) -> None:
    path = _render(tmp_path, MIXED)
    read = _languages(path)
    assert {text: read.get(text) for text in EXPECTED} == EXPECTED
    assert read["•"] == "en"  # the list's markers belong to the English list
    assert not redundant_languages(path)
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == "de-DE"
    elements = structure_elements(path)
    # The /Lang sits on the element that is all English (the heading, the English list item), not on
    # each of its spans: fewer entries than English pieces of text.
    heading = next(element for element in elements if element.role == "/H1")
    assert heading.lang == "en"
    assert sum(element.lang is not None for element in elements) < sum(lang == "en" for lang in read.values())
    figure = next(element for element in elements if element.role == "/Figure")
    assert (figure.lang, figure.alt) == (None, "Harborline")
    assert not pdfua_validate(str(path)).findings


def test_a_document_in_one_language_has_no_lang_on_any_element(tmp_path: Path) -> None:
    html = MIXED.replace(' lang="en"', "").replace(' lang="de"', "")
    path = _render(tmp_path, html)
    assert {text.language for text in tagged_texts(path)} == {"de-DE"}
    assert [element.lang for element in structure_elements(path)] == [None] * len(structure_elements(path))


def test_the_repaint_leaves_every_byte_of_the_pdf_as_it_was(tmp_path: Path) -> None:
    """Equivalence: a finisher that repaints the pages (and writes nothing) gives the same bytes as no
    finisher, for a press page with crop marks and bleed (WeasyPrint adds the marks to the page on each
    paint), an image, a table and links; and the repaint numbers the content as the written PDF does."""
    from weasyprint import HTML

    html = MIXED.replace("<head>", "<head>" + PRESS)
    seen: list[dict[int, object]] = []

    def repaint_only(document: object, pdf: object) -> None:
        seen.extend(painted_boxes(document, pdf))

    options = {"pdf_variant": "pdf/ua-1", "pdf_identifier": b"x" * 32}
    plain = HTML(string=html, base_url=str(tmp_path) + "/").write_pdf(**options)
    repainted = HTML(string=html, base_url=str(tmp_path) + "/").write_pdf(finisher=repaint_only, **options)
    assert repainted == plain
    assert seen and all(seen)
    path = tmp_path / "press.pdf"
    path.write_bytes(plain)
    texts = {(text.page, text.mcid): text.text.strip() for text in tagged_texts(path)}
    painted = {(page, mcid): box.text.strip() for page, boxes in enumerate(seen) for mcid, box in boxes.items()
               if hasattr(box, "text")}
    assert {key: painted[key] for key in texts} == texts  # each MCID's text is the text of its box


def test_press_pdfs_with_crop_marks_get_languages_too(tmp_path: Path) -> None:
    path = _render(tmp_path, MIXED.replace("<head>", "<head>" + PRESS), "press.pdf")
    read = _languages(path)
    assert {text: read.get(text) for text in EXPECTED} == EXPECTED


def test_a_page_painted_differently_fails_loudly_rather_than_mislabel(tmp_path: Path) -> None:
    """Control for the check the mapping relies on: when the written content differs from the repaint
    (here one operator added after WeasyPrint wrote the page), the PDF fails with PdfLanguageError."""
    from weasyprint import HTML

    def altered(document: object, pdf: object) -> None:
        page = pdf.objects[pdf.pages["Kids"][0]]  # type: ignore[attr-defined]
        pdf.objects[int(page["Contents"].split()[0])].stream.append(b"0 0 m")  # type: ignore[attr-defined]
        mark_languages(document, pdf)

    with pytest.raises(PdfLanguageError, match="painted page 1 differently"):
        HTML(string=MIXED, base_url=str(tmp_path) + "/").write_pdf(pdf_variant="pdf/ua-1", finisher=altered)


def test_a_lang_that_is_not_a_language_tag_is_not_written(tmp_path: Path) -> None:
    """The HTML's ``lang`` goes into the PDF only when it has a language tag's shape; anything else is read in
    the language around it."""
    html = MIXED.replace('<span lang="en">an English aside</span>', '<span lang="en) /Foo (x">an English aside</span>')
    path = _render(tmp_path, html)
    assert _languages(path)["an English aside"] == "de-DE"
    assert all(")" not in (element.lang or "") for element in structure_elements(path))


def test_table_header_scopes_still_come_with_the_languages(tmp_path: Path) -> None:
    """complete_structure runs both steps: the English table's headers have their /Scope."""
    path = _render(tmp_path, MIXED)
    headers = [element for element in structure_elements(path) if element.role == "/TH"]
    assert [(element.scope, element.inherited) for element in headers] == [("/Column", "en")] * 2
    assert table_header_scopes.__name__  # the step complete_structure runs first
