"""Stage 6, report: what a build did, as text for people and JSON for CI."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from .errors import Problem
from .hooks import call, each
from .models import Project
from .plan import PlanSummary

_ENTRY = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def report_json(data: dict[str, object]) -> str:
    """``data`` as JSON with each top-level key on a line of its own and each entry of its lists and objects
    (a partner, a warning, a timing) on one line: a fleet's report reads, greps and diffs partner by partner.

    Each line is written by the json module's C encoder: an indented dump goes through its pure-Python
    encoder instead, slow for a fleet's report, which every build writes.
    """
    lines = []
    for key, value in data.items():
        name = _ENTRY.encode(key)
        if isinstance(value, list) and value:
            entries = ",\n".join(f"    {_ENTRY.encode(entry)}" for entry in value)
            lines.append(f"  {name}: [\n{entries}\n  ]")
        elif isinstance(value, dict) and value:
            entries = ",\n".join(f"    {_ENTRY.encode(inner)}: {_ENTRY.encode(entry)}"
                                  for inner, entry in value.items())
            lines.append(f"  {name}: {{\n{entries}\n  }}")
        else:
            lines.append(f"  {name}: {_ENTRY.encode(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


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
    # Absolute URLs (from site.base_url) of the files this build added, changed and removed.
    urls_added: tuple[str, ...] = ()
    urls_changed: tuple[str, ...] = ()
    urls_removed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()  # withheld items (kind/slug) whose last good files this partner keeps
    # The same for the partner's hub: absolute from [hub] base_url where set, else paths inside the hub root.
    hub_urls_added: tuple[str, ...] = ()
    hub_urls_changed: tuple[str, ...] = ()
    hub_urls_removed: tuple[str, ...] = ()
    plan_summary: PlanSummary | None = None  # what the vendor overview shows of its plan, when this run planned it


@dataclass
class BuildReport:
    """Everything a build did. ``ok`` is False when any partner failed or was skipped, any
    content item was withheld, or the build was refused (``refusal`` then lists why)."""

    project: str
    out_dir: str
    partners: list[PartnerResult] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    strict: bool = False
    skipped: dict[str, list[Problem]] = field(default_factory=dict)  # partner slug -> its errors
    withheld: dict[str, list[Problem]] = field(default_factory=dict)  # content kind/slug -> its errors
    refusal: list[Problem] | None = None  # why the build stopped, when it did
    hub_dir: str = ""  # the folder of partners' hubs
    only: str | None = None  # "site" or "hub" when the build wrote just that root (``--only``)

    @property
    def failures(self) -> list[Problem]:
        return [result.failure for result in self.partners if result.failure is not None]

    @property
    def all_warnings(self) -> list[Problem]:
        """Project warnings and those found while rendering partners."""
        return self.warnings + sorted({w for result in self.partners for w in result.warnings})

    @property
    def errors(self) -> list[Problem]:
        """Every error of the run: the refusal's, skipped partners', withheld items' and failures."""
        found = list(self.refusal or [])
        found += [problem for problems in self.skipped.values() for problem in problems]
        found += [problem for problems in self.withheld.values() for problem in problems]
        return sorted(set(found)) + self.failures

    @property
    def ok(self) -> bool:
        """False when anything was refused, skipped, withheld or failed, or, in strict mode, warned."""
        return (self.refusal is None and not self.failures and not self.skipped and not self.withheld
                and not (self.strict and self.all_warnings))

    def kept_by(self, item: str) -> list[str]:
        """The partners that keep the last good version of withheld ``item`` (their previous files of it)."""
        return sorted(result.slug for result in self.partners if item in result.kept)

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
            "refused": self.refusal is not None,
            "project": self.project,
            "out_dir": self.out_dir,
            "hub_dir": self.hub_dir,
            "only": self.only,
            "counts": {
                "partners_built": len(self.built),
                "partners_reused": len(self.reused),
                "partners_failed": len(self.failures),
                "partners_skipped": len(self.skipped),
                "content_withheld": len(self.withheld),
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
                 "failure": r.failure.to_dict() if r.failure else None,
                 "urls": {"added": list(r.urls_added), "changed": list(r.urls_changed),
                          "removed": list(r.urls_removed)},
                 "hub_urls": {"added": list(r.hub_urls_added), "changed": list(r.hub_urls_changed),
                              "removed": list(r.hub_urls_removed)}}
                for r in self.partners
            ],
            "skipped": [{"slug": slug, "problems": [problem.to_dict() for problem in problems]}
                        for slug, problems in sorted(self.skipped.items())],
            "withheld": [{"item": key, "problems": [problem.to_dict() for problem in problems],
                          "kept_by": self.kept_by(key)}
                         for key, problems in sorted(self.withheld.items())],
            "errors": [problem.to_dict() for problem in self.errors],
            "warnings": [problem.to_dict() for problem in self.all_warnings],
            "failures": [problem.to_dict() for problem in self.failures],
            "removed": self.removed,
            "timings": {stage: round(seconds, 3) for stage, seconds in self.timings.items()},
        }

    @property
    def destination(self) -> str:
        """Where this run wrote, for the summary: the sites' folder, the hubs' or both."""
        if self.only == "site":
            return f"{self.out_dir} (hubs not built: --only site)"
        if self.only == "hub":
            return f"{self.hub_dir} (sites not built: --only hub)"
        return self.out_dir + (f" (hubs: {self.hub_dir})" if self.hub_dir else "")

    def to_json(self) -> str:
        """The report as JSON (:func:`report_json`)."""
        return report_json(self.to_dict())

    def summary(self) -> str:
        """A few lines for a person at a terminal."""
        counts = self.to_dict()["counts"]
        assert isinstance(counts, dict)
        total = sum(self.timings.values())
        lines = [f"Built {counts['partners_built']} partner site(s), reused {counts['partners_reused']}: "
                 f"{counts['files_written']} files written, {counts['files_removed']} removed, "
                 f"in {total:.1f}s -> {self.destination}"]
        if self.refusal is not None:
            lines = ["Build stopped before it finished" if self.partners
                     else "Build refused: no partner's output was changed"]
            lines += [f"error: {problem}" for problem in self.refusal]
        lines += [f"warning: {problem}" for problem in self.all_warnings]
        for slug, problems in sorted(self.skipped.items()):
            lines.append(f"skipped partner {slug} (its previous output is kept):")
            lines += [f"  error: {problem}" for problem in problems]
        for key, problems in sorted(self.withheld.items()):
            keeping = self.kept_by(key)
            lines.append(f"withheld {key}: nothing new of it is published"
                         + (f"; {', '.join(keeping)} keep(s) its last good version:" if keeping
                            else ", and no partner had it:"))
            lines += [f"  error: {problem}" for problem in problems]
        lines += [f"failed: {problem}" for problem in self.failures]
        if self.removed:
            lines.append(f"Removed stale output: {', '.join(self.removed)}")
        return "\n".join(lines)


UNFINISHED = "this build stopped before it finished; report.json is written again when a build ends"


def unfinished_report(report: BuildReport) -> BuildReport:
    """What ``report.json`` says while a build runs: that it has not finished. A build killed on the way (a crash in
    native code, the OOM killer, a CI job's time limit) then leaves no earlier run's report to be taken for its
    own."""
    return replace(report, refusal=[Problem("", UNFINISHED)])


def refused_report(project: str, out_dir: str, problems: list[Problem]) -> BuildReport:
    """The report of a run refused before it built anything (what ``report.json`` says then)."""
    return BuildReport(project=project, out_dir=out_dir, refusal=sorted(problems))


def _escape_data(text: str) -> str:
    # GitHub's workflow-command escaping (actions/toolkit, command.ts): % first, then line breaks.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(problem: Problem, level: str | None = None) -> str:
    """One GitHub Actions workflow command (``::error file=...,line=...::message``) for ``problem``."""
    kind = level or ("warning" if problem.severity == "warning" else "error" if problem.severity == "error"
                     else "notice")
    properties = []
    if problem.file:
        properties.append(f"file={_escape_property(problem.file)}")
    if problem.line is not None:
        properties.append(f"line={problem.line}")
    title = f"cobrand: {problem.field}" if problem.field else "cobrand"
    properties.append(f"title={_escape_property(title)}")
    return f"::{kind} {','.join(properties)}::{_escape_data(problem.message)}"


def github_annotations(report: BuildReport) -> str:
    """Every error and warning of a build as workflow commands, one a line."""
    lines = [annotation(problem, "error") for problem in report.errors]
    level = "error" if report.strict else "warning"
    lines += [annotation(problem, level) for problem in report.all_warnings]
    return "".join(line + "\n" for line in lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_summary(report: BuildReport) -> str:
    """A Markdown summary of a build for ``$GITHUB_STEP_SUMMARY``."""
    data = report.to_dict()
    counts = data["counts"]
    assert isinstance(counts, dict)
    verdict = "refused" if report.refusal is not None else "OK" if report.ok else "FAILED"
    lines = [f"## cobrand build: {verdict}", ""]
    lines += ["| | |", "|---|---|"]
    lines += [f"| {name.replace('_', ' ')} | {value} |" for name, value in counts.items()]
    lines.append("")
    if report.refusal is not None:
        lines += ["### Refused", ""] + [f"- `{_cell(str(problem))}`" for problem in report.refusal] + [""]
    for title, units in (("Skipped partners (previous output kept)", report.skipped),
                         ("Withheld content", report.withheld)):
        if units:
            lines += [f"### {title}", ""]
            for unit, problems in sorted(units.items()):
                keeping = report.kept_by(unit) if units is report.withheld else []
                lines.append(f"- **{_cell(unit)}**" + (f" (last good version kept by {', '.join(keeping)})"
                                                       if keeping else ""))
                lines += [f"  - `{_cell(str(problem))}`" for problem in problems]
            lines.append("")
    if report.failures:
        lines += ["### Failed", ""] + [f"- `{_cell(str(problem))}`" for problem in report.failures] + [""]
    if report.all_warnings:
        lines += ["### Warnings", ""] + [f"- `{_cell(str(problem))}`" for problem in report.all_warnings] + [""]
    changed = [result for result in report.partners
               if result.urls_added or result.urls_changed or result.urls_removed]
    if changed:
        lines += ["### Changed URLs", "", "| partner | added | changed | removed |", "|---|---|---|---|"]
        lines += [f"| {result.slug} | {len(result.urls_added)} | {len(result.urls_changed)} | "
                  f"{len(result.urls_removed)} |" for result in changed]
        lines.append("")
    return "\n".join(lines) + "\n"


# The plugins' last hook (hooks.py): defined with the report it hands them.
@dataclass(frozen=True)
class AfterBuild:
    """``on_after_build``: the build's report, before ``report.json`` is written."""

    project: Project
    report: BuildReport


def after_build(project: Project, report: BuildReport) -> None:
    """Every plugin's ``on_after_build``, in order; raises :class:`PluginError`."""
    for enabled, method in each(project.plugins, "on_after_build"):
        event = AfterBuild(project, report)
        call(enabled, "on_after_build", lambda: method(event))  # noqa: B023 - called at once
