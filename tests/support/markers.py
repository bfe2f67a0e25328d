"""Markers for a fast inner loop: every test is ``unit``, ``build`` or ``browser`` by its folder
(docs/contributing.md).

- ``tests/unit``: pure tests that build nothing (they may load the example project or parse source): run
  ``pytest tests/unit`` (or ``pytest -m unit``) while changing code.
- ``tests/build``: tests that build a project, run the CLI, serve, or run whole pytest sessions.
- ``tests/browser``: tests that start Chromium (Playwright), Lighthouse or the Nu HTML checker.

The folder is the marker, so a test's kind is where it is written; a test outside the three folders is
``build`` (never mistaken for a fast one). Until the last browser tests leave tests/build, a test there that
asks for a browser fixture or names Chromium is ``browser`` too, so ``-m "not browser"`` stays browser-free.
The markers are registered in pyproject.toml; tests/conftest.py imports :func:`pytest_collection_modifyitems`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

KINDS = ("unit", "build", "browser")
BROWSER_FIXTURES = frozenset({"browser", "chromium"})
BROWSER_NAME = re.compile(r"chromium|in_a_browser|browser_", re.IGNORECASE)


def kind_of(item: pytest.Item) -> str:
    """``unit``, ``build`` or ``browser`` for one collected test: the name of its folder under tests/."""
    folder = Path(str(item.path)).parent.name
    kind = folder if folder in KINDS else "build"
    if kind == "build" and (BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))
                            or BROWSER_NAME.search(item.name)):
        return "browser"
    return kind


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every collected test with its folder's kind (``-m unit`` selects the fast inner loop)."""
    for item in items:
        item.add_marker(kind_of(item))
