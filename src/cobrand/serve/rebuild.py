"""Rebuilding: one build at a time, a burst of saves debounced into one, each outcome kept as a BuildState."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..build import build
from ..errors import CobrandError, Problem, ProjectError
from ..models import Project
from ..report import BuildReport

DEBOUNCE_SECONDS = 0.3


@dataclass(frozen=True)
class BuildState:
    """The outcome of one dev-server build.

    ``generation`` changes with every build (it is unique per server run, so a
    page from an earlier run reloads too). ``problems`` are the errors that
    made the build fail; the previous good output is still being served.
    """

    generation: str
    ok: bool
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    seconds: float = 0.0
    finished_at: float = 0.0
    changed: tuple[str, ...] = ()
    report: BuildReport | None = None

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON-ready data, for the status endpoint and the browsers."""
        return {
            "generation": self.generation,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "finished_at": self.finished_at,
            "changed": list(self.changed),
            "problems": [dict(problem.to_dict(), text=str(problem)) for problem in self.problems],
            "warnings": [dict(problem.to_dict(), text=str(problem)) for problem in self.warnings],
            "partners_built": len(self.report.built) if self.report else 0,
        }


@dataclass(frozen=True)
class BuildSettings:
    """What every dev-server build is asked for."""

    root: Path
    out: Path
    pdfs: bool = True
    images: bool = True
    partners: tuple[str, ...] = ()
    jobs: int | None = None
    environ: Mapping[str, str] | None = None
    preview: frozenset[str] = frozenset()  # "drafts", "future": shown too, pages marked as a preview
    hub: Path | None = None  # where partners' hubs are built (default: beside out)


def run_build(settings: BuildSettings, generation: str, changed: tuple[str, ...],
              on_load: Callable[[Project], None]) -> BuildState:
    """One build; whatever goes wrong becomes the state's problems, never an exception."""
    start = time.perf_counter()
    report: BuildReport | None = None
    warnings: tuple[Problem, ...] = ()
    try:
        report = build(settings.root, out_dir=settings.out, partners=settings.partners, pdfs=settings.pdfs,
                       images=settings.images, jobs=settings.jobs, environ=settings.environ, on_load=on_load,
                       preview=settings.preview, hub_dir=settings.hub)
        problems = tuple(report.errors)  # a skipped partner or a withheld item is shown, as a failure is
        warnings = tuple(report.all_warnings)
    except ProjectError as error:
        problems = tuple(error.problems)
    except CobrandError as error:
        problems = (Problem("cobrand", str(error)),)
    except Exception as error:  # the server must outlive any build failure
        detail = "".join(traceback.format_exception_only(error)).strip()
        problems = (Problem("cobrand", f"unexpected error while building: {detail}"),)
    except KeyboardInterrupt:  # Ctrl-C reached the build's worker processes
        problems = (Problem("cobrand", "the build was interrupted"),)
    return BuildState(generation=generation, ok=not problems, problems=problems, warnings=warnings,
                      seconds=time.perf_counter() - start, finished_at=time.time(), changed=changed, report=report)


class Rebuilder:
    """Runs ``build_once`` in its own thread whenever changes were noted and no more arrive for ``debounce``.

    ``build_once(changed)`` is called with the project paths that changed (none for the first build).
    """

    def __init__(self, build_once: Callable[[tuple[str, ...]], object], debounce: float = DEBOUNCE_SECONDS,
                 before: Callable[[tuple[str, ...]], None] | None = None) -> None:
        self.build_once = build_once
        self.debounce = debounce
        self.before = before
        self._wake = threading.Condition()
        self._pending = False
        self._building = False
        self._changed: set[str] = set()
        self._last_event = 0.0
        self._stopping = False
        self.first_done = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        """True while a build runs or one is waiting to start."""
        with self._wake:
            return self._building or self._pending

    def start(self) -> None:
        """Start the thread, with the first build due at once."""
        with self._wake:
            self._pending = True
            self._last_event = 0.0
        self._thread = threading.Thread(target=self._loop, name="cobrand-rebuild", daemon=True)
        self._thread.start()

    def note(self, paths: Iterable[str]) -> None:
        """Record changed project paths and schedule a (debounced) rebuild."""
        with self._wake:
            self._changed.update(paths)
            self._pending = True
            self._last_event = time.monotonic()
            self._wake.notify_all()

    def stop(self, timeout: float) -> bool:
        """Ask the thread to stop; True if it did within ``timeout`` (a build may still be running)."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is None:
            return True
        self._thread.join(timeout=timeout)
        return not self._thread.is_alive()

    def join(self, timeout: float) -> None:
        """Wait for the thread to end."""
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._stopping:
                    self._wake.wait()
                # Debounce: wait until no change has arrived for `debounce` seconds.
                while not self._stopping:
                    quiet_for = time.monotonic() - self._last_event
                    if quiet_for >= self.debounce:
                        break
                    self._wake.wait(self.debounce - quiet_for)
                if self._stopping:
                    return
                changed = tuple(sorted(self._changed))
                self._changed.clear()
                self._pending = False
                self._building = True
            try:
                if self.before is not None:
                    self.before(changed)
                self.build_once(changed)
            except Exception:  # a bug here must not end live reload for the session
                traceback.print_exc()
            finally:
                with self._wake:
                    self._building = False
                self.first_done.set()


def describe_build(state: BuildState) -> list[str]:
    """Lines for a terminal about one dev-server build."""
    if state.ok:
        report = state.report
        built = len([r for r in report.partners if r.status == "built"]) if report else 0
        reused = len([r for r in report.partners if r.status == "reused"]) if report else 0
        detail = f"{built} partner(s) rebuilt" + (f", {reused} unchanged" if reused else "")
        warned = f", {len(state.warnings)} warning(s)" if state.warnings else ""
        return [f"✓ Built in {state.seconds:.1f}s: {detail}{warned}"]
    noun = "problem" if len(state.problems) == 1 else "problems"
    lines = [f"✗ Build failed with {len(state.problems)} {noun}; still serving the last good build:"]
    seen: set[tuple[str, int | None, str | None]] = set()
    for problem in state.problems:
        key = (problem.file, problem.line, problem.field)
        if key not in seen:
            seen.add(key)
            lines.append(f"  {problem}")
    return lines


def describe_changes(paths: tuple[str, ...], limit: int = 3) -> str:
    """``Changed content/blog/a.md, cobrand.toml and 2 more``."""
    files = [path for path in paths if "." in Path(path).name] or list(paths)
    shown = ", ".join(files[:limit])
    more = f" and {len(files) - limit} more" if len(files) > limit else ""
    return f"Changed {shown}{more}; rebuilding…"
