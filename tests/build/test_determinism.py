"""Reproducible output: the same input and SOURCE_DATE_EPOCH give byte-identical files,
whether partners render in one process or in several."""

from __future__ import annotations

import json
from pathlib import Path

import cobrand
from support.example import ENVIRON, PARTNER_SLUGS, ROOT, file_digests


def partner_output(out: Path) -> dict[str, str]:
    """Every file of every partner folder, sites' and hubs' ("hub:"), and the hubs' robots.txt (report.json and
    cobrand's own bookkeeping excluded)."""
    hub = out.with_name(out.name + "-hub")
    found = {name: data for name, data in file_digests(out).items() if name.split("/", 1)[0] in PARTNER_SLUGS}
    return found | {f"hub:{name}": data for name, data in file_digests(hub).items()
                    if name.split("/", 1)[0] in PARTNER_SLUGS or name == "robots.txt"}


def test_jobs_1_and_jobs_2_builds_are_byte_identical(example_build, tmp_path):
    """The session build used jobs=2; a clean jobs=1 build into another folder must match it."""
    out = tmp_path / "jobs1"
    report = cobrand.build(ROOT, out_dir=out, jobs=1, environ=ENVIRON)
    assert report.ok, report.failures
    first = partner_output(example_build.out)
    second = partner_output(out)
    only_first, only_second = sorted(set(first) - set(second)), sorted(set(second) - set(first))
    assert only_first == [] and only_second == []
    names = sorted(first)
    assert any(name.endswith(".pdf") for name in names)
    assert any(name.endswith(".zip") for name in names)
    assert {name.removeprefix("hub:").split("/", 1)[0] for name in names} == {*PARTNER_SLUGS, "robots.txt"}
    different = [name for name in names if first[name] != second[name]]
    assert different == []
    assert normalised_report(out / "report.json") == normalised_report(example_build.out / "report.json")


def normalised_report(path: Path) -> dict:
    """report.json without what legitimately differs between two builds: timings and paths."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("timings", "out_dir", "hub_dir", "project"):
        data.pop(key, None)
    for entry in data.get("partners", []):
        entry.pop("seconds", None)
    return data
