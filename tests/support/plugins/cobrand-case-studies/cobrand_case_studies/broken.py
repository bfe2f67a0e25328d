"""Plugins whose hooks raise: what a vendor sees when an enabled plugin fails."""

from __future__ import annotations

from cobrand.plugins import AfterBuild, PageEvent, Plugin


class BrokenPage(Plugin):
    """Fails on every page it is given."""

    def on_page(self, event: PageEvent) -> bytes:
        raise RuntimeError(f"cannot rewrite {event.path}")


class BrokenAfterBuild(Plugin):
    """Fails once the partners are built, naming how many there were."""

    def on_after_build(self, event: AfterBuild) -> None:
        raise RuntimeError(f"cannot publish {len(event.report.partners)} partners")
