"""Faults leave nothing half-done (issue 19): a full disk, an unreplaceable file, a killed build or
worker, a corrupt cache entry, an output folder pointed at the project's sources.

Real faults only: a 2 MB tmpfs really fills up (mounted in a private mount namespace, so the test
needs no privileges beyond an unprivileged user namespace), processes are really killed with
SIGKILL, and cache files are really damaged on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import cobrand
from cobrand.cli import main
from support.example import ENVIRON, copy_example

SLUG = "kestrel-cloud"
KESTREL_TOML = f"partners/{SLUG}/partner.toml"


def digests(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def rename_partner(project: Path, slug: str = SLUG, name: str = "Kestrel Cloud Services") -> None:
    """A change that rewrites every page of the partner."""
    toml = project / "partners" / slug / "partner.toml"
    text = toml.read_text(encoding="utf-8")
    assert "\nname = " in "\n" + text
    toml.write_text("\n".join(f'name = "{name}"' if line.startswith("name = ") else line
                              for line in text.splitlines()) + "\n", encoding="utf-8")


# --- a full disk --------------------------------------------------------------------------------------

DISK_FULL = textwrap.dedent("""
    import hashlib, json, os, subprocess, sys
    from pathlib import Path
    import cobrand

    project, mount, cache, slug = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    out = mount / "out"
    environ = {"SOURCE_DATE_EPOCH": "1795305600"}

    def digests(folder):
        return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    first = cobrand.build(project, out_dir=out, partners=(slug,), jobs=1, pdfs=False, images=False,
                          cache_dir=cache, environ=environ)
    before = digests(out / slug)
    manifest = (out / ".cobrand" / f"{slug}.json").read_bytes()
    # Fill the file system, then free a little less than the partner's pages need.
    filler = mount / "filler"
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(handle, bytes(65536))
    except OSError:
        pass
    finally:
        os.close(handle)
    os.truncate(filler, max(0, filler.stat().st_size - 96 * 1024))
    toml = project / "partners" / slug / "partner.toml"
    toml.write_text(toml.read_text().replace('name = "Kestrel Cloud"', 'name = "Kestrel Cloud Services"'))
    outcome = {"first_ok": first.ok, "before": before}
    try:
        report = cobrand.build(project, out_dir=out, partners=(slug,), jobs=1, pdfs=False, images=False,
                               cache_dir=cache, environ=environ)
        outcome["failures"] = [str(problem) for problem in report.failures]
        outcome["raised"] = None
    except cobrand.CobrandError as error:
        outcome["raised"] = f"{type(error).__name__}: {error}"
    outcome["after"] = digests(out / slug)
    outcome["manifest_kept"] = (out / ".cobrand" / f"{slug}.json").read_bytes() == manifest
    outcome["temporary"] = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.name.endswith(".tmp")]
    print(json.dumps(outcome))
""")


def in_private_mount_namespace() -> list[str]:
    """The command prefix that runs a process in its own mount namespace (as root, or in a user namespace)."""
    if os.geteuid() == 0:
        return ["unshare", "--mount"]
    return ["unshare", "--user", "--map-root-user", "--mount"]


def test_a_full_disk_leaves_the_partners_previous_files_as_they_were(tmp_path):
    project = copy_example(tmp_path)
    mount = tmp_path / "mount"
    mount.mkdir()
    command = [*in_private_mount_namespace(), sys.executable, "-c", DISK_FULL, str(project), str(mount),
               str(tmp_path / "cache"), SLUG]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["first_ok"] and outcome["before"]
    problems = outcome["failures"] or [outcome["raised"]]
    assert any("No space left on device" in str(problem) and SLUG in str(problem) for problem in problems), outcome
    assert any("previous files are unchanged" in str(problem) for problem in problems), problems
    assert outcome["after"] == outcome["before"], "a file of the partner changed on a full disk"
    assert outcome["manifest_kept"]
    assert outcome["temporary"] == [], "temporary files were left behind"


# --- an unreplaceable file ----------------------------------------------------------------------------


def test_a_file_that_cannot_be_replaced_stops_only_that_partner_and_changes_none_of_its_files(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    other = "maple-ridge-tech"
    options = {"partners": (SLUG, other), "jobs": 1, "pdfs": False, "images": False, "environ": ENVIRON}
    assert cobrand.build(project, out_dir=out, **options).ok  # type: ignore[arg-type]
    # Something that is not cobrand's put a folder where a page of the partner is: the page cannot be replaced.
    blocked = out / SLUG / "blog" / "index.html"
    blocked.unlink()
    blocked.mkdir()
    (blocked / "keep.txt").write_text("someone else's file", encoding="utf-8")
    before = digests(out / SLUG)
    rename_partner(project)
    rename_partner(project, other, "Maple Ridge Technology")
    report = cobrand.build(project, out_dir=out, **options)  # type: ignore[arg-type]
    status = {result.slug: result for result in report.partners}
    assert status[other].status == "built" and status[SLUG].status == "failed"
    failure = status[SLUG].failure
    assert failure is not None and failure.file == KESTREL_TOML
    assert "blog/index.html" in failure.message and "unchanged" in failure.message, failure
    assert digests(out / SLUG) == before
    assert not [path for path in out.rglob("*.tmp")]
    assert "Maple Ridge Technology" in (out / other / "index.html").read_text(encoding="utf-8")


# --- killed processes ---------------------------------------------------------------------------------

CHILD = textwrap.dedent("""
    import sys
    import cobrand
    print("started", flush=True)
    report = cobrand.build(sys.argv[1], out_dir=sys.argv[2], jobs=2, pdfs=True, images=True,
                           environ={"SOURCE_DATE_EPOCH": "1795305600"})
    print("finished", flush=True)
""")


def processes_in_session(session: int) -> list[int]:
    """Live (not zombie) processes whose session is ``session``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def wait_for(condition, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_killing_the_build_kills_its_workers_and_frees_the_lock(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(project), str(out)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert wait_for(lambda: len(children_of(child.pid)) >= 2), "the build never started its workers"
        workers = children_of(child.pid)
        os.kill(child.pid, signal.SIGKILL)  # the main process only, as the OOM killer would
        child.wait(timeout=30)
        assert wait_for(lambda: processes_in_session(child.pid) == [], timeout=30), (
            f"workers outlived the build: {processes_in_session(child.pid)} (were {workers})")
    finally:
        for pid in processes_in_session(child.pid):
            os.kill(pid, signal.SIGKILL)
    report = cobrand.build(project, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON)
    assert report.ok, report.summary()  # no BuildLockedError: nothing holds the lock


def test_a_killed_worker_ends_the_build_with_a_message_naming_the_partners(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "cobrand.cli", "build", str(project), "--out", str(out), "-j", "2"]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **ENVIRON}, start_new_session=True)
    try:
        assert wait_for(lambda: len(children_of(child.pid)) >= 2), "the build never started its workers"
        time.sleep(1.0)  # the workers are rendering
        victim = children_of(child.pid)[0]
        os.kill(victim, signal.SIGKILL)
        stdout, stderr = child.communicate(timeout=300)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert child.returncode == 1, (stdout, stderr[-3000:])
    assert "Traceback" not in stderr and "BrokenProcessPool" not in stderr, stderr[-3000:]
    lines = [line for line in stderr.splitlines() if "worker process" in line and "died" in line]
    assert lines, stderr[-3000:]
    named = {slug for slug in os.listdir(project / "partners") if any(slug in line for line in lines)}
    assert named, lines
    assert processes_in_session(child.pid) == []


# --- the cache ----------------------------------------------------------------------------------------


def test_a_corrupt_cache_entry_is_made_again_not_published(tmp_path):
    project = copy_example(tmp_path)
    cache = tmp_path / "cache"
    options = {"partners": (SLUG,), "jobs": 1, "pdfs": True, "images": False, "environ": ENVIRON,
               "cache_dir": cache}
    assert cobrand.build(project, out_dir=tmp_path / "first", **options).ok  # type: ignore[arg-type]
    pdfs = {path.name: path.read_bytes() for path in (tmp_path / "first" / SLUG / "one-pagers").glob("*.pdf")}
    assert pdfs
    entries = [path for path in (cache / "objects").rglob("*") if path.is_file()]
    damaged = [path for path in entries if path.read_bytes()[32:] in pdfs.values()]
    assert damaged, "the PDFs are kept in the cache"
    for path in damaged:  # flip bytes in the middle of each stored PDF, as a bad disk or a cut archive would
        data = bytearray(path.read_bytes())
        middle = len(data) // 2
        data[middle:middle + 16] = bytes(byte ^ 0xFF for byte in data[middle:middle + 16])
        path.write_bytes(bytes(data))
    report = cobrand.build(project, out_dir=tmp_path / "second", **options)  # type: ignore[arg-type]
    assert report.ok
    second = tmp_path / "second" / SLUG / "one-pagers"
    assert {path.name: path.read_bytes() for path in second.glob("*.pdf")} == pdfs
    for path in damaged:  # and stored again, whole
        stored = path.read_bytes()
        assert hashlib.sha256(stored[32:]).digest() == stored[:32]


# --- output folders that would delete sources -----------------------------------------------------------


@pytest.mark.parametrize(("option", "where"), [
    ("--out", "content/site"), ("--out", "partners"), ("--out", "themes/x"), ("--out", "."), ("--out", ".."),
    ("--cache-dir", "content"), ("--cache-dir", "partners/kestrel-cloud/cache"), ("--cache-dir", "."),
])
def test_output_folders_inside_or_around_the_sources_are_refused(tmp_path, option, where):
    project = copy_example(tmp_path)
    before = digests(project)
    arguments = ["build", str(project), "--no-pdf", "--no-images", "-j", "1"]
    if option == "--cache-dir":
        arguments += ["--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, [*arguments, option, str(project / where)], env=ENVIRON)
    assert result.exit_code == 2, result.output
    assert option in result.stderr and "output only" in result.stderr
    assert digests(project) == before
    assert not (project / where / "report.json").exists()
    with pytest.raises(cobrand.UsageError):
        cobrand.build(project, **{option.lstrip("-").replace("-", "_") if option == "--cache-dir" else "out_dir":
                                  project / where}, environ=ENVIRON)


def test_an_output_folder_inside_the_project_is_fine(tmp_path):
    project = copy_example(tmp_path)
    report = cobrand.build(project, out_dir=project / "site", partners=(SLUG,), jobs=1, pdfs=False, images=False,
                           environ=ENVIRON)
    assert report.ok and (project / "site" / SLUG / "index.html").is_file()
    shutil.rmtree(project / "site")
