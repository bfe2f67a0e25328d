"""The partner hub's pages (program, what's new, kit, social pack, e-mails' index, 404), its Atom feed of
what's new and its robots.txt (render/hub.py)."""

from __future__ import annotations

from collections.abc import Iterator

from ...jobs import HUB_ROOT, Job
from ..context import BODIES, DATE
from ..hub import HubRequest, hub_jobs
from ..i18n import for_locale
from ..outputs import OutputRequest
from .services import RenderServices


class HubPages:
    """The hub's pages, keyed on the partner, its items' cards and those its next tier adds."""

    name = "hub-pages"
    writes_only = HUB_ROOT  # skipped by a build that does not write the hubs (--only site)

    def __init__(self, renderer: RenderServices) -> None:
        self.renderer = renderer

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """The hub's page jobs, its feed and robots.txt."""
        renderer, project, plan = self.renderer, request.project, request.plan
        partner = plan.partner
        keys = request.keys
        reads: dict[str, frozenset[str]] = {}  # filled as the pages are made
        extras = {BODIES: keys.with_bodies, DATE: project.today.isoformat()}
        strings = for_locale(renderer.languages, partner.data.locale)
        yield from hub_jobs(HubRequest(
            project, plan, request.views, renderer.filler,
            keys.program, keys.base, extras, reads,
            lambda hub_views, page: renderer.make_page(partner, hub_views, page, reads, None, in_hub=True),
            lambda: strings.gettext("What's new"), bool(request.output_plan.emails), renderer.pdf_links))
