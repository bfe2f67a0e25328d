"""Render everything one partner gets: pages, PDFs, feeds, static files and the kit."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..load import DEFAULT_THEME
from ..models import Partner, Project
from ..plan import plan_partner
from ..tokens import TokenFiller
from . import feeds, kit
from .brand import palette
from .context import PARTNER_LOGO, VENDOR_LOGO, PartnerViews, build_views, kit_zip_path
from .images import OG_SIZE, SOCIAL_SIZES, CardPainter, CardStyle
from .schedule import hootsuite_csv
from .pdf import PdfRenderer
from .site import render_page, site_pages, theme_environment, theme_static_files

PRINT_STYLESHEET = "print/one-pager.css"


@dataclass(frozen=True)
class Output:
    """One file of a partner's site: its path inside the partner folder and its bytes."""

    path: str
    data: bytes


def _theme_file(project: Project, relative: str) -> Path | None:
    for folder in project.theme.folders:
        if (folder / relative).is_file():
            return folder / relative
    return None


class PartnerRenderer:
    """Holds what all partners share (templates, stylesheet, static bytes) and renders partners.

    One instance per process: the theme is compiled and the print stylesheet
    parsed once, then reused for every partner.
    """

    def __init__(self, project: Project, *, pdfs: bool = True, images: bool = True,
                 pdf_links: bool | None = None) -> None:
        self.project = project
        self.env = theme_environment(project.theme)
        self.filler = TokenFiller()
        self.static = {path: file.read_bytes() for path, file in theme_static_files(project.theme).items()}
        vendor_logo = project.vendor.logo
        self.static[f"{VENDOR_LOGO}.{vendor_logo.extension}"] = vendor_logo.path.read_bytes()
        self.assets = {path: (project.root / "content" / path).read_bytes()
                       for item in project.content for path in item.assets}
        self.images = images
        # Pages link to PDFs when PDFs are made; `cobrand check` keeps the links without making them.
        self.pdf_links = pdfs if pdf_links is None else pdf_links
        self.pdf = (PdfRenderer(_theme_file(project, PRINT_STYLESHEET), (project.root, DEFAULT_THEME))
                    if pdfs else None)

    def render(self, partner: Partner) -> list[Output]:
        """Every output file of ``partner``'s site, in a stable order."""
        project = self.project
        plan = plan_partner(project, partner)
        views = build_views(project, plan, self.filler)
        if not self.pdf_links:  # previews without PDFs must not link to them
            for view in views.items.values():
                view["pdf_path"] = None
        outputs = [Output(path, data) for path, data in self.static.items()]
        outputs.append(Output(f"{PARTNER_LOGO}.{partner.logo.extension}", partner.logo.path.read_bytes()))
        used_assets = sorted({path for item in plan.pages for path in item.assets})
        outputs += [Output(path, self.assets[path]) for path in used_assets]

        if self.images:
            outputs += self._images(partner, views)
        for network in SOCIAL_SIZES:
            outputs.append(Output(f"kit/hootsuite-{network}.csv",
                                  hootsuite_csv(views.common["social"], network, project.today)))
        views.common["social_csv"] = {network: f"kit/hootsuite-{network}.csv" for network in SOCIAL_SIZES}

        pages = list(site_pages(views))
        outputs += [Output(page.path, render_page(self.env, project, partner, views, page)) for page in pages]

        kit_files: dict[str, bytes] = {}
        if self.pdf is not None:
            template = self.env.get_template("print/one-pager.html")
            files = {"partner_logo": partner.logo.path.resolve().as_uri(),
                     "vendor_logo": project.vendor.logo.path.resolve().as_uri()}
            for item in plan.one_pagers:
                html = template.render(**views.common, item=views.items[item.key], files=files,
                                       page={"path": item.pdf_path, "is_404": False})
                identifier = hashlib.sha256(f"{partner.slug}/{item.key}".encode()).hexdigest()[:32]
                pdf = self.pdf.render(html, project.root / "content" / item.kind, identifier.encode())
                kit_files[f"{item.slug}.pdf"] = pdf
        kit_files["social-posts.txt"] = kit.social_copy(views.common["social"])
        kit_files |= {output.path.removeprefix("kit/"): output.data
                      for output in outputs if output.path.startswith("kit/")}
        outputs += [Output(f"kit/{name}", data) for name, data in sorted(kit_files.items())
                    if not any(output.path == f"kit/{name}" for output in outputs)]
        newest = max((item.meta.date for item in plan.items), default=dt.date(1980, 1, 1))
        zip_time = (max(newest.year, 1980), newest.month, newest.day, 0, 0, 0)
        outputs.append(Output(kit_zip_path(partner), kit.kit_zip(kit_files, f"{partner.slug}-kit", zip_time)))

        titles = {key: view["title"] for key, view in views.items.items()}
        outputs.append(Output("feed.xml", feeds.atom_feed(project, plan, titles)))
        html_pages = [page.path for page in pages if page.path != "404.html"]
        outputs.append(Output("sitemap.xml", feeds.sitemap(project, partner, html_pages)))
        outputs.append(Output("robots.txt", feeds.robots(project, partner)))
        return outputs

    def _images(self, partner: Partner, views: PartnerViews) -> list[Output]:
        """Open Graph cards for the home page and each item page, and social images per network."""
        project = self.project
        style = CardStyle(partner.name, project.vendor.name, views.common["palette"],
                          palette(project.vendor.colors))
        painter = CardPainter(partner.logo, project.vendor.logo, style)
        outputs = [Output("static/og/home.png", painter.card(OG_SIZE, project.config.site.title, partner.name))]
        views.common["og_image"] = "static/og/home.png"
        for view in views.items.values():
            if view["kind"] == "social":
                for network, size in SOCIAL_SIZES.items():
                    path = f"kit/social/{view['slug']}-{network}.png"
                    outputs.append(Output(path, painter.card(size, view["title"], partner.name)))
                    view["images"][network] = path
            else:
                path = f"static/og/{view['slug']}.png"
                eyebrow = {"blog": "Blog", "one-pagers": "Datasheet", "media": view.get("media_kind", "")}
                outputs.append(Output(path, painter.card(OG_SIZE, view["title"], eyebrow[view["kind"]])))
                view["og_image"] = path
        return outputs
