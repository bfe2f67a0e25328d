"""Logo lockups follow the ``[brand]`` rules on the site and in the PDFs, with logos trimmed of their margins.

The PDFs are read back as a reader would: the logos' boxes from the tagged PDF's ``/Figure`` elements (pypdf),
what is printed in them from a pdftoppm rasterisation, and the embedded raster images themselves. The site's
masthead is read from the built HTML here; tests/browser/test_browser.py measures it in Chromium.

Every example partner is covered: wide (kestrel-cloud SVG, northbeam-it PNG), square (falkenstein-systeme SVG,
maple-ridge-tech PNG) and tall (sakura-systems PNG) logos.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import cairosvg
import pypdf
import pytest
from PIL import Image, ImageChops

import cobrand
from cobrand.render.pdf import ReadScope, generated_url, scoped_fetcher
from support.example import CONFIG, ENVIRON, PARTNERS, ExampleBuild, PartnerInfo, copy_example

RULES = CONFIG["brand"]
AREA_TOLERANCE = 0.05  # vendor area / partner area within 5% of vendor_max_ratio (sizes are rounded to 0.01)
GAP_TOLERANCE = 0.03  # the clear space within 3% of a partner-logo height
FILL = 0.94  # a trimmed logo's ink spans at least this share of its box's width and height
DPI = 300
PX_PER_MM = 96 / 25.4  # WeasyPrint's /BBox of tagged figures is in CSS px from the page's top left
PARTNER_PARAMS = [pytest.param(partner, id=partner.slug) for partner in PARTNERS]

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")


# --- reading the PDFs ---------------------------------------------------------------------------------------


def figures(pdf: Path) -> dict[str, tuple[float, float, float, float]]:
    """The tagged PDF's ``/Figure`` boxes (left, top, right, bottom in mm) by alt text."""
    found: dict[str, tuple[float, float, float, float]] = {}

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
            return
        if not isinstance(node, dict):
            return
        if node.get("/S") == "/Figure" and "/Alt" in node and "/A" in node:
            box = node["/A"].get_object().get("/BBox")
            if box is not None:
                found[str(node["/Alt"])] = tuple(float(value) / PX_PER_MM for value in box)  # type: ignore[assignment]
        if "/K" in node:
            walk(node["/K"])

    walk(pypdf.PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"])
    return found


def raster(pdf: Path, tmp_path: Path) -> Image.Image:
    """Page 1 of ``pdf`` at :data:`DPI`, as pdftoppm prints it."""
    prefix = tmp_path / pdf.stem
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
                   check=True, capture_output=True)
    with Image.open(prefix.with_suffix(".png")) as image:
        return image.convert("RGB")


def ink_fill(page: Image.Image, box_mm: tuple[float, float, float, float]) -> tuple[float, float]:
    """How much of the box's width and height the printed ink inside it spans (1.0: no empty margin)."""
    scale = DPI / 25.4
    left, top = math.ceil(box_mm[0] * scale), math.ceil(box_mm[1] * scale)
    right, bottom = math.floor(box_mm[2] * scale), math.floor(box_mm[3] * scale)
    crop = page.crop((left, top, right, bottom))
    white = Image.new("RGB", crop.size, (255, 255, 255))
    ink = ImageChops.difference(crop, white).convert("L").point(lambda value: 255 if value > 12 else 0).getbbox()
    assert ink is not None, f"nothing printed in the logo's box {box_mm}"
    return (ink[2] - ink[0]) / crop.width, (ink[3] - ink[1]) / crop.height


def first_pdf(site: Path) -> Path:
    pdfs = sorted(path for path in (site / "one-pagers").glob("*.pdf") if not path.name.endswith("-press.pdf"))
    assert pdfs, f"{site.name} has no PDF"
    return pdfs[0]


def assert_pdf_lockup(pdf: Path, partner_name: str, vendor_ratio: float, clear_space: float, tmp_path: Path,
                      rtl: bool = False) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The PDF's header lockup: vendor area at ``vendor_ratio`` of the partner's, ``clear_space`` between them,
    both logos printed edge to edge in their boxes. Returns both boxes (mm)."""
    boxes = figures(pdf)
    partner, vendor = boxes[partner_name], boxes[CONFIG["vendor"]["name"]]
    partner_w, partner_h = partner[2] - partner[0], partner[3] - partner[1]
    vendor_w, vendor_h = vendor[2] - vendor[0], vendor[3] - vendor[1]
    ratio = vendor_w * vendor_h / (partner_w * partner_h)
    assert abs(ratio - vendor_ratio) <= AREA_TOLERANCE * vendor_ratio, (pdf, ratio)
    gap = partner[0] - vendor[2] if rtl else vendor[0] - partner[2]
    assert abs(gap - clear_space * partner_h) <= GAP_TOLERANCE * partner_h, (pdf, gap, clear_space * partner_h)
    page = raster(pdf, tmp_path)
    for name, box in ((partner_name, partner), ("vendor", vendor)):
        width, height = ink_fill(page, box)
        assert width >= FILL and height >= FILL, f"{pdf}: the {name} logo leaves a margin in its box ({width:.2f}, " \
                                                 f"{height:.2f} of it printed)"
    return partner, vendor


# --- reading the pages --------------------------------------------------------------------------------------

_SIZE = re.compile(r"--w: ([0-9.]+)px; --h: ([0-9.]+)px")


def masthead(page: Path) -> dict[str, float]:
    """The masthead lockup's sizes as the page sets them (CSS px)."""
    text = page.read_text(encoding="utf-8")
    lockup = re.search(r'<a class="lockup"[^>]*style="([^"]*)">(.*?)</a>', text, flags=re.S)
    assert lockup, page
    gap = re.search(r"--lockup-gap: ([0-9.]+)px", lockup.group(1))
    partner = re.search(r'class="lockup__partner"[^>]*style="' + _SIZE.pattern, lockup.group(2))
    vendor = re.search(r'class="lockup__vendor".*?<img [^>]*style="' + _SIZE.pattern, lockup.group(2), flags=re.S)
    assert gap and partner and vendor, page
    return {"gap": float(gap.group(1)), "partner_width": float(partner.group(1)),
            "partner_height": float(partner.group(2)), "vendor_width": float(vendor.group(1)),
            "vendor_height": float(vendor.group(2))}


def visible_ratio(path: Path) -> float:
    """Width / height of a logo file's visible content, measured here with Pillow (and cairosvg for SVG)."""
    if path.suffix == ".svg":
        image = Image.open(io.BytesIO(cairosvg.svg2png(url=str(path), output_height=800)))
    else:
        image = Image.open(path)
    image = image.convert("RGBA")
    opaque = Image.new("RGBA", image.size, (255, 255, 255, 255))
    opaque.alpha_composite(image)
    ink = ImageChops.difference(opaque.convert("RGB"), Image.new("RGB", image.size, (255, 255, 255)))
    box = ink.convert("L").point(lambda value: 255 if value > 12 else 0).getbbox()
    assert box is not None, path
    return (box[2] - box[0]) / (box[3] - box[1])


def partner_logo(partner: PartnerInfo) -> Path:
    folder = Path(__file__).resolve().parents[2] / "partners" / partner.slug
    return folder / partner.data["logo"] if "logo" in partner.data else next(folder.glob("logo.*"))


# --- the example build ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("partner", PARTNER_PARAMS)
def test_pdf_lockup_balances_by_area_with_clear_space(example_build: ExampleBuild, partner: PartnerInfo,
                                                      tmp_path: Path) -> None:
    pdf = first_pdf(example_build.out / partner.slug)
    box, _ = assert_pdf_lockup(pdf, partner.name, RULES["vendor_max_ratio"], RULES["clear_space"], tmp_path)
    # The box has the shape of the logo's visible content, not of its file.
    assert (box[2] - box[0]) / (box[3] - box[1]) == pytest.approx(visible_ratio(partner_logo(partner)), rel=0.03)
    # A square mark is printed print_logo_height_mm high; other shapes get its area (within the header's limits).
    area = (box[2] - box[0]) * (box[3] - box[1])
    if 0.3 <= visible_ratio(partner_logo(partner)) <= 4:  # wider logos reach the minimum height (half a square's)
        assert area == pytest.approx(RULES["print_logo_height_mm"] ** 2, rel=0.08), (partner.slug, area)


@pytest.mark.parametrize("partner", PARTNER_PARAMS)
def test_pdf_embeds_raster_logos_trimmed_at_print_resolution(example_build: ExampleBuild,
                                                            partner: PartnerInfo) -> None:
    logo = partner_logo(partner)
    pdf = first_pdf(example_build.out / partner.slug)
    sizes = [image.image.size for image in pypdf.PdfReader(pdf).pages[0].images]
    if logo.suffix == ".svg":
        assert sizes == [], f"{pdf}: the SVG logos should stay vector, found images {sizes}"
        return
    box = figures(pdf)[partner.name]
    with Image.open(logo) as original:
        assert original.size not in sizes, f"{pdf} embeds the original {original.size} logo, margins and all"
    needed = math.ceil((box[3] - box[1]) / 25.4 * DPI)  # 300 dpi at the printed height
    embedded = [size for size in sizes if abs(size[1] - needed) <= 1]
    assert len(embedded) == 1, (pdf, sizes, needed)
    assert embedded[0][0] / embedded[0][1] == pytest.approx(visible_ratio(logo), rel=0.02)


@pytest.mark.parametrize("partner", PARTNER_PARAMS)
def test_site_masthead_balances_by_area_with_clear_space(example_build: ExampleBuild, partner: PartnerInfo) -> None:
    site = example_build.out / partner.slug
    sizes = masthead(site / "index.html")
    ratio = sizes["vendor_width"] * sizes["vendor_height"] / (sizes["partner_width"] * sizes["partner_height"])
    assert ratio == pytest.approx(RULES["vendor_max_ratio"], rel=AREA_TOLERANCE)
    assert sizes["gap"] == pytest.approx(RULES["clear_space"] * sizes["partner_height"], rel=GAP_TOLERANCE)
    assert sizes["partner_height"] >= RULES["min_logo_height_px"]
    # The logo files the masthead shows are trimmed: their shape is the box's shape.
    text = (site / "index.html").read_text(encoding="utf-8")
    # The 2x file where there is one: more pixels, a more exact shape.
    shown = re.search(r'<img class="lockup__partner" src="([^"]+)"(?: srcset="[^"]*, ([^" ]+) 2x")?', text)
    vendor = re.search(r'class="lockup__vendor">.*?<img src="([^"]+)"', text, flags=re.S)
    assert shown and vendor
    shape = sizes["partner_width"] / sizes["partner_height"]
    assert visible_ratio(site / (shown.group(2) or shown.group(1))) == pytest.approx(shape, rel=0.03)
    assert visible_ratio(site / vendor.group(1)) == pytest.approx(sizes["vendor_width"] / sizes["vendor_height"],
                                                                  rel=0.03)
    # Every page shows the same lockup.
    assert masthead(site / "blog/index.html") == masthead(site / "404.html") == sizes


# --- the rules are read from cobrand.toml ------------------------------------------------------------------


def test_changing_the_brand_rules_changes_both_lockups(example_build: ExampleBuild, tmp_path: Path) -> None:
    project = copy_example(tmp_path)
    config = project / "cobrand.toml"
    text, count = re.subn(r"(?m)^vendor_max_ratio = .*$", "vendor_max_ratio = 1.0", config.read_text("utf-8"))
    text, count2 = re.subn(r"(?m)^clear_space = .*$", "clear_space = 1.0", text)
    assert count == count2 == 1
    config.write_text(text, encoding="utf-8")
    assert tomllib.loads(text)["brand"]["vendor_max_ratio"] == 1.0
    out = tmp_path / "out"
    slugs = ("kestrel-cloud", "sakura-systems")  # a wide SVG and a tall PNG
    report = cobrand.build(project, out_dir=out, partners=slugs, environ=ENVIRON)
    assert report.ok, report.failures
    for slug in slugs:
        partner = next(partner for partner in PARTNERS if partner.slug == slug)
        before = masthead(example_build.out / slug / "index.html")
        after = masthead(out / slug / "index.html")
        assert after != before
        ratio = after["vendor_width"] * after["vendor_height"] / (after["partner_width"] * after["partner_height"])
        assert ratio == pytest.approx(1.0, rel=AREA_TOLERANCE), slug
        assert after["gap"] == pytest.approx(after["partner_height"], rel=GAP_TOLERANCE), slug
        pdf = first_pdf(out / slug)
        boxes = assert_pdf_lockup(pdf, partner.name, 1.0, 1.0, tmp_path)
        old = figures(example_build.out / slug / "one-pagers" / pdf.name)
        assert boxes[1] != old[CONFIG["vendor"]["name"]], slug  # the vendor logo grew


# --- logos with big margins ----------------------------------------------------------------------------------


def test_pdf_and_site_show_a_raster_logo_without_its_white_margins(tmp_path: Path) -> None:
    project = copy_example(tmp_path)
    # A 280x70 wordmark-shaped block in a 1400x1000 opaque white canvas, as partners send JPEG-style logos.
    canvas = Image.new("RGB", (1400, 1000), (255, 255, 255))
    canvas.paste(Image.new("RGB", (280, 70), (20, 90, 160)), (500, 400))
    canvas.save(project / "partners" / "northbeam-it" / "logo.png")
    out = tmp_path / "out"
    report = cobrand.build(project, out_dir=out, partners=("northbeam-it",), environ=ENVIRON)
    assert report.ok, report.failures
    pdf = first_pdf(out / "northbeam-it")
    box, _ = assert_pdf_lockup(pdf, "Northbeam IT", RULES["vendor_max_ratio"], RULES["clear_space"], tmp_path)
    assert (box[2] - box[0]) / (box[3] - box[1]) == pytest.approx(4.0, rel=0.01)
    # Printed 6 mm high, 71 px would do for 300 dpi: the 70 px of visible logo are embedded as they are.
    sizes = [image.image.size for image in pypdf.PdfReader(pdf).pages[0].images]
    assert (280, 70) in sizes and (1400, 1000) not in sizes, sizes
    sizes_html = masthead(out / "northbeam-it" / "index.html")
    assert sizes_html["partner_width"] / sizes_html["partner_height"] == pytest.approx(4.0, rel=0.01)


def test_pdf_keeps_an_svg_logo_vector_and_crops_it_to_what_it_draws(tmp_path: Path) -> None:
    project = copy_example(tmp_path)
    # A 2:1 mark in the middle of a 1000x1000 viewBox: 80% of the square is margin.
    (project / "partners" / "kestrel-cloud" / "logo.svg").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!-- a logo with room to spare -->\n'
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 1000" width="500" height="500">'
        '<title>Kestrel Cloud</title><rect x="400" y="450" width="200" height="100" fill="#3d7ea6"/></svg>\n',
        encoding="utf-8")
    out = tmp_path / "out"
    report = cobrand.build(project, out_dir=out, partners=("kestrel-cloud",), environ=ENVIRON)
    assert report.ok, report.failures
    pdf = first_pdf(out / "kestrel-cloud")
    box, _ = assert_pdf_lockup(pdf, "Kestrel Cloud", RULES["vendor_max_ratio"], RULES["clear_space"], tmp_path)
    assert (box[2] - box[0]) / (box[3] - box[1]) == pytest.approx(2.0, rel=0.01)
    assert len(pypdf.PdfReader(pdf).pages[0].images) == 0, "the SVG logo was rasterised"
    # The site's trimmed SVG is still the partner's drawing, now without the margin.
    trimmed = next((out / "kestrel-cloud" / "static" / "logo").glob("partner-*.svg"))
    assert "<rect" in trimmed.read_text(encoding="utf-8")
    assert visible_ratio(trimmed) == pytest.approx(2.0, rel=0.01)
    with Image.open(io.BytesIO(cairosvg.svg2png(url=str(trimmed), output_height=100))) as image:
        assert image.size == (200, 100)


def test_trimmed_svg_draws_the_same_as_the_original_cropped() -> None:
    """For every SVG logo of the example: the trimmed file, rasterised, equals the original's rasterisation
    cropped to its ink (the drawing is untouched, only the viewBox changed)."""
    from cobrand.brand.trim import trimmed_svg
    from cobrand.load.logos import inspect_logo

    root = Path(__file__).resolve().parents[2]
    for path in [*sorted(root.glob("partners/*/logo.svg")), root / "brand" / "harborline.svg"]:
        logo = inspect_logo(path)
        x, y, width, height = logo.visible_box
        scale = 4
        original = Image.open(io.BytesIO(cairosvg.svg2png(bytestring=path.read_bytes(),
                                                          output_width=round(logo.width * scale),
                                                          output_height=round(logo.height * scale)))).convert("RGBA")
        cropped = original.crop((round(x * scale), round(y * scale), round((x + width) * scale),
                                 round((y + height) * scale)))
        trimmed = Image.open(io.BytesIO(cairosvg.svg2png(bytestring=trimmed_svg(logo), output_width=cropped.width,
                                                         output_height=cropped.height))).convert("RGBA")
        difference = ImageChops.difference(cropped, trimmed).convert("L")
        pixels = cropped.width * cropped.height
        mean = sum(index * count for index, count in enumerate(difference.histogram())) / pixels
        assert mean < 4, (path, mean)


# --- the PDF fetcher hands over generated files, and only those ----------------------------------------------


def test_generated_files_are_served_to_their_document_only(tmp_path: Path) -> None:
    from weasyprint.urls import FatalURLFetchingError

    fetcher = scoped_fetcher(ReadScope.of("test", folders=[tmp_path]), {"logo.png": b"\x89PNG made for this document"})
    response = fetcher(generated_url("logo.png"))
    assert response.read() == b"\x89PNG made for this document"
    assert response.headers["Content-Type"] == "image/png"
    for url in (generated_url("other.png"), generated_url("../logo.png"), "data:image/png;base64,iVBORw0KGgo=",
                "http://127.0.0.1:9/logo.png"):
        with pytest.raises(FatalURLFetchingError):
            fetcher(url)
    with pytest.raises(FatalURLFetchingError):
        # another document's fetcher
        scoped_fetcher(ReadScope.of("test", folders=[tmp_path]))(generated_url("logo.png"))


def test_right_to_left_pdf_mirrors_the_lockup_and_keeps_its_rules(tmp_path: Path) -> None:
    project = copy_example(tmp_path)
    toml = project / "partners" / "kestrel-cloud" / "partner.toml"
    text, count = re.subn(r'(?m)^locale = "[^"]*"$', 'locale = "ar-AE"', toml.read_text("utf-8"))
    assert count == 1
    toml.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    report = cobrand.build(project, out_dir=out, partners=("kestrel-cloud",), images=False, environ=ENVIRON)
    assert report.ok, report.failures
    # The partner logo comes first in reading order: on the right, the vendor's to its left.
    assert_pdf_lockup(first_pdf(out / "kestrel-cloud"), "Kestrel Cloud", RULES["vendor_max_ratio"],
                      RULES["clear_space"], tmp_path, rtl=True)
