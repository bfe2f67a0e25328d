"""Theme strings in the partner's language: the default theme's gettext catalogues.

Real builds: German (falkenstein-systeme, de-DE) and Japanese (sakura-systems, ja-JP)
from the example project, French, Spanish and Arabic on a copy with a partner's
locale switched; English partners keep the theme's English strings.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader

import cobrand
from support.example import ENVIRON, ROOT, copy_example

DEFAULT_LOCALE = ROOT / "src" / "cobrand" / "themes" / "default" / "locale"
VENDOR_LOCALE = ROOT / "themes" / "harborline" / "locale"
LANGUAGES = ("de", "fr", "es", "ja", "ar")

# Strings the example partners' pages show, by language.
EXPECTED = {
    "de": {
        "index.html": ["in Partnerschaft mit", "Zum Inhalt springen", "Startseite", "Aktuelle Beiträge",
                       "Datenblätter", "Ihr Partner vor Ort",
                       "Fragen Sie Falkenstein Systeme GmbH", "Min. Lesezeit", "Telefon",
                       "Mit Falkenstein Systeme GmbH und Harborline sicher wiederherstellen"],
        "one-pagers/index.html": ["Datenblätter", "Druckfertige Datenblätter von Falkenstein Systeme GmbH",
                                  "PDF herunterladen"],
        "hub:kit.html": ["Das komplette Kit in einer Datei", "Komplettes Kit herunterladen (.zip)",
                         "Texte für Social Media", "PDF herunterladen", "Partnerbereich"],
        "hub:social.html": ["Social-Media-Beiträge", "Text kopieren"],
        "hub:index.html": ["Programm", "Neuigkeiten", "Ihre öffentliche Website", "Stufe"],
        "404.html": ["Seite nicht gefunden", "Zurück zu Falkenstein Systeme GmbH"],
    },
    "ja": {
        "index.html": ["提携", "本文へスキップ", "ホーム", "最新のインサイト",
                       "Sakura Systems へのお問い合わせ", "分で読めます", "と提携しています。"],
        "hub:kit.html": ["キット一式を1つのファイルで", "PDF をダウンロード", "パートナーハブ"],
        "hub:social.html": ["ソーシャル投稿", "テキストをコピー"],
        "404.html": ["ページが見つかりません"],
    },
}
ENGLISH = {
    "index.html": ["in partnership with", "Skip to content", ">Home<", "Latest insights", "Datasheets",
                   "Your local partner", "min read", "Recover from anything with"],
    "hub:kit.html": ["The whole kit in one file", "Download the whole kit (.zip)", "Social copy", "Partner hub"],
    "hub:social.html": ["Social posts", "Copy text"],
    "404.html": ["Page not found", "This page does not exist, or is no longer available."],
}


def _page(site: Path, page: str) -> Path:
    """A page of the partner's site, or with "hub:" first, of its hub (beside the sites' folder)."""
    if page.startswith("hub:"):
        return site.parent.with_name(site.parent.name + "-hub") / site.name / page.removeprefix("hub:")
    return site / page


def _text(path: Path) -> str:
    # Names inside sentences of right-to-left pages are <bdi> runs: the sentence is read without them.
    return html.unescape(re.sub(r"</?bdi>", "", path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("i18n") / "build"
    report = cobrand.build(ROOT, out_dir=out, partners=("falkenstein-systeme", "sakura-systems", "northbeam-it"),
                           pdfs=True, images=False, environ=ENVIRON)
    assert report.ok, report.failures
    return out


@pytest.mark.parametrize(("slug", "language"), [("falkenstein-systeme", "de"), ("sakura-systems", "ja")])
def test_partner_pages_use_the_partners_language(built: Path, slug: str, language: str) -> None:
    site = built / slug
    for page, strings in EXPECTED[language].items():
        text = _text(_page(site, page))
        for string in strings:
            assert string in text, (slug, page, string)
        for english in ("Skip to content", "Download the kit", "in partnership with", "Your local partner"):
            assert english not in text, (slug, page, english)


def test_english_partner_keeps_the_english_strings(built: Path) -> None:
    site = built / "northbeam-it"
    for page, strings in ENGLISH.items():
        text = _text(_page(site, page))
        for string in strings:
            assert string in text, (page, string)
        assert "in Partnerschaft mit" not in text and "提携" not in text


def test_german_pdf_text_is_german(built: Path) -> None:
    pdfs = sorted((built / "falkenstein-systeme" / "one-pagers").glob("*.pdf"))
    assert pdfs
    for pdf in pdfs:
        reader = PdfReader(pdf)
        assert len(reader.pages) == 1, pdf  # the longer German strings still fit one page
        text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
        assert "Falkenstein Systeme GmbH, in Partnerschaft mit Harborline." in text, pdf
        assert "Scannen und online lesen" in text, pdf
        assert "Fragen Sie Falkenstein Systeme GmbH" in text, pdf
        assert "Scan to read online" not in text and "in partnership with" not in text.lower(), pdf


def test_english_pdf_text_is_english(built: Path) -> None:
    for pdf in sorted((built / "northbeam-it" / "one-pagers").glob("*.pdf")):
        text = " ".join(PdfReader(pdf).pages[0].extract_text().split())
        assert "Talk to Northbeam IT" in text and "Scan to read online" in text, pdf


def _switch_locale(project: Path, slug: str, locale: str) -> None:
    toml = project / "partners" / slug / "partner.toml"
    text = toml.read_text(encoding="utf-8")
    new, count = re.subn(r'(?m)^locale = "[^"]*"$', f'locale = "{locale}"', text)
    assert count == 1
    toml.write_text(new, encoding="utf-8")


@pytest.mark.parametrize(("locale", "strings"), [
    ("fr-FR", ["en partenariat avec", "Aller au contenu", "Accueil", "Derniers articles", "Fiches techniques",
               "Votre partenaire local", "Contactez Kestrel Cloud", "min de lecture"]),
    ("es-ES", ["en colaboración con", "Ir al contenido", "Inicio", "Últimos artículos", "Fichas técnicas",
               "Su partner local", "Hable con Kestrel Cloud", "min de lectura"]),
    ("ar-AE", ["بالشراكة مع", "انتقل إلى المحتوى", "الرئيسية", "أحدث الرؤى", "أوراق البيانات",
               "شريكك المحلي", "تواصل مع Kestrel Cloud", "مدة القراءة"]),
])
def test_other_locales(tmp_path: Path, locale: str, strings: list[str]) -> None:
    project = copy_example(tmp_path)
    _switch_locale(project, "kestrel-cloud", locale)
    out = tmp_path / "out"
    report = cobrand.build(project, out_dir=out, partners=("kestrel-cloud",), pdfs=False, images=False,
                           environ=ENVIRON)
    assert report.ok, report.failures
    text = _text(out / "kestrel-cloud" / "index.html")
    for string in strings:
        assert string in text, (locale, string)
    assert "Skip to content" not in text and "Your local partner" not in text
    expected_dir = "rtl" if locale.startswith("ar") else "ltr"
    assert f'dir="{expected_dir}"' in text
    assert f'lang="{locale}"' in text


def _catalogue(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


@pytest.mark.parametrize("locale_dir", [DEFAULT_LOCALE, VENDOR_LOCALE], ids=["default", "harborline"])
def test_catalogues_are_complete(locale_dir: Path) -> None:
    template = _catalogue(locale_dir / "messages.pot")
    assert _ids(template)
    assert sorted(path.parent.parent.name for path in locale_dir.glob("*/LC_MESSAGES/messages.po")) == sorted(LANGUAGES)
    assert not list(locale_dir.rglob("*.mo")), "ship only .po files"
    for language in LANGUAGES:
        catalog = _catalogue(locale_dir / language / "LC_MESSAGES" / "messages.po")
        assert _ids(catalog) == _ids(template), language
        for message in catalog:
            if not message.id:
                continue
            assert not message.fuzzy, (language, message.id)
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(forms), (language, message.id)
            if isinstance(message.id, tuple):
                assert len(forms) == catalog.num_plurals, (language, message.id)
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            wanted = set(re.findall(r"%\((\w+)\)", " ".join(ids))) - {"num"}
            for form in forms:
                assert set(re.findall(r"%\((\w+)\)", form)) >= wanted, (language, message.id, form)
            assert not list(message.check(catalog)), (language, message.id)


def test_templates_carry_no_unmarked_ui_strings() -> None:
    """A few English strings that must now come from the catalogue, not the template text."""
    templates = ROOT / "src" / "cobrand" / "themes" / "default" / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for string in ("in partnership with", "Talk to", "Download the kit", "min read", "Datasheet"):
            for match in re.finditer(re.escape(string), text):
                before = text[max(0, match.start() - 40):match.start()]
                assert '_("' in before or 'gettext("' in before, (path.name, string)


# --- page titles and the copy button's label: from the catalogue, not from Python or JavaScript ---------

# The theme's own pages, by the catalogue entry their title comes from.
TITLED_PAGES = {"blog/index.html": "Blog", "one-pagers/index.html": "Datasheets", "404.html": "Page not found"}
# The hub's pages, titled "<page> · Partner hub · <partner>", without social cards.
HUB_TITLED_PAGES = {"index.html": "Program", "new.html": "What's new", "kit.html": "Download kit",
                    "social.html": "Social posts"}


def _translation(language: str, msgid: str) -> str:
    message = _catalogue(DEFAULT_LOCALE / language / "LC_MESSAGES" / "messages.po").get(msgid)
    assert message is not None and message.string, (language, msgid)
    return message.string


def _head(path: Path) -> tuple[str, str, str]:
    """The page's ``<title>``, ``og:title`` and ``twitter:title``, unescaped."""
    text = path.read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", text, flags=re.S)
    og = re.search(r'<meta property="og:title" content="([^"]*)">', text)
    twitter = re.search(r'<meta name="twitter:title" content="([^"]*)">', text)
    assert title and og and twitter, path
    return html.unescape(title.group(1)), html.unescape(og.group(1)), html.unescape(twitter.group(1))


def _hub_title(path: Path) -> str:
    """A hub page's ``<title>``, unescaped; the hub has no social cards to carry it."""
    text = path.read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", text, flags=re.S)
    assert title and 'property="og:' not in text, path
    return html.unescape(title.group(1))


def _copied_labels(path: Path) -> set[str | None]:
    """The ``data-copied`` label of every copy button on the page (None where a button has none)."""
    labels: set[str | None] = set()
    for button in re.findall(r"<button[^>]*\bdata-copy=[^>]*>", path.read_text(encoding="utf-8")):
        label = re.search(r'data-copied="([^"]*)"', button)
        labels.add(html.unescape(label.group(1)) if label else None)
    assert labels, f"{path} has no copy button"
    return labels


def _assert_translated_titles_and_label(site: Path, name: str, language: str) -> None:
    for page, msgid in TITLED_PAGES.items():
        expected = _translation(language, msgid)
        assert expected != msgid or (language == "de" and msgid == "Blog"), (language, msgid)  # "Blog" is German too
        title, og, twitter = _head(site / page)
        assert title == f"{expected} · {name}", (language, page, title)
        assert og == twitter == expected, (language, page, og, twitter)
        if expected != msgid:
            assert msgid not in title, (language, page, title)
    hub_name = _translation(language, "Partner hub")
    for page, msgid in HUB_TITLED_PAGES.items():
        expected = _translation(language, msgid)
        assert expected != msgid, (language, msgid)
        title = _hub_title(_page(site, f"hub:{page}"))
        assert title == f"{expected} · {hub_name} · {name}", (language, page, title)
    assert _copied_labels(_page(site, "hub:social.html")) == {_translation(language, "Copied")}


@pytest.mark.parametrize(("slug", "name", "language"), [("falkenstein-systeme", "Falkenstein Systeme GmbH", "de"),
                                                        ("sakura-systems", "Sakura Systems", "ja")])
def test_page_titles_and_copied_label_are_translated(built: Path, slug: str, name: str, language: str) -> None:
    _assert_translated_titles_and_label(built / slug, name, language)


def test_page_titles_and_copied_label_are_translated_into_arabic(tmp_path: Path) -> None:
    project = copy_example(tmp_path)
    _switch_locale(project, "kestrel-cloud", "ar-AE")
    out = tmp_path / "out"
    report = cobrand.build(project, out_dir=out, partners=("kestrel-cloud",), pdfs=False, images=False,
                           environ=ENVIRON)
    assert report.ok, report.failures
    _assert_translated_titles_and_label(out / "kestrel-cloud", "Kestrel Cloud", "ar")


def test_english_page_titles_and_copied_label_stay_english(built: Path) -> None:
    site = built / "northbeam-it"
    for page, msgid in TITLED_PAGES.items():
        title, og, _ = _head(site / page)
        assert title == f"{msgid} · Northbeam IT" and og == msgid, (page, title, og)
    for page, msgid in HUB_TITLED_PAGES.items():
        assert _hub_title(_page(site, f"hub:{page}")) == f"{msgid} · Partner hub · Northbeam IT", page
    assert _copied_labels(_page(site, "hub:social.html")) == {"Copied"}


def test_a_rebuild_takes_an_edited_catalogue_as_a_clean_build_does(tmp_path: Path) -> None:
    """Compiled catalogues are kept in the saved state while their files are unchanged: an edited msgstr
    reaches the rebuilt pages, which equal a clean build's of the edited project."""
    project = copy_example(tmp_path)
    out = tmp_path / "build"
    chosen = ("falkenstein-systeme",)
    cobrand.build(project, out_dir=out, partners=chosen, pdfs=False, images=False, jobs=1, environ=ENVIRON)
    home = out / "falkenstein-systeme" / "index.html"
    old = "Mit %(partner)s und %(vendor)s sicher wiederherstellen, was auch passiert"
    assert "sicher wiederherstellen, was auch passiert" in _text(home)
    catalogue = project / "themes" / "harborline" / "locale" / "de" / "LC_MESSAGES" / "messages.po"
    text = catalogue.read_text(encoding="utf-8")
    assert old in text
    catalogue.write_text(text.replace(old, "Mit %(partner)s und %(vendor)s alles zurückholen"), encoding="utf-8")
    cobrand.build(project, out_dir=out, partners=chosen, pdfs=False, images=False, jobs=1, environ=ENVIRON)
    assert "alles zurückholen" in _text(home) and "sicher wiederherstellen" not in _text(home)
    clean = tmp_path / "clean"
    cobrand.build(project, out_dir=clean, partners=chosen, pdfs=False, images=False, jobs=1, environ=ENVIRON)
    assert home.read_bytes() == (clean / "falkenstein-systeme" / "index.html").read_bytes()
