"""The pack as a whole: fixed policy names and metadata, environment config files, and the pack directory
started exactly as the Pulumi CLI starts it (``python -m pulumi.policy <engine> <packdir>``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import jsonschema
import pytest
import tierup.policies
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy
from tierup.policies.rules import ADVISORY_ONLY, ALL_POLICIES

PACK = Path(tierup.policies.__file__).resolve().parent
FIXED = {
    "asg-multi-az": "stack",
    "asg-min-capacity": "stack",
    "asg-elb-health-check": "stack",
    "launch-template-imdsv2": "resource",
    "launch-template-no-public-ip": "resource",
    "launch-template-encrypted-volumes": "resource",
    "no-secrets-in-user-data": "resource",
    "alb-deletion-protection": "resource",
    "alb-drop-invalid-headers": "resource",
    "alb-access-logs": "resource",
    "alb-https": "stack",
    "target-group-health-check": "resource",
    "elasticache-failover": "resource",
    "elasticache-encryption": "resource",
    "elasticache-auth": "resource",
    "elasticache-backups": "resource",
    "sqs-dead-letter-queue": "stack",
    "sqs-encryption": "resource",
    "security-group-no-public-ingress": "stack",
    "alarm-has-actions": "resource",
    "every-tier-has-alarms": "stack",
    "dlq-has-alarm": "stack",
    "worker-scales-on-queue": "stack",
    "nat-per-az": "stack",
    "survives-az-loss": "stack",
    "stateful-resources-protected": "stack",
    "rds-multi-az": "stack",
    "rds-backups": "resource",
    "rds-encryption": "resource",
    "rds-deletion-protection": "resource",
    "rds-not-public": "stack",
    "alb-waf": "stack",
}
EXTRA = {"alb-listener-tls-policy": "resource"}
LEVELS = {level.value for level in EnforcementLevel}


def test_policy_names_are_the_contracts_plus_extras() -> None:
    kinds = {
        p.name: "stack" if isinstance(p, StackValidationPolicy) else "resource"
        for p in ALL_POLICIES
        if isinstance(p, StackValidationPolicy | ResourceValidationPolicy)
    }
    assert len(kinds) == len(ALL_POLICIES), "names are unique and every policy is a resource or stack policy"
    assert kinds == {**FIXED, **EXTRA}


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda p: p.name)
def test_policy_metadata(policy: ResourceValidationPolicy | StackValidationPolicy) -> None:
    assert policy.description.endswith(".") and len(policy.description) <= 120
    assert policy.severity is not None
    assert policy.remediation_steps and len(policy.remediation_steps) > 30
    assert policy.tags
    if policy.config_schema is not None:
        for prop, schema in policy.config_schema.properties.items():
            assert "default" in schema and "description" in schema, prop
            jsonschema.Draft7Validator.check_schema(schema)
            jsonschema.validate(schema["default"], schema)


def test_advisory_only_policies() -> None:
    assert {"alb-listener-tls-policy", "alb-waf"} == ADVISORY_ONLY
    for policy in ALL_POLICIES:
        expected = EnforcementLevel.ADVISORY if policy.name in ADVISORY_ONLY else None
        assert policy.enforcement_level == expected, "the pack's default (mandatory) applies to the rest"


def load_config(env: str) -> dict:
    return json.loads((PACK / "config" / f"{env}.json").read_text())


def effective_levels(config: dict) -> dict[str, str]:
    """Enforcement per policy as the CLI reconciles a --policy-pack-config file: 'all', then per policy."""
    levels = {p.name: (p.enforcement_level or EnforcementLevel.MANDATORY).value for p in ALL_POLICIES}
    if "all" in config:
        levels = dict.fromkeys(levels, config["all"])
    for name, value in config.items():
        if name != "all":
            levels[name] = value if isinstance(value, str) else value.get("enforcementLevel", levels[name])
    return levels


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_config_files_are_valid_policy_pack_config(env: str) -> None:
    config = load_config(env)
    schemas = {p.name: p.config_schema for p in ALL_POLICIES}
    for name, value in config.items():
        assert name == "all" or name in schemas, name
        if isinstance(value, str):
            assert value in LEVELS
            continue
        assert value.get("enforcementLevel", "advisory") in LEVELS
        props = {k: v for k, v in value.items() if k != "enforcementLevel"}
        schema = schemas[name]
        for prop, prop_value in props.items():
            assert schema is not None and prop in schema.properties, f"{name}.{prop}"
            jsonschema.validate(prop_value, schema.properties[prop])


#: What the staging presets (DESIGN §3) trade for cost: one NAT, no ALB deletion protection.
STAGING_TRADE_OFFS = {"alb-deletion-protection", "nat-per-az", "survives-az-loss"}


def test_enforcement_per_environment() -> None:
    assert set(effective_levels(load_config("dev")).values()) == {"advisory"}
    for env, advisory in (("staging", ADVISORY_ONLY | STAGING_TRADE_OFFS), ("prod", ADVISORY_ONLY)):
        levels = effective_levels(load_config(env))
        assert {n for n, level in levels.items() if level == "advisory"} == advisory, env
        assert {n for n, level in levels.items() if level != "advisory"} == set(FIXED) - advisory


def test_pack_directory_files() -> None:
    project = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert project["runtime"] == "python" and project["description"] and project["version"]
    requirements = (PACK / "requirements.txt").read_text()
    assert "pulumi-policy" in requirements and "pulumi>=" in requirements
    for module in (PACK / "rules").glob("*.py"):
        text = module.read_text()
        assert "import tierup" not in text and "from tierup" not in text, (
            f"{module.name}: relative imports only"
        )


def test_importing_the_package_has_no_side_effects() -> None:
    code = "import sys, tierup.policies, tierup.policies.rules; print('ok')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


# --- the pack started as the Pulumi CLI starts it ---------------------------------------------------


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """A copy of the pack directory, outside the repo, served by ``python -m pulumi.policy``."""
    pack = tmp_path_factory.mktemp("pack") / "tierup-resilience"
    shutil.copytree(PACK, pack, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi.policy", "127.0.0.1:1", str(pack)],
        cwd=pack.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), process.stderr.read() if process.stderr else port
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.kill()
        process.wait(timeout=10)


def struct(value: dict) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(value)
    return out


def test_served_pack_describes_itself(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "tierup-resilience" and info.supportsConfig
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert set(levels) == set(FIXED) | set(EXTRA)
    assert {n for n, level in levels.items() if level == analyzer_pb2.ADVISORY} == ADVISORY_ONLY
    assert {n for n, level in levels.items() if level == analyzer_pb2.MANDATORY} == set(FIXED) - ADVISORY_ONLY
    by_name = {p.name: p for p in info.policies}
    assert by_name["asg-min-capacity"].configSchema.properties["minSize"]["default"] == 2
    assert by_name["survives-az-loss"].policy_type == analyzer_pb2.POLICY_TYPE_STACK
    assert analyzer.GetPluginInfo(empty_pb2.Empty()).version


def test_served_pack_analyzes_resources_and_stacks(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    dev = {name: analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.ADVISORY) for name in FIXED}
    dev["asg-min-capacity"] = analyzer_pb2.PolicyConfig(
        enforcementLevel=analyzer_pb2.MANDATORY, properties=struct({"minSize": 3})
    )
    analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=dev))
    lt = analyzer_pb2.AnalyzeRequest(
        type="aws:ec2/launchTemplate:LaunchTemplate",
        name="app",
        urn="urn:pulumi:prod::raw-stack::aws:ec2/launchTemplate:LaunchTemplate::app",
        properties=struct({"metadataOptions": {"httpTokens": "optional"}}),
        options=analyzer_pb2.AnalyzerResourceOptions(),
    )
    diagnostics = analyzer.Analyze(lt).diagnostics
    assert [(d.policyName, d.enforcementLevel) for d in diagnostics] == [
        ("launch-template-imdsv2", analyzer_pb2.ADVISORY)
    ]
    subnet_urn = "urn:pulumi:prod::raw-stack::aws:ec2/subnet:Subnet::a"
    asg_urn = "urn:pulumi:prod::raw-stack::aws:autoscaling/group:Group::app"
    stack = analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type="aws:ec2/subnet:Subnet",
                name="a",
                urn=subnet_urn,
                properties=struct({"id": "subnet-a", "availabilityZone": "us-east-1a"}),
                options=analyzer_pb2.AnalyzerResourceOptions(),
            ),
            analyzer_pb2.AnalyzerResource(
                type="aws:autoscaling/group:Group",
                name="app",
                urn=asg_urn,
                properties=struct(
                    {
                        "vpcZoneIdentifiers": ["subnet-a"],
                        "minSize": 2,
                        "targetGroupArns": ["arn:tg"],
                        "healthCheckType": "ELB",
                        "name": "app",
                    }
                ),
                options=analyzer_pb2.AnalyzerResourceOptions(),
            ),
        ]
    )
    found = {(d.policyName, d.urn, d.enforcementLevel) for d in analyzer.AnalyzeStack(stack).diagnostics}
    assert ("asg-multi-az", asg_urn, analyzer_pb2.ADVISORY) in found
    assert ("asg-min-capacity", asg_urn, analyzer_pb2.MANDATORY) in found, "config property minSize=3 applied"
    assert ("survives-az-loss", asg_urn, analyzer_pb2.ADVISORY) in found
    assert all(urn for _, urn, _ in found), "stack violations carry the offending resource's URN"


def test_readme_documents_every_policy() -> None:
    readme = (PACK / "README.md").read_text()
    for policy in ALL_POLICIES:
        assert f"| `{policy.name}` |" in readme, policy.name
    for name in ADVISORY_ONLY:
        assert f"- `{name}`:" in readme
