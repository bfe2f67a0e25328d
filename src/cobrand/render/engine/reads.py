"""What a template read while it ran: the names of the context it looked up, and the page's values.

A page's key must name everything the page shows. Listing those inputs by
hand missed one (``build_date``); instead, as Lektor's ``record_dependency``
does, rendering records what the templates actually read, and the page's
recorded key names the inputs behind each of those reads (render/partner.py).

Two kinds of read are recorded into every open recorder of the environment:

- a name of the data the render was given (``build_date``, ``posts``), when a
  template (or one it includes or extends) looks it up;
- a value of the page (``page.path``), as ``"page.<key>"``, when a template
  reads it from a :class:`PageView`; ``"page.*"`` when it took the whole dict.

Names a template sets itself are not reads: what they hold was computed from
reads that are recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from jinja2.runtime import Context, missing

WHOLE_PAGE = "page.*"


class Recording(Protocol):
    """An environment that records reads: ``recorders`` holds the open recorders, innermost last."""

    recorders: list[set[str]]


class ReadingContext(Context):
    """Jinja2's context, recording each name it finds in the data the render was given."""

    def resolve_or_missing(self, key: str) -> Any:
        # Jinja2's own lookup, in its order (see Context.resolve_or_missing).
        if key in self.vars:
            return self.vars[key]
        if key in self.parent:
            for reads in self.environment.recorders:  # type: ignore[attr-defined]
                reads.add(key)
            return self.parent[key]
        return missing


@contextmanager
def recording(env: Recording) -> Iterator[set[str]]:
    """Record the reads of what runs inside the block (nested recorders see them too)."""
    reads: set[str] = set()
    env.recorders.append(reads)
    try:
        yield reads
    finally:
        env.recorders.pop()


def replay(env: Recording, reads: set[str] | frozenset[str]) -> None:
    """Record ``reads`` as if they were made now (output reused from a run that made them)."""
    for recorder in getattr(env, "recorders", ()):  # an environment that records nothing has none
        recorder.update(reads)


class PageView(dict[str, Any]):
    """The ``page`` of the template context: a dict that records which of its values are read."""

    __slots__ = ("_recorders",)

    def __init__(self, values: dict[str, Any], recorders: list[set[str]]) -> None:
        super().__init__(values)
        self._recorders = recorders

    def _read(self, name: str) -> None:
        for recorder in self._recorders:
            recorder.add(name)

    def raw(self, key: str) -> Any:
        """The value of ``key`` without recording a read (for keys of cached fragments)."""
        return dict.get(self, key)

    def __getitem__(self, key: str) -> Any:
        self._read(f"page.{key}")
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        self._read(f"page.{key}")
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        self._read(f"page.{key}")
        return dict.__contains__(self, key)

    def _whole(self) -> None:
        self._read(WHOLE_PAGE)

    def __iter__(self) -> Iterator[str]:
        self._whole()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._whole()
        return dict.__len__(self)

    def keys(self) -> Any:
        self._whole()
        return dict.keys(self)

    def values(self) -> Any:
        self._whole()
        return dict.values(self)

    def items(self) -> Any:
        self._whole()
        return dict.items(self)

    def copy(self) -> dict[str, Any]:
        self._whole()
        return dict(dict.items(self))

    def __or__(self, other: Any) -> Any:
        self._whole()
        return dict(dict.items(self)) | other

    def __reduce__(self) -> Any:  # only whole: a pickled page (never done by cobrand) is all of it
        self._whole()
        return (dict, (dict(dict.items(self)),))

    def __repr__(self) -> str:
        self._whole()
        return dict.__repr__(self)
