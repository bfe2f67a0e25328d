"""The suite's fixtures and hooks; helpers the tests import live in the ``support`` package (tests/support/).

Tests sit in three folders, and the folder is the marker (tests/support/markers.py): ``tests/unit`` (pure,
builds nothing; ``pytest -m unit`` or ``pytest tests/unit`` is the inner loop), ``tests/build`` (builds, CLI,
serve) and ``tests/browser`` (Chromium, Lighthouse, the Nu HTML checker). See docs/contributing.md.

The example project at the repository root is built once per session (with PDFs, jobs=2, a fixed
SOURCE_DATE_EPOCH) and every test that only reads the output reuses that build.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cobrand

# With COBRAND_CI=1 (set by .ci/run) any skipped test fails the run; see tests/support/ci_skips.py.
from support.ci_skips import pytest_configure  # noqa: F401  (a pytest hook: pytest finds it by name here)
from support.example import ENVIRON, ROOT, ExampleBuild, copy_example

# Every test is marked unit, build or browser by its folder; `pytest -m unit` is the inner loop.
from support.markers import pytest_collection_modifyitems  # noqa: F401  (a pytest hook, as above)


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
