"""Lighthouse 12.2.3 (npm, pinned) on a fixed sample of pages: the example's home page and the generated
Arabic partner's post, as a phone, served by a real local HTTP server (settings in tests/lighthouse_runner.py).

Accessibility, best practices and SEO must be 100. The performance score is a measure of time on a
shared machine, so the suite asserts what makes it and does not depend on load: no layout shift, every
image sized. Every page type in both form factors, with performance, is benchmarks/lighthouse.py
(results in benchmarks/README.md).
"""

from __future__ import annotations

import pytest

from lighthouse_runner import CHROMIUM, LIGHTHOUSE, run_lighthouse, serve

from conftest import ExampleBuild

STRICT = ("accessibility", "best-practices", "seo")

# A machine without the tools skips with the reason; CI fails on any skip (tests/ci_skips.py).
pytestmark = [
    pytest.mark.skipif(not LIGHTHOUSE.is_file(), reason=f"{LIGHTHOUSE} is missing: run bash scripts/setup (npm ci)"),
    pytest.mark.skipif(not CHROMIUM.is_file(), reason="Debian's chromium is needed at /usr/bin/chromium"),
]


@pytest.mark.parametrize(("project", "path"), [("example", "northbeam-it/index.html"),
                                               ("awkward", "gulf-shield/blog/restore-tests.html")],
                         ids=["example-home", "arabic-post"])
def test_lighthouse_scores_a_sample_page_100(project: str, path: str, example_build: ExampleBuild,
                                             awkward_build: ExampleBuild) -> None:
    build = example_build if project == "example" else awkward_build
    with serve(build.out) as base:
        result = run_lighthouse(base + path, "mobile")
    assert all(result.scores[name] == 100 for name in STRICT), result.describe()
    assert result.layout_shift < 0.01, result.describe()
    assert result.report["audits"]["unsized-images"]["score"] == 1, result.describe()
    # The run saw the page it was given, in its language, and scored it.
    assert result.report["finalDisplayedUrl"] == base + path
    assert result.scores["performance"] > 0
