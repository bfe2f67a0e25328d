"""The typed, frozen models every stage passes along: what loading produces from the files a vendor
writes (their schemas are in :mod:`cobrand.schemas`), plain, immutable data that the planner and
renderers read and never mutate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from .kinds import Kinds
from .schemas import Colors, PageFile, PartnerFile, ProjectFile, SocialFile


@dataclass(frozen=True)
class EnabledPlugin:
    """A plugin enabled in cobrand.toml: its name, the plugin object, and a digest of its code and files.

    The digest is part of every output's key (cache.site_key), so a new version of a plugin renders again
    what it may change. The object is a :class:`cobrand.hooks.Plugin`; it is typed ``object`` here because
    the hooks' events name these models, and the build only looks its hooks up by name
    (:func:`cobrand.hooks.each`).
    """

    name: str
    plugin: object
    digest: str


@dataclass(frozen=True)
class Logo:
    """A validated logo file: where it is, what it is, how big."""

    path: Path
    format: Literal["svg", "png", "jpeg", "webp"]
    width: float
    height: float
    digest: str
    visible: tuple[float, float, float, float] | None = None  # x, y, width, height of the ink (brand/ink.py)
    # The only bytes renderers and the site may use: SVG rebuilt from the allowlist (load/svg_allowlist.py),
    # raster files as checked. Never compared: ``digest`` already names them.
    data: bytes = field(default=b"", compare=False, repr=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)  # what loading dropped or advises

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "jpeg" else self.format

    @property
    def visible_box(self) -> tuple[float, float, float, float]:
        """The box of the logo's visible content, in its own units; the whole logo if not measured."""
        return self.visible or (0.0, 0.0, self.width, self.height)


@dataclass(frozen=True)
class Vendor:
    name: str
    website: str
    legal: str
    colors: Colors
    logo: Logo


@dataclass(frozen=True)
class Partner:
    """One partner, validated. ``source`` is the partner.toml path relative to the project."""

    slug: str
    source: str
    folder: Path
    data: PartnerFile
    logo: Logo
    # Per-content personalisation from overrides/<content-slug>.toml: slug -> (file, values)
    overrides: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    digest: str = ""  # of every file in the partner's folder (load/state.py), when loaded from disk

    @cached_property
    def data_json(self) -> str:
        """``data`` as its schema writes it (JSON), part of the partner's cache key: made once, when the folder is
        loaded, and kept with the partner in the saved state, so a rebuild builds no schema for it. A partner
        made by ``dataclasses.replace`` (another tier, for the hub's program page) makes its own."""
        return self.data.model_dump_json()

    @property
    def name(self) -> str:
        return self.data.name

    @property
    def tier(self) -> str:
        return self.data.tier


@dataclass(frozen=True)
class Expression:
    """A ``{{ ... }}`` token in content: its Jinja source and where it was written."""

    source: str
    line: int
    in_url: bool = False
    starts_url: bool = False
    in_id: bool = False  # inside a heading's id: the value is slugified like the heading's text


@dataclass(frozen=True)
class Templated:
    """Text or HTML with partner tokens, parsed once and filled per partner.

    Literal segments are final output (already-escaped HTML when ``html``);
    expressions are filled in the content sandbox.
    """

    segments: tuple[str | Expression, ...]
    html: bool

    @property
    def expressions(self) -> tuple[Expression, ...]:
        return tuple(seg for seg in self.segments if isinstance(seg, Expression))


# A kind's name (kinds.py): the built-ins are blog, one-pagers, media and social; plugins add more.
ContentKind = str


@dataclass(frozen=True)
class ContentItem:
    """One piece of content, parsed once per build and rendered per partner."""

    kind: ContentKind
    slug: str
    source: str
    meta: PageFile | SocialFile
    body: Templated | None
    variants: dict[str, Templated] = field(default_factory=dict)
    # Front-matter text filled per partner like the body: title, summary (given or derived), headline.
    texts: dict[str, Templated] = field(default_factory=dict)
    digest: str = ""
    words: int = 0
    assets: tuple[str, ...] = ()
    lang: str | None = None  # a translation's language (``<slug>.<lang>.md``); None for the original
    # From its kind (kinds.py): whether it has a page of its own, and a PDF in the kit.
    has_page: bool = True
    has_pdf: bool = False
    # ``meta`` as its schema writes it (JSON), made when the file is parsed (the cards' keys read it); "" for
    # an item made in memory: :attr:`meta_key` dumps it then.
    meta_json: str = ""

    @cached_property
    def meta_key(self) -> str:
        """``meta`` as JSON: :attr:`meta_json`, or the model's dump when the item was not parsed from a file."""
        return self.meta_json or self.meta.model_dump_json()

    # Cached: planning and rendering ask for these hundreds of times per partner.
    @cached_property
    def key(self) -> str:
        """``kind/slug``: how social posts and reports name an item (the same for its translations)."""
        return f"{self.kind}/{self.slug}"

    @cached_property
    def variant_id(self) -> str:
        """``kind/slug`` plus the language of a translation: unique among all loaded files."""
        return self.key + (f".{self.lang}" if self.lang else "")

    @cached_property
    def page_path(self) -> str | None:
        """Where the item's page lives inside a partner's site, if it has one."""
        return f"{self.kind}/{self.slug}.html" if self.has_page else None

    @property
    def pdf_path(self) -> str | None:
        """Where the item's PDF is published on a partner's public site: beside its page."""
        return f"{self.kind}/{self.slug}.pdf" if self.has_pdf else None

    @property
    def kit_pdf_path(self) -> str | None:
        """Where the kit in a partner's hub keeps a copy of the item's PDF."""
        return f"kit/{self.slug}.pdf" if self.has_pdf else None

    @cached_property
    def publish_date(self) -> dt.date:
        """The first day the item may be published: its ``publish`` date, or its ``date`` if later."""
        return max(self.meta.date, self.meta.publish or self.meta.date)


@dataclass(frozen=True)
class Theme:
    """The theme chain, most specific first; the last entry is cobrand's default."""

    name: str
    folders: tuple[Path, ...]


def translation_language(locale: str) -> str:
    """The language a partner of ``locale`` gets translations in (``de`` for ``de-DE``): what
    :meth:`Project.localized` picks by, and all the planner's key reads of the locale."""
    return locale.split("-")[0].lower()


@dataclass(frozen=True)
class Project:
    root: Path
    config: ProjectFile
    vendor: Vendor
    partners: tuple[Partner, ...]
    content: tuple[ContentItem, ...]
    theme: Theme
    today: dt.date
    kinds: Kinds  # the content kinds, built-in and the plugins' (kinds.py)
    partner_folders: frozenset[str] = frozenset()  # every folder under partners/, loadable or not
    translations: dict[str, dict[str, ContentItem]] = field(default_factory=dict)  # key -> lang -> item
    preview: frozenset[str] = frozenset()  # "drafts", "future": what a preview shows besides published items
    plugins: tuple[EnabledPlugin, ...] = ()  # enabled in cobrand.toml [plugins], in that order (hooks.py)
    withheld: frozenset[str] = frozenset()  # items (kind/slug) with errors, left out of this build (fleet.py)
    # The digest of cobrand.toml's text, which fixes ``config`` (load/__init__.py); "" for a project made in
    # memory: :attr:`config_key` digests the config's dump then.
    config_digest: str = ""

    def localized(self, item: ContentItem, locale: str) -> ContentItem:
        """The translation of ``item`` for ``locale`` (``de-DE`` -> ``de``) when there is one."""
        return self.translations.get(item.key, {}).get(translation_language(locale), item)

    @cached_property
    def config_key(self) -> str:
        """What ``config`` is made from, for cache keys: a rebuild reads cobrand.toml's result from the saved state
        and never dumps (so never builds the schema of) the config."""
        return self.config_digest or hashlib.sha256(self.config.model_dump_json().encode()).hexdigest()

    def tier_rank(self, tier: str) -> int:
        return self.config.tiers.order.index(tier)
