"""Build progress output: a live line on a terminal, plain lines in CI, nothing when quiet."""

from __future__ import annotations

import io
from pathlib import Path

import cobrand
from cobrand.errors import Problem
from cobrand.progress import NORMAL, QUIET, VERBOSE, Progress, is_ci, is_interactive, verbosity
from cobrand.report import PartnerResult
from support.example import ENVIRON, ROOT


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.25
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def results(count: int, failed: int | None = None) -> list[PartnerResult]:
    return [PartnerResult(f"partner-{index:03d}", "failed" if index == failed else "built", 10, 1, 0.4,
                          failure=Problem("themes/x/templates/index.html", "boom", line=4) if index == failed else None)
            for index in range(count)]


def run(progress: Progress, items: list[PartnerResult], total: int | None) -> None:
    with progress:
        if total is not None:
            progress.start(total)
        for result in items:
            progress(result)


def test_plain_output_reports_every_tenth_and_every_failure() -> None:
    out = io.StringIO()
    run(Progress(stream=out, interactive=False, clock=FakeClock()), results(100, failed=42), 100)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Rendering partners: 100 partner(s)"
    steps = [line for line in lines if "partners (" in line]
    assert [line.split()[0] for line in steps] == [f"{n}/100" for n in range(10, 101, 10)]
    assert "  failed partner-042: themes/x/templates/index.html:4: boom" in lines
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()


def test_verbose_plain_output_has_a_line_per_partner() -> None:
    out = io.StringIO()
    run(Progress(level=VERBOSE, stream=out, interactive=False, clock=FakeClock()), results(5), 5)
    assert [line.split()[:2] for line in out.getvalue().splitlines() if line.startswith("  built")] == \
        [["built", f"partner-{index:03d}:"] for index in range(5)]


def test_terminal_output_redraws_one_line_and_clears_it() -> None:
    out = Terminal()
    run(Progress(stream=out, interactive=True, clock=FakeClock()), results(8, failed=3), 8)
    text = out.getvalue()
    assert "Rendering partners [" in text and "8/8" in text
    assert "\r\x1b[2K  failed partner-003: themes/x/templates/index.html:4: boom\n" in text
    assert text.endswith("\r\x1b[2K")  # the live line is gone before the summary is printed
    assert text.count("\n") == 1  # only the failure leaves a line behind


def test_quiet_prints_nothing() -> None:
    out = Terminal()
    run(Progress(level=QUIET, stream=out, interactive=True, clock=FakeClock()), results(5, failed=1), 5)
    assert out.getvalue() == ""


def test_unknown_total_still_counts() -> None:
    out = io.StringIO()
    progress = Progress(stream=out, interactive=False, clock=FakeClock())
    run(progress, results(4), None)
    assert out.getvalue().splitlines()[-1].startswith("  4 partner(s) done in")
    assert progress.status_line().startswith("Rendering partners 4 done")


def test_interactive_only_on_a_terminal_outside_ci() -> None:
    assert is_interactive(Terminal(), {}) is True
    assert is_interactive(Terminal(), {"CI": "true"}) is False
    assert is_interactive(Terminal(), {"CI": "false"}) is True
    assert is_interactive(Terminal(), {"TERM": "dumb"}) is False
    assert is_interactive(io.StringIO(), {}) is False
    assert is_ci({"CI": "1"}) and not is_ci({}) and not is_ci({"CI": "0"})
    assert verbosity(True, True) == QUIET and verbosity(False, True) == VERBOSE and verbosity(False, 0) == NORMAL


def test_works_as_the_builds_on_partner_hook(tmp_path: Path) -> None:
    out = io.StringIO()
    progress = Progress(level=VERBOSE, stream=out, interactive=False)
    with progress:
        report = cobrand.build(ROOT, out_dir=tmp_path / "out", partners=("kestrel-cloud", "northbeam-it"),
                               pdfs=False, images=False, jobs=1, environ=ENVIRON, on_partner=progress)
    assert report.ok
    assert progress.done == 2
    assert "built  kestrel-cloud:" in out.getvalue() and "built  northbeam-it:" in out.getvalue()
