"""cobrand's version is written once, in cobrand/version.py; the package's metadata takes it from there
(pyproject.toml's dynamic version), so the two cannot differ."""

from __future__ import annotations

from importlib import metadata

import cobrand


def test_the_installed_metadata_has_the_version_the_package_names() -> None:
    assert metadata.version("cobrand") == cobrand.__version__
    assert cobrand.__version__.count(".") == 2 and all(part.isdigit() for part in cobrand.__version__.split("."))
