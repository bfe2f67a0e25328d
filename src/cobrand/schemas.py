"""The schemas of what a vendor writes: cobrand.toml, partner.toml and content front matter.

They are pydantic models that forbid unknown keys, so a typo is reported, not ignored; loading
(src/cobrand/load/) validates each file against its schema and turns the result into the frozen
models of :mod:`cobrand.models`. docs/reference.md is generated from this module, descriptions taken
from the comments beside each key (scripts/gen_reference.py), so this one file is the single source
of what those files accept.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

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

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class Schema(BaseModel):
    """Strict base: frozen, unknown keys are errors. Each schema's validator is built when first used, not when
    cobrand is imported: a rebuild validates few of them (an edited post's front matter), a command none.
    So no default here is an instance of a schema (that would build it at import): defaults that are tables
    are made by their factories."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


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
    model_config = ConfigDict(frozen=True, extra="allow", defer_build=True)
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


def default_personalize() -> dict[str, PersonalizeFieldFile]:
    """The [personalize] fields of a project that declares none."""
    return {
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
    ecosystems: KnownValuesFile = Field(default_factory=KnownValuesFile)
    regions: KnownValuesFile = Field(default_factory=KnownValuesFile)
    personalize: dict[FieldName, PersonalizeFieldFile] = Field(default_factory=default_personalize)
    tracking: TrackingConfigFile = Field(default_factory=TrackingConfigFile)
    brand: BrandFile = Field(default_factory=BrandFile)
    print: PrintFile = Field(default_factory=PrintFile)
    plugins: PluginsFile = Field(default_factory=PluginsFile)
    hub: HubFile = Field(default_factory=HubFile)


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
    contact: ContactFile = Field(default_factory=ContactFile)
    personalize: PersonalValues = Field(default_factory=dict)
    tracking: TrackingFile = Field(default_factory=TrackingFile)


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
