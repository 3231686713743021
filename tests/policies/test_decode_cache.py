"""policies/_decode_cache.py: the analyzer decodes each resource once per request; policies see the same."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import (
    EnforcementLevel,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy import policy as sdk
from tierup.policies import _decode_cache

PROPS = {"name": "jobs", "tags": {"team": "core"}, "list": [1, {"a": "b"}], "flag": True}


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every ``MessageToDict`` the SDK's analyzer makes; the SDK patches are undone afterwards."""
    calls: list[Any] = []
    original = json_format.MessageToDict

    def counting(message: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(message)
        return original(message, *args, **kwargs)

    monkeypatch.setattr(json_format, "MessageToDict", counting)
    monkeypatch.setattr(sdk, "json_format", json_format)
    monkeypatch.setattr(sdk, "deserialize_properties", sdk.deserialize_properties)
    for name in (
        "Analyze",
        "AnalyzeStack",
        "_get_resource_options",
        "_get_provider_resource",
        "_configure_runtime_settings",
    ):
        monkeypatch.setattr(sdk._PolicyAnalyzerServicer, name, getattr(sdk._PolicyAnalyzerServicer, name))
    monkeypatch.setattr(sdk, "signature", sdk.signature)
    monkeypatch.setattr(sdk._PolicyAnalyzerServicer, "_tierup_decode_cache", False, raising=False)
    monkeypatch.delenv("TIERUP_PACK_DECODE_CACHE", raising=False)
    yield calls


def _plain(value: Any) -> Any:
    """A policy's view as plain dicts and lists (the SDK hands out read-checking proxies)."""
    if isinstance(value, Mapping):
        return {k: _plain(value[k]) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value


def _servicer(seen: list[Any]) -> Any:
    def look(args: Any, report: Any) -> None:
        props = args.props if hasattr(args, "props") else args.resources[0].props
        seen.append(_plain(props))
        props["name"] = "changed by a policy"  # must not leak into what the next policy sees
        report("seen")

    policies = [
        *(ResourceValidationPolicy(f"r{i}", "resource policy", look) for i in range(3)),
        *(StackValidationPolicy(f"s{i}", "stack policy", look) for i in range(2)),
    ]
    return sdk._PolicyAnalyzerServicer("pack", "0.0.1", policies, EnforcementLevel.MANDATORY)


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(value)
    return s


def _analyze(servicer: Any) -> list[str]:
    request = analyzer_pb2.AnalyzeRequest(
        type="aws:sqs/queue:Queue", properties=_struct(PROPS), urn="u", name="n"
    )
    return [d.policyName for d in servicer.Analyze(request, None).diagnostics]


def _analyze_stack(servicer: Any) -> list[str]:
    resources = [
        analyzer_pb2.AnalyzerResource(
            type="aws:sqs/queue:Queue", properties=_struct(PROPS), urn=f"u{i}", name="n"
        )
        for i in range(4)
    ]
    request = analyzer_pb2.AnalyzeStackRequest(resources=resources)
    return [d.policyName for d in servicer.AnalyzeStack(request, None).diagnostics]


def test_as_shipped_each_policy_decodes_again(decodes: list[Any]) -> None:
    seen: list[Any] = []
    servicer = _servicer(seen)
    assert _analyze(servicer) == ["r0", "r1", "r2"]
    assert len(decodes) == 3
    decodes.clear()
    assert _analyze_stack(servicer) == ["s0", "s1"]
    assert len(decodes) == 2 * 4


def test_installed_each_resource_decodes_once_per_request_and_policies_see_the_same(
    decodes: list[Any],
) -> None:
    assert _decode_cache.install()
    seen: list[Any] = []
    servicer = _servicer(seen)
    assert _analyze(servicer) == ["r0", "r1", "r2"]
    assert len(decodes) == 1
    decodes.clear()
    assert _analyze_stack(servicer) == ["s0", "s1"]
    assert len(decodes) == 4
    assert seen == [PROPS] * 5  # a policy's write is its own
    decodes.clear()
    _analyze(servicer)  # a new request decodes again: nothing outlives a request
    assert len(decodes) == 1
    assert _decode_cache.install()  # idempotent: not wrapped twice
    assert not hasattr(sdk._PolicyAnalyzerServicer.Analyze.__wrapped__, "__wrapped__")


def test_the_switch_turns_it_off(decodes: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIERUP_PACK_DECODE_CACHE", "0")
    assert not _decode_cache.install()
    _analyze(_servicer([]))
    assert len(decodes) == 3


def _linked_request() -> Any:
    """Three resources with a parent, dependencies, property dependencies, options and a provider."""
    provider = analyzer_pb2.AnalyzerProviderResource(
        type="pulumi:providers:aws", properties=_struct({"region": "eu-west-1"}), urn="prov", name="default"
    )
    options = analyzer_pb2.AnalyzerResourceOptions(protect=True, ignoreChanges=["tags"], parent="c")
    deps = analyzer_pb2.AnalyzerPropertyDependencies(urns=["a", "missing"])

    def resource(urn: str, **kwargs: Any) -> Any:
        return analyzer_pb2.AnalyzerResource(
            type="aws:sqs/queue:Queue", properties=_struct(PROPS), urn=urn, name=urn, **kwargs
        )

    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            resource("c"),
            resource("a", parent="c", options=options, provider=provider),
            resource("b", parent="c", dependencies=["a", "c"], propertyDependencies={"queueUrl": deps}),
        ]
    )


def _stack_views(seen: list[Any], objects: list[Any]) -> Any:
    def look(args: Any, report: Any) -> None:
        objects.append([id(r) for r in args.resources])
        for r in args.resources:
            seen.append(
                {
                    "type": r.resource_type,
                    "urn": r.urn,
                    "name": r.name,
                    "props": _plain(r.props),
                    "parent": r.parent.urn if r.parent else None,
                    "dependencies": [d.urn for d in r.dependencies],
                    "property_dependencies": {
                        k: [d.urn for d in v] for k, v in r.property_dependencies.items()
                    },
                    "opts": (r.opts.protect, list(r.opts.ignore_changes), r.opts.parent),
                    "provider": r.provider
                    and (r.provider.resource_type, r.provider.urn, r.provider.name, _plain(r.provider.props)),
                }
            )
        report("seen")

    policies = [StackValidationPolicy(f"s{i}", "stack policy", look) for i in range(3)]
    return sdk._PolicyAnalyzerServicer("pack", "0.0.1", policies, EnforcementLevel.MANDATORY)


def test_stack_policies_see_what_the_sdk_gives_each_with_its_own_objects(
    decodes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    read_once: list[int] = []
    reading = _decode_cache._analyze_stack_reading_once
    monkeypatch.setattr(
        _decode_cache,
        "_analyze_stack_reading_once",
        lambda *args: read_once.append(1) or reading(*args),
    )
    shipped: list[Any] = []
    names = [
        d.policyName for d in _stack_views(shipped, []).AnalyzeStack(_linked_request(), None).diagnostics
    ]
    assert names == ["s0", "s1", "s2"]
    assert _decode_cache.install()
    cached, objects = [], []  # type: ignore[var-annotated]
    servicer = _stack_views(cached, objects)
    assert [d.policyName for d in servicer.AnalyzeStack(_linked_request(), None).diagnostics] == names
    assert read_once == [1]  # the request was read once, by tierup's AnalyzeStack, not the SDK's
    assert cached == shipped  # parents, dependencies, options and provider linked as the SDK links them
    assert shipped[2]["dependencies"] == ["a", "c"] and shipped[2]["property_dependencies"] == {
        "queueUrl": ["a"]
    }
    assert shipped[1]["provider"][1] == "prov" and shipped[1]["opts"] == (True, ["tags"], "c")
    assert len({i for ids in objects for i in ids}) == 9  # three policies, three resources each: none shared


def test_options_and_provider_are_built_once_per_request(
    decodes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    for name in ("_get_resource_options", "_get_provider_resource"):
        original = getattr(sdk._PolicyAnalyzerServicer, name)

        def counting(self: Any, request: Any, name: str = name, original: Any = original) -> Any:
            built.append(name)
            return original(self, request)

        monkeypatch.setattr(sdk._PolicyAnalyzerServicer, name, counting)
    assert _decode_cache.install()
    _stack_views([], []).AnalyzeStack(_linked_request(), None)
    assert sorted(built) == ["_get_provider_resource"] * 3 + ["_get_resource_options"] * 3


def test_the_runtime_is_configured_again_only_when_its_environment_changes(
    decodes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    configured: list[str | None] = []
    monkeypatch.setattr(
        sdk._PolicyAnalyzerServicer,
        "_configure_runtime_settings",
        lambda self: configured.append(os.environ.get("PULUMI_CONFIG")),
    )
    monkeypatch.setenv("PULUMI_CONFIG", '{"aws:region": "us-east-1"}')
    assert _decode_cache.install()
    servicer = _servicer([])
    _analyze(servicer)
    _analyze_stack(servicer)
    assert configured == ['{"aws:region": "us-east-1"}']
    monkeypatch.setenv("PULUMI_CONFIG", '{"aws:region": "eu-west-1"}')
    _analyze(servicer)
    assert configured == ['{"aws:region": "us-east-1"}', '{"aws:region": "eu-west-1"}']
