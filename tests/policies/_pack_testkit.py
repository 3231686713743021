"""Helpers for the policy tests: build pulumi_policy arguments the way the analyzer server does."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE
from pulumi_policy.proxy import unknown_checking_proxy as _proxy
from tierup.policies.rules import ALL_POLICIES

U_STR = UNKNOWN_STRING_VALUE
U_BOOL = UNKNOWN_BOOLEAN_VALUE
U_LIST = UNKNOWN_ARRAY_VALUE

POLICIES: dict[str, Policy] = {p.name: p for p in ALL_POLICIES}


def urn(type_: str, name: str) -> str:
    """A URN as the engine forms it for a top-level resource."""
    return f"urn:pulumi:test::proj::{type_}::{name}"


def options(protect: bool = False) -> PolicyResourceOptions:
    """Resource options as the analyzer server builds them."""
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def check_resource(
    policy: str,
    type_: str,
    props: Mapping[str, Any],
    name: str = "res",
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    """Run one resource policy on one resource; the messages it reported."""
    found: list[str] = []
    target = POLICIES[policy]
    assert isinstance(target, ResourceValidationPolicy)
    args = ResourceValidationArgs(
        type_, _proxy(copy.deepcopy(dict(props))), urn(type_, name), name, options(), None, config
    )
    target.validate(args, lambda message, urn=None: found.append(message))
    return found


class Stack:
    """A list of PolicyResources built like the analyzer server builds them for AnalyzeStack."""

    def __init__(self) -> None:
        self.resources: list[PolicyResource] = []

    def add(
        self,
        type_: str,
        name: str,
        props: Mapping[str, Any] | None = None,
        protect: bool = False,
        deps: Mapping[str, Sequence[PolicyResource]] | None = None,
    ) -> PolicyResource:
        """Add a resource; ``deps`` are its property dependencies."""
        res = PolicyResource(
            type_,
            _proxy(copy.deepcopy(dict(props or {}))),
            urn(type_, name),
            name,
            options(protect),
            None,
            None,
            [],
            {k: list(v) for k, v in (deps or {}).items()},
        )
        self.resources.append(res)
        return res

    def check(self, policy: str, config: Mapping[str, Any] | None = None) -> list[tuple[str, str | None]]:
        """Run one stack policy; the (message, urn) pairs it reported."""
        found: list[tuple[str, str | None]] = []
        target = POLICIES[policy]
        assert isinstance(target, StackValidationPolicy)
        target.validate(StackValidationArgs(self.resources, config), lambda m, u=None: found.append((m, u)))
        return found

    def urns(self, policy: str, config: Mapping[str, Any] | None = None) -> list[str | None]:
        """The URNs a stack policy reported on."""
        return [u for _, u in self.check(policy, config)]
