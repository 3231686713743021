"""The pack sees the same through `tierup check` as through the analyzer protocol driven the CLI's way.

`tierup check` (``PolicyPack.analyze``) builds its request bodies once and shares them, and the pack
it starts decodes each resource once per request (policies/_decode_cache.py). Here the very same
stacks also go to a second pack process with the SDK's decoding as shipped
(``TIERUP_PACK_DECODE_CACHE=0``), driven by a plain client written like the Pulumi CLI's calls: one
``Analyze`` per resource with its inputs, options and provider, then one ``AnalyzeStack`` with every
resource, each body built on its own. The full violation lists must be equal.
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from tests.helpers import REPO, TESTS
from tierup.check import builtin_pack_dir
from tierup.engine import evaluate, wire
from tierup.engine.evaluation import Evaluation, ResourceRecord
from tierup.engine.runtime import evaluate_inline
from tierup.policy_runner import PolicyPack

RAW = TESTS / "policies" / "raw_project"
Found = list[tuple[str, str, str, str]]  # (policy, enforcement level, urn, message), sorted


def _raw(breaks: list[str]) -> Evaluation:
    expected = json.loads((RAW / "expected.json").read_text())
    return evaluate_inline(
        lambda: runpy.run_path(str(RAW / "__main__.py"), run_name="__main__"),
        project="raw-stack",
        stack="prod",
        config={"aws:region": "us-east-1", "raw:break": sorted(expected) if breaks == ["all"] else breaks},
    )


@pytest.fixture(scope="module", params=["raw-every-policy-broken", "raw-compliant", "reference-prod"])
def evaluation(request: pytest.FixtureRequest) -> Evaluation:
    if request.param == "reference-prod":
        return evaluate(REPO, "prod")
    return _raw(["all"] if request.param == "raw-every-policy-broken" else [])


@pytest.fixture
def start_pack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    started: list[PolicyPack] = []

    def start(evaluation: Evaluation, *, decode_cache: bool) -> PolicyPack:
        with monkeypatch.context() as env:
            env.setenv("TIERUP_PACK_DECODE_CACHE", "1" if decode_cache else "0")
            pack = PolicyPack(
                builtin_pack_dir(),
                project=evaluation.project,
                stack=evaluation.stack,
                config={"aws:region": "us-east-1"},
                secret_keys=[],
            )
        started.append(pack)
        pack.configure(builtin_pack_dir() / "config" / "prod.json")
        return pack

    yield start
    for pack in started:
        pack.close()


# ---- a plain client, as the Pulumi CLI drives an analyzer -----------------------------------------


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(wire.for_analyzer(value))
    return s


def _options(r: ResourceRecord) -> Any:
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=r.protect,
        ignoreChanges=r.ignore_changes,
        deleteBeforeReplace=r.delete_before_replace,
        additionalSecretOutputs=r.additional_secret_outputs,
        parent=r.parent,
    )


def _provider(r: ResourceRecord, by_urn: dict[str, ResourceRecord]) -> Any:
    provider = by_urn.get(r.provider.rsplit("::", 1)[0]) if r.provider else None
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type, properties=_struct(provider.inputs), urn=provider.urn, name=provider.name
    )


def _as_the_cli_drives_it(pack: PolicyPack, evaluation: Evaluation) -> Found:
    stub = pack._connect()
    by_urn = {r.urn: r for r in evaluation.resources}
    found: Found = []

    def collect(response: Any, default: str) -> None:
        for d in response.diagnostics:
            found.append((d.policyName, str(d.enforcementLevel), d.urn or default, d.message))

    for r in evaluation.resources:
        if r.custom:
            request = analyzer_pb2.AnalyzeRequest(
                type=r.type,
                properties=_struct(r.inputs),
                urn=r.urn,
                name=r.name,
                options=_options(r),
                provider=_provider(r, by_urn),
            )
            collect(stub.Analyze(request), r.urn)
    resources = [
        analyzer_pb2.AnalyzerResource(
            type=r.type,
            properties=_struct({**r.inputs, **r.outputs}),
            urn=r.urn,
            name=r.name,
            options=_options(r),
            provider=_provider(r, by_urn),
            parent=r.parent,
            dependencies=r.dependencies,
            propertyDependencies={
                k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                for k, v in r.property_dependencies.items()
            },
        )
        for r in evaluation.resources
    ]
    collect(stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources)), evaluation.stack_urn)
    return sorted(found)


def _through_tierup_check(pack: PolicyPack, evaluation: Evaluation) -> Found:
    from tierup.policy_runner import ENFORCEMENT_LEVELS

    return sorted(
        (
            v.policy,
            str(ENFORCEMENT_LEVELS.index(v.enforcement)),
            v.urn,
            f"{v.description}\n{v.message}" if v.description else v.message,
        )
        for v in pack.analyze(evaluation)
    )


def test_tierup_check_and_the_cli_way_see_the_same_violations(
    evaluation: Evaluation, start_pack: Any
) -> None:
    through_check = _through_tierup_check(start_pack(evaluation, decode_cache=True), evaluation)
    as_shipped = _as_the_cli_drives_it(start_pack(evaluation, decode_cache=False), evaluation)
    assert [(p, u) for p, _, u, _ in through_check] == [(p, u) for p, _, u, _ in as_shipped]
    assert through_check == as_shipped


def test_the_broken_raw_stack_reports_every_policy(start_pack: Any) -> None:
    """The comparison above is not vacuous: the broken stack trips every policy of the pack."""
    evaluation = _raw(["all"])
    found = _as_the_cli_drives_it(start_pack(evaluation, decode_cache=False), evaluation)
    assert {p for p, *_ in found} >= set(json.loads((RAW / "expected.json").read_text()))


def test_the_pack_still_starts_without_tierup() -> None:
    """The pack directory needs only pulumi and pulumi-policy: no module of it imports tierup."""
    for source in builtin_pack_dir().rglob("*.py"):
        text = source.read_text()
        assert "import tierup" not in text and "from tierup" not in text, source
