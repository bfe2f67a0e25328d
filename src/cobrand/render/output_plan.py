"""Which outputs one partner gets, decided from its plan and the build's options before any job is made.

The output plan is the one place that says what a partner's build makes besides its pages: which PDFs
(and their thumbnails, kit copies and press versions), which generated images (sized logos, Open Graph
cards, social images and their previews), the social pack's files, what the kit holds and so whether it
has a zip, and which posts get e-mails. Template views (render/context.py) are built from it, so a page
links to exactly the files the output providers (render/providers.py) then make, and nothing fills the
views in as jobs are made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..models import ContentItem, Partner, Project
from ..networks import BY_NAME
from ..plan import PartnerPlan
from ..values import paper_size
from .images import SOCIAL_SIZES, preview_size
from .logos import LogoFiles, logo_files
from .pdf import thumbnail_size

OG_HOME = "static/og/home.png"
SOCIAL_POSTS = "kit/social-posts.txt"


def kit_zip_path(partner: Partner) -> str:
    """The hub path of the partner's kit as one zip file."""
    return f"kit/{partner.slug}-kit.zip"


def press_path(kit_pdf_path: str) -> str:
    """The kit path of the press PDF (bleed, crop marks) of the item whose kit PDF is at ``kit_pdf_path``."""
    return kit_pdf_path.replace(".pdf", "-press.pdf")


def thumbnail_path(pdf_path: str) -> str:
    """The site path of the PNG of the first page of the PDF at ``pdf_path`` (its WebP is beside it)."""
    return "static/thumbs/" + pdf_path.rsplit("/", 1)[-1].replace(".pdf", ".png")


def social_image_path(item: ContentItem, network: str) -> str:
    """The kit path of a social post's full-size image for ``network``."""
    return f"kit/social/{item.slug}-{network}.png"


def preview_path(item: ContentItem, network: str) -> str:
    """The hub path of the resized preview the social page shows of a post's image for ``network``."""
    return f"static/previews/{item.slug}-{network}.png"


def og_image_path(item: ContentItem) -> str:
    """The site path of an item page's Open Graph card."""
    return f"static/og/{item.slug}.png"


@dataclass(frozen=True)
class OutputOptions:
    """The build's options that decide outputs: the same for every partner of a build."""

    pdfs: bool  # PDFs are made (site, kit copies, thumbnails)
    images: bool  # generated images are made (sized logos, cards, social images)
    press: bool  # ``[print] press``: a press PDF of each PDF, in the kit
    min_logo_height: float  # ``[brand] min_logo_height_px``: fixes the sized logos' paths


@dataclass(frozen=True)
class OutputPlan:
    """What one partner's build makes besides its pages, by path; see the module's docstring.

    Kit paths (``kit/...``) and preview paths are inside the partner's hub; the others are site paths.
    """

    plan: PartnerPlan
    images: bool
    logo_files: LogoFiles | None  # sized logo files and favicons, when images are made
    og_home: str | None  # the home page's Open Graph card
    og_images: Mapping[str, str]  # item key -> its page's Open Graph card
    social_images: Mapping[str, Mapping[str, str]]  # social post key -> network -> kit path of its image
    pdf_items: tuple[ContentItem, ...]  # items whose PDF is made: on the site, its copy in the kit
    thumbnails: Mapping[str, str]  # item key -> site path of its PDF's first-page PNG
    thumbnail_size: tuple[int, int]
    press: bool  # each PDF item has a press PDF in the kit
    social_csv: Mapping[str, str]  # network -> kit path of its scheduler CSV
    social_posts: str | None  # kit path of the posts' copy, when the partner has social posts
    kit_files: tuple[str, ...]  # every kit path the outputs above make, sorted: what the zip holds
    kit_zip: str | None  # None when the kit would hold nothing
    emails: tuple[ContentItem, ...]  # the posts that get a newsletter e-mail
    item_values: Mapping[str, Mapping[str, Any]]  # item key -> what its view shows of the outputs above

    @classmethod
    def of(cls, project: Project, plan: PartnerPlan, options: OutputOptions) -> OutputPlan:
        """The output plan of ``plan``'s partner with the build's ``options``.

        Made for every partner a build renders, one-post rebuilds included: each of ``plan``'s item lists
        is read once, and nothing is made for outputs the options leave out.
        """
        partner = plan.partner
        images = options.images
        social = plan.social
        values: dict[str, dict[str, Any]] = {}
        og_images: dict[str, str] = {}
        social_images: dict[str, Mapping[str, str]] = {}
        kit: list[str] = []
        if images:
            # In the order the views have always shown them: the card, then the PDF's thumbnail.
            for item in plan.items:
                if item.kind == "social":
                    by_network = {network: social_image_path(item, network) for network in SOCIAL_SIZES}
                    social_images[item.key] = MappingProxyType(by_network)
                    values[item.key] = {"images": dict(by_network), "previews": _previews(item)}
                    kit += by_network.values()
                else:
                    og_images[item.key] = values.setdefault(item.key, {})["og_image"] = og_image_path(item)
        pdf_items = tuple(item for item in plan.pages if item.has_pdf) if options.pdfs else ()
        thumbnails: dict[str, str] = {}
        size = thumbnail_size(paper_size(partner.data.locale))
        for item in pdf_items:
            assert item.kit_pdf_path is not None
            path = thumbnails[item.key] = thumbnail_path(_pdf_path(item))
            values.setdefault(item.key, {}).update(thumbnail=path, thumbnail_webp=path.replace(".png", ".webp"),
                                                   thumbnail_size=size)
            kit += [item.kit_pdf_path, *([press_path(item.kit_pdf_path)] if options.press else [])]
        social_csv = {network: f"kit/hootsuite-{network}.csv" for network in BY_NAME} if social else {}
        social_posts = SOCIAL_POSTS if social else None
        kit += social_csv.values()
        if social_posts:
            kit.append(social_posts)
        return cls(plan, images, logo_files(partner.logo, options.min_logo_height) if images else None,
                   OG_HOME if images else None, MappingProxyType(og_images), MappingProxyType(social_images),
                   pdf_items, MappingProxyType(thumbnails), size, options.press and bool(pdf_items),
                   MappingProxyType(social_csv), social_posts, tuple(sorted(kit)),
                   kit_zip_path(partner) if kit else None, plan.posts,
                   MappingProxyType(values))


def _pdf_path(item: ContentItem) -> str:
    assert item.pdf_path is not None
    return item.pdf_path


def _previews(item: ContentItem) -> dict[str, dict[str, Any]]:
    """What the hub's social page shows of each of the post's images: a preview, WebP with a PNG fallback."""
    previews = {}
    for network, size in SOCIAL_SIZES.items():
        path = preview_path(item, network)
        width, height = preview_size(size)
        previews[network] = {"png": path, "webp": path.replace(".png", ".webp"), "width": width, "height": height}
    return previews
