"""Parse TOML and YAML files and validate them against a schema.

Every error of a file becomes a :class:`Problem` naming the file, the dotted
field and, where we can find it, the line, and all of them are returned
together (MkDocs' config validation collects errors the same way).
"""

from __future__ import annotations

import difflib
import functools
import re
import typing
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import Problem

if TYPE_CHECKING:
    import yaml

M = TypeVar("M", bound=BaseModel)
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_TOML_TABLE_TWICE = re.compile(r"Cannot declare \((.*?),?\) twice")


def parse_toml(text: str, file: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse TOML text; a syntax error becomes a Problem with its line.

    A key given twice is an error (TOML forbids it and tomllib refuses it); the message names the key.
    """
    import tomllib  # here: a rebuild that finds every TOML file's result in its saved state parses none

    try:
        return tomllib.loads(text), []
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        return None, [Problem(file, "invalid TOML: arrays or tables nested too deeply")]
    except tomllib.TOMLDecodeError as error:
        match = _TOML_POSITION.search(str(error))
        line = int(match.group(1)) if match else None
        column = f" (column {match.group(2)})" if match else ""
        message = _TOML_POSITION.sub("", str(error))
        if message.startswith("Cannot overwrite a value") and (duplicate := duplicate_toml_key(text)) is not None:
            key, line, first = duplicate
            return None, [Problem(file, f"invalid TOML: key {key!r} is given twice (first on line {first})",
                                  line=line)]
        table = _TOML_TABLE_TWICE.fullmatch(message)
        if table is not None:
            name = ".".join(_toml_key_path(table.group(1)))
            return None, [Problem(file, f"invalid TOML: table [{name}] is declared twice", line=line)]
        return None, [Problem(file, f"invalid TOML: {message}{column}", line=line)]


_TOML_BARE_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
# Compiled by re when first used: only the message of a refused file needs them.
_TOML_KEY_LINE = rf"\s*({_TOML_BARE_KEY}(?:\s*\.\s*{_TOML_BARE_KEY})*)\s*="
_TOML_TABLE_LINE = rf"\s*\[\s*({_TOML_BARE_KEY}(?:\s*\.\s*{_TOML_BARE_KEY})*)\s*\]"


def duplicate_toml_key(text: str) -> tuple[str, int, int] | None:
    """The first dotted key that TOML text sets twice, with the line of its repeat and of its first use.

    Only for messages, after tomllib refused the text: tomllib says "Cannot overwrite a value" without
    the key, often at "end of document". Multi-line strings and arrays are not followed, so a key-like
    line inside one could be taken for a key; the message is then vaguer, never wrong about the refusal.
    """
    seen: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.lstrip().startswith("[["):
            table = ("[[",)  # array of tables: each entry is a new table; not tracked
            continue
        header = re.match(_TOML_TABLE_LINE, raw)
        if header:
            table = _toml_key_path(header.group(1))
            continue
        assignment = re.match(_TOML_KEY_LINE, raw)
        if assignment is None or table == ("[[",):
            continue
        path = (*table, *_toml_key_path(assignment.group(1)))
        if path in seen:
            return ".".join(path), number, seen[path]
        seen[path] = number
    return None


def _toml_key_path(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in re.findall(_TOML_BARE_KEY, dotted))


@functools.cache
def yaml_loader() -> type[yaml.SafeLoader]:
    """The YAML loader of content files, made (and PyYAML imported) when the first YAML is read: a rebuild
    whose saved state knows every file reads none."""
    import yaml

    class StrictYamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        """The safe loader (libyaml's when PyYAML was built with it, several times faster), refusing duplicate
        keys.

        PyYAML keeps the last of two equal keys; YAML 1.2 says keys are unique. ``<<`` merge keys are
        YAML's way to override on purpose and stay allowed.
        """

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            """A mapping, refused with the repeated key's position when a key appears twice."""
            if isinstance(node, yaml.MappingNode):
                first: dict[Any, yaml.Node] = {}
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node, deep=True)
                    try:
                        earlier = first.setdefault(key, key_node)
                    except TypeError:  # an unhashable key: the constructor below reports it
                        continue
                    if earlier is not key_node:
                        # The earlier key's mark as context: parse_yaml turns both into file lines.
                        raise yaml.constructor.ConstructorError(None, earlier.start_mark,
                                                                f"found duplicate key {key!r}", key_node.start_mark)
            result: dict[Any, Any] = super().construct_mapping(node, deep=deep)
            return result

    return StrictYamlLoader


def parse_yaml(text: str, file: str, line_offset: int = 0) -> tuple[Any, dict[str, int], list[Problem]]:
    """Parse YAML text; returns the data, the line of each top-level key, problems."""
    import yaml

    loader = yaml_loader()(text)
    try:
        node = loader.get_single_node()  # one parse gives the data and the line of each key
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 + line_offset if mark is not None else None
        reason = getattr(error, "problem", None) or str(error)
        first = getattr(error, "context_mark", None)
        if reason.startswith("found duplicate key") and first is not None:
            reason += f" (first on line {first.line + 1 + line_offset}); each key may appear once"
        return None, {}, [Problem(file, f"invalid YAML: {reason}", line=line)]
    except (ValueError, TypeError, AttributeError) as error:  # e.g. date: 2026-02-30
        return None, {}, [_bad_value(text, file, line_offset, error)]
    except RecursionError:
        return None, {}, [Problem(file, "invalid YAML: nested too deeply")]
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = key_node.start_mark.line + 1 + line_offset
    return data, lines, []


def _bad_value(text: str, file: str, line_offset: int, error: Exception) -> Problem:
    """Find the top-level key whose value YAML could not construct, for the message's field and line."""
    import yaml

    node = yaml.compose(text, Loader=yaml_loader())
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            try:
                yaml.SafeLoader("").construct_object(value_node, deep=True)
            except RecursionError:
                return Problem(file, "invalid YAML: nested too deeply", field=str(key_node.value),
                               line=key_node.start_mark.line + 1 + line_offset)
            except (ValueError, TypeError, AttributeError) as found:
                return Problem(file, f"invalid value: {found}", field=str(key_node.value),
                               line=key_node.start_mark.line + 1 + line_offset)
    return Problem(file, f"invalid YAML value: {error}")


def validate(
    schema: type[M],
    data: Any,
    file: str,
    *,
    key_lines: dict[str, int] | None = None,
    toml_text: str | None = None,
    context: dict[str, Any] | None = None,
) -> tuple[M | None, list[Problem]]:
    """Validate ``data`` against ``schema``; on failure return every error as a Problem."""
    if not isinstance(data, dict):
        return None, [Problem(file, "must be a table of keys and values")]
    try:
        return schema.model_validate(data, context=context), []
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            path = [str(part) for part in detail["loc"]]
            field = ".".join(path) or None
            message = _message(detail, schema, path)
            line = None
            if key_lines and path:
                line = key_lines.get(path[0])
            elif toml_text is not None and path:
                line = toml_line(toml_text, path)
            problems.append(Problem(file, message, field=field, line=line))
        return None, problems


def _message(detail: Any, schema: type[BaseModel], path: list[str]) -> str:
    kind = detail["type"]
    if kind == "extra_forbidden":
        known = _known_fields(schema, path[:-1])
        guess = difflib.get_close_matches(path[-1], known, n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else f"; known fields: {', '.join(known)}"
        return f"unknown field{hint}"
    if kind == "missing":
        return "is required"
    message = str(detail["msg"])
    return message.removeprefix("Value error, ")


def _known_fields(schema: type[BaseModel], path: Iterable[str]) -> list[str]:
    model: Any = schema
    for part in path:
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is not None:
            annotation = field.annotation
        elif hasattr(model, "model_fields") and model.model_config.get("extra") == "allow":
            # A table of named tables ([tiers.<name>]): pydantic validates extra keys with this type.
            extra = typing.get_type_hints(model).get("__pydantic_extra__")
            annotation = typing.get_args(extra)[1] if extra is not None else None
        else:
            return []
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
        else:
            return []
    return sorted(model.model_fields)


def toml_line(text: str, path: list[str]) -> int | None:
    """Best-effort line of a dotted key in TOML text, for error messages."""
    table: list[str] = []
    key_pattern = re.compile(r'^\s*"?([A-Za-z0-9_-]+)"?\s*=')
    header_pattern = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-\"]+)\s*\]")
    target = path if not path[-1].isdigit() else path[:-1]
    for number, raw in enumerate(text.splitlines(), start=1):
        header = header_pattern.match(raw)
        if header:
            table = header.group(1).replace('"', "").split(".")
            if table == target:
                return number
            continue
        key = key_pattern.match(raw)
        if key and [*table, key.group(1)] == target:
            return number
    return None
