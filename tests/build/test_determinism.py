"""Reproducible output: the same input and SOURCE_DATE_EPOCH give byte-identical files,
whether partners render in one process or in several."""

from __future__ import annotations

import json
from pathlib import Path

import cobrand
from cobrand.build import WARM_BEFORE_FORK
from support.example import ENVIRON, PARTNER_SLUGS, ROOT, file_digests, generate_project


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


def test_a_fleet_whose_first_partner_renders_before_the_fork_matches_one_process(tmp_path):
    """With enough partners a jobs=2 build renders the first one itself and forks its workers warm
    (WeasyPrint, skeletons, e-mail layouts): every file, PDFs included, equals a jobs=1 build's."""
    partners = WARM_BEFORE_FORK * 2 + 1
    project = generate_project(tmp_path, partners, 3, mix=(0.4, 0.6, 0.0))
    one, two = tmp_path / "one", tmp_path / "two"
    first = cobrand.build(project, out_dir=one, jobs=1, environ=ENVIRON, images=False)
    second = cobrand.build(project, out_dir=two, jobs=2, environ=ENVIRON, images=False)
    assert first.ok and second.ok and len(second.partners) == partners
    assert [r.status for r in second.partners] == ["built"] * partners
    assert sum(r.pdfs for r in second.partners) >= partners
    for hub in ("", "-hub"):
        made = [file_digests(out.with_name(out.name + hub)) for out in (one, two)]
        published = [{name: data for name, data in files.items()
                      if not name.startswith(".cobrand/") and name != "report.json"} for files in made]
        assert published[0] and published[0] == published[1]
    assert normalised_report(two / "report.json") == normalised_report(one / "report.json")
