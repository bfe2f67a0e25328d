"""Complete the PDF/UA structure tree that WeasyPrint writes: table header scopes and the languages of parts.

:func:`complete_structure` is the ``finisher`` cobrand hands WeasyPrint: both steps below, on the finished
``pydyf.PDF`` before it is written. The languages are in :mod:`cobrand.render.pdf_languages`.

WeasyPrint tags ``<th>`` as ``/TH`` with an ``/ID`` and gives each ``/TD`` the
``/Headers`` it belongs to (``scope="row"`` headers for their row, every other
header for its column), but writes no ``/Scope`` on the header cells. PDF/UA
checkers (and screen readers that read ``/Scope`` only) then cannot tell what
a header heads. :func:`table_header_scopes` is a WeasyPrint ``finisher``: it
reads the association WeasyPrint made and states it on each header as
``/Scope /Row`` or ``/Scope /Column`` before the file is written.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def complete_structure(document: Any, pdf: Any) -> None:
    """What WeasyPrint leaves out of the structure tree of ``pdf`` (a pydyf.PDF made from ``document``):
    /Scope on table headers, /Lang on elements in another language. A WeasyPrint ``finisher``."""
    from .pdf_languages import mark_languages

    table_header_scopes(document, pdf)
    mark_languages(document, pdf)


def _key(value: Any) -> str:
    """A PDF string (pydyf.String) as a plain string, for comparing IDs and Headers entries."""
    return str(getattr(value, "string", value))


def table_header_scopes(_document: Any, pdf: Any) -> None:
    """Give every ``/TH`` of ``pdf`` (a pydyf.PDF) a ``/Scope``, as WeasyPrint associated it.

    A header that only the data cells of its own row name is a row header; one
    that cells of other rows name, or that no cell names (a header row over
    nothing yet), is a column header.
    """
    import pydyf

    rows_naming: dict[str, set[bytes]] = defaultdict(set)  # header ID -> the rows of the cells that name it
    headers = []
    for element in pdf.objects:
        if not isinstance(element, pydyf.Dictionary):
            continue
        role = element.get("S")
        if role == "/TD":
            attributes = element.get("A")
            for header in (attributes.get("Headers", ()) if isinstance(attributes, pydyf.Dictionary) else ()):
                rows_naming[_key(header)].add(bytes(element["P"]))
        elif role == "/TH" and "ID" in element:
            headers.append(element)
    for header in headers:
        rows = rows_naming.get(_key(header["ID"]), set())
        scope = "/Row" if rows and rows == {bytes(header["P"])} else "/Column"
        attributes = header.get("A")
        if not isinstance(attributes, pydyf.Dictionary):
            attributes = header["A"] = pydyf.Dictionary({"O": "/Table"})
        attributes["Scope"] = scope
