"""Hostile values that must fail closed (issue 19), grouped by class.

Each test changes a copy of the example project (``conftest.copy_example``) the way an attacker or a
careless partner would, then loads or builds it for real: the value is either refused with an error
naming the file and the field or key, or the output is right. CSV files are read back with Python's
``csv`` module, zips with ``zipfile``, pages as the HTML written. Hypothesis checks the value checks
over whole classes of strings rather than one string per bug.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import urllib.request
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import cobrand
from cobrand.cli import main
from cobrand.load.partners import load_partner
from cobrand.load.schema import parse_toml, parse_yaml
from cobrand.partners_table import entitlement_matrix, matrix_csv
from cobrand.render.kit import kit_zip
from cobrand.serve import DevServer
from cobrand.spreadsheet import FORMULA_START, csv_text, safe_cell
from cobrand.tracking import Tracking
from cobrand.validate import today_from_environment
from cobrand.values import (
    BIDI_CONTROLS,
    MAX_SLUG_LENGTH,
    check_locale,
    check_multiline_text,
    check_slug,
    check_text,
    check_web_url,
    printable_path,
)
from support.example import ENVIRON, copy_example

SLUG = "kestrel-cloud"  # tier "registered": gated items exist that it does not get
KESTREL = f"partners/{SLUG}/partner.toml"
POST = "content/blog/immutable-backups-explained.md"  # every partner gets it
SOCIAL = "content/social/immutability-myths.yaml"
MEDIA = "content/media/alert-to-clean-restore.md"
VENDOR_HOST = "harborline.example"


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project copied once; each test copies this copy."""
    return copy_example(tmp_path_factory.mktemp("values-template"))


@pytest.fixture
def proj(template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(template, target)
    return target


def edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}: the example changed, update the test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def load_problems(root: Path, environ: dict[str, str] = ENVIRON) -> list[cobrand.Problem]:
    """Load and check; it must stop with a ProjectError, whose problems are returned."""
    try:
        cobrand.load_and_check(root, environ=environ)
    except cobrand.ProjectError as error:
        assert error.problems
        return error.problems
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # a library's exception escaping is the bug this file looks for
        pytest.fail(f"expected cobrand.ProjectError, got {type(error).__name__}: {str(error)[:300]}")
    pytest.fail("the project loaded; expected a ProjectError")


def find(problems: list[cobrand.Problem], file: str, field: str | object | None = ..., *needles: str
         ) -> cobrand.Problem:
    for problem in problems:
        if problem.file == file and (field is ... or problem.field == field) and all(
                needle.lower() in problem.message.lower() for needle in needles):
            return problem
    pytest.fail(f"no problem for {file} field={field} with {needles}; got:\n" + "\n".join(map(str, problems)))


def template_of(root: Path) -> Path:
    """A pristine copy beside ``root`` (the example as shipped), for reading what the example entitles."""
    pristine = root.parent / "pristine"
    if not pristine.exists():
        copy_example(root.parent, "pristine")
    return pristine


def loads(root: Path) -> list[cobrand.Problem]:
    """Load and check a project that must load; its warnings."""
    _, warnings = cobrand.load_and_check(root, environ=ENVIRON)
    return warnings


def build(root: Path, *, partners: tuple[str, ...] = (SLUG,), preview: frozenset[str] = frozenset()) -> Path:
    report = cobrand.build(root, out_dir=root / "build", partners=partners, jobs=1, pdfs=False, images=False,
                           environ=ENVIRON, preview=preview)
    assert report.ok, [str(p) for p in report.failures] if hasattr(report, "failures") else report
    return root / "build"


def read_csv(data: bytes | str) -> list[list[str]]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return list(csv.reader(io.StringIO(text, newline="")))


# --- 1. identifiers are validated in full ---------------------------------------------------------


class TestIdentifiers:
    """Slugs, locales and utm_* values match as a whole string: a trailing newline never passes."""

    @pytest.mark.parametrize("name", ["kestrel\n", "con", "aux", "nul", "prn", "com1", "lpt9",
                                      "a" * (MAX_SLUG_LENGTH + 1)])
    def test_partner_folder_name(self, proj, name):
        shutil.copytree(proj / "partners" / SLUG, proj / "partners" / name)
        problem = find(load_problems(proj), printable_path(f"partners/{name}"), ..., "folder name must be a slug")
        assert problem.severity == "error"

    @pytest.mark.parametrize("name", ["evil\x1b[2J\x1b[31mok", "evil\u202egnp", ".hidden\x1b[2J"])
    def test_folder_names_reach_messages_printable(self, proj, name):
        """A folder name holding terminal escapes or bidi controls is named without them (CLI and report)."""
        shutil.copytree(proj / "partners" / SLUG, proj / "partners" / name)
        with pytest.raises(cobrand.ProjectError) as caught:
            cobrand.load_and_check(proj, environ=ENVIRON, strict=True)
        problems = caught.value.problems
        shown = [p for p in problems if p.file.startswith("partners/") and SLUG not in p.file]
        assert shown and all(p.file.isprintable() and "\\" not in p.file for p in shown), problems
        assert any("<U+" in p.file for p in shown)
        result = CliRunner().invoke(main, ["check", str(proj), "--strict"], env=ENVIRON)
        assert result.exit_code == 1 and "\x1b" not in result.output and "\u202e" not in result.output

    @pytest.mark.parametrize(("slug", "reason"), [("con", "Windows"), ("a" * (MAX_SLUG_LENGTH + 1), "at most")])
    def test_new_partner_refuses_what_the_loader_refuses(self, proj, slug, reason):
        result = CliRunner().invoke(main, ["new", "partner", slug, "--project", str(proj)], env=ENVIRON)
        assert result.exit_code == 2 and reason in result.output, result.output
        assert not (proj / "partners" / slug).exists()

    def test_longest_slug_is_accepted(self, proj):
        name = "a" * MAX_SLUG_LENGTH
        (proj / "partners" / SLUG).rename(proj / "partners" / name)
        edit(proj, f"partners/{name}/partner.toml", 'utm_source = "kestrel-cloud"', f'utm_source = "{name}"')
        assert name in {partner.slug for partner in cobrand.load_and_check(proj, environ=ENVIRON)[0].partners}

    def test_hidden_partner_folder_is_reported_as_skipped(self, proj):
        (proj / "partners" / SLUG).rename(proj / "partners" / f".{SLUG}")
        warnings = loads(proj)
        found = [w for w in warnings if w.file == f"partners/.{SLUG}"]
        assert found and "skipped" in found[0].message and found[0].severity == "warning", warnings
        with pytest.raises(cobrand.ProjectError):  # and strict mode refuses it
            cobrand.load_and_check(proj, environ=ENVIRON, strict=True)

    @pytest.mark.parametrize(("old", "new", "field"), [
        ('utm_source = "kestrel-cloud"', 'utm_source = "kestrel-cloud\\n"', "tracking.utm_source"),
        ('locale = "en-GB"', 'locale = "en-GB\\n"', "locale"),
        ('tier = "registered"', 'tier = "registered\\n"', "tier"),
        ('ecosystems = ["aws"]', 'ecosystems = ["aws\\n"]', "ecosystems.0"),
    ])
    def test_trailing_control_in_partner_identifier(self, proj, old, new, field):
        edit(proj, KESTREL, old, new)
        find(load_problems(proj), KESTREL, field)

    def test_trailing_newline_in_utm_medium(self, proj):
        edit(proj, "cobrand.toml", 'utm_medium = "partner"', 'utm_medium = "partner\\n"')
        find(load_problems(proj), "cobrand.toml", "tracking.utm_medium")

    @pytest.mark.parametrize(("file", "old", "new", "field"), [
        (SOCIAL, "link: blog/immutable-backups-explained", 'link: "blog/immutable-backups-explained\\n"', "link"),
        (SOCIAL, "hashtags: [Backup,", 'hashtags: ["Backup\\n",', "hashtags.0"),
        (MEDIA, 'duration: "12:40"', 'duration: "12:40\\n"', "duration"),
        (MEDIA, "youtube: Hb4rL1ne9Qx", 'youtube: "Hb4rL1ne9Qx\\n"', "embed.youtube"),
        (KESTREL, "[personalize]\n", '[personalize]\n"closing\\n" = "x"\n', "personalize.closing\n.[key]"),
    ])
    def test_trailing_newline_in_schema_patterns(self, proj, file, old, new, field):
        """Patterns pydantic checks (its Rust regex engine reads ``$`` as the very end) refuse it too."""
        edit(proj, file, old, new)
        find(load_problems(proj), file, field)

    @pytest.mark.parametrize("locale", ["xx-YY", "en-ZZ", "zz", "en-Cyrl-GB", "qq-419"])
    def test_unknown_locale(self, proj, locale):
        edit(proj, KESTREL, 'locale = "en-GB"', f'locale = "{locale}"')
        find(load_problems(proj), KESTREL, "locale", "locale")

    @pytest.mark.parametrize("locale", ["en-GB", "de-DE", "ja", "sr-Latn-RS", "es-419", "zh-Hant-TW", "pt_BR"])
    def test_known_locales(self, locale):
        assert check_locale(locale) == locale.replace("_", "-")

    @given(st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True),
           st.characters(categories=["Cc", "Zs", "Zl", "Zp", "Cf"]))
    def test_any_slug_with_a_control_or_space_appended_is_refused(self, slug, char):
        with pytest.raises(ValueError):
            check_slug(slug + char)
        with pytest.raises(ValueError):
            check_slug(char + slug)


# --- 2. text values -------------------------------------------------------------------------------


BIDI = sorted(BIDI_CONTROLS)


class TestPartnerText:
    """Partner text carries no control or bidi characters; line breaks only where a value may span lines."""

    @pytest.mark.parametrize("char", ["\\u202e", "\\u2066", "\\u200f", "\\u061c", "\\u0007", "\\u001b",
                                      "\\u0085", "\\n", "\\t", "\\u2028"])
    def test_name(self, proj, char):
        edit(proj, KESTREL, 'name = "Kestrel Cloud"', f'name = "Kestrel{char}Cloud"')
        problem = find(load_problems(proj), KESTREL, "name", "contains")
        assert problem.line == 1

    @pytest.mark.parametrize("field", ["intro", "cta_label"])
    def test_personalisation(self, proj, field):
        edit(proj, KESTREL, f"{field} = \"", f"{field} = \"\\u202egnp.exe ")
        find(load_problems(proj), KESTREL, f"personalize.{field}", "bidi", "U+202E")

    def test_address_may_span_lines_but_carries_no_controls(self, proj):
        edit(proj, KESTREL, "[contact]\n", '[contact]\naddress = "1 Quay St\\r\\nBristol"\n')
        project, _ = cobrand.load_and_check(proj, environ=ENVIRON)
        partner = next(p for p in project.partners if p.slug == SLUG)
        assert partner.data.contact.address == "1 Quay St\nBristol"
        edit(proj, KESTREL, "Bristol", "Bris\\u0000tol")
        find(load_problems(proj), KESTREL, "contact.address", "U+0000")

    def test_line_breaks_only_in_fields_declared_multiline(self, proj):
        edit(proj, KESTREL, 'intro = "Kestrel Cloud is', 'intro = "Kestrel Cloud\\r\\nis')
        edit(proj, KESTREL, 'cta_label = "Ask', 'cta_label = "Please\\nask')
        problems = load_problems(proj)
        find(problems, KESTREL, "personalize.intro", "line break", "multiline")
        find(problems, KESTREL, "personalize.cta_label", "line break")
        edit(proj, "cobrand.toml", "[personalize.intro]\n", "[personalize.intro]\nmultiline = true\n")
        assert not [p for p in load_problems(proj) if p.field == "personalize.intro"]
        edit(proj, KESTREL, 'cta_label = "Please\\nask', 'cta_label = "Ask')
        project, _ = cobrand.load_and_check(proj, environ=ENVIRON)
        partner = next(p for p in project.partners if p.slug == SLUG)
        assert partner.data.personalize["intro"].startswith("Kestrel Cloud\nis")

    def test_override_that_is_not_utf8(self, proj):
        folder = proj / "partners" / SLUG / "overrides"
        folder.mkdir()
        (folder / "immutable-backups-explained.toml").write_bytes(b'closing = "Call us \xff today"\n')
        find(load_problems(proj), f"partners/{SLUG}/overrides/immutable-backups-explained.toml", None, "UTF-8")

    def test_override_value(self, proj):
        folder = proj / "partners" / SLUG / "overrides"
        folder.mkdir()
        (folder / "immutable-backups-explained.toml").write_text('closing = "Call us\\u202e today"\n')
        find(load_problems(proj), f"partners/{SLUG}/overrides/immutable-backups-explained.toml", "closing",
             "bidi")

    @given(st.text(max_size=20), st.sampled_from(BIDI + [chr(c) for c in range(0x20) if c != 0x0A]
                                                 + [chr(c) for c in range(0x7F, 0xA0)]), st.text(max_size=20))
    def test_any_text_with_a_control_or_bidi_character_is_refused(self, before, char, after):
        with pytest.raises(ValueError):
            check_text(before + char + after)
        with pytest.raises(ValueError):
            check_multiline_text(before + char + after)

    @given(st.text(st.characters(categories=["L", "N", "P", "Zs"]), min_size=1, max_size=10),
           st.sampled_from([*BIDI, "\x00", "\x07", "\x1b", "\t", "\r", "\n", "\x7f", "\x85", "\u2028"]))
    @settings(max_examples=25, deadline=None)
    def test_partner_loader_refuses_any_name_with_a_control_or_bidi_character(self, template, word, char):
        """The real loader on a real partner folder: the error names partner.toml and the field."""
        folder = template / "partners" / SLUG
        original = (folder / "partner.toml").read_text(encoding="utf-8")
        name = f"{word.strip() or 'x'}{char}Cloud"
        escaped = "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in name)
        try:
            (folder / "partner.toml").write_text(original.replace('name = "Kestrel Cloud"', f'name = "{escaped}"'),
                                                 encoding="utf-8")
            partner, problems = load_partner(template, folder)
        finally:
            (folder / "partner.toml").write_text(original, encoding="utf-8")
        assert partner is None
        assert [(p.file, p.field) for p in problems] == [(KESTREL, "name")], problems

    @given(st.text(st.characters(exclude_categories=["Cc", "Cs"], exclude_characters=[*BIDI, "\u2028", "\u2029"])))
    def test_plain_text_is_accepted_unchanged(self, text):
        assert check_text(text) == text
        assert check_multiline_text(text + "\n" + text) == text + "\n" + text


# As written in TOML: "\\\\" is one backslash.
DECEPTIVE = [
    (f"https://evil.example\\\\@{VENDOR_HOST}/", "backslash"),
    (f"https://{VENDOR_HOST}@evil.example/", "user name"),
    ("https://user:pass@kestrel-cloud.example/", "user name"),
    ("https://kestrel-cloud.example/\\u202etxt.exe", "bidi"),
]


class TestDeceptiveUrls:
    """A URL whose user information or host could deceive is refused, and never tagged as the vendor's."""

    @pytest.mark.parametrize(("url", "reason"), DECEPTIVE)
    def test_partner_website(self, proj, url, reason):
        edit(proj, KESTREL, 'website = "https://kestrel-cloud.example"', f'website = "{url}"')
        find(load_problems(proj), KESTREL, "website", reason)

    @pytest.mark.parametrize(("url", "reason"), DECEPTIVE)
    def test_partner_cta_url(self, proj, url, reason):
        edit(proj, KESTREL, 'cta_url = "https://kestrel-cloud.example/backup-check"', f'cta_url = "{url}"')
        find(load_problems(proj), KESTREL, "personalize.cta_url", reason)

    def test_internationalised_host_is_shown_as_idna(self):
        # A Cyrillic a (U+0430) in the vendor's name: published as xn--, as browsers show a lookalike.
        url = check_web_url("https://h\u0430rborline.example/offer")
        assert url.isascii() and url.startswith("https://xn--") and url.endswith("/offer")

    @pytest.mark.parametrize("url", [
        f"https://evil.example\\@{VENDOR_HOST}/",
        f"https://evil.example%5C@{VENDOR_HOST}/",
        f"https://{VENDOR_HOST}@evil.example/",
        f"https://user@{VENDOR_HOST}/",
        f"https:\\\\{VENDOR_HOST}/",
    ])
    def test_never_the_vendor(self, url):
        tracking = Tracking(VENDOR_HOST, SLUG, "partner")
        assert not tracking.is_vendor(url)
        assert tracking.url(url, "c") == url
        assert tracking.text(f"see {url} now", "c") == f"see {url} now"

    @given(st.text(st.characters(exclude_categories=["Cs"], exclude_characters="/?#"), min_size=0, max_size=20),
           st.sampled_from(["", "www.", "docs."]))
    def test_any_user_information_is_never_the_vendor(self, userinfo, sub):
        tracking = Tracking(VENDOR_HOST, SLUG, "partner")
        for url in (f"https://{userinfo}@{sub}{VENDOR_HOST}/x", f"https://{sub}{VENDOR_HOST}{userinfo}\\@e.example/",
                    f"https://e.example\\{userinfo}@{sub}{VENDOR_HOST}/"):
            assert not tracking.is_vendor(url), url
        assert tracking.is_vendor(f"https://{sub}{VENDOR_HOST}/x")

    def test_lookalike_host_is_not_the_vendor(self):
        tracking = Tracking(VENDOR_HOST, SLUG, "partner")
        assert not tracking.is_vendor("https://h\u0430rborline.example/")  # Cyrillic a
        assert not tracking.is_vendor("https://harborline.example.evil.example/")

    def test_deceptive_links_in_a_built_page_are_not_tagged(self, proj):
        links = {"deceptive-userinfo": f"https://{VENDOR_HOST}@evil.example/a",
                 "deceptive-backslash": f"https://evil.example%5C@{VENDOR_HOST}/b",
                 "genuine": f"https://{VENDOR_HOST}/c"}
        body = "".join(f"\n[{name}]({url})\n" for name, url in links.items())
        (proj / POST).write_text((proj / POST).read_text(encoding="utf-8") + body, encoding="utf-8")
        page = (build(proj) / SLUG / "blog" / "immutable-backups-explained.html").read_text(encoding="utf-8")
        hrefs = dict(re.findall(r'<a href="([^"]*)"[^>]*>(deceptive-\w+|genuine)</a>', page))
        assert sorted(hrefs.values()) == sorted(links), hrefs
        by_name = {name: href for href, name in hrefs.items()}
        assert "utm_source" in by_name["genuine"]
        assert "utm_" not in by_name["deceptive-userinfo"] and "utm_" not in by_name["deceptive-backslash"]


# --- 3. every CSV neutralises formulas ---------------------------------------------------------------


# A partner name cannot start with a tab or CR (it is stripped, and they are control characters):
# the property test below covers those.
FORMULAS = ["=HYPERLINK(\"https://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)"]


class TestCsv:
    """Hootsuite files and the partner table neutralise formula prefixes with the same function."""

    @pytest.mark.parametrize("formula", FORMULAS)
    def test_hootsuite_files(self, proj, formula):
        # The partner's name opens every variant of one post: partner-controlled text at a cell's start.
        escaped = formula.replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
        edit(proj, KESTREL, 'name = "Kestrel Cloud"', f'name = "{escaped}"')
        text = (proj / SOCIAL).read_text(encoding="utf-8")
        text = text.replace("  linkedin: |\n    ", "  linkedin: |\n    {{ partner.name }} ", 1)
        text = text.replace("  facebook: |\n    ", "  facebook: |\n    {{ partner.name }} ", 1)
        (proj / SOCIAL).write_text(text, encoding="utf-8")
        out = build(proj)
        kit = out.with_name(out.name + "-hub") / SLUG / "kit"
        for network in ("linkedin", "facebook"):
            rows = read_csv((kit / f"hootsuite-{network}.csv").read_bytes())
            cells = [cell for row in rows for cell in row]
            assert not [cell for cell in cells if cell.startswith(FORMULA_START)], cells
            assert any(cell.startswith("'" + formula) for cell in cells), (network, cells)

    def test_partner_table(self, proj):
        edit(proj, KESTREL, 'name = "Kestrel Cloud"', 'name = "=cmd|\' /C calc\'!A0"')
        project, _ = cobrand.load_and_check(proj, environ=ENVIRON)
        rows = read_csv(matrix_csv(project))
        cells = [cell for row in rows for cell in row]
        assert not [cell for cell in cells if cell.startswith(FORMULA_START)]
        assert "'=cmd|' /C calc'!A0" in cells

    def test_cli_partner_table(self, proj):
        edit(proj, KESTREL, 'name = "Kestrel Cloud"', 'name = "@SUM(1+1)*cmd"')
        result = CliRunner().invoke(main, ["partners", str(proj), "--csv"], env=ENVIRON)
        assert result.exit_code == 0, result.output
        cells = [cell for row in read_csv(result.stdout) for cell in row]
        assert "'@SUM(1+1)*cmd" in cells and not [c for c in cells if c.startswith(FORMULA_START)]

    def test_one_function_for_both(self):
        import cobrand.partners_table as table
        import cobrand.render.schedule as schedule
        assert table.csv_text is schedule.csv_text is csv_text

    @given(st.lists(st.lists(st.text(st.characters(exclude_categories=["Cs"], exclude_characters=["\x00"]),
                                     max_size=30), min_size=1, max_size=4), min_size=1, max_size=5))
    @settings(max_examples=200)
    def test_any_cell_read_back_never_starts_with_a_formula_prefix(self, rows):
        back = read_csv(csv_text(rows))
        assert len(back) == len(rows)
        for written, read in zip(rows, back, strict=True):
            assert read == [safe_cell(cell) for cell in written]
            for cell, original in zip(read, written, strict=True):
                assert not cell.startswith(FORMULA_START)
                # Only a cell that starts like a formula changes, and only by its leading apostrophe.
                assert cell == original or (cell == "'" + original and original.startswith(FORMULA_START))


# --- 4. content that fails closed ----------------------------------------------------------------


GATED_FOR_KESTREL = ["what-managed-backup-should-cost", "clean-room-recovery", "northbeam-recovery-time-workshop",
                     "microsoft-365-backup-gaps"]  # by tier, partner list, ecosystem


class TestFailClosedContent:
    """Duplicate keys are errors naming file and key; overrides cannot tell gated items from missing ones."""

    def test_duplicate_front_matter_key(self, proj):
        edit(proj, POST, "\ndate:", "\ntitle: Second title wins?\ndate:")
        problem = find(load_problems(proj), POST, ..., "duplicate key 'title'", "first on line 2")
        assert problem.line == 3

    def test_duplicate_nested_key_in_social_yaml(self, proj):
        edit(proj, SOCIAL, "\n  x: ", "\n  x: \"Buy now\"\n  x: ")
        find(load_problems(proj), SOCIAL, ..., "duplicate key 'x'")

    def test_yaml_merge_keys_stay_allowed(self):
        data, _, problems = parse_yaml("base: &b {a: 1, b: 2}\nother:\n  <<: *b\n  b: 3\n", "f.yaml")
        assert problems == [] and data["other"] == {"a": 1, "b": 3}

    @pytest.mark.parametrize(("old", "new", "key"), [
        ('tier = "registered"', 'tier = "registered"\ntier = "platinum"', "tier"),
        ("[contact]\n", '[contact]\nemail = "x@evil.example"\n', "contact.email"),
        ("[tracking]\n", '[tracking]\nutm_source = "x"\n', "tracking.utm_source"),
    ])
    def test_duplicate_toml_key_in_partner_file(self, proj, old, new, key):
        edit(proj, KESTREL, old, new)
        find(load_problems(proj), KESTREL, ..., "invalid toml", repr(key), "twice")

    def test_duplicate_toml_table(self, proj):
        (proj / KESTREL).write_text((proj / KESTREL).read_text(encoding="utf-8") + '\n[colors]\nprimary = "#000000"\n',
                                    encoding="utf-8")
        find(load_problems(proj), KESTREL, ..., "table [colors]", "twice")

    def test_duplicate_key_in_override_file(self, proj):
        folder = proj / "partners" / SLUG / "overrides"
        folder.mkdir()
        (folder / "immutable-backups-explained.toml").write_text('closing = "a"\nclosing = "b"\n')
        find(load_problems(proj), f"partners/{SLUG}/overrides/immutable-backups-explained.toml", ...,
             "'closing'", "twice")


    @pytest.mark.parametrize("gated", GATED_FOR_KESTREL)
    def test_override_for_a_gated_item_reads_like_one_for_a_missing_item(self, proj, gated):
        folder = proj / "partners" / SLUG / "overrides"
        folder.mkdir()
        missing = "no-such-item-at-all"
        for slug in (gated, missing):
            (folder / f"{slug}.toml").write_text('closing = "Call us."\n')
        problems = load_problems(proj)
        messages = {slug: find(problems, f"partners/{SLUG}/overrides/{slug}.toml", None).message
                    for slug in (gated, missing)}
        assert messages[gated].replace(gated, "X") == messages[missing].replace(missing, "X")
        # Differential: the same file in the folder of a partner that gets the item is accepted.
        project, _ = cobrand.load_and_check(template_of(proj), environ=ENVIRON)
        header, rows = entitlement_matrix(project)
        column = header.index(next(item.key for item in project.content if item.slug == gated))
        owner = next(row[0] for row in rows if row[column] == "1")
        shutil.rmtree(folder)
        (proj / "partners" / owner / "overrides").mkdir(exist_ok=True)
        (proj / "partners" / owner / "overrides" / f"{gated}.toml").write_text('closing = "Call us."\n')
        loads(proj)

    @pytest.mark.parametrize("gated", GATED_FOR_KESTREL)
    def test_did_you_mean_never_names_a_gated_item(self, proj, gated):
        folder = proj / "partners" / SLUG / "overrides"
        folder.mkdir()
        typo = gated[:-1] + ("x" if gated[-1] != "x" else "y")
        (folder / f"{typo}.toml").write_text('closing = "Call us."\n')
        problem = find(load_problems(proj), f"partners/{SLUG}/overrides/{typo}.toml", None, "does not exist")
        for name in GATED_FOR_KESTREL:
            assert name not in problem.message

    def test_did_you_mean_still_helps_with_the_partners_own_items(self, proj):
        folder = proj / "partners" / SLUG / "overrides"
        folder.mkdir()
        (folder / "immutable-backups-explaind.toml").write_text('closing = "Call us."\n')
        problem = find(load_problems(proj), f"partners/{SLUG}/overrides/immutable-backups-explaind.toml", None)
        assert "did you mean immutable-backups-explained.toml" in problem.message

    def test_tomllib_refuses_duplicate_keys(self):
        for text in ("a = 1\na = 2\n", "[t]\nk = 1\n[t]\nj = 2\n", "t = {a = 1, a = 2}\n", "a.b = 1\na.b = 2\n"):
            data, problems = parse_toml(text, "f.toml")
            assert data is None and problems and problems[0].message.startswith("invalid TOML"), text


# --- 5. bounded input and dates --------------------------------------------------------------------


DEEP = 10_000


class TestBoundedInput:
    """Deep nesting is a clear error naming the file, never a RecursionError from a library."""

    def test_deeply_nested_toml_in_partner_file(self, proj):
        (proj / KESTREL).write_text((proj / KESTREL).read_text(encoding="utf-8").replace(
            'regions = ["emea"]', "regions = " + "[" * DEEP + "]" * DEEP), encoding="utf-8")
        find(load_problems(proj), KESTREL, ..., "invalid TOML", "nested")

    def test_deeply_nested_inline_tables_in_override(self, proj):
        folder = proj / "partners" / SLUG / "overrides"
        folder.mkdir()
        (folder / "immutable-backups-explained.toml").write_text("closing = " + "{a = " * DEEP + "1" + "}" * DEEP)
        find(load_problems(proj), f"partners/{SLUG}/overrides/immutable-backups-explained.toml", ..., "nested")

    def test_deeply_nested_toml_in_cobrand_toml(self, proj):
        edit(proj, "cobrand.toml", "[tracking]\n", "[tracking]\nx = " + "[" * DEEP + "]" * DEEP + "\n")
        find(load_problems(proj), "cobrand.toml", ..., "nested")

    def test_dev_server_reports_deep_nesting_and_keeps_serving(self, proj):
        (proj / KESTREL).write_text((proj / KESTREL).read_text(encoding="utf-8").replace(
            'regions = ["emea"]', "regions = " + "[" * DEEP + "]" * DEEP), encoding="utf-8")
        server = DevServer(proj, port=0, out_dir=proj / "out", pdfs=False, images=False, environ=ENVIRON)
        server.start(timeout=180)
        try:
            state = server.state
            assert state is not None
            # The project is refused, or (fleet builds) the partner is skipped: either way the file is named.
            problems = list(state.problems) + (state.report.errors if state.report is not None else [])
            find(problems, KESTREL, ..., "nested")
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=30) as response:
                assert response.status == 200 and SLUG in response.read().decode("utf-8")
        finally:
            server.stop()

    def test_new_command_reports_deep_nesting_in_cobrand_toml(self, proj):
        edit(proj, "cobrand.toml", "[tracking]\n", "[tracking]\nx = " + "[" * DEEP + "]" * DEEP + "\n")
        result = CliRunner().invoke(main, ["new", "post", "Hello", "--project", str(proj)], env=ENVIRON)
        assert result.exit_code == 2 and "nested too deeply" in result.output, result.output

    @pytest.mark.parametrize("shape", ["flow", "block"])
    def test_deeply_nested_yaml(self, proj, shape):
        # Block nesting needs one more space per level: 2,000 levels (libyaml stops at 1,000) keep it small.
        nested = ("[" * DEEP + "]" * DEEP if shape == "flow"
                  else "\n" + "".join(" " * depth + "-\n" for depth in range(1, 2000)))
        edit(proj, POST, "\ndate:", f"\ntags: {nested}\ndate:")
        find(load_problems(proj), POST, ..., "invalid YAML")
        edit(proj, POST, f"\ntags: {nested}\ndate:", "\ndate:")
        edit(proj, SOCIAL, "\nvariants:", f"\nhashtags: {nested}\nvariants:")
        find(load_problems(proj), SOCIAL, ..., "invalid YAML")


class TestDates:
    """Every accepted date works everywhere (zip timestamps too); others are refused at load."""

    @pytest.mark.parametrize("date", ["1979-12-31", "0001-01-01", "2108-01-01", "9999-12-31"])
    @pytest.mark.parametrize("file", [POST, SOCIAL])
    def test_date_outside_what_outputs_hold(self, proj, file, date):
        text = (proj / file).read_text(encoding="utf-8")
        (proj / file).write_text(re.sub(r"(?m)^date: .*$", f"date: {date}", text, count=1), encoding="utf-8")
        problem = find(load_problems(proj), file, "date", "1980", "2107")
        assert problem.line is not None

    @pytest.mark.parametrize("date", [dt.date(1980, 1, 1), dt.date(2107, 12, 31)])
    def test_dates_at_the_ends_build_a_kit_zip_that_holds_them(self, proj, date):
        text = (proj / POST).read_text(encoding="utf-8")
        (proj / POST).write_text(re.sub(r"(?m)^date: .*$", f"date: {date.isoformat()}", text, count=1),
                                 encoding="utf-8")
        out = build(proj, preview=frozenset({"future"}))  # a post dated 2107 is scheduled: a preview shows it
        with zipfile.ZipFile(out.with_name(out.name + "-hub") / SLUG / "kit" / f"{SLUG}-kit.zip") as archive:
            assert archive.testzip() is None
            years = {info.date_time[0] for info in archive.infolist()}
        newest = max(date.year, 2026)  # the example's other items are from 2026
        assert years == {newest}

    def test_any_expiry_date_works(self, proj):
        """``expires`` is only compared with the build date, never written: every date Python reads works."""
        edit(proj, POST, "\ndate:", "\nexpires: 9999-12-31\ndate:")
        edit(proj, SOCIAL, "\ndate:", "\nexpires: 0001-01-01\ndate:")
        out = build(proj)
        site, hub = out / SLUG, out.with_name(out.name + "-hub") / SLUG
        assert (site / "blog" / "immutable-backups-explained.html").is_file()
        assert "Immutability myths" not in (hub / "kit" / "social-posts.txt").read_text(encoding="utf-8")

    @pytest.mark.parametrize(("given_time", "stored"), [
        ((1970, 6, 1, 12, 0, 0), (1980, 1, 1, 0, 0, 0)),
        ((2200, 1, 1, 0, 0, 0), (2107, 12, 31, 23, 59, 58)),
        ((2026, 11, 22, 0, 0, 0), (2026, 11, 22, 0, 0, 0)),
    ])
    def test_kit_zip_clamps_times_it_cannot_hold(self, given_time, stored):
        data = kit_zip({"a.txt": b"a"}, "kit", given_time)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.infolist()[0].date_time == stored
        assert data == kit_zip({"a.txt": b"a"}, "kit", given_time)

    @pytest.mark.parametrize("value", ["", "abc", "1.5", "-1", " 1795305600", "1795305600\n", "0x10",
                                       "1" * 30, "0", "4354819200"])
    def test_bad_source_date_epoch_is_an_error(self, proj, value):
        with pytest.raises(cobrand.UsageError, match="SOURCE_DATE_EPOCH"):
            today_from_environment({"SOURCE_DATE_EPOCH": value})
        result = CliRunner().invoke(main, ["check", str(proj)], env={"SOURCE_DATE_EPOCH": value})
        assert result.exit_code == 2, result.output
        assert "SOURCE_DATE_EPOCH" in result.output

    def test_valid_source_date_epoch(self):
        assert today_from_environment(ENVIRON) == dt.date(2026, 11, 22)
        assert today_from_environment({"SOURCE_DATE_EPOCH": "315532800"}) == dt.date(1980, 1, 1)
