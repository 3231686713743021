"""No validator crashes: not on unknowns, missing or mistyped properties, malformed JSON or unknown types."""

from __future__ import annotations

import contextlib
import copy
import itertools
import random
import re
from pathlib import Path

import pytest
from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from ._pack_testkit import POLICIES, U_BOOL, U_LIST, U_STR, Stack, options, urn

SOURCE = "".join(
    p.read_text() for p in (Path(__file__).resolve().parents[2] / "policies" / "rules").glob("*.py")
)
TYPES = [
    *sorted(set(re.findall(r'"(aws:[a-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+)"', SOURCE))),
    *("aws:foo/bar:Baz", "tierup:compute:AppTier", "pulumi:providers:aws", ""),
]
SCHEMA_WORDS = {"all", "type", "default", "items", "description", "minimum", "maximum", "properties"}
PROPS = [*sorted(set(re.findall(r'"([a-z][A-Za-z0-9]+)"', SOURCE)) - SCHEMA_WORDS), "type"]
WEIRD = [
    None,
    0,
    -1,
    2.5,
    True,
    "",
    "x",
    "{not json",
    '{"deadLetterTargetArn": 5}',
    "0.0.0.0/0",
    "not-a-cidr/99",
    [],
    [None],
    [1, "x", {}, [], None],
    {},
    {"a": None, "b": [1]},
    {"httpTokens": 5, "encrypted": "maybe", "namespace": ["AWS/SQS"], "protocol": {"x": 1}},
    U_STR,
    U_BOOL,
    U_LIST,
    [U_STR, U_STR],
    {"x": U_STR},
]


def weird_props(rng: random.Random) -> dict:
    """Every property name the rules read, each set to a random odd value (nested one level too)."""
    props = {}
    for prop in PROPS:
        value = rng.choice(WEIRD)
        if rng.random() < 0.3:
            value = {p: rng.choice(WEIRD) for p in rng.sample(PROPS, 6)}
        elif rng.random() < 0.2:
            value = [{p: rng.choice(WEIRD) for p in rng.sample(PROPS, 6)}]
        props[prop] = value
    return props


_RNG = random.Random(20240601)
CASES = [
    unknown_checking_proxy({}),
    *(unknown_checking_proxy({p: copy.deepcopy(weird) for p in PROPS}) for weird in WEIRD),
    *(unknown_checking_proxy(copy.deepcopy(weird_props(_RNG))) for _ in range(8)),
]
CONFIGS = [None, {"minSize": "x", "ignorePatterns": 5}, {"allowedPolicies": None, "minRetentionDays": []}]


@pytest.mark.parametrize(
    "name", sorted(n for n, p in POLICIES.items() if isinstance(p, ResourceValidationPolicy))
)
def test_resource_policies_never_crash(name: str) -> None:
    policy = POLICIES[name]
    assert isinstance(policy, ResourceValidationPolicy)
    for type_, props, config in itertools.product(TYPES, CASES, CONFIGS):
        args = ResourceValidationArgs(type_, props, urn(type_, "r"), "r", options(), None, config)
        # UnknownValueError is how the SDK learns a policy can't run during preview: allowed here.
        with contextlib.suppress(UnknownValueError):
            policy.validate(args, lambda message, urn=None: None)


def fuzz_stack() -> Stack:
    """Every type twice with odd values and random property dependencies, once with all-unknown values."""
    rng = random.Random(7)
    stack = Stack()
    for i, type_ in enumerate(TYPES * 2):
        deps = {}
        if stack.resources and rng.random() < 0.5:
            deps = {
                p: rng.sample(stack.resources, min(3, len(stack.resources))) for p in rng.sample(PROPS, 4)
            }
        stack.add(type_, f"r{i}", weird_props(rng), protect=rng.random() < 0.5, deps=deps)
        stack.add(type_, f"u{i}", {p: rng.choice([U_STR, U_LIST, U_BOOL]) for p in PROPS})
    return stack


FUZZ = fuzz_stack()
STACK_POLICIES = sorted(n for n, p in POLICIES.items() if isinstance(p, StackValidationPolicy))


@pytest.mark.parametrize("name", STACK_POLICIES)
def test_stack_policies_never_crash_or_raise_unknown(name: str) -> None:
    FUZZ.check(name)
    FUZZ.check(name, {"minSize": "x", "allowedPublicPorts": ["a", None], "minAlarms": None, "metricNames": 3})
    assert Stack().check(name) == []
