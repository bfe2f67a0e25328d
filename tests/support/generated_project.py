"""A small generated project for the validator tests: a right-to-left Arabic partner with awkward colours
and the Japanese partner, on a copy of the example (see tests/*/test_validators_*.py)."""

from __future__ import annotations

from pathlib import Path

from support.example import copy_example

ARABIC = "kestrel-cloud"  # rewritten below as an Arabic-speaking partner in Dubai
JAPANESE = "sakura-systems"  # the example's ja-JP partner, as it is
PARTNERS = (ARABIC, JAPANESE)
ARABIC_PHONE = "+971 4 555 0199"
ARABIC_EMAIL = "hello@kestrel-cloud.example"


def rtl_cjk_project(tmp_path: Path, *, press: bool = False) -> Path:
    """A copy of the example whose ``ARABIC`` partner is ar-AE, named in Arabic, with a Dubai phone number,
    a yellow and a neon-green brand colour; ``press`` adds the press PDFs."""
    project = copy_example(tmp_path)
    toml = project / "partners" / ARABIC / "partner.toml"
    text = toml.read_text("utf-8")
    for old, new in (('name = "Kestrel Cloud"', 'name = "دار الأمل للتقنية"'),
                     ('locale = "en-GB"', 'locale = "ar-AE"'),
                     ('phone = "+44 117 496 0381"', f'phone = "{ARABIC_PHONE}"'),
                     ('primary = "#3d7ea6"', 'primary = "#ffee00"'),
                     ('accent = "#e07a2e"', 'accent = "#00ff66"')):
        assert old in text, old
        text = text.replace(old, new)
    assert f'email = "{ARABIC_EMAIL}"' in text
    toml.write_text(text, "utf-8")
    if press:
        config = project / "cobrand.toml"
        config.write_text(config.read_text("utf-8") + "\n[print]\npress = true\n", "utf-8")
    return project
