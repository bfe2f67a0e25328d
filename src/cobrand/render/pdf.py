"""Print-designed PDFs with WeasyPrint, fetching only what each document may read.

The stylesheet is parsed once per renderer and reused for every document;
fonts are configured once; each document's url fetcher serves only the
files its :class:`ReadScope` allows (that partner's folder, the vendor's
logo, the theme, the content assets the partner is entitled to) and
refuses every other path and every non-file URL. Files cobrand
makes for one document (trimmed logos) are handed over in memory under
``cobrand-generated:`` URLs that only that document's fetcher answers: no
temporary files, and no data: URLs that content could use as well.
WeasyPrint is imported on first use, so commands that make no PDF start fast.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

_MIME = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
         ".jpeg": "image/jpeg", ".webp": "image/webp", ".woff2": "font/woff2", ".woff": "font/woff",
         ".ttf": "font/ttf", ".otf": "font/otf"}
GENERATED = "cobrand-generated:"  # the scheme of files made for one document: see generated_url


def _mime(path: Path) -> str:
    return _MIME.get(path.suffix.lower(), "application/octet-stream")


def generated_url(name: str) -> str:
    """The URL under which a document's template refers to the generated file ``name`` (a file name)."""
    return GENERATED + name


@dataclass(frozen=True)
class ReadScope:
    """What one document's renderer may read: exact files and whole folders, all resolved (symlinks followed).

    A capability, not a location: a partner's PDF gets that partner's folder, the vendor's logo, the
    theme and the content assets of the items the partner is entitled to, and nothing else: not the
    project root, ``build/``, the cache or another partner's folder.
    """

    owner: str  # who reads, for messages: "partner kestrel-cloud"
    files: frozenset[Path]
    folders: tuple[Path, ...]

    @classmethod
    def of(cls, owner: str, files: Iterable[Path] = (), folders: Iterable[Path] = ()) -> ReadScope:
        """A scope of ``files`` and ``folders``, resolved now so that a symlink cannot widen it later."""
        return cls(owner, frozenset(path.resolve() for path in files), tuple(sorted({f.resolve() for f in folders})))

    def allows(self, path: Path) -> bool:
        """True when the resolved ``path`` is one of the files or inside one of the folders."""
        return path in self.files or any(path.is_relative_to(folder) for folder in self.folders)


def scoped_fetcher(scope: ReadScope, generated: Mapping[str, bytes] | None = None) -> Any:
    """A WeasyPrint URL fetcher that serves the local files ``scope`` allows and nothing else.

    ``generated`` maps file names to bytes made for this document, served at :func:`generated_url`.
    The path is percent-decoded and resolved (``..`` and symlinks) before it is checked.
    """
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    made = dict(generated or {})

    class ScopedFetcher(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            if url.startswith(GENERATED) and url.removeprefix(GENERATED) in made:
                name = url.removeprefix(GENERATED)
                return URLFetcherResponse(url, body=made[name], headers={"Content-Type": _mime(Path(name))})
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in {"", "localhost"}:
                raise FatalURLFetchingError(f"{scope.owner}: refused to fetch {url[:80]!r}: PDFs may use local "
                                            "files only")
            try:
                path = Path(unquote(parts.path)).resolve()
            except (OSError, ValueError):
                raise FatalURLFetchingError(f"{scope.owner}: refused to fetch {url[:80]!r}") from None
            if not scope.allows(path) or not path.is_file():
                raise FatalURLFetchingError(
                    f"{scope.owner}: refused to fetch {str(path)[:120]!r}: a PDF may read only its partner's "
                    "folder, the vendor's logo, the theme and the content assets the partner is entitled to")
            return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": _mime(path)})

    return ScopedFetcher(allowed_protocols={"file"})


THUMBNAIL_WIDTH = 360
PAGE_SHAPES = {"A4": 297 / 210, "letter": 11 / 8.5}  # height / width of the papers values.paper_size names


def thumbnail_size(paper: str, width: int = THUMBNAIL_WIDTH) -> tuple[int, int]:
    """The pixel size of a first-page thumbnail of a PDF on ``paper``: pages print it in <img width height>
    before the thumbnail is made (or when it is reused from the cache), so it is fixed by the paper. Rounded up,
    as pdfium sizes its bitmaps (A4: 360 x 510, Letter: 360 x 466)."""
    return width, math.ceil(width * PAGE_SHAPES[paper])


def first_page_thumbnail(pdf: bytes, size: tuple[int, int]) -> bytes:
    """A PNG of the first page of ``pdf``, exactly ``size`` pixels (see :func:`thumbnail_size`), for the kit page."""
    import io

    import pypdfium2
    from PIL import Image

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        scale = size[0] / page.get_width()
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    if image.size != size:  # pdfium rounds the page's size in pixels its own way; a press page has bleed
        image = image.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # Level 3, not 6: on printed pages (text, flat colour) it is about a third faster and 4-5% smaller.
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


class PdfFetchError(Exception):
    """A PDF asked for a file outside its scope, or for the network; ``source`` is the content file."""

    source = "content"


class PdfRenderer:
    """Renders print HTML to PDF bytes with a shared stylesheet and font configuration."""

    def __init__(self, stylesheet: Path | None, theme_folders: tuple[Path, ...], press: Path | None = None) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.theme = ReadScope.of("the theme's print stylesheet", folders=theme_folders)
        self.fetcher = scoped_fetcher(self.theme)
        self.fonts = FontConfiguration()
        self.stylesheets = []
        if stylesheet is not None:
            self.stylesheets.append(CSS(filename=str(stylesheet), url_fetcher=self.fetcher, font_config=self.fonts))
        self.press_stylesheets = list(self.stylesheets)
        if press is not None:
            self.press_stylesheets.append(CSS(filename=str(press), url_fetcher=self.fetcher, font_config=self.fonts))

    def render(self, html: str, base_url: Path, identifier: bytes, scope: ReadScope, press: bool = False,
               generated: Mapping[str, bytes] | None = None) -> bytes:
        """PDF bytes for ``html``; relative URLs resolve against ``base_url`` (a folder).

        ``scope`` is what the document may read; ``press`` adds the press profile (bleed and crop marks);
        ``generated`` holds files made for this document, which ``html`` names by :func:`generated_url`.
        """
        from weasyprint import HTML
        from weasyprint.urls import FatalURLFetchingError

        from .pdf_tags import complete_structure

        stylesheets = self.press_stylesheets if press else self.stylesheets
        try:
            fetcher = scoped_fetcher(scope, generated)
            document = HTML(string=html, base_url=base_url.as_uri() + "/", url_fetcher=fetcher)
            pdf = document.write_pdf(stylesheets=stylesheets, font_config=self.fonts, finisher=complete_structure,
                                     pdf_variant="pdf/ua-1", pdf_identifier=identifier)
        except FatalURLFetchingError as error:  # a BaseException in WeasyPrint: make it an ordinary failure
            raise PdfFetchError(str(error)) from None
        assert pdf is not None
        return bytes(pdf)
