"""The example project's own logos (issue 20): outlined, so nothing in them depends on a renderer's fonts.
Why it matters, in Chromium: tests/browser/test_logo_clipping.py."""

from __future__ import annotations

from support.example import ROOT


def test_outlined_example_logos_have_no_live_text():
    """The example's own logos are outlined: nothing in them depends on a renderer's fonts."""
    logos = [ROOT / "brand" / "harborline.svg", *sorted((ROOT / "partners").glob("*/logo.svg"))]
    assert len(logos) > 1
    for path in logos:
        assert b"<text" not in path.read_bytes(), path
