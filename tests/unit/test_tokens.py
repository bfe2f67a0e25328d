"""Token filling: the fast lookup of dotted names gives exactly what the Jinja2 sandbox gives."""

from __future__ import annotations

import pytest

from cobrand.models import Expression
from cobrand.tokens import TokenError, TokenFiller, _plain_lookup

CONTEXT = {
    "partner": {"name": "Ocean & Sons <b>", "tier": "gold", "ecosystems": ["aws", "azure"], "website": None,
                "contact": {"email": "hi@ocean.example", "phone": None}, "items": "shadowed by dict.items"},
    "vendor": {"name": "Harborline"},
    "personalize": {"intro": None, "cta_label": "Call us"},
}
EXPRESSIONS = ["partner.name", "partner.tier", "partner.ecosystems", "partner.website", "partner.contact",
               "partner.contact.email", "partner.contact.phone", "vendor.name", "personalize.intro",
               "personalize.cta_label", "partner.items", "partner.name | upper", "partner.name ~ '!'",
               "partner.ecosystems[0]", "partner.contact['email']"]


def through_sandbox(filler: TokenFiller, source: str) -> str:
    compiled = filler.env.compile_expression(source, undefined_to_none=False)
    value = compiled(**CONTEXT)
    return str("" if value is None else value)


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_fast_lookup_matches_the_sandbox(source):
    filler = TokenFiller()
    assert filler.evaluate(Expression(source, 1), CONTEXT) == through_sandbox(filler, source)


def test_names_the_fast_lookup_leaves_to_the_sandbox():
    from cobrand.tokens import _MISSING

    assert _plain_lookup(CONTEXT, "partner.items") is _MISSING  # a dict method in Jinja2's eyes
    assert _plain_lookup(CONTEXT, "partner.nope") is _MISSING
    assert _plain_lookup(CONTEXT, "partner.name | upper") is _MISSING
    assert _plain_lookup(CONTEXT, "partner.name") == "Ocean & Sons <b>"


@pytest.mark.parametrize("source", ["partner.nope", "partner.contact.fax", "partner.name.first"])
def test_a_missing_field_is_still_an_error_naming_the_token(source):
    with pytest.raises(TokenError, match=source.replace(".", r"\.")):
        TokenFiller().evaluate(Expression(source, 3), CONTEXT)
