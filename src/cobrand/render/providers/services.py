"""What cobrand's output providers ask of the partner renderer (render/partner.py), which provides it.

The providers are typed against this protocol rather than the renderer, so they depend on what they use
and the renderer, which lists them, is not imported back by them.
"""

from __future__ import annotations

import gettext
from contextlib import AbstractContextManager
from typing import NamedTuple, Protocol

from jinja2 import Environment

from ...jobs import Job, Resolve
from ...models import Partner, Project
from ...plan import PartnerPlan
from ...tokens import TokenFiller
from ..context import PartnerViews
from ..engine.renderers import PageRenderer
from ..pdf import PdfRenderer, ReadScope
from ..site import Page


class Shared(NamedTuple):
    """The pages and content files of partners who get the same items, made once for all of them."""

    pages: list[tuple[Page, str]]  # the pages after the home page, each with the key of the item it shows, or ""
    assets: list[Job]  # content files the pages use


class RenderServices(Protocol):
    """The renderer's values and services that output providers read and call."""

    project: Project
    env: Environment  # the theme's templates
    pages: PageRenderer  # how pages are rendered: from skeletons, in full, or both compared
    filler: TokenFiller
    assets: dict[str, bytes]  # content files by path
    static_jobs: list[Job]  # the theme's static files and the vendor's logo, the same for every partner
    pdf_links: bool  # whether pages link to PDFs

    @property
    def languages(self) -> dict[str, gettext.NullTranslations]:
        """The theme's translations by language."""
        ...

    @property
    def item_keys(self) -> dict[str, str]:
        """Each item's key by variant id."""
        ...

    @property
    def pdf(self) -> PdfRenderer | None:
        """WeasyPrint's renderer, None when no PDF is made."""
        ...

    def shared(self, plan: PartnerPlan) -> Shared:
        """The pages and content files of partners who get ``plan``'s items."""
        ...

    def translate(self, partner: Partner) -> None:
        """Switch the theme's strings to the partner's language."""
        ...

    def make_page(self, partner: Partner, views: PartnerViews, page: Page, reads: dict[str, frozenset[str]],
                  _: Resolve | None, in_hub: bool = False) -> bytes:
        """Render a page of the site (or the hub), noting in ``reads`` what its templates read."""
        ...

    def recording(self, views: PartnerViews, path: str, own_item: str | None,
                  reads: dict[str, frozenset[str]]) -> AbstractContextManager[None]:
        """Record what the templates run inside the block read, as the inputs of the output at ``path``."""
        ...

    def read_scope(self, partner: Partner, plan: PartnerPlan) -> ReadScope:
        """What ``partner``'s PDFs may read."""
        ...

