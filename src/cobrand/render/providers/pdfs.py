"""PDFs of the items that have one (the output plan's ``pdf_items``): each published on the site beside its
page with a picture of its first page, copied into the hub's kit (the same bytes, never a second render),
and with ``[print] press`` a press PDF (bleed, crop marks) in the kit only."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from ...cache import digest
from ...jobs import Job, Resolve, hub_path
from ...models import ContentItem
from ..context import BODIES, CARDS, DATE
from ..hub import copies, pdf_copy
from ..images import direction_of
from ..logos import print_logo_files
from ..output_plan import press_path
from ..outputs import OutputRequest
from ..pdf import PdfFetchError, ReadScope, first_page_thumbnail
from ..site import page_place
from .images import webp_job
from .services import RenderServices


class Pdfs:
    """Per PDF item: the site's PDF, its thumbnail PNG and WebP, the kit's copy, the thumbnails' hub copies, and
    the press PDF."""

    name = "pdfs"

    def __init__(self, renderer: RenderServices) -> None:
        self.renderer = renderer

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """The PDFs' jobs; none when PDFs are not made."""
        outputs = request.output_plan
        if not outputs.pdf_items:
            return
        renderer, plan = self.renderer, request.plan
        scope = renderer.read_scope(plan.partner, plan)
        keys = request.keys
        extras = {CARDS: keys.listing, BODIES: keys.with_bodies, DATE: request.project.today.isoformat()}
        reads: dict[str, frozenset[str]] = {}  # what each PDF's templates read, filled as they are made
        site_jobs, hub_jobs = [], []
        for item in outputs.pdf_items:
            assert item.kit_pdf_path is not None
            pdf = self._pdf_job(request, item, scope, extras, reads)
            png = Job(outputs.thumbnails[item.key], digest(pdf.key, "thumbnail", str(outputs.thumbnail_size)),
                      _thumbnail_maker(pdf.path, outputs.thumbnail_size), costly=True, items=pdf.items)
            thumbnails = [png, webp_job(png)]
            site_jobs += [pdf, *thumbnails]
            hub_jobs += [pdf_copy(pdf, item.kit_pdf_path), *copies(thumbnails)]
            if outputs.press:
                hub_jobs.append(self._pdf_job(request, item, scope, extras, reads, press=True))
        yield from site_jobs
        yield from hub_jobs

    def _pdf_job(self, request: OutputRequest, item: ContentItem, scope: ReadScope, extras: dict[str, str],
                 reads: dict[str, frozenset[str]], press: bool = False) -> Job:
        assert item.pdf_path is not None and item.kit_pdf_path is not None
        renderer, project, views = self.renderer, request.project, request.views
        partner = request.plan.partner
        # The press PDF (bleed, crop marks) is for the partner's printer: in the hub's kit only.
        path = press_path(item.kit_pdf_path) if press else item.pdf_path
        job_path = hub_path(path) if press else path
        page = {"path": item.pdf_path} | page_place(item.pdf_path)

        def make(_: Resolve) -> bytes:
            renderer.translate(partner)
            template = renderer.env.get_template("print/one-pager.html")
            # Both logos trimmed of their margins, handed to WeasyPrint in memory.
            files, generated = print_logo_files(partner.logo, project.vendor.logo, views.common["lockup"]["print"])
            with renderer.recording(views, job_path, item.key, reads):
                html = template.render(views.common | {"item": views.items[item.key], "files": files,
                                                       "page": page, "direction_of": direction_of})
            identifier = hashlib.sha256(f"{partner.slug}/{path}".encode()).hexdigest()[:32]
            try:
                assert renderer.pdf is not None
                return renderer.pdf.render(html, project.root / "content" / item.kind, identifier.encode(), scope,
                                           press, generated)
            except PdfFetchError as error:
                error.source = item.source
                raise

        return Job(job_path, digest(request.keys.base, path, renderer.item_keys[item.variant_id]), make,
                   costly=True, extras=extras, reads=reads, items=(item.key,))


def _thumbnail_maker(pdf_path: str, size: tuple[int, int]) -> Callable[[Resolve], bytes]:
    return lambda resolve: first_page_thumbnail(resolve(pdf_path), size)
