"""The sandbox content tokens run in: Jinja2's immutable sandbox with bounded work.

Jinja2's sandbox keeps tokens away from Python's internals, but not from
making huge values: ``{{ partner.name * 10**9 }}`` or ``{{ 9**9**9 }}`` would
run out of memory or spend minutes in one multiplication. Here every operator
that can grow a value is checked before it runs (the size of the result is
known from the operands), filters are an allowlist of those whose output is
bounded by their input, and method calls take no huge numbers and may not
return huge values. A refused token raises :class:`SecurityError`, which the
token filler reports with the file and line it was written on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sized
from typing import Any

from jinja2 import StrictUndefined
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

# No token has a reason to make more text than a page holds: personalisation values are at most
# 5,000 characters, and a token may join a few of them.
MAX_TOKEN_LENGTH = 20_000
# Integers beyond 2**256 are no partner data; their arithmetic is where 9**9**9 spends its minutes.
MAX_INTEGER_BITS = 256
# Filters whose output is bounded by their input (so by the data tokens read). Left out: those that pad
# or repeat to a width given as an argument (center, indent, wordwrap, format, batch, slice), `safe`
# (a partner's value would become HTML), `random` (output would differ between identical builds).
ALLOWED_FILTERS = frozenset({
    "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
    "forceescape", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
    "rejectattr", "replace", "reverse", "round", "select", "selectattr", "sort", "string", "striptags", "sum",
    "title", "trim", "truncate", "unique", "upper", "urlencode", "wordcount",
})
_SEQUENCES = (str, bytes, list, tuple)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox whose operators, filters and calls cannot make huge values."""

    intercepted_binops = frozenset({"*", "**", "%", "+", "-", "/", "//"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _bounded(name, function) for name, function in self.filters.items()
                        if name in ALLOWED_FILTERS}

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` is refused: its widths (``'{:>999999999}'``) are in the format string."""
        if super().wrap_str_format(value) is not None:
            def refuse(*args: Any, **kwargs: Any) -> str:
                raise SecurityError("str.format is not supported in content tokens; join values with '~'")

            return refuse
        return None

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Run ``left <operator> right`` if its result has a bounded size; refuse it otherwise."""
        _check_binop(operator, left, right)
        try:
            result = self.binop_table[operator](left, right)
        except (ArithmeticError, ValueError) as error:  # 1/0, float overflow: the token's fault, said plainly
            raise SecurityError(f"{operator!r} failed: {error}") from None
        return _checked_result(result, operator)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call a method from a token, with no huge number among its arguments and no huge result."""
        name = getattr(__obj, "__name__", "call")
        _check_arguments(name, args, kwargs)
        _check_growth(name, getattr(__obj, "__self__", None), (*args, *kwargs.values()))
        return _checked_result(super().call(__context, __obj, *args, **kwargs), name)


def bounded_sandbox() -> BoundedSandbox:
    """The environment content tokens run in: no globals, strict names, bounded work."""
    env = BoundedSandbox(undefined=StrictUndefined, finalize=lambda value: "" if value is None else value)
    env.globals.clear()
    return env


def _size(value: Any) -> int | None:
    return _weight(value) if isinstance(value, _SEQUENCES) else None


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "%" and isinstance(left, str | bytes):
        # printf formatting takes its widths from the format string ('%0999999999d'): not offered to content.
        raise SecurityError("'%' formatting is not supported in content tokens; join values with '~'")
    if operator == "*":
        for sequence, times in ((left, right), (right, left)):
            size = _size(sequence)
            if size is not None and isinstance(times, int) and size * max(times, 0) > MAX_TOKEN_LENGTH:
                raise SecurityError(f"repeating {size} items {times} times makes more than "
                                    f"{MAX_TOKEN_LENGTH} characters or items")
        if _is_int(left) and _is_int(right) and left.bit_length() + right.bit_length() > MAX_INTEGER_BITS:
            raise SecurityError(f"the product is larger than 2**{MAX_INTEGER_BITS}")
    if operator == "**" and _is_int(left) and _is_int(right) and abs(left) > 1 and right > 0:
        bits = right * math.log2(abs(left))
        if bits > MAX_INTEGER_BITS:
            raise SecurityError(f"the power is larger than 2**{MAX_INTEGER_BITS}")
    if operator == "+":
        left_size, right_size = _size(left), _size(right)
        if left_size is not None and right_size is not None and left_size + right_size > MAX_TOKEN_LENGTH:
            raise SecurityError(f"joining makes more than {MAX_TOKEN_LENGTH} characters or items")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_arguments(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if _is_int(value) and abs(value) > MAX_TOKEN_LENGTH:
            raise SecurityError(f"{name}() was given {value}; numbers passed in tokens are at most "
                                f"{MAX_TOKEN_LENGTH}")


def _weight(value: Any) -> int:
    """Characters in a string, or in the strings of a list (other items count one)."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, list | tuple):
        return sum(len(item) if isinstance(item, str | bytes) else 1 for item in value)
    return 1


def _check_growth(name: str, base: Any, args: tuple[Any, ...]) -> None:
    """Refuse a call whose result could be huge, before it runs.

    ``sep.join(items)``, ``text.replace(old, new)`` and the like make at most the size of what they
    work on times the largest argument, plus the arguments themselves.
    """
    if not isinstance(base, str | bytes | list | tuple):
        return
    weights = [_weight(value) for value in args]
    estimate = _weight(base) * max([1, *weights]) + sum(weights)
    if estimate > MAX_TOKEN_LENGTH:
        raise SecurityError(f"{name}() could make {estimate} characters or items; a token makes at most "
                            f"{MAX_TOKEN_LENGTH}")


def _checked_result(result: Any, name: str) -> Any:
    if isinstance(result, Sized) and not isinstance(result, dict) and len(result) > MAX_TOKEN_LENGTH:
        raise SecurityError(f"{name} made {len(result)} characters or items; a token makes at most "
                            f"{MAX_TOKEN_LENGTH}")
    if _is_int(result) and result.bit_length() > MAX_INTEGER_BITS:
        raise SecurityError(f"{name} made a number larger than 2**{MAX_INTEGER_BITS}")
    return result


def _bounded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` (a filter) with its numeric arguments and its result checked."""

    # The value comes first, after the context or environment for filters marked to receive one.
    skip = 2 if hasattr(function, "jinja_pass_arg") else 1

    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(name, args[skip:], kwargs)
        if len(args) >= skip:
            _check_growth(name, args[skip - 1], (*args[skip:], *kwargs.values()))
        return _checked_result(function(*args, **kwargs), name)

    if hasattr(function, "jinja_pass_arg"):  # Jinja2 passes the context or environment to marked filters
        bounded.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    bounded.__name__ = getattr(function, "__name__", name)
    return bounded
