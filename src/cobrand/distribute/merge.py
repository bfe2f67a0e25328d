"""``cobrand merge-reports``: the report.json files of a sharded build, joined into one.

Shards cover disjoint partners, so partners and their failures are joined; project
warnings appear in every shard's report and are counted once. Counts are worked out
again from the joined entries exactly as :class:`cobrand.report.BuildReport` works them
out for a single build, and ``ok`` holds only when every shard's report is ok.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import CobrandError


class ReportError(CobrandError):
    """A shard's report cannot be read, or two shards built the same partner."""

    exit_code = 2


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReportError(f"{path}: cannot read a build report ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("partners"), list):
        raise ReportError(f"{path}: not a cobrand build report (no partners list)")
    if data.get("only") not in (None, "site", "hub"):
        raise ReportError(f"{path}: only: must be \"site\", \"hub\" or null, not {json.dumps(data['only'])}")
    return data


def _unique(entries: list[Any]) -> list[Any]:
    """Entries in first-seen order, each once (by its JSON)."""
    seen: dict[str, Any] = {}
    for entry in entries:
        seen.setdefault(json.dumps(entry, sort_keys=True), entry)
    return list(seen.values())


def merge_reports(paths: Sequence[Path]) -> dict[str, Any]:
    """One report from the shard reports at ``paths``."""
    if not paths:
        raise ReportError("merge-reports needs at least one report.json")
    reports = [_read(path) for path in paths]
    roots = {report.get("only") for report in reports}
    if len(roots) > 1:  # one shard's sites beside another's hubs is no build's report
        named = ", ".join(f"{path} ({report.get('only') or 'both'})"
                          for path, report in zip(paths, reports, strict=True))
        raise ReportError(f"the shards wrote different roots (--only): {named}")
    partners: list[dict[str, Any]] = []
    owner: dict[str, Path] = {}
    for path, report in zip(paths, reports, strict=True):
        for entry in report["partners"]:
            slug = entry.get("slug")
            if slug in owner:
                raise ReportError(f"partner {slug} is in both {owner[slug]} and {path}: shards overlap")
            owner[slug] = path
            partners.append(entry)
    partners.sort(key=lambda entry: str(entry.get("slug")))  # a single build lists partners in slug order
    warnings = sorted(_unique([w for report in reports for w in report.get("warnings", [])]),
                      key=lambda w: json.dumps(w, sort_keys=True))
    failures = [entry["failure"] for entry in partners if entry.get("failure")]
    removed = sorted({slug for report in reports for slug in report.get("removed", [])})
    timings: dict[str, float] = {}
    for report in reports:
        for stage, seconds in report.get("timings", {}).items():
            timings[stage] = round(timings.get(stage, 0.0) + seconds, 3)
    # Every shard withholds the same items (they are the project's); each names its own partners that kept them.
    withheld: dict[str, dict[str, Any]] = {}
    for report in reports:
        for entry in report.get("withheld", []):
            item = withheld.setdefault(entry["item"], {**entry, "kept_by": []})
            item["kept_by"] = sorted(set(item["kept_by"]) | set(entry.get("kept_by", [])))
    skipped = sorted(_unique([entry for report in reports for entry in report.get("skipped", [])]),
                     key=lambda entry: str(entry.get("slug")))
    merged = dict(reports[0])  # fields this module does not know keep the first shard's value
    counts = dict(merged.get("counts", {}))
    for key in counts:  # counts added later to the report: summed, the right thing for per-partner counts
        if all(isinstance(report.get("counts", {}).get(key), int) for report in reports):
            counts[key] = sum(report["counts"][key] for report in reports)
    counts |= {
        "partners_built": sum(1 for entry in partners if entry.get("status") == "built"),
        "partners_reused": sum(1 for entry in partners if entry.get("status") == "reused"),
        "partners_failed": len(failures),
        "files": sum(entry.get("files", 0) for entry in partners),
        "files_written": sum(entry.get("written", 0) for entry in partners),
        "files_removed": sum(entry.get("removed", 0) for entry in partners),
        "pdfs": sum(entry.get("pdfs", 0) for entry in partners),
        "warnings": len(warnings),
        "removed": len(removed),
    }
    if "content_withheld" in counts:
        counts["content_withheld"] = len(withheld)
    if "partners_skipped" in counts:
        counts["partners_skipped"] = len(skipped)
    merged |= {"ok": all(report.get("ok") is True for report in reports), "counts": counts, "partners": partners,
               "warnings": warnings, "failures": failures, "removed": removed, "timings": timings,
               "shards": len(reports)}
    if any("withheld" in report for report in reports):
        merged["withheld"] = [withheld[item] for item in sorted(withheld)]
    if any("skipped" in report for report in reports):
        merged["skipped"] = skipped
    return merged
