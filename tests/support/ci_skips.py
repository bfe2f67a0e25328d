"""A pytest plugin: with ``COBRAND_CI=1`` in the environment, any skipped test fails the run.

Locally a missing browser or tool skips its tests with a reason (so a machine without chromium still
collects and runs everything else). In CI everything a test needs is installed by ``scripts/setup``, so
a skip there means a test silently did not run: ``.ci/run`` sets ``COBRAND_CI=1`` and this plugin turns
the run red, listing every skipped test and its reason. Expected failures (``xfail``) are not skips.

tests/conftest.py imports :func:`pytest_configure`; tests/build/test_ci_skips.py runs it with ``pytester``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

CI_VARIABLE = "COBRAND_CI"


def in_ci() -> bool:
    """True when the run is CI's (``COBRAND_CI=1``), where a skipped test is a failure."""
    return os.environ.get(CI_VARIABLE) == "1"


def _skip_reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (file, line, "Skipped: reason")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


class SkipsFailCI:
    """Records every skip of one run; in CI, fails a run that would otherwise pass and names the skips."""

    def __init__(self) -> None:
        self.skips: list[tuple[str, str]] = []

    def _record(self, report: pytest.CollectReport | pytest.TestReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            self.skips.append((report.nodeid, _skip_reason(report)))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A test skipped in setup or in its body (``skipif``, ``pytest.skip``, ``importorskip``)."""
        self._record(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A whole module skipped at collection (a module-level ``pytest.skip`` or ``importorskip``)."""
        self._record(report)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """In CI, a run that passed (or ran nothing) but skipped something exits with "tests failed"."""
        if in_ci() and self.skips and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """In CI, name every skipped test and its reason under a heading that says why the run failed."""
        if in_ci() and self.skips:
            terminalreporter.section(f"{CI_VARIABLE}=1: skipped tests fail CI", sep="=", red=True, bold=True)
            for nodeid, reason in self.skips:
                terminalreporter.line(f"SKIPPED {nodeid}: {reason}")


def pytest_configure(config: pytest.Config) -> None:
    """Register one :class:`SkipsFailCI` for this run."""
    config.pluginmanager.register(SkipsFailCI(), "cobrand-skips-fail-ci")
