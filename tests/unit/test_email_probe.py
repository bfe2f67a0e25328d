"""The e-mail skeletons' probe (render/email_skeleton.py): a stand-in may only be printed; anything else the
template asks of it makes that value exact, and templates whose captured output could be measured are refused.
The skeletons against the full renderer, on real e-mails: tests/build/test_email_skeleton.py."""

from __future__ import annotations

import pytest
from jinja2 import DictLoader, Environment, StrictUndefined

from cobrand.render import email_skeleton
from cobrand.render.email_skeleton import Unsafe, marker, marker_places, probe_context, probing, template_names


def _env(**templates: str) -> Environment:
    env = Environment(loader=DictLoader(templates), autoescape=True, undefined=StrictUndefined)
    env.globals["_"] = lambda text, **values: env.filters["e"](text) % values  # like the theme's strings
    return env


def _probe(env: Environment, template: str, context: dict) -> tuple[str, email_skeleton._Record]:
    record = email_skeleton._Record()
    names = template_names(env, template)
    probe = probe_context(env, record, frozenset(), names, context)
    with probing(env):
        return env.get_template(template).render(probe), record


PARTNER = {"partner": {"name": "Smith & Sons", "website": "https://smith.example", "year": 1998, "none": None}}


def test_printing_a_stand_in_writes_its_marker_and_guards_that_it_is_text() -> None:
    env = _env(t="<p title='{{ partner.name }}'>{{ partner.name }} since {{ partner.year }}</p>")
    document, record = _probe(env, "t", PARTNER)
    assert document == f"<p title='{marker(0)}'>{marker(0)} since {marker(1)}</p>"
    assert record.atoms == [("ctx", ("partner", "name")), ("ctx", ("partner", "year"))]
    assert record.guards[("ctx", ("partner", "name"))] is email_skeleton._TEXT


@pytest.mark.parametrize("source", [
    "{{ partner.name|upper }}",
    "{% if partner.name is string %}x{% endif %}",
    "{% if partner.name == 'Smith' %}x{% endif %}",
    "{{ partner.name|length }}",
    "{{ partner.website|replace('https://', '') }}",
    "{{ partner.name[0] }}",
    "{% for c in partner.name %}{{ c }}{% endfor %}",
    "{{ partner.year + 1 }}",
    "{% if partner.year > 2000 %}x{% endif %}",
    "{{ partner|length }}",
])
def test_a_stand_in_asked_anything_but_printing_names_its_value(source: str) -> None:
    env = _env(t=source)
    with pytest.raises(email_skeleton._Misuse) as caught:
        _probe(env, "t", PARTNER)
    assert caught.value.path[0] == "partner"


def test_filters_and_globals_are_themselves_again_after_a_probe() -> None:
    env = _env(t="{{ partner.name }}")
    filters, tests, strings = env.filters, env.tests, env.globals["_"]
    _probe(env, "t", PARTNER)
    assert env.filters is filters and env.tests is tests and env.globals["_"] is strings


def test_captured_output_may_be_printed_or_handed_to_the_theme_strings_only() -> None:
    fine = _env(t="{% set b %}<b>{{ partner.name }}</b>{% endset %}{{ b }}{{ _('by %(who)s', who=b) }}")
    document, _ = _probe(fine, "t", PARTNER)
    assert document == f"<b>{marker(0)}</b>by <b>{marker(0)}</b>"
    for source in ("{% set b %}{{ partner.name }}{% endset %}{{ b|length }}",
                   "{% set b %}{{ partner.name }}{% endset %}{% if b == 'x' %}y{% endif %}",
                   "{{ partner.name ~ '!' }}",
                   "{% macro m(x) %}{{ x }}{% endmacro %}{{ m(partner.name) }}",
                   "{% include 'other' %}"):
        with pytest.raises(Unsafe):
            template_names(_env(t=source, other=""), "t")


def test_a_name_the_partner_lacks_is_a_guard() -> None:
    env = _env(t="{% if partner is defined %}{{ partner.name }}{% endif %}")
    _, record = _probe(env, "t", {})
    assert record.guards[("ctx", ("partner",))] == ("undefined",)


def test_marker_places_tell_text_attributes_css_and_markup_apart() -> None:
    document = (f'<p title="{marker(0)}" data-x=\'{marker(1)}\'>{marker(2)} &am{marker(3)}</p>'
                f'<style>a {{ color: {marker(4)} }}</style><!-- {marker(5)} --><{marker(6)}>'
                f'<a href={marker(7)}>x</a><title>{marker(8)}</title>')
    assert marker_places(document) == [(0, "attr:title"), (1, "attr:data-x"), (2, "text"), (3, "entity"),
                                        (4, "raw:style"), (5, "markup"), (6, "text"), (7, "markup"),
                                        (8, "raw:title")]


def test_escaping_matches_css_inline_for_text_and_attributes() -> None:
    css_inline = pytest.importorskip("css_inline")
    value = "a & b <c> \"d\" 'e' \u00a0 f"
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False, keep_link_tags=False)
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    out = str(inliner.inline(f'<html><head></head><body><p title="{escaped}">{escaped}</p></body></html>'))
    assert (f'<p title="{email_skeleton.attribute_escape(value)}">{email_skeleton.text_escape(value)}</p>'
            in out)
