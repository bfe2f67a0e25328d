"""Theme strings in the partner's language: gettext catalogues read with Babel.

Each theme may ship ``locale/<lang>/LC_MESSAGES/messages.po``; catalogues
are read once per renderer (no compile step: Babel parses the .po files) and
a vendor theme's entries override the default theme's. Templates mark
strings as ``{{ _("Download the kit") }}`` (Jinja2's i18n extension, with
autoescaping) and get the partner's language, falling back to English.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from ..load.state import SavedState, file_digest
from ..models import Theme


def _compiled(path: Path) -> bytes:
    """The catalogue at ``path`` compiled (.mo bytes) by Babel."""
    from babel.messages.mofile import write_mo  # Babel's catalogue tools: only when a catalogue changed
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _catalogue(path: Path, state: SavedState | None) -> gettext.GNUTranslations:
    # Babel's .po parser is pure Python: about 20 ms for the default theme's catalogues on every build
    # that renders a partner, so the compiled bytes are kept in the saved state while the file is unchanged.
    compiled = _compiled(path) if state is None else state.catalogues.recall(
        str(path), file_digest(path, state=state), lambda: _compiled(path))
    return gettext.GNUTranslations(io.BytesIO(compiled))


def load_translations(theme: Theme, state: SavedState | None = None) -> dict[str, gettext.NullTranslations]:
    """Translations by language for the theme chain; the most specific theme wins. With ``state``, a catalogue
    is compiled again only when its file changed."""
    languages: dict[str, gettext.NullTranslations] = {}
    for folder in theme.folders:  # most specific first
        locale_dir = folder / "locale"
        if not locale_dir.is_dir():
            continue
        for po in sorted(locale_dir.glob("*/LC_MESSAGES/messages.po")):
            language = po.parent.parent.name
            translations = _catalogue(po, state)
            if language in languages:
                languages[language].add_fallback(translations)
            else:
                languages[language] = translations
    return languages


def catalogue_language(languages: dict[str, gettext.NullTranslations], locale: str) -> str:
    """The catalogue that serves ``locale``: ``de_DE``, then ``de``, else "" (none)."""
    for candidate in (locale.replace("-", "_"), locale.split("-")[0]):
        if candidate in languages:
            return candidate
    return ""


def for_locale(languages: dict[str, gettext.NullTranslations], locale: str) -> gettext.NullTranslations:
    """The catalogue for ``de-DE`` (then ``de``), else none: templates' English strings stay."""
    language = catalogue_language(languages, locale)
    return languages[language] if language else gettext.NullTranslations()


def install_translations(env: Environment, translations: gettext.NullTranslations) -> None:
    """Make ``translations`` the strings of ``env``'s templates (see :func:`translation_globals`)."""
    install_globals(env, translation_globals(translations))


def install_globals(env: Environment, functions: dict[str, Callable[..., Markup]]) -> None:
    """Make ``functions``, made by :func:`translation_globals`, the strings of ``env``'s templates."""
    env.newstyle_gettext = True  # type: ignore[attr-defined]  # what {% trans %} compiles to
    env.globals.update(functions)


def translation_globals(translations: gettext.NullTranslations) -> dict[str, Callable[..., Markup]]:
    """The template globals that give ``translations``' strings: ``_``, ``gettext``, ``ngettext`` and friends.

    They behave as Jinja2's new-style gettext with autoescaping (every theme template autoescapes):
    the translation is Markup, formatted with its escaped variables. A string without variables,
    or with a count alone ("3 min read" on every card), is formatted once and kept, since every
    page prints the same few ("Skip to content") and Jinja2's own wrappers were a tenth of a
    page's render time.
    """
    plain: dict[str, Markup] = {}

    def gettext_(string: str, **variables: Any) -> Markup:
        if variables:
            return Markup(translations.gettext(string)) % variables
        found = plain.get(string)
        if found is None:
            found = plain[string] = Markup(translations.gettext(string)) % {}
        return found

    counted: dict[tuple[str, str, int], Markup] = {}

    def ngettext_(singular: str, plural: str, num: int, **variables: Any) -> Markup:
        if not variables and type(num) is int:
            found = counted.get((singular, plural, num))
            if found is None:
                found = counted[singular, plural, num] = Markup(translations.ngettext(singular, plural, num)) % {
                    "num": num}
            return found
        variables.setdefault("num", num)
        return Markup(translations.ngettext(singular, plural, num)) % variables

    def pgettext_(context: str, string: str, **variables: Any) -> Markup:
        variables.setdefault("context", context)
        return Markup(translations.pgettext(context, string)) % variables

    def npgettext_(context: str, singular: str, plural: str, num: int, **variables: Any) -> Markup:
        variables.setdefault("context", context)
        variables.setdefault("num", num)
        return Markup(translations.npgettext(context, singular, plural, num)) % variables

    return {"_": gettext_, "gettext": gettext_, "ngettext": ngettext_, "pgettext": pgettext_, "npgettext": npgettext_}
