"""The social pack's files in the kit: a scheduler CSV per network and the posts' copy (render/schedule.py,
render/kit.py), for partners with social posts (the output plan lists them)."""

from __future__ import annotations

from collections.abc import Iterator

from ...cache import digest
from ...jobs import HUB_ROOT, Job
from ..hub import social_jobs
from ..outputs import OutputRequest


class SocialPack:
    """The CSVs (keyed on the cards and the day: they schedule from today) and the posts' copy."""

    name = "social-pack"
    writes_only = HUB_ROOT  # skipped by a build that does not write the hubs (--only site)

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """The social pack's jobs, none without social posts."""
        listing = request.keys.listing
        dated = digest(listing, request.project.today.isoformat())
        yield from social_jobs(request.views, request.output_plan, request.project, dated, listing)
