"""Content kinds as data: each kind's folder, front-matter schema, templates, listing and PDF (issue 22).

Load reads ``content/<kind>/`` with the kind's schema, plan selects items by kind in registry order,
render gives each item of a kind with a page its page template and each kind with a listing its
listing page. The built-in kinds are :data:`BUILT_IN`; vendor plugins add theirs (see docs/plugins.md),
so adding a kind is a :class:`Kind` and its templates, not an edit of every stage.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .schemas import GatingFile, MediaFile, OnePagerFile, PageFile, SocialFile

KIND_NAME = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
RESERVED_FOLDERS = frozenset({"assets"})  # folders of content/ that hold no kind's documents


@dataclass(frozen=True)
class Listing:
    """A kind's listing page: its path, its template and its title.

    ``hub``: the page is in the partner's hub, not on its public site (the social pack).
    ``when_empty``: the page is made for a partner who gets no item of the kind (the blog's is; the
    datasheets' and media indexes are not, and the site's menu then leaves them out).
    """

    path: str
    template: str
    title: str
    hub: bool = False
    when_empty: bool = True


@dataclass(frozen=True)
class Kind:
    """One content kind.

    ``name`` is its folder under ``content/`` and the first part of its items' keys (``blog/<slug>``).
    ``page_template`` renders each item's page at ``<name>/<slug>.html`` (None: no page, as social
    posts). ``pdf``: each item also gets ``<name>/<slug>.pdf`` beside its page on the public site, and a copy
    in the hub's kit (the one-pager print template).
    ``view`` names the list of the partner's items of this kind in the template context.
    ``document`` is ``markdown`` (YAML front matter and a Markdown body; the schema extends
    :class:`~cobrand.schemas.PageFile`) or ``yaml`` (social posts). ``eyebrow`` is the label of its
    items' Open Graph cards. ``salt`` names what else parsing its files depends on (a plugin's code).
    """

    name: str
    schema: type[GatingFile]
    page_template: str | None
    listing: Listing | None = None
    pdf: bool = False
    view: str = ""
    document: Literal["markdown", "yaml"] = "markdown"
    eyebrow: str = ""
    salt: str = ""

    def __post_init__(self) -> None:
        if not re.match(KIND_NAME, self.name) or self.name in RESERVED_FOLDERS:
            raise ValueError(f"kind name {self.name!r} must be lower-case words joined by hyphens, not 'assets'")
        if not self.view:
            object.__setattr__(self, "view", self.name.replace("-", "_"))
        if self.document == "markdown" and not issubclass(self.schema, PageFile):
            raise ValueError(f"kind {self.name!r}: a Markdown kind's schema must extend cobrand.schemas.PageFile")
        if self.document == "yaml" and not issubclass(self.schema, SocialFile):
            raise ValueError(f"kind {self.name!r}: YAML documents are social posts (cobrand.schemas.SocialFile)")
        if self.pdf and self.page_template is None:
            raise ValueError(f"kind {self.name!r}: a kind with a PDF needs a page")

    @property
    def suffixes(self) -> tuple[str, ...]:
        """File suffixes of its documents."""
        return (".md",) if self.document == "markdown" else (".yaml", ".yml")


@dataclass(frozen=True)
class Kinds:
    """The kinds of one project, in order: plan lists items, and render their pages, in this order."""

    kinds: tuple[Kind, ...]

    def __post_init__(self) -> None:
        for attribute in ("name", "view"):
            values = [getattr(kind, attribute) for kind in self.kinds]
            twice = sorted({value for value in values if values.count(value) > 1})
            if twice:
                raise ValueError(f"two content kinds have the {attribute} {', '.join(twice)}")
        paths = [kind.listing.path for kind in self.kinds if kind.listing]
        if len(set(paths)) != len(paths):
            raise ValueError("two content kinds list their items at the same path")

    def __iter__(self) -> Iterator[Kind]:
        return iter(self.kinds)

    def get(self, name: str) -> Kind:
        """The kind called ``name``; KeyError when there is none."""
        for kind in self.kinds:
            if kind.name == name:
                return kind
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(kind.name for kind in self.kinds)

    def adding(self, more: tuple[Kind, ...]) -> Kinds:
        """These kinds and ``more`` after them; ValueError when a name, view or listing path repeats."""
        return Kinds(self.kinds + more)


BUILT_IN = Kinds((
    Kind("blog", PageFile, "post.html", Listing("blog/index.html", "blog.html", "Blog"), view="posts",
         eyebrow="Blog"),
    Kind("one-pagers", OnePagerFile, "one-pager.html",
         Listing("one-pagers/index.html", "one-pagers.html", "Datasheets", when_empty=False), pdf=True,
         eyebrow="Datasheet"),
    # A media card's label is the item's own kind (video, podcast): see render/partner.py.
    Kind("media", MediaFile, "media.html",
         Listing("media/index.html", "media-index.html", "Videos and podcasts", when_empty=False)),
    # Social posts are for the partner to share, not for its customers: listed in the hub (render/hub.py).
    Kind("social", SocialFile, None, Listing("social.html", "hub/social.html", "Social posts", hub=True,
                                             when_empty=False), document="yaml"),
))
