"""Load ``partners/<slug>/partner.toml`` and each partner's logo."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from ..errors import Problem
from ..models import Partner
from ..schemas import PartnerFile, PersonalValues
from ..values import SLUG_PATTERN, printable_path, slug_problem
from .logos import LogoError, confined_file, inspect_logo
from .schema import parse_toml, toml_line, validate
from .state import SavedState, tree_digest

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


class OverrideFile(BaseModel):
    """An override file is a flat table of personalisation values."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # built when an override is read
    values: PersonalValues


LOGO_CANDIDATES = ("logo.svg", "logo.png", "logo.webp", "logo.jpg", "logo.jpeg")


# Below this many folders to load, starting worker processes costs more than it saves.
PARALLEL_LOAD_MINIMUM = 64


def load_partners(root: Path, state: SavedState | None = None, jobs: int = 1) -> tuple[list[Partner], list[Problem]]:
    """Load every partner folder, sorted by slug; collect all problems.

    With ``state``, a folder whose files are byte-for-byte unchanged is not parsed again.
    Folders that must be loaded are spread over ``jobs`` processes when there are many:
    measuring a logo's ink takes a few milliseconds.
    """
    return PartnerLoad(root, state, jobs).result()


class PartnerLoad:
    """Partner folders being loaded: worker processes (when there are many) start at once, and
    :meth:`result` waits for them, so the caller can load other files meanwhile."""

    def __init__(self, root: Path, state: SavedState | None = None, jobs: int = 1) -> None:
        self.state = state or SavedState()
        self.problems: list[Problem] = []
        self.folders: list[Path] = []
        self.digests: dict[Path, str] = {}
        self.unknown: list[Path] = []  # folders the saved state does not know: loaded here
        self._pool: ProcessPoolExecutor | None = None
        self._loading: Iterator[tuple[Partner | None, list[Problem]]] = iter(())
        partners_dir = root / "partners"
        if not partners_dir.is_dir():
            self.problems.append(Problem("partners", "folder is missing; create partners/<slug>/partner.toml"))
            return
        entries = sorted(partners_dir.iterdir())
        self.folders = [folder for folder in entries if not folder.name.startswith(".") and folder.is_dir()]
        # Hidden folders are not partners (.git, editors' folders), but one that holds a partner.toml may
        # be a partner someone meant to publish: say that it was skipped.
        self.problems += [Problem(printable_path(f"partners/{folder.name}"), "is a hidden folder (its name starts "
                                  "with '.'); skipped, not loaded as a partner", severity="warning")
                          for folder in entries if folder.name.startswith(".") and folder.is_dir()]
        self.digests = {folder: tree_digest(folder, state=self.state) + (" (link)" if folder.is_symlink() else "")
                        for folder in self.folders}
        self.unknown = [folder for folder in self.folders
                        if not self.state.partners.knows(folder.name, self.digests[folder])]
        if jobs <= 1 or len(self.unknown) < PARALLEL_LOAD_MINIMUM:
            self._loading = (load_partner(root, folder) for folder in self.unknown)
        else:
            # The workers need nothing but the code already imported. Small chunks: the last one
            # keeps a worker busy while the other has nothing left.
            import multiprocessing  # here: a build that loads few partner folders starts no pool
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"))
            self._loading = self._pool.map(functools.partial(load_partner, root), self.unknown,
                                           chunksize=max(1, len(self.unknown) // (jobs * 32)))

    def result(self) -> tuple[list[Partner], list[Problem]]:
        """The partners, sorted by slug, and every problem found."""
        try:
            loaded = dict(zip(self.unknown, self._loading, strict=True))
        finally:
            self.close()
        partners: list[Partner] = []
        problems = list(self.problems)
        for folder in self.folders:
            read = self.digests[folder]
            # Only folders the saved state does not know are loaded, and those were loaded above.
            partner, found = self.state.partners.recall(folder.name, read,
                                                        lambda: _known_by(loaded[folder], read))  # noqa: B023 - called at once
            problems += found
            if partner is not None:
                partners.append(partner)
        return partners, problems

    def __enter__(self) -> PartnerLoad:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes; a load given up before :meth:`result` starts no more folders."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _known_by(loaded: tuple[Partner | None, list[Problem]], digest: str) -> tuple[Partner | None, list[Problem]]:
    """A loaded partner with its folder's ``digest``, and its data's JSON made (the saved state keeps both)."""
    partner, problems = loaded
    if partner is None:
        return None, problems
    partner = dataclasses.replace(partner, digest=digest)
    partner.data_json  # noqa: B018 - made here, it is kept with the partner: a rebuild builds no schema for it
    return partner, problems


def load_partner(root: Path, folder: Path) -> tuple[Partner | None, list[Problem]]:
    """Load one partner folder; return the partner or the problems that stop it."""
    toml_path = folder / "partner.toml"
    file = toml_path.relative_to(root).as_posix()
    name_problem = slug_problem(folder.name)
    if name_problem is not None:
        return None, [Problem(printable_path(folder.relative_to(root).as_posix()),
                              f"folder name must be a slug: {name_problem}")]
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
    warnings = [Problem(file, f"{logo_name}: {warning}", field="logo", severity="warning") for warning in logo.warnings]
    return Partner(slug=folder.name, source=file, folder=folder, data=data, logo=logo,
                   overrides=overrides), warnings


def _load_overrides(root: Path, folder: Path) -> tuple[dict[str, tuple[str, dict[str, str]]], list[Problem]]:
    """Read ``overrides/<content-slug>.toml``: per-item personalisation kept in the partner's folder."""
    overrides: dict[str, tuple[str, dict[str, str]]] = {}
    problems: list[Problem] = []
    directory = folder / "overrides"
    if not directory.is_dir() or directory.is_symlink():
        return overrides, problems
    for path in sorted(directory.iterdir()):
        file = printable_path(path.relative_to(root).as_posix())
        if path.is_symlink() or not path.is_file() or path.suffix != ".toml" or not SLUG_PATTERN.fullmatch(path.stem):
            if not path.name.startswith("."):
                problems.append(Problem(file, "overrides must be files named <content-slug>.toml"))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:  # never read as U+FFFD and published
            problems.append(Problem(file, f"is not UTF-8 text (byte {error.start})"))
            continue
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
