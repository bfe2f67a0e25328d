"""The default theme keeps a page one skeleton shape where partners differ only in an attribute
(docs/internals.md, skeleton rendering)."""

from __future__ import annotations

from pathlib import Path

import cobrand

TEMPLATES = Path(cobrand.__file__).resolve().parent / "themes" / "default" / "templates"


def test_the_language_attributes_are_printed_whole_not_behind_a_condition() -> None:
    """`{% if ui_lang %}` would make two shapes of every page: partners whose language has a catalogue and
    those whose has not."""
    pages = sorted(TEMPLATES.rglob("*.html"))
    assert len(pages) > 10
    assert [page.name for page in pages if "{% if ui_lang" in page.read_text(encoding="utf-8")] == []
    for page in ("base.html", "hub/base.html", "email/post.html"):
        assert "<body" in (text := (TEMPLATES / page).read_text(encoding="utf-8"))
        assert "{{ ui_lang_attrs }}>" in text, page
