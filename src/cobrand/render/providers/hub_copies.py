"""The hub's copies of site files: its pages show the same stylesheet, script and logos as the site's."""

from __future__ import annotations

from collections.abc import Iterator

from ...jobs import HUB_ROOT, Job
from ..hub import copies
from ..outputs import OutputRequest


class HubCopies:
    """A hub copy of every job of the earlier providers named ``of`` (same key, the site file's bytes)."""

    name = "hub-copies"
    writes_only = HUB_ROOT  # skipped by a build that does not write the hubs (--only site)

    def __init__(self, of: tuple[str, ...]) -> None:
        self.of = of

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """The copies, in the order of the providers named and their jobs."""
        for name in self.of:
            yield from copies(request.earlier[name])
