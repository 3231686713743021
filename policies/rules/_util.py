"""Shared helpers for the rules: resource type tokens, safe property access, config and reporting.

Properties reach a policy under Pulumi's camelCase wire names, wrapped by pulumi_policy in a proxy that
raises ``UnknownValueError`` when a value that is unknown at preview is touched. Everything here reads
them defensively: a missing property, a value of the wrong shape or a malformed JSON string reads as
``None``; an unknown value reads as the ``UNKNOWN`` sentinel, so each rule decides what "can't tell" means.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from pulumi_policy import ReportViolation, ResourceValidationArgs, StackValidationArgs
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

# --- resource type tokens (raw pulumi_aws; tierup's components create exactly these) -----------------

ASG: Final = "aws:autoscaling/group:Group"
ASG_POLICY: Final = "aws:autoscaling/policy:Policy"
ASG_ATTACHMENT: Final = "aws:autoscaling/attachment:Attachment"
ASG_TRAFFIC_SOURCE_ATTACHMENT: Final = "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment"
LAUNCH_TEMPLATE: Final = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIGURATION: Final = "aws:ec2/launchConfiguration:LaunchConfiguration"
INSTANCE: Final = "aws:ec2/instance:Instance"
LOAD_BALANCERS: Final = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS: Final = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LISTENER_RULES: Final = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
LISTENER_CERTIFICATES: Final = (
    "aws:lb/listenerCertificate:ListenerCertificate",
    "aws:alb/listenerCertificate:ListenerCertificate",
)
WEB_ACL: Final = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_ASSOCIATION: Final = "aws:wafv2/webAclAssociation:WebAclAssociation"
TARGET_GROUPS: Final = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
REPLICATION_GROUP: Final = "aws:elasticache/replicationGroup:ReplicationGroup"
QUEUE: Final = "aws:sqs/queue:Queue"
REDRIVE_POLICY: Final = "aws:sqs/redrivePolicy:RedrivePolicy"
REDRIVE_ALLOW_POLICY: Final = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
SECURITY_GROUPS: Final = (
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
)
SG_INGRESS_RULE: Final = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_RULE: Final = "aws:ec2/securityGroupRule:SecurityGroupRule"
METRIC_ALARM: Final = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM: Final = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
SUBNETS: Final = ("aws:ec2/subnet:Subnet", "aws:ec2/defaultSubnet:DefaultSubnet")
ROUTE_TABLES: Final = ("aws:ec2/routeTable:RouteTable", "aws:ec2/defaultRouteTable:DefaultRouteTable")
ROUTE: Final = "aws:ec2/route:Route"
ROUTE_TABLE_ASSOCIATION: Final = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT_GATEWAY: Final = "aws:ec2/natGateway:NatGateway"
NETWORK_INTERFACE: Final = "aws:ec2/networkInterface:NetworkInterface"
FLOW_LOG: Final = "aws:ec2/flowLog:FlowLog"
BUCKETS: Final = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")

# --- unknown values --------------------------------------------------------------------------------


class _Unknown:
    """Marks a value that is unknown until the update runs (preview)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Final = _Unknown()

_SENTINELS: Final = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)


def is_unknown(value: Any) -> bool:
    """True for the UNKNOWN sentinel and for pulumi's raw unknown placeholders."""
    return value is UNKNOWN or (isinstance(value, str) and value in _SENTINELS)


def is_list(value: Any) -> bool:
    """True for lists (and pulumi_policy's list proxies), never for strings."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)


# --- safe access -----------------------------------------------------------------------------------


def get(obj: Any, *path: str | int) -> Any:
    """The value at ``path``: ``None`` when absent or of the wrong shape, ``UNKNOWN`` when unknown."""
    cur = obj
    for key in path:
        if cur is None:
            return None
        if is_unknown(cur):
            return UNKNOWN
        try:
            if isinstance(key, int):
                if not is_list(cur) or not -len(cur) <= key < len(cur):
                    return None
                cur = cur[key]
            else:
                if not isinstance(cur, Mapping) or key not in cur:
                    return None
                cur = cur[key]
        except UnknownValueError:
            return UNKNOWN
        except (KeyError, IndexError, TypeError):
            return None
    return UNKNOWN if is_unknown(cur) else cur


def elements(value: Any) -> list[Any]:
    """The items of a list value (unknown items become ``UNKNOWN``); ``[]`` for anything else."""
    if not is_list(value):
        return []
    out: list[Any] = []
    for i in range(len(value)):
        try:
            item = value[i]
        except UnknownValueError:
            item = UNKNOWN
        except (IndexError, TypeError):
            continue
        out.append(UNKNOWN if is_unknown(item) else item)
    return out


def entries(value: Any) -> list[tuple[str, Any]]:
    """The (key, value) pairs of a map value (unknown values become ``UNKNOWN``); ``[]`` otherwise."""
    if not isinstance(value, Mapping):
        return []
    out: list[tuple[str, Any]] = []
    for key in list(value):
        try:
            item = value[key]
        except UnknownValueError:
            item = UNKNOWN
        except (KeyError, TypeError):
            continue
        out.append((str(key), UNKNOWN if is_unknown(item) else item))
    return out


def as_str(value: Any) -> str | None:
    """A known string, else None."""
    return value if isinstance(value, str) and not is_unknown(value) else None


def as_bool(value: Any) -> bool | None:
    """A boolean; also accepts "true"/"false" strings (launch templates use them)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def as_int(value: Any) -> int | None:
    """An integer; numbers arrive as floats over the wire, and some inputs as numeric strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and not is_unknown(value):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def strings(value: Any) -> tuple[list[str], bool]:
    """The known strings in a string-or-list value, and whether any part of it is unknown."""
    if is_unknown(value):
        return [], True
    if isinstance(value, str):
        return ([value] if value else []), False
    found: list[str] = []
    unknown = False
    for item in elements(value):
        if is_unknown(item):
            unknown = True
        elif isinstance(item, str) and item:
            found.append(item)
    return found, unknown


def parse_json(value: Any) -> Mapping[str, Any] | None:
    """A JSON object held in a string property (or already an object); None when absent or malformed."""
    if isinstance(value, Mapping):
        return value
    if not isinstance(value, str) or is_unknown(value):
        return None
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


def decode_user_data(value: str, base64_encoded: bool) -> str:
    """User data as text: base64 and gzip are undone when they apply; anything else is read as is."""
    raw: bytes = value.encode("utf-8", "replace")
    if base64_encoded:
        try:
            raw = base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            raw = value.encode("utf-8", "replace")
    if raw[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError, EOFError, zlib.error):
            raw = gzip.decompress(raw)
    return raw.decode("utf-8", "replace")


def lower(value: Any) -> str | None:
    """A known string, lower-cased."""
    text = as_str(value)
    return text.lower() if text is not None else None


# --- config ----------------------------------------------------------------------------------------


def config_value(args: ResourceValidationArgs | StackValidationArgs, key: str, default: Any) -> Any:
    """A policy config property, or ``default`` (the CLI may or may not fill schema defaults in)."""
    try:
        config = args.get_config()
    except (AttributeError, TypeError):
        return default
    if not isinstance(config, Mapping):
        return default
    value = config.get(key)
    return default if value is None else value


def config_int(args: ResourceValidationArgs | StackValidationArgs, key: str, default: int) -> int:
    """An integer config property."""
    value = as_int(config_value(args, key, default))
    return default if value is None else value


def config_list(
    args: ResourceValidationArgs | StackValidationArgs, key: str, default: list[Any]
) -> list[Any]:
    """A list config property."""
    value = config_value(args, key, default)
    return list(value) if is_list(value) else list(default)


# --- reporting -------------------------------------------------------------------------------------


class Findings:
    """What a resource validator found: problems to report, and unknown values that hid a decision.

    ``emit`` reports the problems as one message ending in the remediation. When nothing was found but a
    deciding value was unknown, it raises ``UnknownValueError`` so pulumi_policy reports the policy as
    not runnable during preview instead of passing it silently.
    """

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.problems: list[str] = []
        self.unknown: list[str] = []

    def problem(self, text: str) -> None:
        """Record one problem."""
        self.problems.append(text)

    def unknown_at(self, path: str) -> None:
        """Record that the value at ``path`` decides the outcome but is unknown."""
        self.unknown.append(path)

    def emit(self, report_violation: ReportViolation, remediation: str) -> None:
        """Report, or raise UnknownValueError when the outcome hinged on unknown values."""
        if self.problems:
            report_violation(message(self.subject, self.problems, remediation), None)
        elif self.unknown:
            raise UnknownValueError(UNKNOWN_STRING_VALUE, self.unknown[0].split("."))


def message(subject: str, problems: Iterable[str], remediation: str) -> str:
    """``<subject>: <problem>; <problem>. Fix: <remediation>``."""
    return f"{subject}: {'; '.join(problems)}. Fix: {remediation}"


def describe(value: Any) -> str:
    """A value as it appears in a message."""
    if value is None:
        return "unset"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Numbers arrive as floats over the wire.
    return str(value)
