"""cobrand's XML escape (feeds, sitemaps) gives what xml.sax.saxutils.escape gives, without importing it."""

from __future__ import annotations

import subprocess
import sys
from xml.sax.saxutils import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from cobrand.render.crawlers import xml_escape
from cobrand.render.feeds import _ATTRIBUTE_ENTITIES

TEXT = st.lists(st.sampled_from(["&", "<", ">", '"', "'", "\r", "\n", "\t", "&amp;", "a", "é", " ", "&#10;"]),
                max_size=30).map("".join) | st.text(max_size=30)


@settings(max_examples=500)
@given(TEXT)
def test_xml_escape_is_saxutils_escape(text: str) -> None:
    assert xml_escape(text) == escape(text)
    assert xml_escape(text, _ATTRIBUTE_ENTITIES) == escape(text, _ATTRIBUTE_ENTITIES)


def test_importing_cobrand_does_not_import_the_network_modules() -> None:
    """What xml_escape is for: saxutils brought urllib.request, http.client and ssl into every build process."""
    names = "('urllib.request', 'http.client', 'ssl', 'xml.sax.saxutils')"
    code = f"import sys, cobrand, cobrand.build; print(sorted(m for m in {names} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert result.stdout.strip() == "[]"
