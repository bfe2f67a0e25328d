"""Markers for a fast inner loop: every test is ``unit``, ``build`` or ``browser`` by its folder
(docs/contributing.md).

- ``tests/unit``: pure tests that build nothing (they may load the example project or parse source): run
  ``pytest tests/unit`` (or ``pytest -m unit``) while changing code.
- ``tests/build``: tests that build a project, run the CLI, serve, or run whole pytest sessions.
- ``tests/browser``: tests that start Chromium (Playwright), Lighthouse or the Nu HTML checker.

The folder is the marker, so a test's kind is where it is written; a test outside the three folders is
``build`` (never mistaken for a fast one). tests/unit/test_layout.py checks that no test outside
tests/browser starts a browser, so ``-m "not browser"`` runs none.
The markers are registered in pyproject.toml; tests/conftest.py imports the two hooks below.

Since the folder is the marker, a marker expression made of the three kinds alone (``-m unit``,
``-m "not browser"``) tells which folders hold no selected test: :func:`pytest_ignore_collect` does not
collect those, so ``-m unit`` does not import the build and browser modules only to deselect them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

KINDS = ("unit", "build", "browser")
TESTS = Path(__file__).resolve().parents[1]
OPERATORS = {"and", "or", "not"}


def kind_of(path: Path) -> str:
    """``unit``, ``build`` or ``browser`` for a test file: the name of its folder under tests/."""
    folder = path.parent.name
    return folder if folder in KINDS else "build"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every collected test with its folder's kind (``-m unit`` selects the fast inner loop)."""
    for item in items:
        item.add_marker(kind_of(Path(str(item.path))))


def selects(expression: str, kind: str) -> bool:
    """Whether ``-m expression`` can select a test of ``kind``; True unless the expression names nothing but
    the three kinds (with and, or, not, parentheses) and rules ``kind`` out."""
    words = set(re.findall(r"[^\s()]+", expression))
    if not expression.strip() or not words - OPERATORS <= set(KINDS):
        return True
    # Only kind names, operators and parentheses: a Python boolean expression over the three names.
    return bool(eval(expression, {"__builtins__": {}}, {name: name == kind for name in KINDS}))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip collecting tests/build or tests/browser when the ``-m`` expression rules its kind out."""
    parts = collection_path.relative_to(TESTS).parts if collection_path.is_relative_to(TESTS) else ()
    if parts and parts[0] in KINDS and not selects(config.getoption("markexpr", "") or "", parts[0]):
        return True  # files too: pytest does not ask about a folder given as an argument (testpaths)
    return None
