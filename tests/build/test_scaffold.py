"""``cobrand init`` and ``cobrand new``: new projects and files that build at once, never overwriting."""

from __future__ import annotations

import datetime as dt
import shutil
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

import cobrand
from cobrand.check import check
from cobrand.cli import main
from cobrand.scaffold import WORKFLOW_PATH, quoted, slugify, workflow_text
from support.example import BUILD_DATE, ENVIRON, ROOT, copy_example, project_files


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=ENVIRON, catch_exceptions=False)

def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".yaml":
        return yaml.safe_load(text)
    return yaml.safe_load(text.split("---\n", 2)[1])


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project made by ``cobrand init``, never modified (tests copy it)."""
    target = tmp_path_factory.mktemp("init") / "partner-hub"
    result = run("init", str(target), "--vendor", "Blue Harbor Software")
    assert result.exit_code == 0, result.output
    return target


def test_init_creates_a_complete_project(fresh: Path) -> None:
    files = set(project_files(fresh))
    assert {"cobrand.toml", ".gitignore", WORKFLOW_PATH, "README.md", "brand/logo.svg",
            "partners/example-partner/partner.toml", "partners/example-partner/logo.svg"} <= files
    kinds = {path.split("/")[1] for path in files if path.startswith("content/")}
    assert {"blog", "one-pagers", "social"} <= kinds
    assert "/build/" in (fresh / ".gitignore").read_text().splitlines()

    config = tomllib.loads((fresh / "cobrand.toml").read_text())
    assert config["vendor"]["name"] == "Blue Harbor Software"
    assert "{partner}" in config["site"]["base_url"]
    assert config["tiers"]["order"] and set(config["personalize"]) >= {"intro", "cta_label", "cta_url"}

    social = next((fresh / "content" / "social").glob("*.yaml"))
    meta = front_matter(social)
    assert set(meta["variants"]) == {"linkedin", "x", "facebook"}
    assert meta["date"] == BUILD_DATE
    # The workflow it writes is the one shipped in cobrand's own repository.
    assert (fresh / WORKFLOW_PATH).read_text() == workflow_text() == (ROOT / WORKFLOW_PATH).read_text()


def test_init_project_builds_at_once_with_pdfs(fresh: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    report = cobrand.build(fresh, out_dir=out, environ=ENVIRON, jobs=1)
    assert report.ok, report.summary()
    # Only what `cobrand init` wrote and nobody replaced yet is warned about, as `cobrand check` warns (issue 20).
    assert report.all_warnings, "the build names the placeholders left in place"
    assert all("placeholder" in p.message or "example partner" in p.message for p in report.all_warnings), \
        report.summary()
    assert sorted(map(str, report.all_warnings)) == sorted(map(str, check(fresh, environ=ENVIRON).warnings))
    site = out / "example-partner"
    assert (site / "index.html").is_file() and (site / "404.html").is_file()
    pdfs = list((site / "one-pagers").glob("*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")
    home = (site / "index.html").read_text()
    assert "Example Partner" in home and "Blue Harbor Software" in home


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    result = run("init", str(target))
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert project_files(target) == {"notes.txt": b"keep me"}


def test_init_into_an_empty_existing_folder(tmp_path: Path) -> None:
    result = run("init", str(tmp_path), "--base-url", "https://{partner}.partners.example.org/")
    assert result.exit_code == 0, result.output
    assert tomllib.loads((tmp_path / "cobrand.toml").read_text())["site"]["base_url"] == \
        "https://{partner}.partners.example.org/"
    assert run("init", str(tmp_path / "x"), "--base-url", "https://example.org/").exit_code == 2


def test_every_new_command_keeps_the_project_building(fresh: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(fresh, project)
    steps = [
        (["partner", "acme-it", "--name", "Acme IT & Sons", "--tier", "gold", "--ecosystem", "aws",
          "--region", "emea", "--locale", "de-DE"], ["partners/acme-it/partner.toml", "partners/acme-it/logo.svg"]),
        (["post", "Five signs: your backups WILL fail!", "--min-tier", "gold"],
         ["content/blog/five-signs-your-backups-will-fail.md"]),
        (["one-pager", "Vault, at a glance", "--subtitle", "Immutable storage"],
         ["content/one-pagers/vault-at-a-glance.md"]),
        (["social", "Backup week", "--link", "blog/five-signs-your-backups-will-fail", "--hashtag", "#Backup"],
         ["content/social/backup-week.yaml"]),
        (["media", "Über den Wolken: a demo", "--youtube", "https://youtu.be/dQw4w9WgXcQ", "--duration", "4:12"],
         ["content/media/uber-den-wolken-a-demo.md"]),
    ]
    for args, created in steps:
        result = run("new", *args, "--project", str(project))
        assert result.exit_code == 0, result.output
        for relative in created:
            assert (project / relative).is_file(), relative
            assert f"Created {relative}" in result.output
        findings = check(project, environ=ENVIRON)
        assert not findings.errors, (args, findings.summary())
        # What is left to replace is named: placeholder copy, the example partner, generated logos.
        flagged = {problem.file for problem in findings.warnings}
        assert {"brand/logo.svg", "partners/example-partner/partner.toml"} <= flagged, findings.summary()
        for relative in created:
            if relative.startswith("content/"):
                assert relative in flagged, findings.summary()
                assert front_matter(project / relative)["draft"] is True  # `cobrand new` writes drafts
            elif relative.endswith("logo.svg"):
                assert relative in flagged, findings.summary()

    partner = tomllib.loads((project / "partners/acme-it/partner.toml").read_text())
    assert (partner["name"], partner["tier"], partner["ecosystems"], partner["locale"]) == \
        ("Acme IT & Sons", "gold", ["aws"], "de-DE")
    post = front_matter(project / "content/blog/five-signs-your-backups-will-fail.md")
    assert post["title"] == "Five signs: your backups WILL fail!"
    assert post["date"] == BUILD_DATE and post["min_tier"] == "gold"
    social = front_matter(project / "content/social/backup-week.yaml")
    # A post promoting gated content reaches the same partners as that content.
    assert social["link"] == "blog/five-signs-your-backups-will-fail" and social["min_tier"] == "gold"
    assert social["hashtags"] == ["Backup"]
    media = front_matter(project / "content/media/uber-den-wolken-a-demo.md")
    assert media["embed"] == {"youtube": "dQw4w9WgXcQ"} and media["duration"] == "4:12"

    out = tmp_path / "build"
    report = cobrand.build(project, out_dir=out, pdfs=False, images=False, environ=ENVIRON, jobs=1)
    assert report.ok, report.summary()
    assert not (out / "acme-it" / "blog/five-signs-your-backups-will-fail.html").exists()  # drafts: not published
    report = cobrand.build(project, out_dir=out, pdfs=False, images=False, environ=ENVIRON, jobs=1,
                           preview=frozenset({"drafts"}))
    assert report.ok, report.summary()
    acme = out / "acme-it"
    assert (acme / "blog/five-signs-your-backups-will-fail.html").is_file()
    assert (acme / "media/uber-den-wolken-a-demo.html").is_file()
    hub = out.with_name(out.name + "-hub")
    assert "Backup week" not in (hub / "example-partner" / "social.html").read_text()  # silver: not entitled
    assert "Acme IT &amp; Sons" in (acme / "index.html").read_text()


def test_new_never_overwrites(fresh: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(fresh, project)
    assert run("new", "post", "Hello", "--project", str(project)).exit_code == 0
    before = project_files(project)
    for args in (["post", "Hello"], ["social", "Hello"], ["one-pager", "Other", "--slug", "hello"],
                 ["partner", "example-partner"]):
        result = run("new", *args, "--project", str(project))
        assert result.exit_code == 2, (args, result.output)
        assert "already" in result.output
    assert project_files(project) == before


@pytest.mark.parametrize(("args", "message"), [
    (["partner", "Acme IT"], "lower-case"),
    (["partner", "acme", "--tier", "diamond"], "unknown tier 'diamond'"),
    (["partner", "acme", "--ecosystem", "oracle"], "unknown ecosystem 'oracle'"),
    (["post", "Hi", "--min-tier", "bronze"], "unknown tier 'bronze'"),
    (["post", "日本語のタイトル"], "--slug"),
    (["media", "Demo", "--youtube", "not-an-id"], "YouTube"),
    (["media", "Demo"], "--youtube"),
    (["media", "Demo", "--youtube", "dQw4w9WgXcQ", "--duration", "ten minutes"], "duration"),
    (["social", "Hi", "--link", "blog/missing"], "does not exist"),
])
def test_new_rejects_bad_input_without_writing(fresh: Path, tmp_path: Path, args: list[str], message: str) -> None:
    project = tmp_path / "project"
    shutil.copytree(fresh, project)
    before = project_files(project)
    result = run("new", *args, "--project", str(project))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert project_files(project) == before


def test_new_partner_in_the_example_project_builds(tmp_path: Path) -> None:
    """Placeholder contact details satisfy the tokens real content uses ({{ partner.contact.email }}...)."""
    project = copy_example(tmp_path)
    result = run("new", "partner", "pacific-it", "--tier", "platinum", "--ecosystem", "microsoft",
                 "--ecosystem", "aws", "--region", "amer", "--project", str(project))
    assert result.exit_code == 0, result.output
    report = cobrand.build(project, out_dir=tmp_path / "out", partners=("pacific-it",), pdfs=False, images=False,
                           environ=ENVIRON, jobs=1)
    assert report.ok, report.summary()
    assert (tmp_path / "out/pacific-it/blog/ransomware-recovery-drill.html").is_file()


def test_new_outside_a_project_is_a_usage_error(tmp_path: Path) -> None:
    result = run("new", "post", "Hello", "--project", str(tmp_path))
    assert result.exit_code == 2 and "cobrand init" in result.output


def test_slugify() -> None:
    assert slugify("Five signs: your backups WILL fail!") == "five-signs-your-backups-will-fail"
    assert slugify("Über Café -- déjà vu") == "uber-cafe-deja-vu"
    assert slugify("日本語") == ""
    long = slugify("word " * 40)
    assert len(long) <= 60 and not long.endswith("-") and long.startswith("word-word")


@given(st.text(max_size=80))
def test_quoted_strings_read_back_from_toml_and_yaml(text: str) -> None:
    assert tomllib.loads(f"value = {quoted(text)}")["value"] == text
    assert yaml.safe_load(f"value: {quoted(text)}")["value"] == text


def test_workflow_builds_shards_and_deploys_to_pages() -> None:
    workflow = yaml.safe_load(workflow_text())
    triggers = workflow.get("on", workflow.get(True))
    assert triggers["push"]["branches"] == ["main"]
    build = workflow["jobs"]["build"]
    shards = build["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1)) and len(shards) > 1
    steps = build["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    uses = [step.get("uses", "") for step in steps]
    assert "--shard ${{ matrix.shard }}/${{ strategy.job-total }}" in runs
    assert "--out build" in runs and "--cache-dir .cobrand-cache" in runs
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core",
                    "fonts-noto-core", "fonts-noto-cjk"):
        assert package in runs
    assert "pip install cobrand" in runs and "pip install ." not in runs
    assert any(use.startswith("actions/setup-python@") for use in uses)
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    # The last output is restored with the cache: a skipped partner keeps its site (issue 20).
    assert cache["with"]["path"].split() == [".cobrand-cache", "build", "build-hub"]
    assert "--format github" in runs, "annotations and a step summary"
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert "${{ matrix.shard }}" in upload["with"]["name"]
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == ["build", "verify"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    deploy_uses = [step.get("uses", "") for step in deploy["steps"]]
    download = next(step for step in deploy["steps"] if step.get("uses", "").startswith("actions/download-artifact@")
                    and step["with"]["pattern"] == "sites-*")
    assert download["with"]["merge-multiple"] is True
    assert any(use.startswith("actions/deploy-pages@") for use in deploy_uses)
    # Deployed after a build that skipped a partner, but never without every shard's report.
    assert "!cancelled()" in deploy["if"] and "needs.verify.result == 'success'" in deploy["if"]
    assert any("refused" in step.get("run", "") for step in workflow["jobs"]["verify"]["steps"])


def _artifact_paths(step: dict[str, object]) -> list[str]:
    paths = step["with"]["path"]  # type: ignore[index]
    return [line.strip() for line in str(paths).splitlines() if line.strip()]


def test_workflow_deploys_sites_and_hubs_to_different_places() -> None:
    """The public sites go to Pages from the sites-* artifacts; the hubs from hubs-* artifacts to another
    place, never into the Pages artifact; report.json, overview.html and dot-folders are never published."""
    workflow = yaml.safe_load(workflow_text())
    assert workflow == yaml.safe_load((ROOT / WORKFLOW_PATH).read_text(encoding="utf-8"))
    build = workflow["jobs"]["build"]
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    assert "--out build" in runs and "--hub-out build-hub" in runs
    uploads = {step["with"]["name"]: step for step in build["steps"]
               if step.get("uses", "").startswith("actions/upload-artifact@")}
    sites = _artifact_paths(uploads["sites-${{ matrix.shard }}"])
    hubs = _artifact_paths(uploads["hubs-${{ matrix.shard }}"])
    assert set(sites) - {p for p in sites if p.startswith("!")} == {"build/"}
    assert set(hubs) - {p for p in hubs if p.startswith("!")} == {"build-hub/"}
    assert not any(path.startswith("build-hub") for path in sites)
    for excluded in ("!build/report.json", "!build/overview.html", "!build/.cobrand/", "!build/.cobrand.lock"):
        assert excluded in sites
    for excluded in ("!build-hub/.cobrand/", "!build-hub/.cobrand.lock"):
        assert excluded in hubs
    for step in uploads.values():
        assert step["with"].get("include-hidden-files", False) is False
    # report.json and overview.html travel only in the report artifacts, for the channel team.
    reports = uploads["report-${{ matrix.shard }}-of-${{ strategy.job-total }}"]
    assert set(_artifact_paths(reports)) == {"build/report.json", "build/overview.html"}

    jobs = workflow["jobs"]
    downloads = {name: [step["with"] for step in job["steps"]
                        if step.get("uses", "").startswith("actions/download-artifact@")]
                 for name, job in jobs.items()}
    # The Pages deploy reads only the public sites.
    assert [d.get("pattern") or d.get("name") for d in downloads["deploy"]] == ["sites-*"]
    pages_upload = next(step for step in jobs["deploy"]["steps"]
                        if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert pages_upload["with"]["path"] == downloads["deploy"][0]["path"] == "site"
    # The hubs job reads only the hubs, into another folder, and deploys elsewhere than Pages.
    hub_job = jobs["hubs"]
    merge = next(step for step in hub_job["steps"] if step.get("uses", "").startswith("actions/upload-artifact/merge@"))
    assert merge["with"]["pattern"] == "hubs-*" and merge["with"]["name"] == "hubs"
    assert [d.get("name") for d in downloads["hubs"]] == ["hubs"] and downloads["hubs"][0]["path"] == "hub"
    hub_uses = [step.get("uses", "") for step in hub_job["steps"]]
    assert not any("pages" in use for use in hub_uses)
    assert "permissions" not in hub_job  # no Pages or id-token rights: it cannot publish to GitHub Pages
    hub_runs = "\n".join(step.get("run", "") for step in hub_job["steps"])
    assert "wrangler pages deploy hub" in hub_runs and "site" not in hub_runs.split()
    deploy_step = next(step for step in hub_job["steps"] if "wrangler" in step.get("run", ""))
    assert "vars.HUB_PAGES_PROJECT != ''" in deploy_step["if"], "deployed only once a protected project is named"
    # Nothing anywhere publishes report.json or overview.html.
    for job in jobs.values():
        for step in job["steps"]:
            if step.get("uses", "").startswith(("actions/upload-pages-artifact@", "actions/deploy-pages@")):
                assert "report" not in str(step.get("with", {})) and "overview" not in str(step.get("with", {}))


def test_dates_follow_source_date_epoch(fresh: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(fresh, project)
    result = CliRunner().invoke(main, ["new", "post", "Dated", "--project", str(project)],
                                env={"SOURCE_DATE_EPOCH": "1767225600"})  # 2026-01-01
    assert result.exit_code == 0, result.output
    assert front_matter(project / "content/blog/dated.md")["date"] == dt.date(2026, 1, 1)
