"""The partner's logo: as loaded (SVG rebuilt from the allowlist, never the partner's file), and with images
its sized files (1x, 2x, WebP and PNG) and favicons, named by digest and size (render/logos.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ...brand.trim import logo_bytes
from ...cache import digest
from ...jobs import Job, Resolve
from ...models import Logo
from ..context import PARTNER_LOGO
from ..logos import LogoFiles, make_logo_file
from ..outputs import OutputRequest
from .services import RenderServices


class Logos:
    """The partner's logo files; the sized ones are those the output plan lists."""

    name = "logos"

    def __init__(self, renderer: RenderServices) -> None:
        self.renderer = renderer

    def jobs(self, request: OutputRequest) -> Iterator[Job]:
        """The logo as loaded, then its sized files, keyed on the site and the partner."""
        partner = request.plan.partner
        base = request.keys.base
        logo = f"{PARTNER_LOGO}.{partner.logo.extension}"
        yield Job(logo, digest(base, logo), lambda _: logo_bytes(partner.logo))
        files = request.output_plan.logo_files
        if files is not None:
            yield from (Job(path, digest(base, path), _maker(partner.logo, path, files), costly=True)
                        for path in files.paths)


def _maker(logo: Logo, path: str, files: LogoFiles) -> Callable[[Resolve], bytes]:
    return lambda _: make_logo_file(logo, path, files)
