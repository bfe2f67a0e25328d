"""Build progress for the CLI: a live line on a terminal, plain lines in CI and logs.

:class:`Progress` is a callable to pass as ``build(..., on_partner=progress)``:
it receives each :class:`~cobrand.report.PartnerResult` as the partner
finishes (and, when the build provides it, the number of partners in the
build). Output goes to stderr so ``--json`` on stdout stays clean.

* interactive (stderr is a TTY and ``CI`` is not set): one line redrawn in
  place, ``Rendering partners [#####-----] 12/50 acme-it``; failures (and,
  with ``-v``, every partner) are printed above it;
* plain (a pipe, a log file, ``CI=true``): one line per stage, a progress line
  at every 10% of the partners, every failure as it happens, and with ``-v``
  one line per partner;
* quiet (``-q``): nothing; the CLI prints the summary's warnings and errors.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from .report import PartnerResult

QUIET, NORMAL, VERBOSE = -1, 0, 1
BAR_WIDTH = 24
REDRAW_SECONDS = 0.1
PLAIN_STEPS = 10  # plain output reports every 10% of the partners


def is_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``CI`` is set to anything but an explicit false (GitHub Actions, GitLab, ... set it)."""
    value = (os.environ if environ is None else environ).get("CI", "")
    return value.strip().lower() not in {"", "0", "false", "no", "off"}


def is_interactive(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to draw a live line: a terminal, outside CI, and not a dumb terminal."""
    env = os.environ if environ is None else environ
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty and not is_ci(env) and env.get("TERM", "") != "dumb"


def verbosity(quiet: bool, verbose: int | bool) -> int:
    """``-q`` and ``-v`` flags as one level: QUIET, NORMAL or VERBOSE."""
    if quiet:
        return QUIET
    return VERBOSE if verbose else NORMAL


class Progress:
    """Reports a build's progress; use it as ``on_partner`` and call :meth:`finish` afterwards.

    ``total`` may be given up front (``start``), with each call, or not at all
    (then the line shows a count without a bar).
    """

    def __init__(self, *, level: int = NORMAL, stream: TextIO | None = None, interactive: bool | None = None,
                 environ: Mapping[str, str] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.level = level
        self.interactive = is_interactive(self.stream, environ) if interactive is None else interactive
        self.clock = clock
        self.total: int | None = None
        self.done = 0
        self.failed = 0
        self.reused = 0
        self.label = "Rendering partners"
        self._started = clock()
        self._last_draw = float("-inf")
        self._line_shown = False
        self._next_plain_step = 1
        self._announced = False
        self._counted = False

    # --- hooks ----------------------------------------------------------------------

    def start(self, total: int | None = None, label: str | None = None) -> None:
        """Begin a stage (``label``) with ``total`` partners."""
        self.total = total
        if label:
            self.label = label
        self._started = self.clock()
        self.done = self.failed = self.reused = 0
        self._next_plain_step = 1
        self._announced = False
        self._announce()

    stage = start

    def __call__(self, result: PartnerResult, total: int | None = None) -> None:
        """One partner finished (built, reused or failed)."""
        if total is not None:
            self.total = total
        self._announce()
        self.done += 1
        if result.status == "failed":
            self.failed += 1
        elif result.status == "reused":
            self.reused += 1
        if self.level <= QUIET:
            return
        message = self._partner_line(result)
        if message is not None:
            self._print(message)
        if self.interactive:
            self._draw()
        else:
            self._plain_step()

    on_partner = __call__

    def finish(self) -> None:
        """Clear the live line (call before printing the build summary)."""
        if self.interactive and self._line_shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._line_shown = False
        elif not self.interactive and self.total is None and self.done and self.level >= NORMAL \
                and not self._counted:
            self._counted = True
            self._print(f"  {self.done} partner(s) done in {_duration(self.clock() - self._started)}")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_: object) -> None:
        self.finish()

    # --- output --------------------------------------------------------------------

    def _announce(self) -> None:
        if self._announced or self.level <= QUIET:
            return
        self._announced = True
        if not self.interactive:
            count = f" {self.total} partner(s)" if self.total is not None else ""
            self._print(f"{self.label}:{count}" if count else f"{self.label}…")

    def _partner_line(self, result: PartnerResult) -> str | None:
        if result.status == "failed":
            reason = str(result.failure) if result.failure is not None else "failed"
            return f"  failed {result.slug}: {reason}"
        if self.level < VERBOSE:
            return None
        if result.status == "reused":
            return f"  reused {result.slug} (unchanged)"
        pdfs = f", {result.pdfs} PDF(s)" if result.pdfs else ""
        written = getattr(result, "written", 0)
        changed = f", {written} rewritten" if written and written != result.files else ""
        return f"  built  {result.slug}: {result.files} file(s){pdfs}{changed} in {result.seconds:.1f}s"

    def _print(self, message: str) -> None:
        if self.interactive and self._line_shown:
            self.stream.write("\r\x1b[2K")
            self._line_shown = False
        self.stream.write(message + "\n")
        self.stream.flush()
        if self.interactive:
            self._draw(force=True)

    def _draw(self, force: bool = False) -> None:
        now = self.clock()
        finished = self.total is not None and self.done >= self.total
        if not force and not finished and now - self._last_draw < REDRAW_SECONDS:
            return
        self._last_draw = now
        self.stream.write("\r\x1b[2K" + self.status_line(now))
        self.stream.flush()
        self._line_shown = True

    def status_line(self, now: float | None = None) -> str:
        """``Rendering partners [#####-------] 12/50, 1 failed, ~8s left``."""
        now = self.clock() if now is None else now
        parts = [self.label]
        if self.total:
            filled = round(BAR_WIDTH * min(self.done, self.total) / self.total)
            parts.append(f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {self.done}/{self.total}")
        else:
            parts.append(f"{self.done} done")
        notes = []
        if self.reused:
            notes.append(f"{self.reused} unchanged")
        if self.failed:
            notes.append(f"{self.failed} failed")
        left = self._eta(now)
        if left is not None:
            notes.append(f"~{_duration(left)} left")
        return " ".join(parts) + (", " + ", ".join(notes) if notes else "")

    def _eta(self, now: float) -> float | None:
        if not self.total or not self.done or self.done >= self.total:
            return None
        elapsed = now - self._started
        return elapsed / self.done * (self.total - self.done)

    def _plain_step(self) -> None:
        """Plain mode: a line each time another 10% of the partners is done (and at the end)."""
        if not self.total:
            return
        reached = self.done * PLAIN_STEPS // self.total
        if reached < self._next_plain_step and self.done < self.total:
            return
        self._next_plain_step = reached + 1
        percent = self.done * 100 // self.total
        elapsed = self.clock() - self._started
        line = f"  {self.done}/{self.total} partners ({percent}%) in {_duration(elapsed)}"
        left = self._eta(self.clock())
        if left is not None:
            line += f", ~{_duration(left)} left"
        self._print(line)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s" if seconds >= 10 else f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds + 0.5), 60)
    return f"{minutes}m{rest:02d}s"
