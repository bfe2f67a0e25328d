"""Co-branded images: a social post's own picture, and card text in the partner's language.

The images are made by the partner renderer from real projects (copies of the
example) and opened with Pillow. To stay fast, a test makes only the image jobs
it looks at instead of whole builds.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont, features

from cobrand.brand.palette import palette
from cobrand.check import check
from cobrand.load import load_project
from cobrand.load.logos import inspect_logo
from cobrand.models import Logo, Project
from cobrand.render.i18n import for_locale, load_translations
from cobrand.render.images import OG_SIZE, SOCIAL_SIZES, CardPainter, CardStyle, direction_of, font_file
from cobrand.render.partner import PartnerRenderer
from cobrand.schemas import Colors
from support.example import BUILD_DATE, ENVIRON, ROOT, copy_example

POST = "content/social/recovery-drill-afternoon.yaml"  # every partner gets it
PLAIN_POST = "walkthrough-video-launch"                 # a post without a picture
MAGENTA, LIME = (255, 0, 255), (0, 255, 0)


def picture(path: Path, size: tuple[int, int] = (1600, 1000)) -> None:
    """A picture no logo or card colour resembles: magenta left half, lime right half."""
    image = Image.new("RGB", size, MAGENTA)
    image.paste(Image.new("RGB", (size[0] // 2, size[1]), LIME), (size[0] // 2, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def name_picture(project: Path, relative: str) -> None:
    source = project / POST
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("hashtags:", f"image: {relative}\nhashtags:", 1), encoding="utf-8")


def load(project: Path) -> Project:
    loaded, problems = load_project(project, BUILD_DATE)
    assert loaded is not None and not [p for p in problems if p.severity == "error"], problems
    return loaded


def make_images(project: Project, slug: str, paths: list[str]) -> dict[str, Image.Image]:
    """Make only the named image outputs of partner ``slug``."""
    partner = next(p for p in project.partners if p.slug == slug)
    jobs = {job.path: job for job in PartnerRenderer(project, pdfs=False, images=True).jobs(partner)}
    images = {}
    for path in paths:
        image = Image.open(io.BytesIO(jobs[path].make(lambda other: b"")))
        assert image.format == "PNG", path
        images[path] = image.convert("RGB")
    return images


def count(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 8) -> int:
    return sum(n for n, value in image.getcolors(image.width * image.height) or []
               if all(abs(a - b) <= tolerance for a, b in zip(value, colour, strict=True)))


def non_white(image: Image.Image) -> int:
    grey = image.convert("L")
    return sum(n for n, value in grey.getcolors(grey.width * grey.height) or [] if value < 225)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


# --- a social post's own picture ------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_picture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, dict[str, Image.Image]]:
    project_dir = copy_example(tmp_path_factory.mktemp("picture"))
    picture(project_dir / "content/assets/social/drill.png")
    name_picture(project_dir, "assets/social/drill.png")
    project = load(project_dir)
    paths = [f"hub:kit/social/recovery-drill-afternoon-{network}.png" for network in SOCIAL_SIZES]
    paths += [f"hub:kit/social/{PLAIN_POST}-{network}.png" for network in SOCIAL_SIZES]
    return project, make_images(project, "northbeam-it", paths)


@pytest.mark.parametrize("network", SOCIAL_SIZES)
def test_picture_fills_the_image_at_each_networks_size(with_picture, network):
    _, images = with_picture
    image = images[f"hub:kit/social/recovery-drill-afternoon-{network}.png"]
    assert image.size == SOCIAL_SIZES[network]
    area = image.width * image.height
    # Cropped around the centre: both halves of the picture show, over most of the image.
    assert count(image, MAGENTA) > area * 0.2 and count(image, LIME) > area * 0.2
    top = image.crop((0, 0, image.width, image.height // 2))
    # Nothing painted over its upper half (only resampling blends the seam between the halves).
    assert count(top, MAGENTA) + count(top, LIME) >= top.width * top.height * 0.99


@pytest.mark.parametrize("network", SOCIAL_SIZES)
def test_both_brands_sit_on_a_band_over_the_picture(with_picture, network):
    project, images = with_picture
    image = images[f"hub:kit/social/recovery-drill-afternoon-{network}.png"]
    width, height = image.size
    unit = min(width, height)
    band = image.crop((0, height - round(unit * 0.22), width, height - round(unit * 0.03)))
    assert count(band, MAGENTA) == 0 and count(band, LIME) == 0  # the band covers the picture
    partner_side = band.crop((0, 0, round(width * 0.45), band.height))
    vendor_side = band.crop((round(width * 0.65), 0, width, band.height))
    assert non_white(partner_side) > unit * 2, "the partner logo region is blank"
    assert non_white(vendor_side) > unit, "the vendor logo region is blank"
    assert count(partner_side, (255, 255, 255), tolerance=2) > partner_side.width * partner_side.height * 0.4
    partner = next(p for p in project.partners if p.slug == "northbeam-it")
    assert count(image, hex_rgb(partner.data.colors.primary), tolerance=6) >= 500  # the partner's bar


@pytest.mark.parametrize("network", SOCIAL_SIZES)
def test_a_post_without_picture_keeps_the_painted_card(with_picture, network):
    project, images = with_picture
    image = images[f"hub:kit/social/{PLAIN_POST}-{network}.png"]
    assert count(image, MAGENTA) == 0 and count(image, LIME) == 0
    partner = next(p for p in project.partners if p.slug == "northbeam-it")
    assert image.getpixel((image.width // 2, 2)) == hex_rgb(partner.data.colors.primary)  # the card's top bar
    assert non_white(image.crop((0, image.height // 5, image.width, image.height // 2))) > 1000  # its title


def test_the_picture_is_part_of_the_images_cache_key(tmp_path):
    project_dir = copy_example(tmp_path)
    picture(project_dir / "content/assets/social/drill.png")
    name_picture(project_dir, "assets/social/drill.png")

    def keys() -> dict[str, str]:
        project = load(project_dir)
        partner = next(p for p in project.partners if p.slug == "kestrel-cloud")
        return {job.path: job.key for job in PartnerRenderer(project, pdfs=False, images=True).jobs(partner)}

    before = keys()
    picture(project_dir / "content/assets/social/drill.png", (1200, 1000))  # same name, other bytes
    after = keys()
    changed = {path for path in before if before[path] != after.get(path)}
    assert {f"hub:kit/social/recovery-drill-afternoon-{n}.png" for n in SOCIAL_SIZES} <= changed
    assert not {path for path in changed if path.startswith("hub:kit/social/") and "recovery-drill" not in path}


@pytest.mark.parametrize(("value", "reason"), [
    ("assets/social/missing.png", "not found"),
    ("../partners/northbeam-it/logo.svg", "leaves its folder"),
    ("blog/ransomware-recovery-drill.md", "not an image"),
])
def test_a_bad_picture_is_an_error_naming_file_and_field(tmp_path, value, reason):
    project_dir = copy_example(tmp_path)
    name_picture(project_dir, value)
    report = check(project_dir, environ=ENVIRON)
    found = [p for p in report.errors if p.file == POST and p.field == "image"]
    assert found and reason in found[0].message, report.summary()


# --- card text in the partner's language ---------------------------------------------------------


def painted(project: Project, slug: str, title: str, eyebrow: str, language: str) -> bytes:
    """The card as it should be for ``slug`` with the theme's strings in ``language``."""
    partner = next(p for p in project.partners if p.slug == slug)
    strings = for_locale(load_translations(project.theme), language)
    rules = project.config.brand
    style = CardStyle(partner.name, project.vendor.name, palette(partner.data.colors), palette(project.vendor.colors),
                      rules.vendor_max_ratio, rules.clear_space, strings.gettext("in partnership with"),
                      "rtl" if language.startswith("ar") else "ltr")
    return CardPainter(partner.logo, project.vendor.logo, style).card(OG_SIZE, title, strings.gettext(eyebrow))


def switch_locale(project: Path, slug: str, locale: str) -> None:
    toml = project / "partners" / slug / "partner.toml"
    text, replaced = re.subn(r'(?m)^locale = "[^"]*"$', f'locale = "{locale}"', toml.read_text(encoding="utf-8"))
    assert replaced == 1
    toml.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(("locale", "eyebrow", "label"), [
    ("de-DE", "DATENBLATT", "in Partnerschaft mit"),
    ("ja-JP", "データシート", "提携"),
    ("ar-AE", "ورقة بيانات", "بالشراكة مع"),
])
def test_card_text_is_in_the_partners_language(tmp_path, locale, eyebrow, label):
    project_dir = copy_example(tmp_path)
    switch_locale(project_dir, "kestrel-cloud", locale)
    project = load(project_dir)
    strings = for_locale(load_translations(project.theme), locale)
    assert (strings.gettext("Datasheet").upper(), strings.gettext("in partnership with")) == (eyebrow, label)

    path = "static/og/recovery-assurance.png"
    partner = next(p for p in project.partners if p.slug == "kestrel-cloud")
    title = project.localized(next(i for i in project.content if i.key == "one-pagers/recovery-assurance"),
                              partner.data.locale).meta.title
    partner_jobs = PartnerRenderer(project, pdfs=False, images=True).jobs(partner)
    made = next(job for job in partner_jobs if job.path == path).make(lambda other: b"")
    assert made == painted(project, "kestrel-cloud", title, "Datasheet", locale)
    assert made != painted(project, "kestrel-cloud", title, "Datasheet", "en")


def test_english_partner_keeps_english_card_text():
    project = load(ROOT)
    partner = next(p for p in project.partners if p.slug == "northbeam-it")
    title = next(i for i in project.content if i.key == "one-pagers/recovery-assurance").meta.title
    jobs = PartnerRenderer(project, pdfs=False, images=True).jobs(partner)
    made = next(job for job in jobs if job.path == "static/og/recovery-assurance.png").make(lambda other: b"")
    assert made == painted(project, "northbeam-it", title, "Datasheet", "en-US")


# --- fonts and direction -----------------------------------------------------------------------------


def glyphs(font: ImageFont.FreeTypeFont, text: str, direction: str | None = None) -> bytes:
    """The pixels of ``text`` set in ``font``."""
    canvas = Image.new("L", (400, 80), 0)
    ImageDraw.Draw(canvas).text((10, 10), text, font=font, fill=255, direction=direction)
    return canvas.tobytes()


def test_japanese_text_gets_a_font_with_japanese_glyphs():
    font_path = font_file("提携")
    if "CJK" not in font_path.name:
        pytest.skip("Noto Sans CJK is not installed (scripts/setup installs fonts-noto-cjk)")
    font = ImageFont.truetype(str(font_path), 40)
    # Two different kanji look different: no empty boxes (which DejaVu Sans would draw for both).
    assert glyphs(font, "提") != glyphs(font, "携")
    dejavu = ImageFont.truetype(str(font_file("Datenblatt")), 40)
    assert glyphs(dejavu, "提") == glyphs(dejavu, "携")  # why the CJK font is needed


def test_text_direction_follows_the_first_strong_letter():
    assert direction_of("بالشراكة مع") == "rtl"
    assert direction_of("تواصل مع Kestrel Cloud") == "rtl"
    assert direction_of("Kestrel Cloud تواصل") == "ltr"
    assert direction_of("2026 — ورقة بيانات") == "rtl"
    assert direction_of("データシート") == "ltr"


def test_arabic_is_shaped_when_pillow_has_raqm():
    if not features.check("raqm"):
        pytest.skip("Pillow without libraqm: Arabic on cards is unshaped")
    font = ImageFont.truetype(str(font_file("مع")), 40, layout_engine=ImageFont.Layout.RAQM)
    basic = ImageFont.truetype(str(font_file("مع")), 40, layout_engine=ImageFont.Layout.BASIC)
    word = "بالشراكة"
    assert glyphs(font, word, direction="rtl") != glyphs(basic, word)


def _logo(tmp_path: Path) -> Logo:
    path = tmp_path / "partner.png"
    Image.new("RGBA", (400, 200), (200, 30, 30, 255)).save(path)
    return inspect_logo(path)


@pytest.mark.parametrize("direction", ["ltr", "rtl"])
def test_right_to_left_cards_put_the_partner_on_the_right(tmp_path, direction):
    vendor = inspect_logo(ROOT / "brand" / "harborline.svg")
    style = CardStyle("P", "Harborline", palette(Colors(primary="#0b5fff")), palette(Colors(primary="#0e3b5c")),
                      partnership="بالشراكة مع", direction=direction)
    png = CardPainter(_logo(tmp_path), vendor, style).card(OG_SIZE, "خمس علامات", "ورقة بيانات")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    left = image.crop((0, 0, image.width // 2, image.height))
    right = image.crop((image.width // 2, 0, image.width, image.height))
    red_left, red_right = count(left, (200, 30, 30)), count(right, (200, 30, 30))
    assert (red_right > 0 and red_left == 0) if direction == "rtl" else (red_left > 0 and red_right == 0)
