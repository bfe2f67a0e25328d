"""``--shard auto`` on each batch engine's variables, and ``merge-reports`` against a single build (issue 24)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cobrand.cli import main
from cobrand.distribute.shards import resolve_shard
from cobrand.errors import UsageError
from support.example import ENVIRON, copy_example

# Variables a CI runner may already have set; each test names exactly the ones it means.
ENGINE_VARIABLES = ("COBRAND_SHARD", "COBRAND_SHARD_INDEX", "COBRAND_SHARD_COUNT", "JOB_COMPLETION_INDEX",
                    "AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_SIZE")


@pytest.mark.parametrize(("environ", "count", "shard"), [
    ({"COBRAND_SHARD": "2/3"}, None, (2, 3)),  # any engine: a matrix value
    ({"JOB_COMPLETION_INDEX": "0"}, 3, (1, 3)),  # Kubernetes Indexed Job, count from --shard-count
    ({"JOB_COMPLETION_INDEX": "2", "COBRAND_SHARD_COUNT": "3"}, None, (3, 3)),
    ({"AWS_BATCH_JOB_ARRAY_INDEX": "1", "AWS_BATCH_JOB_ARRAY_SIZE": "4"}, None, (2, 4)),
    ({"AWS_BATCH_JOB_ARRAY_INDEX": "0"}, 2, (1, 2)),
    ({"COBRAND_SHARD_INDEX": "3", "COBRAND_SHARD_COUNT": "4"}, None, (4, 4)),  # GitHub Actions job-index/total
    ({"COBRAND_SHARD": "2/4", "COBRAND_SHARD_INDEX": "1", "COBRAND_SHARD_COUNT": "4"}, None, (2, 4)),  # agreeing
])
def test_each_engine_names_its_shard(environ, count, shard):
    assert resolve_shard(environ, count) == shard


@pytest.mark.parametrize(("environ", "count", "message"), [
    ({}, None, "found no shard"),
    ({"JOB_COMPLETION_INDEX": "1"}, None, "--shard-count"),
    ({"AWS_BATCH_JOB_ARRAY_INDEX": "x", "AWS_BATCH_JOB_ARRAY_SIZE": "2"}, None, "AWS_BATCH_JOB_ARRAY_INDEX='x'"),
    ({"AWS_BATCH_JOB_ARRAY_INDEX": "2", "AWS_BATCH_JOB_ARRAY_SIZE": "2"}, None, "outside 1..2"),
    ({"COBRAND_SHARD": "3"}, None, "is not K/N"),
    ({"COBRAND_SHARD": "1/2", "JOB_COMPLETION_INDEX": "1"}, 2, "different shards"),
])
def test_missing_malformed_or_disagreeing_variables_are_usage_errors(environ, count, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(".", r"\.")):
        resolve_shard(environ, count)


def cli(*arguments: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    environment = dict.fromkeys(ENGINE_VARIABLES) | ENVIRON | (env or {})  # None unsets a variable
    return CliRunner().invoke(main, list(arguments), env=environment)


def built_partners(out: Path) -> list[str]:
    return [entry["slug"] for entry in json.loads((out / "report.json").read_text())["partners"]]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with one partner that fails at render time (falkenstein-systeme), the others fine."""
    project = copy_example(tmp_path_factory.mktemp("shards"))
    page = project / "content/blog/immutable-backups-explained.md"
    page.write_text(page.read_text().replace("{{ partner.name }} can review",
                                             "[Talk to us]({{ partner.name }}) can review", 1))
    toml = project / "partners/falkenstein-systeme/partner.toml"
    toml.write_text("\n".join('name = "javascript:alert(1)"' if line.startswith("name = ") else line
                              for line in toml.read_text().splitlines()) + "\n")
    return project


FAST = ("--no-pdf", "--no-images")


@pytest.mark.parametrize("engine", [
    lambda k, n: {"JOB_COMPLETION_INDEX": str(k - 1), "COBRAND_SHARD_COUNT": str(n)},
    lambda k, n: {"AWS_BATCH_JOB_ARRAY_INDEX": str(k - 1), "AWS_BATCH_JOB_ARRAY_SIZE": str(n)},
    lambda k, n: {"COBRAND_SHARD_INDEX": str(k - 1), "COBRAND_SHARD_COUNT": str(n)},
    lambda k, n: {"COBRAND_SHARD": f"{k}/{n}"},
], ids=["kubernetes", "aws-batch", "github-actions", "matrix-value"])
def test_shard_auto_builds_what_shard_k_of_n_builds(project, tmp_path, engine):
    explicit = cli("build", str(project), "--out", str(tmp_path / "explicit"), "--shard", "2/3", *FAST)
    auto = cli("build", str(project), "--out", str(tmp_path / "auto"), "--shard", "auto", *FAST, env=engine(2, 3))
    assert explicit.exit_code == auto.exit_code
    assert built_partners(tmp_path / "auto") == built_partners(tmp_path / "explicit")
    assert built_partners(tmp_path / "auto")  # shard 2 of 3 of five partners has some


def test_shard_auto_without_an_engine_is_a_usage_error(project, tmp_path):
    result = cli("build", str(project), "--out", str(tmp_path / "out"), "--shard", "auto", *FAST)
    assert result.exit_code == 2 and "found no shard" in result.output
    assert not (tmp_path / "out").exists()


def test_merged_shard_reports_equal_a_single_build(project, tmp_path):
    single = cli("build", str(project), "--out", str(tmp_path / "single"), *FAST)
    reports = []
    for index in (1, 2, 3):  # each shard in its own output folder, as on separate machines
        out = tmp_path / f"shard-{index}"
        cli("build", str(project), "--out", str(out), "--shard", "auto", *FAST,
            env={"COBRAND_SHARD": f"{index}/3"})
        reports.append(str(out / "report.json"))
    merged_file = tmp_path / "merged.json"
    merged = cli("merge-reports", *reports, "-o", str(merged_file))
    expected = json.loads((tmp_path / "single" / "report.json").read_text())
    actual = json.loads(merged_file.read_text())
    assert single.exit_code == merged.exit_code == 1  # falkenstein-systeme fails
    assert actual["counts"] == expected["counts"]
    assert actual["ok"] is expected["ok"] is False
    assert actual["failures"] == expected["failures"]
    assert [(p["slug"], p["status"], p["files"]) for p in actual["partners"]] == \
        [(p["slug"], p["status"], p["files"]) for p in expected["partners"]]
    assert sorted(map(json.dumps, actual["warnings"])) == sorted(map(json.dumps, expected["warnings"]))
    printed = cli("merge-reports", *reports)
    assert json.loads(printed.output)["counts"] == expected["counts"]


def test_merging_overlapping_shards_is_refused(project, tmp_path):
    out = tmp_path / "out"
    cli("build", str(project), "--out", str(out), "--shard", "1/2", *FAST)
    result = cli("merge-reports", str(out / "report.json"), str(out / "report.json"))
    assert result.exit_code == 2 and "shards overlap" in result.output
    missing = cli("merge-reports", str(tmp_path / "nothing.json"))
    assert missing.exit_code == 2 and "cannot read a build report" in missing.output


def test_merging_shards_that_wrote_different_roots_is_refused(project, tmp_path):
    site, both = tmp_path / "site", tmp_path / "both"
    cli("build", str(project), "--out", str(site), "--shard", "1/2", "--only", "site", *FAST)
    cli("build", str(project), "--out", str(both), "--shard", "2/2", *FAST)
    result = cli("merge-reports", str(site / "report.json"), str(both / "report.json"))
    assert result.exit_code == 2 and "the shards wrote different roots (--only)" in result.output
    assert f"{site / 'report.json'} (site)" in result.output and f"{both / 'report.json'} (both)" in result.output
    forged = json.loads((site / "report.json").read_text())
    forged["only"] = ["site"]
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    bad = cli("merge-reports", str(tmp_path / "forged.json"), str(both / "report.json"))
    assert bad.exit_code == 2 and f'{tmp_path / "forged.json"}: only: must be "site", "hub" or null, not ["site"]' \
        in bad.output
    again = tmp_path / "site-2"
    cli("build", str(project), "--out", str(again), "--shard", "2/2", "--only", "site", *FAST)
    merged = cli("merge-reports", str(site / "report.json"), str(again / "report.json"))
    assert json.loads(merged.output)["only"] == "site"


def test_merged_shard_reports_name_withheld_items_and_who_kept_them_as_a_single_build_does(tmp_path):
    """Differential: a withheld item kept by partners in several shards, a skipped partner, merged = single."""
    copy = copy_example(tmp_path)
    toml = copy / "partners/sakura-systems/partner.toml"
    outs = {"single": (tmp_path / "single", {})} | {
        f"shard-{index}": (tmp_path / f"shard-{index}", {"COBRAND_SHARD": f"{index}/3"}) for index in (1, 2, 3)}

    def build_all() -> None:
        for out, env in outs.values():
            cli("build", str(copy), "--out", str(out), *(("--shard", "auto") if env else ()), *FAST, env=env)

    build_all()
    post = copy / "content/blog/ransomware-recovery-drill.md"
    post.write_text(post.read_text().replace("\ntitle:", "\ntitel:", 1))
    toml.write_text(toml.read_text().replace('tier = "silver"', 'tier = "tin"', 1))
    build_all()
    merged = cli("merge-reports", *(str(outs[f"shard-{i}"][0] / "report.json") for i in (1, 2, 3)))
    actual = json.loads(merged.output)
    expected = json.loads((tmp_path / "single" / "report.json").read_text())
    assert [entry["slug"] for entry in expected["skipped"]] == ["sakura-systems"]
    kept = {entry["item"]: entry["kept_by"] for entry in expected["withheld"]}
    assert len(kept["blog/ransomware-recovery-drill"]) > 2, "kept by partners of more than one shard"
    assert actual["withheld"] == expected["withheld"]
    assert actual["skipped"] == expected["skipped"]
    assert actual["counts"] == expected["counts"]
