"""Evaluating a raw pulumi_aws program in a child process: what the engine records."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierup.engine import evaluate, wire
from tierup.engine.evaluation import Evaluation
from tierup.errors import TierupError

PROJECTS = Path(__file__).parent / "projects"
PREFIX = "urn:pulumi:prod::raw-engine::"


@pytest.fixture(scope="module")
def prod() -> Evaluation:
    return evaluate(PROJECTS / "raw", "prod")


def test_urns_are_formed_as_the_engine_forms_them(prod: Evaluation) -> None:
    urns = {r.name: r.urn for r in prod.resources}
    assert urns["raw-engine-prod"] == f"{PREFIX}pulumi:pulumi:Stack::raw-engine-prod"
    assert urns["main"] == f"{PREFIX}aws:ec2/vpc:Vpc::main"  # no Stack$ prefix for top-level resources
    assert urns["web"] == f"{PREFIX}raw:app:Tier::web"
    assert urns["web-sg"] == f"{PREFIX}raw:app:Tier$aws:ec2/securityGroup:SecurityGroup::web-sg"
    # the full chain of parent types, not only the parent's own type
    assert urns["web-rules-https"] == (
        f"{PREFIX}raw:app:Tier$raw:net:Rules$aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::web-rules-https"
    )


def test_parents_and_dependencies_are_recorded(prod: Evaluation) -> None:
    rule = prod.one(name="web-rules-https")
    assert rule.parent == f"{PREFIX}raw:app:Tier$raw:net:Rules::web-rules"
    assert prod.one(name="main").parent == prod.stack_urn
    subnet = prod.one(name="private-0")
    assert f"{PREFIX}aws:ec2/vpc:Vpc::main" in subnet.dependencies
    assert subnet.property_dependencies["vpcId"] == [f"{PREFIX}aws:ec2/vpc:Vpc::main"]
    alb = prod.one(type="aws:lb/loadBalancer:LoadBalancer")
    # depends_on a component: the SDK expands it to the component's resources, as with the real engine
    assert f"{PREFIX}raw:app:Tier$aws:ec2/securityGroup:SecurityGroup::web-sg" in alb.dependencies


def test_resource_options_are_recorded(prod: Evaluation) -> None:
    assert prod.one(name="orders").protect is True
    assert prod.one(name="jobs-0").protect is False
    assert prod.one(name="Logs-Bucket").retain_on_delete is True
    assert prod.one(type="aws:lb/loadBalancer:LoadBalancer").ignore_changes == ["tags"]


def test_providers_explicit_and_default(prod: Evaluation) -> None:
    bucket = prod.one(name="Logs-Bucket")
    west = prod.one(type="pulumi:providers:aws", name="west")
    assert bucket.provider == f"{west.urn}::{west.id}"
    default = prod.one(type="pulumi:providers:aws", name=prod.find(type="pulumi:providers:aws")[0].name)
    assert default.name.startswith("default_")
    assert default.inputs["region"] == "eu-west-1"  # configured from the stack's aws: config
    assert prod.one(name="main").provider == f"{default.urn}::{default.id}"


def test_config_reaches_the_program(prod: Evaluation) -> None:
    assert len(prod.find(type="aws:sqs/queue:Queue")) == 4  # queueCount 3 from the stack + orders
    assert prod.one(name="main").inputs["tags"] == {"team": "web"}
    assert prod.one(name="private-1").inputs["availabilityZone"] == "eu-west-1b"


def test_secrets_stay_secret_and_are_masked_in_the_plan(prod: Evaluation) -> None:
    param = prod.one(type="aws:ssm/parameter:Parameter")
    assert wire.is_secret(param.inputs["value"])
    plan = prod.plan("prod")
    planned = next(r for r in plan["resources"] if r["urn"] == param.urn)
    assert planned["inputs"]["value"] == "[secret]"
    assert plan["outputs"]["password"] == "[secret]"
    assert "offline-secret" not in str(plan)


def test_autonaming_follows_the_provider(prod: Evaluation) -> None:
    queue = prod.one(name="jobs-0")
    assert queue.inputs["name"].startswith("jobs-0-") and len(queue.inputs["name"]) == len("jobs-0-") + 7
    assert prod.one(name="orders").inputs["name"].endswith(".fifo")
    bucket = prod.one(name="Logs-Bucket").inputs["bucket"]
    assert bucket == bucket.lower() and bucket.startswith("logs-bucket-")
    alb_name = prod.one(type="aws:lb/loadBalancer:LoadBalancer").inputs["name"]
    assert len(alb_name) <= 32


def test_declaration_order_is_stable() -> None:
    first = [r.urn for r in evaluate(PROJECTS / "raw", "dev").resources]
    second = [r.urn for r in evaluate(PROJECTS / "raw", "dev").resources]
    assert first == second
    names = [u.rsplit("::", 1)[-1] for u in first]
    assert names.index("main") < names.index("private-0") < names.index("jobs-0") < names.index("db-password")


def test_plan_json_has_the_contract_shape(prod: Evaluation) -> None:
    plan = prod.plan("prod")
    assert set(plan) == {"project", "stack", "environment", "resources", "outputs", "notes"}
    keys = {
        "urn",
        "type",
        "name",
        "custom",
        "parent",
        "dependencies",
        "inputs",
        "protect",
        "retainOnDelete",
        "ignoreChanges",
        "provider",
    }
    assert all(set(r) == keys for r in plan["resources"])
    assert plan["outputs"]["vpcId"].startswith("vpc-0")


def test_source_positions_point_into_the_program(prod: Evaluation) -> None:
    program = (PROJECTS / "raw" / "src" / "__main__.py").read_text().splitlines()
    line = next(n for n, text in enumerate(program, start=1) if text.startswith('vpc = aws.ec2.Vpc("main"'))
    assert prod.one(name="main").source == {"file": "src/__main__.py", "line": line}
    assert prod.one(name="web-sg").source["file"] == "src/helpers.py"


def test_a_program_that_raises_is_one_line_with_its_own_file_and_line() -> None:
    with pytest.raises(TierupError) as err:
        evaluate(PROJECTS / "broken", "dev")
    assert str(err.value) == "lib.py:4: KeyError: 'maximum'"


def test_the_projects_virtualenv_runs_the_program_when_it_exists(tmp_path: Path) -> None:
    import os
    import sys

    marker = tmp_path / "used-the-project-venv"
    (tmp_path / "Pulumi.yaml").write_text(
        "name: venvy\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
    )
    (tmp_path / "__main__.py").write_text("import pulumi_aws as aws\naws.sqs.Queue('q')\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    evaluate(tmp_path, "dev")  # no venv folder yet: this interpreter
    assert not marker.exists()
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec "{sys.executable}" "$@"\n')
    os.chmod(python, 0o755)
    assert [r.name for r in evaluate(tmp_path, "dev").custom_resources()] == ["q"]
    assert marker.exists()
