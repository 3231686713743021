"""Every policy of the pack, end to end through `tierup check`, on a stack written in raw pulumi_aws.

The raw project (tests/policies/raw_project) is a compliant production architecture; its config key
``raw:break`` makes the program break exactly the listed policies. For each policy: the compliant stack
passes, and breaking it gives exit 1 (or 0 for a policy the environment's config keeps advisory) with
a violation of that policy, at the enforcement the environment's config sets, on the expected
resource's engine URN — and nothing else mandatory.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO, TESTS, run_cli

RAW = TESTS / "policies" / "raw_project"
EXPECTED: dict[str, dict[str, str] | None] = json.loads((RAW / "expected.json").read_text())
PROD_CONFIG = json.loads((REPO / "policies" / "config" / "prod.json").read_text())


def enforcement_in_prod(policy: str) -> str:
    level = PROD_CONFIG.get(policy, PROD_CONFIG.get("all", "mandatory"))
    return (
        level
        if isinstance(level, str)
        else level.get("enforcementLevel", PROD_CONFIG.get("all", "mandatory"))
    )


def check(tmp_path: Path, broken: list[str], *extra: str) -> tuple[int, dict[str, Any]]:
    project = tmp_path / "raw"
    shutil.copytree(RAW, project)
    (project / "Pulumi.prod.yaml").write_text(
        json.dumps({"config": {"aws:region": "us-east-1", "raw:break": broken}})
    )
    result = run_cli("check", project, "--stack", "prod", "--format", "json", *extra)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_the_compliant_raw_stack_passes_every_policy(tmp_path: Path) -> None:
    code, report = check(tmp_path, [])
    assert code == 0
    assert report["violations"] == []
    assert report["summary"]["policies"] >= len(EXPECTED)
    assert [p["name"] for p in report["packs"]] == ["tierup-resilience"]


@pytest.mark.parametrize("policy", sorted(EXPECTED))
def test_breaking_one_policy_is_reported_on_its_resource(tmp_path: Path, policy: str) -> None:
    code, report = check(tmp_path, [policy])
    level = enforcement_in_prod(policy)
    mine = [v for v in report["violations"] if v["policy"] == policy]
    assert mine, f"{policy} not reported; got {[v['policy'] for v in report['violations']]}"
    assert {v["enforcement"] for v in mine} == {level}
    assert all(v["pack"] == "tierup-resilience" for v in mine)
    target = EXPECTED[policy]
    if target is not None:
        urns = {v["urn"] for v in mine}
        assert any(
            u.endswith(f"{target['type']}::{target['name']}") and u.startswith("urn:pulumi:prod::raw-stack::")
            for u in urns
        ), urns
    others = [v["policy"] for v in report["violations"] if v["policy"] != policy]
    assert others == [], f"breaking {policy} also broke {others}"
    assert code == (1 if level == "mandatory" else 0)


def test_dev_enforcement_is_advisory_and_exits_0(tmp_path: Path) -> None:
    code, report = check(tmp_path, ["launch-template-imdsv2"], "--environment", "dev")
    assert code == 0
    assert report["environment"] == "dev"
    assert {(v["policy"], v["enforcement"]) for v in report["violations"]} == {
        ("launch-template-imdsv2", "advisory")
    }
