"""Faults (issue 8): builds killed midway, concurrent builds, unwritable output, failing partners.

SECURITY.md promises: files are written atomically, a build killed midway is detected and completed by
the next one, one build at a time holds the output folder, and a partner that fails keeps its previous
output while the others are built and the exit code is 1.

The killed builds run in a child process. Most kill points are exact: the child wraps cobrand's
``write_atomic`` and, when it is about to write a chosen file, writes half of it to the temporary file
(as a crash mid-write leaves it) and sends itself SIGKILL. Two more are timed from outside: a fixed
delay, and the moment the partner's manifest disappears (the build has started changing the folder).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pypdf
import pytest
from click.testing import CliRunner
from PIL import Image

import cobrand
from cobrand.cli import main
from cobrand.report import UNFINISHED
from support.example import ENVIRON, copy_example

SLUG = "kestrel-cloud"
IMMUTABLE = "content/blog/immutable-backups-explained.md"
# What a build writes besides the sites: excluded when comparing two output folders.
# The run's own record (report.json, the vendor overview: what this run built or reused) and state.
STATE = re.compile(r"^(report\.json|overview\.html|\.cobrand\.lock|\.cobrand/.*)$")
TEMPORARY = re.compile(r"^\..+\.tmp$")


def build(project: Path, out: Path, **kwargs: object) -> cobrand.BuildReport:
    options: dict[str, object] = {"partners": (SLUG,), "jobs": 1, "pdfs": True, "images": False, "environ": ENVIRON}
    return cobrand.build(project, out_dir=out, **(options | kwargs))  # type: ignore[arg-type]


def hub_of(out: Path) -> Path:
    """The hubs' folder of a build into ``out`` (the default, beside it)."""
    return out.with_name(out.name + "-hub")


def copy_output(good: Path, out: Path) -> None:
    """A previous build's output: the sites and the hubs."""
    shutil.copytree(good, out)
    shutil.copytree(hub_of(good), hub_of(out))


def site_files(out: Path) -> dict[str, bytes]:
    """Every file of the output that is served or deployed, the hubs' ("hub:") too (state, lock and report
    excluded)."""
    return {prefix + path.relative_to(root).as_posix(): path.read_bytes()
            for root, prefix in ((out, ""), (hub_of(out), "hub:")) for path in sorted(root.rglob("*"))
            if path.is_file() and not STATE.match(path.relative_to(root).as_posix())}


def assert_same_tree(actual: Path, expected: Path) -> None:
    got, want = site_files(actual), site_files(expected)
    extra = sorted(set(got) - set(want))
    missing = sorted(set(want) - set(got))
    different = sorted(name for name in set(got) & set(want) if got[name] != want[name])
    assert (extra, missing, different) == ([], [], []), (
        f"after the next build the output differs from a clean build:\n  extra files: {extra}\n"
        f"  missing files: {missing}\n  different bytes: {different}")


class _Html(HTMLParser):
    pass


def check_file(path: Path) -> None:
    """Open ``path`` the way its consumer would; raise if it is partial or unreadable."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".html":
        text = data.decode("utf-8")
        parser = _Html()
        parser.feed(text)
        parser.close()
        assert text.rstrip().endswith("</html>"), f"{path} is cut short"
    elif suffix in {".xml", ".svg"}:
        ET.fromstring(data)
    elif suffix == ".pdf":
        reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
        assert len(reader.pages) >= 1
        reader.pages[0].extract_text()
        assert data.rstrip().endswith(b"%%EOF"), f"{path} is cut short"
    elif suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.testzip() is None, f"{path} has a damaged member"
            assert archive.namelist()
    elif suffix in {".png", ".jpg", ".jpeg", ".webp", ".gif", ".ico"}:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    elif suffix == ".json":
        json.loads(data)
    elif suffix == ".csv":
        list(csv.reader(io.StringIO(data.decode("utf-8"))))
    elif suffix in {".txt", ".css", ".js"}:
        data.decode("utf-8")


def check_output(out: Path) -> list[str]:
    """Check every file of the output and the hubs; return the temporary files a killed write left behind."""
    leftovers = []
    for path in sorted([*out.rglob("*"), *hub_of(out).rglob("*")]):
        relative = path.relative_to(out if path.is_relative_to(out) else hub_of(out)).as_posix()
        if not path.is_file() or relative.startswith(".cobrand/cache/") or relative == ".cobrand.lock":
            continue
        if TEMPORARY.match(path.name) or TEMPORARY.match(relative.split("/", 1)[0]):  # a file, or a staging folder
            leftovers.append(relative)
            continue
        try:
            check_file(path)
        except Exception as error:  # report which file, and why
            pytest.fail(f"{relative} is not a complete file after the kill: {type(error).__name__}: {error}")
    return leftovers


# --- the projects: v1 built, then v2 (one page fewer for the partner, one page changed) ----------------


@dataclass(frozen=True)
class Setup:
    v2: Path
    good: Path   # v1 built: the previous good build every killed build starts from
    clean: Path  # v2 built into an empty folder: what every build of v2 must end with


def make_v2(project: Path) -> None:
    """Drop a page from the partner's entitlement and change another, so a build of v2 writes and deletes."""
    post = project / "content/blog/aws-snapshot-pitfalls.md"
    text = post.read_text(encoding="utf-8")
    assert "ecosystems: [aws]\n" in text
    post.write_text(text.replace("ecosystems: [aws]\n", "ecosystems: [aws]\nmin_tier: gold\n", 1), encoding="utf-8")
    page = project / IMMUTABLE
    text = page.read_text(encoding="utf-8")
    assert "{{ partner.name }} can review" in text
    page.write_text(text.replace("{{ partner.name }} can review", "{{ partner.name }} can gladly review", 1),
                    encoding="utf-8")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    base = tmp_path_factory.mktemp("faults")
    # One project folder, edited in place: output keys include the project's path, so a copy elsewhere
    # would make the "incremental" build of v2 a full one.
    project = copy_example(base)
    good = base / "good"
    assert build(project, good).ok
    make_v2(project)
    v2 = project
    clean = base / "clean"
    assert build(v2, clean).ok
    # the scenario is meaningful: v2 removes a page and changes another
    assert (good / SLUG / "blog/aws-snapshot-pitfalls.html").is_file()
    assert not (clean / SLUG / "blog/aws-snapshot-pitfalls.html").exists()
    assert any(name.endswith(".pdf") for name in site_files(clean))
    assert check_output(clean) == [] and check_output(good) == []
    return Setup(v2, good, clean)


CHILD = textwrap.dedent("""
    import os, signal, sys, time
    from contextlib import contextmanager
    from pathlib import Path
    import cobrand

    build_module, write_module = sys.modules["cobrand.build"], sys.modules["cobrand.write"]
    project, out, spec = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    kind, _, argument = spec.partition(":")

    if kind == "kill-at-write":  # die writing this file (relative to out, or "hub:" and the hubs'), half on disk
        root = out.with_name(out.name + "-hub") if argument.startswith("hub:") else out
        argument, _, nth = argument.removeprefix("hub:").partition("#")  # "#2": its second write in the run
        target = (root / argument).resolve()
        original = write_module.write_atomic
        writes = [0]

        def write_atomic(path, data, **options):
            path = Path(path)
            writes[0] += path.resolve() == target
            if path.resolve() == target and writes[0] == int(nth or 1):
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path.with_name(f".{path.name}.{os.getpid()}.tmp"), "wb") as handle:
                    handle.write(data[: len(data) // 2])
                    handle.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            return original(path, data, **options)

        write_module.write_atomic = build_module.write_atomic = write_atomic
        # A published partner's files are written beside the ones they replace, under a hidden name, then
        # renamed over them; a new partner's into a hidden folder beside the published ones.
        slug, _, inside = argument.partition("/")
        original_file = write_module._write_file
        beside = str(target.parent / f".{target.name}.{os.getpid()}.tmp")

        def write_file(path, data):
            if inside and (str(path) == beside or (f"/.{slug}." in str(path) and str(path).endswith("/" + inside))):
                original_file(path, data[: len(data) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
            return original_file(path, data)

        write_module._write_file = write_file

    if kind == "kill-at-rename":  # die just before a finished new partner folder is renamed into place
        original_rename = os.rename

        def rename(source, target, *args, **kwargs):
            if Path(target).name == argument:
                os.kill(os.getpid(), signal.SIGKILL)
            return original_rename(source, target, *args, **kwargs)

        write_module.os.rename = rename

    if kind == "hold-lock":  # take the lock, say so, and keep it until the release file appears
        original_lock = build_module.build_lock

        @contextmanager
        def holding(out_dir):
            with original_lock(out_dir):
                print("locked", flush=True)
                deadline = time.monotonic() + 120
                while not Path(argument).exists() and time.monotonic() < deadline:
                    time.sleep(0.02)
                yield

        build_module.build_lock = holding

    print("started", flush=True)
    report = cobrand.build(project, out_dir=out, partners=("kestrel-cloud",), jobs=1, pdfs=True, images=False,
                           environ={"SOURCE_DATE_EPOCH": "1795305600"})
    print("finished" if report.ok else "failed", flush=True)
""")


def start_child(project: Path, out: Path, spec: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(project), str(out), spec], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def sigkill(child: subprocess.Popen[str]) -> None:
    if child.poll() is None:
        os.killpg(child.pid, signal.SIGKILL)  # the child's own session: it and anything it started
    child.wait(timeout=30)


KILL_AT_WRITE = {
    "mid-site": f"{SLUG}/blog/index.html",
    "mid-kit-zip": f"hub:{SLUG}/kit/{SLUG}-kit.zip",  # in the partner's hub
    "at-manifest": f".cobrand/{SLUG}.json",
    "at-unfinished-report": "report.json",  # the first write: the run's report saying it has not finished
    "at-report": "report.json#2",  # the run's own report, at the end
}


def recover_and_compare(setup: Setup, out: Path) -> None:
    """The next build completes and leaves exactly what a clean build leaves."""
    report = build(setup.v2, out)
    assert report.ok, report.failures
    check_output(out)
    assert_same_tree(out, setup.clean)  # temporary files left by the kill count as extra files


@pytest.mark.parametrize("point", sorted(KILL_AT_WRITE))
def test_sigkill_while_writing(setup, tmp_path, point):
    out = tmp_path / "out"
    copy_output(setup.good, out)
    child = start_child(setup.v2, out, f"kill-at-write:{KILL_AT_WRITE[point]}")
    try:
        stdout, stderr = child.communicate(timeout=180)
    finally:
        sigkill(child)
    assert child.returncode == -signal.SIGKILL, (
        f"the build was not killed at {KILL_AT_WRITE[point]} (exit {child.returncode}); did it stop writing that "
        f"file?\n{stdout}\n{stderr[-2000:]}")
    check_output(out)  # every finished file is whole; the half-written one is only a temporary file
    # The report left is this run's, saying it did not finish, not the earlier good build's; unless the run was
    # killed writing that, before anything else changed.
    left = json.loads((out / "report.json").read_text())
    if point == "at-unfinished-report":
        assert left == json.loads((setup.good / "report.json").read_text())
    else:
        assert left["ok"] is False and left["refused"] is True
        assert [error["message"] for error in left["errors"]] == [UNFINISHED]
    recover_and_compare(setup, out)


@pytest.mark.parametrize("delay", [0.3, 1.5])
def test_sigkill_after_a_delay(setup, tmp_path, delay):
    out = tmp_path / "out"
    copy_output(setup.good, out)
    child = start_child(setup.v2, out, "plain")
    time.sleep(delay)
    sigkill(child)
    check_output(out)
    recover_and_compare(setup, out)


def test_sigkill_once_the_partner_folder_starts_changing(setup, tmp_path):
    """Killed from outside as soon as the partner's manifest is removed (its files are about to change)."""
    out = tmp_path / "out"
    copy_output(setup.good, out)
    manifest = out / ".cobrand" / f"{SLUG}.json"
    assert manifest.is_file()
    child = start_child(setup.v2, out, "plain")
    deadline = time.monotonic() + 120
    try:
        while manifest.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
    finally:
        sigkill(child)
    check_output(out)
    recover_and_compare(setup, out)


def test_a_new_partner_appears_whole_or_not_at_all(setup, tmp_path):
    """A new partner's files are written into a hidden folder and renamed into place when complete."""
    out = tmp_path / "out"
    child = start_child(setup.v2, out, f"kill-at-rename:{SLUG}")
    try:
        stdout, stderr = child.communicate(timeout=180)
    finally:
        sigkill(child)
    assert child.returncode == -signal.SIGKILL, f"not killed at the rename\n{stdout}\n{stderr[-2000:]}"
    # The hub is written first: its folder was about to be renamed into place; the site not yet begun.
    hub = hub_of(out)
    assert not (out / SLUG).exists() and not (hub / SLUG).exists()
    staging = [path.name for path in hub.iterdir() if TEMPORARY.match(path.name) and path.is_dir()]
    assert len(staging) == 1 and (hub / staging[0] / "kit.html").is_file()
    recover_and_compare(setup, out)
    assert not [path for folder in (out, hub) for path in folder.iterdir() if TEMPORARY.match(path.name)]


def test_garbage_state_is_rebuilt(setup, tmp_path):
    """A damaged manifest (disk trouble, a bad cache restore) makes the next build redo the partner."""
    out = tmp_path / "out"
    copy_output(setup.good, out)
    (out / ".cobrand" / f"{SLUG}.json").write_bytes(b"\x00{not json")
    (out / SLUG / "index.html").write_text("<html>stale", encoding="utf-8")
    recover_and_compare(setup, out)


# --- one build at a time ----------------------------------------------------------------------------------


def test_concurrent_build_fails_fast(setup, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(setup.clean / ".cobrand" / "cache", out / ".cobrand" / "cache")  # PDFs made already
    release = tmp_path / "release"
    child = start_child(setup.v2, out, f"hold-lock:{release}")
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() == "locked":
                break
        else:
            pytest.fail(f"the first build never took the lock: {child.stderr.read() if child.stderr else ''}")
        started = time.monotonic()
        with pytest.raises(cobrand.BuildLockedError) as caught:
            build(setup.v2, out, pdfs=False)
        assert time.monotonic() - started < 15, "the second build waited for the first instead of failing"
        assert "another" in str(caught.value).lower() and "build" in str(caught.value).lower()
        assert caught.value.exit_code != 0
        result = CliRunner().invoke(main, ["build", str(setup.v2), "--out", str(out), "--partner", SLUG, "--no-pdf",
                                           "--no-images", "-j", "1"], env=ENVIRON)
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit), result.exception
        assert "another" in result.stderr.lower() and "Traceback" not in result.output
        release.touch()
        stdout, stderr = child.communicate(timeout=180)
    finally:
        release.touch()
        sigkill(child)
    assert child.returncode == 0 and "finished" in stdout, stderr[-2000:]
    assert json.loads((out / "report.json").read_text())["ok"] is True
    assert check_output(out) == []
    assert_same_tree(out, setup.clean)


# --- output that cannot be written -------------------------------------------------------------------------


def unwritable_out(tmp_path: Path) -> Path:
    """An output folder that cannot be created or written, as root too (where chmod does not stop writes)."""
    if os.geteuid() == 0:
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a regular file where a folder should be\n", encoding="utf-8")
        return blocker / "out"
    out = tmp_path / "read-only"
    out.mkdir()
    out.chmod(0o555)
    return out


def test_unwritable_out_dir_is_a_clear_error(setup, tmp_path):
    out = unwritable_out(tmp_path)
    try:
        with pytest.raises(cobrand.CobrandError) as caught:  # not a bare OSError from deep inside
            build(setup.v2, out, pdfs=False)
        assert str(out) in str(caught.value) or out.parent.name in str(caught.value)
        result = CliRunner().invoke(main, ["build", str(setup.v2), "--out", str(out), "--partner", SLUG, "--no-pdf",
                                           "--no-images", "-j", "1"], env=ENVIRON)
        assert isinstance(result.exception, SystemExit), f"uncaught {result.exception!r}"
        assert result.exit_code in (1, 2)
        assert "Error" in result.stderr and "Traceback" not in result.output
    finally:
        if out.exists():
            out.chmod(0o755)


def test_unwritable_partner_folder_fails_only_that_partner(setup, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    blocked = out / SLUG
    if os.geteuid() == 0:
        blocked.write_text("a regular file where the partner's folder should be\n", encoding="utf-8")
    else:
        blocked.mkdir()
        blocked.chmod(0o555)
    try:
        report = build(setup.v2, out, partners=(SLUG, "northbeam-it"), pdfs=False)
    finally:
        if blocked.is_dir():
            blocked.chmod(0o755)
    status = {result.slug: result for result in report.partners}
    assert status[SLUG].status == "failed" and status["northbeam-it"].status == "built"
    failure = status[SLUG].failure
    assert failure is not None and SLUG in failure.message
    assert not report.ok
    saved = json.loads((out / "report.json").read_text())
    assert saved["ok"] is False and [entry["slug"] for entry in saved["partners"] if entry["failure"]] == [SLUG]
    assert check_output(out) == []


# --- a failing partner, through the CLI --------------------------------------------------------------------


@pytest.fixture
def one_partner_fails(setup: Setup, tmp_path: Path) -> Path:
    """falkenstein-systeme (first in slug order) fails at render time; kestrel-cloud renders."""
    project = tmp_path / "project"
    shutil.copytree(setup.v2, project)
    page = project / IMMUTABLE
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("{{ partner.name }} can gladly review", "[Talk to us]({{ partner.name }}) can review",
                                 1), encoding="utf-8")
    for slug, name in (("falkenstein-systeme", "javascript:alert(1)"), (SLUG, "https://kestrel-cloud.example/")):
        toml = project / "partners" / slug / "partner.toml"
        lines = toml.read_text(encoding="utf-8").splitlines()
        toml.write_text("\n".join(f'name = "{name}"' if line.startswith("name = ") else line for line in lines) + "\n",
                        encoding="utf-8")
    return project


def cli_build(project: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["build", str(project), "--out", str(out), "--partner", "falkenstein-systeme",
                                     "--partner", SLUG, "--no-pdf", "--no-images", "-j", "1", *extra], env=ENVIRON)


def test_cli_one_partner_failing_does_not_stop_the_others(one_partner_fails, tmp_path):
    out = tmp_path / "out"
    result = cli_build(one_partner_fails, out)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert IMMUTABLE in result.output and "falkenstein-systeme" in result.output
    assert (out / SLUG / "index.html").is_file()
    assert 'href="https://kestrel-cloud.example/"' in (out / SLUG / "blog/immutable-backups-explained.html").read_text()
    assert not (out / "falkenstein-systeme").exists()
    saved = json.loads((out / "report.json").read_text())
    assert saved["ok"] is False
    assert {entry["slug"]: entry["status"] for entry in saved["partners"]} == {"falkenstein-systeme": "failed",
                                                                             SLUG: "built"}


def test_cli_fail_fast_starts_no_further_partner(one_partner_fails, tmp_path):
    out = tmp_path / "out"
    result = cli_build(one_partner_fails, out, "--fail-fast")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert not (out / SLUG).exists() and not (out / "falkenstein-systeme").exists()
    saved = json.loads((out / "report.json").read_text())
    assert [entry["slug"] for entry in saved["partners"]] == ["falkenstein-systeme"]
