"""The language of each part of a tagged PDF: ``/Lang`` on structure elements whose text is in another language.

WeasyPrint sets the document's language (the catalog's ``/Lang``, from ``<html lang>``) but writes no
``/Lang`` on structure elements, so an English fallback paragraph or legal line in a de-DE partner's
datasheet is read aloud with a German voice. :func:`mark_languages` is a WeasyPrint ``finisher`` (run on
the finished ``pydyf.PDF`` before it is written) that gives every structure element whose content is in
another language than the one it inherits its own ``/Lang``, with the tag the HTML's ``lang`` gave it.

How an element's language is known: WeasyPrint numbers the marked content of each page (MCID) in the
order it paints the boxes and maps each number to its structure element (the ParentTree), but does not
keep which box a number came from. So the finisher paints each page again, with WeasyPrint's own
``Page.paint``, into a clone of the page's stream that records box -> MCID, and first checks that the
repainted content is the written content operator for operator: the numbering is then WeasyPrint's
own, and each content-holding structure element gets the computed ``lang`` of its boxes (the HTML
attribute, inherited). No text is matched and nothing in WeasyPrint is replaced. It uses WeasyPrint
internals (``Page.paint``, ``Page._page_box``, ``Stream.clone``, the stream's tag record,
``box.style['lang']``): :data:`TESTED_WEASYPRINT` names the versions the canary test
(tests/build/test_pdf_languages.py) has checked, and a version that paints differently fails the PDF with
:class:`PdfLanguageError` rather than mislabel it.

``/Lang`` is written as high in the structure tree as one language holds for the whole subtree (a
heading whose text is all English gets ``/Lang (en)``, not each of its spans), and only where it
differs from what the element inherits: in PDF a structure element's ``/Lang`` applies to everything
under it, and the catalog's is the default (ISO 32000-1, 14.9.2). Documents in one language are not
repainted at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

TESTED_WEASYPRINT = ("70.0",)
# 72 PDF points per inch / 96 CSS pixels per inch: WeasyPrint's scale at zoom 1, which cobrand always uses.
PDF_SCALE = 0.75
# A BCP 47 tag's shape (language, then subtags); anything else in the HTML is not written into the PDF.
LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


class PdfLanguageError(Exception):
    """WeasyPrint painted a page differently the second time: the languages cannot be tied to the content."""


def _text(value: Any) -> str:
    """A pydyf.String (or a plain value) as a str."""
    return str(getattr(value, "string", value))


def _number(reference: Any) -> int:
    """The object number of a pydyf reference (``b"12 0 R"``)."""
    return int(bytes(reference).split()[0])


def _box_language(box: Any, document_language: str) -> str:
    """The language of ``box``'s content: its computed ``lang`` (from the HTML), else the document's."""
    language = box.style["lang"]
    return language if isinstance(language, str) and LANGUAGE_TAG.fullmatch(language) else document_language


def _same(first: str, second: str) -> bool:
    return first.casefold() == second.casefold()


def _has_other_language(document: Any, document_language: str) -> bool:
    """True when any box of any page has a language other than the document's (else nothing is to do)."""
    return any(not _same(_box_language(box, document_language), document_language)
               for page in document.pages for box in page._page_box.descendants(placeholders=True))


def _content_streams(pdf: Any) -> list[Any]:
    """The content stream of each page, in page order (pydyf lists its pages' Kids as number, 0, "R")."""
    pages = [pdf.objects[number] for number in pdf.pages["Kids"][0::3]]
    return [pdf.objects[_number(page["Contents"])] for page in pages]


@contextmanager
def _as_before_painting(page: Any) -> Iterator[None]:
    """The page as it was before WeasyPrint painted it, for the ``with`` block.

    Painting a page with crop marks (the press PDFs) adds the marks to the page's background as a layer
    (the only unbounded kind), so a second painting would draw them twice. The layers the first painting
    added are set aside for the block and the list is restored after it.
    """
    background = page._page_box.background
    layers = background.layers if background is not None else []
    before = list(layers)
    layers[:] = [layer for layer in before if not layer.unbounded]
    try:
        yield
    finally:
        layers[:] = before


def painted_boxes(document: Any, pdf: Any) -> list[dict[int, Any]]:
    """For each page, the box each marked-content id (MCID) of that page was painted from.

    Every page is painted again in order, into clones of the written streams that share one fresh
    resource dictionary (WeasyPrint names resources by how many the document already has, so the
    pages are repainted as they were painted). Raises :class:`PdfLanguageError` when a repainted page
    differs from the written one.
    """
    import pydyf
    import weasyprint

    streams = _content_streams(pdf)
    resources = pydyf.Dictionary({"ExtGState": pydyf.Dictionary(), "XObject": pydyf.Dictionary(),
                                  "Pattern": pydyf.Dictionary(), "Shading": pydyf.Dictionary()})
    boxes: list[dict[int, Any]] = []
    for number, (page, written) in enumerate(zip(document.pages, streams, strict=True)):
        resources["ColorSpace"] = written._resources["ColorSpace"]
        tags: dict[Any, dict[str, Any]] = {}
        again = written.clone(tags=tags, resources=resources, images={})
        again.transform(d=-1, f=page.height * PDF_SCALE)  # as WeasyPrint does: draw from the top-left corner
        with _as_before_painting(page):
            page.paint(again, PDF_SCALE)
        if again.stream != written.stream:
            raise PdfLanguageError(
                f"WeasyPrint {weasyprint.__version__} painted page {number + 1} differently the second time, so "
                "cobrand cannot tell which language each part of the PDF is in (tested with WeasyPrint "
                f"{', '.join(TESTED_WEASYPRINT)}; see src/cobrand/render/pdf_languages.py)")
        boxes.append({tag["mcid"]: box for box, tag in tags.items()})
    return boxes


def _parent_tree(pdf: Any) -> dict[int, list[Any]]:
    """Page number -> the structure element references of its MCIDs, in MCID order (annotations left out)."""
    import pydyf

    root = pdf.objects[_number(pdf.catalog["StructTreeRoot"])]
    numbers = pdf.objects[_number(root["ParentTree"])]["Nums"]
    return {key: list(value) for key, value in zip(numbers[0::2], numbers[1::2], strict=True)
            if isinstance(value, pydyf.Array)}


def _children(element: Any, pdf: Any) -> Iterator[Any]:
    """The structure elements directly under ``element`` (MCIDs and annotation references left out)."""
    for kid in element.get("K", ()):
        if isinstance(kid, bytes):
            child = pdf.objects[_number(kid)]
            if child.get("Type") == "/StructElem":
                yield child


def _subtree_languages(element: Any, pdf: Any, own: dict[int, set[str]],
                       found: dict[int, frozenset[str]]) -> frozenset[str]:
    """The languages of everything under ``element`` (its own content's and its descendants'), memoised in
    ``found`` by object number."""
    languages = set(own.get(element.number, ()))
    for child in _children(element, pdf):
        languages |= _subtree_languages(child, pdf, own, found)
    found[element.number] = frozenset(languages)
    return found[element.number]


def _write(element: Any, pdf: Any, inherited: str, found: dict[int, frozenset[str]], spelled: dict[str, str]) -> None:
    """Give ``element`` a /Lang when one language other than ``inherited`` holds for all of its subtree;
    then the same for its children, which inherit what it says."""
    import pydyf

    languages = found[element.number]
    if len(languages) == 1:
        (language,) = languages
        if language != inherited:
            element["Lang"] = pydyf.String(spelled[language])
            inherited = language
    for child in _children(element, pdf):
        _write(child, pdf, inherited, found, spelled)


def content_languages(document: Any, pdf: Any, document_language: str) -> tuple[dict[int, set[str]], dict[str, str]]:
    """Structure element object number -> the languages of the content it holds itself, casefolded; and each
    casefolded language as the HTML first spells it (in page and MCID order)."""
    own: dict[int, set[str]] = {}
    spelled = {document_language.casefold(): document_language}
    parent_tree = _parent_tree(pdf)
    for page, boxes in enumerate(painted_boxes(document, pdf)):
        elements = parent_tree.get(page, [])
        for mcid in sorted(boxes):
            language = _box_language(boxes[mcid], document_language)
            spelled.setdefault(language.casefold(), language)
            own.setdefault(_number(elements[mcid]), set()).add(language.casefold())
    return own, spelled


def mark_languages(document: Any, pdf: Any) -> None:
    """Give the structure elements of ``pdf`` (a pydyf.PDF made from ``document``) whose content is in a
    language other than the one they inherit their own ``/Lang``. A WeasyPrint ``finisher``."""
    import pydyf

    if "StructTreeRoot" not in pdf.catalog or "Lang" not in pdf.catalog:
        return
    document_language = _text(pdf.catalog["Lang"])
    if not LANGUAGE_TAG.fullmatch(document_language) or not _has_other_language(document, document_language):
        return
    own, spelled = content_languages(document, pdf, document_language)
    root = pdf.objects[_number(pdf.catalog["StructTreeRoot"])]
    found: dict[int, frozenset[str]] = {}
    for top in (pdf.objects[_number(reference)] for reference in root["K"]):
        _subtree_languages(top, pdf, own, found)
        _write(top, pdf, document_language.casefold(), found, spelled)
    # WeasyPrint builds elements for the page margin boxes' content without hanging them in the tree; they
    # hold content all the same.
    for number in sorted(set(own) - set(found)):
        if len(own[number]) == 1 and own[number] != {document_language.casefold()}:
            pdf.objects[number]["Lang"] = pydyf.String(spelled[next(iter(own[number]))])
