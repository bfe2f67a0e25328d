"""The id and vendor-link patterns start with their literal and look behind from there (fast); they must find
exactly what the plain look-behind-first patterns (the specification) find, on any text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cobrand.tokens import _ID_ATTRIBUTE, unique_ids
from cobrand.tracking import _HREF, Tracking

ID_SPEC = re.compile(r'(?<![\w-])id="([^"]*)"')
HREF_SPEC = re.compile(rb'(?<!rel="canonical" )href="(https?://[^"]+)"')

# Text built from the pieces the patterns care about, so that near misses are common.
ID_PIECES = st.sampled_from(['id="', '"', "data-", "x", "_", "-", " ", "é", "9", "a", "<h2 ", ">", "\n", "="])
HREF_PIECES = st.sampled_from(['href="', 'rel="canonical" ', "rel=", '"canonical"', " ", '"', "https://", "http://",
                               "vendor.example/", "a", "<link ", "<a ", ">", "?q=1", "\t"])


@settings(max_examples=400)
@given(st.lists(ID_PIECES, max_size=40).map("".join))
def test_id_pattern_finds_what_the_look_behind_first_pattern_finds(text: str) -> None:
    assert [m.span(1) for m in _ID_ATTRIBUTE.finditer(text)] == [m.span(1) for m in ID_SPEC.finditer(text)]
    assert [m.span() for m in _ID_ATTRIBUTE.finditer(text)] == [m.span() for m in ID_SPEC.finditer(text)]


@settings(max_examples=400)
@given(st.lists(HREF_PIECES, max_size=40).map("".join))
def test_href_pattern_finds_what_the_look_behind_first_pattern_finds(text: str) -> None:
    data = text.encode()
    assert [m.span() for m in _HREF.finditer(data)] == [m.span() for m in HREF_SPEC.finditer(data)]
    assert [m.span(1) for m in _HREF.finditer(data)] == [m.span(1) for m in HREF_SPEC.finditer(data)]


def test_repeated_ids_are_numbered_and_other_attributes_left_alone() -> None:
    html = '<h2 id="a">x</h2><p data-id="a" xid="a"></p><h2 id="a">y</h2><h3 id="a">z</h3>'
    assert unique_ids(html) == '<h2 id="a">x</h2><p data-id="a" xid="a"></p><h2 id="a-1">y</h2><h3 id="a-2">z</h3>'


def test_canonical_link_to_the_vendor_is_not_tagged_and_other_vendor_links_are() -> None:
    tracking = Tracking("vendor.example", "acme", "partner")
    page = (b'<link rel="canonical" href="https://vendor.example/post.html">'
            b'<a href="https://vendor.example/post.html">read</a>')
    tagged = tracking.html(page, "post")
    assert tagged.startswith(b'<link rel="canonical" href="https://vendor.example/post.html">')
    assert b'<a href="https://vendor.example/post.html?utm_source=acme&amp;utm_medium=partner&amp;utm_campaign=post"' \
        in tagged
