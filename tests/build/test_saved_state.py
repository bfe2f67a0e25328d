"""The build's saved state: unchanged files are not parsed again, and no edit is ever missed."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import shutil
import time
from pathlib import Path

import cobrand
from cobrand.load import STATE_FILE
from cobrand.load.state import SETTLED_SECONDS, SavedState, file_digest, tree_digest
from support.example import ENVIRON, copy_example


def build(project: Path, out: Path) -> cobrand.BuildReport:
    report = cobrand.build(project, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON)
    assert report.ok, report.failures
    return report


def test_a_result_is_reused_across_builds_only_for_the_same_digest(tmp_path):
    path = tmp_path / "state.pickle"
    calls: list[str] = []

    def load(value: str) -> str:
        calls.append(value)
        return value.upper()

    first = SavedState(path, salt="v1")
    assert first.social_checks.recall("a", "digest-1", lambda: load("a")) == "A"
    first.save()
    second = SavedState(path, salt="v1")
    assert second.social_checks.recall("a", "digest-1", lambda: load("again")) == "A"  # reused: not loaded
    assert second.social_checks.recall("a2", "digest-1", lambda: load("b")) == "B"     # another key: loaded
    second.save()
    third = SavedState(path, salt="v1")
    assert third.social_checks.recall("a", "digest-2", lambda: load("c")) == "C"       # the bytes changed: loaded
    other_version = SavedState(path, salt="v2")
    assert other_version.social_checks.recall("a2", "digest-1", lambda: load("d")) == "D"  # another cobrand: loaded
    assert calls == ["a", "b", "c", "d"]


def test_a_damaged_state_is_ignored(tmp_path):
    path = tmp_path / "state.pickle"
    path.write_bytes(b"not a pickle at all")
    assert SavedState(path, salt="v1").palettes.recall("a", "d", lambda: 42) == 42
    path.write_bytes(pickle.dumps(("v1", ["not", "a", "dict"])))
    assert SavedState(path, salt="v1").palettes.recall("a", "d", lambda: 43) == 43
    path.write_bytes(pickle.dumps(("v1", {"palettes": ["not", "a", "dict"]})))
    assert SavedState(path, salt="v1").palettes.recall("a", "d", lambda: 44) == 44


def test_sections_keep_their_results_apart(tmp_path):
    path = tmp_path / "state.pickle"
    first = SavedState(path, salt="v1")
    first.social_checks.remember("acme", "d", ["social"])
    first.brand_checks.remember("acme", "d", ["brand"])
    first.save()
    second = SavedState(path, salt="v1")
    assert second.social_checks.recall("acme", "d", lambda: ["made"]) == ["social"]
    assert second.brand_checks.recall("acme", "d", lambda: ["made"]) == ["brand"]
    assert not second.palettes.knows("acme", "d")


def test_tree_digest_sees_names_bytes_and_links(tmp_path):
    folder = tmp_path / "partner"
    folder.mkdir()
    (folder / "partner.toml").write_text("name = 'A'\n")
    (folder / "logo.svg").write_text("<svg/>")
    original = tree_digest(folder)
    (folder / "logo.svg").write_text("<svg/>")  # rewritten with the same bytes
    assert tree_digest(folder) == original
    (folder / "partner.toml").write_text("name = 'B'\n")  # same size, new bytes
    changed = tree_digest(folder)
    assert changed != original
    (folder / "logo.svg").unlink()
    (folder / "logo.svg").symlink_to(folder / "partner.toml")
    assert tree_digest(folder) not in {original, changed}


def test_an_edit_with_the_same_size_and_time_is_still_seen(tmp_path):
    """Digests, not timestamps: an edit that keeps size and mtime still reaches the output."""
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    build(project, out)
    assert (out / ".cobrand" / "cache" / STATE_FILE).is_file()
    toml = project / "partners" / "kestrel-cloud" / "partner.toml"
    before = toml.stat()
    text = toml.read_text()
    name_line = next(line for line in text.splitlines() if line.startswith("name"))
    renamed = name_line.replace(name_line[-3:-1], "Zq")  # same length
    toml.write_text(text.replace(name_line, renamed))
    os.utime(toml, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert toml.stat().st_size == before.st_size and toml.stat().st_mtime_ns == before.st_mtime_ns
    report = build(project, out)
    assert [result.status for result in report.partners if result.slug == "kestrel-cloud"] == ["built"]
    assert renamed.split('"')[1] in (out / "kestrel-cloud" / "index.html").read_text()


def test_remembered_and_fresh_loads_give_the_same_project_and_warnings(tmp_path):
    project = copy_example(tmp_path)
    state_path = tmp_path / "state.pickle"
    fresh, fresh_warnings = cobrand.load_and_check(project, environ=ENVIRON)
    first = SavedState(state_path, salt="s")
    cobrand.load_and_check(project, environ=ENVIRON, state=first)
    first.save()
    remembered, remembered_warnings = cobrand.load_and_check(project, environ=ENVIRON,
                                                             state=SavedState(state_path, salt="s"))
    assert remembered == fresh
    assert remembered_warnings == fresh_warnings
    # What cache keys read instead of dumping a model on every build is that dump, remembered or not.
    for loaded in (fresh, remembered):
        assert loaded.config_key == hashlib.sha256((project / "cobrand.toml").read_bytes()).hexdigest()
        for item in loaded.content:
            assert item.meta_json == item.meta.model_dump_json() == item.meta_key
        for partner in loaded.partners:
            assert partner.data_json == partner.data.model_dump_json()
            assert "data_json" in vars(partner)  # made when loaded, kept with the partner: not at its first key


def test_a_broken_partner_file_is_reported_even_after_a_good_build(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    build(project, out)
    toml = project / "partners" / "kestrel-cloud" / "partner.toml"
    toml.write_text(toml.read_text() + "\ntier = \n")
    try:
        cobrand.build(project, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON,
                      all_or_nothing=True)
    except cobrand.ProjectError as error:
        assert any(problem.file == "partners/kestrel-cloud/partner.toml" for problem in error.problems)
    else:
        raise AssertionError("the broken partner.toml was not reported")


def test_remembered_checks_still_see_a_partner_edit_that_makes_a_post_too_long(tmp_path):
    """The social-length check is remembered per partner, keyed by its folder's bytes: renaming a
    partner to a long name after a good build makes an X post naming it too long, and that is reported."""
    project = copy_example(tmp_path)
    (project / "content" / "social" / "name-in-x.yaml").write_text(
        "title: Names the partner on X\ndate: 2026-06-01\nvariants:\n"
        "  linkedin: A post for {{ partner.name }}.\n"
        f"  x: \"{{{{ partner.name }}}} {'a' * 230}\"\n"
        "  facebook: A post for {{ partner.name }}.\n")
    out = tmp_path / "out"
    build(project, out)
    build(project, out)  # this one uses the remembered checks
    toml = project / "partners" / "kestrel-cloud" / "partner.toml"
    toml.write_text(toml.read_text().replace('name = "Kestrel Cloud"', 'name = "' + "Kestrel " * 8 + 'Cloud"'))
    try:
        cobrand.build(project, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON,
                      all_or_nothing=True)
    except cobrand.ProjectError as error:
        assert any("X post is" in problem.message and "kestrel-cloud" in problem.message
                   for problem in error.problems), error.problems
    else:
        raise AssertionError("the too-long X post was not reported")


def test_remembered_personalization_checks_still_see_a_tighter_declaration(tmp_path):
    """A partner's own [personalize] values are checked again when cobrand.toml declares the fields anew
    (the saved state keeps their problems by the partner's folder and the declarations)."""
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    build(project, out)
    build(project, out)  # this one uses the remembered checks
    config = project / "cobrand.toml"
    config.write_text(config.read_text().replace('label = "Call to action"\nmax_length = 40',
                                                 'label = "Call to action"\nmax_length = 12'))
    try:
        cobrand.build(project, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON,
                      all_or_nothing=True)
    except cobrand.ProjectError as error:
        assert any(problem.file == "partners/kestrel-cloud/partner.toml" and problem.field == "personalize.cta_label"
                   and "at most 12 allowed" in problem.message for problem in error.problems), error.problems
    else:
        raise AssertionError("the over-long cta_label was not reported")


def test_settled_files_are_known_by_their_status_and_fresh_ones_are_read(tmp_path):
    path = tmp_path / "partner.toml"
    path.write_text("name = 'A'\n")
    state_path = tmp_path / "state.pickle"
    fresh = file_digest(path)
    time.sleep(SETTLED_SECONDS + 0.2)  # until then a file is always read: it may still be being edited
    first = SavedState(state_path, salt="s")
    assert file_digest(path, state=first) == fresh
    first.save()
    # Same bytes, so a state that trusted a stale entry and one that re-read would agree: make the
    # remembered digest observable by changing the file behind the state's back, status and all.
    sections = pickle.loads(state_path.read_bytes())[1]
    entries = sections["file-digests"]
    key = str(path)
    signature, _ = entries[key]
    entries[key] = (signature, "remembered")
    state_path.write_bytes(pickle.dumps(("s", sections)))
    assert file_digest(path, state=SavedState(state_path, salt="s")) == "remembered"  # settled: not read
    path.write_text("name = 'B'\n")  # a real edit changes the status: read again
    assert file_digest(path, state=SavedState(state_path, salt="s")) == file_digest(path) != fresh


def many_partners(project: Path, count: int) -> None:
    """``count`` more partner folders, copies of the example's under new names, one of them broken."""
    from cobrand.load.partners import PARALLEL_LOAD_MINIMUM

    assert count >= PARALLEL_LOAD_MINIMUM
    sources = sorted(path for path in (project / "partners").iterdir() if path.is_dir())
    for index in range(count):
        source = sources[index % len(sources)]
        target = project / "partners" / f"copy-{index:03d}-{source.name}"
        shutil.copytree(source, target)
        toml = target / "partner.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('name = "', f'name = "Copy {index} of ', 1),
                        encoding="utf-8")
    broken = project / "partners" / "copy-007-broken"
    shutil.copytree(sources[0], broken)
    (broken / "partner.toml").write_text('name = "Broken"\ntier = "gold"\n', encoding="utf-8")


def test_partner_folders_load_the_same_in_worker_processes(tmp_path):
    """Many folders to load are spread over processes; the partners and the problems are the same."""
    from cobrand.load.partners import load_partners

    project = copy_example(tmp_path)
    many_partners(project, 70)
    alone, alone_problems = load_partners(project, SavedState(), jobs=1)
    spread, spread_problems = load_partners(project, SavedState(), jobs=2)
    assert len(alone) == 75 and [p.slug for p in spread] == [p.slug for p in alone]
    assert spread == alone
    assert spread_problems == alone_problems
    assert [problem.file for problem in spread_problems] == ["partners/copy-007-broken/partner.toml"]
    assert sum(partner.name.startswith("Copy ") for partner in spread) == 70


def test_content_loaded_while_partner_workers_run_gives_the_same_project(tmp_path):
    """The parent reads content/ while worker processes load the partner folders: the project and
    its problems, partners' first, are those of a load in one process."""
    import datetime as dt

    from cobrand.load import load_project

    project = copy_example(tmp_path)
    many_partners(project, 70)
    (project / "content" / "blog" / "no-title.md").write_text("---\ndate: 2026-01-05\n---\nText.\n",
                                                              encoding="utf-8")
    today = dt.date(2026, 11, 1)
    alone, alone_problems = load_project(project, today, SavedState(), jobs=1)
    spread, spread_problems = load_project(project, today, SavedState(), jobs=2)
    assert alone is not None and spread is not None
    assert spread.partners == alone.partners and spread.content == alone.content
    assert spread_problems == alone_problems
    files = [problem.file for problem in spread_problems]
    assert files.index("partners/copy-007-broken/partner.toml") < files.index("content/blog/no-title.md")


def test_a_rebuild_takes_every_date_from_the_state(tmp_path):
    """Dates are written as each partner's locale writes them, once: a post edited later is rebuilt in a process
    that never loads Babel's date module or any locale's data, and shows the same dates."""
    import subprocess
    import sys

    from cobrand.languages import format_date

    project = copy_example(tmp_path)
    out = tmp_path / "out"
    build(project, out)
    remembered = pickle.loads((out / ".cobrand" / "cache" / STATE_FILE).read_bytes())[1]["dates"]
    assert remembered
    for key, (_, text) in remembered.items():  # "de-DE 2026-03-02": "2. März 2026"
        locale, day = key.split(" ")
        assert text == format_date(dt.date.fromisoformat(day), locale)
    post = next((project / "content" / "blog").glob("*.md"))
    post.write_text(post.read_text() + "\nOne more sentence.\n")
    script = ("import sys, cobrand\n"
              f"r = cobrand.build({str(project)!r}, out_dir={str(out)!r}, jobs=1, pdfs=False, images=False,"
              f" environ={ENVIRON!r})\n"
              "assert r.ok and r.to_dict()['counts']['files_written'] > 0, r.to_dict()\n"
              "print(sorted(m for m in sys.modules if m.startswith('babel.dates')))\n")
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"
    clean = tmp_path / "clean"
    build(project, clean)
    assert (out / "kestrel-cloud" / "index.html").read_bytes() == (clean / "kestrel-cloud" / "index.html").read_bytes()


REBUILD_IMPORTS = ("import sys, cobrand\n"
                   "r = cobrand.build({project!r}, out_dir={out!r}, jobs=1, pdfs=False, images=False,"
                   " environ={environ!r})\n"
                   "assert r.ok and r.to_dict()['counts']['files_written'] > 0, r.to_dict()\n"
                   "print(sorted(m for m in sys.modules if m in {parsers!r}))\n")
# What an edit of a post's body alone needs none of: the front matter's YAML, cobrand.toml's TOML, any schema (the
# first schema pydantic builds loads its plugins through importlib.metadata), the installed packages' metadata.
NOT_FOR_A_BODY_EDIT = ("yaml", "tomllib", "importlib.metadata", "pydantic.plugin._loader", "email.parser")


def _parsers_of_a_rebuild(project: Path, out: Path) -> str:
    import subprocess
    import sys

    script = REBUILD_IMPORTS.format(project=str(project), out=str(out), environ=ENVIRON, parsers=NOT_FOR_A_BODY_EDIT)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()


def _append(post: Path, text: str) -> None:
    post.write_text(post.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_an_edit_of_a_body_alone_parses_no_front_matter_and_equals_a_clean_build(tmp_path):
    """A post's front matter is kept by its own text and cobrand.toml's config by its: editing the body alone reads
    no YAML and no TOML and builds no schema (in a fresh process, so none of their modules is even imported), also
    for a second post after a rebuild that reused the first's; the output is a clean build's, and an edit of
    the front matter is still seen."""
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    build(project, out)
    first, second = sorted((project / "content" / "blog").glob("*.md"))[:2]
    _append(first, "\nOne more sentence.\n")
    assert _parsers_of_a_rebuild(project, out) == "[]"
    _append(second, "\nAnother sentence.\n")  # the first post's rebuild kept the second's front matter
    assert _parsers_of_a_rebuild(project, out) == "[]"
    text = second.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    second.write_text(text.replace(title, "title: A title edited after the body", 1), encoding="utf-8")
    assert "'yaml'" in _parsers_of_a_rebuild(project, out)  # the title's edit is read
    clean = tmp_path / "clean"
    build(project, clean)
    for page in ("index.html", "blog/index.html", f"blog/{second.stem}.html", f"blog/{first.stem}.html"):
        assert (out / "kestrel-cloud" / page).read_bytes() == (clean / "kestrel-cloud" / page).read_bytes(), page
    assert "A title edited after the body" in (out / "kestrel-cloud" / f"blog/{second.stem}.html").read_text()


def test_a_front_matter_error_is_reported_again_after_a_body_edit(tmp_path):
    """The remembered front matter keeps its problems: a post withheld for a front-matter error stays withheld, with
    the same message and line, when only its body changes."""
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    build(project, out)
    post = sorted((project / "content" / "blog").glob("*.md"))[0]
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("\ntitle:", "\nunknown_key: 1\ntitle:", 1), encoding="utf-8")
    first = cobrand.build(project, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON)
    _append(post, "\nA body edit.\n")
    second = cobrand.build(project, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON)
    withheld = [report.to_dict()["withheld"] for report in (first, second)]
    assert withheld[0] and withheld[0] == withheld[1]
    assert "unknown_key" in str(withheld[1])
