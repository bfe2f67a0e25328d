"""A partner's hub: the partner-facing folder beside its public site (``<hub_out>/<slug>/``).

The hub holds what is for the partner, not its customers: the program page, what's new, the kit
(every PDF, the zip, thumbnails, scheduler CSVs, social copy) and the social pack. Its jobs share the
partner's job namespace with the site's (their paths carry :data:`cobrand.jobs.HUB`), so the kit's copy
of a datasheet is the site's PDF, made once, and files both roots show (the stylesheet, the logos) are
made once and copied. Every hub page is ``noindex, nofollow`` and names no canonical URL; links from
the hub to the partner's public pages are absolute, and nothing on the public site links here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from jinja2 import Environment

from ..cache import digest
from ..jobs import Job, Resolve, hub_path
from ..kinds import Kinds
from ..models import Partner, Project
from ..plan import PartnerPlan
from ..tokens import TokenFiller
from .context import CARDS, DATE, SITE_AND_PARTNER, PartnerViews, frozen, partner_url
from .crawlers import HUB_ROBOTS
from .engine.reads import PageView
from .engine.renderers import FullRenderer, PageRenderer, PageRequest
from .fragments import reset_fragments
from .output_plan import OutputPlan
from .site import Page, page_place

# What makes the hub's files (the program with its dataclasses, the feed, the kit's zip and copy, the scheduler
# CSVs) is imported where a file is made: every build imports this module, a rebuild with nothing to do makes
# no hub file (benchmarks/README.md, issue 22).

EMAIL_INDEX = "email/index.html"  # lists the newsletter e-mails (render/newsletter.py) beside them


def hub_pages(plan: PartnerPlan, kinds: Kinds, *, email: bool = False) -> list[Page]:
    """The hub's pages: program, what's new, kit, the kinds the hub lists (the social pack) where the partner
    has items of them, the e-mails' index, 404.

    ``email`` is whether the partner gets newsletter e-mails (the navigation links them then).
    """
    pages = [Page("index.html", "hub/index.html", "Program"),
             Page("new.html", "hub/new.html", "What's new"),
             Page("kit.html", "hub/kit.html", "Download kit")]
    pages += [Page(kind.listing.path, kind.listing.template, kind.listing.title) for kind in kinds
              if kind.listing is not None and kind.listing.hub and (kind.listing.when_empty or plan.of_kind(kind.name))]
    if email:
        pages.append(Page(EMAIL_INDEX, "hub/email.html", "E-mail"))
    pages.append(Page("404.html", "hub/404.html", "Page not found"))
    return pages


@dataclass(frozen=True)
class HubRequest:
    """What the hub's pages, feed and e-mails are made from: the partner's render, as the site's jobs left it.

    ``key`` names the partner, the cards of its items and of the items its next tier adds (the program page
    shows their counts); ``make_page`` renders a hub page with the hub's views; ``feed_title`` is "What's new"
    in the partner's language; ``email`` says whether the partner gets newsletter e-mails (render/newsletter.py).
    """

    project: Project
    plan: PartnerPlan
    views: PartnerViews
    filler: TokenFiller
    key: str
    base: str
    extras: dict[str, str]
    reads: dict[str, frozenset[str]]
    make_page: Callable[[PartnerViews, Page], bytes]
    feed_title: Callable[[], str]
    email: bool
    pdf_links: bool = True  # False: no PDF is made (a preview), so nothing links to one


def hub_jobs(request: HubRequest) -> list[Job]:
    """The hub's pages (keyed like the site's, on what their templates read), its Atom feed of what's new and
    robots.txt."""
    project, plan, views = request.project, request.plan, request.views
    made: list[PartnerViews] = []

    def views_of_hub() -> PartnerViews:  # made when the first hub page or the feed is: the program costs
        if not made:
            from ..program import hub_view

            program = hub_view(project, plan, request.filler, body_lang=views.common["ui_lang"],
                               pdf_links=request.pdf_links)
            made.append(hub_views(project, plan, views, program, email=request.email))
        return made[0]

    def maker(page: Page) -> Callable[[Resolve], bytes]:
        return lambda _: request.make_page(views_of_hub(), page)

    def feed(_: Resolve) -> bytes:
        from .hub_feed import hub_feed

        return hub_feed(project, plan.partner, views_of_hub().common["hub"], request.feed_title())

    jobs = [Job(hub_path(page.path), request.key, maker(page), extras=request.extras, reads=request.reads)
            for page in hub_pages(plan, project.kinds, email=request.email)]
    # What's new depends on the day: the feed is keyed on it.
    jobs.append(Job(hub_path("feed.xml"), digest(request.key, project.today.isoformat(), "feed.xml"), feed))
    return [*jobs, robots_job(request.base)]


def hub_views(project: Project, plan: PartnerPlan, views: PartnerViews, program: dict[str, Any] | None = None,
              email: bool = False) -> PartnerViews:
    """The template data of the hub's pages: the site's, with the hub's navigation and links.

    ``program`` is the program and what's-new data (``views.common["hub"]``, :func:`cobrand.program.hub_view`).
    """
    partner = plan.partner
    common = views.common | {
        # Hub links are relative: the hub's address is unknown (it is often behind access control).
        "home_url": "",
        "site_url": partner_url(project, partner),  # the partner's public home, for absolute links to its pages
        "hub_nav": {"social": bool(plan.social), "email": email},
        "hub": program,
    }
    # The program reads the cards of the partner's items and of its next tier's (the hub pages' key names
    # both) and the day (what's new, what expires).
    inputs = views.inputs | {"home_url": SITE_AND_PARTNER, "site_url": SITE_AND_PARTNER,
                             "hub_nav": frozenset({CARDS}),
                             "hub": frozenset({CARDS, DATE})}
    # Fresh caches: the hub's pages have other names in common than the site's.
    return dataclasses.replace(views, common=frozen(common), inputs=MappingProxyType(inputs), _constants={},
                               _inputs_of={})


def render_hub_page(env: Environment, project: Project, partner: Partner, views: PartnerViews, page: Page,
                    renderer: PageRenderer | None = None) -> bytes:
    """Render one hub page to UTF-8 bytes: no canonical URL, no social card; links to the vendor carry the
    partner's tracking as on its site."""
    place = page_place(page.path)
    page_values = {"path": page.path, "title": page.title, "description": page.description}
    data = dict(views.common)  # the page renderer's own copy: the views stay read-only
    reset_fragments(env, views, views.constant_names((), env.globals))
    recorders = getattr(env, "recorders", [])

    def full() -> str:
        return env.get_template(page.template).render(data, page=PageView(place | page_values, recorders))

    request = PageRequest(page.template, place, data, page_values, (partner.slug, hub_path(page.path)), full)
    document = (renderer or FullRenderer()).render(request)
    return views.tracking.html(document.encode("utf-8"), project.config.tracking.site_campaign)


def copies(jobs: Iterable[Job]) -> list[Job]:
    """The hub's copy of each site file in ``jobs``: the same key, made from the site file's bytes."""
    return [Job(hub_path(job.path), job.key, _copy(job.path), items=job.items) for job in jobs]


def _copy(path: str) -> Callable[[Resolve], bytes]:
    return lambda resolve: resolve(path)


def pdf_copy(site_pdf: Job, kit_path: str) -> Job:
    """The kit's copy of a datasheet PDF published on the site: its bytes, never a second render.

    It has the site PDF's key and inputs, and the writer records for it what the site PDF's templates
    read (cobrand.roots), so it is made again exactly when the site's PDF is.
    """
    return Job(hub_path(kit_path), site_pdf.key, _copy(site_pdf.path), extras=site_pdf.extras, reads=site_pdf.reads,
               items=site_pdf.items)


def social_jobs(views: PartnerViews, outputs: OutputPlan, project: Project, dated: str, listing: str) -> list[Job]:
    """Scheduler CSVs and the social copy: none without social posts (no download that holds nothing)."""
    jobs = [Job(hub_path(path), digest(dated, path), _csv_maker(views, network, project.today))
            for network, path in outputs.social_csv.items()]
    if outputs.social_posts is not None:
        jobs.append(Job(hub_path(outputs.social_posts), digest(listing, "social-posts.txt"),
                        _social_copy(views)))
    return jobs


def _social_copy(views: PartnerViews) -> Callable[[Resolve], bytes]:
    def make(_: Resolve) -> bytes:
        from .kit import social_copy

        return social_copy(views.common["social"])

    return make


def _csv_maker(views: PartnerViews, network: str, today: dt.date) -> Callable[[Resolve], bytes]:
    def make(_: Resolve) -> bytes:
        from .schedule import hootsuite_csv

        return hootsuite_csv(views.common["social"], network, today)

    return make


def zip_job(partner: Partner, plan: PartnerPlan, outputs: OutputPlan, made: Mapping[str, Job]) -> Job:
    """The whole kit in one file, dated by the newest item so that it is the same on every build.

    It holds the output plan's ``kit_files``, the jobs of which are in ``made`` (by job path).
    """
    newest = max((item.meta.date for item in plan.items), default=dt.date(1980, 1, 1))
    zip_time = (max(newest.year, 1980), newest.month, newest.day, 0, 0, 0)
    path = outputs.kit_zip
    assert path is not None
    kit_jobs = [made[hub_path(kit_path)] for kit_path in outputs.kit_files]
    prefix = hub_path("kit/")

    def make(resolve: Resolve) -> bytes:
        from .kit import kit_zip

        files = {job.path.removeprefix(prefix): resolve(job.path) for job in kit_jobs}
        return kit_zip(files, f"{partner.slug}-kit", zip_time)

    return Job(hub_path(path), digest(path, str(zip_time), *(job.key for job in kit_jobs)), make, costly=True)


def robots_job(base: str) -> Job:
    """The hub folder's robots.txt: where the hub is a host's root, crawlers are turned away there too."""
    return Job(hub_path("robots.txt"), digest(base, "hub-robots.txt"), lambda _: HUB_ROBOTS)
