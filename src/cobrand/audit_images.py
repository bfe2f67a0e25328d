"""Images for ``cobrand audit``: which pictures a partner's output may not hold, and the pictures it holds.

An image leaks when it is byte-identical to another partner's logo (the file
as sent, as loaded, or any logo file published in that partner's folder) or
to the thumbnail of an item the partner is not entitled to. Images inside
PDFs are compared twice: by the bytes of their stream (JPEGs pass through
WeasyPrint unchanged) and by their decoded pixels, since PNGs are re-encoded
when embedded.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .entitlement import exclusion_reason
from .models import Partner, Project

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".ico", ".svg"}


def _bytes_key(data: bytes) -> str:
    return "bytes:" + hashlib.sha256(data).hexdigest()


def pixels_key(image: Image.Image) -> str:
    """A digest of an image's size and colour pixels (alpha left out: PDFs keep it in a separate mask)."""
    rgb = image.convert("RGB")
    return "pixels:" + hashlib.sha256(f"{rgb.width}x{rgb.height}".encode() + rgb.tobytes()).hexdigest()


def _keys(data: bytes) -> set[str]:
    keys = {_bytes_key(data)}
    try:
        with Image.open(io.BytesIO(data)) as image:
            keys.add(pixels_key(image))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        pass
    return keys


def forbidden_images(project: Project, partner: Partner, *roots: Path) -> dict[str, str]:
    """Keys (see :func:`image_keys`) of images ``partner``'s output must not hold, each with the reason.

    ``roots`` are the output folders (the public sites' and the hubs'): logos and thumbnails
    published in any of them count.
    """
    own: set[str] = set()
    for data in _logo_bytes(partner, roots):
        own |= _keys(data)
    forbidden: dict[str, str] = {}
    for other in project.partners:
        if other.slug == partner.slug:
            continue
        for data in _logo_bytes(other, roots):
            forbidden |= {key: f"another partner's logo: {other.slug}" for key in _keys(data) - own}
    gated = [item for item in project.content if item.pdf_path and exclusion_reason(item, partner, project)]
    for item in gated:
        name = item.pdf_path.rsplit("/", 1)[-1].replace(".pdf", ".png")  # type: ignore[union-attr]
        for root in roots:
            for thumbnail in sorted(root.glob(f"*/static/thumbs/{name}")):
                reason = f"thumbnail of {item.source}, {exclusion_reason(item, partner, project)}"
                forbidden |= {key: reason for key in _keys(thumbnail.read_bytes())}
    return forbidden


def _logo_bytes(partner: Partner, roots: tuple[Path, ...]) -> Iterator[bytes]:
    """A partner's logo as sent, as loaded, and every logo file published in its folders."""
    if partner.logo.path.is_file():
        yield partner.logo.path.read_bytes()
    if partner.logo.data:
        yield partner.logo.data
    for root in roots:
        folder = root / partner.slug / "static"
        for path in sorted([*folder.glob("partner-logo.*"), *(folder / "logo").glob("partner-*")]):
            yield path.read_bytes()


def image_keys(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """(where, key) for each image in a file: the file itself, zip members, and images inside PDFs."""
    suffix = Path(name).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        for key in _keys(data):
            yield name, key
    elif suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in sorted(archive.namelist()):
                yield from image_keys(f"{name}!{member}", archive.read(member))
    elif suffix == ".pdf":
        yield from _pdf_image_keys(name, data)


def _pdf_image_keys(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    from pypdf import PdfReader  # imported on first use: only audits of PDFs need it

    reader = PdfReader(io.BytesIO(data))
    for number, page in enumerate(reader.pages, start=1):
        # An image pypdf cannot read makes the audit fail with its error: an audit never passes unread images.
        for image in page.images:
            where = f"{name} page {number} image {image.name}"
            yield where, _bytes_key(image.data)
            if image.image is not None:
                yield where, pixels_key(image.image)
