"""``cobrand audit``: prove that no partner's output leaks what is not its own.

Reads every file of every partner folder (HTML, XML, text, CSV, the text of
PDFs and the members of zips) and looks for other partners' names, e-mail
addresses, phone numbers and slugs, and for content the partner is not
entitled to (the titles and page paths of gated items). Text is also read
with HTML entities and percent-escapes decoded, so an encoded path or name
is found too. Images (files, zip members, images inside PDFs) are compared
with other partners' logos and gated items' thumbnails (audit_images.py).
"""

from __future__ import annotations

import html
import io
import os
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from .audit_images import forbidden_images, image_keys
from .build import load_and_check
from .entitlement import exclusion_reason
from .models import Partner, Project

TEXT_SUFFIXES = {".html", ".xml", ".txt", ".csv", ".json", ".css", ".js", ".svg"}


@dataclass(frozen=True)
class Leak:
    """One forbidden string found in one file."""

    partner: str
    file: str
    found: str
    why: str

    def __str__(self) -> str:
        return f"{self.partner}/{self.file}: contains {self.found!r} ({self.why})"


@dataclass
class AuditReport:
    partners: int = 0
    files: int = 0
    leaks: list[Leak] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.leaks

    def summary(self) -> str:
        lines = [str(leak) for leak in self.leaks]
        verdict = "OK" if self.ok else "LEAKS FOUND"
        lines.append(f"{verdict}: audited {self.files} files of {self.partners} partners, {len(self.leaks)} leaks")
        return "\n".join(lines)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader  # imported on first use: only audits of PDFs need it

    reader = PdfReader(io.BytesIO(data))
    metadata = " ".join(str(value) for value in (reader.metadata or {}).values())
    return metadata + "\n" + "\n".join(page.extract_text() or "" for page in reader.pages)


def _texts(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """(file name, text) for a file and, for zips, each member."""
    suffix = Path(name).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        yield name, data.decode("utf-8", errors="replace")
    elif suffix == ".pdf":
        yield name, _pdf_text(data)
    elif suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in sorted(archive.namelist()):
                yield from _texts(f"{name}!{member}", archive.read(member))


def decoded(text: str) -> tuple[str, ...]:
    """``text`` as written, with HTML entities decoded, and with percent-escapes decoded too (twice over)."""
    unescaped = html.unescape(text)
    once = unquote(unescaped)
    return text, unescaped, once, html.unescape(unquote(once))


def forbidden_strings(project: Project, partner: Partner) -> dict[str, str]:
    """Strings that must not appear in ``partner``'s output, each with the reason."""
    forbidden: dict[str, str] = {}
    for other in project.partners:
        if other.slug == partner.slug:
            continue
        data = other.data
        # A name or contact shared with this partner is not a leak.
        candidates = {data.name: "another partner's name", other.slug: "another partner's slug",
                      data.contact.email or "": "another partner's e-mail",
                      data.contact.phone or "": "another partner's phone"}
        own = {partner.data.name, partner.slug, partner.data.contact.email, partner.data.contact.phone}
        for value, why in candidates.items():
            if value and len(value) >= 4 and value not in own and not any(value in mine for mine in own if mine):
                forbidden[value] = f"{why}: {other.slug}"
    for item in project.content:
        reason = exclusion_reason(item, partner, project)
        if reason is None:
            continue
        entitled_titles = {i.meta.title for i in project.content if exclusion_reason(i, partner, project) is None}
        if item.meta.title not in entitled_titles:
            forbidden[item.meta.title] = f"title of {item.source}, {reason}"
        if item.page_path:
            forbidden[f"{item.kind}/{item.slug}.html"] = f"page of {item.source}, {reason}"
        if item.pdf_path:
            forbidden[f"{item.slug}.pdf"] = f"PDF of {item.source}, {reason}"
    return forbidden


def audit(project_dir: Path | str = ".", out_dir: Path | str | None = None,
          environ: Mapping[str, str] | None = None) -> AuditReport:
    """Audit every partner folder in ``out_dir`` (default ``PROJECT/build``)."""
    project, _ = load_and_check(project_dir, environ=environ)
    out = Path(out_dir) if out_dir is not None else project.root / "build"
    report = AuditReport()
    for partner in project.partners:
        folder = out / partner.slug
        if not folder.is_dir():
            continue
        report.partners += 1
        forbidden = forbidden_strings(project, partner)
        images = forbidden_images(project, partner, out)
        for root, _, files in sorted(os.walk(folder)):
            for file_name in sorted(files):
                path = Path(root) / file_name
                relative = path.relative_to(folder).as_posix()
                report.files += 1
                report.leaks += [Leak(partner.slug, relative, value, f"file itself: {why}")
                                 for value, why in sorted(forbidden.items())
                                 if value.endswith((".html", ".pdf")) and relative.endswith(value)]
                data = path.read_bytes()
                for name, text in _texts(relative, data):
                    readings = decoded(text)
                    report.leaks += [Leak(partner.slug, name, value, why)
                                     for value, why in sorted(forbidden.items())
                                     if any(value in reading for reading in readings)]
                seen: set[tuple[str, str]] = set()
                for name, key in image_keys(relative, data):
                    if key in images and (name, images[key]) not in seen:
                        seen.add((name, images[key]))
                        report.leaks.append(Leak(partner.slug, name, "an image", images[key]))
    return report
