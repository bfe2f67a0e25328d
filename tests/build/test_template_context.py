"""docs/templates.md lists every value templates see, found by rendering the example pages.

The generator is scripts/gen_template_context.py.
"""

from __future__ import annotations

from types import ModuleType

import pytest

from support.example import ROOT
from support.scripts import load_script

SCRIPT = ROOT / "scripts" / "gen_template_context.py"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_script("gen_template_context")


@pytest.fixture(scope="module")
def observed(generator: ModuleType) -> tuple[set[str], set[str], dict[str, set[str]], set[str]]:
    return generator.observe()


def test_every_value_templates_see_is_described_and_every_description_is_seen(generator, observed) -> None:
    context, page, items, globals_ = observed
    seen = context | page | set(items) | globals_
    # What the default theme reads must be among what the pages are given, so the observation is real.
    assert {"partner.name", "posts", "page.path", "item.body", "item.variants", "url", "networks"} <= seen
    assert {"blog", "one-pagers", "media", "social"} <= items["item.title"]
    undescribed = sorted(seen - set(generator.DESCRIPTIONS))
    assert not undescribed, ("template values without a description: add them to DESCRIPTIONS in "
                             f"scripts/gen_template_context.py and run it: {undescribed}")
    unseen = sorted(set(generator.DESCRIPTIONS) - seen)
    assert not unseen, f"described in scripts/gen_template_context.py but no page gets them: {unseen}"


def test_the_committed_reference_is_what_the_pages_are_given(generator) -> None:
    committed = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    assert committed == generator.generate(), (
        "docs/templates.md is out of date: run .venv/bin/python scripts/gen_template_context.py")
