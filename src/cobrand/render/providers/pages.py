"""The partner site's HTML pages: the home page, then the listings and item pages of its selection."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from ...jobs import Job
from ..context import BODIES, DATE
from ..outputs import OutputRequest
from ..site import home_page
from .services import RenderServices


class Pages:
    """A job per page, keyed on the cards of what it lists (and its own item); a page that read a body or
    the date says so (``extras``, ``reads``: the writer keys it on them too)."""

    name = "pages"

    def __init__(self, renderer: RenderServices) -> None:
        self.renderer = renderer

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """The pages' jobs, in the order of :attr:`OutputRequest.pages`."""
        renderer, views = self.renderer, request.views
        partner = request.plan.partner
        reads: dict[str, frozenset[str]] = {}  # filled as the pages are made
        listing_half = request.keys.listing[:32]
        extras = {BODIES: request.keys.with_bodies, DATE: request.project.today.isoformat()}
        for page, own in [(home_page(partner), ""), *renderer.shared(request.plan).pages]:
            yield Job(page.path, listing_half + own, functools.partial(renderer.make_page, partner, views, page, reads),
                      extras=extras, reads=reads, items=(page.item_key,) if page.item_key else ())
