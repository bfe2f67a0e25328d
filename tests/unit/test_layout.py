"""The layout of the tests: every test file sits in tests/unit, tests/build or tests/browser, and pytest
collects all three folders (pytest's default norecursedirs holds ``build``, which would skip tests/build)."""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from pathlib import Path

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


BROWSER_FIXTURES = {"chromium", "browser"}  # conftest's, and the name browser tests once gave their own


def starts_a_browser(path: Path) -> list[str]:
    """What in a test file reaches for a browser: an import of Playwright or of playwright_or_skip, or a test
    asking for a browser fixture."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom | ast.Import):
            names = [getattr(node, "module", None) or ""] + [alias.name for alias in node.names]
            found += [name for name in names if "playwright" in name]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "importorskip":
            found += [ast.unparse(node)] if "playwright" in ast.unparse(node) else []
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            found += [f"{node.name}({arg.arg})" for arg in node.args.args if arg.arg in BROWSER_FIXTURES]
    return found


def test_only_tests_in_tests_browser_start_a_browser() -> None:
    elsewhere = {path.relative_to(TESTS).as_posix(): starts_a_browser(path)
                 for kind in ("unit", "build") for path in sorted((TESTS / kind).glob("test_*.py"))}
    assert {name: found for name, found in elsewhere.items() if found} == {}
    # The check can fail: the browser tests are found by it.
    assert starts_a_browser(TESTS / "browser" / "test_hostile_svg_in_chromium.py")
    assert starts_a_browser(TESTS / "browser" / "test_raw_html_in_chromium.py")


def test_a_marker_expression_of_kinds_alone_prunes_the_folders_it_rules_out() -> None:
    from support.markers import selects

    assert not selects("unit", "build") and not selects("unit", "browser") and selects("unit", "unit")
    assert selects("not browser", "build") and not selects("not browser", "browser")
    assert not selects("(unit or browser) and not unit", "unit") and selects("unit or browser", "browser")
    # Anything else (another marker, a typo, no -m at all) collects every folder: never fewer tests.
    assert selects("", "build") and selects("slow", "build") and selects("unit and slow", "unit")
    assert selects("__import__('os')", "build")
