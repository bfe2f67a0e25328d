"""The typed, frozen models every stage passes along.

The ``*File`` classes are pydantic schemas for what a user writes (TOML and
YAML); they forbid unknown keys so a typo is reported, not ignored. The
dataclasses below them are what loading produces: plain, immutable data
that the planner and renderers read and never mutate.

It is over 500 lines on purpose: every schema a user writes is in this one module, and
docs/reference.md is generated from it, descriptions taken from the comments beside each key
(scripts/gen_reference.py), so one file is the single source of what cobrand.toml, partner.toml
and front matter accept.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from .values import (
    Color,
    ContentDate,
    Email,
    Locale,
    Phone,
    RelativePath,
    Slug,
    WebUrl,
    check_multiline_text,
    check_text,
    normalise_newlines,
)

if TYPE_CHECKING:
    from .kinds import Kinds
    from .plugins import EnabledPlugin

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class Schema(BaseModel):
    """Strict base: frozen, unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --- cobrand.toml -----------------------------------------------------------


class Colors(Schema):
    primary: Color
    accent: Color | None = None


class VendorFile(Schema):
    name: ShortText
    website: WebUrl
    logo: RelativePath
    legal: LongText
    # The legal line in other languages, by language code ("de", "ja"): a partner gets the one of its
    # locale's language, else ``legal`` marked with the site's language.
    legal_translations: dict[Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")], LongText] = Field(
        default_factory=dict)
    colors: Colors


class SiteFile(Schema):
    base_url: str
    theme: Slug = "default"
    title: ShortText = "Partner resources"
    # The language of the vendor's original content, legal line and the theme's own strings: pages in
    # another language mark such text with it (lang="en").
    language: Locale = "en"
    # Where syndicated articles' rel=canonical points: "vendor" (the syndication norm) names the vendor's
    # original, an item's front matter canonical_url, so partners' copies do not compete with it or with
    # each other in search; "partner" names each partner's own copy. Items without canonical_url (partner-only
    # content, or a vendor that does not publish them itself) name the partner's copy either way.
    canonical: Literal["vendor", "partner"] = "vendor"

    @field_validator("base_url")
    @classmethod
    def _base_url_has_partner(cls, value: str) -> str:
        """An http(s) URL that contains ``{partner}`` and ends with ``/``."""
        from .values import check_web_url

        check_web_url(value.replace("{partner}", "partner"))
        if "{partner}" not in value:
            raise ValueError('must contain "{partner}", e.g. "https://partners.example/{partner}/"')
        if not value.endswith("/"):
            raise ValueError("must end with '/'")
        return value


BenefitText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


def _listed_once(value: list[str]) -> list[str]:
    """``value`` when no name is in it twice; else the error naming those that are."""
    twice = sorted({name for name in value if value.count(name) > 1})
    if twice:
        raise ValueError(f"lists {', '.join(twice)} more than once")
    return value


class TierFile(Schema):
    """What one tier of the partner program includes, shown on each partner's hub: ``[tiers.<name>]``."""

    description: LongText | None = None  # one or two sentences: who the tier is for, what it asks
    benefits: list[BenefitText] = Field(default_factory=list, max_length=40)  # what the tier gives, one line each


class TiersFile(Schema):
    """The program's tiers, lowest first, and what each includes: ``[tiers.<name>]`` tables of tiers in ``order``."""

    # Any other key is a [tiers.<name>] table (TierFile): pydantic validates these "extra" keys with that type.
    model_config = ConfigDict(frozen=True, extra="allow")
    __pydantic_extra__: dict[str, TierFile] = Field(init=False)

    order: list[Slug] = Field(min_length=1)

    @field_validator("order")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        """No tier listed twice."""
        return _listed_once(value)

    @model_validator(mode="wrap")
    @classmethod
    def _described_tiers_are_ordered(cls, data: Any, handler: ModelWrapValidatorHandler[TiersFile]) -> TiersFile:
        """Every [tiers.<name>] table describes a tier that order lists."""
        # Errors are raised at the table's own key (tiers.<name>), so the message names the table and its line.
        errors: list[InitErrorDetails] = []
        if isinstance(data, dict):
            for key, value in data.items():
                if key != "order" and not isinstance(value, dict):
                    hint = " did you mean 'order'?" if difflib.get_close_matches(str(key), ["order"]) else ""
                    errors.append(InitErrorDetails(type=PydanticCustomError(
                        "tier_table", "unknown field;{hint} [tiers] holds order and [tiers.<name>] tables",
                        {"hint": hint}), loc=(key,), input=value))
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        model = handler(data)
        order = model.order
        for name, table in model.described.items():
            if name not in order:
                errors.append(InitErrorDetails(type=PydanticCustomError(
                    "tier_not_ordered", "describes the tier '{name}', which [tiers] order does not list ({order}); "
                    "add it to order or rename the table",
                    {"name": name, "order": ", ".join(order)}), loc=(name,), input=table))
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return model

    @property
    def described(self) -> dict[str, TierFile]:
        """The ``[tiers.<name>]`` tables by tier name."""
        return dict(self.__pydantic_extra__ or {})

    def about(self, tier: str) -> TierFile:
        """What ``tier`` includes; an empty description where cobrand.toml gives none."""
        return self.described.get(tier) or TierFile()


class KnownValuesFile(Schema):
    known: list[Slug] = Field(default_factory=list)


class PersonalizeFieldFile(Schema):
    """A field the vendor opens to partners; everything else stays locked."""

    label: ShortText | None = None
    kind: Literal["text", "url"] = "text"
    max_length: int = Field(default=400, ge=1, le=5000)
    multiline: bool = False  # whether partners' values may hold line breaks
    required: bool = False
    default: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = None

    @model_validator(mode="after")
    def _default_fits(self) -> PersonalizeFieldFile:
        """The default is what partners who fill nothing show: it obeys the field's own rules."""
        if self.default is not None:
            if len(self.default) > self.max_length:
                raise ValueError(f"default is {len(self.default)} characters; max_length is {self.max_length}")
            if "\n" in self.default and not self.multiline:
                raise ValueError("default has a line break; set multiline = true to allow them")
            if self.kind == "url":
                from .values import check_link_url

                check_link_url(self.default)
        return self


DEFAULT_PERSONALIZE = {
    "intro": PersonalizeFieldFile(label="Introduction", max_length=400),
    "cta_label": PersonalizeFieldFile(label="Call to action", max_length=40, default="Contact us"),
    "cta_url": PersonalizeFieldFile(label="Call to action link", kind="url", max_length=500),
    "closing": PersonalizeFieldFile(label="Closing line", max_length=400),
}


class TrackingConfigFile(Schema):
    """How links to the vendor's site are tagged (utm_source is the partner's)."""

    enabled: bool = True
    utm_medium: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,50}$")] = "partner"
    site_campaign: Slug = "partner-site"


class BrandFile(Schema):
    """Brand rules applied in every lockup and reported by ``cobrand check``."""

    clear_space: float = Field(default=0.5, ge=0, le=3)         # gap between logos, in partner-logo heights
    vendor_max_ratio: float = Field(default=0.6, gt=0, le=1)    # vendor logo area / partner logo area, at most
    min_logo_height_px: int = Field(default=28, ge=8, le=200)   # smallest on-screen partner logo height
    print_logo_height_mm: float = Field(default=12, ge=4, le=60)  # partner logo height on PDFs


class PrintFile(Schema):
    """PDF options: ``press`` adds a bleed-and-crop-marks PDF of each one-pager for print shops."""

    press: bool = False


PluginName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")]


class PluginsFile(Schema):
    """Plugins to run (entry points of the group ``cobrand.plugins``): a vendor decision, never a partner's.

    They run with the vendor's trust, as the theme does (docs/plugins.md); none runs unless named here.
    """

    enabled: list[PluginName] = Field(default_factory=list)

    @field_validator("enabled")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        """No plugin enabled twice."""
        return _listed_once(value)


class HubFile(Schema):
    """Each partner's hub: the partner-facing pages (program, what's new, kit), deployed apart from its site."""

    # The hub's address, for its Atom feed's absolute links; omitted: the feed's links are relative.
    base_url: str | None = None
    new_days: int = Field(default=30, ge=1, le=366)  # "what's new" lists items added or updated in this many days
    expiring_days: int = Field(default=30, ge=1, le=366)  # "expiring soon" lists items expiring within this many days

    @field_validator("base_url")
    @classmethod
    def _hub_url_has_partner(cls, value: str | None) -> str | None:
        """An http(s) URL that contains ``{partner}`` and ends with ``/``."""
        if value is None:
            return value
        return SiteFile._base_url_has_partner(value)


class ProjectFile(Schema):
    vendor: VendorFile
    site: SiteFile
    tiers: TiersFile
    ecosystems: KnownValuesFile = KnownValuesFile()
    regions: KnownValuesFile = KnownValuesFile()
    personalize: dict[FieldName, PersonalizeFieldFile] = Field(default_factory=lambda: dict(DEFAULT_PERSONALIZE))
    tracking: TrackingConfigFile = TrackingConfigFile()
    brand: BrandFile = BrandFile()
    print: PrintFile = PrintFile()
    plugins: PluginsFile = PluginsFile()
    hub: HubFile = HubFile()


# --- partners/<slug>/partner.toml ---------------------------------------------


# Partner text: no control or bidi characters (values.check_text); line breaks only where a value may span lines.
PartnerName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
                        AfterValidator(check_text)]
PartnerAddress = Annotated[str, BeforeValidator(normalise_newlines),
                           StringConstraints(strip_whitespace=True, max_length=200),
                           AfterValidator(check_multiline_text)]


class ContactFile(Schema):
    email: Email | None = None
    phone: Phone | None = None
    address: PartnerAddress | None = None


FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
# What partners may write in [personalize] and overrides: plain text, checked
# against the vendor's field declarations in the validate stage.
PersonalValues = dict[FieldName, Annotated[str, BeforeValidator(normalise_newlines),
                                           StringConstraints(strip_whitespace=True, max_length=5000),
                                           AfterValidator(check_multiline_text)]]


class TrackingFile(Schema):
    utm_source: Slug | None = None


class PartnerFile(Schema):
    name: PartnerName
    tier: Slug
    ecosystems: list[Slug] = Field(default_factory=list)
    regions: list[Slug] = Field(default_factory=list)
    locale: Locale = "en-US"
    website: WebUrl | None = None
    logo: RelativePath | None = None
    colors: Colors
    contact: ContactFile = ContactFile()
    personalize: PersonalValues = Field(default_factory=dict)
    tracking: TrackingFile = TrackingFile()


# --- content front matter -------------------------------------------------------


class GatingFile(Schema):
    """Who gets the item (every rule must let the partner in) and when."""

    min_tier: Slug | None = None  # omitted: every tier; else this tier or above in [tiers].order
    ecosystems: list[Slug] | None = None  # omitted: every ecosystem; else the partner needs one of them
    regions: list[Slug] | None = None  # omitted: every region; else the partner needs one of them
    partners: list[Slug] | None = None  # omitted: every partner; else only these (a partner-specific item)
    expires: dt.date | None = None  # not published after this day
    draft: bool = False  # published to nobody; its problems are warnings (`cobrand new` writes true)
    publish: ContentDate | None = None  # unpublished before this day (a future `date` does the same)
    # Shows the title to partners of lower tiers, on their hub's "what the next tier adds"; omitted: counts only.
    teaser: bool = False


def _not_before_date(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    """Not before the item's ``date``."""
    date = info.data.get("date")
    if value is not None and isinstance(date, dt.date) and value < date:
        raise ValueError(f"{value.isoformat()} is before the item's date ({date.isoformat()})")
    return value


# The day the item last changed in a way partners should hear of: listed on their hubs' "what's new".
UpdatedDate = Annotated[ContentDate | None, AfterValidator(_not_before_date)]


class PageFile(GatingFile):
    title: ShortText
    date: ContentDate
    updated: UpdatedDate = None  # the last day the item changed in a way partners should hear of (hub: what's new)
    # Omitted: the body's first paragraph, as plain text cut at a word (load/markdown.py).
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None
    author: ShortText | None = None
    tags: list[ShortText] = Field(default_factory=list)
    image: RelativePath | None = None
    canonical_url: WebUrl | None = None  # the vendor's own copy of the item, for [site] canonical = "vendor"


class OnePagerFile(PageFile):
    subtitle: ShortText | None = None


# Audio formats browsers play in <audio>, by file extension, with their MIME type.
AUDIO_TYPES = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "aac": "audio/aac", "ogg": "audio/ogg",
               "oga": "audio/ogg", "opus": "audio/ogg", "wav": "audio/wav"}


def audio_extension(path: str) -> str:
    """The lower-case extension of an audio path without its dot (``""`` when it has none)."""
    return PurePosixPath(path).suffix.lower().removeprefix(".")


class EmbedFile(Schema):
    """Where a media item plays from: a YouTube or Vimeo video, or an audio file in ``content/``."""

    youtube: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{11}$")] | None = None
    vimeo: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}$")] | None = None
    audio: RelativePath | None = None  # relative to content/, e.g. media/audio/episode-12.mp3

    @field_validator("audio")
    @classmethod
    def _audio_format(cls, value: str | None) -> str | None:
        """The extension of an audio format browsers play in ``<audio>`` (``AUDIO_TYPES``)."""
        # The extension decides the MIME type the page announces; the loader checks the bytes match it.
        if value is not None and audio_extension(value) not in AUDIO_TYPES:
            allowed = ", ".join(f".{extension}" for extension in AUDIO_TYPES)
            raise ValueError(f"{value[:80]!r} is not an audio file; use one of {allowed}")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> EmbedFile:
        """Exactly one of youtube, vimeo or audio."""
        given = [name for name in ("youtube", "vimeo", "audio") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of youtube, vimeo or audio")
        return self


class MediaFile(PageFile):
    kind: Literal["video", "podcast"]
    duration: Annotated[str, StringConstraints(pattern=r"^(\d{1,2}:)?\d{1,2}:\d{2}$")]
    embed: EmbedFile


class VariantsFile(Schema):
    linkedin: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    x: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    facebook: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class SocialFile(GatingFile):
    title: ShortText
    date: ContentDate
    updated: UpdatedDate = None  # the last day the post changed in a way partners should hear of (hub: what's new)
    # kind/slug of an item with a page (blog/..., one-pagers/..., media/... or a plugin kind's): validate.py checks it.
    link: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*/[a-z0-9-]+$")] | None = None
    hashtags: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{1,50}$")]] = Field(
        default_factory=list
    )
    image: RelativePath | None = None
    # What the post's images show: public text. Omitted: the first line of each network's text.
    headline: ShortText | None = None
    variants: VariantsFile


# --- loaded models ------------------------------------------------------------------


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
    plugins: tuple[EnabledPlugin, ...] = ()  # enabled in cobrand.toml [plugins], in that order (plugins.py)
    withheld: frozenset[str] = frozenset()  # items (kind/slug) with errors, left out of this build (fleet.py)

    def localized(self, item: ContentItem, locale: str) -> ContentItem:
        """The translation of ``item`` for ``locale`` (``de-DE`` -> ``de``) when there is one."""
        return self.translations.get(item.key, {}).get(locale.split("-")[0].lower(), item)

    def tier_rank(self, tier: str) -> int:
        return self.config.tiers.order.index(tier)
