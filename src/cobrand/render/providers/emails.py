"""Newsletter e-mails in the hub: each post the output plan lists, as HTML and plain text (render/newsletter.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...jobs import HUB, HUB_ROOT, Job
from ..outputs import OutputRequest
from .services import RenderServices

if TYPE_CHECKING:
    from ..plaintext import BlockMemo


class Emails:
    """Two jobs per post, keyed on the partner and the post alone."""

    name = "emails"
    writes_only = HUB_ROOT  # skipped by a build that does not write the hubs (--only site)

    def __init__(self, renderer: RenderServices) -> None:
        self.renderer = renderer
        self.memo: BlockMemo | None = None
        self.verify = renderer.pages.mode == "verify"

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """The e-mails' jobs, at their hub paths."""
        # Imported here: a build that writes no hub (--only site) needs neither the e-mails' HTML tools (lxml)
        # nor their text layout.
        from ..newsletter import NewsletterRenderer, email_jobs
        from ..plaintext import BlockMemo

        renderer = self.renderer
        if self.memo is None and renderer.pages.mode != "full":
            # The plain texts' laid-out blocks, shared by the partners this process renders
            # (render/plaintext.py). The page engine's switch covers it: no memo in full mode, each text
            # also made without it in verify.
            self.memo = BlockMemo()
        newsletter = NewsletterRenderer(renderer.env, request.project, renderer.translate, self.memo, self.verify)
        yield from email_jobs(newsletter, request.plan.partner, request.output_plan.emails, request.views,
                              request.keys.base, renderer.item_keys, renderer.assets, prefix=HUB)
