"""Load ``partners/<slug>/partner.toml`` and each partner's logo."""

from __future__ import annotations

from pathlib import Path

from ..errors import Problem
from ..models import Partner, PartnerFile
from ..values import SLUG_PATTERN
from .logos import LogoError, confined_file, inspect_logo
from .schema import parse_toml, validate

LOGO_CANDIDATES = ("logo.svg", "logo.png", "logo.webp", "logo.jpg", "logo.jpeg")


def load_partners(root: Path) -> tuple[list[Partner], list[Problem]]:
    """Load every partner folder, sorted by slug; collect all problems."""
    partners_dir = root / "partners"
    if not partners_dir.is_dir():
        return [], [Problem("partners", "folder is missing; create partners/<slug>/partner.toml")]
    partners: list[Partner] = []
    problems: list[Problem] = []
    for folder in sorted(partners_dir.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        partner, found = load_partner(root, folder)
        problems += found
        if partner is not None:
            partners.append(partner)
    return partners, problems


def load_partner(root: Path, folder: Path) -> tuple[Partner | None, list[Problem]]:
    """Load one partner folder; return the partner or the problems that stop it."""
    toml_path = folder / "partner.toml"
    file = toml_path.relative_to(root).as_posix()
    if not SLUG_PATTERN.match(folder.name):
        return None, [Problem(folder.relative_to(root).as_posix(),
                              "folder name must be a slug: lower-case letters, digits and hyphens")]
    if folder.is_symlink() or not toml_path.is_file() or toml_path.is_symlink():
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
    return Partner(slug=folder.name, source=file, folder=folder, data=data, logo=logo), []
