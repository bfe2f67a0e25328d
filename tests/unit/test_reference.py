"""docs/reference.md is generated from the pydantic schemas (scripts/gen_reference.py) and cannot drift."""

from __future__ import annotations

import typing

import pytest
from pydantic import BaseModel

from cobrand import schemas
from support.example import ROOT
from support.scripts import load_script


@pytest.fixture(scope="module")
def generator():
    return load_script("gen_reference")


@pytest.fixture(scope="module")
def reference(generator) -> str:
    """What the generator writes today, generated once for the tests that only read it."""
    return generator.generate()


def test_the_committed_reference_is_what_the_schemas_generate(reference) -> None:
    committed = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert committed == reference, (
        "docs/reference.md is out of date: run .venv/bin/python scripts/gen_reference.py")


def test_every_key_of_every_schema_is_in_the_reference(generator, reference) -> None:
    # Walk the models independently of the generator's row-making: each field name appears as a key row.
    text = reference
    seen = 0
    for _, _, model in generator.DOCUMENTS:
        pending = [("", model)]
        while pending:
            prefix, schema = pending.pop()
            hints = typing.get_type_hints(schema, vars(schemas), include_extras=True)
            for name in schema.model_fields:
                assert f"| `{prefix}{name}` |" in text, f"{schema.__name__}.{name} is missing"
                seen += 1
                annotation = hints[name]
                if typing.get_origin(annotation) is dict:
                    value = typing.get_args(annotation)[1]
                    if isinstance(value, type) and issubclass(value, BaseModel):
                        pending.append((f"{prefix}{name}.<name>.", value))
                for inner in typing.get_args(annotation) or (annotation,):
                    if isinstance(inner, type) and issubclass(inner, BaseModel) and typing.get_origin(
                            annotation) is not dict:
                        pending.append((f"{prefix}{name}.", inner))
    assert "| `personalize.<name>.max_length` |" in text and seen > 100


def test_the_reference_states_defaults_limits_and_rules(reference) -> None:
    text = reference
    assert '| `site.theme` | string | default: `"default"` |' in text
    assert "| `brand.vendor_max_ratio` | number | default: `0.6` | > 0; <= 1 |" in text
    assert "An http(s) URL that contains `{partner}` and ends with `/`" in text
    assert "| `tiers.order` | list of string | **required** |" in text


def test_a_type_the_generator_cannot_describe_is_an_error(generator) -> None:
    with pytest.raises(ValueError, match="cannot describe"):
        generator.describe_type(complex)


def test_check_mode_reports_a_stale_file(generator, tmp_path, monkeypatch) -> None:
    stale = tmp_path / "reference.md"
    stale.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(generator, "OUTPUT", stale)
    monkeypatch.setattr(generator, "ROOT", tmp_path)
    assert generator.main(["--check"]) == 1
    assert generator.main([]) == 0
    assert generator.main(["--check"]) == 0
