"""Logo lockups sized by the ``[brand]`` rules of ``cobrand.toml``.

Every lockup (the site's masthead, the home page's card, the PDF header)
places the partner logo and the vendor logo by visual *area*, from the
aspect ratios of their trimmed (visible) content:

* the partner logo of aspect ratio ``r_p`` gets the area of a square of the
  frame's ``square`` size, so a wide wordmark, a square mark and a tall
  mark carry the same weight (``h_p = square / sqrt(r_p)``), clamped to the
  frame's height and width limits and to the brand's minimum height;
* the vendor logo gets ``vendor_max_ratio`` times the partner logo's area:
  ``h_v = h_p * sqrt(k * r_p / r_v)``; where the frame caps it, it only
  shrinks, so it is never heavier than the rule allows;
* the gap between the two logos is ``clear_space`` partner-logo heights.

Sizes are computed here rather than in CSS: WeasyPrint has no ``sqrt()``,
and one computation serves the site, the PDFs, the generated logo files and
``cobrand check``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from ..models import Logo, Partner, Project
from .trim import trimmed_ratio, vendor_logo_path

MM_PER_INCH = 25.4
PRINT_DPI = 300


@dataclass(frozen=True)
class Frame:
    """Where a lockup sits, in one unit (CSS px or mm): the partner's square size and both logos' limits."""

    square: float  # height of a square partner mark; other shapes get its area
    min_height: float
    max_height: float
    max_width: float
    vendor_max_width: float
    vendor_max_height: float


# The site's masthead and the home page's card, in CSS px. Phones show the
# masthead at PHONE_SCALE (never below the brand's minimum logo height).
# The vendor limits leave room for vendor_max_ratio = 1 with the example's
# logos; they only guard the layout against extreme shapes.
MASTHEAD = Frame(square=76.8, min_height=28, max_height=100, max_width=224, vendor_max_width=200,
                 vendor_max_height=64)
HERO = Frame(square=121.6, min_height=28, max_height=152, max_width=304, vendor_max_width=280, vendor_max_height=100)
PHONE_SCALE = 0.75


def print_frame(print_logo_height_mm: float) -> Frame:
    """The PDF header, in mm: a square partner mark is printed ``print_logo_height_mm`` high."""
    height = print_logo_height_mm
    return Frame(square=height, min_height=0.5 * height, max_height=1.75 * height, max_width=70,
                 vendor_max_width=45, vendor_max_height=height)


@dataclass(frozen=True)
class Lockup:
    """Both logos' boxes and the gap between them, in the frame's unit."""

    partner_width: float
    partner_height: float
    vendor_width: float
    vendor_height: float
    gap: float

    def view(self) -> dict[str, float]:
        """The sizes for templates, rounded so output is stable and short."""
        return {"partner_width": round(self.partner_width, 2), "partner_height": round(self.partner_height, 2),
                "vendor_width": round(self.vendor_width, 2), "vendor_height": round(self.vendor_height, 2),
                "gap": round(self.gap, 2)}


def partner_height(ratio: float, frame: Frame) -> float:
    """Height of a partner logo of aspect ratio ``ratio`` (width / height) in ``frame``.

    The area rule first, then the frame's limits; the minimum height is a
    brand rule, so it wins over the width limit for extremely wide logos.
    """
    height = frame.square / math.sqrt(ratio)
    height = min(height, frame.max_height, frame.max_width / ratio)
    return max(height, frame.min_height)


def logo_height(logo: Logo, frame: Frame, min_height: float) -> float:
    """Height of the partner ``logo``, by its trimmed aspect ratio, in ``frame`` with the brand's ``min_height``."""
    return partner_height(trimmed_ratio(logo), replace(frame, min_height=min_height))


def balance(partner_ratio: float, vendor_ratio: float, frame: Frame, vendor_max_ratio: float,
            clear_space: float) -> Lockup:
    """Size both logos of a lockup by area (see the module's docstring)."""
    height = partner_height(partner_ratio, frame)
    vendor_height = height * math.sqrt(vendor_max_ratio * partner_ratio / vendor_ratio)
    # The frame may only make the vendor logo smaller, keeping its shape.
    shrink = min(1.0, frame.vendor_max_height / vendor_height, frame.vendor_max_width / (vendor_height * vendor_ratio))
    vendor_height *= shrink
    return Lockup(height * partner_ratio, height, vendor_height * vendor_ratio, vendor_height, clear_space * height)


def printed_partner_height_mm(project: Project, ratio: float) -> float:
    """How high the partner logo of trimmed aspect ``ratio`` is printed on the PDFs, in mm."""
    return partner_height(ratio, print_frame(project.config.brand.print_logo_height_mm))


def print_pixels(height_mm: float) -> int:
    """Pixels a raster logo printed ``height_mm`` high needs for 300 dpi."""
    return math.ceil(height_mm / MM_PER_INCH * PRINT_DPI)


def lockup_view(project: Project, partner: Partner) -> dict[str, Any]:
    """The partner's lockups for the theme: masthead and card (CSS px) and PDF header (mm)."""
    rules = project.config.brand
    partner_ratio = trimmed_ratio(partner.logo)
    vendor_ratio = trimmed_ratio(project.vendor.logo)

    def lockup(frame: Frame) -> Lockup:
        return balance(partner_ratio, vendor_ratio, frame, rules.vendor_max_ratio, rules.clear_space)

    masthead = lockup(replace(MASTHEAD, min_height=rules.min_logo_height_px))
    hero = lockup(replace(HERO, min_height=rules.min_logo_height_px))
    printed = lockup(print_frame(rules.print_logo_height_mm))
    # Phones shrink the masthead, but not the partner logo below the brand's minimum height.
    phone = min(1.0, max(PHONE_SCALE, rules.min_logo_height_px / masthead.partner_height))
    return {
        "masthead": masthead.view() | {"phone_scale": round(phone, 4)},
        "hero": hero.view(),
        "print": printed.view(),
        "partner_ratio": round(partner_ratio, 4),
        "vendor_ratio": round(vendor_ratio, 4),
        "vendor_logo": vendor_logo_path(project.vendor.logo),
    }

