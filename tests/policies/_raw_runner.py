"""Run ``raw_project`` in-process on tierup's engine and call the pack's policies on what it declared.

``tierup check`` drives the pack over gRPC (tests/check/test_policies_end_to_end.py); this is the fast
in-process path for the pack's own tests: the engine's runtime (``evaluate_inline``: its recording
monitor and AWS mocks) evaluates the program, and a loop calls each policy the way the analyzer server
does. ``preview=True`` models a first ``pulumi preview``, where nothing exists yet: every output that
is not an input is unknown, and so is every input computed from another resource's outputs — a whole
scalar input with property dependencies, or, inside a map or list, each leaf equal to one of those
resources' output values (``dimensions: {LoadBalancer: <unknown>}``, as the engine would send it).
"""

from __future__ import annotations

import json
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

from tierup.engine import wire
from tierup.engine.runtime import evaluate_inline

RAW_PROJECT = Path(__file__).parent / "raw_project"
EXPECTED: dict[str, dict[str, str] | None] = json.loads((RAW_PROJECT / "expected.json").read_text())
REGION = "us-east-1"


@dataclass
class Record:
    """One registered custom resource, as the analyzer would see it."""

    urn: str
    type: str
    name: str
    props: dict[str, Any]
    protect: bool
    deps: dict[str, list[str]] = field(default_factory=dict)


def _unknown(value: Any) -> Any:
    return UNKNOWN_ARRAY_VALUE if isinstance(value, list) else UNKNOWN_STRING_VALUE


def _leaves(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_leaves(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_leaves(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) else set()


def _unknown_where(value: Any, computed: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: _unknown_where(v, computed) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknown_where(v, computed) for v in value]
    return UNKNOWN_STRING_VALUE if isinstance(value, str) and value in computed else value


def run_program(breaks: list[str] | None = None, preview: bool = False) -> list[Record]:
    """Run raw_project/__main__.py with ``raw:break`` set; the custom resources it registered."""
    evaluation = evaluate_inline(
        lambda: runpy.run_path(str(RAW_PROJECT / "__main__.py"), run_name="__main__"),
        project="raw-stack",
        stack="prod",
        config={"aws:region": REGION, "raw:break": breaks or []},
    )
    records = []
    for r in evaluation.custom_resources():
        props = deserialize_properties(wire.for_analyzer(r.inputs))
        if preview:
            for key, urns in r.property_dependencies.items():
                if not urns or key not in props:
                    continue
                if isinstance(props[key], dict | list):
                    computed = set().union(*(_leaves(wire.plain(evaluation.by_urn(u).outputs)) for u in urns))
                    props[key] = _unknown_where(props[key], computed)
                else:
                    props[key] = _unknown(props[key])
        for key, value in r.outputs.items():
            if key not in props:
                props[key] = (
                    _unknown(value)
                    if preview
                    else deserialize_properties({key: wire.for_analyzer(value)})[key]
                )
        records.append(Record(r.urn, r.type, r.name, props, r.protect, r.property_dependencies))
    return records


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
