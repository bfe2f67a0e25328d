"""``cobrand partners``: who the partners are and what each one is entitled to.

Pure functions over a loaded project (see :func:`cobrand.build.load_and_check`):
one row per partner with its tier, ecosystems, regions, locale and how many
items of each kind it gets, and the full entitlement matrix (partners x content
items) for the channel team, as CSV.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from .entitlement import exclusion_reason
from .models import ContentItem, Project
from .plan import plan_partner
from .spreadsheet import csv_text

# Column headings of the built-in kinds in the terminal table; a plugin's kind is headed by its name.
HEADINGS = {"blog": "BLOG", "one-pagers": "ONE-PAGERS", "media": "MEDIA", "social": "SOCIAL"}
ENTITLED = "1"
NOT_ENTITLED = "0"


@dataclass(frozen=True)
class PartnerRow:
    """One partner and how many items of each kind it is entitled to."""

    slug: str
    name: str
    tier: str
    ecosystems: tuple[str, ...]
    regions: tuple[str, ...]
    locale: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["ecosystems"], data["regions"] = list(self.ecosystems), list(self.regions)
        data["total"] = self.total
        return data


def partner_rows(project: Project) -> list[PartnerRow]:
    """Every partner, in slug order, with its entitlement counts per content kind (the project's kinds)."""
    rows = []
    for partner in project.partners:
        items = plan_partner(project, partner).items
        counts = {kind: sum(1 for item in items if item.kind == kind) for kind in project.kinds.names}
        data = partner.data
        rows.append(PartnerRow(partner.slug, data.name, data.tier, tuple(data.ecosystems), tuple(data.regions),
                               data.locale, counts))
    return rows


def content_columns(project: Project) -> list[ContentItem]:
    """Content items in matrix order: by kind (blog, one-pagers, media, social, plugins' kinds), then slug."""
    order = {kind: index for index, kind in enumerate(project.kinds.names)}
    return sorted(project.content, key=lambda item: (order.get(item.kind, len(order)), item.slug))


def entitlement_matrix(project: Project, *, reasons: bool = True) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the partners x content matrix.

    A cell is ``1`` when the partner gets the item; otherwise the reason it
    does not (``needs tier gold or above``), or ``0`` with ``reasons=False``.
    The first columns describe the partner; ``entitled`` counts its items.
    """
    items = content_columns(project)
    header = ["partner", "name", "tier", "ecosystems", "regions", "locale", "entitled", *(i.key for i in items)]
    rows = []
    for partner in project.partners:
        cells = []
        for item in items:
            reason = exclusion_reason(item, partner, project)
            cells.append(ENTITLED if reason is None else (reason if reasons else NOT_ENTITLED))
        data = partner.data
        rows.append([partner.slug, data.name, data.tier, " ".join(data.ecosystems), " ".join(data.regions),
                     data.locale, str(cells.count(ENTITLED)), *cells])
    return header, rows


def matrix_csv(project: Project, *, reasons: bool = True) -> str:
    """The entitlement matrix as CSV text (RFC 4180, CRLF line ends, safe to open in a spreadsheet)."""
    header, rows = entitlement_matrix(project, reasons=reasons)
    return csv_text([header, *rows])


def rows_json(rows: Sequence[PartnerRow]) -> str:
    return json.dumps([row.to_dict() for row in rows], indent=2, ensure_ascii=False) + "\n"


def rows_table(rows: Sequence[PartnerRow]) -> str:
    """An aligned plain-text table for a terminal."""
    kinds = list(rows[0].counts) if rows else list(HEADINGS)
    header = ["PARTNER", "NAME", "TIER", "ECOSYSTEMS", "REGIONS", "LOCALE",
              *(HEADINGS.get(kind, kind.upper()) for kind in kinds), "TOTAL"]
    body = [[row.slug, row.name, row.tier, ", ".join(row.ecosystems) or "-", ", ".join(row.regions) or "-",
             row.locale, *(str(row.counts[kind]) for kind in kinds), str(row.total)] for row in rows]
    widths = [max(len(line[column]) for line in [header, *body]) for column in range(len(header))]
    numeric = set(range(6, len(header)))

    def format_line(line: list[str]) -> str:
        cells = [cell.rjust(width) if index in numeric else cell.ljust(width)
                 for index, (cell, width) in enumerate(zip(line, widths, strict=True))]
        return "  ".join(cells).rstrip()

    return "\n".join(format_line(line) for line in [header, *body])
