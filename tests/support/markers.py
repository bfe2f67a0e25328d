"""Markers for a fast inner loop: every test is ``unit``, ``build`` or ``browser`` by its folder
(docs/contributing.md).

- ``tests/unit``: pure tests that build nothing (they may load the example project or parse source): run
  ``pytest tests/unit`` (or ``pytest -m unit``) while changing code.
- ``tests/build``: tests that build a project, run the CLI, serve, or run whole pytest sessions.
- ``tests/browser``: tests that start Chromium (Playwright), Lighthouse or the Nu HTML checker.

The folder is the marker, so a test's kind is where it is written; a test outside the three folders is
``build`` (never mistaken for a fast one). tests/unit/test_layout.py checks that no test outside
tests/browser starts a browser, so ``-m "not browser"`` runs none.
The markers are registered in pyproject.toml; tests/conftest.py imports :func:`pytest_collection_modifyitems`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

KINDS = ("unit", "build", "browser")


def kind_of(path: Path) -> str:
    """``unit``, ``build`` or ``browser`` for a test file: the name of its folder under tests/."""
    folder = path.parent.name
    return folder if folder in KINDS else "build"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every collected test with its folder's kind (``-m unit`` selects the fast inner loop)."""
    for item in items:
        item.add_marker(kind_of(Path(str(item.path))))
