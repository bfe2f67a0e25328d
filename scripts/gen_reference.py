"""Write docs/reference.md: every key of cobrand.toml, partner.toml and content front matter.

Generated from the pydantic schemas in src/cobrand/schemas.py, so the reference cannot drift from what
cobrand accepts: tests/unit/test_reference.py regenerates it and fails when the committed file differs.
For each key: its type (with the rule of each validator, from the validator's docstring), whether it is
required or its default, its limits, and its description (a field's ``description``, else the comments
written beside or just above it in schemas.py). Run ``.venv/bin/python scripts/gen_reference.py`` after
changing a schema.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import sys
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import annotated_types
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from cobrand import schemas

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "reference.md"

# The schemas a user writes, with where they live and what their keys are called.
DOCUMENTS: tuple[tuple[str, str, type[BaseModel]], ...] = (
    ("cobrand.toml", "The project's configuration at its root.", schemas.ProjectFile),
    ("partners/<slug>/partner.toml", "One partner's data.", schemas.PartnerFile),
    ("Front matter of content/blog/<slug>.md", "A blog post's YAML front matter.", schemas.PageFile),
    ("Front matter of content/one-pagers/<slug>.md", "A one-pager's YAML front matter; it also gets a PDF.",
     schemas.OnePagerFile),
    ("Front matter of content/media/<slug>.md", "A video's or podcast's YAML front matter; the body is the "
     "transcript.", schemas.MediaFile),
    ("content/social/<slug>.yaml", "A social post, with a variant per network.", schemas.SocialFile),
)

SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean",
                           dt.date: "date (YYYY-MM-DD)"}


def _comments(model: type[BaseModel]) -> dict[str, str]:
    """The comments beside each field of ``model``'s own class body, and those on the lines just above it."""
    try:
        lines = inspect.getsource(model).splitlines()
    except (OSError, TypeError):
        return {}
    found: dict[str, str] = {}
    above: list[str] = []
    for line in lines[1:]:
        stripped = line.strip()
        if stripped.startswith("#"):
            above.append(stripped.lstrip("# ").strip())
            continue
        match = re.match(r"\s{4}([a-z_][a-z0-9_]*)\s*:", line)
        if match:
            beside = line.split("  # ", 1)[1].strip() if "  # " in line else ""
            found[match.group(1)] = " ".join([*above, beside]).strip()
        above = []
    return found


def _limits(metadata: list[Any]) -> list[str]:
    """Human-readable limits from a field's or type's metadata (lengths, bounds, patterns)."""
    limits: list[str] = []
    for item in metadata:
        for name, label in (("min_length", "length >= {}"), ("max_length", "length <= {}"),
                            ("ge", ">= {}"), ("gt", "> {}"), ("le", "<= {}"), ("lt", "< {}"),
                            ("pattern", "matches `{}`")):
            value = getattr(item, name, None)
            if value is not None and not isinstance(item, FieldInfo):
                limits.append(label.format(value))
        # pydantic turns Field(min_length=...) into annotated_types.Len
        if isinstance(item, annotated_types.Len) and item.min_length:
            limits.append(f"length >= {item.min_length}")
        if isinstance(item, AfterValidator):
            doc = inspect.getdoc(item.func)
            if doc:
                limits.append(doc.splitlines()[0].rstrip("."))
    return limits


def describe_type(annotation: Any) -> tuple[str, list[str]]:
    """``annotation`` as words, and the limits its ``Annotated`` metadata adds."""
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        words, limits = describe_type(base)
        return words, limits + _limits(metadata)
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in get_args(annotation) if arg is not type(None)]
        parts = [describe_type(option) for option in options]
        return " or ".join(words for words, _ in parts), [limit for _, limits in parts for limit in limits]
    if origin is Literal:
        return "one of " + ", ".join(f"`{value!r}`".replace("'", '"') for value in get_args(annotation)), []
    if origin is list:
        words, limits = describe_type(get_args(annotation)[0])
        return f"list of {words}", [f"each: {limit}" for limit in limits]
    if origin is dict:
        key, value = get_args(annotation)
        key_words, key_limits = describe_type(key)
        value_words, value_limits = describe_type(value)
        return (f"table of {key_words} keys to {value_words}",
                [f"key: {limit}" for limit in key_limits] + [f"value: {limit}" for limit in value_limits])
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return "table", []
    if annotation in SCALARS:
        return SCALARS[annotation], []
    raise ValueError(f"scripts/gen_reference.py cannot describe the type {annotation!r}: add it")


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    value = info.default_factory() if info.default_factory is not None else info.default  # type: ignore[call-arg]
    if value is None or value is PydanticUndefined:
        return "optional"
    if isinstance(value, BaseModel):
        return "optional"
    if isinstance(value, dict) and value and all(isinstance(v, BaseModel) for v in value.values()):
        return "default: " + ", ".join(f"`{key}`" for key in value)
    if isinstance(value, bool):
        return f"default: `{str(value).lower()}`"
    if isinstance(value, str):
        return f'default: `"{value}"`'
    if value == [] or value == {}:
        return "default: empty"
    return f"default: `{value}`"


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    """The schema classes inside ``annotation`` (``X``, ``X | None``, ``dict[str, X]``)."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _nested_models(arg)]


def _rst(text: str) -> str:
    """Docstring markup (``x``) as Markdown (`x`), on one line."""
    return " ".join(text.replace("``", "`").split())


def _own_doc(model: type[BaseModel]) -> str:
    """``model``'s own docstring (not one inherited from a base class), on one line."""
    doc = model.__dict__.get("__doc__")
    return _rst(inspect.cleandoc(doc)) if doc else ""


def _validator_rules(model: type[BaseModel]) -> tuple[dict[str, list[str]], list[str]]:
    """The first docstring line of each validator: per field, and for the whole table."""
    decorators = model.__pydantic_decorators__
    per_field: dict[str, list[str]] = {}
    for decorator in decorators.field_validators.values():
        rule = _rst((inspect.getdoc(decorator.func) or decorator.func.__name__.strip("_").replace("_", " ")
                     ).splitlines()[0]).rstrip(".")
        for name in decorator.info.fields:
            per_field.setdefault(name, []).append(rule)
    whole = [_rst((inspect.getdoc(decorator.func) or decorator.func.__name__.strip("_").replace("_", " ")
                   ).splitlines()[0]) for decorator in decorators.model_validators.values()]
    return per_field, whole


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    """Table rows for ``model``'s keys under ``prefix``, each nested table's rows right after its own."""
    comments: dict[str, str] = {}
    for klass in reversed(model.__mro__):  # inherited fields keep the comments of the class that declares them
        if inspect.isclass(klass) and issubclass(klass, BaseModel) and klass is not BaseModel:
            comments.update(_comments(klass))
    per_field, whole = _validator_rules(model)
    hints = typing.get_type_hints(model, vars(schemas), include_extras=True)
    rows: list[str] = []
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        annotation = hints[name]  # with its Annotated metadata, which pydantic's FieldInfo keeps only in part
        words, limits = describe_type(annotation)
        limits = list(dict.fromkeys(_limits(list(info.metadata)) + limits + per_field.get(name, [])))
        inner = _nested_models(annotation)
        description = info.description or comments.get(name, "") or (_own_doc(inner[0]) if inner else "")
        if inner:
            rules = _validator_rules(inner[0])[1]
            description = " ".join([description, *rules]).strip()
        cells = [f"`{key}`", words, _default(info), "; ".join(_rst(limit) for limit in limits), _rst(description)]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        for model_inside in inner:
            is_map = get_origin(annotation) is dict or any(get_origin(arg) is dict for arg in get_args(annotation))
            rows += _rows(model_inside, f"{key}.<name>." if is_map else f"{key}.")
    extra = hints.get("__pydantic_extra__")
    if extra is not None:  # named tables beside the keys ([tiers.<name>]): the type pydantic validates them with
        table = get_args(extra)[1]
        cells = [f"`{prefix}<name>`", "table", "optional", "", _own_doc(table)]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        rows += _rows(table, f"{prefix}<name>.")
    del whole
    return rows


def generate() -> str:
    """The whole of docs/reference.md."""
    out = ["# Reference: every key of cobrand.toml, partner.toml and front matter", "",
           "<!-- Generated by scripts/gen_reference.py from src/cobrand/schemas.py: do not edit by hand. -->",
           "", "Unknown keys are errors (a typo is reported with the key it most resembles). A key in a",
           "nested table is written with dots: `vendor.colors.primary` is `primary` in `[vendor.colors]`.",
           "Limits on text count characters after surrounding white space is stripped.", ""]
    for title, intro, model in DOCUMENTS:
        rules = " ".join(_validator_rules(model)[1])
        out += [f"## {title}", "", " ".join(part for part in (intro, _own_doc(model), rules) if part), "",
                "| key | type | required / default | limits | description |", "|---|---|---|---|---|"]
        out += _rows(model, "")
        out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """Write docs/reference.md (or, with ``--check``, exit 1 when it differs from what would be written)."""
    text = generate()
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run .venv/bin/python scripts/gen_reference.py")
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
