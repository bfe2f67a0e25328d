"""Content kinds as data (src/cobrand/kinds.py): the built-ins, and the rules a plugin's kinds must keep."""

from __future__ import annotations

import pytest

from cobrand.build import load_and_check
from cobrand.kinds import BUILT_IN, Kind, Listing
from cobrand.plan import Planner
from cobrand.render.site import selection_pages
from cobrand.schemas import OnePagerFile, PageFile, SocialFile
from support.example import ENVIRON, ROOT


def test_the_built_in_kinds_are_the_four_of_the_design():
    assert BUILT_IN.names == ("blog", "one-pagers", "media", "social")
    assert [kind.view for kind in BUILT_IN] == ["posts", "one_pagers", "media", "social"]
    assert [kind.name for kind in BUILT_IN if kind.pdf] == ["one-pagers"]
    assert [kind.name for kind in BUILT_IN if kind.page_template is None] == ["social"]


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Kind("Case Studies", PageFile, "x.html"), "must be lower-case words joined by hyphens"),
    (lambda: Kind("assets", PageFile, "x.html"), "not 'assets'"),
    (lambda: Kind("notes", SocialFile, "x.html"), "a Markdown kind's schema must extend cobrand.schemas.PageFile"),
    (lambda: Kind("posts", PageFile, "x.html", document="yaml"), "YAML documents are social posts"),
    (lambda: Kind("sheets", OnePagerFile, None, pdf=True), "a kind with a PDF needs a page"),
    (lambda: BUILT_IN.adding((Kind("blog", PageFile, "x.html"),)), "two content kinds have the name blog"),
    (lambda: BUILT_IN.adding((Kind("articles", PageFile, "x.html", view="posts"),)),
     "two content kinds have the view posts"),
    (lambda: BUILT_IN.adding((Kind("news", PageFile, "x.html", Listing("blog/index.html", "n.html", "News")),)),
     "two content kinds list their items at the same path"),
])
def test_a_kind_that_breaks_a_rule_is_refused_with_the_rule(make, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        make()


def test_every_page_of_the_example_comes_from_its_items_kinds_and_the_kinds_listings():
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    planner = Planner(project)
    for partner in project.partners:
        plan = planner.plan(partner)
        pages = list(selection_pages(plan, project.kinds))
        item_pages = [(page.path, page.template) for page in pages if page.item_key is not None]
        assert item_pages == [(f"{item.kind}/{item.slug}.html", project.kinds.get(item.kind).page_template)
                              for item in plan.pages]
        listings = [page.path for page in pages if page.item_key is None]
        assert "blog/index.html" in listings  # the blog's listing, from its kind
        assert set(listings) - {"404.html"} <= {kind.listing.path for kind in project.kinds
                                                if kind.listing and not kind.listing.hub}
        assert {item.kind for item in plan.pages} <= {"blog", "one-pagers", "media"}
        assert all(item.pdf_path == f"one-pagers/{item.slug}.pdf" and item.kit_pdf_path == f"kit/{item.slug}.pdf"
                   for item in plan.one_pagers)
        assert all(item.pdf_path is None for item in plan.posts + plan.media + plan.social)
