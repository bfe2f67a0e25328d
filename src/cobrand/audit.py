"""``cobrand audit``: prove that no partner's output leaks what is not its own.

Reads every file of every partner folder, in the public sites' output and in the
hubs' (HTML, XML, text, CSV, the e-mail files, the text of PDFs and the members
of zips), and looks for other partners' names, e-mail addresses, phone numbers
and slugs, and for content the partner is not entitled to (the titles and page
paths of gated items; in the hub, a gated item's title is allowed where the
vendor opted in with ``teaser: true`` and only the partner's tier keeps it out).
Text is also read with HTML entities and percent-escapes decoded, so an encoded
path or name is found too. Images (files, zip members, images inside PDFs) are
compared with other partners' logos and gated items' thumbnails (audit_images.py).

The two audiences are kept apart: a public site holds no partner-only file (kit,
social pack, scheduling CSVs, zips, e-mails) and never links its hub, by address
or by a path into the hub folder; every hub page says ``noindex`` and has no
canonical link, and the hub root's robots.txt disallows everything.
"""

from __future__ import annotations

import dataclasses
import html
import io
import os
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .audit_images import forbidden_images, image_keys
from .build import load_and_check
from .entitlement import exclusion_reason
from .models import ContentItem, Partner, Project
from .roots import default_hub_dir

TEXT_SUFFIXES = {".html", ".xml", ".txt", ".csv", ".json", ".css", ".js", ".svg"}


SITE, HUB = "site", "hub"
# What only a hub may hold: the kit, the social pack, scheduling CSVs, zips and e-mails (issue 23).
HUB_ONLY_FOLDERS = ("kit", "email")
HUB_ONLY_FILES = {"kit.html", "social.html", "new.html", "social-posts.txt"}
HUB_ONLY_SUFFIXES = {".csv", ".zip"}
_REFERENCE = re.compile(r"""\b(?:href|src|srcset|action|poster|data)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@dataclass(frozen=True)
class Leak:
    """One forbidden string (or file, or missing safeguard) found in one file of a site or a hub."""

    partner: str
    file: str
    found: str
    why: str
    root: str = SITE  # SITE: the partner's public site; HUB: its hub

    def __str__(self) -> str:
        where = "/".join(part for part in (self.partner, self.file) if part)
        where = where if self.root == SITE else f"hub {where}"
        return f"{where}: contains {self.found!r} ({self.why})"


@dataclass
class AuditReport:
    partners: int = 0
    files: int = 0
    hubs: int = 0  # hub folders audited (counted in ``partners`` too when the partner has no site)
    leaks: list[Leak] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.leaks

    def summary(self) -> str:
        lines = [str(leak) for leak in self.leaks]
        verdict = "OK" if self.ok else "LEAKS FOUND"
        lines.append(f"{verdict}: audited {self.files} files of {self.partners} partners ({self.hubs} hubs), "
                     f"{len(self.leaks)} leaks")
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


def teased(item: ContentItem, partner: Partner, project: Project) -> bool:
    """True when the hub may show ``item``'s title to ``partner``: the vendor opted in (``teaser: true``)
    and only the partner's tier keeps it out (at the top tier the partner would get it)."""
    if not getattr(item.meta, "teaser", False) or not project.config.tiers.order:
        return False
    top = project.config.tiers.order[-1]
    promoted = dataclasses.replace(partner, data=partner.data.model_copy(update={"tier": top}))
    return exclusion_reason(item, promoted, project) is None


def forbidden_strings(project: Project, partner: Partner, root: str = SITE) -> dict[str, str]:
    """Strings that must not appear in ``partner``'s output (its public site, or with ``root=HUB`` its hub),
    each with the reason."""
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
        if item.meta.title not in entitled_titles and not (root == HUB and teased(item, partner, project)):
            forbidden[item.meta.title] = f"title of {item.source}, {reason}"
        if item.page_path:
            forbidden[f"{item.kind}/{item.slug}.html"] = f"page of {item.source}, {reason}"
        if item.pdf_path:
            forbidden[f"{item.slug}.pdf"] = f"PDF of {item.source}, {reason}"
    if root == SITE and (hub_url := hub_address(project, partner)) is not None:
        forbidden[hub_url] = "the partner hub's address: the public site never links the hub"
    return forbidden


def hub_address(project: Project, partner: Partner) -> str | None:
    """The address of ``partner``'s hub from ``[hub] base_url``, or None when the hub has none."""
    base = project.config.hub.base_url
    return base.replace("{partner}", partner.slug) if base else None


def audit(project_dir: Path | str = ".", out_dir: Path | str | None = None,
          environ: Mapping[str, str] | None = None, hub_dir: Path | str | None = None) -> AuditReport:
    """Audit every partner folder in ``out_dir`` (default ``PROJECT/build``) and in ``hub_dir``
    (default: beside ``out_dir``, named ``<out_dir>-hub``, as the build writes it)."""
    project, _ = load_and_check(project_dir, environ=environ)
    out = Path(out_dir) if out_dir is not None else project.root / "build"
    hub = Path(hub_dir) if hub_dir is not None else default_hub_dir(out)
    report = AuditReport()
    if hub.is_dir():
        report.leaks += _hub_root_leaks(hub)
    for partner in project.partners:
        site_folder, hub_folder = out / partner.slug, hub / partner.slug
        if not site_folder.is_dir() and not hub_folder.is_dir():
            continue
        report.partners += 1
        images = forbidden_images(project, partner, out, hub)
        for root, folder in ((SITE, site_folder), (HUB, hub_folder)):
            if not folder.is_dir():
                continue
            report.hubs += root == HUB
            forbidden = forbidden_strings(project, partner, root)
            for path in _files(folder):
                report.files += 1
                report.leaks += _file_leaks(partner, path, folder, root, forbidden, images, hub)
    return report


def _files(folder: Path) -> list[Path]:
    return [Path(parent) / name for parent, _, names in sorted(os.walk(folder)) for name in sorted(names)]


def _file_leaks(partner: Partner, path: Path, folder: Path, root: str, forbidden: Mapping[str, str],
                images: Mapping[str, str], hub: Path) -> list[Leak]:
    """Every leak in one file of a partner's site or hub."""
    relative = path.relative_to(folder).as_posix()
    leaks = [Leak(partner.slug, relative, value, f"file itself: {why}", root)
             for value, why in sorted(forbidden.items())
             if value.endswith((".html", ".pdf")) and relative.endswith(value)]
    if root == SITE and hub_only(relative):
        leaks.append(Leak(partner.slug, relative, relative, "a partner-only file (kit, social pack, CSV, zip or "
                          "e-mail) on the public site: it belongs in the hub", root))
    data = path.read_bytes()
    for name, text in _texts(relative, data):
        readings = decoded(text)
        leaks += [Leak(partner.slug, name, value, why, root) for value, why in sorted(forbidden.items())
                  if any(value in reading for reading in readings)]
        if root == SITE and name.endswith((".html", ".xml", ".css", ".svg")):
            leaks += [Leak(partner.slug, name, target, why, root)
                      for target, why in _links_to_the_hub(path, folder, text, hub)]
        if root == HUB and name.endswith(".html") and "!" not in name:
            leaks += [Leak(partner.slug, name, found, why, root) for found, why in _unguarded_hub_page(text)]
    seen: set[tuple[str, str]] = set()
    for name, key in image_keys(relative, data):
        if key in images and (name, images[key]) not in seen:
            seen.add((name, images[key]))
            leaks.append(Leak(partner.slug, name, "an image", images[key], root))
    return leaks


def hub_only(relative: str) -> bool:
    """True for a path (inside a partner's folder) that only its hub may hold."""
    parts = relative.split("/")
    return (parts[0] in HUB_ONLY_FOLDERS and len(parts) > 1) or relative in HUB_ONLY_FILES or (
        Path(relative).suffix.lower() in HUB_ONLY_SUFFIXES)


def _links_to_the_hub(path: Path, folder: Path, text: str, hub: Path) -> list[tuple[str, str]]:
    """Relative references in a public file that reach into the hub folder or a partner-only path."""
    found = []
    for reading in {text, html.unescape(text)}:
        for match in _REFERENCE.finditer(reading):
            for target in {part.strip().split(" ")[0] for part in match.group(1).split(",")}:
                address = urlsplit(target)
                if not target or address.scheme or address.netloc or target.startswith(("#", "/")):
                    continue
                resolved = Path(os.path.normpath(path.parent / unquote(address.path)))
                if resolved.is_relative_to(hub.absolute()) or resolved.is_relative_to(hub):
                    found.append((target, "a link into the hub folder: the public site never links the hub"))
                elif resolved.is_relative_to(folder) and hub_only(resolved.relative_to(folder).as_posix()):
                    found.append((target, "a link to a partner-only page or file: those live in the hub"))
    return sorted(set(found))


_ROBOTS_META = re.compile(r"<meta\s[^>]*name=[\"']robots[\"'][^>]*>", re.IGNORECASE)
_CANONICAL = re.compile(r"<link\s[^>]*rel=[\"']canonical[\"']", re.IGNORECASE)


def _unguarded_hub_page(text: str) -> list[tuple[str, str]]:
    """A hub page without ``noindex`` or with a canonical link: search engines could list it."""
    problems = []
    robots = " ".join(_ROBOTS_META.findall(text)).lower()
    if "noindex" not in robots:
        problems.append(("no noindex", "every hub page must say <meta name=\"robots\" content=\"noindex, nofollow\">"))
    if _CANONICAL.search(text):
        problems.append(('rel="canonical"', "a hub page has no canonical address: it is not for search engines"))
    return problems


def _hub_root_leaks(hub: Path) -> list[Leak]:
    """The hub root's robots.txt must exist and disallow every crawler everything."""
    robots = hub / "robots.txt"
    text = robots.read_text(encoding="utf-8", errors="replace") if robots.is_file() else ""
    lines = [line.split("#", 1)[0].strip().lower().replace(" ", "") for line in text.splitlines()]
    if "user-agent:*" in lines and "disallow:/" in lines:
        return []
    return [Leak("", "robots.txt", "no Disallow: /", "the hub root's robots.txt must say User-agent: * / "
                 "Disallow: /", HUB)]
