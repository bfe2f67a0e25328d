"""Load ``partners/<slug>/partner.toml`` and each partner's logo."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ..errors import Problem
from ..models import Partner, PartnerFile, PersonalValues
from ..values import SLUG_PATTERN
from .logos import LogoError, confined_file, inspect_logo
from .memo import LoadMemo, tree_digest
from .schema import parse_toml, toml_line, validate


class OverrideFile(BaseModel):
    """An override file is a flat table of personalisation values."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    values: PersonalValues


LOGO_CANDIDATES = ("logo.svg", "logo.png", "logo.webp", "logo.jpg", "logo.jpeg")


def load_partners(root: Path, memo: LoadMemo | None = None) -> tuple[list[Partner], list[Problem]]:
    """Load every partner folder, sorted by slug; collect all problems.

    With ``memo``, a folder whose files are byte-for-byte unchanged is not parsed again.
    """
    memo = memo or LoadMemo()
    partners_dir = root / "partners"
    if not partners_dir.is_dir():
        return [], [Problem("partners", "folder is missing; create partners/<slug>/partner.toml")]
    partners: list[Partner] = []
    problems: list[Problem] = []
    for folder in sorted(partners_dir.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        read = tree_digest(folder, memo=memo) + (" (link)" if folder.is_symlink() else "")
        partner, found = memo.recall(f"partners/{folder.name}", read, lambda: load_partner(root, folder))  # noqa: B023 - called at once
        problems += found
        if partner is not None:
            partners.append(dataclasses.replace(partner, digest=read))
    return partners, problems


def load_partner(root: Path, folder: Path) -> tuple[Partner | None, list[Problem]]:
    """Load one partner folder; return the partner or the problems that stop it."""
    toml_path = folder / "partner.toml"
    file = toml_path.relative_to(root).as_posix()
    if not SLUG_PATTERN.match(folder.name):
        return None, [Problem(folder.relative_to(root).as_posix(),
                              "folder name must be a slug: lower-case letters, digits and hyphens")]
    if folder.is_symlink() or toml_path.is_symlink():
        return None, [Problem(file, "is a symbolic link; partner folders and partner.toml must be real files")]
    if not toml_path.is_file():
        return None, [Problem(file, "is missing (every partner folder needs a partner.toml)")]
    try:
        text = toml_path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(file, "is not UTF-8 text")]
    raw, problems = parse_toml(text, file)
    if raw is None:
        return None, problems
    data, problems = validate(PartnerFile, raw, file, toml_text=text)
    if data is None:
        return None, problems
    logo_name = data.logo or next((name for name in LOGO_CANDIDATES if (folder / name).is_file()), None)
    if logo_name is None:
        return None, [Problem(file, f"no logo: add one of {', '.join(LOGO_CANDIDATES)} or set logo",
                              field="logo")]
    try:
        logo = inspect_logo(confined_file(folder, logo_name))
    except LogoError as error:
        return None, [Problem(file, f"{logo_name}: {error}", field="logo")]
    overrides, problems = _load_overrides(root, folder)
    if problems:
        return None, problems
    return Partner(slug=folder.name, source=file, folder=folder, data=data, logo=logo,
                   overrides=overrides), []


def _load_overrides(root: Path, folder: Path) -> tuple[dict[str, tuple[str, dict[str, str]]], list[Problem]]:
    """Read ``overrides/<content-slug>.toml``: per-item personalisation kept in the partner's folder."""
    overrides: dict[str, tuple[str, dict[str, str]]] = {}
    problems: list[Problem] = []
    directory = folder / "overrides"
    if not directory.is_dir() or directory.is_symlink():
        return overrides, problems
    for path in sorted(directory.iterdir()):
        file = path.relative_to(root).as_posix()
        if path.is_symlink() or not path.is_file() or path.suffix != ".toml" or not SLUG_PATTERN.match(path.stem):
            if not path.name.startswith("."):
                problems.append(Problem(file, "overrides must be files named <content-slug>.toml"))
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        raw, found = parse_toml(text, file)
        problems += found
        if raw is None:
            continue
        values, found = validate(OverrideFile, {"values": raw}, file)
        problems += [Problem(p.file, p.message, (p.field or "").removeprefix("values.") or None,
                             toml_line(text, (p.field or "").split(".")[1:2] or [""])) for p in found]
        if values is not None:
            overrides[path.stem] = (file, dict(values.values))
    return overrides, problems
