"""A placeholder logo is recognised by its title before it is drawn again (placeholders.py): every logo
``cobrand new partner`` draws must hold the title :func:`cobrand.scaffold.logo_title` names."""

from __future__ import annotations

from pathlib import Path

import pytest

from cobrand.scaffold import brand_colors, logo_svg, logo_title


@pytest.mark.parametrize("name", ["Acme", "Beacon Field Data", "R&D <Labs> \"Q\" 'x'", "Sakura バックアップ",
                                  "شركة الخليج", "  spaced  ", "a"])
def test_every_placeholder_logo_holds_its_title(name: str) -> None:
    for primary, accent in (brand_colors(name), ("#112233", "#445566")):
        svg = logo_svg(name, primary, accent)
        assert svg.count(logo_title(name)) == 1
        assert logo_title(name + "x") not in svg


def test_the_content_checked_for_placeholder_copy_is_what_cobrand_new_writes() -> None:
    """placeholders.py names the folders and suffixes from the built-in kinds (so that a rebuild need not
    import scaffold.py); they are the ones `cobrand new` writes templates for, in the same order."""
    from cobrand import placeholders, scaffold

    assert list(placeholders.CONTENT_SUFFIX.items()) == list(scaffold.CONTENT_SUFFIX.items())
    # ... and it reads the placeholder copy from the templates `cobrand new` writes from.
    assert Path(str(scaffold.TEMPLATES)).resolve() == placeholders.TEMPLATE_FOLDER
    assert all((placeholders.TEMPLATE_FOLDER / name).is_file() for name in placeholders._COPY_TEMPLATES)


def test_placeholder_copy_is_remembered_by_the_templates_digest(tmp_path: Path) -> None:
    """The saved state keeps the templates' lines: the next build takes them without reading a template."""
    from cobrand import placeholders
    from cobrand.load.state import SavedState

    state = SavedState(tmp_path / "state")
    lines = placeholders.placeholder_lines(state)
    assert placeholders.PLACEHOLDER_SUMMARY in lines and len(lines) > 5
    state.save()
    placeholders._template_lines.cache_clear()
    assert placeholders.placeholder_lines(SavedState(tmp_path / "state")) == lines
    assert placeholders._template_lines.cache_info().misses == 0
    assert placeholders.placeholder_lines(SavedState(tmp_path / "elsewhere")) == lines  # no state: read
    assert placeholders._template_lines.cache_info().misses == 1
