"""Generated images: Open Graph cards for the home page and each item page (site), and each social post's
image per network with the resized preview the hub's social page shows (hub). Paths are the output plan's."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ...brand.palette import palette
from ...cache import digest
from ...jobs import Job, Resolve, hub_path
from ...languages import text_direction
from ...schemas import MediaFile
from ..i18n import for_locale
from ..images import (
    OG_SIZE,
    SOCIAL_SIZES,
    WEBP_METHOD,
    WEBP_QUALITY,
    CardPainter,
    CardStyle,
    fonts_key,
    preview_png,
    preview_size,
    webp,
)
from ..output_plan import preview_path
from ..outputs import OutputRequest
from .services import RenderServices


def preview_job(full: Job, path: str, size: tuple[int, int]) -> Job:
    """``full``'s image resized to ``size`` as a PNG at ``path``."""
    return Job(path, digest(full.key, "preview", str(size)), lambda resolve: preview_png(resolve(full.path), size),
               costly=True, items=full.items)


def webp_job(png: Job) -> Job:
    """The WebP of ``png``'s image, beside it."""
    return Job(png.path.replace(".png", ".webp"), digest(png.key, f"webp q{WEBP_QUALITY} m{WEBP_METHOD}"),
               lambda resolve: webp(resolve(png.path)), costly=True, items=png.items)


class Images:
    """The partner's cards and social images, when the output plan says images are made."""

    name = "images"

    def __init__(self, renderer: RenderServices) -> None:
        self.renderer = renderer

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """A card per page, three files per social post and network (full image, preview PNG and WebP)."""
        outputs = request.output_plan
        if not outputs.images:
            return
        renderer, project, views = self.renderer, request.project, request.views
        partner = request.plan.partner
        base = digest(request.keys.base, fonts_key())  # a newly installed font changes how cards look
        painters: list[CardPainter] = []
        # Card text in the partner's language, from the theme's catalogues like the pages' strings.
        strings = for_locale(renderer.languages, partner.data.locale)

        def painter() -> CardPainter:  # logos are rasterised only if some image must be made
            if not painters:
                rules = project.config.brand
                style = CardStyle(partner.name, project.vendor.name, views.common["palette"],
                                  palette(project.vendor.colors), rules.vendor_max_ratio, rules.clear_space,
                                  strings.gettext("in partnership with"), text_direction(partner.data.locale))
                painters.append(CardPainter(partner.logo, project.vendor.logo, style))
            return painters[0]

        def card(size: tuple[int, int], title: str | Callable[[], str], eyebrow: str, picture: str | None = None
                 ) -> Callable[[Resolve], bytes]:
            background = renderer.assets[picture] if picture else None
            # An item's text is read from its view when the image is made: filled for the partner, and
            # only for the images an incremental build makes again.
            return lambda _: painter().card(size, title() if callable(title) else title, eyebrow, background)

        def view_text(key: str, name: str, network: str | None = None) -> Callable[[], str]:
            def text() -> str:
                value = views.items[key][name]
                return str(value[network] if network else value)
            return text

        home = outputs.og_home
        assert home is not None
        yield Job(home, digest(base, home), card(OG_SIZE, project.config.site.title, partner.name), True)
        eyebrows = {"blog": strings.gettext("Blog"), "one-pagers": strings.gettext("Datasheet"),
                    "video": strings.gettext("Video"), "podcast": strings.gettext("Podcast")}
        for item in request.plan.items:
            item_key = renderer.item_keys[item.variant_id]  # includes the bytes of the post's picture
            if item.kind == "social":
                picture = item.assets[0] if item.assets else None
                for network, size in SOCIAL_SIZES.items():
                    path = outputs.social_images[item.key][network]  # in the hub
                    # Public text: the post's headline or its first line, never its internal title.
                    headline = view_text(item.key, "image_text", network)
                    full = Job(hub_path(path), digest(base, path, item_key), card(size, headline, partner.name,
                                                                                    picture), True, items=(item.key,))
                    # What the hub's social page shows: a resized copy, WebP with a PNG fallback (the full
                    # image is for download and the zip).
                    shown = preview_job(full, hub_path(preview_path(item, network)), preview_size(size))
                    yield from (full, shown, webp_job(shown))
            else:
                path = outputs.og_images[item.key]
                kind = item.meta.kind if isinstance(item.meta, MediaFile) else ""
                eyebrow = eyebrows.get(item.kind) or eyebrows.get(kind, "")
                label = project.kinds.get(item.kind).eyebrow
                if not eyebrow and label:  # a plugin kind's label, translated where the theme's catalogues have it
                    eyebrow = strings.gettext(label)
                yield Job(path, digest(base, path, item_key), card(OG_SIZE, view_text(item.key, "title"), eyebrow),
                          True, items=(item.key,))
