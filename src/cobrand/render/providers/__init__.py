"""cobrand's own outputs, each an output provider (render/outputs.py ``OutputProvider``) that yields jobs.

:func:`builtin_providers` is the registry, in the order the providers run; plugins' providers come
after them (render/outputs.py runs both through the same seam). Each provider gets the partner's
:class:`~cobrand.render.outputs.OutputRequest`: its plan, its output plan (render/output_plan.py, which says
before any job is made what the partner gets), its template views (built from the output plan, read
only), its keys, and ``earlier``, the jobs of the providers before it by name. What one output needs of
another is taken from there (the hub's copies of the stylesheet and logos, the kit zip's files), never
left behind in shared state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..outputs import Providers
    from .services import RenderServices


def builtin_providers(renderer: RenderServices) -> Providers:
    """cobrand's providers in order: each may read the jobs of those before it (``OutputRequest.earlier``).

    They are imported here, when the first partner's jobs are made: a rebuild that finds every partner
    current makes none, and the providers bring in the e-mails' HTML and text tools (lxml) among others.
    """
    from ..feeds import SiteFeeds
    from .assets import ContentAssets, StaticFiles
    from .emails import Emails
    from .hub_copies import HubCopies
    from .hub_pages import HubPages
    from .images import Images
    from .kit_zip import KitZip
    from .logos import Logos
    from .pages import Pages
    from .pdfs import Pdfs
    from .social import SocialPack

    providers = (
        StaticFiles(renderer),  # the theme's static files, the vendor's logo (as PNG for e-mails)
        Logos(renderer),  # the partner's logo as loaded, its sized files and favicons
        HubCopies(("static", "logos")),  # the hub shows the same stylesheet, script and logos
        ContentAssets(renderer),  # content files the partner's pages show
        Images(renderer),  # Open Graph cards (site), social images and their previews (hub)
        Pages(renderer),  # the site's HTML pages
        Pdfs(renderer),  # PDFs and their thumbnails (site), the kit's copies and press PDFs (hub)
        SocialPack(),  # scheduler CSVs and the posts' copy (hub)
        KitZip(),  # the kit in one file, from the files the output plan lists
        HubPages(renderer),  # the hub's pages, its feed and robots.txt
        Emails(renderer),  # newsletter e-mails (hub)
        SiteFeeds(),  # feed.xml, sitemap.xml, robots.txt (site)
    )
    return tuple((None, provider) for provider in providers)
