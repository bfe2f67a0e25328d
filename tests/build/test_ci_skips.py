"""``COBRAND_CI=1`` makes any skipped test fail the run (tests/support/ci_skips.py), run on real pytest sessions.

Each test writes a tiny test module into pytester's folder and runs pytest on it in-process with the
plugin loaded (``-p support.ci_skips``), with and without the variable set.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

PASSING_AND_SKIPPED = """
import pytest

def test_passes():
    assert 1 + 1 == 2

def test_needs_a_tool():
    pytest.skip("frobnicator is not installed")

@pytest.mark.skipif(True, reason="no chromium here")
def test_needs_a_browser():
    pass
"""


def test_skips_pass_locally(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COBRAND_CI", raising=False)
    pytester.makepyfile(test_sample=PASSING_AND_SKIPPED)
    result = pytester.runpytest("-p", "support.ci_skips")
    result.assert_outcomes(passed=1, skipped=2)
    assert result.ret == pytest.ExitCode.OK


def test_skips_fail_ci_and_name_their_reasons(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COBRAND_CI", "1")
    pytester.makepyfile(test_sample=PASSING_AND_SKIPPED)
    result = pytester.runpytest("-p", "support.ci_skips")
    result.assert_outcomes(passed=1, skipped=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*COBRAND_CI=1: skipped tests fail CI*",
        "SKIPPED test_sample.py::test_needs_a_tool: frobnicator is not installed",
        "SKIPPED test_sample.py::test_needs_a_browser: no chromium here",
    ])


def test_a_module_skipped_at_collection_fails_ci(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COBRAND_CI", "1")
    pytester.makepyfile(test_sample=PASSING_AND_SKIPPED)
    pytester.makepyfile(test_whole=(
        "import pytest\n"
        "pytest.skip('the whole module needs a browser', allow_module_level=True)\n"
        "def test_never_runs():\n    pass\n"))
    result = pytester.runpytest("-p", "support.ci_skips", "test_whole.py")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["SKIPPED test_whole.py: the whole module needs a browser"])


def test_a_clean_ci_run_passes_and_xfail_is_not_a_skip(pytester: pytest.Pytester,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COBRAND_CI", "1")
    pytester.makepyfile(test_clean=(
        "import pytest\n"
        "def test_passes():\n    assert True\n"
        "@pytest.mark.xfail(reason='known', strict=True)\n"
        "def test_known_bug():\n    assert False\n"))
    result = pytester.runpytest("-p", "support.ci_skips")
    result.assert_outcomes(passed=1, xfailed=1)
    assert result.ret == pytest.ExitCode.OK
    assert "skipped tests fail CI" not in result.stdout.str()


def test_skips_only_on_the_variable_set_to_1(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COBRAND_CI", "0")
    pytester.makepyfile(test_sample=PASSING_AND_SKIPPED)
    result = pytester.runpytest("-p", "support.ci_skips")
    assert result.ret == pytest.ExitCode.OK
