"""The documentation's links resolve, and README keeps the Quickstart that .ci/run and users rely on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support.example import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_names_a_file_that_exists(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if not (document.parent / path).exists():
            broken.append(target)
    assert not broken, f"{document.relative_to(ROOT)}: links to nothing: {broken}"


def test_readme_keeps_the_two_quickstart_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/setup && .venv/bin/cobrand build" in text
    assert "bash scripts/setup && .venv/bin/python -m pytest" in text
    assert ".venv/bin/python -m pytest" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_links_every_document_in_docs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    unlinked = [path.name for path in DOCUMENTS[1:] if f"](docs/{path.name})" not in text]
    assert not unlinked, f"README.md does not link {unlinked}"


def test_readme_stays_an_introduction() -> None:
    # The user guide, reference and internals live in docs/ (docs/contributing.md): a new section belongs there.
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = re.findall(r"(?m)^##+ (.+)$", text)
    assert sections == ["Quickstart", "Documentation"], (
        f"README.md has sections {sections}: move new ones to docs/guide.md or docs/internals.md")
