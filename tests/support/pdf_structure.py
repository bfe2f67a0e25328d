"""Reading a tagged PDF back: the text each structure element holds, and the language it is read in.

Two readers, neither of them cobrand's code: pikepdf walks the structure tree (the ParentTree maps each
page's marked-content ids to their structure elements; /P leads up to the root), and pdfium (pypdfium2)
reads the text of each marked-content id on the page. A structure element is read in its own /Lang, else
in its nearest ancestor's, else in the catalog's (ISO 32000-1, 14.9.2).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_raw


@dataclass(frozen=True)
class TaggedText:
    """The text of one marked-content id and the structure element that holds it."""

    page: int  # from 0
    mcid: int
    text: str
    role: str  # the element's structure type: "/Span", "/Link", "/Figure" ...
    language: str  # what it is read in: its element's /Lang, else the nearest ancestor's, else the catalog's


def _object_texts(page_object: object, text_page: object, found: dict[int, list[str]]) -> None:
    kind = pdfium_raw.FPDFPageObj_GetType(page_object)
    if kind == pdfium_raw.FPDF_PAGEOBJ_TEXT:
        mcid = pdfium_raw.FPDFPageObj_GetMarkedContentID(page_object)
        size = pdfium_raw.FPDFTextObj_GetText(page_object, text_page, None, 0)
        buffer = ctypes.create_string_buffer(size)
        pdfium_raw.FPDFTextObj_GetText(page_object, text_page,
                                       ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)), size)
        found.setdefault(mcid, []).append(buffer.raw[:max(size - 2, 0)].decode("utf-16-le"))
    elif kind == pdfium_raw.FPDF_PAGEOBJ_FORM:  # a group (opacity, transforms): its text is the page's too
        for index in range(pdfium_raw.FPDFFormObj_CountObjects(page_object)):
            _object_texts(pdfium_raw.FPDFFormObj_GetObject(page_object, index), text_page, found)


def marked_texts(path: Path) -> dict[tuple[int, int], str]:
    """(page, MCID) -> the text drawn in that marked content, read by pdfium; MCIDs with no text left out."""
    texts: dict[tuple[int, int], str] = {}
    document = pypdfium2.PdfDocument(str(path))
    try:
        for number in range(len(document)):
            page = document[number]
            text_page = page.get_textpage()
            found: dict[int, list[str]] = {}
            for index in range(pdfium_raw.FPDFPage_CountObjects(page.raw)):
                _object_texts(pdfium_raw.FPDFPage_GetObject(page.raw, index), text_page.raw, found)
            texts |= {(number, mcid): "".join(parts) for mcid, parts in found.items() if mcid >= 0}
    finally:
        document.close()
    return texts


def _language(element: pikepdf.Dictionary, catalog_language: str) -> str:
    """The language ``element`` is read in: its /Lang, else its nearest ancestor's, else the catalog's."""
    node: pikepdf.Object | None = element
    while isinstance(node, pikepdf.Dictionary) and node.get("/Type") != pikepdf.Name.StructTreeRoot:
        if "/Lang" in node:
            return str(node.Lang)
        node = node.get("/P")
    return catalog_language


def tagged_texts(path: Path) -> list[TaggedText]:
    """Every piece of text on the pages of the tagged PDF at ``path`` with its structure element's language,
    in page and MCID order."""
    texts = marked_texts(path)
    tagged = []
    with pikepdf.open(path) as pdf:
        catalog_language = str(pdf.Root.get("/Lang", ""))
        parent_tree = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)
        for number, page in enumerate(pdf.pages):
            elements = parent_tree[int(page.obj.StructParents)]
            for mcid, element in enumerate(elements):
                if (number, mcid) in texts:
                    tagged.append(TaggedText(number, mcid, texts[number, mcid], str(element.S),
                                             _language(element, catalog_language)))
    return tagged


@dataclass(frozen=True)
class Element:
    """One structure element, as read from the tree."""

    role: str  # "/H1", "/Span" ...
    lang: str | None  # its own /Lang
    inherited: str  # the language it would be read in without its own /Lang: its parent's
    alt: str | None  # /Alt, for figures
    scope: str | None  # /Scope in its /A attributes, for table headers


def structure_elements(path: Path) -> list[Element]:
    """Every structure element in the tree, depth first, with the language it inherits."""
    found: list[Element] = []
    with pikepdf.open(path) as pdf:
        def walk(node: pikepdf.Object, inherited: str) -> None:
            kids = node.get("/K")
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    attributes = kid.get("/A")
                    scope = attributes.get("/Scope") if isinstance(attributes, pikepdf.Dictionary) else None
                    lang = str(kid.Lang) if "/Lang" in kid else None
                    found.append(Element(str(kid.S), lang, inherited, str(kid.Alt) if "/Alt" in kid else None,
                                         None if scope is None else str(scope)))
                    walk(kid, lang or inherited)

        walk(pdf.Root.StructTreeRoot, str(pdf.Root.get("/Lang", "")))
    return found


def redundant_languages(path: Path) -> list[str]:
    """Each /Lang that says what its element inherits anyway (a sign of tagging by rote), as a message."""
    return [f"{element.role} has /Lang {element.lang}, which it inherits" for element in structure_elements(path)
            if element.lang is not None and element.lang.casefold() == element.inherited.casefold()]
