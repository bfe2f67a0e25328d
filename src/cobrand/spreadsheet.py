"""CSV that spreadsheet programs open without running anything.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``,
``-`` or ``@`` (and, after a tab or carriage return, the same) as a formula:
CSV injection (OWASP). Every CSV cobrand writes goes through :func:`csv_bytes`
or :func:`safe_cell`, which put an apostrophe before such a cell, the
neutralisation OWASP recommends; spreadsheets show the apostrophe's cell as
text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# Spreadsheet programs run cells starting with these as formulas.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(cell: str) -> str:
    """``cell`` as text a spreadsheet will not run: an apostrophe before a formula's first character."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def csv_text(rows: Iterable[Sequence[str]], *, lineterminator: str = "\r\n") -> str:
    """Rows as RFC 4180 CSV text (quoted where needed, CRLF line ends), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()
