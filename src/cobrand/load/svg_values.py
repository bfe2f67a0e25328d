"""Values of SVG attributes and CSS properties, each parsed and re-emitted from what was parsed.

The allowlist of attributes and properties (:data:`PROPERTIES`, :data:`ATTRIBUTES`) and one check per
kind of value: numbers, lengths, colours (Pillow's CSS colour parser), keywords, path data, transforms,
font families, and ``url(#id)`` to an id of the same document. A check returns the value to emit, or
None when the value is not of its kind; nothing a partner wrote reaches the output unparsed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import tinycss2
from PIL import ImageColor

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?"
_NUMBER_RE = re.compile(_NUMBER)
_LENGTH_RE = re.compile(rf"({_NUMBER})(px|pt|pc|mm|cm|in|em|ex|%)?")
_SEPARATOR = re.compile(r"[\s,]+")
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")
_KEYWORDS = re.compile(r"[A-Za-z][A-Za-z0-9-]*(?: [A-Za-z][A-Za-z0-9-]*)*")
_PATH = re.compile(r"[MmZzLlHhVvCcSsQqTtAaEe0-9.,+\-\s]*")
_TRANSFORM = re.compile(r"\s*(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^()]*)\)\s*,?")
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,4}")
_FONT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _-]{0,63}")
_UNITS = frozenset({"px", "pt", "pc", "mm", "cm", "in", "em", "ex"})
_COLOR_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla"})


def _number(value: float) -> str | None:
    if not math.isfinite(value):
        return None
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _numbers(value: str) -> str | None:
    parts = [part for part in _SEPARATOR.split(value.strip()) if part]
    if not parts or not all(_NUMBER_RE.fullmatch(part) for part in parts):
        return None
    shown = [_number(float(part)) for part in parts]
    return None if None in shown else " ".join(shown)  # type: ignore[arg-type]


def _one_number(value: str) -> str | None:
    shown = _numbers(value)
    return shown if shown is not None and " " not in shown else None


def _lengths(value: str) -> str | None:
    parts = [part for part in _SEPARATOR.split(value.strip()) if part]
    shown = []
    for part in parts:
        match = _LENGTH_RE.fullmatch(part)
        number = _number(float(match.group(1))) if match else None
        if number is None:
            return None
        shown.append(number + (match.group(2) or ""))  # type: ignore[union-attr]
    return " ".join(shown) if shown else None


def _length(value: str) -> str | None:
    shown = _lengths(value)
    return shown if shown is not None and " " not in shown else None


def _keywords(value: str) -> str | None:
    value = " ".join(value.split())
    return value if _KEYWORDS.fullmatch(value) else None


def identifier(value: str) -> str | None:
    value = value.strip()
    return value if _ID.fullmatch(value) else None


def _identifiers(value: str) -> str | None:
    names = value.split()
    return " ".join(names) if names and all(_ID.fullmatch(name) for name in names) else None


def _path(value: str) -> str | None:
    value = " ".join(value.split())
    return value if _PATH.fullmatch(value) and len(value) <= 1_000_000 else None


def _transform(value: str) -> str | None:
    shown, position, value = [], 0, value.strip()
    while position < len(value):
        match = _TRANSFORM.match(value, position)
        if match is None:
            return None
        arguments = _numbers(match.group(2))
        if arguments is None:
            return None
        shown.append(f"{match.group(1)}({arguments})")
        position = match.end()
    return " ".join(shown) or None


def _language(value: str) -> str | None:
    value = value.strip()
    return value if _LANGUAGE.fullmatch(value) else None


def _text(value: str) -> str | None:
    value = " ".join(value.split())
    return value[:200] if value and value.isprintable() else None


def _tokens(value: str) -> list[tinycss2.ast.Node]:
    return [token for token in tinycss2.parse_component_value_list(value)
            if token.type not in {"whitespace", "comment"}]


def _css_color(token: tinycss2.ast.Node) -> str | None:
    """A colour token re-serialised as ``#rrggbb`` or ``rgba(...)``; None if it is not a plain colour."""
    if token.type == "ident":
        name = token.lower_value
        if name in {"currentcolor", "transparent", "none", "inherit"}:
            return {"currentcolor": "currentColor"}.get(name, name)
        if name not in ImageColor.colormap:
            return None
        text = name
    elif token.type == "hash":
        text = "#" + token.value
        if not re.fullmatch(r"#(?:[0-9A-Fa-f]{3,4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})", text):
            return None
    elif token.type == "function" and token.lower_name in _COLOR_FUNCTIONS:
        arguments = [argument for argument in token.arguments if argument.type not in {"whitespace", "comment"}]
        numbers = [argument for argument in arguments if not (argument.type == "literal" and argument.value == ",")]
        if not numbers or not all(argument.type in {"number", "percentage"} for argument in numbers):
            return None
        shown = [_number(argument.value) for argument in numbers]
        if None in shown:
            return None
        units = ["%" if argument.type == "percentage" else "" for argument in numbers]
        text = f"{token.lower_name}({','.join(f'{s}{u}' for s, u in zip(shown, units, strict=True))})"
    else:
        return None
    try:
        rgba = ImageColor.getrgb(text)
    except ValueError:
        return None
    if len(rgba) == 4 and rgba[3] != 255:
        return f"rgba({rgba[0]},{rgba[1]},{rgba[2]},{_number(round(rgba[3] / 255, 4))})"
    return "#{:02x}{:02x}{:02x}".format(*rgba[:3])


def _local_reference(token: tinycss2.ast.Node) -> str | None:
    """``url(#id)`` from a url token or url() function naming an id of this document; None otherwise."""
    if token.type == "url":
        target = token.value
    elif token.type == "function" and token.lower_name == "url":
        strings = [argument for argument in token.arguments if argument.type not in {"whitespace", "comment"}]
        if len(strings) != 1 or strings[0].type != "string":
            return None
        target = strings[0].value
    else:
        return None
    name = identifier(target[1:]) if target.startswith("#") else None
    return f"url(#{name})" if name else None


def _color(value: str) -> str | None:
    tokens = _tokens(value)
    return _css_color(tokens[0]) if len(tokens) == 1 else None


def _paint(value: str) -> str | None:
    tokens = _tokens(value)
    if not tokens or len(tokens) > 2:
        return None
    reference = _local_reference(tokens[0])
    if reference is None:
        return _css_color(tokens[0]) if len(tokens) == 1 else None
    if len(tokens) == 1:
        return reference
    fallback = _css_color(tokens[1])
    return f"{reference} {fallback}" if fallback else None


def _reference_or_none(value: str) -> str | None:
    tokens = _tokens(value)
    if len(tokens) != 1:
        return None
    if tokens[0].type == "ident" and tokens[0].lower_value in {"none", "inherit"}:
        return tokens[0].lower_value
    return _local_reference(tokens[0])


def _opacity(value: str) -> str | None:
    tokens = _tokens(value)
    if len(tokens) != 1 or tokens[0].type not in {"number", "percentage"}:
        return None
    shown = _number(tokens[0].value)
    return None if shown is None else shown + ("%" if tokens[0].type == "percentage" else "")


def _css_length(value: str) -> str | None:
    tokens = _tokens(value)
    if len(tokens) != 1:
        return None
    token = tokens[0]
    if token.type == "ident" and token.lower_value in {"normal", "inherit", "none"}:
        return token.lower_value
    if token.type == "dimension" and token.lower_unit not in _UNITS:
        return None
    if token.type not in {"number", "percentage", "dimension"}:
        return None
    shown = _number(token.value)
    if shown is None:
        return None
    return shown + {"percentage": "%", "dimension": getattr(token, "lower_unit", "")}.get(token.type, "")


def _keyword_or_length(value: str) -> str | None:
    return _keywords(value) or _css_length(value)


def _dash_array(value: str) -> str | None:
    return "none" if value.strip().lower() == "none" else _lengths(value)


def _font_family(value: str) -> str | None:
    names: list[str] = []
    current: list[str] = []
    for token in [*tinycss2.parse_component_value_list(value), tinycss2.ast.LiteralToken(0, 0, ",")]:
        if token.type == "literal" and token.value == ",":
            name = " ".join(current)
            if not _FONT_NAME.fullmatch(name):
                return None
            names.append(f"'{name}'" if " " in name else name)
            current = []
        elif token.type == "ident":
            current.append(token.value)
        elif token.type == "string" and not current:
            current.append(" ".join(token.value.split()))
        elif token.type not in {"whitespace", "comment"}:
            return None
    return ", ".join(names) if names else None


Check = Callable[[str], "str | None"]

# CSS properties that are also SVG presentation attributes, each with its value check.
PROPERTIES: dict[str, Check] = {
    "fill": _paint, "stroke": _paint,
    "color": _color, "stop-color": _color, "flood-color": _color, "lighting-color": _color,
    "opacity": _opacity, "fill-opacity": _opacity, "stroke-opacity": _opacity, "stop-opacity": _opacity,
    "flood-opacity": _opacity,
    "stroke-width": _css_length, "stroke-dashoffset": _css_length, "stroke-miterlimit": _opacity,
    "stroke-dasharray": _dash_array, "font-size": _keyword_or_length, "letter-spacing": _keyword_or_length,
    "word-spacing": _keyword_or_length, "baseline-shift": _keyword_or_length,
    "font-weight": lambda value: _keywords(value) or _one_number(value),
    "font-family": _font_family,
    "clip-path": _reference_or_none, "mask": _reference_or_none, "filter": _reference_or_none,
    "marker-start": _reference_or_none, "marker-mid": _reference_or_none, "marker-end": _reference_or_none,
    **{name: _keywords for name in (
        "fill-rule", "clip-rule", "stroke-linecap", "stroke-linejoin", "display", "visibility", "overflow",
        "text-anchor", "dominant-baseline", "alignment-baseline", "font-style", "font-variant", "font-stretch",
        "text-decoration", "writing-mode", "direction", "shape-rendering", "text-rendering", "image-rendering",
        "color-interpolation", "color-interpolation-filters", "paint-order", "vector-effect", "mask-type")},
}

# Other attributes (DOMPurify's svg attribute list, minus animation, SVG fonts and styling hooks).
ATTRIBUTES: dict[str, Check] = {
    **{name: _length for name in (
        "x", "y", "width", "height", "cx", "cy", "r", "rx", "ry", "x1", "y1", "x2", "y2", "fx", "fy", "fr",
        "refX", "refY", "markerWidth", "markerHeight", "textLength", "startOffset")},
    "dx": _lengths, "dy": _lengths,
    **{name: _numbers for name in (
        "viewBox", "points", "values", "kernelMatrix", "tableValues", "stdDeviation", "baseFrequency", "order",
        "radius", "kernelUnitLength", "rotate")},
    **{name: _one_number for name in (
        "offset", "pathLength", "k", "k1", "k2", "k3", "k4", "amplitude", "exponent", "intercept", "slope",
        "scale", "seed", "numOctaves", "divisor", "bias", "targetX", "targetY", "surfaceScale", "diffuseConstant",
        "specularConstant", "specularExponent", "azimuth", "elevation", "limitingConeAngle", "pointsAtX",
        "pointsAtY", "pointsAtZ", "z", "version")},
    **{name: _keywords for name in (
        "preserveAspectRatio", "gradientUnits", "patternUnits", "patternContentUnits", "clipPathUnits",
        "maskUnits", "maskContentUnits", "filterUnits", "primitiveUnits", "markerUnits", "spreadMethod",
        "lengthAdjust", "method", "spacing", "operator", "mode", "type", "edgeMode", "preserveAlpha",
        "stitchTiles", "xChannelSelector", "yChannelSelector", "orient", "role", "side")},
    "in": identifier, "in2": identifier, "result": identifier, "id": identifier,
    "d": _path, "transform": _transform, "gradientTransform": _transform, "patternTransform": _transform,
    "aria-label": _text, "aria-hidden": _keywords, "aria-labelledby": _identifiers,
    "aria-describedby": _identifiers,
    "lang": _language, "systemLanguage": lambda value: ",".join(filter(None, map(_language, value.split(","))))
    or None,
}
