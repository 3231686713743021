"""Cache tier: ElastiCache (Redis OSS / Valkey) replication groups."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from ._graph import node_count
from ._util import (
    REPLICATION_GROUP,
    UNKNOWN,
    Findings,
    as_bool,
    as_int,
    config_int,
    describe,
    elements,
    get,
    lower,
)


def _subject(args: ResourceValidationArgs) -> str:
    return f"replication group '{args.name}'"


def _require_true(findings: Findings, props: object, prop: str, why: str = "") -> None:
    value = get(props, prop)
    if value is UNKNOWN:
        findings.unknown_at(prop)
    elif as_bool(value) is not True:
        findings.problem(f"{prop} is {describe(value)}{why}")


# --- elasticache-failover ---------------------------------------------------------------------------

FAILOVER_FIX = (
    "run at least two nodes (num_cache_clusters=2+, or replicas_per_node_group=1+ in cluster mode) in a "
    "subnet group spanning several AZs, with multi_az_enabled=True and automatic_failover_enabled=True"
)


def elasticache_failover(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Replication groups have at least two nodes, Multi-AZ and automatic failover."""
    if args.resource_type != REPLICATION_GROUP:
        return
    findings = Findings(_subject(args))
    nodes = node_count(args.props)
    if nodes is None:
        findings.unknown_at("numCacheClusters")
    elif nodes < 2:
        findings.problem(f"it has {nodes} node{'s' if nodes != 1 else ''} per shard, so there is no replica")
    _require_true(findings, args.props, "multiAzEnabled")
    _require_true(findings, args.props, "automaticFailoverEnabled")
    findings.emit(report_violation, FAILOVER_FIX)


ELASTICACHE_FAILOVER = ResourceValidationPolicy(
    name="elasticache-failover",
    description="ElastiCache replication groups have at least two nodes, Multi-AZ and automatic failover.",
    validate=elasticache_failover,
    severity=Severity.HIGH,
    remediation_steps=FAILOVER_FIX,
    tags=["cache", "resilience"],
)

# --- elasticache-encryption -------------------------------------------------------------------------

ENCRYPTION_FIX = (
    "set at_rest_encryption_enabled=True and transit_encryption_enabled=True (clients then connect with TLS)"
)


def elasticache_encryption(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """At-rest and in-transit encryption are on."""
    if args.resource_type != REPLICATION_GROUP:
        return
    props = args.props
    findings = Findings(_subject(args))
    at_rest = get(props, "atRestEncryptionEnabled")
    engine = get(props, "engine")
    if at_rest is UNKNOWN or (at_rest is None and engine is UNKNOWN):
        findings.unknown_at("atRestEncryptionEnabled")
    elif as_bool(at_rest) is False or (at_rest is None and lower(engine) != "valkey"):
        default = " (the redis engine defaults it to false)" if at_rest is None else ""
        findings.problem(f"atRestEncryptionEnabled is {describe(at_rest)}{default}")
    _require_true(findings, props, "transitEncryptionEnabled")
    findings.emit(report_violation, ENCRYPTION_FIX)


ELASTICACHE_ENCRYPTION = ResourceValidationPolicy(
    name="elasticache-encryption",
    description="ElastiCache replication groups encrypt data at rest and in transit.",
    validate=elasticache_encryption,
    severity=Severity.HIGH,
    remediation_steps=ENCRYPTION_FIX,
    tags=["cache", "security", "encryption"],
)

# --- elasticache-auth -------------------------------------------------------------------------------

AUTH_FIX = (
    "set auth_token from a generated secret kept in Secrets Manager or SSM SecureString (never in code, plain "
    "config or user data), or attach an RBAC user group with user_group_ids"
)


def elasticache_auth(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """An AUTH token or an RBAC user group is set."""
    if args.resource_type != REPLICATION_GROUP:
        return
    props = args.props
    findings = Findings(_subject(args))
    token = get(props, "authToken")
    has_token = token is UNKNOWN or bool(token)
    write_only = get(props, "authTokenWo") is not None or get(props, "authTokenWoVersion") is not None
    groups = get(props, "userGroupIds")
    has_groups = groups is UNKNOWN or bool(elements(groups))
    if not (has_token or write_only or has_groups):
        findings.problem(
            "neither authToken nor userGroupIds is set, so any client on the network can connect"
        )
    findings.emit(report_violation, AUTH_FIX)


ELASTICACHE_AUTH = ResourceValidationPolicy(
    name="elasticache-auth",
    description="ElastiCache replication groups require an AUTH token or an RBAC user group.",
    validate=elasticache_auth,
    severity=Severity.HIGH,
    remediation_steps=AUTH_FIX,
    tags=["cache", "security"],
)

# --- elasticache-backups ----------------------------------------------------------------------------

BACKUPS_FIX = "set snapshot_retention_limit to at least {days} day(s) (and a snapshot_window off peak)"


def elasticache_backups(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Automatic snapshots are kept for at least ``minRetentionDays``."""
    if args.resource_type != REPLICATION_GROUP:
        return
    minimum = config_int(args, "minRetentionDays", 1)
    findings = Findings(_subject(args))
    value = get(args.props, "snapshotRetentionLimit")
    days = as_int(value)
    if value is UNKNOWN:
        findings.unknown_at("snapshotRetentionLimit")
    elif days is None or days < minimum:
        findings.problem(f"snapshotRetentionLimit is {describe(value)} (< {minimum} day(s))")
    findings.emit(report_violation, BACKUPS_FIX.format(days=minimum))


ELASTICACHE_BACKUPS = ResourceValidationPolicy(
    name="elasticache-backups",
    description="ElastiCache replication groups keep automatic snapshots for at least one day (configurable).",
    validate=elasticache_backups,
    severity=Severity.MEDIUM,
    remediation_steps=BACKUPS_FIX.format(days="minRetentionDays (default 1)"),
    config_schema=PolicyConfigSchema(
        properties={
            "minRetentionDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 35,
                "default": 1,
                "description": "Smallest snapshotRetentionLimit allowed, in days.",
            }
        }
    ),
    tags=["cache", "resilience", "backup"],
)

POLICIES = [ELASTICACHE_FAILOVER, ELASTICACHE_ENCRYPTION, ELASTICACHE_AUTH, ELASTICACHE_BACKUPS]
