"""The plugin seam (issue 22), proven with a real plugin installed from its own pyproject.toml.

``tests/support/plugins/cobrand-case-studies`` is a separate distribution (scripts/setup installs it with
``pip install -e``) whose entry points in the group ``cobrand.plugins`` are ``case-studies`` (a content
kind with its own templates and listing, an ``on_item`` value, an ``on_after_load`` check and a
``case-studies.json`` output per partner) and ``broken-page`` (an ``on_page`` hook that raises).
Entitlements are read from the partners' files here, not from cobrand's planner.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from dask.distributed import LocalCluster

import cobrand
from cobrand.audit import audit
from cobrand.build import load_and_check
from cobrand.check import check
from cobrand.distribute.dask_executor import dask_executor
from cobrand.jobs import Job
from cobrand.partners_table import partner_rows
from cobrand.plan import Planner
from cobrand.plugins import EnabledPlugin, OutputRequest, Plugin, PluginError
from cobrand.render.outputs import provided_jobs
from support.example import ENVIRON, ROOT, copy_example, file_digests, load_config, load_partners

PLUGIN_DIST = "cobrand-case-studies"
# The run's own record: report.json and the vendor overview (which says what this run built or reused).
STATE = (".cobrand/", ".cobrand.lock", "report.json", "overview.html")
GATED_TIER = "gold"
CASE_STUDIES = {
    "harbour-clinic": """---
title: How a harbour clinic restored in an hour
date: 2026-09-01
summary: A clinic of 40 staff recovered every record after ransomware.
customer: Harbour Clinic
industry: Healthcare
---

The clinic kept immutable copies, so {{ partner.name }} restored them within the hour.
""",
    "shipping-line": f"""---
title: A shipping line's recovery drill
date: 2026-10-01
summary: Quarterly drills cut the recovery time to minutes.
customer: Blue Anchor Lines
min_tier: {GATED_TIER}
---

Drills every quarter, with every restore timed.
""",
}


def enable(project: Path, *names: str) -> None:
    """Name ``names`` in the project's ``[plugins] enabled``."""
    listed = ", ".join(f'"{name}"' for name in names)
    with (project / "cobrand.toml").open("a", encoding="utf-8") as handle:
        handle.write(f"\n[plugins]\nenabled = [{listed}]\n")


def with_case_studies(tmp_path: Path, name: str = "project") -> Path:
    """A copy of the example project with the case-studies plugin enabled and two case studies."""
    project = copy_example(tmp_path, name)
    enable(project, "case-studies")
    folder = project / "content" / "case-studies"
    folder.mkdir()
    for slug, text in CASE_STUDIES.items():
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
    return project


def build(project: Path, out: Path, **options) -> cobrand.BuildReport:
    options = {"jobs": 1, "environ": ENVIRON, "pdfs": False, "images": False} | options
    return cobrand.build(project, out_dir=out, **options)


def outputs(out: Path) -> dict[str, str]:
    """Digests of every output file but the report and cobrand's state."""
    return {path: value for path, value in file_digests(out).items()
            if not any(path == state or path.startswith(state) for state in STATE)}


def everything(out: Path) -> dict[str, str]:
    """:func:`outputs` of the public sites and of the partners' hubs, when the build writes them beside."""
    hubs = out.parent / f"{out.name}-hub"
    return outputs(out) | ({f"<hub>/{path}": value for path, value in outputs(hubs).items()} if hubs.is_dir() else {})


def gets_gated(partner_tier: str, project: Path) -> bool:
    order = load_config(project)["tiers"]["order"]
    return order.index(partner_tier) >= order.index(GATED_TIER)


def test_the_plugin_is_installed_from_its_own_pyproject():
    entry_points = {entry.name: entry.value for entry in metadata.distribution(PLUGIN_DIST).entry_points
                    if entry.group == "cobrand.plugins"}
    assert entry_points == {"case-studies": "cobrand_case_studies:CaseStudies",
                            "broken-page": "cobrand_case_studies.broken:BrokenPage",
                            "broken-after-build": "cobrand_case_studies.broken:BrokenAfterBuild"}


def test_a_plugin_kind_gets_pages_a_listing_and_an_output_entitled_like_every_kind(tmp_path):
    project = with_case_studies(tmp_path)
    out = tmp_path / "out"
    # verify: every page rendered both from skeletons and in full, compared (the plugin's templates too).
    report = build(project, out, render="verify")
    assert report.ok, report.summary()
    partners = load_partners(project)
    lower = [partner for partner in partners if not gets_gated(partner.data["tier"], project)]
    assert lower and len(lower) < len(partners)  # both sides of the gate are tested
    for partner in partners:
        site = out / partner.slug
        gated = gets_gated(partner.data["tier"], project)
        page = site / "case-studies" / "harbour-clinic.html"
        html = page.read_text(encoding="utf-8")
        assert f"{partner.data['name']} restored them within the hour" in html  # tokens filled per partner
        assert "Harbour Clinic · Healthcare" in html  # on_item's values, printed by the plugin's template
        assert (site / "case-studies" / "shipping-line.html").is_file() == gated, partner.slug
        listing = (site / "case-studies" / "index.html").read_text(encoding="utf-8")
        assert "How a harbour clinic restored in an hour" in listing
        assert ("A shipping line" in listing) == gated, partner.slug
        listed = json.loads((site / "case-studies.json").read_text(encoding="utf-8"))["case_studies"]
        expected = (["case-studies/shipping-line.html"] if gated else []) + ["case-studies/harbour-clinic.html"]
        assert [entry["page"] for entry in listed] == expected  # newest first
        assert all((site / entry["page"]).is_file() for entry in listed)
        # The plugin's hub output: in the partner's hub, never on its public site.
        brief = (out.parent / f"{out.name}-hub" / partner.slug / "case-studies.txt").read_text(encoding="utf-8")
        assert brief.splitlines() == (["2026-10-01  A shipping line's recovery drill (Blue Anchor Lines)"]
                                      if gated else []) + ["2026-09-01  How a harbour clinic restored in an hour "
                                                           "(Harbour Clinic)"]
        assert not (site / "case-studies.txt").exists()
        sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
        assert "case-studies/harbour-clinic.html" in sitemap
        assert ("case-studies/shipping-line.html" in sitemap) == gated
        manifest_paths = set(outputs(site))
        assert ("case-studies/shipping-line.html" in manifest_paths) == gated
    # `cobrand audit` reads every partner's files for what it must not have: the gated case study included.
    audited = audit(project, out, environ=ENVIRON)
    assert audited.partners == len(partners) and audited.leaks == []
    # `cobrand check` renders every partner and checks its links, the plugin's pages included.
    checked = check(project, environ=ENVIRON)
    assert not [problem for problem in checked.problems if problem.severity == "error"], checked.problems
    # `cobrand partners` counts the plugin's kind like the built-in ones.
    loaded, _ = load_and_check(project, environ=ENVIRON)
    counted = {row.slug: row.counts["case-studies"] for row in partner_rows(loaded)}
    assert counted == {partner.slug: 2 if gets_gated(partner.data["tier"], project) else 1 for partner in partners}
    # The plugin's on_after_load check, reported like cobrand's own, with file and field.
    warnings = [str(problem) for problem in report.all_warnings]
    assert "content/case-studies/shipping-line.md: industry: names no industry; the listing shows none" in warnings


def test_a_case_study_with_an_error_is_withheld_and_a_social_post_may_link_to_one(tmp_path):
    project = with_case_studies(tmp_path)
    (project / "content" / "case-studies" / "broken.md").write_text(
        CASE_STUDIES["harbour-clinic"].replace("customer: Harbour Clinic\n", ""), encoding="utf-8")
    (project / "content" / "social" / "clinic-story.yaml").write_text(
        "title: Clinic story\ndate: 2026-09-02\nlink: case-studies/harbour-clinic\nvariants:\n"
        "  linkedin: How a clinic restored in an hour.\n  x: A clinic restored in an hour.\n"
        "  facebook: How a clinic restored in an hour.\n", encoding="utf-8")
    out = tmp_path / "out"
    report = build(project, out)
    # Withheld like a built-in kind's item: named with its file and field, the rest of the fleet builds.
    assert list(report.withheld) == ["case-studies/broken"]
    assert [str(problem) for problem in report.withheld["case-studies/broken"]] == [
        "content/case-studies/broken.md: customer: is required"]
    assert report.failures == [] and {result.status for result in report.partners} == {"built"}
    for partner in load_partners(project):
        site = out / partner.slug
        assert not (site / "case-studies" / "broken.html").exists()
        # The social pack is on the public site, or in the partner's hub beside it (<out>-hub/<partner>/).
        folders = [folder for folder in (site, out.parent / f"{out.name}-hub" / partner.slug) if folder.is_dir()]
        shared = [path for folder in folders for path in outputs(folder) if path.endswith((".html", ".txt", ".csv"))
                  and not path.startswith("case-studies/")
                  and "case-studies/harbour-clinic.html" in (folder / path).read_text(encoding="utf-8")]
        assert shared, f"{partner.slug}: no page or file shares the case study the social post links to"


def test_a_project_with_a_plugin_builds_on_dask_workers_as_it_does_locally(tmp_path):
    # Workers get the project shipped (distribute/shipping.py) and read the plugin's templates from their
    # own installed copy of it.
    project = with_case_studies(tmp_path)
    local = tmp_path / "local"
    assert build(project, local).ok
    on_dask = tmp_path / "dask"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, dask_executor(cluster.scheduler_address) as executor:
        report = build(project, on_dask, executor=executor)
    assert report.ok, report.summary()
    assert {result.status for result in report.partners} == {"built"}
    assert everything(on_dask) == everything(local)
    assert (on_dask / "northbeam-it" / "case-studies" / "shipping-line.html").is_file()


def test_with_the_plugin_incremental_builds_equal_clean_builds_and_its_output_is_deterministic(tmp_path):
    project = with_case_studies(tmp_path)
    incremental = tmp_path / "incremental"
    report = build(project, incremental)
    assert report.ok, report.summary()
    first = everything(incremental)

    def check(label: str) -> dict[str, str]:
        assert build(project, incremental).ok
        clean = tmp_path / f"clean-{label}"
        assert build(project, clean).ok
        got, want = everything(incremental), everything(clean)
        assert got == want, f"after {label}: incremental differs from clean: " + str(
            sorted(path for path in set(got) | set(want) if got.get(path) != want.get(path))[:8])
        return got

    again = check("nothing changed")
    assert again == first
    study = project / "content" / "case-studies" / "harbour-clinic.md"
    study.write_text(study.read_text(encoding="utf-8").replace("Harbour Clinic", "Harbour Health"), encoding="utf-8")
    renamed = check("a customer renamed")
    changed = {path for path in renamed if renamed[path] != first.get(path)}
    assert {f"{partner.slug}/case-studies.json" for partner in load_partners(project)} <= changed
    (project / "content" / "case-studies" / "cold-store.md").write_text(
        CASE_STUDIES["harbour-clinic"].replace("harbour clinic", "cold store").replace("2026-09-01", "2026-08-01"),
        encoding="utf-8")
    check("a case study added")
    (project / "content" / "case-studies" / "shipping-line.md").unlink()
    removed = check("a gated case study removed")
    assert not any(path.endswith("case-studies/shipping-line.html") for path in removed)
    # Gated for everyone now: every partner loses it, the listing and JSON follow.
    partner_toml = project / "partners" / "kestrel-cloud" / "partner.toml"
    partner_toml.write_text(partner_toml.read_text(encoding="utf-8").replace('tier = "registered"',
                                                                              f'tier = "{GATED_TIER}"'),
                            encoding="utf-8")
    check("a partner promoted")


STAMP_PLUGIN = '''
from cobrand.plugins import PageEvent, Plugin


class Stamp(Plugin):
    def on_page(self, event: PageEvent) -> bytes:
        return event.html.replace(b"</body>", b"<!-- stamp MARK --></body>")
'''


def test_editing_a_plugins_code_renders_again_what_it_changes_as_a_clean_build_does(tmp_path):
    # An installed distribution as pip lays it out (package, dist-info with its entry points), on PYTHONPATH.
    site_packages = tmp_path / "site-packages"
    package = site_packages / "stamp_plugin"
    package.mkdir(parents=True)
    info = site_packages / "stamp_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: stamp-plugin\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[cobrand.plugins]\nstamp = stamp_plugin:Stamp\n", encoding="utf-8")
    project = copy_example(tmp_path)
    enable(project, "stamp")
    script = ("import sys, cobrand; report = cobrand.build(sys.argv[1], out_dir=sys.argv[2], jobs=1, pdfs=False, "
              "images=False, environ={'SOURCE_DATE_EPOCH': '1795305600'}); print(report.ok)")

    def build_in_process(out: Path) -> None:
        # A process of its own: the plugin's module is imported afresh, as in a new `cobrand build`.
        environment = {**os.environ, "PYTHONPATH": str(site_packages)}
        ran = subprocess.run([sys.executable, "-c", script, str(project), str(out)], capture_output=True,
                             text=True, check=True, env=environment)
        assert ran.stdout.split() == ["True"], ran.stdout + ran.stderr

    (package / "__init__.py").write_text(STAMP_PLUGIN.replace("MARK", "one"), encoding="utf-8")
    incremental = tmp_path / "incremental"
    build_in_process(incremental)
    partners = [partner.slug for partner in load_partners(project)]
    assert all("<!-- stamp one --></body>" in (incremental / slug / "index.html").read_text(encoding="utf-8")
               for slug in partners)
    (package / "__init__.py").write_text(STAMP_PLUGIN.replace("MARK", "two"), encoding="utf-8")
    build_in_process(incremental)
    clean = tmp_path / "clean"
    build_in_process(clean)
    assert everything(incremental) == everything(clean)
    assert all("<!-- stamp two --></body>" in (incremental / slug / "index.html").read_text(encoding="utf-8")
               for slug in partners)


def test_a_plugin_that_is_installed_but_not_enabled_is_never_imported(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    script = ("import sys, cobrand; report = cobrand.build(sys.argv[1], out_dir=sys.argv[2], jobs=1, pdfs=False, "
              "images=False, environ={'SOURCE_DATE_EPOCH': '1795305600'}); "
              "print(report.ok, 'cobrand_case_studies' in sys.modules)")
    ran = subprocess.run([sys.executable, "-c", script, str(project), str(out)], capture_output=True, text=True,
                         check=True)
    assert ran.stdout.split() == ["True", "False"]
    assert not [path for path in outputs(out) if "case-stud" in path]
    # Its kind's folder without it enabled is refused, naming the folder and the setting.
    (project / "content" / "case-studies").mkdir()
    (project / "content" / "case-studies" / "harbour-clinic.md").write_text(CASE_STUDIES["harbour-clinic"])
    with pytest.raises(cobrand.ProjectError) as refused:
        build(project, out)
    message = str(refused.value)
    assert "content/case-studies: unknown content folder" in message
    assert "[plugins] enabled" in message


def test_a_plugin_whose_hook_raises_fails_its_partners_naming_the_plugin_and_the_hook(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    assert build(project, out).ok
    before = everything(out)
    enable(project, "broken-page")
    report = build(project, out)
    assert not report.ok
    assert report.partners and all(result.status == "failed" for result in report.partners)
    for result in report.partners:
        assert result.failure is not None
        assert "plugin 'broken-page' failed in on_page: RuntimeError: cannot rewrite" in result.failure.message
    assert everything(out) == before  # every partner keeps its previous output


def test_a_plugin_that_fails_after_the_build_fails_the_build_and_its_report_says_which(tmp_path):
    project = copy_example(tmp_path)
    out = tmp_path / "out"
    enable(project, "broken-after-build")
    with pytest.raises(cobrand.CobrandError) as failed:
        build(project, out)
    partners = len(load_partners(project))
    expected = (f"plugin 'broken-after-build' failed in on_after_build: RuntimeError: cannot publish {partners} "
                "partners")
    assert str(failed.value) == expected
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [problem["message"] for problem in report["errors"]] == [expected]
    assert (out / "kestrel-cloud" / "index.html").is_file()  # the hook ran after the partners were written


class _Provider:
    """A provider whose one job is given: for the checks every plugin job passes."""

    name = "given"

    def __init__(self, job: object, root: str = "") -> None:
        self.job = job
        self.root = root

    def jobs(self, request: OutputRequest) -> list[object]:
        assert request.root == self.root  # the request names the provider's own root
        return [self.job]


@pytest.mark.parametrize(("job", "problem"), [
    ((Job("notes.txt", "k", lambda _: b""), "kit/"), "job path 'notes.txt' is outside the provider's root 'kit/'"),
    (Job("../escape.txt", "k", lambda _: b""), "job path '../escape.txt' is not a plain relative path"),
    (Job("/etc/passwd", "k", lambda _: b""), "job path '/etc/passwd' is not a plain relative path"),
    (Job("a//b.txt", "k", lambda _: b""), "job path 'a//b.txt' is not a plain relative path"),
    (Job("index.html", "k", lambda _: b""), "job path 'index.html' is already another output's"),
    (Job("notes.txt", "", lambda _: b""), "job 'notes.txt' has no key"),
    ("notes.txt", "yielded str, not a cobrand.jobs.Job"),
    (Job("notes.txt", "k", lambda _: "text"), "a job made str, not bytes"),
    (Job("notes.txt", "k", lambda _: 1 / 0), "ZeroDivisionError: division by zero"),
])
def test_a_plugin_providers_jobs_are_checked_and_its_failures_name_it(job, problem):
    project, _ = load_and_check(ROOT, environ=ENVIRON)
    enabled = EnabledPlugin("given-jobs", Plugin(), "digest")
    plan = Planner(project).plan(project.partners[0])
    request = OutputRequest(project, plan, None, None, None)  # type: ignore[arg-type]  # the provider reads none
    with pytest.raises(PluginError) as failed:
        job, root = job if type(job) is tuple else (job, "")  # (job, the provider's root)
        for made in provided_jobs(((enabled, _Provider(job, root)),), request, ["index.html"]):
            made.make(lambda path: b"")
    assert str(failed.value).startswith("plugin 'given-jobs' failed in outputs (given): ")
    assert problem in str(failed.value)


def test_an_unknown_plugin_is_an_error_of_cobrand_toml_naming_the_installed_ones(tmp_path):
    project = copy_example(tmp_path)
    enable(project, "case-studys")
    with pytest.raises(cobrand.ProjectError) as refused:
        build(project, tmp_path / "out")
    problems = [str(problem) for problem in refused.value.problems]
    assert any(problem.startswith("cobrand.toml: plugins.enabled: plugin 'case-studys' is not installed")
               and "case-studies" in problem for problem in problems), problems
    assert tomllib.loads((project / "cobrand.toml").read_text())["plugins"]["enabled"] == ["case-studys"]
