"""Translation coverage: for each language partners read, which of the items they get lack a translation.

``cobrand check`` reports it (text and JSON). An untranslated item is still published, in the site's
language and marked with it (``lang="en"``); this tells the vendor what to translate next.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Project
from .plan import plan_partner


@dataclass(frozen=True)
class Coverage:
    """One language's coverage: its partners and locales, the items they get, and those not translated."""

    language: str
    locales: tuple[str, ...]
    partners: tuple[str, ...]
    items: int
    missing: tuple[str, ...]  # item keys (``kind/slug``) shown in the original language

    @property
    def translated(self) -> int:
        """How many of the items partners of this language get are translated into it."""
        return self.items - len(self.missing)

    def to_dict(self) -> dict[str, object]:
        """The coverage as plain JSON data."""
        return {"locales": list(self.locales), "partners": list(self.partners), "items": self.items,
                "translated": self.translated, "missing": list(self.missing)}

    def summary(self) -> str:
        """One line for people."""
        partners = ", ".join(self.partners[:5]) + (f" and {len(self.partners) - 5} more" if len(self.partners) > 5
                                                    else "")
        line = f"translations: {self.language} ({partners}): {self.translated} of {self.items} items translated"
        return line + (f"; untranslated: {', '.join(self.missing)}" if self.missing else "")


def translation_coverage(project: Project) -> list[Coverage]:
    """Coverage of every language partners read other than the site's, by language code."""
    source = project.config.site.language.split("-")[0].lower()
    locales: dict[str, set[str]] = {}
    partners: dict[str, list[str]] = {}
    shown: dict[str, dict[str, bool]] = {}  # language -> item key -> translated
    for partner in project.partners:
        language = partner.data.locale.split("-")[0].lower()
        if language == source:
            continue
        locales.setdefault(language, set()).add(partner.data.locale)
        partners.setdefault(language, []).append(partner.slug)
        items = shown.setdefault(language, {})
        for item in plan_partner(project, partner).items:
            items[item.key] = item.lang is not None
    return [Coverage(language, tuple(sorted(locales[language])), tuple(sorted(partners[language])),
                     len(shown[language]), tuple(sorted(key for key, done in shown[language].items() if not done)))
            for language in sorted(shown)]
