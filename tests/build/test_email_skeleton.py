"""E-mail skeletons (render/email_skeleton.py) against the full renderer: the example with an Arabic and a
Japanese partner, plus twins of its partners (same locale, so they share skeletons) with awkward values:
markup characters and quotes in names and contacts, a very long name, other colours, no phone. Every e-mail
made from skeletons must equal the one made in full, byte for byte; a broken skeleton must be caught."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import cobrand
from cobrand.load import load_project
from cobrand.render import email_skeleton
from cobrand.render.email_skeleton import EmailSkeletons
from cobrand.render.engine.renderers import RenderMismatchError
from cobrand.render.newsletter import render_emails
from cobrand.render.plaintext import BlockMemo
from support.example import BUILD_DATE
from support.generated_project import rtl_cjk_project
from support.newsletter import EMBED_POST, EMBED_SOURCE

TWINS = {  # twin slug: (partner copied, values set in its partner.toml)
    "ampersand-twin": ("northbeam-it", {"name": 'Smith & "Sons" <Ltd> O\'Neil', "address": "1 <b>Bold</b> & Co's Way",
                                         "primary": "#123ABC", "utm_source": "smith-sons"}),
    "long-twin": ("northbeam-it", {"name": "The Exceptionally Long Named Regional Managed Backup and Recovery "
                                           "Cooperative of the Greater Northern Lakes",
                                   "phone": None, "utm_source": "long-twin"}),
    # A stand-in's own characters in a partner's values: that partner's e-mails are made in full.
    "marker-twin": ("northbeam-it", {"name": "Fake \ue0001\ue001 Marker", "address": "\ue000 Street",
                                     "utm_source": "marker-twin"}),
    "german-twin": ("falkenstein-systeme", {"name": "Müller & Söhne „Daten“ GmbH", "accent": "#00ff7f",
                                                    "utm_source": "mueller"}),
}


def _set(text: str, key: str, value: str | None) -> str:
    line = re.compile(rf"^{key} = .*$", re.MULTILINE)
    if value is None:
        return line.sub("", text, count=1)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return line.sub(lambda _: f'{key} = "{escaped}"', text, count=1)


def _twins_project(folder: Path) -> Path:
    root = rtl_cjk_project(folder)
    (root / "content" / "blog" / f"{EMBED_POST}.md").write_text(EMBED_SOURCE, "utf-8")
    for slug, (original, values) in TWINS.items():
        shutil.copytree(root / "partners" / original, root / "partners" / slug)
        toml = root / "partners" / slug / "partner.toml"
        text = toml.read_text("utf-8")
        for key, value in values.items():
            text = _set(text, key, value)
        toml.write_text(text, "utf-8")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The example, an Arabic and a Japanese partner, and the awkward twins; loaded."""
    root = _twins_project(tmp_path_factory.mktemp("email-skeleton"))
    loaded, problems = load_project(root, BUILD_DATE)
    assert loaded is not None, problems
    return loaded


@pytest.fixture(scope="module")
def full(project: Any) -> dict[str, dict[str, bytes]]:
    """Every partner's e-mails made in full (no memo, no skeleton)."""
    return {partner.slug: render_emails(project, partner) for partner in project.partners}


def test_emails_from_skeletons_equal_the_full_renderers_for_every_partner(project: Any, full: Any) -> None:
    store = EmailSkeletons()
    memo = BlockMemo()
    for partner in project.partners:
        assert render_emails(project, partner, memo=memo, skeletons=store) == full[partner.slug], partner.slug
    # The twins were filled from skeletons their originals' e-mails made, awkward values and all.
    assert store.counts["filled"] > store.counts["made"] > 0
    assert store.counts["retired"] == 0
    twins = {skeleton.creator for shapes in store.shapes.values() for skeleton in shapes}
    assert not set(TWINS) <= twins  # not every twin needed a skeleton of its own
    assert "marker-twin" not in twins and store.counts["full"] > 0  # its values cannot stand in a skeleton


def test_verify_mode_passes_with_skeletons(project: Any, full: Any) -> None:
    store = EmailSkeletons()
    for partner in project.partners:
        assert render_emails(project, partner, verify=True, skeletons=store) == full[partner.slug]


def test_awkward_values_are_escaped_where_they_land(project: Any, full: Any) -> None:
    store = EmailSkeletons()
    northbeam = next(partner for partner in project.partners if partner.slug == "northbeam-it")
    twin = next(partner for partner in project.partners if partner.slug == "ampersand-twin")
    render_emails(project, northbeam, skeletons=store)
    made = render_emails(project, twin, skeletons=store)
    assert store.counts["filled"] > store.counts["made"]  # the twin's e-mails came from northbeam's skeletons
    page = next(data for path, data in made.items() if path.endswith(".html")).decode("utf-8")
    # The name in text, in an attribute and the colour in CSS, as css-inline writes them.
    assert "<strong>Smith &amp; \"Sons\" &lt;Ltd&gt; O'Neil</strong>" in page
    assert 'alt="Smith &amp; &quot;Sons&quot; <Ltd> O\'Neil"' in page
    assert "background-color: #123abc;" in page
    assert made == full["ampersand-twin"]


def test_verify_names_partner_and_file_when_a_substitution_is_broken(project: Any) -> None:
    store = EmailSkeletons()
    northbeam = next(partner for partner in project.partners if partner.slug == "northbeam-it")
    twin = next(partner for partner in project.partners if partner.slug == "ampersand-twin")
    render_emails(project, northbeam, skeletons=store)
    assert store.counts["made"] > 0
    for shapes in store.shapes.values():
        for skeleton in shapes:
            # Every value written unescaped: what a wrong escaping table would do ('&' in the twin's name).
            skeleton.slots = [(index, str) for index, _ in skeleton.slots]
            skeleton.checked = {"northbeam-it", "someone-else"}  # past its own checks: only verify can catch it
    with pytest.raises(RenderMismatchError) as caught:
        render_emails(project, twin, verify=True, skeletons=store)
    message = str(caught.value)
    assert "partner ampersand-twin" in message and "e-mail email/" in message and ".html" in message


def test_a_skeleton_that_differs_from_the_full_renderer_is_retired_in_fast_mode(project: Any, full: Any) -> None:
    store = EmailSkeletons()
    northbeam = next(partner for partner in project.partners if partner.slug == "northbeam-it")
    twin = next(partner for partner in project.partners if partner.slug == "ampersand-twin")
    render_emails(project, northbeam, skeletons=store)
    for shapes in store.shapes.values():
        for skeleton in shapes:
            skeleton.parts = [part.replace("<h1", "<h2") for part in skeleton.parts]
    # The first other partner a skeleton serves is compared with the full renderer: retired, not written.
    assert render_emails(project, twin, skeletons=store) == full["ampersand-twin"]
    assert store.counts["retired"] > 0


def test_a_theme_email_template_a_probe_cannot_follow_is_made_in_full_and_read_once(tmp_path: Path) -> None:
    root = rtl_cjk_project(tmp_path)
    default = Path(cobrand.__file__).parent / "themes" / "default" / "templates" / "email" / "post.html"
    source = default.read_text("utf-8").replace("<h1 class=\"title\">{{ item.title }}</h1>",
                                                "<h1 class=\"title\">{{ shout(item.title) }}</h1>")
    assert source != default.read_text("utf-8")
    target = root / "themes" / "harborline" / "templates" / "email" / "post.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("{% macro shout(text) %}{{ text }}!{% endmacro %}" + source, "utf-8")
    loaded, problems = load_project(root, BUILD_DATE)
    assert loaded is not None, problems
    store = EmailSkeletons()
    for partner in loaded.partners:
        made = render_emails(loaded, partner, skeletons=store)
        assert made == render_emails(loaded, partner), partner.slug
        assert any(b"!</h1>" in data for data in made.values())
    assert store.counts["made"] == 0 and store.counts["full"] > 0
    assert isinstance(store.names["email/post.html"], email_skeleton.Unsafe)  # refused once, kept
