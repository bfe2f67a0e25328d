"""Property tests of the loaders (issue 8): whatever a partner or an author writes, loading yields
either a model or a list of cobrand Problems, never another exception.

Inputs are generated three ways: random TOML-able data serialised by the test (so the file is valid
TOML of that exact data), partner-shaped data with hostile values, and random text built from the
file format's own fragments (so the parsers' error paths are reached, not only "invalid at byte 1").

The runs are derandomized and keep no example database, so CI is stable and writes nothing; the
known crashers are pinned with @example so they are tried on every run.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tomllib
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from cobrand import Problem
from cobrand.load.content import load_content
from cobrand.load.partners import load_partner
from cobrand.load.schema import parse_toml, parse_yaml
from cobrand.models import ContentItem, Partner
from cobrand.values import check_link_url, check_relative_path, check_web_url, parse_color
from support.toml_writer import toml_dumps

ROOT = Path(__file__).resolve().parents[2]
# No shrink phase: while a loader still crashes, shrinking could take minutes; the failure report
# still shows the failing input, and the pinned @example cases are minimal already.
SETTINGS = settings(max_examples=80, deadline=None, database=None, derandomize=True,
                    phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])
FEW = settings(SETTINGS, max_examples=60)


# --- strategies -------------------------------------------------------------------------------------

HOSTILE_TEXT = ["", " ", "<script>alert(1)</script>", "{{ 7*7 }}", "{% raw %}", "javascript:alert(1)",
                "JAVASCRIPT:x", "data:text/html,x", "//evil.example", "http:/\\evil", "https://", "https:// x",
                "https://a.example/\x85", "https://a.example", "mailto:", "tel:", "mailto:a@b.example",
                "#12345", "red;}", "rgba(1,2,3,4)", "hsl(1, 2%, 3%)", "url(x)", "../x", "/etc/passwd",
                "a" * 300, "a" * 300 + ".png", "logo.svg", "logo.png", "sub/../../x", ".", "logo.svg/", "\x00",
                "ünïcödé", "\u202e", "x" * 5001, "en-GB", "de", "xx_YY", "registered", "gold", "aws", "emea"]
texts = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=40))
keys = st.one_of(st.sampled_from(["name", "tier", "colors", "primary", "logo", "intro", "x"]), st.text(max_size=12))
scalars = st.one_of(texts, st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False), st.booleans(),
                    st.dates(), st.datetimes(), st.times())
toml_values = st.recursive(scalars,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                           max_leaves=10)


def _maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """The expected kind of value most of the time, anything TOML can say otherwise."""
    return st.one_of(strategy, strategy, toml_values)


def _maybe_yaml(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """The expected kind of value most of the time, anything YAML can say otherwise."""
    return st.one_of(strategy, strategy, yaml_values)


partner_dicts = st.fixed_dictionaries(
    {
        "name": _maybe(texts),
        "tier": _maybe(st.sampled_from(["registered", "silver", "gold", "Gold", "x y"])),
        "colors": _maybe(st.fixed_dictionaries({"primary": _maybe(texts)}, optional={"accent": _maybe(texts),
                                                                                    "extra": toml_values})),
    },
    optional={
        "ecosystems": _maybe(st.lists(texts, max_size=3)),
        "regions": _maybe(st.lists(texts, max_size=3)),
        "locale": _maybe(texts),
        "website": _maybe(texts),
        "logo": _maybe(texts),
        "contact": _maybe(st.fixed_dictionaries({}, optional={"email": _maybe(texts), "phone": _maybe(texts),
                                                              "address": _maybe(texts)})),
        "personalize": _maybe(st.dictionaries(keys, _maybe(texts), max_size=4)),
        "tracking": _maybe(st.fixed_dictionaries({}, optional={"utm_source": _maybe(texts)})),
        "unknown": toml_values,
    },
)

TOML_FRAGMENTS = ['name = "Acme"\n', 'tier = "gold"\n', "[colors]\n", 'primary = "#0b5fff"\n', "[contact]\n",
                  "[[colors]]\n", "[personalize]\n", 'logo = "', '"', "'", '"""', "'''", "=", " = ", "\n", "[", "]",
                  "{", "}", ",", ".", "#", "\\u0000", "\\", "1979-05-27", "T07:32:00Z", "inf", "nan", "0x", "1_0",
                  "true", "a.b.c", "\t", "\r\n", "\x00", "é"]
toml_texts = st.one_of(st.text(max_size=200),
                       st.lists(st.one_of(st.sampled_from(TOML_FRAGMENTS), st.text(max_size=6)), max_size=30)
                       .map("".join))

yaml_scalars = st.one_of(texts, st.none(), st.integers(), st.floats(), st.booleans(), st.dates(), st.datetimes())
yaml_values = st.recursive(yaml_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.one_of(keys, st.integers(), st.none()), inner, max_size=4),
                           max_leaves=10)
front_matter_dicts = st.fixed_dictionaries(
    {},
    optional={"title": _maybe_yaml(texts), "date": st.one_of(st.dates(), texts), "summary": _maybe_yaml(texts),
              "min_tier": yaml_values, "partners": yaml_values, "ecosystems": yaml_values, "expires": yaml_values,
              "draft": yaml_values, "tags": yaml_values, "image": _maybe_yaml(texts), "unknown": yaml_values},
)
YAML_FRAGMENTS = ["title: ", "date: ", "summary: ", "expires: ", "min_tier: ", "partners: ", "tags: ", "image: ",
                  "draft: ", "variants:\n", "  linkedin: ", "  x: ", "  facebook: ", "link: ", "hashtags: ",
                  "2026-06-09", "2026-02-30", "2026-13-01", "2026-06-09 25:00:00", "!!timestamp ", "!!binary ",
                  "!!python/object:os.system ", "!!str ", "&a ", "*a", "? ", "- ", "  ", "\n", ": ", "[", "]", "{",
                  "}", ",", "|\n", ">-\n", "'", '"', "\t", "...\n", "%YAML 1.1\n", "1e400", ".nan", "~", "#",
                  "{{ partner.name }}", "{% if x %}", "{{", "\ufeff", "\x00"]
yaml_texts = st.one_of(st.text(max_size=200),
                       st.lists(st.one_of(st.sampled_from(YAML_FRAGMENTS), st.text(max_size=6)), max_size=40)
                       .map("".join))
MD_FRAGMENTS = ["{{ partner.name }}", "{{ partner.website }}", "{{", "}}", "{%", "%}", "{#", "![x](", "[x](",
                "../assets/", "assets/", "logo.png", "a" * 300, ".png)", ")", "cobrandtoken0x", "cobrandtoken7x",
                "\n", "# ", "## ", "|a|b|\n|-|-|\n", "[^1]", "[^1]: x\n", "<script>", "`", "```\n", "http://x.example"]
markdown_texts = st.one_of(st.text(max_size=100),
                           st.lists(st.one_of(st.sampled_from(MD_FRAGMENTS), st.text(max_size=6)), max_size=20)
                           .map("".join))


# --- projects on disk -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def partner_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("properties") / "project"
    folder = root / "partners" / "acme"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "partners" / "kestrel-cloud" / "logo.svg", folder / "logo.svg")
    return root, folder


@pytest.fixture(scope="module")
def content_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("properties-content") / "project"
    for kind in ("blog", "social", "assets"):
        (root / "content" / kind).mkdir(parents=True)
    shutil.copy(ROOT / "partners" / "northbeam-it" / "logo.png", root / "content" / "assets" / "logo.png")
    return root


def _problems_only(problems: object) -> list[Problem]:
    assert isinstance(problems, list)
    for problem in problems:
        assert isinstance(problem, Problem), problem
        assert isinstance(problem.file, str) and problem.file and isinstance(problem.message, str)
        assert problem.field is None or isinstance(problem.field, str)
        assert problem.line is None or (isinstance(problem.line, int) and problem.line >= 1)
    sorted(problems)  # ProjectError sorts them: the order must be total
    return problems


def check_partner(root: Path, folder: Path) -> None:
    partner, problems = load_partner(root, folder)
    problems = _problems_only(problems)
    if partner is None:
        assert problems, "no partner and no problem"
        assert all(problem.file.startswith("partners/acme") for problem in problems), problems
    else:
        assert isinstance(partner, Partner) and problems == []


def check_content(root: Path) -> list[ContentItem]:
    items, problems = load_content(root)
    problems = _problems_only(problems)
    assert all(isinstance(item, ContentItem) for item in items)
    assert len(items) + bool(problems) >= 1, "a content file was neither loaded nor reported"
    if problems:
        assert items == [], "a file with problems must not load"
    return items


# --- partner.toml -----------------------------------------------------------------------------------


@SETTINGS
@given(data=partner_dicts)
@example(data={"name": "Acme", "tier": "gold", "colors": {"primary": "#0b5fff"}, "logo": "a" * 300 + ".png"})
@example(data={"name": "Acme", "tier": "gold", "colors": {"primary": "#0b5fff"}, "logo": "logo.svg",
               "website": "https://acme.example", "personalize": {"intro": "x" * 5001}})
def test_partner_toml_from_partner_shaped_data(partner_folder, data):
    root, folder = partner_folder
    text = toml_dumps(data)
    assert tomllib.loads(text) == data
    (folder / "partner.toml").write_text(text, encoding="utf-8")
    check_partner(root, folder)


@SETTINGS
@given(data=st.dictionaries(keys, toml_values, max_size=6))
@example(data={"": "x", "zzzz": "y"})  # two unknown keys, one of them empty: the problems must still sort
def test_partner_toml_from_random_data(partner_folder, data):
    root, folder = partner_folder
    text = toml_dumps(data)
    assert tomllib.loads(text) == data
    (folder / "partner.toml").write_text(text, encoding="utf-8")
    check_partner(root, folder)


@SETTINGS
@given(text=toml_texts)
def test_partner_toml_from_random_text(partner_folder, text):
    root, folder = partner_folder
    (folder / "partner.toml").write_text(text, encoding="utf-8")
    check_partner(root, folder)
    raw, problems = parse_toml(text, "partner.toml")
    assert (raw is None) == bool(problems)


@FEW
@given(data=st.binary(max_size=200))
@example(data=b'name = "\xff"\n')
def test_partner_toml_from_random_bytes(partner_folder, data):
    root, folder = partner_folder
    (folder / "partner.toml").write_bytes(data)
    check_partner(root, folder)


VALID_PARTNER = 'name = "Acme"\ntier = "gold"\nlogo = "logo.svg"\n[colors]\nprimary = "#0b5fff"\n'


@FEW
@given(data=st.dictionaries(keys, _maybe(texts), max_size=4), name=st.sampled_from(
    ["post.toml", "Post.toml", "post.toml.bak", "a b.toml", "x..toml", "post"]))
def test_override_files(partner_folder, data, name):
    root, folder = partner_folder
    (folder / "partner.toml").write_text(VALID_PARTNER, encoding="utf-8")
    overrides = folder / "overrides"
    shutil.rmtree(overrides, ignore_errors=True)
    overrides.mkdir()
    (overrides / name).write_text(toml_dumps(data), encoding="utf-8")
    try:
        check_partner(root, folder)
    finally:
        shutil.rmtree(overrides)


# --- content front matter and social YAML ------------------------------------------------------------


def _page(root: Path, text: str) -> None:
    for old in (root / "content" / "blog").iterdir():
        old.unlink()
    for old in (root / "content" / "social").iterdir():
        old.unlink()
    (root / "content" / "blog" / "post.md").write_text(text, encoding="utf-8")


@SETTINGS
@given(meta=front_matter_dicts, body=markdown_texts)
@example(meta={"title": "T", "date": dt.date(2026, 6, 9), "summary": "S"}, body="literal cobrandtoken5x")
@example(meta={"title": "T", "date": dt.date(2026, 6, 9), "summary": "S"}, body="![x](../assets/" + "a" * 300 + ".png)")
def test_front_matter_from_random_data(content_root, meta, body):
    _page(content_root, "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body)
    check_content(content_root)


@SETTINGS
@given(front=yaml_texts, body=markdown_texts)
@example(front="title: T\ndate: 2026-02-30\nsummary: S\n", body="x")
@example(front="title: T\ndate: 2026-06-09 25:00:00\nsummary: S\n", body="x")
@example(front="title: " + "[" * 3000 + "\n", body="x")
def test_front_matter_from_random_text(content_root, front, body):
    _page(content_root, "---\n" + front + "\n---\n" + body)
    check_content(content_root)


@FEW
@given(text=st.text(max_size=300))
def test_markdown_file_from_random_text(content_root, text):
    _page(content_root, text)
    check_content(content_root)


social_dicts = st.fixed_dictionaries(
    {"title": _maybe_yaml(texts), "date": st.one_of(st.dates(), texts)},
    optional={
        "variants": st.one_of(yaml_values, st.fixed_dictionaries(
            {"linkedin": _maybe_yaml(markdown_texts), "x": _maybe_yaml(markdown_texts),
             "facebook": _maybe_yaml(markdown_texts)},
            optional={"mastodon": texts})),
        "link": _maybe_yaml(st.sampled_from(["blog/post", "blog/nope", "../x", "blog/Post"])),
        "hashtags": yaml_values, "image": yaml_values, "min_tier": yaml_values, "draft": yaml_values,
    },
)


def _social(root: Path, text: str) -> None:
    for old in (root / "content" / "blog").iterdir():
        old.unlink()
    (root / "content" / "social" / "post.yaml").write_text(text, encoding="utf-8")


@SETTINGS
@given(data=social_dicts)
def test_social_yaml_from_random_data(content_root, data):
    _social(content_root, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    check_content(content_root)


@SETTINGS
@given(text=yaml_texts)
@example(text="title: T\ndate: 2026-13-01\nvariants: {linkedin: a, x: b, facebook: c}\n")
@example(text="title: T\ndate: 2026-06-09\nvariants:\n  linkedin: [a]\n  x: b\n  facebook: c\n")
def test_social_yaml_from_random_text(content_root, text):
    _social(content_root, text)
    check_content(content_root)
    _, lines, problems = parse_yaml(text, "content/social/post.yaml")
    _problems_only(problems)
    assert isinstance(lines, dict)


# --- the value types every loader relies on --------------------------------------------------------------

url_texts = st.one_of(
    st.text(max_size=40),
    st.builds(lambda scheme, sep, rest: scheme + sep + rest,
              st.sampled_from(["http", "https", "HTTPS", "javascript", "data", "file", "mailto", "tel", "", " "]),
              st.sampled_from([":", "://", ":/\\", ":///", "//"]),
              st.text(max_size=20)),
)


@SETTINGS
@given(value=url_texts)
@example(value="https://a.example/\x85")
def test_accepted_urls_are_safe(value):
    for check, schemes in ((check_web_url, {"http", "https"}), (check_link_url, {"http", "https", "mailto", "tel"})):
        try:
            accepted = check(value)
        except ValueError:
            continue
        parts = urlsplit(accepted)
        assert parts.scheme.lower() in schemes, accepted
        if parts.scheme.lower() in {"http", "https"}:
            assert parts.hostname, accepted
        assert not any(unicodedata.category(char) == "Cc" or char.isspace() for char in accepted), \
            f"accepted {accepted!r}, which holds control or space characters"


@SETTINGS
@given(value=st.one_of(st.text(max_size=30), st.sampled_from(HOSTILE_TEXT), st.from_regex(r"#[0-9a-fA-F]{3,8}",
                                                                                            fullmatch=True)))
def test_accepted_colours_are_canonical_hex(value):
    try:
        colour = parse_color(value)
    except ValueError:
        return
    assert re.fullmatch(r"#[0-9a-f]{6}", colour), colour


@SETTINGS
@given(value=st.one_of(st.text(max_size=30), st.sampled_from(HOSTILE_TEXT)))
def test_accepted_relative_paths_stay_inside(value):
    try:
        path = check_relative_path(value)
    except ValueError:
        return
    parts = path.split("/")
    assert ".." not in parts and "" not in parts and not path.startswith("/") and "\\" not in path, path
