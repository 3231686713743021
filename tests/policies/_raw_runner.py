"""Run ``raw_project`` in-process under pulumi mocks and evaluate the pack on what it declared.

This is not tierup's offline engine (that one runs programs in a child process and talks to the pack
over gRPC); it is the smallest faithful stand-in the pack's own tests need: a recording monitor that
keeps each resource's wire-format inputs, ``protect`` and property dependencies, mocks that add the
outputs the stack policies link on, and a loop that calls each policy the way the analyzer server does.
"""

from __future__ import annotations

import json
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime.config import CONFIG
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import reset_options
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    unknown_checking_proxy,
)
from tierup.policies.rules import ALL_POLICIES

RAW_PROJECT = Path(__file__).parent / "raw_project"
EXPECTED: dict[str, dict[str, str] | None] = json.loads((RAW_PROJECT / "expected.json").read_text())
REGION = "us-east-1"
ACCOUNT = "123456789012"
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
_SERVICE = {"lb": "elasticloadbalancing", "alb": "elasticloadbalancing", "cloudwatch": "cloudwatch"}


def mock_outputs(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs a real deployment would add; the stack policies link resources through these."""
    module = typ.split(":")[1].split("/")[0]
    rid = f"{name}-{abs(hash((typ, name))) % 10**8:08d}"
    out: dict[str, Any] = {
        "id": rid,
        "arn": f"arn:aws:{_SERVICE.get(module, module)}:{REGION}:{ACCOUNT}:{typ.rsplit(':', 1)[1].lower()}/{rid}",
    }
    kind = typ.rsplit(":", 1)[1]
    if "name" not in inputs and kind not in ("Route", "RouteTableAssociation"):
        out["name"] = rid
    if kind == "LoadBalancer":
        out["arnSuffix"] = f"app/{name}/0123456789abcdef"
        out["dnsName"] = f"{name}-123.{REGION}.elb.amazonaws.com"
    elif kind == "TargetGroup":
        out["arnSuffix"] = f"targetgroup/{name}/0123456789abcdef"
    elif kind == "Queue":
        out["name"] = rid
        out["url"] = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{rid}"
        out["id"] = out["url"]
        out["arn"] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{rid}"
    elif kind == "ReplicationGroup":
        group_id = inputs.get("replicationGroupId") or rid
        count = int(inputs.get("numCacheClusters") or 1)
        out.update(id=group_id, memberClusters=[f"{group_id}-{n:03d}" for n in range(1, count + 1)])
        out["primaryEndpointAddress"] = f"master.{group_id}.cache.amazonaws.com"
    elif kind in ("Bucket", "BucketV2"):
        bucket = inputs.get("bucket") or rid
        out.update(id=bucket, bucket=bucket, arn=f"arn:aws:s3:::{bucket}")
    elif kind == "Instance":
        out["primaryNetworkInterfaceId"] = f"eni-{rid}"
    elif kind == "LaunchTemplate":
        out["latestVersion"] = 1
    return out


class FixtureMocks(pulumi.runtime.Mocks):
    """Outputs per :func:`mock_outputs` (none in preview, where they'd be unknown) and the AZ invoke."""

    def __init__(self, preview: bool) -> None:
        self.preview = preview
        self.outputs: dict[tuple[str, str], dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        outputs = mock_outputs(args.typ, args.name, args.inputs)
        self.outputs[(args.typ, args.name)] = outputs
        if self.preview:
            return "", dict(args.inputs)
        return outputs["id"], {**args.inputs, **outputs}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {"id": REGION, "names": AZS, "zoneIds": ["use1-az1", "use1-az2", "use1-az4"]}, []
        return {}, []


@dataclass
class Record:
    """One registered custom resource, as the analyzer would see it."""

    urn: str
    type: str
    name: str
    props: dict[str, Any]
    protect: bool
    deps: dict[str, list[str]] = field(default_factory=dict)


class RecordingMonitor(MockMonitor):
    """The mock monitor, keeping inputs (wire format), protect and property dependencies."""

    def __init__(self, mocks: FixtureMocks) -> None:
        super().__init__(mocks)
        self.fixture = mocks
        self.records: list[Record] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type.startswith("pulumi:") or not request.custom:
            return response
        props = deserialize_properties(json_format.MessageToDict(request.object))
        outputs = self.fixture.outputs.get((request.type, request.name), {})
        for key, value in outputs.items():
            if self.fixture.preview:
                if key not in props:
                    props[key] = UNKNOWN_ARRAY_VALUE if isinstance(value, list) else UNKNOWN_STRING_VALUE
            else:
                props[key] = value
        deps = {k: list(v.urns) for k, v in request.propertyDependencies.items()}
        self.records.append(
            Record(response.urn, request.type, request.name, props, bool(request.protect), deps)
        )
        return response


def run_program(breaks: list[str] | None = None, preview: bool = False) -> list[Record]:
    """Run raw_project/__main__.py with ``raw:break`` set; the custom resources it registered."""
    mocks = FixtureMocks(preview)
    monitor = RecordingMonitor(mocks)
    saved = dict(CONFIG.get())
    reset_options()  # A fresh root stack resource for this run.
    pulumi.runtime.set_all_config({"aws:region": REGION, "raw:break": json.dumps(breaks or [])})
    try:
        pulumi.runtime.set_mocks(mocks, project="raw-stack", stack="prod", preview=preview, monitor=monitor)
        program = str(RAW_PROJECT / "__main__.py")
        _sync_await(run_pulumi_func(lambda: runpy.run_path(program, run_name="__main__")))
    finally:
        # Leave the process's pulumi runtime as we found it for whatever test runs next.
        reset_options()
        pulumi.runtime.set_all_config(saved)
    return monitor.records


@dataclass(frozen=True)
class Violation:
    """One reported violation."""

    policy: str
    type: str | None
    name: str | None
    message: str


def evaluate(records: list[Record]) -> tuple[list[Violation], list[str]]:
    """Run every policy of the pack; (violations, policies that raised UnknownValueError)."""
    violations: list[Violation] = []
    unknown: list[str] = []
    by_urn = {r.urn: r for r in records}

    def opts(record: Record) -> PolicyResourceOptions:
        return PolicyResourceOptions(record.protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)

    def report(policy: str, urn: str | None, message: str) -> None:
        record = by_urn.get(urn or "")
        violations.append(
            Violation(policy, record.type if record else None, record.name if record else None, message)
        )

    resources = {
        r.urn: PolicyResource(
            r.type, unknown_checking_proxy(r.props), r.urn, r.name, opts(r), None, None, [], {}
        )
        for r in records
    }
    for r in records:
        for prop, urns in r.deps.items():
            resources[r.urn].property_dependencies[prop] = [resources[u] for u in urns if u in resources]
    for policy in ALL_POLICIES:
        if isinstance(policy, ResourceValidationPolicy):
            for r in records:
                args = ResourceValidationArgs(
                    r.type, unknown_checking_proxy(r.props), r.urn, r.name, opts(r), None, None
                )
                try:
                    policy.validate(args, lambda m, u=None, p=policy.name, urn=r.urn: report(p, urn, m))
                except UnknownValueError:
                    unknown.append(policy.name)
        elif isinstance(policy, StackValidationPolicy):
            args = StackValidationArgs(list(resources.values()), None)
            try:
                policy.validate(args, lambda m, u=None, p=policy.name: report(p, u, m))
            except UnknownValueError:
                unknown.append(policy.name)
    return violations, unknown


__all__ = ["EXPECTED", "Record", "Violation", "evaluate", "run_program"]
