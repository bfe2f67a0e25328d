"""The example project as the tests see it: where it is, how to copy it, and an independent reading of it.

The example project at the repository root is built once per session by the ``example_build`` fixture
(tests/conftest.py) and every test that only reads the output reuses that build. Tests that change the
project work on a copy made by :func:`copy_example`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import cobrand

ROOT = Path(__file__).resolve().parents[2]
EPOCH = "1795305600"  # 2026-11-22T00:00:00Z
ENVIRON = {"SOURCE_DATE_EPOCH": EPOCH}
BUILD_DATE = dt.datetime.fromtimestamp(int(EPOCH), tz=dt.UTC).date()
PROJECT_PARTS = ("cobrand.toml", "content", "partners", "themes", "brand")
COPY_IGNORE = shutil.ignore_patterns("build", ".venv", ".git", "node_modules", "__pycache__",
                                     ".pytest_cache", "test-artifacts", ".mypy_cache", ".ruff_cache")


CHROMIUM = Path("/usr/bin/chromium")  # Debian's, installed by scripts/setup: Playwright never downloads one


def playwright_or_skip():
    """Playwright's sync API when it and Debian's chromium are installed; otherwise skip with the reason.

    CI fails on any skip (tests/support/ci_skips.py): this only lets a machine without a browser run the rest.
    """
    if not CHROMIUM.is_file():
        pytest.skip(f"Debian's chromium is needed at {CHROMIUM}: run bash scripts/setup")
    return pytest.importorskip("playwright.sync_api", reason="playwright is missing: run bash scripts/setup")


def copy_example(tmp_path: Path, name: str = "project") -> Path:
    """Copy the example project to ``tmp_path/name`` (without build output, venv, git) and return it."""
    target = tmp_path / name
    target.mkdir(parents=True)
    # Only the project itself: not the code, tests, benchmarks or build output of this repository.
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=COPY_IGNORE, symlinks=False)
        elif source.is_file():
            shutil.copy2(source, target / part)
    return target


def nothing_but_the_report(out: Path) -> bool:
    """True when a refused build left ``out`` holding only its report.json (issue 20), the overview page that
    says why (run state like the report) and the lock file, and made no hubs' folder beside it."""
    hubs = out.with_name(out.name + "-hub")
    return (not out.exists() or {path.relative_to(out).as_posix() for path in out.rglob("*")} <= {
        "report.json", "overview.html", ".cobrand.lock"}) and not hubs.exists()


def project_files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by POSIX relative path, with its bytes."""
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def file_digests(root: Path) -> dict[str, str]:
    """Every file under ``root`` by POSIX relative path, with the SHA-256 of its bytes.

    Compare these rather than bytes: a failing assertion then prints names and hashes, not
    megabytes of PDF (pytest's diff of large byte strings can take minutes).
    """
    return {name: hashlib.sha256(data).hexdigest() for name, data in project_files(root).items()}


# --- an independent reading of the example project ------------------------------------


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if path.suffix in {".yaml", ".yml"}:
        return yaml.safe_load(text)
    assert text.startswith("---\n"), path
    return yaml.safe_load(text.split("---\n", 2)[1])


@dataclass(frozen=True)
class Item:
    kind: str  # blog, one-pagers, media, social
    slug: str
    meta: dict
    source: Path
    lang: str | None = None  # set on translations: <slug>.<lang>.md

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def page_path(self) -> str | None:
        return None if self.kind == "social" else f"{self.kind}/{self.slug}.html"

    @property
    def body(self) -> str:
        text = self.source.read_text(encoding="utf-8")
        if self.kind == "social":
            return "\n".join(self.meta["variants"].values())
        return text.split("---\n", 2)[2]


@dataclass(frozen=True)
class PartnerInfo:
    slug: str
    data: dict

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def email(self) -> str:
        return self.data["contact"]["email"]

    @property
    def phone(self) -> str:
        return self.data["contact"]["phone"]

    @property
    def primary(self) -> str:
        return self.data["colors"]["primary"].lower()

    @property
    def locale(self) -> str:
        return self.data.get("locale", "en-US")

    @property
    def letter(self) -> bool:
        return self.locale.rsplit("-", 1)[-1] in {"US", "CA"}


def load_config(root: Path = ROOT) -> dict:
    return tomllib.loads((root / "cobrand.toml").read_text(encoding="utf-8"))


def load_partners(root: Path = ROOT) -> list[PartnerInfo]:
    return [PartnerInfo(folder.name, tomllib.loads((folder / "partner.toml").read_text(encoding="utf-8")))
            for folder in sorted((root / "partners").iterdir()) if (folder / "partner.toml").is_file()]


def _split_name(path: Path) -> tuple[str, str | None]:
    """``<slug>.md`` -> (slug, None); ``<slug>.<lang>.md`` (a translation) -> (slug, lang)."""
    stem = path.name.rsplit(".", 1)[0]
    slug, _, lang = stem.partition(".")
    return slug, lang or None


def load_items(root: Path = ROOT, *, translations: bool = False) -> list[Item]:
    """Content items in their original language (or, with ``translations``, only the translations)."""
    items = []
    for kind, pattern in (("blog", "*.md"), ("one-pagers", "*.md"), ("media", "*.md"), ("social", "*.yaml")):
        for path in sorted((root / "content" / kind).glob(pattern)):
            slug, lang = _split_name(path)
            if (lang is not None) == translations:
                items.append(Item(kind, slug, _front_matter(path), path, lang))
    return items


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def entitled(item: Item, partner: PartnerInfo, config: dict, today: dt.date = BUILD_DATE) -> bool:
    """The entitlement rules, re-implemented from the design, not from src/."""
    meta, data = item.meta, partner.data
    order = config["tiers"]["order"]
    if meta.get("draft"):
        return False
    if meta.get("expires") is not None and _as_date(meta["expires"]) < today:
        return False
    if meta.get("partners") is not None and partner.slug not in meta["partners"]:
        return False
    if meta.get("min_tier") is not None and order.index(data["tier"]) < order.index(meta["min_tier"]):
        return False
    if meta.get("ecosystems") is not None and not set(meta["ecosystems"]) & set(data.get("ecosystems", [])):
        return False
    return not (meta.get("regions") is not None and not set(meta["regions"]) & set(data.get("regions", [])))


CONFIG = load_config()
PARTNERS = load_partners()
PARTNER_SLUGS = [partner.slug for partner in PARTNERS]
ITEMS = load_items()
TRANSLATIONS = load_items(translations=True)


def localized(item: Item, partner: PartnerInfo) -> Item:
    """The version of ``item`` a partner gets: the translation into its locale's language, if any."""
    language = partner.locale.split("-", 1)[0]
    return next((t for t in TRANSLATIONS if (t.kind, t.slug, t.lang) == (item.kind, item.slug, language)), item)


def partner_by_slug(slug: str) -> PartnerInfo:
    return next(partner for partner in PARTNERS if partner.slug == slug)


# --- the session build ---------------------------------------------------------------


@dataclass(frozen=True)
class ExampleBuild:
    out: Path
    report: cobrand.BuildReport

    @property
    def hub(self) -> Path:
        """The folder of the partners' hubs, beside ``out`` (the default of ``build(hub_dir=...)``)."""
        return self.out.with_name(self.out.name + "-hub")


def generate_project(folder: Path, partners: int, items: int, mix: tuple[float, float, float] = (0.6, 0.2, 0.2)
                     ) -> Path:
    """A project from benchmarks/generate.py (no network, no clock) in ``folder/project``."""
    import importlib.util
    import sys

    name = "cobrand_bench_generate"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "generate.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
    sys.modules[name].generate(folder, partners, items, mix=mix, hugo=False)
    return folder / "project"
