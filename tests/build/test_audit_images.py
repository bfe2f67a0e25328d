"""``cobrand audit`` reads encoded text and images (issue 19): planted leaks that the first wave missed.

Every case plants one leak into a copy of the example's real build output and
checks that the audit names it; the unplanted copy must audit clean, so the
image checks do not cry wolf at logos and thumbnails every partner shares.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cobrand.audit import audit
from support.example import ENVIRON, ROOT

VICTIM = "maple-ridge-tech"
ATTACKER = "kestrel-cloud"
GATED_THUMBNAIL = "northbeam-it/static/thumbs/clean-room-recovery.png"  # a platinum-only datasheet


def _victim_logo(out: Path) -> Path:
    return next((out / VICTIM / "static").glob("partner-logo.*"))


def plant_logo_copy(out: Path) -> str:
    shutil.copy(_victim_logo(out), out / ATTACKER / "static" / "borrowed.png")
    return "another partner's logo"


def plant_published_logo_in_zip(out: Path) -> str:
    import zipfile

    sized = sorted((out / VICTIM / "static" / "logo").glob("partner-*.webp"))[0]
    with zipfile.ZipFile(out / ATTACKER / "one-pagers" / "extra.zip", "w") as archive:
        archive.write(sized, "logo.webp")
    return "another partner's logo"


def plant_gated_thumbnail(out: Path) -> str:
    shutil.copy(out / GATED_THUMBNAIL, out / ATTACKER / "static" / "thumbs" / "innocent.png")
    return "clean-room-recovery"


def plant_logo_inside_pdf(out: Path) -> str:
    from weasyprint import HTML

    victim = _victim_logo(out)
    target = out / ATTACKER / "one-pagers" / "brochure.pdf"
    HTML(string=f'<p>Brochure</p><img src="{victim.as_uri()}">').write_pdf(target)
    return "another partner's logo"


def plant_thumbnail_inside_pdf(out: Path) -> str:
    from weasyprint import HTML

    target = out / ATTACKER / "one-pagers" / "sheet.pdf"
    HTML(string=f'<img src="{(out / GATED_THUMBNAIL).as_uri()}">').write_pdf(target)
    return "clean-room-recovery"


def plant_percent_encoded_page(out: Path) -> str:
    page = out / ATTACKER / "index.html"
    page.write_text(page.read_text("utf-8").replace(
        "</body>", '<a href="one%2Dpagers/clean%2Droom%2Drecovery%2Ehtml">x</a></body>', 1), "utf-8")
    return "clean-room-recovery.html"


def plant_entity_encoded_name(out: Path) -> str:
    page = out / ATTACKER / "index.html"
    page.write_text(page.read_text("utf-8").replace("</body>", "<p>Maple&#32;Ridge&#x20;Tech</p></body>", 1),
                    "utf-8")
    return "Maple Ridge Tech"


PLANTS = {function.__name__.removeprefix("plant_"): function for function in (
    plant_logo_copy, plant_published_logo_in_zip, plant_gated_thumbnail, plant_logo_inside_pdf,
    plant_thumbnail_inside_pdf, plant_percent_encoded_page, plant_entity_encoded_name)}


@pytest.fixture(scope="module")
def clean_out(example_build, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("audit-images") / "out"
    shutil.copytree(example_build.out, out)
    return out


def test_the_example_audits_clean_with_image_checks(clean_out):
    report = audit(ROOT, clean_out, environ=ENVIRON)
    assert report.ok, report.summary()


@pytest.mark.parametrize("case", sorted(PLANTS))
def test_audit_finds_the_planted_leak(clean_out, tmp_path, case):
    out = tmp_path / "out"
    shutil.copytree(clean_out, out)
    expected = PLANTS[case](out)
    report = audit(ROOT, out, environ=ENVIRON)
    found = [leak for leak in report.leaks if leak.partner == ATTACKER]
    assert any(expected in leak.why or expected in leak.found for leak in found), report.summary()
