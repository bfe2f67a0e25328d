"""Brand fidelity checks: logo resolution against the brand rules, colours cobrand adjusted.

Warnings here are things a brand manager should fix (a logo too small to
print sharply); notes are things cobrand fixed itself (a partner colour made
darker so text on it stays readable), reported with the contrast before and
after.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..errors import Problem
from ..models import Partner, Project
from .lockup import HERO, MM_PER_INCH, PRINT_DPI, partner_height, print_pixels, printed_partner_height_mm
from .palette import AA_LARGE, AA_TEXT, WHITE, contrast, palette
from .trim import trimmed_ratio, trimmed_size

SCREEN_DENSITY = 2  # a 2x (retina) screen


def required_pixels(project: Project, partner: Partner) -> tuple[float, int, int]:
    """The partner logo's printed height in mm, and the pixels of visible logo that 300 dpi print and
    the site's largest lockup on a 2x screen need (sizes from brand/lockup.py)."""
    ratio = trimmed_ratio(partner.logo)
    printed = printed_partner_height_mm(project, ratio)
    largest = partner_height(ratio, replace(HERO, min_height=project.config.brand.min_logo_height_px))
    return printed, print_pixels(printed), math.ceil(largest * SCREEN_DENSITY)


def logo_warnings(project: Project, partner: Partner) -> list[Problem]:
    """A raster logo too small for its printed size or for a 2x screen.

    Sizes are those of the logo's visible content: empty margins are trimmed, so they do not count.
    """
    logo = partner.logo
    if logo.format == "svg":
        return []
    printed, print_px, screen_px = required_pixels(project, partner)
    width, height = (int(size) for size in trimmed_size(logo))
    size = f"{logo.path.name} is {int(logo.width)}x{int(logo.height)} px"
    if (width, height) != (int(logo.width), int(logo.height)):
        size += f" ({width}x{height} px without its margins)"
    problems = []
    if height < print_px:
        dpi = round(height / printed * MM_PER_INCH)
        problems.append(Problem(partner.source, f"{size}: printed {printed:.1f} mm high that is {dpi} dpi "
                                f"(needs {print_px} px high for {PRINT_DPI} dpi); send a larger file or SVG",
                                field="logo", severity="warning"))
    elif height < screen_px:
        problems.append(Problem(partner.source, f"{size}: blurry on 2x screens (needs {screen_px} px high)",
                                field="logo", severity="warning"))
    return problems


def colour_notes(partner: Partner) -> list[Problem]:
    """Partner colours that could not be used as given for text, with contrast before and after."""
    colors = partner.data.colors
    derived = palette(colors)
    notes = []
    if derived.text != colors.primary:
        notes.append(Problem(partner.source, f"{colors.primary} on white is {contrast(colors.primary, WHITE):.2f}:1, "
                             f"below {AA_TEXT}:1 for text; links and headings use {derived.text} "
                             f"({contrast(derived.text, WHITE):.2f}:1)", field="colors.primary", severity="info"))
    if derived.button != colors.primary:
        notes.append(Problem(partner.source, f"{derived.on_button} text on {colors.primary} is "
                             f"{contrast(derived.on_button, colors.primary):.2f}:1; buttons use {derived.button} "
                             f"({contrast(derived.on_button, derived.button):.2f}:1)", field="colors.primary",
                             severity="info"))
    if contrast(derived.on_primary, colors.primary) < AA_LARGE:  # pragma: no cover - palette guarantees it
        notes.append(Problem(partner.source, "no readable text colour on the primary colour", field="colors.primary"))
    return notes


def brand_notes(project: Project) -> list[Problem]:
    """Every brand warning and note of the project."""
    problems: list[Problem] = []
    for partner in project.partners:
        problems += logo_warnings(project, partner) + colour_notes(partner)
    return problems
