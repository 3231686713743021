"""The engine's replacements of SDK internals give the SDK's answers, for less, and only while a program runs."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi import _types
from pulumi.output import UNKNOWN
from pulumi.runtime import rpc

from tierup.engine import sdk_shortcuts
from tierup.engine.runtime import evaluate_inline

SDK_CONTAINS_UNKNOWNS = rpc.contains_unknowns
SDK_RESOURCE_TYPES = _types.resource_types
SDK_PULUMI_TO_PY_NAMES = _types.resource_pulumi_to_py_names


def _values() -> Iterator[Any]:
    cyclic: dict[str, Any] = {"a": 1}
    cyclic["self"] = cyclic
    cyclic_list: list[Any] = [1, 2]
    cyclic_list.append(cyclic_list)
    shared = {"x": UNKNOWN}
    yield from [
        None,
        "text",
        3,
        UNKNOWN,
        [],
        {},
        {"a": 1, "b": [1, 2, {"c": "d"}]},
        {"a": 1, "b": [1, 2, {"c": UNKNOWN}]},
        [[[[UNKNOWN]]]],
        [{"k": [None, 0, ""]}] * 3,
        {"one": shared, "two": shared},
        cyclic,
        cyclic_list,
        {"tuple": (UNKNOWN,)},  # the SDK looks into dicts and lists only
        {"a": {"b": {"c": {"d": {"e": [1, {"f": UNKNOWN}]}}}}},
    ]


@pytest.mark.parametrize("value", list(_values()), ids=lambda v: type(v).__name__)
def test_contains_unknowns_answers_as_the_sdk(value: Any) -> None:
    assert sdk_shortcuts.contains_unknowns(value) == SDK_CONTAINS_UNKNOWNS(value)


def _cyclic_garbage_after(check: Any) -> int:
    gc.collect()
    gc.disable()
    try:
        for _ in range(50):
            check({"a": [1, {"b": "c"}], "d": "e"})
        return gc.collect()
    finally:
        gc.enable()


def test_contains_unknowns_leaves_no_cycles_for_a_collector_the_child_does_not_run() -> None:
    assert _cyclic_garbage_after(SDK_CONTAINS_UNKNOWNS) > 0  # the SDK's: one closure cycle per call
    assert _cyclic_garbage_after(sdk_shortcuts.contains_unknowns) == 0


RESOURCE_CLASSES = [
    aws.ec2.LaunchTemplate,
    aws.autoscaling.Group,
    aws.lb.LoadBalancer,
    aws.wafv2.WebAcl,
    aws.rds.Instance,
    aws.sqs.Queue,
    pulumi.CustomResource,
]


@pytest.mark.parametrize("cls", RESOURCE_CLASSES, ids=lambda c: c.__name__)
def test_per_class_answers_as_the_sdk(cls: type) -> None:
    assert sdk_shortcuts.per_class(SDK_RESOURCE_TYPES)(cls) == SDK_RESOURCE_TYPES(cls)
    assert sdk_shortcuts.per_class(SDK_PULUMI_TO_PY_NAMES)(cls) == SDK_PULUMI_TO_PY_NAMES(cls)


def test_per_class_computes_once_per_class_and_hands_out_copies() -> None:
    calls: list[type] = []

    def compute(cls: type) -> dict[str, Any]:
        calls.append(cls)
        return {"name": cls.__name__}

    cached = sdk_shortcuts.per_class(compute)
    first = cached(aws.sqs.Queue)
    first["name"] = "changed by a caller"
    assert cached(aws.sqs.Queue) == {"name": "Queue"}
    assert cached(aws.sqs.QueuePolicy) == {"name": "QueuePolicy"}
    assert calls == [aws.sqs.Queue, aws.sqs.QueuePolicy]


def test_the_shortcuts_are_in_place_while_a_program_runs_and_gone_after() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        seen["contains_unknowns"] = rpc.contains_unknowns
        seen["resource_types"] = _types.resource_types
        queue = aws.sqs.Queue("jobs", visibility_timeout_seconds=60)
        pulumi.export("url", queue.url)

    evaluation = evaluate_inline(program, config={"aws:region": "eu-west-1"})
    assert seen["contains_unknowns"] is sdk_shortcuts.contains_unknowns
    assert seen["resource_types"] is not SDK_RESOURCE_TYPES
    assert rpc.contains_unknowns is SDK_CONTAINS_UNKNOWNS
    assert _types.resource_types is SDK_RESOURCE_TYPES
    assert _types.resource_pulumi_to_py_names is SDK_PULUMI_TO_PY_NAMES
    assert evaluation.one(type="aws:sqs/queue:Queue").outputs["visibilityTimeoutSeconds"] == 60


def test_a_name_the_sdk_no_longer_has_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(_types, "resource_pulumi_to_py_names")
    with sdk_shortcuts.installed():
        assert not hasattr(_types, "resource_pulumi_to_py_names")
        assert rpc.contains_unknowns is sdk_shortcuts.contains_unknowns
    assert rpc.contains_unknowns is SDK_CONTAINS_UNKNOWNS
