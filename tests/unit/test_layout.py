"""The layout of the tests: every test file sits in tests/unit, tests/build or tests/browser, and pytest
collects all three folders (pytest's default norecursedirs holds ``build``, which would skip tests/build)."""

from __future__ import annotations

import fnmatch
import tomllib

from support.example import ROOT
from support.markers import KINDS

TESTS = ROOT / "tests"
PYTEST = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]


def test_every_test_file_sits_in_a_folder_that_names_its_kind() -> None:
    files = sorted(TESTS.rglob("test_*.py"))
    misplaced = [path.relative_to(TESTS).as_posix() for path in files
                 if path.parent.parent != TESTS or path.parent.name not in KINDS]
    assert files and not misplaced, f"move these into tests/unit, tests/build or tests/browser: {misplaced}"


def test_pytest_collects_the_three_folders() -> None:
    assert PYTEST["testpaths"] == [f"tests/{kind}" for kind in KINDS]
    ignored = [kind for kind in KINDS for pattern in PYTEST["norecursedirs"] if fnmatch.fnmatch(kind, pattern)]
    assert "norecursedirs" in PYTEST and not ignored, f"norecursedirs would skip tests/{ignored}"


def test_helpers_live_in_the_support_package_only() -> None:
    helpers = sorted(path.relative_to(TESTS).as_posix() for path in TESTS.rglob("*.py")
                     if not path.name.startswith("test_") and path.name != "conftest.py"
                     and "plugins" not in path.relative_to(TESTS).parts)
    assert helpers and all(name.startswith("support/") for name in helpers), helpers
    assert sorted(path.relative_to(TESTS).as_posix() for path in TESTS.rglob("conftest.py")) == ["conftest.py"]
