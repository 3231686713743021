"""What the AWS provider knows about where it deploys, looked up once per provider and evaluation.

Components need the region, account and partition (ARNs, service names) and the region's AZs.
Each synchronous ``aws.get_*`` call pumps the SDK's event loop until every pending registration
has moved, so calling them per component costs more the bigger the stack (a third of a 20-copy
plan). The answers cannot change within one deployment for one provider, so each is asked once
per (stack, provider) and shared::

    from ._context import aws_context, availability_zones

    where = aws_context(self)  # the provider ``self``'s children use (or the default one)
    arn = f"arn:{where.partition}:kms:{where.region}:{where.account_id}:key/*"
    names = availability_zones(self, state="available")

A component given another provider (``opts=ResourceOptions(providers=[eu])``) gets that
provider's answers; a new evaluation (a new root stack resource) starts afresh.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pulumi
import pulumi_aws as aws

T = TypeVar("T")


@dataclass(frozen=True)
class AwsContext:
    """Region, account and partition of a provider (``aws.get_region``/``get_caller_identity``/…)."""

    region: str
    account_id: str
    partition: str


class _Cache:
    """Answers per (lookup, provider), valid while the root stack resource stays the same."""

    root: object | None = None
    entries: dict[tuple[Any, ...], tuple[Any, Any]] = {}  # key → (provider kept alive, answer)

    @classmethod
    def get(
        cls, parent: pulumi.Resource, what: tuple[Any, ...], ask: Callable[[pulumi.InvokeOptions], T]
    ) -> T:
        root = pulumi.runtime.get_root_resource()
        if root is not cls.root:  # a new stack (a new evaluation): nothing earlier applies
            cls.root, cls.entries = root, {}
        provider = parent.get_provider("aws:index:getRegion")  # the provider an invoke parented here uses
        key = (*what, id(provider))
        if key not in cls.entries:
            cls.entries[key] = (provider, ask(pulumi.InvokeOptions(parent=parent)))
        return cls.entries[key][1]  # type: ignore[no-any-return]


def aws_context(parent: pulumi.Resource) -> AwsContext:
    """Region, account and partition of the AWS provider that ``parent``'s invokes use."""

    def ask(opts: pulumi.InvokeOptions) -> AwsContext:
        return AwsContext(
            region=aws.get_region(opts=opts).region,
            account_id=aws.get_caller_identity(opts=opts).account_id,
            partition=aws.get_partition(opts=opts).partition,
        )

    return _Cache.get(parent, ("context",), ask)


def availability_zones(
    parent: pulumi.Resource, *, state: str | None = None, filters: list[dict[str, Any]] | None = None
) -> list[str]:
    """The names ``aws.get_availability_zones(state=…, filters=…)`` answers for ``parent``'s provider."""

    def ask(opts: pulumi.InvokeOptions) -> list[str]:
        return list(aws.get_availability_zones(state=state, filters=filters, opts=opts).names)

    return _Cache.get(parent, ("azs", state, json.dumps(filters, sort_keys=True)), ask)


def elb_service_account_arn(parent: pulumi.Resource) -> str | None:
    """The region's legacy ELB log-delivery account (``aws.elb.get_service_account``), or None where the
    region has none (regions opened since August 2022: the lookup fails there)."""

    def ask(opts: pulumi.InvokeOptions) -> str | None:
        try:
            return aws.elb.get_service_account(opts=opts).arn
        except Exception:  # no such account in this region
            return None

    return _Cache.get(parent, ("elb-service-account",), ask)
