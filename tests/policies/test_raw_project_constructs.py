"""The raw pulumi_aws reference project constructs under mocks, passes the pack, and each break key trips
exactly its own policy on exactly the resource expected.json names."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from ._pack_testkit import POLICIES
from ._raw_runner import EXPECTED, RAW_PROJECT, evaluate, run_program


def test_project_files() -> None:
    project = yaml.safe_load((RAW_PROJECT / "Pulumi.yaml").read_text())
    assert project["name"] == "raw-stack" and project["runtime"] == "python"
    assert yaml.safe_load((RAW_PROJECT / "Pulumi.prod.yaml").read_text()) == {
        "config": {"aws:region": "us-east-1"}
    }


def test_expected_names_every_policy() -> None:
    assert set(EXPECTED) == set(POLICIES)
    for policy, where in EXPECTED.items():
        assert where is None or set(where) == {"type", "name"}, policy


def test_compliant_program_constructs_with_raw_resources_only_and_passes() -> None:
    records = run_program([])
    types = Counter(r.type for r in records)
    assert all(t.startswith("aws:") for t in types), "raw pulumi_aws only, no components"
    assert types["aws:ec2/subnet:Subnet"] == 6 and types["aws:ec2/natGateway:NatGateway"] == 3
    assert types["aws:autoscaling/group:Group"] == 2 and types["aws:sqs/queue:Queue"] == 2
    protected = {r.name for r in records if r.protect}
    assert protected == {"alb-logs", "jobs", "jobs-dlq", "postgres", "redis"}
    assert evaluate(records) == ([], [])


def test_compliant_program_in_preview_with_unknown_outputs_passes() -> None:
    violations, unknown = evaluate(run_program([], preview=True))
    assert violations == []
    assert set(unknown) == {"no-secrets-in-user-data"}, "user data built from outputs is unknown at preview"


@pytest.mark.parametrize("policy", sorted(EXPECTED))
def test_break_trips_exactly_that_policy(policy: str) -> None:
    violations, unknown = evaluate(run_program([policy]))
    assert unknown == []
    where = EXPECTED[policy]
    got = [(v.policy, v.type, v.name) for v in violations]
    assert got == [(policy, where["type"] if where else None, where["name"] if where else None)]
    assert "Fix:" in violations[0].message


def test_every_break_at_once_trips_every_policy() -> None:
    violations, _ = evaluate(run_program(sorted(EXPECTED)))
    assert {v.policy for v in violations} == set(EXPECTED)
