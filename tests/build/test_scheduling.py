"""Drafts and scheduling as SSG users expect: derived summaries, drafts that never block a build,
publish dates relative to the build's today (SOURCE_DATE_EPOCH), --drafts/--future previews that say
so, scheduler CSV dates that respect publish dates, and `cobrand new` writing drafts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

import cobrand
from cobrand.check import check
from cobrand.cli import main
from cobrand.load.markdown import truncate_words
from cobrand.scaffold import init_project
from cobrand.serve import DevServer
from support.example import BUILD_DATE, ENVIRON

SITE = "example-partner"


def page(root: Path, slug: str, front: str, body: str = "The body.") -> Path:
    path = root / "content" / "blog" / f"{slug}.md"
    path.write_text(f"---\ntitle: {slug.replace('-', ' ').title()}\n{front}\n---\n\n{body}\n", encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    init_project(project, environ=ENVIRON)
    return project


def scheduler_csv(out: Path) -> str:
    """The X scheduling file of the partner's kit, in its hub (beside ``out``)."""
    return (out.with_name(out.name + "-hub") / SITE / "kit" / "hootsuite-x.csv").read_text(encoding="utf-8")


def build(root: Path, out: Path, **options) -> cobrand.BuildReport:
    return cobrand.build(root, out_dir=out, jobs=1, pdfs=False, images=False, **({"environ": ENVIRON} | options))


def test_summary_is_optional_and_made_from_the_first_paragraph(root, tmp_path):
    long = " ".join(f"w{index}" for index in range(80))
    page(root, "derived", "date: 2026-01-05", f"A *first* paragraph with `code`\nand a [link](https://x.example).\n\n{long}")
    page(root, "long-first", "date: 2026-01-04", long)
    out = tmp_path / "out"
    build(root, out)
    derived = (out / SITE / "blog" / "derived.html").read_text(encoding="utf-8")
    assert '<meta name="description" content="A first paragraph with code and a link.">' in derived
    cut = (out / SITE / "blog" / "long-first.html").read_text(encoding="utf-8")
    expected = " ".join(f"w{index}" for index in range(50)) + "\u2026"
    assert f'<meta name="description" content="{expected}">' in cut


def test_truncation_is_at_a_word_boundary_and_within_the_limit():
    text = "alpha beta, gamma " * 40
    cut = truncate_words(text, words=50, characters=60)
    assert len(cut) <= 60 and cut.endswith("\u2026")
    assert text.startswith(cut[:-1]) and text[len(cut) - 1] in " ,"  # cut between words, trailing comma dropped
    assert truncate_words("short text") == "short text"


def test_a_broken_draft_never_blocks_the_build(root, tmp_path):
    page(root, "half-done", "draft: true\nmin_tier: diamond\nsummary: {{ partner.nope }}")  # no date either
    page(root, "published", "date: 2026-01-05")
    out = tmp_path / "out"
    report = build(root, out)
    assert report.ok
    assert (out / SITE / "blog" / "published.html").is_file()
    assert not (out / SITE / "blog" / "half-done.html").exists()
    found = [w for w in report.warnings if w.file == "content/blog/half-done.md"]
    assert found and all(w.message.startswith("draft not built") for w in found), report.warnings
    # A preview of drafts shows the valid drafts only: a broken one has nothing to show.
    preview = build(root, tmp_path / "preview", preview=frozenset({"drafts"}))
    assert preview.ok and not (tmp_path / "preview" / SITE / "blog" / "half-done.html").exists()


def test_a_draft_with_a_cross_reference_error_is_a_warning(root, tmp_path):
    page(root, "later", "date: 2026-01-05\ndraft: true\nmin_tier: diamond")  # loads, but the tier is unknown
    report = build(root, tmp_path / "out")
    found = [w for w in report.warnings if w.file == "content/blog/later.md"]
    assert found and "diamond" in found[0].message
    preview = build(root, tmp_path / "preview", preview=frozenset({"drafts"}))
    assert preview.ok and not (tmp_path / "preview" / SITE / "blog" / "later.html").exists()


@pytest.mark.parametrize("front", ["date: 2026-11-20\npublish: 2026-12-01", "date: 2026-12-01"])
def test_a_publish_date_or_future_date_keeps_an_item_unpublished_until_that_day(root, tmp_path, front):
    page(root, "scheduled", front)
    out = tmp_path / "out"
    build(root, out)  # 2026-11-22
    assert not (out / SITE / "blog" / "scheduled.html").exists()
    assert "scheduled" not in (out / SITE / "sitemap.xml").read_text(encoding="utf-8")
    on_the_day = {"SOURCE_DATE_EPOCH": str(int(dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp()))}
    build(root, out, environ=on_the_day)
    assert (out / SITE / "blog" / "scheduled.html").is_file()
    assert "noindex" not in (out / SITE / "blog" / "scheduled.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("flag, front", [("drafts", "date: 2026-01-05\ndraft: true"),
                                         ("future", "date: 2027-01-05")])
def test_previews_show_the_item_and_say_they_are_previews(root, tmp_path, flag, front):
    page(root, "unpublished", front)
    out = tmp_path / "out"
    build(root, out, preview=frozenset({flag}))
    for name in ("blog/unpublished.html", "index.html", "blog/index.html"):
        html = (out / SITE / name).read_text(encoding="utf-8")
        assert '<meta name="robots" content="noindex, nofollow">' in html, name
        assert 'class="preview-banner"' in html and flag in html, name
    assert (out / SITE / "robots.txt").read_text() == "User-agent: *\nDisallow: /\n"
    # The same output folder built for real again: no banner, no noindex, and the item is gone.
    build(root, out)
    assert not (out / SITE / "blog" / "unpublished.html").exists()
    home = (out / SITE / "index.html").read_text(encoding="utf-8")
    assert "preview-banner" not in home and "noindex" not in home


def test_build_and_serve_take_drafts_and_future_from_the_command_line(root, tmp_path):
    page(root, "both", "date: 2027-01-05\ndraft: true")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(root), "--out", str(out), "--no-pdf", "--no-images", "-j", "1",
                                       "--drafts", "--future"], env=ENVIRON)
    assert result.exit_code == 0, result.output
    assert (out / SITE / "blog" / "both.html").is_file()
    result = CliRunner().invoke(main, ["build", str(root), "--out", str(out), "--no-pdf", "--no-images", "-j", "1",
                                       "--drafts"], env=ENVIRON)
    assert not (out / SITE / "blog" / "both.html").exists()  # a draft, but still in the future
    server = DevServer(root, port=0, out_dir=tmp_path / "served", pdfs=False, images=False, environ=ENVIRON,
                       jobs=1, preview=frozenset({"drafts", "future"}))
    state = server.rebuild()
    assert state.report is not None and state.report.ok
    served = (tmp_path / "served" / SITE / "blog" / "both.html").read_text(encoding="utf-8")
    assert "preview-banner" in served
    assert "--drafts" in CliRunner().invoke(main, ["serve", "--help"]).output


def test_scheduler_csv_dates_respect_publish_dates(root, tmp_path):
    social = root / "content" / "social"
    for slug, extra in (("now", ""), ("later", "publish: 2026-12-09\n")):
        (social / f"{slug}.yaml").write_text(
            f"title: {slug}\ndate: 2026-11-01\n{extra}variants:\n  linkedin: Post {slug}.\n  x: Post {slug}.\n"
            f"  facebook: Post {slug}.\n", encoding="utf-8")
    out = tmp_path / "out"
    build(root, out)
    rows = list(csv.reader(io.StringIO(scheduler_csv(out))))
    assert not any("Post later" in row[1] for row in rows)  # not published yet
    build(root, out, preview=frozenset({"future"}))
    rows = list(csv.reader(io.StringIO(scheduler_csv(out))))
    when = {row[1].split(".")[0]: dt.datetime.strptime(row[0], "%m/%d/%Y %H:%M").date() for row in rows}
    assert when["Post now"] > BUILD_DATE
    assert when["Post later"] >= dt.date(2026, 12, 9) and when["Post later"].weekday() < 5
    assert len(set(when.values())) == len(when)  # one post a day


def test_cobrand_new_writes_drafts_and_check_names_what_is_left_to_replace(root):
    result = CliRunner().invoke(main, ["new", "post", "Fresh idea", "--project", str(root)], env=ENVIRON)
    assert result.exit_code == 0, result.output
    assert "draft: true" in (root / "content" / "blog" / "fresh-idea.md").read_text(encoding="utf-8")
    assert "--drafts" in result.output
    published = CliRunner().invoke(main, ["new", "post", "Ready now", "--no-draft", "--project", str(root)],
                                   env=ENVIRON)
    assert published.exit_code == 0 and "draft" not in (root / "content/blog/ready-now.md").read_text()
    report = check(root, environ=ENVIRON)
    warned = {(w.file, w.line) for w in report.warnings}
    files = {file for file, _ in warned}
    assert "content/blog/fresh-idea.md" in files and "content/blog/ready-now.md" in files
    assert {"partners/example-partner/partner.toml", "partners/example-partner/logo.svg", "brand/logo.svg"} <= files
    line = next(number for file, number in warned if file == "content/blog/ready-now.md")
    text = (root / "content/blog/ready-now.md").read_text().splitlines()
    assert "One sentence for listings" in text[line - 1]


def test_a_post_promoting_a_scheduled_page_is_not_scheduled_before_the_page(root, tmp_path):
    page(root, "launch", "date: 2026-11-01\npublish: 2026-12-16")
    (root / "content" / "social" / "promote.yaml").write_text(
        "title: promote\ndate: 2026-11-01\nlink: blog/launch\nvariants:\n  linkedin: Promote.\n  x: Promote.\n"
        "  facebook: Promote.\n", encoding="utf-8")
    out = tmp_path / "out"
    build(root, out)
    text = scheduler_csv(out)
    assert "Promote." not in text and "blog/launch" not in text  # the page is not out yet: nor is its post
    build(root, out, preview=frozenset({"future"}))
    rows = list(csv.reader(io.StringIO(scheduler_csv(out))))
    promote = next(row for row in rows if row[1].startswith("Promote."))
    assert dt.datetime.strptime(promote[0], "%m/%d/%Y %H:%M").date() >= dt.date(2026, 12, 16)
    assert "blog/launch.html" in promote[2]
