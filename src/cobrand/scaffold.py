"""``cobrand init`` and ``cobrand new``: projects, partners and content from templates.

Every file written here passes cobrand's own validation, so a project still
builds after each command. Nothing is ever overwritten: an existing file (or a
non-empty folder for ``init``) is a :class:`~cobrand.errors.UsageError`.
Templates live in ``cobrand/scaffold_templates/`` and use ``$name`` fields
(:class:`string.Template`); every value is quoted for the format it lands in.
"""

from __future__ import annotations

import colorsys
import dataclasses
import datetime as dt
import hashlib
import html
import os
import re
import string
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from .errors import UsageError
from .outline import text_path
from .schemas import default_personalize
from .validate import today_from_environment
from .values import SLUG_PATTERN, check_email, check_locale, check_web_url, slug_problem

TEMPLATES = files("cobrand") / "scaffold_templates"
WORKFLOW_PATH = ".github/workflows/cobrand.yml"
CONTENT_KINDS = {"post": "blog", "one-pager": "one-pagers", "social": "social", "media": "media"}
CONTENT_SUFFIX = {"blog": ".md", "one-pagers": ".md", "media": ".md", "social": ".yaml"}
MAX_TITLE = 120
MAX_SLUG = 60
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_URL = re.compile(r"(?:youtu\.be/|youtube(?:-nocookie)?\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/|live/))"
                          r"([A-Za-z0-9_-]{11})")
_VIMEO_URL = re.compile(r"vimeo\.com/(?:video/)?([0-9]{1,12})")
_DURATION = re.compile(r"^(\d{1,2}:)?\d{1,2}:\d{2}$")


@dataclass(frozen=True)
class Gating:
    """Who a new content item reaches; empty means everyone."""

    min_tier: str | None = None
    ecosystems: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    draft: bool = False

    def yaml_lines(self) -> str:
        lines = []
        if self.min_tier:
            lines.append(f"min_tier: {self.min_tier}")
        for key, values in (("ecosystems", self.ecosystems), ("regions", self.regions),
                            ("partners", self.partners)):
            if values:
                lines.append(f"{key}: [{', '.join(values)}]")
        if self.draft:
            lines.append("draft: true")
        return "".join(line + "\n" for line in lines)


# --- helpers ------------------------------------------------------------------------------


def slugify(text: str, max_length: int = MAX_SLUG) -> str:
    """A file-name slug: ASCII lower-case letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length + 1]
        slug = cut[:cut.rfind("-")] if "-" in cut[:max_length] else slug[:max_length]
    return slug.strip("-")


def quoted(text: str) -> str:
    """``text`` as a double-quoted string that is valid TOML and valid YAML."""
    out = ['"']
    for char in text:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif not char.isprintable():
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _one_line(text: str, what: str, max_length: int = MAX_TITLE) -> str:
    value = " ".join(text.split())
    if not value:
        raise UsageError(f"the {what} is empty")
    if len(value) > max_length:
        raise UsageError(f"the {what} is {len(value)} characters; at most {max_length} are allowed")
    return value


def _render(template: str, /, **fields: str) -> str:
    """Fill a template from scaffold_templates/; a missing field is an error, not a blank."""
    return string.Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(fields)


def workflow_text() -> str:
    """The GitHub Actions workflow ``cobrand init`` writes (also in cobrand's repository)."""
    return (TEMPLATES / "workflow.yml").read_text(encoding="utf-8")


def brand_colors(seed: str) -> tuple[str, str]:
    """A primary and accent colour derived from ``seed``: stable, distinct, readable on white."""
    hue = int(hashlib.sha256(seed.encode("utf-8")).hexdigest()[:8], 16) % 360 / 360

    def color(h: float, lightness: float, saturation: float) -> str:
        red, green, blue = colorsys.hls_to_rgb(h % 1.0, lightness, saturation)
        return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"

    return color(hue, 0.32, 0.55), color(hue + 0.09, 0.55, 0.72)


def logo_title(name: str) -> str:
    """The ``<title>`` every placeholder logo drawn for ``name`` holds (see :func:`logo_svg` and logo.svg)."""
    return f'<title id="logo-title">{html.escape(name)}</title>'


def logo_svg(name: str, primary: str, accent: str) -> str:
    """A simple placeholder logo: an initials badge and the name as a wordmark."""
    words = [word for word in name.split() if word[:1].isalnum()]
    initials = "".join(word[0] for word in words[:2]).upper() or name[:1].upper() or "?"
    width = 110 + round(len(name) * 36 * 0.66)
    # Letters as outlines (issue 20); live text only for names the bundled font cannot set.
    badge = text_path(initials, 44, 64, 34, bold=True, anchor="middle")
    initials_mark = (f'<path fill="#ffffff" d="{badge[0]}"/>' if badge else
                     '<text x="44" y="64" text-anchor="middle" font-family="\'DejaVu Sans\', Arial, sans-serif" '
                     f'font-size="34" font-weight="700" fill="#ffffff">{html.escape(initials)}</text>')
    letters = text_path(name, 102, 63, 36, bold=True)
    if letters:
        wordmark = f'<path fill="{primary}" d="{letters[0]}"/>'
        width = round(letters[1]) + 8
    else:
        wordmark = ('<text x="102" y="63" font-family="\'DejaVu Sans\', Arial, sans-serif" font-size="36" '
                    f'font-weight="700" fill="{primary}">{html.escape(name)}</text>')
    return _render("logo.svg", name=html.escape(name), width=str(width), primary=primary, accent=accent,
                   initials_mark=initials_mark, wordmark=wordmark)


def _write_new(path: Path, text: str) -> Path:
    """Create ``path`` with ``text``; refuse to replace anything."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise UsageError(f"{path} already exists; cobrand never overwrites files") from None
    return path


def _today(today: dt.date | None, environ: Mapping[str, str] | None) -> dt.date:
    if today is not None:
        return today
    return today_from_environment(dict(os.environ if environ is None else environ))


# --- reading the project --------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectSettings:
    """The parts of cobrand.toml that scaffolding needs; read leniently, checked by the build."""

    root: Path
    tiers: tuple[str, ...]
    ecosystems: tuple[str, ...]
    regions: tuple[str, ...]
    personalize: dict[str, dict[str, object]]

    @classmethod
    def read(cls, root: Path) -> ProjectSettings:
        config_path = root / "cobrand.toml"
        if not config_path.is_file():
            raise UsageError(f"{root} is not a cobrand project (no cobrand.toml); create one with `cobrand init`")
        try:
            config = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise UsageError(f"cobrand.toml cannot be read: {error}; fix it first (`cobrand check`)") from None
        except RecursionError:  # tomllib parses nested arrays recursively
            raise UsageError("cobrand.toml cannot be read: arrays or tables nested too deeply; fix it first "
                             "(`cobrand check`)") from None

        def table(name: str) -> dict[str, object]:
            value = config.get(name)
            return value if isinstance(value, dict) else {}

        def strings(value: object) -> tuple[str, ...]:
            return tuple(str(item) for item in value) if isinstance(value, list) else ()

        if "personalize" in config:
            personalize = {name: spec for name, spec in table("personalize").items() if isinstance(spec, dict)}
        else:
            personalize = {name: spec.model_dump() for name, spec in default_personalize().items()}
        return cls(root=root, tiers=strings(table("tiers").get("order")),
                   ecosystems=strings(table("ecosystems").get("known")),
                   regions=strings(table("regions").get("known")), personalize=personalize)

    def check_tier(self, tier: str) -> str:
        if self.tiers and tier not in self.tiers:
            raise UsageError(f"unknown tier {tier!r}; cobrand.toml defines {', '.join(self.tiers)}")
        return tier

    def check_values(self, kind: str, values: Sequence[str]) -> tuple[str, ...]:
        known = self.ecosystems if kind == "ecosystem" else self.regions
        for value in values:
            if not SLUG_PATTERN.match(value):
                raise UsageError(f"{kind} {value!r} is not a slug (lower-case letters, digits and hyphens)")
            if known and value not in known:
                raise UsageError(f"unknown {kind} {value!r}; cobrand.toml knows {', '.join(known)}")
        return tuple(values)

    def check_gating(self, gating: Gating) -> Gating:
        if gating.min_tier is not None:
            self.check_tier(gating.min_tier)
        self.check_values("ecosystem", gating.ecosystems)
        self.check_values("region", gating.regions)
        for slug in gating.partners:
            if not (self.root / "partners" / slug).is_dir():
                raise UsageError(f"unknown partner {slug!r} (no partners/{slug}/)")
        return gating


# --- cobrand init -----------------------------------------------------------------------------


def init_project(target: Path | str, *, vendor: str = "Your Company", website: str = "https://www.example.com",
                 base_url: str = "https://partners.example.com/{partner}/", today: dt.date | None = None,
                 environ: Mapping[str, str] | None = None) -> list[Path]:
    """Create a new project in ``target`` (missing or empty) that builds as it is; return the files."""
    root = Path(target)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} exists and is not a folder")
    if root.is_dir() and any(root.iterdir()):
        raise UsageError(f"{root} is not empty; choose a new or empty folder (cobrand never overwrites files)")
    vendor = _one_line(vendor, "vendor name")
    try:
        check_web_url(website)
        check_web_url(base_url.replace("{partner}", "partner"))
    except ValueError as error:
        raise UsageError(str(error)) from None
    if "{partner}" not in base_url or not base_url.endswith("/"):
        raise UsageError('the base URL must contain {partner} and end with "/", '
                         'e.g. "https://partners.example.com/{partner}/"')
    day = _today(today, environ)
    primary, accent = "#1f4e79", "#f28c28"
    root.mkdir(parents=True, exist_ok=True)
    written = [
        _write_new(root / "cobrand.toml", _render(
            "cobrand.toml", vendor_name=quoted(vendor), website=quoted(website), base_url=quoted(base_url),
            legal=quoted(f"{vendor} and the {vendor} logo are trademarks of {vendor}. "
                         "All other names are the property of their respective owners."),
            site_title=quoted(f"{vendor} partner hub"), primary=primary, accent=accent)),
        _write_new(root / "brand" / "logo.svg", logo_svg(vendor, primary, accent)),
        _write_new(root / ".gitignore", _render("gitignore")),
        _write_new(root / WORKFLOW_PATH, workflow_text()),
        _write_new(root / "README.md", _render("README.md", vendor_name=vendor)),
    ]
    for folder in ("blog", "one-pagers", "social", "media", "assets"):
        (root / "content" / folder).mkdir(parents=True, exist_ok=True)
    written += new_partner(root, "example-partner", name="Example Partner", tier="silver",
                           ecosystems=("microsoft",), regions=("emea",), locale="en-GB")
    published = Gating(draft=False)  # a new project shows its examples at once; `cobrand check` flags the copy
    post = new_content(root, "post", f"Welcome to the {vendor} partner hub", today=day, gating=published,
                       summary="What this site is for and how to use the content on it.")
    sheet = new_content(root, "one-pager", f"{vendor} at a glance", today=day, gating=published,
                        summary=f"The one-page overview of {vendor} to hand to customers.",
                        subtitle="What we do, for whom, and why it matters")
    social = new_content(root, "social", "Partner hub launch", today=day, link=f"blog/{post.stem}", gating=published,
                         hashtags=("Partners",))
    return [*written, post, sheet, social]


# --- cobrand new partner --------------------------------------------------------------------------


def new_partner(project: Path | str, slug: str, *, name: str | None = None, tier: str | None = None,
                ecosystems: Sequence[str] = (), regions: Sequence[str] = (), locale: str = "en-US",
                website: str | None = None, email: str | None = None) -> list[Path]:
    """Create ``partners/<slug>/`` with a valid partner.toml and a placeholder logo."""
    root = Path(project)
    settings = ProjectSettings.read(root)
    if (problem := slug_problem(slug)) is not None:  # the loader's own rule, so a new partner always loads
        suggestion = slugify(slug)
        hint = f"; try {suggestion!r}" if suggestion and slug_problem(suggestion) is None else ""
        raise UsageError(f"partner slug {slug!r} is not a slug ({problem}){hint}")
    folder = root / "partners" / slug
    if folder.exists():
        raise UsageError(f"{folder} already exists; cobrand never overwrites files")
    name = _one_line(name or slug.replace("-", " ").title(), "partner name")
    tier = settings.check_tier(tier or (settings.tiers[0] if settings.tiers else "registered"))
    ecosystems = settings.check_values("ecosystem", ecosystems)
    regions = settings.check_values("region", regions)
    website = website or f"https://{slug}.example"
    email = email or f"hello@{slug}.example"
    try:
        locale = check_locale(locale)
        check_web_url(website)
        check_email(email)
    except ValueError as error:
        raise UsageError(str(error)) from None
    primary, accent = brand_colors(slug)
    text = _render(
        "partner.toml", name=name.replace("\n", " "), name_toml=quoted(name), tier=quoted(tier),
        ecosystems=_toml_list(ecosystems), regions=_toml_list(regions), locale=quoted(locale),
        website=quoted(website), email=quoted(email), primary=primary, accent=accent, slug=slug,
        personalize=_personalize_block(settings, name, website))
    return [_write_new(folder / "partner.toml", text), _write_new(folder / "logo.svg", logo_svg(name, primary, accent))]


def _toml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(quoted(value) for value in values) + "]"


def _personalize_block(settings: ProjectSettings, name: str, website: str) -> str:
    """Values for the fields the vendor opened: required ones filled, the others as examples."""
    if not settings.personalize:
        return ""
    lines = ["", "[personalize]", "# Fields the vendor lets partners fill (see [personalize.*] in cobrand.toml)."]
    for field, spec in settings.personalize.items():
        kind = spec.get("kind", "text")
        if field == "intro":
            value = f"{name} helps customers get the most from our products, with local support you can reach."
        elif kind == "url":
            value = website
        elif field == "cta_label":
            value = "Talk to us"
        else:
            value = f"{name} is here to help."
        max_length = spec.get("max_length", 400)
        if isinstance(max_length, int) and len(value) > max_length:
            value = value[:max_length].rstrip()
        required = bool(spec.get("required")) and spec.get("default") is None
        commented = "" if required or field in {"intro", "cta_label", "cta_url"} else "# "
        lines.append(f"{commented}{field} = {quoted(value)}")
    return "\n".join(lines) + "\n"


# --- cobrand new post / one-pager / social / media ----------------------------------------------


def new_content(project: Path | str, kind: str, title: str, *, slug: str | None = None,
                summary: str | None = None, subtitle: str | None = None, gating: Gating | None = None,
                link: str | None = None, hashtags: Sequence[str] = (), youtube: str | None = None,
                vimeo: str | None = None, media_kind: str = "video", duration: str | None = None,
                today: dt.date | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """Create one content file of ``kind`` (post, one-pager, social, media) and return its path."""
    if kind not in CONTENT_KINDS:
        raise UsageError(f"unknown content kind {kind!r}; use one of {', '.join(CONTENT_KINDS)}")
    root = Path(project)
    settings = ProjectSettings.read(root)
    folder = CONTENT_KINDS[kind]
    title = _one_line(title, "title")
    slug = slug or slugify(title)
    if not slug:
        raise UsageError(f"cannot make a file name from {title!r}; give one with --slug")
    if not SLUG_PATTERN.match(slug):
        raise UsageError(f"slug {slug!r} must be lower-case letters, digits and hyphens")
    existing = _existing_slug(root, slug)
    if existing is not None:
        raise UsageError(f"{existing.relative_to(root).as_posix()} already uses the slug {slug!r} "
                         "(content slugs are unique across kinds); give another with --slug")
    # New content is a draft unless asked otherwise: placeholder copy is never published by accident.
    gating = settings.check_gating(gating or Gating(draft=True))
    day = _today(today, environ).isoformat()
    summary = _one_line(summary, "summary", 300) if summary else "One sentence for listings, feeds and social cards."
    fields = {"title": quoted(title), "date": day, "summary": quoted(summary), "gating": gating.yaml_lines()}
    if folder == "blog":
        text = _render("blog.md", **fields)
    elif folder == "one-pagers":
        fields["subtitle"] = quoted(_one_line(subtitle, "subtitle") if subtitle else "What it is and why it matters")
        text = _render("one-pager.md", **fields)
    elif folder == "media":
        provider, video_id = _video(youtube, vimeo)
        if media_kind not in {"video", "podcast"}:
            raise UsageError(f"media kind must be video or podcast, not {media_kind!r}")
        duration = duration or "0:00"
        if not _DURATION.match(duration):
            raise UsageError(f"duration {duration!r} must look like 12:40 or 1:02:05")
        text = _render("media.md", **fields, media_kind=media_kind, duration=duration, provider=provider,
                       video_id=quoted(video_id))
    else:
        link_line = _link_line(root, link)
        if link is not None and dataclasses.replace(gating, draft=False) == Gating():
            gating = dataclasses.replace(_linked_gating(root, link_line.removeprefix("link: ")), draft=gating.draft)
        text = _render("social.yaml", title=fields["title"], date=day, gating=gating.yaml_lines().rstrip("\n"),
                       link_line=link_line, hashtags=_hashtags(hashtags))
    path = root / "content" / folder / f"{slug}{CONTENT_SUFFIX[folder]}"
    return _write_new(path, text)


def _existing_slug(root: Path, slug: str) -> Path | None:
    for folder in ("blog", "one-pagers", "media", "social"):
        for suffix in (".md", ".yaml", ".yml"):
            path = root / "content" / folder / f"{slug}{suffix}"
            if path.exists():
                return path
    return None


def _video(youtube: str | None, vimeo: str | None) -> tuple[str, str]:
    if (youtube is None) == (vimeo is None):
        raise UsageError("give exactly one of --youtube ID and --vimeo ID (a video URL works too)")
    if youtube is not None:
        value = youtube.strip()
        match = _YOUTUBE_URL.search(value)
        video_id = match.group(1) if match else value
        if not _YOUTUBE_ID.match(video_id):
            raise UsageError(f"{youtube!r} is not a YouTube video ID (11 characters) or video URL")
        return "youtube", video_id
    value = (vimeo or "").strip()
    match = _VIMEO_URL.search(value)
    video_id = match.group(1) if match else value
    if not re.fullmatch(r"[0-9]{1,12}", video_id):
        raise UsageError(f"{vimeo!r} is not a Vimeo video ID (digits) or video URL")
    return "vimeo", video_id


def _link_line(root: Path, link: str | None) -> str:
    if link is None:
        return "# link: blog/<slug>  # the page this post promotes (blog/, one-pagers/ or media/)"
    link = link.strip().removesuffix(".md").removesuffix(".html")
    match = re.fullmatch(r"(blog|one-pagers|media)/([a-z0-9-]+)", link)
    if match is None:
        raise UsageError(f"--link {link!r} must look like blog/<slug>, one-pagers/<slug> or media/<slug>")
    if not (root / "content" / match.group(1) / f"{match.group(2)}.md").is_file():
        raise UsageError(f"--link {link!r}: content/{link}.md does not exist")
    return f"link: {link}"


def _linked_gating(root: Path, link: str) -> Gating:
    """The audience of the linked page, so the post goes only to partners whose site has that page."""
    import yaml  # here: every build imports this module (placeholders.py), few read a linked page

    text = (root / "content" / f"{link}.md").read_text(encoding="utf-8")
    match = re.match(r"---\r?\n(.*?)\r?\n(?:---|\.\.\.)\s*(?:\r?\n|$)", text, re.DOTALL)
    try:
        meta = yaml.safe_load(match.group(1)) if match else None
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict):
        return Gating()

    def slugs(key: str) -> tuple[str, ...]:
        value = meta.get(key)
        return tuple(str(item) for item in value) if isinstance(value, list) else ()

    tier = meta.get("min_tier")
    return Gating(min_tier=str(tier) if tier else None, ecosystems=slugs("ecosystems"), regions=slugs("regions"),
                  partners=slugs("partners"))


def _hashtags(values: Sequence[str]) -> str:
    tags = [value.strip().lstrip("#") for value in values]
    for tag in tags:
        if not re.fullmatch(r"[A-Za-z0-9_]{1,50}", tag):
            raise UsageError(f"hashtag {tag!r} may use only letters, digits and underscores")
    return "[" + ", ".join(tags) + "]"
