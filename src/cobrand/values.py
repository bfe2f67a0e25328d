"""Validated value types for untrusted input: colours, URLs, slugs, locales, text.

Each type parses its input and re-serialises it in a canonical form, so a
value that reaches a template or stylesheet is never the raw string a
partner typed. Patterns match the whole string (``fullmatch``): ``$`` alone
would let a trailing newline through.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated
from urllib.parse import urlsplit, urlunsplit

from babel import Locale as BabelLocale
from babel import UnknownLocaleError
from babel.core import get_global
from PIL import ImageColor
from pydantic import AfterValidator, BeforeValidator

# Anchored with \A and \Z so that .match() too takes the whole string (callers elsewhere use it).
SLUG_PATTERN = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")
# Slugs become folder and file names: long enough for any company name, short enough for every file system
# once the build adds its own folders and suffixes.
MAX_SLUG_LENGTH = 64
# Names Windows reserves in every folder, with or without an extension ("con.html" is reserved too).
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)),
                              *(f"lpt{n}" for n in range(1, 10))})
# Letter-paper countries; everyone else prints on A4.
LETTER_REGIONS = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "CR", "GT", "PA", "PR",
                            "DO", "SV", "NI", "BZ"})
_LOCALE_PATTERN = re.compile(r"(?P<language>[a-z]{2,3})(?:-(?P<script>[A-Z][a-z]{3}))?"
                             r"(?:-(?P<territory>[A-Z]{2}|\d{3}))?")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")
# Characters that reorder the text around them (bidi embeddings, overrides, isolates and marks): in a
# partner's value they could make the page, a PDF or a file name read differently from what it is.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Line and paragraph separators act as line breaks in some renderers and scripts: not plain text either.
_SEPARATORS = frozenset("\u2028\u2029")
MAX_URL_LENGTH = 2000
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_PHONE = re.compile(r"\+?[0-9 ().\-]{5,30}")
# Dates every output can hold: zip timestamps (the kit) start in 1980 and end in 2107.
FIRST_DATE = dt.date(1980, 1, 1)
LAST_DATE = dt.date(2107, 12, 31)


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
    if _CONTROL.search(value) or _unsafe_characters(value, ""):
        raise ValueError(f"{shown(value)} contains spaces, control or bidi characters")
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
    if "\\" in value:  # browsers read "\" as "/" in web URLs, Python's urlsplit does not: the two disagree on the host
        raise ValueError(f"{shown(value)} contains a backslash")
    if scheme in {"http", "https"}:
        if "@" in parts.netloc:  # https://vendor.example@evil.example/ goes to evil.example
            raise ValueError(f"{shown(value)} has a user name or password before its host; give the plain URL")
        return _ascii_host(value, parts.hostname or "")
    return value


def _ascii_host(value: str, host: str) -> str:
    """``value`` with an internationalised host name written as IDNA (``xn--``), as browsers show lookalikes."""
    if host.isascii():
        return value
    try:
        encoded = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{shown(value)} has a host name that is not a valid internationalised name") from None
    parts = urlsplit(value)
    port = f":{parts.port}" if parts.port is not None else ""
    return urlunsplit(parts._replace(netloc=encoded + port))


def check_web_url(value: str) -> str:
    """Accept an absolute http(s) URL with a host; reject everything else."""
    return _check_url(value, frozenset({"http", "https"}))


def check_link_url(value: str) -> str:
    """Accept http(s), mailto: and tel: URLs, as a call to action may use any of them."""
    return _check_url(value, frozenset({"http", "https", "mailto", "tel"}))


def slug_problem(value: str) -> str | None:
    """Why ``value`` cannot be a slug (a folder, file or URL name), or None when it can."""
    if not SLUG_PATTERN.fullmatch(value):
        return "lower-case letters, digits and single hyphens only"
    if len(value) > MAX_SLUG_LENGTH:
        return f"{len(value)} characters; at most {MAX_SLUG_LENGTH}"
    if value in WINDOWS_RESERVED:
        return "a name Windows reserves for devices"
    return None


def printable_path(path: str) -> str:
    """``path`` for a message, each character that is not printable written as ``<U+001B>``.

    File and folder names come from partners too: one holding terminal escapes or bidi controls must not
    reach a terminal or a report as it is. (No backslash escapes: messages name files with "/" only.)
    """
    return "".join(char if char.isprintable() else f"<U+{ord(char):04X}>" for char in path)


def check_slug(value: str) -> str:
    """Lower-case letters, digits and single hyphens, not too long, not a Windows device name."""
    problem = slug_problem(value) if isinstance(value, str) else "not a string"
    if problem is not None:
        raise ValueError(f"{shown(str(value))} is not a slug ({problem})")
    return value


def check_email(value: str) -> str:
    """A plain e-mail address, no display name and no header tricks."""
    if not isinstance(value, str) or len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError(f"{shown(str(value))} is not an e-mail address")
    return value


def check_phone(value: str) -> str:
    """Digits, spaces and the usual punctuation only."""
    if not isinstance(value, str) or not _PHONE.fullmatch(value):
        raise ValueError(f"{shown(str(value))} is not a phone number")
    return value


def check_locale(value: str) -> str:
    """A BCP 47 language tag such as ``en-US``, ``de-DE`` or ``ja`` that Babel (CLDR) knows."""
    if not isinstance(value, str):
        raise ValueError("must be a locale string such as \"en-GB\"")
    normalised = value.replace("_", "-")
    match = _LOCALE_PATTERN.fullmatch(normalised)
    if match is None:
        raise ValueError(f"{shown(value)} is not a locale (use a tag such as \"en-GB\" or \"de-DE\")")
    try:
        known = BabelLocale.parse(normalised, sep="-")
    except (UnknownLocaleError, ValueError):
        known = None
    # Babel falls back to a likely locale ("en-ZZ" -> en_US, "en-Cyrl-GB" -> en_GB): the tag's language,
    # region and script must survive; a dropped script must be the language's usual one ("en-Latn-GB").
    if (known is None or known.language != match["language"]
            or (match["territory"] is not None and known.territory != match["territory"])
            or (match["script"] is not None
                and match["script"] != (known.script or _likely_script(match["language"])))):
        raise ValueError(f"{shown(value)} is not a locale Babel knows (use a tag such as \"en-GB\" or \"de-DE\")")
    return normalised


def _likely_script(language: str) -> str | None:
    """The script a language is written in when no script is given (CLDR likely subtags): ``en`` -> Latn."""
    likely = str(get_global("likely_subtags").get(language, "")).split("_")
    return likely[1] if len(likely) > 2 and len(likely[1]) == 4 else None


def _unsafe_characters(value: str, allowed: str) -> list[str]:
    """The control, bidi and line-separator characters in ``value`` other than those in ``allowed``."""
    return [char for char in value if char not in allowed and (
        unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS or char in _SEPARATORS)]


def _check_text(value: str, allowed: str) -> str:
    found = _unsafe_characters(value, allowed)
    if found:
        names = ", ".join(dict.fromkeys(f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip() for char in found))
        where = "control or bidi" if "\n" not in allowed else "control or bidi (other than line breaks)"
        raise ValueError(f"contains {where} characters: {names}")
    return value


def check_text(value: str) -> str:
    """One line of plain text: no control characters, no bidi controls, no line breaks."""
    return _check_text(value, "")


def check_multiline_text(value: str) -> str:
    """Plain text that may span lines (``\\n``; ``\\r\\n`` is normalised first): no other controls, no bidi."""
    return _check_text(value, "\n")


def normalise_newlines(value: object) -> object:
    """``\\r\\n`` line ends as ``\\n`` (a partner file saved on Windows); anything else unchanged."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def check_content_date(value: dt.date) -> dt.date:
    """A date every output can carry (zip timestamps hold 1980 to 2107)."""
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"{value.isoformat()} is outside {FIRST_DATE.year}-{LAST_DATE.year}, the years "
                         "every output (such as the kit's zip timestamps) can hold")
    return value


def check_relative_path(value: str) -> str:
    """A relative POSIX path that stays inside its folder (no ``..``, no absolute)."""
    if not isinstance(value, str) or not value:
        raise ValueError("must be a relative file path")
    if _CONTROL.search(value.replace(" ", "")) or "\\" in value:
        raise ValueError(f"{value!r} contains characters not allowed in a file path")
    if value.startswith("/") or re.match(r"[A-Za-z]:", value):
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
ContentDate = Annotated[dt.date, AfterValidator(check_content_date)]
