"""Right to left in Chromium: on the Arabic partner's page (tests/support/awkward_project.py) the phone
number, e-mail address and web address still read left to right, as laid out by a real browser."""

from __future__ import annotations

from typing import Any

from support.example import ExampleBuild
from support.lighthouse_runner import serve

# x of the first character of `start` and of `end` inside the first element matching `selector`, as laid out.
VISUAL_ORDER = """([selector, start, end]) => {
  const element = document.querySelector(selector);
  const text = element.firstChild;
  const at = (needle) => {
    const range = document.createRange();
    const index = text.data.indexOf(needle);
    range.setStart(text, index);
    range.setEnd(text, index + needle.length);
    return range.getClientRects()[0].left;
  };
  return [at(start), at(end)];
}"""


def test_phone_email_and_url_read_left_to_right_on_an_arabic_page(awkward_build: ExampleBuild, chromium: Any) -> None:
    with serve(awkward_build.out) as base:
        page = chromium.new_page()
        try:
            page.goto(base + "gulf-shield/index.html")
            assert page.evaluate("document.documentElement.dir") == "rtl"
            checks = [('a[href^="tel:"]', "+971", "0199"), ('a[href^="mailto:"]', "sales", "example"),
                      ('.contact a[href^="https://gulf-shield"]', "gulf", "example")]
            for selector, start, end in checks:
                first, last = page.evaluate(VISUAL_ORDER, [selector, start, end])
                assert first < last, f"{selector}: {start!r} shows right of {end!r}"
            # The control: without its isolation the phone number shows in the wrong order (the check can fail).
            page.evaluate("""document.querySelector('a[href^="tel:"]').removeAttribute('dir')""")
            first, last = page.evaluate(VISUAL_ORDER, checks[0])
            assert first > last, "without dir=ltr the number should read 0199 ... +971"
            # An English fallback sentence keeps its full stop at its end (right of the text).
            first, last = page.evaluate(VISUAL_ORDER, [".card--media p.card__summary[lang=en]", "A", "."])
            assert first < last
        finally:
            page.close()

