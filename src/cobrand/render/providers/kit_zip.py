"""The kit in one zip file, when the output plan says the kit holds anything."""

from __future__ import annotations

from collections.abc import Iterator

from ...jobs import HUB_ROOT, Job
from ..hub import zip_job
from ..outputs import OutputRequest


class KitZip:
    """The zip of the output plan's ``kit_files``, whose jobs the earlier providers made."""

    name = "kit-zip"
    writes_only = HUB_ROOT  # skipped by a build that does not write the hubs (--only site)

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """The zip's job, keyed on its files' keys; none when the kit is empty."""
        if request.output_plan.kit_zip is None:
            return
        made = {job.path: job for jobs in request.earlier.values() for job in jobs}
        yield zip_job(request.plan.partner, request.plan, request.output_plan, made)
