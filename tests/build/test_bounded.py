"""Bounded work: content tokens cost time in proportion to their number, and the sandbox refuses
tokens that would make huge values, with the file and line, through a real load.

Work is measured without clocks: by the Python and C function calls a parse makes (sys.setprofile)
and by the characters the line counting scans (a str subclass that counts them).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import cobrand
from cobrand.load.markdown import make_markdown, render_body
from cobrand.models import Expression
from cobrand.scaffold import init_project
from cobrand.tokens import TokenError, TokenFiller, split_tokens, token_context
from support.example import ENVIRON


def post_with_tokens(count: int) -> str:
    return "".join(f"Paragraph {index} for {{{{ partner.name }}}} by {{{{ vendor.name }}}}.\n\n"
                   for index in range(count))


def calls_made(function, *args) -> int:
    """How many Python and built-in functions ``function(*args)`` calls, every nested call counted."""
    calls = 0

    def profile(frame, event, arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        function(*args)
    finally:
        sys.setprofile(None)
    return calls


def test_parsing_a_body_makes_calls_in_proportion_to_its_tokens():
    md = make_markdown()
    small = calls_made(render_body, md, post_with_tokens(300), 1, "blog")
    large = calls_made(render_body, md, post_with_tokens(1200), 1, "blog")
    # Four times the tokens: four times the calls (plus Markdown's constant setup), not sixteen.
    # Finding each token's number with list.index compared it with every token before it.
    assert large < 4.5 * small, (small, large)


class ScanCountingText(str):
    """Text that tallies how many characters ``count`` looks at."""

    scanned = 0

    def count(self, sub, start=None, end=None):  # type: ignore[override]
        begin = 0 if start is None else start
        stop = len(self) if end is None else end
        ScanCountingText.scanned += max(0, stop - begin)
        return super().count(sub, start, end)


def test_token_lines_are_counted_in_one_pass_over_the_text():
    text = post_with_tokens(2000)
    ScanCountingText.scanned = 0
    segments, _ = split_tokens(ScanCountingText(text), 5)
    expressions = [segment for segment in segments if isinstance(segment, Expression)]
    assert len(expressions) == 4000
    # Each token's line is right (two tokens per paragraph, a paragraph every second line) ...
    assert [expression.line for expression in expressions[:4]] == [5, 5, 7, 7]
    assert expressions[-1].line == 5 + 2 * 1999
    # ... and finding them looked at the text about once (counting from the start each time: ~4000 times).
    assert ScanCountingText.scanned <= 2 * len(text)


def test_filling_a_body_makes_calls_in_proportion_to_its_tokens():
    md = make_markdown()
    filler = TokenFiller()
    context = {"partner": {"name": "Acme"}, "vendor": {"name": "Harborline"}, "personalize": {}}
    small_body = render_body(md, post_with_tokens(300), 1, "blog")[0]
    large_body = render_body(md, post_with_tokens(1200), 1, "blog")[0]
    small = calls_made(filler.fill, small_body, context)
    large = calls_made(filler.fill, large_body, context)
    assert large <= 4.1 * small, (small, large)
    assert str(filler.fill(large_body, context)).count("Acme") == 1200


HUGE_TOKENS = [
    "partner.name * 10**9",
    "'x' * 99999999",
    "9**9**9",
    "99999999999 ** 99999999999",
    "partner.name.ljust(10**9)",
    "'%0999999999d' % 1",
    "'{:>999999999}'.format(1)",
    "(partner.ecosystems * 10000)|join('x' * 100)",
    "['x' * 20000] * 20000",
]


@pytest.mark.parametrize("source", HUGE_TOKENS)
def test_the_sandbox_refuses_huge_values_before_making_them(source):
    filler = TokenFiller()
    context = {"partner": {"name": "Acme", "ecosystems": ["aws", "azure"]}, "vendor": {}, "personalize": {}}
    with pytest.raises(TokenError) as caught:
        filler.evaluate(Expression(source, 7), context)
    assert caught.value.expression.line == 7
    assert "MemoryError" not in str(caught.value)


@pytest.mark.parametrize("source", ["partner.name|center(10**9)", "partner.name|indent(10**9)",
                                    "partner.name|safe", "range(10**9)"])
def test_unbounded_filters_and_globals_are_not_offered(source, tmp_path):
    filler = TokenFiller()
    with pytest.raises(TokenError):
        filler.evaluate(Expression(source, 1), {"partner": {"name": "Acme"}, "vendor": {}, "personalize": {}})


@pytest.mark.parametrize("source, expected", [
    ("partner.name|upper", "ACME IT"),
    ("partner.name.split(' ')|join('-')", "Acme-IT"),
    ("partner.name ~ '!' * 3", "Acme IT!!!"),
    ("2 ** 10", "1024"),
    ("partner.name|replace('IT', 'Services')", "Acme Services"),
])
def test_ordinary_tokens_still_work(source, expected):
    filler = TokenFiller()
    assert filler.evaluate(Expression(source, 1), {"partner": {"name": "Acme IT"}, "vendor": {},
                                                   "personalize": {}}) == expected


def _write_post(root: Path, body: str) -> Path:
    path = root / "content" / "blog" / "huge.md"
    path.write_text("---\ntitle: Huge\ndate: 2026-01-05\nsummary: A post.\n---\n\nFirst line.\n\n" + body,
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("token", ["{{ partner.name * 10**9 }}", "{{ 'x' * 99999999 }}", "{{ 9**9**9 }}"])
def test_a_huge_token_in_a_post_is_an_error_naming_the_file_and_line(tmp_path, token):
    root = tmp_path / "project"
    init_project(root, environ=ENVIRON)
    _write_post(root, f"Second line.\n\nHello {token}.\n")
    with pytest.raises(cobrand.ProjectError) as caught:
        cobrand.load_and_check(root, environ=ENVIRON)
    problems = [p for p in caught.value.problems if p.file == "content/blog/huge.md"]
    assert problems, caught.value.problems
    assert problems[0].line == 11  # the front matter is five lines, then a blank, two paragraphs, the token
    assert "MemoryError" not in problems[0].message


def test_a_post_with_many_tokens_builds_and_fills_every_one(tmp_path):
    root = tmp_path / "project"
    init_project(root, environ=ENVIRON)
    _write_post(root, post_with_tokens(5000))
    out = tmp_path / "out"
    cobrand.build(root, out_dir=out, jobs=1, pdfs=False, images=False, environ=ENVIRON)
    page = (out / "example-partner" / "blog" / "huge.html").read_text(encoding="utf-8")
    assert page.count("Example Partner by") == 5000
    assert "{{" not in page


def test_token_context_is_plain_data():
    # The sandbox sees dicts and lists only: nothing with methods that could make huge values unchecked.
    from cobrand.load import load_project
    from support.example import BUILD_DATE, ROOT

    project, _ = load_project(ROOT, BUILD_DATE)
    assert project is not None
    context = token_context(project.partners[0], project.vendor, {})
    stack = [context]
    while stack:
        value = stack.pop()
        assert isinstance(value, dict | list | str | type(None)), type(value)
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
