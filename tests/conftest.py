"""The suite's fixtures and hooks; helpers the tests import live in the ``support`` package (tests/support/).

Tests sit in three folders, and the folder is the marker (tests/support/markers.py): ``tests/unit`` (pure,
builds nothing; ``pytest -m unit`` or ``pytest tests/unit`` is the inner loop), ``tests/build`` (builds, CLI,
serve) and ``tests/browser`` (Chromium, Lighthouse, the Nu HTML checker). See docs/contributing.md.

The example project at the repository root is built once per session (with PDFs, jobs=2, a fixed
SOURCE_DATE_EPOCH) and every test that only reads the output reuses that build.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cobrand

# With COBRAND_CI=1 (set by .ci/run) any skipped test fails the run; see tests/support/ci_skips.py.
from support.ci_skips import pytest_configure  # noqa: F401  (a pytest hook: pytest finds it by name here)
from support.example import CHROMIUM, ENVIRON, ROOT, ExampleBuild, copy_example, playwright_or_skip
from support.hostile import build_hostile_fleet
from support.http_server import LocalServer, local_http_server

# Every test is marked unit, build or browser by its folder; `pytest -m unit` is the inner loop.
from support.markers import pytest_collection_modifyitems, pytest_ignore_collect  # noqa: F401  (hooks, as above)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh, writable copy of the example project."""
    return copy_example(tmp_path)


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> ExampleBuild:
    """The example project built once, with PDFs, into a temporary folder."""
    out = tmp_path_factory.mktemp("example-build") / "build"
    report = cobrand.build(ROOT, out_dir=out, jobs=2, environ=ENVIRON)
    return ExampleBuild(out, report)


@pytest.fixture(scope="session")
def awkward_build(tmp_path_factory: pytest.TempPathFactory) -> ExampleBuild:
    """The generated right-to-left / CJK / awkward-colour project (tests/support/awkward_project.py), built once
    with PDFs."""
    from support.awkward_project import write_awkward_project

    root = write_awkward_project(tmp_path_factory.mktemp("awkward") / "project")
    out = root.parent / "build"
    return ExampleBuild(out, cobrand.build(root, out_dir=out, jobs=2, environ=ENVIRON))


@pytest.fixture(scope="session")
def hostile_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, LocalServer, cobrand.BuildReport]]:
    """One project with one partner per hostile SVG (tests/support/hostile.py), built once for the build tests
    and the Chromium tests of it; a local server serves its output and records every path asked for."""
    proj = copy_example(tmp_path_factory.mktemp("hostile-svg"))
    (proj / "build").mkdir()
    with local_http_server(proj / "build") as server:
        yield proj, server, build_hostile_fleet(proj, server)


# Headless is Playwright's default; no sandbox (containers), no GPU, no calls home, nothing of a first run.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's chromium through Playwright, one per test module (Playwright's sync API runs one at a time, so
    not one per session: a module that starts its own would fail). Skips with the reason when missing."""
    sync_api = playwright_or_skip()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
