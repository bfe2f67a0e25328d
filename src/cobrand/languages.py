"""Language tags as pages show them: dates in the reader's language, writing direction, foreign runs.

Shared by the plan stage (the hub's program data) and the renderer (the views templates read), so both
mark text in another language, and date it, the same way. Tags are BCP 47 as loading normalises them
(``de-DE``, never ``de_DE``).
"""

from __future__ import annotations

import datetime as dt
import functools

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi"})


@functools.lru_cache(maxsize=8192)  # every partner of a locale shows the same few dates
def format_date(value: dt.date, locale: str) -> str:
    """A date as people of ``locale`` read it (Babel's CLDR data, not the machine's locale)."""
    from babel.core import UnknownLocaleError
    from babel.dates import format_date as babel_format_date

    try:
        return babel_format_date(value, format="long", locale=locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return babel_format_date(value, format="long", locale="en")


def text_direction(locale: str) -> str:
    """``rtl`` for right-to-left languages, else ``ltr``."""
    return "rtl" if locale.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def primary_language(tag: str) -> str:
    """The language subtag of a BCP 47 tag, lower case: ``de`` for ``de-DE``."""
    return tag.replace("_", "-").split("-")[0].lower()


def foreign_language(text_lang: str, page_lang: str) -> str | None:
    """``text_lang`` when text in it sits on a page in ``page_lang`` of another language (it needs its own
    ``lang`` attribute), else None."""
    return text_lang if primary_language(text_lang) != primary_language(page_lang) else None


def other_direction(direction: str, locale: str) -> str | None:
    """``direction`` where it is not that of a page in ``locale`` (text in it needs its own ``dir``), else None."""
    return direction if direction != text_direction(locale) else None
