"""Newsletter e-mails in the hub: each post the output plan lists, as HTML and plain text (render/newsletter.py)."""

from __future__ import annotations

from collections.abc import Iterator

from ...jobs import Job, hub_path
from ...models import Partner
from ..email_skeleton import EmailSkeletons
from ..i18n import catalogue_language
from ..newsletter import NewsletterRenderer, email_jobs
from ..outputs import OutputRequest
from ..plaintext import BlockMemo
from .services import RenderServices


class Emails:
    """Two jobs per post, keyed on the partner and the post alone."""

    name = "emails"

    def __init__(self, renderer: RenderServices) -> None:
        self.renderer = renderer
        # The plain texts' laid-out blocks, shared by the partners this process renders (render/plaintext.py).
        # The page engine's switch covers it: no memo in full mode, each text also made without it in verify.
        self.memo = None if renderer.pages.mode == "full" else BlockMemo()
        self.verify = renderer.pages.mode == "verify"
        # The HTML e-mails' skeletons (render/email_skeleton.py), under the same switch: none in full mode,
        # every e-mail also made in full and compared in verify.
        self.skeletons = None if renderer.pages.mode == "full" else EmailSkeletons()

    def _language(self, partner: Partner) -> str:
        """The theme catalogue the renderer's ``translate`` installs for ``partner`` (part of a skeleton's key)."""
        return catalogue_language(self.renderer.languages, partner.data.locale)

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """The e-mails' jobs, at their hub paths."""
        renderer = self.renderer
        newsletter = NewsletterRenderer(renderer.env, request.project, renderer.translate, self.memo, self.verify,
                                        self.skeletons, self._language)
        jobs = email_jobs(newsletter, request.plan.partner, request.output_plan.emails, request.views,
                          request.keys.base, renderer.item_keys, renderer.assets)
        yield from (job._replace(path=hub_path(job.path)) for job in jobs)
