"""The Jinja2 environment themes render in: dotted names on view dicts, and translated strings."""

from __future__ import annotations

import datetime as dt
import gettext
import io

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from jinja2 import UndefinedError

from cobrand.build import load_and_check
from cobrand.render.context import frozen
from cobrand.render.i18n import install_translations
from cobrand.render.site import theme_environment
from support.example import ENVIRON, ROOT


@pytest.fixture(scope="module")
def env():
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    return theme_environment(project.theme)


def render(env, source: str, **values) -> str:
    return env.from_string(source).render(**values)


@pytest.mark.parametrize("view", [dict, frozen], ids=["dict", "read-only view"])
def test_dotted_names_read_dict_keys_even_when_a_dict_method_has_the_name(env, view):
    """The same on a plain dict and on the read-only mappings partners' views are made of (render.context.frozen)."""
    data = view({"name": "Kestrel & Co", "items": "three items", "date": dt.date(2026, 11, 22)})
    assert render(env, "{{ d.name }}|{{ d.items }}|{{ d.date.year }}", d=data) == "Kestrel &amp; Co|three items|2026"
    assert render(env, "{{ d.missing is defined }}|{{ d.get('name') }}", d=data) == "False|Kestrel &amp; Co"
    with pytest.raises(UndefinedError):  # themes render with StrictUndefined: a missing key is an error
        render(env, "{{ d.missing }}", d=data)


def test_theme_strings_are_escaped_and_formatted_like_jinja2_newstyle_gettext(env):
    catalog = Catalog(locale="de")
    catalog.add("Skip to content", "Zum Inhalt")
    catalog.add("%(partner)s, in partnership with %(vendor)s", "%(partner)s, in Partnerschaft mit %(vendor)s")
    catalog.add(("%(num)d min read", "%(num)d min read"), ("%(num)d Minute Lesezeit", "%(num)d Minuten Lesezeit"))
    catalog.add("Home", "Start", context="nav")
    catalog.add(("%(num)d page", "%(num)d pages"), ("%(num)d Seite", "%(num)d Seiten"), context="count")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    install_translations(env, gettext.GNUTranslations(buffer))
    try:
        assert render(env, "{{ _('Skip to content') }}|{{ _('Skip to content') }}") == "Zum Inhalt|Zum Inhalt"
        assert render(env, "{{ _('%(partner)s, in partnership with %(vendor)s', partner=p, vendor='<b>V</b>'|safe) }}",
                      p="A & <B>") == "A &amp; &lt;B&gt;, in Partnerschaft mit <b>V</b>"
        assert render(env, "{{ ngettext('%(num)d min read', '%(num)d min read', 1) }}|"
                           "{{ ngettext('%(num)d min read', '%(num)d min read', 4) }}") == (
            "1 Minute Lesezeit|4 Minuten Lesezeit")
        assert render(env, "{% trans n=2 %}{{ n }} of 100%{% endtrans %}") == "2 of 100%"
        assert render(env, "{{ pgettext('nav', 'Home') }}|{{ pgettext('other', 'Home') }}|"
                           "{{ npgettext('count', '%(num)d page', '%(num)d pages', 3) }}") == "Start|Home|3 Seiten"
        assert render(env, "{{ _('Untranslated 100%%') }}") == "Untranslated 100%"
    finally:
        install_translations(env, gettext.NullTranslations())
