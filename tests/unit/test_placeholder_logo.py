"""A placeholder logo is recognised by its title before it is drawn again (placeholders.py): every logo
``cobrand new partner`` draws must hold the title :func:`cobrand.scaffold.logo_title` names."""

from __future__ import annotations

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
