"""Typed errors raised by the cobrand library.

The library never prints and never exits: it raises these, and the CLI turns
them into messages and exit codes (the click convention).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the project, located as precisely as we can.

    ``file`` is relative to the project root (POSIX separators) so messages
    read the same on every machine; ``field`` is a dotted key path such as
    ``colors.primary``; ``line`` is 1-based when known.
    """

    file: str
    message: str
    field: str | None = None
    line: int | None = None
    severity: str = "error"
    scope: str | None = None

    def sort_key(self) -> tuple[str, int, str, str, str]:
        """Order by file, line, field, message; missing parts sort first."""
        return (self.file, self.line or 0, self.field or "", self.message, self.severity)

    def __lt__(self, other: Problem) -> bool:
        return self.sort_key() < other.sort_key()

    def __str__(self) -> str:
        location = self.file or "cobrand"
        if self.line is not None:
            location += f":{self.line}"
        if self.field:
            location += f": {self.field}"
        return f"{location}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        """Plain data for report.json."""
        return {
            "file": self.file,
            "field": self.field,
            "line": self.line,
            "message": self.message,
            "severity": self.severity,
            "scope": self.scope,
        }


class CobrandError(Exception):
    """Base class of every error cobrand raises on purpose."""

    exit_code = 1


class ProjectError(CobrandError):
    """The project has problems; all of them are listed in ``problems``."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} {noun} in the project:"]
        lines += [f"  {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


class UsageError(CobrandError):
    """The caller asked for something impossible (unknown partner, bad shard)."""

    exit_code = 2


class BuildLockedError(CobrandError):
    """Another build of the same output folder is running."""
