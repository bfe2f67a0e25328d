"""Heading ids: cobrand's ``heading_id`` is the anchors plugin's own slug rule, written with a pattern Python
compiles cheaply (the plugin's spells out the CJK ideographs, which ``\\w`` already matches). Both are held equal
over every code point, and the Markdown parser is checked to use cobrand's."""

from __future__ import annotations

import sys

from mdit_py_plugins.anchors.index import slugify

from cobrand.load.markdown import make_markdown
from cobrand.tokens import heading_id

EVERY_CODE_POINT = "".join(chr(point) for point in range(sys.maxunicode + 1))


def test_heading_id_is_the_plugins_slug_rule_for_every_code_point() -> None:
    assert heading_id(EVERY_CODE_POINT) == slugify(EVERY_CODE_POINT)
    # And headings as vendors write them: spaces, case, accents, scripts.
    for text in ("Über Café", "日本語の見出し", "Ünïcödé and 中文 mixed", "tab\tand  two spaces", "a-b_c 9"):
        assert heading_id(text) == slugify(text)


def test_markdown_headings_get_the_plugins_ids() -> None:
    html = make_markdown().render("## Über 日本語: Ünïcödé!\n\n### Zweite Überschrift\n")
    assert f'id="{slugify("Über 日本語: Ünïcödé!")}"' in html
    assert 'id="über-日本語-ünïcödé"' in html
    assert 'id="zweite-überschrift"' in html
