"""Stage 6, report: what a build did, as text for people and JSON for CI."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .errors import Problem


@dataclass(frozen=True)
class PartnerResult:
    """The outcome of one partner's render."""

    slug: str
    status: str  # "built", "reused" (nothing changed) or "failed"
    files: int = 0
    pdfs: int = 0
    seconds: float = 0.0
    failure: Problem | None = None
    warnings: tuple[Problem, ...] = ()
    written: int = 0  # files rewritten because their inputs changed
    removed: int = 0  # stale files deleted from the partner's folder


@dataclass
class BuildReport:
    """Everything a build did. ``ok`` is False when any partner failed."""

    project: str
    out_dir: str
    partners: list[PartnerResult] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    strict: bool = False

    @property
    def failures(self) -> list[Problem]:
        return [result.failure for result in self.partners if result.failure is not None]

    @property
    def all_warnings(self) -> list[Problem]:
        """Project warnings and those found while rendering partners."""
        return self.warnings + sorted({w for result in self.partners for w in result.warnings})

    @property
    def ok(self) -> bool:
        """False when a partner failed, or, in strict mode, when anything warned."""
        return not self.failures and not (self.strict and self.all_warnings)

    @property
    def built(self) -> list[PartnerResult]:
        return [result for result in self.partners if result.status == "built"]

    @property
    def reused(self) -> list[PartnerResult]:
        return [result for result in self.partners if result.status == "reused"]

    def to_dict(self) -> dict[str, object]:
        """Plain data for ``report.json``."""
        return {
            "ok": self.ok,
            "project": self.project,
            "out_dir": self.out_dir,
            "counts": {
                "partners_built": len(self.built),
                "partners_reused": len(self.reused),
                "partners_failed": len(self.failures),
                "files": sum(result.files for result in self.partners),
                "files_written": sum(result.written for result in self.partners),
                "files_removed": sum(result.removed for result in self.partners),
                "pdfs": sum(result.pdfs for result in self.partners),
                "warnings": len(self.all_warnings),
                "removed": len(self.removed),
            },
            "partners": [
                {"slug": r.slug, "status": r.status, "files": r.files, "written": r.written,
                 "removed": r.removed, "pdfs": r.pdfs, "seconds": round(r.seconds, 3),
                 "failure": r.failure.to_dict() if r.failure else None}
                for r in self.partners
            ],
            "warnings": [problem.to_dict() for problem in self.all_warnings],
            "failures": [problem.to_dict() for problem in self.failures],
            "removed": self.removed,
            "timings": {stage: round(seconds, 3) for stage, seconds in self.timings.items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def summary(self) -> str:
        """A few lines for a person at a terminal."""
        counts = self.to_dict()["counts"]
        assert isinstance(counts, dict)
        total = sum(self.timings.values())
        lines = [f"Built {counts['partners_built']} partner site(s), reused {counts['partners_reused']}: "
                 f"{counts['files_written']} files written, {counts['files_removed']} removed, "
                 f"in {total:.1f}s -> {self.out_dir}"]
        lines += [f"warning: {problem}" for problem in self.all_warnings]
        lines += [f"failed: {problem}" for problem in self.failures]
        if self.removed:
            lines.append(f"Removed stale output: {', '.join(self.removed)}")
        return "\n".join(lines)
