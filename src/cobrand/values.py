"""Validated value types for untrusted input: colours, URLs, slugs, locales.

Each type parses its input and re-serialises it in a canonical form, so a
value that reaches a template or stylesheet is never the raw string a
partner typed.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from PIL import ImageColor
from pydantic import AfterValidator, BeforeValidator

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Letter-paper countries; everyone else prints on A4.
LETTER_REGIONS = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "CR", "GT", "PA", "PR",
                            "DO", "SV", "NI", "BZ"})
_LOCALE_PATTERN = re.compile(r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|\d{3}))?$")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")
MAX_URL_LENGTH = 2000
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+$")
_PHONE = re.compile(r"^\+?[0-9 ().\-]{5,30}$")


def parse_color(value: str) -> str:
    """Return ``value`` as ``#rrggbb``; accepts CSS hex, rgb(), hsl() and names."""
    if not isinstance(value, str):
        raise ValueError("must be a colour string such as \"#0b5fff\"")
    try:
        rgb = ImageColor.getrgb(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a colour (use a hex value such as \"#0b5fff\")") from None
    if len(rgb) == 4 and rgb[3] != 255:
        raise ValueError(f"{value!r} is translucent; brand colours must be opaque")
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def shown(value: str, limit: int = 80) -> str:
    """``value`` quoted for an error message, shortened if long."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def _check_url(value: str, schemes: frozenset[str]) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a URL string")
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"{shown(value)} is {len(value)} characters; URLs may have at most {MAX_URL_LENGTH}")
    if _CONTROL.search(value):
        raise ValueError(f"{shown(value)} contains spaces or control characters")
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    allowed = ", ".join(sorted(schemes))
    if scheme not in schemes:
        used = f"{scheme[:20]}:" if scheme else "no scheme"
        raise ValueError(f"{shown(value)} uses {used}; only {allowed} links are allowed")
    if scheme in {"http", "https"} and not parts.hostname:
        raise ValueError(f"{shown(value)} has no host name")
    if scheme in {"mailto", "tel"} and not parts.path:
        raise ValueError(f"{shown(value)} is empty after {scheme}:")
    return value


def check_web_url(value: str) -> str:
    """Accept an absolute http(s) URL with a host; reject everything else."""
    return _check_url(value, frozenset({"http", "https"}))


def check_link_url(value: str) -> str:
    """Accept http(s), mailto: and tel: URLs, as a call to action may use any of them."""
    return _check_url(value, frozenset({"http", "https", "mailto", "tel"}))


def check_slug(value: str) -> str:
    """Lower-case letters, digits and single hyphens: safe in paths and URLs."""
    if not isinstance(value, str) or not SLUG_PATTERN.match(value):
        raise ValueError(f"{value!r} is not a slug (use lower-case letters, digits and hyphens)")
    return value


def check_email(value: str) -> str:
    """A plain e-mail address, no display name and no header tricks."""
    if not isinstance(value, str) or len(value) > 254 or not _EMAIL.match(value):
        raise ValueError(f"{shown(str(value))} is not an e-mail address")
    return value


def check_phone(value: str) -> str:
    """Digits, spaces and the usual punctuation only."""
    if not isinstance(value, str) or not _PHONE.match(value):
        raise ValueError(f"{value!r} is not a phone number")
    return value


def check_locale(value: str) -> str:
    """A BCP 47 language tag such as ``en-US``, ``de-DE`` or ``ja``."""
    if not isinstance(value, str):
        raise ValueError("must be a locale string such as \"en-GB\"")
    normalised = value.replace("_", "-")
    if not _LOCALE_PATTERN.match(normalised):
        raise ValueError(f"{value!r} is not a locale (use a tag such as \"en-GB\" or \"de-DE\")")
    return normalised


def check_relative_path(value: str) -> str:
    """A relative POSIX path that stays inside its folder (no ``..``, no absolute)."""
    if not isinstance(value, str) or not value:
        raise ValueError("must be a relative file path")
    if _CONTROL.search(value.replace(" ", "")) or "\\" in value:
        raise ValueError(f"{value!r} contains characters not allowed in a file path")
    if value.startswith("/") or re.match(r"^[A-Za-z]:", value):
        raise ValueError(f"{value!r} is absolute; give a path relative to the folder")
    if any(part in {"..", ""} for part in value.split("/")):
        raise ValueError(f"{value!r} leaves its folder or has an empty part")
    return value


def paper_size(locale: str) -> str:
    """CSS page size for a locale: US Letter in Letter countries, A4 elsewhere."""
    region = locale.rsplit("-", 1)[-1] if "-" in locale else ""
    return "letter" if region in LETTER_REGIONS else "A4"


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


Color = Annotated[str, BeforeValidator(_strip), AfterValidator(parse_color)]
WebUrl = Annotated[str, BeforeValidator(_strip), AfterValidator(check_web_url)]
LinkUrl = Annotated[str, BeforeValidator(_strip), AfterValidator(check_link_url)]
Slug = Annotated[str, AfterValidator(check_slug)]
Email = Annotated[str, BeforeValidator(_strip), AfterValidator(check_email)]
Phone = Annotated[str, BeforeValidator(_strip), AfterValidator(check_phone)]
Locale = Annotated[str, AfterValidator(check_locale)]
RelativePath = Annotated[str, AfterValidator(check_relative_path)]
