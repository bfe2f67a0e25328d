"""Incremental builds: after any edit, an incremental build equals a clean build, byte for byte.

One project copy is edited step by step and rebuilt into the same folder A;
after each step a clean build of the same inputs into a fresh folder B must
be identical to A (every file but report.json and cobrand's own state).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
from pathlib import Path

from PIL import Image, ImageDraw

import cobrand
from support.example import BUILD_DATE, ENVIRON, copy_example, entitled, load_config, load_items, load_partners

# What a build writes about itself, not output: the report, the vendor overview (what this run did), state.
STATE = (".cobrand/", ".cobrand.lock", "report.json", "overview.html")
ROOT_THEME = Path(cobrand.__file__).parent / "themes/default"
TEXT_SUFFIXES = {".html", ".xml", ".txt", ".csv"}


# --- helpers -------------------------------------------------------------------------------




def run_build(project: Path, out: Path, **options) -> cobrand.BuildReport:
    options = {"jobs": 1, "environ": ENVIRON, "pdfs": False, "images": False} | options
    report = cobrand.build(project, out_dir=out, **options)
    assert report.ok, report.summary()
    return report


def hub_of(out: Path) -> Path:
    """The hubs' folder of a build into ``out`` (the default, beside it)."""
    return out.with_name(out.name + "-hub")


def output_files(out: Path) -> dict[str, bytes]:
    """Every output file of the sites and of the hubs ("hub:" first) but the report and cobrand's state
    (manifests, cache, lock)."""
    files = {}
    for root, prefix in ((out, ""), (hub_of(out), "hub:")):
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and not any(relative == s or relative.startswith(s) for s in STATE):
                files[prefix + relative] = path.read_bytes()
    return files


def assert_same_output(a: Path, b: Path, label: str) -> dict[str, bytes]:
    got, want = output_files(a), output_files(b)
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    different = sorted(path for path in set(got) & set(want) if got[path] != want[path])
    assert not (missing or extra or different), (
        f"after {label}: incremental output differs from a clean build\n"
        f"  missing (stale A lacks): {missing[:8]}\n  extra (not removed): {extra[:8]}\n"
        f"  different: {different[:8]}")
    return got


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def counts(report: cobrand.BuildReport) -> dict[str, int]:
    data = report.to_dict()["counts"]
    assert isinstance(data, dict)
    return data


def built(report: cobrand.BuildReport) -> set[str]:
    return {result.slug for result in report.built}


def entitled_to(project: Path, slug: str) -> set[str]:
    """Partners entitled to content ``slug``, from the copy's own files."""
    config = load_config(project)
    item = next(item for item in load_items(project) if item.slug == slug)
    return {partner.slug for partner in load_partners(project) if entitled(item, partner, config)}


def mentions(site: Path, needle: str) -> list[str]:
    return [path.relative_to(site).as_posix() for path in site.rglob("*")
            if path.suffix in TEXT_SUFFIXES and needle in path.read_text(encoding="utf-8")]


def new_logo() -> bytes:
    """A valid PNG logo, different from every logo in the example."""
    image = Image.new("RGBA", (640, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 190, 190), fill=(201, 42, 42, 255))
    draw.rectangle((220, 60, 620, 140), fill=(33, 37, 41, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class Steps:
    """Rebuilds A in place and compares it with a clean build B of the same inputs."""

    def __init__(self, project: Path, tmp_path: Path, **options) -> None:
        self.project, self.tmp_path, self.options = project, tmp_path, options
        self.a = tmp_path / "A"
        self.count = 0

    def rebuild(self, **options) -> cobrand.BuildReport:
        return run_build(self.project, self.a, **(self.options | options))

    def compare(self, label: str, **options) -> dict[str, bytes]:
        """A clean build into a fresh folder, with its own cache (never A's), must equal A."""
        self.count += 1
        b = self.tmp_path / f"B{self.count}"
        clean = {key: value for key, value in (self.options | options).items() if key != "cache_dir"}
        run_build(self.project, b, **clean)
        try:
            return assert_same_output(self.a, b, label)
        finally:
            shutil.rmtree(b)
            shutil.rmtree(hub_of(b))


# --- every kind of edit ----------------------------------------------------------------------


def test_incremental_build_equals_clean_build_after_every_edit(tmp_path):
    """Pages, feeds, CSVs and the kit after every kind of edit. Without PDFs and images: a full
    PDF build takes about 20 s of CPU here, so PDFs and images have their own one-partner tests below."""
    project = copy_example(tmp_path)
    steps = Steps(project, tmp_path)
    slugs = {partner.slug for partner in load_partners(project)}

    report = steps.rebuild()
    assert built(report) == slugs
    steps.compare("the first build")

    # A post body: only the partners entitled to the post are rebuilt, and only the files that show it.
    edit(project, "content/blog/aws-snapshot-pitfalls.md", "Amazon EBS snapshots are cheap",
         "Amazon EBS snapshots are inexpensive")
    report = steps.rebuild()
    aws = entitled_to(project, "aws-snapshot-pitfalls")
    assert built(report) == aws != slugs
    assert {result.slug for result in report.reused} == slugs - aws
    assert all(0 < result.written < result.files for result in report.built), report.built
    assert "snapshots are inexpensive" in (steps.a / "kestrel-cloud/blog/aws-snapshot-pitfalls.html").read_text()
    steps.compare("editing a post")

    # A partner's colour.
    edit(project, "partners/falkenstein-systeme/partner.toml", 'primary = "#f5d90a"', 'primary = "#1d6fa5"')
    report = steps.rebuild()
    assert built(report) == {"falkenstein-systeme"}
    assert "#1d6fa5" in (steps.a / "falkenstein-systeme/index.html").read_text()
    steps.compare("changing a partner colour")

    # A partner's logo, replaced by another valid PNG.
    logo = new_logo()
    (project / "partners/northbeam-it/logo.png").write_bytes(logo)
    report = steps.rebuild()
    assert built(report) == {"northbeam-it"}
    assert (steps.a / "northbeam-it/static/partner-logo.png").read_bytes() == logo
    steps.compare("replacing a logo")

    # A partner's per-item override.
    edit(project, "partners/northbeam-it/overrides/ransomware-recovery-drill.toml", "140 recovery drills",
         "150 recovery drills")
    report = steps.rebuild()
    assert built(report) == {"northbeam-it"}
    assert "150 recovery drills" in (steps.a / "northbeam-it/blog/ransomware-recovery-drill.html").read_text()
    steps.compare("editing an override")

    # A translation: only the partners who read that language get it.
    edit(project, "content/one-pagers/harborline-vault.de.md", "## Warum Vault", "## Warum Harborline Vault")
    report = steps.rebuild()
    german = {p.slug for p in load_partners(project) if p.locale.split("-")[0] == "de"}
    assert german and built(report) == german
    page = (steps.a / "falkenstein-systeme/one-pagers/harborline-vault.html").read_text()
    assert "Warum Harborline Vault" in page
    steps.compare("editing a translation")

    # A theme template.
    edit(project, "themes/harborline/templates/index.html", "Recover from anything with",
         "Bounce back from anything with")
    report = steps.rebuild()
    assert built(report) == slugs
    assert "Bounce back from anything with" in (steps.a / "sakura-systems/index.html").read_text()
    steps.compare("editing a theme template")

    # cobrand.toml: the vendor's legal line.
    edit(project, "cobrand.toml", "registered in England and Wales", "registered in Scotland")
    report = steps.rebuild()
    assert built(report) == slugs
    assert "registered in Scotland" in (hub_of(steps.a) / "kestrel-cloud/kit.html").read_text()
    steps.compare("editing cobrand.toml")

    # A partner moves down a tier: gated items disappear at once.
    before = {item.slug for item in load_items(project) if "falkenstein-systeme" in entitled_to(project, item.slug)}
    edit(project, "partners/falkenstein-systeme/partner.toml", 'tier = "gold"', 'tier = "registered"')
    after = {item.slug for item in load_items(project) if "falkenstein-systeme" in entitled_to(project, item.slug)}
    lost = before - after
    assert "what-managed-backup-should-cost" in lost
    report = steps.rebuild()
    assert built(report) == {"falkenstein-systeme"}
    site = steps.a / "falkenstein-systeme"
    assert not (site / "blog/what-managed-backup-should-cost.html").exists()
    for slug in lost:
        assert not list(site.rglob(f"{slug}*")), f"{slug} still has files"
        assert not mentions(site, f"{slug}.html"), f"{slug} still linked"
    steps.compare("moving a partner to a lower tier")

    # A post is deleted.
    had_it = entitled_to(project, "microsoft-365-backup-gaps")
    assert had_it
    (project / "content/blog/microsoft-365-backup-gaps.md").unlink()
    report = steps.rebuild()
    assert built(report) == had_it
    for slug in slugs:
        assert not (steps.a / slug / "blog/microsoft-365-backup-gaps.html").exists()
        assert not mentions(steps.a / slug, "microsoft-365-backup-gaps"), slug
    steps.compare("deleting a post")

    # A partner folder is removed.
    shutil.rmtree(project / "partners/sakura-systems")
    report = steps.rebuild()
    assert report.removed == ["sakura-systems"]
    assert built(report) == set() and len(report.reused) == len(slugs) - 1
    assert not (steps.a / "sakura-systems").exists() and not (hub_of(steps.a) / "sakura-systems").exists()
    steps.compare("removing a partner")


NEW_SVG_LOGO = """<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100">
  <circle cx="50" cy="50" r="40" fill="#c92a2a"/>
  <rect x="110" y="30" width="180" height="40" rx="6" fill="#212529"/>
</svg>
"""


def test_brand_edits_redraw_images_like_a_clean_build(tmp_path):
    """Colours and logos are in every image: with images on, A still equals a clean build.

    One partner (the one with the fewest images, and an SVG logo) keeps this fast.
    """
    project = copy_example(tmp_path)
    steps = Steps(project, tmp_path, partners=("kestrel-cloud",), images=True)
    site, hub = steps.a / "kestrel-cloud", hub_of(steps.a) / "kestrel-cloud"
    steps.rebuild()
    assert (site / "static/og/home.png").is_file() and list((hub / "kit/social").glob("*.png"))
    assert not (site / "kit").exists()
    card = (site / "static/og/home.png").read_bytes()
    social = (hub / "kit/social/recovery-drill-afternoon-x.png").read_bytes()

    edit(project, "partners/kestrel-cloud/partner.toml", 'primary = "#3d7ea6"', 'primary = "#8e44ad"')
    steps.rebuild()
    assert (site / "static/og/home.png").read_bytes() != card
    with Image.open(site / "static/og/home.png") as image:
        colours = {colour: count for count, colour in image.convert("RGB").getcolors(1_000_000) or []}
    assert colours.get((0x8E, 0x44, 0xAD), 0) > 1000, "the new colour is drawn"
    steps.compare("changing the partner colour")

    # A new logo and a deleted post, in one step (each image build of a clean B costs seconds).
    card = (site / "static/og/home.png").read_bytes()
    (project / "partners/kestrel-cloud/logo.svg").write_text(NEW_SVG_LOGO, encoding="utf-8")
    assert (site / "static/og/aws-snapshot-pitfalls.png").is_file()
    (project / "content/blog/aws-snapshot-pitfalls.md").unlink()
    steps.rebuild()
    assert (site / "static/og/home.png").read_bytes() != card
    assert (hub / "kit/social/recovery-drill-afternoon-x.png").read_bytes() != social
    assert not (site / "blog/aws-snapshot-pitfalls.html").exists()
    assert not (site / "static/og/aws-snapshot-pitfalls.png").exists()
    assert not mentions(site, "aws-snapshot-pitfalls")
    steps.compare("replacing the logo and deleting a post")


def stored_objects(cache: Path) -> dict[str, bytes]:
    """The rendered outputs the cache keeps (not the saved state or compiled templates beside them)."""
    objects = cache / "objects"
    stored = {path.relative_to(cache).as_posix(): path.read_bytes() for path in objects.rglob("*") if path.is_file()}
    # Each entry starts with the SHA-256 of the output it keeps, checked before reuse.
    assert all(hashlib.sha256(data[32:]).digest() == data[:32] for data in stored.values())
    return {name: data[32:] for name, data in stored.items()}


def test_pdfs_from_a_shared_cache_and_after_edits_equal_clean_builds(tmp_path):
    """PDFs byte for byte, for one partner (two one-pagers; a full PDF build takes ~20 s of CPU):
    from a shared --cache-dir into an empty folder, after a one-pager edit, after a logo change."""
    project = copy_example(tmp_path)
    cache = tmp_path / "cache"
    only = ("kestrel-cloud",)
    steps = Steps(project, tmp_path, partners=only, pdfs=True, cache_dir=cache)
    kit = hub_of(steps.a) / "kestrel-cloud" / "kit"
    published = steps.a / "kestrel-cloud" / "one-pagers"
    steps.rebuild()
    before = {path.name: path.read_bytes() for path in kit.glob("*.pdf")}
    assert {"recovery-assurance.pdf", "harborline-vault.pdf"} <= set(before)
    assert {path.name: path.read_bytes() for path in published.glob("*.pdf")} == before  # the kit's are copies

    # --cache-dir: the store is where it was told to be, holds every PDF, and serves an empty folder.
    assert not (steps.a / ".cobrand" / "cache").exists()
    stored = stored_objects(cache)
    assert set(before.values()) <= set(stored.values()), "every PDF is kept in the cache"
    d = tmp_path / "D"
    report = run_build(project, d, partners=only, pdfs=True, cache_dir=cache)
    assert built(report) == set(only)
    assert {path.name: path.read_bytes() for path in (hub_of(d) / "kestrel-cloud" / "kit").glob("*.pdf")} == before
    assert_same_output(d, steps.a, "a build into an empty folder with the same --cache-dir")
    assert stored_objects(cache) == stored, "keys do not depend on the output folder: nothing new to store"

    # A one-pager changes: its PDF is made again, the other is kept as it was.
    edit(project, "content/one-pagers/recovery-assurance.md", "## The problem with untested backups",
         "## Why untested backups fail")
    steps.rebuild()
    assert (kit / "recovery-assurance.pdf").read_bytes() != before["recovery-assurance.pdf"]
    assert (kit / "harborline-vault.pdf").read_bytes() == before["harborline-vault.pdf"]
    assert (published / "recovery-assurance.pdf").read_bytes() == (kit / "recovery-assurance.pdf").read_bytes()
    files = steps.compare("editing a one-pager")
    assert {"hub:kestrel-cloud/kit/recovery-assurance.pdf", "kestrel-cloud/one-pagers/recovery-assurance.pdf"} <= set(
        files)

    # The partner's logo is on every PDF.
    (project / "partners/kestrel-cloud/logo.svg").write_text(NEW_SVG_LOGO, encoding="utf-8")
    steps.rebuild()
    assert (kit / "harborline-vault.pdf").read_bytes() != before["harborline-vault.pdf"]
    steps.compare("replacing the partner logo")


# --- reuse ---------------------------------------------------------------------------------------


def test_a_later_build_date_matches_a_clean_build_of_that_date(tmp_path):
    """Expiry and the posting schedule depend on the date: a rebuild on a later day is like a clean one."""
    project = copy_example(tmp_path)
    expires = BUILD_DATE + dt.timedelta(days=1)
    path = project / "content/blog/ransomware-recovery-drill.md"
    path.write_text(path.read_text(encoding="utf-8").replace("---\n", f"---\nexpires: {expires}\n", 1),
                    encoding="utf-8")
    a = tmp_path / "A"
    run_build(project, a)
    assert (a / "kestrel-cloud/blog/ransomware-recovery-drill.html").is_file()
    later = {"SOURCE_DATE_EPOCH": str(int(ENVIRON["SOURCE_DATE_EPOCH"]) + 3 * 86400)}  # Wednesday
    report = run_build(project, a, environ=later)
    assert built(report) == {partner.slug for partner in load_partners(project)}
    assert not list(a.rglob("ransomware-recovery-drill.html")), "expired content is withdrawn"
    csv_text = (hub_of(a) / "kestrel-cloud/kit/hootsuite-x.csv").read_text(encoding="utf-8")
    assert csv_text.startswith("11/26/2026 10:00"), "the schedule starts after the new build date"
    b = tmp_path / "B"
    run_build(project, b, environ=later)
    assert_same_output(a, b, "a build on a later date")


def test_noop_rebuild_reuses_every_partner_and_writes_nothing(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    first = run_build(project, out)
    assert counts(first)["files_written"] > 0
    # The load memo (in .cobrand/cache) is not output: it is rewritten when project files settle between builds.
    stamps = {path: path.stat().st_mtime_ns for root in (out, hub_of(out)) for path in root.rglob("*")
              if path.is_file() and path.name not in {"report.json", "overview.html", ".cobrand.lock"}
              and not path.relative_to(root).as_posix().startswith(".cobrand/cache/")}
    assert any(path.is_relative_to(hub_of(out)) for path in stamps)
    report = run_build(project, out)
    data = counts(report)
    assert data["partners_reused"] == len(load_partners(project))
    assert data["partners_built"] == 0
    assert data["files_written"] == 0 and data["files_removed"] == 0
    after = {path: path.stat().st_mtime_ns for root in (out, hub_of(out)) for path in root.rglob("*")
             if path.is_file() and path.name not in {"report.json", "overview.html", ".cobrand.lock"}
             and not path.relative_to(root).as_posix().startswith(".cobrand/cache/")}
    assert after == stamps, "no file was rewritten"


# --- what a content edit re-renders ------------------------------------------------------------


def changed_files(out: Path, before: dict[str, bytes]) -> set[str]:
    after = output_files(out)
    return {path for path in set(before) | set(after) if before.get(path) != after.get(path)}


def rewritten(out: Path, stamps: dict[Path, int]) -> set[str]:
    return {path.relative_to(out).as_posix() for path, stamp in stamps.items()
            if path.exists() and path.stat().st_mtime_ns != stamp}


def mtimes(out: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in out.rglob("*")
            if path.is_file() and not path.relative_to(out).as_posix().startswith(STATE)}


def test_a_body_edit_rewrites_only_that_page_and_a_title_edit_rewrites_the_listings(tmp_path):
    """Listings show cards, not bodies: a body edit re-renders one page per partner; a title edit every page."""
    project = copy_example(tmp_path)
    steps = Steps(project, tmp_path)
    steps.rebuild()
    aws = entitled_to(project, "aws-snapshot-pitfalls")

    stamps = mtimes(steps.a)
    edit(project, "content/blog/aws-snapshot-pitfalls.md", "Amazon EBS snapshots are cheap",
         "Amazon EBS snapshots are inexpensive")
    report = steps.rebuild()
    assert built(report) == aws
    assert rewritten(steps.a, stamps) == {f"{slug}/blog/aws-snapshot-pitfalls.html" for slug in aws}
    # The post's page, and in the hub its newsletter e-mail (HTML and text), which show the body too.
    assert all(result.written == 3 for result in report.built), report.built
    steps.compare("editing a post's body")

    before = output_files(steps.a)
    edit(project, "content/blog/aws-snapshot-pitfalls.md", "title: Six ways EBS snapshots let you down",
         "title: Six ways EBS snapshots fail you")
    steps.rebuild()
    changed = changed_files(steps.a, before)
    for slug in aws:
        assert {f"{slug}/blog/index.html", f"{slug}/feed.xml", f"{slug}/blog/aws-snapshot-pitfalls.html"} <= changed
        assert "Six ways EBS snapshots fail you" in (steps.a / slug / "blog/index.html").read_text()
    steps.compare("editing a post's title")


BODIES_ON_THE_BLOG_INDEX = """{% extends "base.html" %}
{% block main %}{% for entry in posts %}<article><h2>{{ entry.title }}</h2>{{ entry.body }}</article>{% endfor %}
{% endblock %}
"""

OTHER_POSTS_ON_A_POST = """{% extends "default/post.html" %}
{% block main %}{{ super() }}
<aside>{% for other in posts if other.key != item.key %}<section><h2>{{ other.title }}</h2>{{ other.body }}</section>
{% endfor %}</aside>
{% endblock %}
"""


def test_a_theme_that_prints_bodies_on_other_pages_gets_them_re_rendered(tmp_path):
    """Pages are keyed on the cards they list; one that printed another item's body is keyed on bodies."""
    project = copy_example(tmp_path)
    templates = project / "themes/harborline/templates"
    (templates / "blog.html").write_text(BODIES_ON_THE_BLOG_INDEX, encoding="utf-8")
    (templates / "post.html").write_text(OTHER_POSTS_ON_A_POST, encoding="utf-8")
    steps = Steps(project, tmp_path, partners=("kestrel-cloud",))
    site = steps.a / "kestrel-cloud"
    steps.rebuild()
    other_post = site / "blog/ransomware-recovery-drill.html"
    assert other_post.is_file() and "Amazon EBS snapshots are cheap" in other_post.read_text()

    edit(project, "content/blog/aws-snapshot-pitfalls.md", "Amazon EBS snapshots are cheap",
         "Amazon EBS snapshots are inexpensive")
    steps.rebuild()
    assert "snapshots are inexpensive" in (site / "blog/index.html").read_text()
    assert "snapshots are inexpensive" in other_post.read_text()
    steps.compare("editing a body that other pages print")


def link_findings(report: cobrand.BuildReport) -> list[str]:
    return sorted(str(problem) for problem in report.all_warnings if "links to" in str(problem))


def test_broken_link_warnings_survive_rebuilds_that_do_not_rewrite_the_page(tmp_path):
    """Only rewritten pages are link-checked again; the findings of the others are kept, not lost."""
    project = copy_example(tmp_path)
    steps = Steps(project, tmp_path, partners=("kestrel-cloud",))
    edit(project, "content/blog/aws-snapshot-pitfalls.md", "Amazon EBS snapshots are cheap",
         "Amazon EBS snapshots ([details](../blog/no-such-post.html)) are cheap")
    first = link_findings(steps.rebuild())
    assert len(first) == 1 and "no-such-post.html" in first[0] and "aws-snapshot-pitfalls.md" in first[0]

    edit(project, "content/blog/immutable-backups-explained.md", "Five years ago", "Six years ago")
    report = steps.rebuild()
    assert counts(report)["files_written"] == 3  # the post's page and its two e-mail files in the hub
    assert link_findings(report) == first

    edit(project, "content/blog/aws-snapshot-pitfalls.md", "../blog/no-such-post.html",
         "../blog/ransomware-recovery-drill.html")
    assert link_findings(steps.rebuild()) == []


def test_a_file_deleted_by_hand_is_made_again_when_its_partner_is_rebuilt(tmp_path):
    project = copy_example(tmp_path)
    steps = Steps(project, tmp_path, partners=("kestrel-cloud",))
    steps.rebuild()
    listing = steps.a / "kestrel-cloud/blog/index.html"
    listing.unlink()
    edit(project, "content/blog/aws-snapshot-pitfalls.md", "Amazon EBS snapshots are cheap",
         "Amazon EBS snapshots are inexpensive")
    report = steps.rebuild()
    assert counts(report)["files_written"] == 4 and listing.is_file()  # and the post's page and e-mails
    steps.compare("deleting an output file by hand")


def test_a_folder_deleted_by_hand_is_made_again_when_its_partner_is_rebuilt(tmp_path):
    """Files are trusted to be there by their folders' recorded times; a missing folder has none."""
    project = copy_example(tmp_path)
    steps = Steps(project, tmp_path, partners=("kestrel-cloud",))
    steps.rebuild()
    blog = steps.a / "kestrel-cloud/blog"
    pages = sorted(path.name for path in blog.iterdir())
    shutil.rmtree(blog)
    stray = steps.a / "kestrel-cloud/static/left-by-hand.txt"
    stray.write_text("not cobrand's", encoding="utf-8")  # the static folder's time changes, its files stay
    edit(project, "content/blog/aws-snapshot-pitfalls.md", "Amazon EBS snapshots are cheap",
         "Amazon EBS snapshots are inexpensive")
    report = steps.rebuild()
    assert sorted(path.name for path in blog.iterdir()) == pages
    assert counts(report)["files_written"] == len(pages) + 2  # and the edited post's two e-mail files
    stray.unlink()
    steps.compare("deleting an output folder by hand")


# --- what a page reads is what keys it ---------------------------------------------------------

DUMP_MACRO = (
    "{% macro dump(value) %}"
    "{% if value is mapping %}{{ '{' }}{% for key in value|sort %}{{ key }}: {{ dump(value[key]) }}; {% endfor %}"
    "{{ '}' }}"
    "{% elif value is iterable and value is not string %}[{% for entry in value %}{{ dump(entry) }}, {% endfor %}]"
    "{% else %}{{ value }}{% endif %}{% endmacro %}\n")


def context_names(project: Path) -> list[str]:
    """Every name of the template context a page of the project's first partner is rendered with."""
    from cobrand.build import load_and_check
    from cobrand.render.context import PAGE_NAMES
    from cobrand.render.partner import PartnerRenderer

    loaded, _ = load_and_check(project, environ=ENVIRON)
    renderer = PartnerRenderer(loaded, pdfs=False, images=False)
    page_job = next(job for job in renderer.jobs(loaded.partners[0]) if job.path == "index.html")
    views = page_job.make.args[1]  # type: ignore[attr-defined]  # the partial's PartnerViews, as jobs() left them
    return sorted(set(views.common) | PAGE_NAMES)


def test_a_theme_that_prints_every_context_value_rebuilds_on_the_next_day_like_a_clean_build(tmp_path):
    """Every value the template context offers, printed on every page: day 1 then an incremental day 2
    equals a clean day 2. The names are taken from the renderer, so a new value cannot be missed."""
    project = copy_example(tmp_path)
    names = context_names(project)
    assert "build_date" in names and "posts" in names and "page" in names
    base = (ROOT_THEME / "templates/base.html").read_text(encoding="utf-8")
    dump = "".join(f'<pre data-name="{name}">{{% if {name} is defined %}}{{{{ dump({name}) }}}}{{% endif %}}</pre>\n'
                   for name in names)
    templates = project / "themes/harborline/templates"
    (templates / "base.html").write_text(DUMP_MACRO + base.replace("</body>", dump + "</body>"), encoding="utf-8")
    only = ("kestrel-cloud", "sakura-systems")
    day_one = ENVIRON
    day_two = {"SOURCE_DATE_EPOCH": str(int(ENVIRON["SOURCE_DATE_EPOCH"]) + 86400)}
    a, b = tmp_path / "A", tmp_path / "B"
    run_build(project, a, partners=only, environ=day_one)
    page = (a / "kestrel-cloud/blog/index.html").read_text(encoding="utf-8")
    assert f'<pre data-name="build_date">{BUILD_DATE.isoformat()}</pre>' in page
    run_build(project, a, partners=only, environ=day_two)
    run_build(project, b, partners=only, environ=day_two)
    got = assert_same_output(a, b, "a build on the next day with every context value printed")
    tomorrow = (BUILD_DATE + dt.timedelta(days=1)).isoformat()
    assert f'<pre data-name="build_date">{tomorrow}</pre>' in got["kestrel-cloud/blog/index.html"].decode()


def test_a_page_that_prints_nothing_of_the_date_is_not_rewritten_the_next_day(tmp_path):
    """The other side of recording reads: a page keyed on the date only when it read it."""
    project = copy_example(tmp_path)
    templates = project / "themes/harborline/templates"
    (templates / "hub").mkdir()
    (templates / "hub/kit.html").write_text('{% extends "default/hub/kit.html" %}{% block main %}{{ super() }}'
                                            "<p>Built {{ build_date }}</p>{% endblock %}", encoding="utf-8")
    a = tmp_path / "A"
    run_build(project, a, partners=("kestrel-cloud",))
    stamps, hub_stamps = mtimes(a), mtimes(hub_of(a))
    later = {"SOURCE_DATE_EPOCH": str(int(ENVIRON["SOURCE_DATE_EPOCH"]) + 86400)}
    run_build(project, a, partners=("kestrel-cloud",), environ=later)
    changed = rewritten(a, stamps)
    assert "kestrel-cloud/kit.html" in rewritten(hub_of(a), hub_stamps)
    assert "kestrel-cloud/blog/index.html" not in changed and "kestrel-cloud/index.html" not in changed
    assert "kestrel-cloud/404.html" not in rewritten(hub_of(a), hub_stamps)
