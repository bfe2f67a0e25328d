"""Files every partner's site shows as they are: the theme's static files and the content's assets."""

from __future__ import annotations

from collections.abc import Iterator

from ...jobs import Job
from ..outputs import OutputRequest
from .services import RenderServices


class StaticFiles:
    """The theme's static files and the vendor's logo, as published, and (with images) the vendor's logo as
    the PNG e-mails show: the same jobs for every partner, made once by the renderer."""

    name = "static"

    def __init__(self, renderer: RenderServices) -> None:
        self.renderer = renderer

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """The renderer's static jobs."""
        yield from self.renderer.static_jobs


class ContentAssets:
    """The content files (pictures, audio) the partner's pages show, shared by partners of one selection."""

    name = "assets"

    def __init__(self, renderer: RenderServices) -> None:
        self.renderer = renderer

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """A job per content file the partner's items use."""
        yield from self.renderer.shared(request.plan).assets
