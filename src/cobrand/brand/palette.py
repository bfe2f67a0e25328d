"""Partner colours made usable: WCAG contrast and accessible variants.

The partner's exact colour is kept for bars, borders and accents; text, links
and buttons get the nearest colour of the same hue and saturation whose
lightness reaches WCAG 2.2 AA contrast against its background.
"""

from __future__ import annotations

import colorsys
import functools
from dataclasses import dataclass

from ..schemas import Colors

AA_TEXT = 4.5
AA_LARGE = 3.0
WHITE = "#ffffff"
INK = "#1b1f24"


def _rgb(color: str) -> tuple[float, float, float]:
    return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


@functools.lru_cache(maxsize=65536)  # the palette search meets the same candidates for every partner
def luminance(color: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def accessible_on(color: str, background: str, ratio: float = AA_TEXT) -> str:
    """``color`` with its lightness moved just far enough to reach ``ratio`` on ``background``."""
    if contrast(color, background) >= ratio:
        return color
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(color))
    darker = luminance(background) > 0.18
    low, high = (0.0, lightness) if darker else (lightness, 1.0)
    best = INK if darker else WHITE
    for _ in range(30):  # binary search on lightness: the closest passing value
        middle = (low + high) / 2
        candidate = _hex(colorsys.hls_to_rgb(hue, middle, saturation))
        if contrast(candidate, background) >= ratio:
            best = candidate
            low, high = (middle, high) if darker else (low, middle)
        else:
            low, high = (low, middle) if darker else (middle, high)
    return best


def text_on(background: str) -> str:
    """White or near-black, whichever reads better on ``background``."""
    return WHITE if contrast(WHITE, background) >= contrast(INK, background) else INK


@dataclass(frozen=True)
class Palette:
    """The colours a theme uses for one brand; every text pair reaches AA."""

    primary: str        # exact brand colour: bars, borders, accents
    accent: str         # exact accent colour
    text: str           # brand-tinted text and links on white
    on_primary: str     # text placed on the exact primary colour (large text, 3:1)
    button: str         # button background
    on_button: str      # button label

    def css_variables(self, prefix: str) -> str:
        """CSS custom properties; values are re-serialised hex, never user text."""
        return "".join(f"--{prefix}-{name.replace('_', '-')}:{value};"
                       for name, value in self.__dict__.items())


def palette(colors: Colors) -> Palette:
    """Derive an accessible palette from a brand's primary and accent colours."""
    return _palette(colors.primary, colors.accent or colors.primary)


@functools.lru_cache(maxsize=4096)  # the vendor's, and partners sharing colours, on every partner
def _palette(primary: str, accent: str) -> Palette:
    button = accessible_on(primary, text_on(primary), AA_TEXT)
    return Palette(
        primary=primary,
        accent=accent,
        text=accessible_on(primary, WHITE, AA_TEXT),
        on_primary=accessible_on(text_on(primary), primary, AA_LARGE),
        button=button,
        on_button=text_on(button),
    )
