"""Markers for a fast inner loop: every test is ``unit``, ``build`` or ``browser`` (docs/contributing.md).

- ``unit``: pure tests that build nothing (they may load the example project or parse source): run
  ``pytest -m unit`` while changing code.
- ``browser``: tests that start Chromium (Playwright), Lighthouse or the Nu HTML checker (java, vnu.jar).
- ``build``: everything else: tests that build a project, run the CLI, serve, or run whole pytest sessions.

The marker comes from a table by test file rather than from folders, so that files need not move. A file
not in a table is ``build``: a new, unlisted test is never mistaken for a fast one. Inside a ``build``
file, a test that asks for a browser fixture or names Chromium is ``browser``. The markers are registered
in pyproject.toml; tests/conftest.py imports :func:`pytest_collection_modifyitems`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# Pure: they build no site and start no process (they may load the example project or read the source).
UNIT_FILES = frozenset({
    "test_architecture.py",
    "test_docs.py",
    "test_kinds.py",
    "test_networks.py",
    "test_plan.py",
    "test_program.py",
    "test_properties.py",
    "test_reference.py",
    "test_theme_environment.py",
    "test_tokens.py",
})
# Whole files about a browser, Lighthouse or the Nu HTML checker.
BROWSER_FILES = frozenset({
    "test_browser.py",
    "test_lighthouse.py",
    "test_validators_html.py",
})
# In other files, a test that uses one of these fixtures, or mentions Chromium in its name, starts a browser.
BROWSER_FIXTURES = frozenset({"browser", "chromium"})
BROWSER_NAME = re.compile(r"chromium|in_a_browser|browser_", re.IGNORECASE)


def kind_of(item: pytest.Item) -> str:
    """``unit``, ``build`` or ``browser`` for one collected test."""
    name = Path(str(item.fspath)).name
    if name in BROWSER_FILES:
        return "browser"
    if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())) or BROWSER_NAME.search(item.name):
        return "browser"
    return "unit" if name in UNIT_FILES else "build"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every collected test with its kind (``-m unit`` selects the fast inner loop)."""
    for item in items:
        item.add_marker(kind_of(item))
