"""The page renderers: full (Jinja2), fast (skeletons) and verify (both, compared)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from jinja2 import Environment

from ...errors import CobrandError, UsageError

if TYPE_CHECKING:
    from .skeleton import Skeletons

RENDER_MODES = ("full", "fast", "verify")
DEFAULT_MODE = "fast"
ENVIRONMENT_VARIABLE = "COBRAND_RENDER"
PAGE_OWN = frozenset({"item", "og_image"})  # names of the render data that are the page's, not the partner's


class PageRequest(NamedTuple):
    """One page to render: its template, its data and how to render it in full."""

    template: str
    place: dict[str, Any]  # where the page is (folder, is_404, section): part of a skeleton's key
    data: dict[str, Any]  # the partner's data for templates, the page's item among them
    page_values: dict[str, Any]  # the page's own values (path, title, canonical...)
    owner: tuple[str, str]  # the partner's slug and the page's path
    full: Callable[[], str]  # the page rendered by its template


class PageRenderer(Protocol):
    """Renders pages of one theme; one instance per build process."""

    mode: str

    def render(self, request: PageRequest) -> str:
        """The page's HTML."""
        ...

    def switch_language(self, language: str) -> None:
        """The theme environment's strings are now those of the catalogue ``language``."""
        ...


class RenderMismatchError(CobrandError):
    """Verify mode: the fast renderer made a page that differs from the full renderer's."""


class FullRenderer:
    """Every page through its Jinja2 template."""

    mode = "full"

    def render(self, request: PageRequest) -> str:
        """The page's HTML, from its template."""
        return request.full()

    def switch_language(self, language: str) -> None:
        """Nothing to switch: the theme environment has the strings."""


class FastRenderer:
    """Pages filled from skeletons where one fits, else from the template."""

    mode = "fast"

    def __init__(self, env: Environment, compiled: Path | None = None) -> None:
        self._env = env
        self._compiled = compiled

    @functools.cached_property
    def skeletons(self) -> Skeletons:
        """The skeletons, made (and the skeleton engine, with Jinja2's extensions, imported) with the first page
        rendered: every build makes a renderer, and a rebuild with nothing to render renders no page."""
        from .skeleton import Skeletons

        return Skeletons(self._env, self._compiled)

    def render(self, request: PageRequest) -> str:
        """The page's HTML, from a skeleton of its template when one fits the partner."""
        from .skeleton import CONSTANT_NAMES  # imported with the skeletons (see skeletons)

        data = request.data
        constants = {name: value for name, value in data.items() if name in CONSTANT_NAMES}
        values = {name: value for name, value in data.items() if name not in CONSTANT_NAMES}
        # The page's path is a value like the partner's: the posts of a folder share skeletons.
        values |= {f"page.{name}": value for name, value in request.page_values.items()}
        page_names = _page_names(tuple(request.page_values))
        return self.skeletons.render(request.template, (request.template, *request.place.values()),
                                     constants | {"page": request.place}, values, request.owner, request.full,
                                     page_names)

    def switch_language(self, language: str) -> None:
        """Take the theme's strings of ``language`` into the skeletons' environment."""
        self.skeletons.switch_language(language)


@functools.lru_cache(maxsize=64)
def _page_names(page_values: tuple[str, ...]) -> frozenset[str]:
    """The names of a page's own values among a skeleton's values."""
    return frozenset(f"page.{name}" for name in page_values) | PAGE_OWN


class VerifyRenderer(FastRenderer):
    """Every page both ways; the first difference fails the page, naming its partner, path and line."""

    mode = "verify"

    def render(self, request: PageRequest) -> str:
        """The full renderer's page, once the fast renderer made the same."""
        fast = super().render(request)
        full = request.full()
        if fast != full:
            line, want, got = first_difference(full, fast)
            raise RenderMismatchError(
                f"verify: partner {request.owner[0]}, page {request.owner[1]}: the fast renderer differs from the "
                f"full renderer at line {line}\n  full: {want!r}\n  fast: {got!r}")
        return full


def first_difference(a: str, b: str) -> tuple[int, str, str]:
    """The first line (counted from 1) where ``a`` and ``b`` differ, and that line of each ("" past the end)."""
    lines_a, lines_b = a.splitlines(), b.splitlines()
    for number in range(max(len(lines_a), len(lines_b))):
        line_a = lines_a[number] if number < len(lines_a) else ""
        line_b = lines_b[number] if number < len(lines_b) else ""
        if line_a != line_b:
            return number + 1, line_a, line_b
    return max(len(lines_a), len(lines_b)) + 1, "", ""  # they differ in line endings only


def render_mode(requested: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The mode asked for: ``requested``, else ``COBRAND_RENDER``, else ``fast``; anything else is refused."""
    mode = requested or (os.environ if environ is None else environ).get(ENVIRONMENT_VARIABLE) or DEFAULT_MODE
    if mode not in RENDER_MODES:
        raise UsageError(f"{ENVIRONMENT_VARIABLE}={mode!r} is not a render mode; use one of {', '.join(RENDER_MODES)}")
    return mode


def make_renderer(mode: str, env: Environment, compiled: Path | None = None) -> PageRenderer:
    """The renderer of ``mode`` for the theme environment ``env``."""
    renderers: dict[str, Callable[[], PageRenderer]] = {
        "full": FullRenderer, "fast": lambda: FastRenderer(env, compiled),
        "verify": lambda: VerifyRenderer(env, compiled)}
    if mode not in renderers:
        raise UsageError(f"unknown render mode {mode!r}; use one of {', '.join(RENDER_MODES)}")
    return renderers[mode]()

