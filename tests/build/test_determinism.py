"""Reproducible output: the same input and SOURCE_DATE_EPOCH give byte-identical files,
whether partners render in one process or in several."""

from __future__ import annotations

import json
from pathlib import Path

import cobrand
from cobrand.build import WARM_BEFORE_FORK
from cobrand.cache import Store
from cobrand.models import Partner
from cobrand.partner_build import RenderOptions, render_partner
from cobrand.plan import Planner
from cobrand.render.partner import PartnerRenderer
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


def _renderer_and_partner(pdfs: bool, out: Path) -> tuple[PartnerRenderer, Planner, RenderOptions, Partner]:
    """A renderer of the example as a build makes it, and the first partner with two one-pagers or more."""
    from cobrand.load import load_project
    from support.example import BUILD_DATE

    project, problems = load_project(ROOT, BUILD_DATE)
    assert project is not None, problems
    planner = Planner(project)
    renderer = PartnerRenderer(project, pdfs=pdfs, images=False, planner=planner)
    renderer.prepare()
    options = RenderOptions(out=out, store=Store(out.with_name(out.name + "-cache")), pdfs=pdfs, images=False)
    printing = [partner for partner in project.partners if len(planner.plan(partner).of_kind("one-pagers")) >= 2]
    return renderer, planner, options, printing[0]


def test_the_warm_up_before_the_fork_stops_at_the_first_pdf_and_writes_nothing(tmp_path):
    """The first partner rendered before forking (WARM_BEFORE_FORK) is rendered up to its first PDF: WeasyPrint
    is then made, for the workers to inherit, and nothing of the partner is written. A worker then renders it
    whole, into the files a render without the warm-up makes. Without PDFs the same block renders the partner
    whole and writes it."""
    alone = tmp_path / "alone"
    renderer, planner, options, partner = _renderer_and_partner(True, alone)
    result, _ = render_partner(renderer, planner, partner, options)
    assert result.failure is None and result.pdfs >= 2

    warmed = tmp_path / "warmed"
    renderer, planner, options, partner = _renderer_and_partner(True, warmed)
    outcome = None
    with renderer.warming_up():
        outcome = render_partner(renderer, planner, partner, options)
    assert outcome is None and renderer._pdf is not None  # made, for the workers
    assert not warmed.exists() and not options.hub_out.exists()
    stored = [path.read_bytes() for path in options.store.root.rglob("*") if path.is_file()]
    assert not any(b"%PDF-" in data for data in stored)  # stopped before rendering the PDF
    result, _ = render_partner(renderer, planner, partner, options)  # as a worker renders it
    assert result.failure is None
    published = [{name: data for name, data in file_digests(out).items() if not name.startswith(".cobrand/")}
                 for out in (warmed, alone)]  # the manifests record folders' times
    assert published[0] == published[1] and any(warmed.rglob("*.pdf"))

    html = tmp_path / "html"
    renderer, planner, options, partner = _renderer_and_partner(False, html)
    with renderer.warming_up():
        outcome = render_partner(renderer, planner, partner, options)
    assert outcome is not None and outcome[0].failure is None and outcome[0].status == "built"
    assert (html / partner.slug / "index.html").is_file()
