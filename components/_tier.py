"""What a "tier" is to the wiring methods: anything with a role, a security group and a name.

Grants and connections accept the tier itself (``queue.grant_send(api)``, ``cache.allow_from(images)``),
or, as before, a role / security group (or its name / id) with an explicit ``name=``. The child
resource a wiring method creates is named after the tier, so it is unique and stable per tier.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pulumi
import pulumi_aws as aws


@runtime_checkable
class Tier(Protocol):
    """An ``AppTier``, a ``WorkerPool`` or your own component with these attributes."""

    role: aws.iam.Role
    security_group: aws.ec2.SecurityGroup
    tier_name: str


#: What a grant accepts: a tier, a role, or a role's name.
Grantee = Tier | aws.iam.Role | pulumi.Input[str]
#: What a connection accepts: a tier, a security group, or a group's id.
Client = Tier | aws.ec2.SecurityGroup | pulumi.Input[str]


def is_tier(target: object) -> bool:
    """A tier object (an ``Output`` answers every attribute, so it never counts as one)."""
    if isinstance(target, (pulumi.Output, pulumi.CustomResource, str)):
        return False
    return isinstance(target, Tier)


def _label(target: object, name: str | None, owner: str, method: str) -> str:
    if name:
        return name
    if is_tier(target):
        return target.tier_name
    if isinstance(target, pulumi.CustomResource):
        return str(target._name)  # the resource's logical name: stable across deploys
    raise ValueError(f"{owner}.{method}: give name= when passing a bare name or id (got {target!r})")


def role_of(target: Grantee, name: str | None, owner: str, method: str) -> tuple[str, pulumi.Input[str]]:
    """``(child label, role name)`` of a tier, a role or a role name."""
    label = _label(target, name, owner, method)
    if is_tier(target):
        return label, target.role.name
    if isinstance(target, aws.iam.Role):
        return label, target.name
    _raw(target, owner, method, "a tier, an aws.iam.Role or a role name")
    return label, target


def security_group_of(
    target: Client, name: str | None, owner: str, method: str
) -> tuple[str, pulumi.Input[str]]:
    """``(child label, security group id)`` of a tier, a group or a group id."""
    label = _label(target, name, owner, method)
    if is_tier(target):
        return label, target.security_group.id
    if isinstance(target, aws.ec2.SecurityGroup):
        return label, target.id
    _raw(target, owner, method, "a tier, an aws.ec2.SecurityGroup or a group id")
    return label, target


def _raw(target: object, owner: str, method: str, expected: str) -> None:
    """A bare name or id must be a string or an Output; anything else is a mistake worth naming."""
    if not isinstance(target, (str, pulumi.Output)):
        raise TypeError(
            f"{owner}.{method}: expected {expected} (an object with role, security_group and tier_name "
            f"counts as a tier), got {type(target).__name__}"
        )
