"""Print-grade PDFs (QR codes, PDF/UA, press profile, thumbnails) and locale handling."""

from __future__ import annotations

import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pypdfium2
import zxingcpp
from PIL import Image
from pypdf import PdfReader

import cobrand
from support.example import CONFIG, ENVIRON, PARTNERS, copy_example, partner_by_slug


def _qr_codes(pdf: Path) -> list[str]:
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        image = document[0].render(scale=4).to_pil()
    finally:
        document.close()
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_each_one_pager_pdf_carries_a_qr_code_to_the_partners_tracked_page(example_build):
    for partner in PARTNERS:
        utm_source = partner.data.get("tracking", {}).get("utm_source", partner.slug)
        for pdf in sorted((example_build.out / partner.slug / "one-pagers").glob("*.pdf")):
            codes = _qr_codes(pdf)
            assert len(codes) == 1, pdf
            url = urlsplit(codes[0])
            base = CONFIG["site"]["base_url"].replace("{partner}", partner.slug)
            assert f"{url.scheme}://{url.netloc}{url.path}" == f"{base}one-pagers/{pdf.stem}.html"
            assert parse_qs(url.query) == {"utm_source": [utm_source], "utm_medium": ["print"],
                                           "utm_campaign": [pdf.stem]}


def test_pdfs_are_tagged_pdf_ua_with_language_and_metadata(example_build):
    pdf = example_build.out / "falkenstein-systeme" / "one-pagers" / "harborline-vault.pdf"
    reader = PdfReader(pdf)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]) == "de-DE"
    assert reader.metadata.author == partner_by_slug("falkenstein-systeme").name
    assert reader.metadata.subject
    assert b"pdfuaid" in reader.xmp_metadata.stream.get_data()


def test_kit_page_shows_a_thumbnail_of_each_pdfs_first_page(example_build):
    folder = example_build.hub / "maple-ridge-tech"
    kit = (folder / "kit.html").read_text(encoding="utf-8")
    for pdf in sorted((folder / "kit").glob("*.pdf")):
        thumbnail = folder / "static" / "thumbs" / f"{pdf.stem}.png"
        assert f"static/thumbs/{pdf.stem}.png" in kit
        with Image.open(thumbnail) as image:
            assert image.width == 360
            # Letter is 8.5 x 11 inches: the thumbnail keeps the page's proportions.
            assert abs(image.height / image.width - 11 / 8.5) < 0.02
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
            assert colours is not None and len(colours) > 50  # a rendered page, not a blank


def test_press_profile_adds_bleed_and_crop_marks(tmp_path):
    project = copy_example(tmp_path)
    config = project / "cobrand.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[print]\npress = true\n", encoding="utf-8")
    out = tmp_path / "out"
    report = cobrand.build(project, out_dir=out, partners=("kestrel-cloud",), jobs=1, images=False,
                           environ=ENVIRON)
    assert report.ok
    hub = out.with_name("out-hub") / "kestrel-cloud"
    kit = hub / "kit"
    # The press PDF is for the partner's printer: in the hub's kit, not on the public site.
    assert [path.name for path in (out / "kestrel-cloud").rglob("*-press.pdf")] == []
    regular = PdfReader(kit / "harborline-vault.pdf").pages[0]
    press = PdfReader(kit / "harborline-vault-press.pdf").pages[0]
    bleed = 3 / 25.4 * 72
    assert float(regular.mediabox.width) == float(regular.trimbox.width)
    assert abs(float(press.mediabox.width) - float(press.trimbox.width) - 2 * bleed) < 0.5
    assert abs(float(press.trimbox.width) - 595.28) < 1  # the trimmed page is still A4
    with zipfile.ZipFile(kit / "kestrel-cloud-kit.zip") as archive:
        assert "kestrel-cloud-kit/harborline-vault-press.pdf" in archive.namelist()
    assert "kit/harborline-vault-press.pdf" in (hub / "kit.html").read_text(encoding="utf-8")


def test_partner_gets_the_translation_for_its_language(example_build):
    german = (example_build.out / "falkenstein-systeme" / "one-pagers" / "harborline-vault.html").read_text("utf-8")
    english = (example_build.out / "kestrel-cloud" / "one-pagers" / "harborline-vault.html").read_text("utf-8")
    assert "Warum Vault" in german and "Why Vault" not in german
    assert "Why Vault" in english and "Warum Vault" not in english
    text = PdfReader(example_build.out / "falkenstein-systeme" / "one-pagers" / "harborline-vault.pdf").pages[0]
    assert "Warum Vault" in text.extract_text()


def test_translation_may_not_set_its_own_entitlements(tmp_path):
    project = copy_example(tmp_path)
    translation = project / "content" / "one-pagers" / "harborline-vault.de.md"
    translation.write_text(translation.read_text("utf-8").replace("---\n", "---\nmin_tier: gold\n", 1), "utf-8")
    try:
        cobrand.build(project, out_dir=tmp_path / "out", pdfs=False, images=False, environ=ENVIRON,
                      all_or_nothing=True)
    except cobrand.ProjectError as error:
        problems = [p for p in error.problems if p.file == "content/one-pagers/harborline-vault.de.md"]
        assert [(p.field, p.line) for p in problems] == [("min_tier", 2)]
    else:
        raise AssertionError("a translation with its own min_tier was accepted")


def test_orphan_translation_is_an_error(tmp_path):
    project = copy_example(tmp_path)
    (project / "content" / "blog" / "no-such-post.fr.md").write_text(
        "---\ntitle: Rien\ndate: 2026-10-01\nsummary: Rien.\n---\nTexte.\n", "utf-8")
    try:
        cobrand.build(project, out_dir=tmp_path / "out", pdfs=False, images=False, environ=ENVIRON,
                      all_or_nothing=True)
    except cobrand.ProjectError as error:
        assert any(p.file == "content/blog/no-such-post.fr.md" and "does not exist" in p.message
                   for p in error.problems)
    else:
        raise AssertionError("an orphan translation was accepted")


def test_dates_are_formatted_in_the_partners_locale(example_build):
    german = (example_build.out / "falkenstein-systeme" / "blog" / "index.html").read_text("utf-8")
    japanese = (example_build.out / "sakura-systems" / "blog" / "index.html").read_text("utf-8")
    american = (example_build.out / "northbeam-it" / "blog" / "index.html").read_text("utf-8")
    assert "1. September 2026" in german
    assert "2026年9月22日" in japanese
    assert "September 22, 2026" in american


def test_pages_declare_the_partners_language(example_build):
    for partner in PARTNERS:
        page = (example_build.out / partner.slug / "index.html").read_text("utf-8")
        assert f'lang="{partner.locale}"' in page


def test_right_to_left_partner_gets_rtl_pages_and_pdfs(tmp_path):
    project = copy_example(tmp_path)
    toml = project / "partners" / "kestrel-cloud" / "partner.toml"
    toml.write_text(toml.read_text("utf-8").replace('locale = "en-GB"', 'locale = "ar-AE"'), "utf-8")
    out = tmp_path / "out"
    report = cobrand.build(project, out_dir=out, partners=("kestrel-cloud",), jobs=1, images=False,
                           environ=ENVIRON)
    assert report.ok
    page = (out / "kestrel-cloud" / "index.html").read_text("utf-8")
    assert 'dir="rtl"' in page and 'lang="ar-AE"' in page
    root = PdfReader(out / "kestrel-cloud" / "one-pagers" / "harborline-vault.pdf").trailer["/Root"]
    assert str(root["/Lang"]) == "ar-AE"


def test_favicons_and_sized_logos_are_generated(example_build):
    folder = example_build.out / "sakura-systems"
    home = (folder / "index.html").read_text("utf-8")
    icons = sorted((folder / "static" / "logo").glob("*favicon.ico"))
    assert len(icons) == 1 and icons[0].name in home
    with Image.open(icons[0]) as icon:
        assert (32, 32) in icon.info["sizes"]
    touch = next((folder / "static" / "logo").glob("*touch-180.png"))
    assert touch.name in home
    with Image.open(touch) as image:
        assert image.size == (180, 180)
    webps = sorted((folder / "static" / "logo").glob("*.webp"))
    assert len(webps) == 2
    heights = sorted(Image.open(path).height for path in webps)
    assert heights[1] == 2 * heights[0]  # 1x and 2x
    assert any(path.name in home for path in webps)


def test_logo_file_names_change_when_the_logo_changes(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    cobrand.build(project, out_dir=out, partners=("maple-ridge-tech",), pdfs=False, environ=ENVIRON)
    before = {path.name for path in (out / "maple-ridge-tech" / "static" / "logo").glob("partner-*")}
    logo = project / "partners" / "maple-ridge-tech" / "logo.png"
    with Image.open(logo) as image:
        image.convert("RGBA").rotate(90).save(logo)
    cobrand.build(project, out_dir=out, partners=("maple-ridge-tech",), pdfs=False, environ=ENVIRON)
    after = {path.name for path in (out / "maple-ridge-tech" / "static" / "logo").glob("partner-*")}
    assert before and before.isdisjoint(after)  # old names are removed, new ones are new (the vendor's stay)
