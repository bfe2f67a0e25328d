"""The contract between render and write: a :class:`Job` says how to make one output file and under which key.

A neutral module (issue 22): the renderer makes jobs, the writer runs them and records their keys, the
build and the distributed executor pass them along, and none of them imports another's internals for it
(tests/unit/test_architecture.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from .cache import digest
from .errors import UsageError

Resolve = Callable[[str], bytes]

# A partner has two output roots: its public site (``<out>/<slug>/``) and its hub (``<hub_out>/<slug>/``).
# One partner's jobs share one namespace, so a hub output can be made from a site output's bytes (the kit's
# copy of a datasheet PDF): a hub job's path carries this prefix, which no site path can start with.
HUB = "hub:"


def hub_path(path: str) -> str:
    """The job path of the hub file at ``path`` (inside the partner's hub folder)."""
    return HUB + path


# The two roots by name, as ``cobrand build --only`` names them: a build covers one or both.
SITE_ROOT, HUB_ROOT = "site", "hub"
ROOT_ORDER = (SITE_ROOT, HUB_ROOT)
BOTH_ROOTS: frozenset[str] = frozenset(ROOT_ORDER)


def roots_named(only: str | None) -> frozenset[str]:
    """The roots a build with ``--only`` ``only`` writes: both without it."""
    if only is None:
        return BOTH_ROOTS
    if only not in BOTH_ROOTS:
        raise UsageError(f"--only must be one of {', '.join(ROOT_ORDER)}, not {only!r}")
    return frozenset({only})


def root_of(path: str) -> str:
    """The root (:data:`SITE_ROOT` or :data:`HUB_ROOT`) of the output at job path ``path``."""
    return HUB_ROOT if path.startswith(HUB) else SITE_ROOT


def split_root(path: str) -> tuple[bool, str]:
    """Whether the job path is the hub's, and the file's path inside its root's partner folder."""
    return (True, path[len(HUB):]) if path.startswith(HUB) else (False, path)


@dataclass(frozen=True)
class Output:
    """One file of a partner's site: its path inside the partner folder and its bytes."""

    path: str
    data: bytes


class Job(NamedTuple):  # a tuple, not a frozen dataclass: a build makes one per output, cheaply
    """How to make one output: ``make`` receives a resolver for other outputs' bytes.

    A templated output's ``key`` names the inputs every such output reads; ``extras`` has the
    key of each input it may read besides (CARDS, BODIES, DATE of render/context.py). Making it
    records in ``reads`` (by path) which of those its templates read, and the key recorded
    names them, so the next build re-renders it only when one of them, or ``key``, changed.
    """

    path: str
    key: str
    make: Callable[[Resolve], bytes]
    costly: bool = False  # PDFs and images: worth keeping in the shared store
    extras: dict[str, str] | None = None
    reads: dict[str, frozenset[str]] | None = None
    # The content items (``kind/slug``) this output is part of: a page, its PDF and images, an asset it shows.
    # The writer records them, so that an item withheld later keeps these files where they were (issue 20).
    items: tuple[str, ...] = ()

    def made_key(self) -> str:
        """The key to record once the output is made."""
        if self.extras is None or self.reads is None:
            return self.key
        names = sorted(name for name in self.reads.get(self.path, ()) if name in self.extras)  # others: in key
        return _with_reads(self.key, self.extras, names) if names else self.key

    def matches(self, recorded: str | None) -> bool:
        """True when an output recorded under ``recorded`` was made from these inputs."""
        if recorded is None or recorded == self.key:
            return recorded is not None
        if self.extras is None or not recorded.startswith(self.key + "+"):
            return False
        names = recorded.partition(":")[0].split("+")[1:]
        return all(name in self.extras for name in names) and recorded == _with_reads(self.key, self.extras, names)


def _with_reads(key: str, extras: dict[str, str], names: list[str]) -> str:
    """The key of an output made from ``key``'s inputs and those of ``names``: it lists the names, so the
    next build knows which inputs' keys to compare."""
    return f"{key}+{'+'.join(names)}:{digest(key, *(extras[name] for name in names))}"
