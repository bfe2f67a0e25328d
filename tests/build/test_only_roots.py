"""``cobrand build --only site|hub``: one root written, the other left byte for byte, and the next build that
covers both equals a clean one.

Every test is differential: the folder a build must not touch is compared with a copy taken before it (its
manifests too), and the output after a later full build with a clean build of the same inputs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import cobrand
from cobrand.cli import main
from cobrand.errors import UsageError
from support.example import ENVIRON, copy_example

# What a build writes about itself, not output: the report, the vendor overview (what this run did), the state.
RUN_FILES = {"report.json", "overview.html", ".cobrand.lock"}


def hub_of(out: Path) -> Path:
    return out.with_name(out.name + "-hub")


def every_file(root: Path) -> dict[str, bytes]:
    """Every file under ``root``, cobrand's manifests included (its cache and run files aside)."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and path.name not in RUN_FILES and ".cobrand/cache" not in path.as_posix()
            and not path.name.startswith("templates-")}


def output(root: Path) -> dict[str, bytes]:
    """The published files under ``root``: cobrand's state and run files aside."""
    return {name: data for name, data in every_file(root).items() if not name.startswith(".cobrand/")}


def build(project: Path, out: Path, **options: object) -> cobrand.BuildReport:
    options = {"jobs": 1, "environ": ENVIRON, "pdfs": False, "images": False} | options
    report = cobrand.build(project, out_dir=out, **options)  # type: ignore[arg-type]
    assert report.ok, report.summary()
    return report


def assert_equal_trees(got: dict[str, bytes], want: dict[str, bytes], label: str) -> None:
    assert sorted(got) == sorted(want), f"{label}: files differ"
    different = sorted(name for name in got if got[name] != want[name])
    assert different == [], f"{label}: bytes differ in {different[:5]}"


def edit_post(project: Path) -> None:
    post = project / "content/blog/immutable-backups-explained.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nOne more sentence, added for the --only tests.\n",
                    encoding="utf-8")


def test_only_site_leaves_every_hub_file_and_manifest_as_it_was(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    build(project, out)
    hub_before = every_file(hub_of(out))
    edit_post(project)
    report = build(project, out, only="site")
    assert report.only == "site" and "hubs not built: --only site" in report.summary()
    assert json.loads((out / "report.json").read_text())["only"] == "site"
    assert_equal_trees(every_file(hub_of(out)), hub_before, "the hubs after --only site")
    # The site did change: one page a partner, and nothing of the hub counted as written.
    assert report.built and all(result.written == 1 for result in report.built)
    assert all(not result.hub_urls_changed for result in report.built)

    # The hubs' manifests still name the old fingerprint: a build that covers them brings them up to date,
    # and writes only the hub files the edit changed (the site is current).
    later = build(project, out)
    assert {result.slug for result in later.built} == {result.slug for result in report.built}
    assert all(result.urls_changed == () and result.hub_urls_changed for result in later.built)
    clean = tmp_path / "clean"
    build(project, clean)
    assert_equal_trees(output(out), output(clean), "sites after --only site, then a full build")
    assert_equal_trees(output(hub_of(out)), output(hub_of(clean)), "hubs after --only site, then a full build")


def test_only_hub_with_pdfs_copies_the_kit_pdf_it_needs_and_leaves_the_site(tmp_path):
    """A one-pager edited: its PDF is the site's, and the hub's kit holds a copy made from the site's bytes.
    A hub-only build makes the site's PDF in memory for the copy, and writes nothing under the sites."""
    project = copy_example(tmp_path)
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(project, out, pdfs=True, cache_dir=cache)
    site_before = every_file(out)
    pager = project / "content/one-pagers/recovery-assurance.md"
    pager.write_text(pager.read_text(encoding="utf-8") + "\nA sentence added for the --only tests.\n",
                     encoding="utf-8")
    report = build(project, out, pdfs=True, cache_dir=cache, only="hub")
    assert report.built and "sites not built: --only hub" in report.summary()
    assert_equal_trees(every_file(out), site_before, "the sites after --only hub")

    clean = tmp_path / "clean"
    build(project, clean, pdfs=True, cache_dir=tmp_path / "clean-cache")
    kit_copies = sorted(name for name in output(hub_of(clean)) if name.endswith(".pdf"))
    assert kit_copies, "the example's hubs hold kit PDFs"
    assert_equal_trees(output(hub_of(out)), output(hub_of(clean)), "hubs after --only hub")
    # The site catches up on the next build that covers it, equal to the clean build.
    build(project, out, pdfs=True, cache_dir=cache, only="site")
    assert_equal_trees(output(out), output(clean), "sites after --only hub, then --only site")


def test_a_current_root_is_reused_whatever_the_other_holds(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    build(project, out)
    edit_post(project)
    build(project, out, only="site")
    again = build(project, out, only="site")
    assert again.built == [] and len(again.reused) == len(again.partners)
    # The hubs are not current: a hub-only build rebuilds the partners the edit reached, and then all is current.
    hub_build = build(project, out, only="hub")
    assert hub_build.built
    full = build(project, out)
    assert full.built == [] and len(full.reused) == len(full.partners)


def test_a_partner_gone_from_partners_loses_both_roots_whichever_is_built(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    build(project, out)
    gone = sorted(path.name for path in (project / "partners").iterdir() if path.is_dir())[0]
    assert (out / gone).is_dir() and (hub_of(out) / gone).is_dir()
    shutil.rmtree(project / "partners" / gone)
    report = build(project, out, only="site")
    assert gone in report.removed
    assert not (out / gone).exists() and not (hub_of(out) / gone).exists()


def test_only_names_a_root_or_is_a_usage_error(tmp_path):
    project = copy_example(tmp_path)
    with pytest.raises(UsageError, match="--only must be one of site, hub, not 'kit'"):
        cobrand.build(project, out_dir=tmp_path / "out", environ=ENVIRON, only="kit")
    result = CliRunner().invoke(main, ["build", str(project), "--out", str(tmp_path / "out"), "--only", "kit"])
    assert result.exit_code == 2 and "'kit' is not one of 'site', 'hub'" in result.output
    result = CliRunner().invoke(main, ["build", str(project), "--out", str(tmp_path / "out"), "--only", "site",
                                       "--no-pdf", "--no-images", "-j", "1"], env=ENVIRON)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "report.json").is_file() and not (tmp_path / "out-hub").exists()


def test_a_report_that_cannot_be_written_stops_the_build_before_any_partner_changes(tmp_path):
    """The run's first write is its report saying it has not finished: a folder where report.json goes is a
    clear error naming the output folder, and every partner's files stay as they were."""
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    build(project, out)
    before = every_file(out), every_file(hub_of(out))
    edit_post(project)
    (out / "report.json").unlink()
    (out / "report.json").mkdir()
    result = CliRunner().invoke(main, ["build", str(project), "--out", str(out), "--no-pdf", "--no-images",
                                       "-j", "1"], env=ENVIRON)
    assert result.exit_code != 0 and f"cannot write {out}: Is a directory" in result.output
    assert (every_file(out), every_file(hub_of(out))) == before
