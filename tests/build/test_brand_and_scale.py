"""Brand fidelity (logo balance, accessible colours) and the build at scale (shards, audits, the wheel)."""

from __future__ import annotations

import colorsys
import io
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from PIL import Image

import cobrand
from cobrand.audit import audit
from cobrand.brand.palette import AA_LARGE, AA_TEXT, WHITE, contrast, palette
from cobrand.check import check
from cobrand.load.logos import inspect_logo
from cobrand.models import Logo
from cobrand.render.images import OG_SIZE, CardPainter, CardStyle
from cobrand.schemas import Colors
from support.example import ENVIRON, PARTNER_SLUGS, ROOT, copy_example

AREA_TOLERANCE = 0.10  # partner logos of aspect ratio 0.4 to 6 get the same area within 10%


def _logo(tmp_path: Path, name: str, size: tuple[int, int]) -> Logo:
    """A solid logo with a transparent margin, as partners send them."""
    image = Image.new("RGBA", (size[0] + 40, size[1] + 40), (0, 0, 0, 0))
    image.paste(Image.new("RGBA", size, (200, 30, 30, 255)), (20, 20))
    path = tmp_path / f"{name}.png"
    image.save(path)
    return inspect_logo(path)


def _painted_area(png: bytes, colour: tuple[int, int, int]) -> int:
    with Image.open(io.BytesIO(png)) as image:
        data = image.convert("RGB").tobytes()
        pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
        return sum(1 for pixel in pixels if all(abs(a - b) <= 10 for a, b in zip(pixel, colour, strict=True)))


@pytest.mark.parametrize("card_size", [OG_SIZE, (1080, 1080), (1600, 900)])
def test_wide_square_and_tall_logos_get_equal_visual_area(tmp_path, card_size):
    vendor = inspect_logo(ROOT / "brand" / "harborline.svg")
    style = CardStyle("Partner", "Harborline", palette(Colors(primary="#0b5fff")), palette(Colors(primary="#0e3b5c")))
    areas = {}
    for name, size in {"wide": (1200, 200), "square": (500, 500), "tall": (240, 600)}.items():
        painter = CardPainter(_logo(tmp_path, name, size), vendor, style)
        areas[name] = _painted_area(painter.card(card_size, "Title"), (200, 30, 30))
    mean = sum(areas.values()) / len(areas)
    for name, area in areas.items():
        assert abs(area - mean) / mean <= AREA_TOLERANCE, (name, areas)


def test_vendor_logo_never_outweighs_the_partners(tmp_path):
    vendor_path = tmp_path / "vendor.png"
    Image.new("RGBA", (600, 600), (20, 160, 40, 255)).save(vendor_path)
    vendor = inspect_logo(vendor_path)
    style = CardStyle("P", "V", palette(Colors(primary="#0b5fff")), palette(Colors(primary="#0e3b5c")),
                      vendor_max_ratio=0.6)
    painter = CardPainter(_logo(tmp_path, "wide", (1200, 150)), vendor, style)
    card = painter.card(OG_SIZE, "Title")
    partner_area = _painted_area(card, (200, 30, 30))
    vendor_area = _painted_area(card, (20, 160, 40))
    assert 0 < vendor_area <= 0.6 * partner_area * 1.05


AWKWARD = {"pale yellow": "#fff59d", "mid grey": "#808080", "neon green": "#39ff14", "near-black": "#0a0a0a",
           "example pale yellow": "#f5d90a", "pure white": "#ffffff", "mid blue": "#3d7ea6"}


@pytest.mark.parametrize("colour", AWKWARD.values(), ids=AWKWARD.keys())
def test_derived_colours_reach_wcag_aa(colour):
    derived = palette(Colors(primary=colour, accent=colour))
    assert derived.primary == colour  # the exact colour is kept for bars and accents
    assert contrast(derived.text, WHITE) >= AA_TEXT
    assert contrast(derived.on_button, derived.button) >= AA_TEXT
    assert contrast(derived.on_primary, derived.primary) >= AA_LARGE
    hue, lightness, saturation = colorsys.rgb_to_hls(*(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    text_hue, _, _ = colorsys.rgb_to_hls(*(int(derived.text[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    if saturation > 0.1 and 0.05 < lightness < 0.95:  # a hue worth keeping
        assert min(abs(hue - text_hue), 1 - abs(hue - text_hue)) < 0.03


def test_check_reports_adjusted_colours_with_ratios():
    report = check(ROOT, environ=ENVIRON)
    notes = [note for note in report.notes if note.file == "partners/falkenstein-systeme/partner.toml"]
    assert notes and notes[0].field == "colors.primary"
    assert "1.42:1" in notes[0].message and "4.5" in notes[0].message


def test_low_resolution_logo_is_a_warning_naming_partner_and_sizes(tmp_path):
    project = copy_example(tmp_path)
    logo = project / "partners" / "maple-ridge-tech" / "logo.png"
    with Image.open(logo) as image:
        image.resize((80, 80)).save(logo)
    report = check(project, environ=ENVIRON)
    warnings = [w for w in report.warnings if w.file == "partners/maple-ridge-tech/partner.toml"]
    assert len(warnings) == 1 and warnings[0].field == "logo"
    assert "80x80 px" in warnings[0].message and "300 dpi" in warnings[0].message


def test_shards_are_disjoint_and_together_equal_a_full_build(tmp_path):
    full = tmp_path / "full"
    cobrand.build(ROOT, out_dir=full, pdfs=False, images=False, jobs=1, environ=ENVIRON)
    seen: list[str] = []
    for index in (1, 2, 3):
        out = tmp_path / f"shard{index}"
        report = cobrand.build(ROOT, out_dir=out, shard=(index, 3), pdfs=False, images=False, jobs=1,
                               environ=ENVIRON)
        slugs = [result.slug for result in report.partners]
        seen += slugs
        for slug in slugs:
            for path in (out / slug).rglob("*"):
                if path.is_file():
                    assert path.read_bytes() == (full / slug / path.relative_to(out / slug)).read_bytes()
    assert sorted(seen) == sorted(PARTNER_SLUGS)
    assert len(seen) == len(set(seen))


def test_audit_passes_after_incremental_tier_ecosystem_and_region_changes(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    cobrand.build(project, out_dir=out, images=False, jobs=2, environ=ENVIRON)
    assert audit(project, out, environ=ENVIRON).ok
    toml = project / "partners" / "falkenstein-systeme" / "partner.toml"
    text = toml.read_text("utf-8").replace('tier = "gold"', 'tier = "registered"')
    text = text.replace('ecosystems = ["microsoft"]', 'ecosystems = ["aws"]').replace('regions = ["emea"]',
                                                                                        'regions = ["apac"]')
    toml.write_text(text, "utf-8")
    assert tomllib.loads(text)["tier"] == "registered"
    cobrand.build(project, out_dir=out, images=False, jobs=2, environ=ENVIRON)
    result = audit(project, out, environ=ENVIRON)
    assert result.ok, result.summary()
    site = out / "falkenstein-systeme"
    assert not (site / "blog" / "what-managed-backup-should-cost.html").exists()  # min_tier gold
    assert not (site / "blog" / "eu-resilience-rules-backup-evidence.html").exists()  # emea only
    assert (site / "blog" / "aws-snapshot-pitfalls.html").exists()  # now aws


def test_audit_finds_a_planted_leak(example_build, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(example_build.out, out)
    shutil.copy(out / "northbeam-it" / "one-pagers" / "clean-room-recovery.pdf", out / "kestrel-cloud" / "one-pagers")
    report = audit(ROOT, out, environ=ENVIRON)
    leaks = {(leak.partner, leak.found) for leak in report.leaks}
    assert ("kestrel-cloud", "Northbeam IT") in leaks
    assert ("kestrel-cloud", "clean-room-recovery.pdf") in leaks


def test_the_built_wheel_carries_the_theme_and_works_without_the_repository(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(wheels), str(ROOT)], check=True, cwd=tmp_path)
    target = tmp_path / "site"
    wheel = next(wheels.glob("cobrand-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                    str(wheel)], check=True)
    environment = dict(os.environ, PYTHONPATH=str(target), **ENVIRON)
    where = subprocess.run([sys.executable, "-c", "import cobrand; print(cobrand.__file__)"], env=environment,
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(target))
    cli = [sys.executable, "-m", "cobrand.cli"]
    subprocess.run([*cli, "init", "fresh"], env=environment, cwd=tmp_path, check=True, capture_output=True)
    built = subprocess.run([*cli, "build", "fresh", "--json", "-j", "1"], env=environment, cwd=tmp_path,
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    pdfs = list((tmp_path / "fresh" / "build").glob("*/one-pagers/*.pdf"))
    assert pdfs and all(pdf.read_bytes().startswith(b"%PDF") for pdf in pdfs)
    assert list((tmp_path / "fresh" / "build").glob("*/static/cobrand.css"))
