"""Database tier: RDS instances, Aurora / Multi-AZ DB clusters and their instances.

Besides the five ``rds-*`` policies, this module holds the database links the stack policies in
``alarms`` and ``resilience`` use: which alarms watch a database, which databases live in one AZ only,
and which subnets route to an internet gateway (kept here, beside ``_graph``'s general model).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._graph import StackModel, Watch, alarm_metrics
from ._util import (
    METRIC_ALARM,
    ROUTE,
    ROUTE_TABLE_ASSOCIATION,
    ROUTE_TABLES,
    SUBNETS,
    UNKNOWN,
    Findings,
    as_bool,
    as_int,
    as_str,
    config_int,
    describe,
    elements,
    get,
    is_unknown,
    lower,
    message,
)

RDS_INSTANCE: Final = "aws:rds/instance:Instance"
RDS_CLUSTER: Final = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE: Final = "aws:rds/clusterInstance:ClusterInstance"
RDS_SUBNET_GROUP: Final = "aws:rds/subnetGroup:SubnetGroup"
INTERNET_GATEWAY: Final = "aws:ec2/internetGateway:InternetGateway"
DATABASES: Final = (RDS_INSTANCE, RDS_CLUSTER)
"""The resources that are a database tier (a cluster's instances belong to their cluster)."""


def is_replica(res: PolicyResource | ResourceValidationArgs) -> bool:
    """An instance created as a read replica (it holds a copy, and inherits encryption and subnets)."""
    return get(res.props, "replicateSourceDb") not in (None, "")


def label(res: PolicyResource | ResourceValidationArgs) -> str:
    """How a message names a database resource."""
    kind = {
        RDS_INSTANCE: "RDS read replica" if is_replica(res) else "RDS instance",
        RDS_CLUSTER: "RDS cluster",
        RDS_CLUSTER_INSTANCE: "RDS cluster instance",
    }.get(res.resource_type, "database")
    return f"{kind} '{res.name}'"


# --- links ------------------------------------------------------------------------------------------


def cluster_members(model: StackModel, cluster: PolicyResource) -> tuple[list[PolicyResource], bool]:
    """The cluster instances of ``cluster``, and whether every cluster instance could be attributed."""
    members: list[PolicyResource] = []
    complete = True
    for instance in model.of(RDS_CLUSTER_INSTANCE):
        resolved = model.resolve(instance, ("clusterIdentifier",), [RDS_CLUSTER], ("clusterIdentifier", "id"))
        if cluster in resolved.targets:
            members.append(instance)
        elif not resolved.targets:
            complete = False
    return members, complete


def single_az_problems(model: StackModel) -> list[tuple[PolicyResource, str]]:
    """(database, why it lives in one AZ) for every database that does not survive losing its AZ.

    RDS instances need ``multiAz``; read replicas are left out (a replica is a copy, not the database).
    Aurora clusters need two or more instances not all pinned to one AZ; Multi-AZ DB clusters
    (``dbClusterInstanceClass`` set) always span three AZs. Values unknown at preview decide nothing.
    """
    out: list[tuple[PolicyResource, str]] = []
    for instance in model.of(RDS_INSTANCE):
        multi_az = get(instance.props, "multiAz")
        if is_replica(instance) or multi_az is UNKNOWN or as_bool(multi_az) is True:
            continue
        out.append((instance, f"multiAz is {describe(multi_az)}, so it runs in a single AZ with no standby"))
    for cluster in model.of(RDS_CLUSTER):
        if get(cluster.props, "dbClusterInstanceClass") is not None:
            continue
        if lower(get(cluster.props, "engineMode")) == "serverless":
            continue
        members, complete = cluster_members(model, cluster)
        if len(members) < 2:
            if complete:
                count = len(members)
                out.append(
                    (
                        cluster,
                        f"it has {count} cluster instance{'s' if count != 1 else ''}, no reader in another AZ",
                    )
                )
            continue
        zones = [get(m.props, "availabilityZone") for m in members]
        if all(isinstance(z, str) and not is_unknown(z) for z in zones) and len(set(zones)) == 1:
            out.append((cluster, f"all its instances are in {zones[0]}"))
    return out


def replicas_of(model: StackModel, source: PolicyResource) -> list[PolicyResource]:
    """The read replicas whose ``replicateSourceDb`` (an identifier or an ARN) names ``source``."""
    return [
        r
        for r in model.of(RDS_INSTANCE)
        if is_replica(r)
        and source in model.resolve(r, ("replicateSourceDb",), [RDS_INSTANCE], ("identifier", "arn")).targets
    ]


def without_capacity_elsewhere(model: StackModel) -> list[tuple[PolicyResource, str]]:
    """The single-AZ databases that also have no read replica in another AZ to promote: losing their AZ
    leaves nothing to serve from (a replica elsewhere is capacity, if not automatic failover)."""
    out = []
    for res, why in single_az_problems(model):
        if res.resource_type == RDS_INSTANCE:
            home = get(res.props, "availabilityZone")
            zones = [get(r.props, "availabilityZone") for r in replicas_of(model, res)]
            if any(z != home or z is None or z is UNKNOWN for z in zones):
                continue
            why = f"{why} and no read replica in another AZ"
        out.append((res, why))
    return out


def database_watches(model: StackModel) -> list[Watch]:
    """Alarms watching a database: metric dimension ``DBInstanceIdentifier`` or ``DBClusterIdentifier``."""
    targets_of = {
        "DBInstanceIdentifier": ((RDS_INSTANCE,), ("identifier", "id")),
        "DBClusterIdentifier": ((RDS_CLUSTER,), ("clusterIdentifier", "id")),
    }
    out: list[Watch] = []
    for alarm in model.of(METRIC_ALARM):
        for namespace, metric_name, dims, prop in alarm_metrics(alarm):
            for key, value in dims:
                if key not in targets_of:
                    continue
                types, keys = targets_of[key]
                if is_unknown(value):
                    hits = model.dependencies(alarm, prop, types)
                else:
                    hits = model.resolve(alarm, (prop,), types, keys, value=value).targets
                out.extend(Watch(alarm, t, namespace, metric_name) for t in hits if t.resource_type in types)
    return out


def _is_internet_gateway(model: StackModel, holder: PolicyResource, route: Any, prop: str) -> bool | None:
    """Whether a route goes to an internet gateway; None when its target is unknown."""
    gateway = get(route, "gatewayId")
    if gateway is None:
        return False
    resolved = model.resolve(holder, (prop,), [INTERNET_GATEWAY], ("id",), value=gateway)
    if resolved.targets:
        return True
    text = as_str(gateway)
    if text is None:
        return None
    return text.startswith("igw-")


def internet_routed_subnets(model: StackModel) -> tuple[set[str], bool]:
    """URNs of subnets whose route table routes to an internet gateway, and whether every link was known."""
    complete = True
    public_tables: set[str] = set()
    for table in model.of(ROUTE_TABLES):
        for route in elements(get(table.props, "routes")):
            verdict = _is_internet_gateway(model, table, route, "routes")
            complete = complete and verdict is not None
            if verdict:
                public_tables.add(table.urn)
    for route in model.of(ROUTE):
        verdict = _is_internet_gateway(model, route, route.props, "gatewayId")
        complete = complete and verdict is not None
        if verdict:
            tables = model.resolve(route, ("routeTableId",), ROUTE_TABLES, ("id",))
            complete = complete and tables.complete
            public_tables.update(t.urn for t in tables.targets)
    public: set[str] = set()
    for assoc in model.of(ROUTE_TABLE_ASSOCIATION):
        tables = model.resolve(assoc, ("routeTableId",), ROUTE_TABLES, ("id",)).targets
        if any(t.urn in public_tables for t in tables):
            public.update(s.urn for s in model.resolve(assoc, ("subnetId",), SUBNETS, ("id",)).targets)
    return public, complete


def _names(resources: Iterable[PolicyResource]) -> str:
    return ", ".join(sorted({f"'{r.name}'" for r in resources}))


# --- rds-multi-az (stack) ---------------------------------------------------------------------------

MULTI_AZ_FIX = (
    "set multi_az=True on the aws.rds.Instance (tierup: tierup:database.multiAz: true, or "
    "DatabaseArgs(multi_az=True)); for Aurora, add a second aws.rds.ClusterInstance in another availability "
    "zone"
)


def rds_multi_az(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """RDS instances are Multi-AZ; Aurora clusters have instances in two or more AZs."""
    model = StackModel(args.resources)
    for res, problem in single_az_problems(model):
        report_violation(message(label(res), [problem], MULTI_AZ_FIX), res.urn)


RDS_MULTI_AZ = StackValidationPolicy(
    name="rds-multi-az",
    description="RDS instances are Multi-AZ; Aurora clusters have instances in at least two AZs.",
    validate=rds_multi_az,
    severity=Severity.HIGH,
    remediation_steps=MULTI_AZ_FIX,
    tags=["database", "resilience"],
)

# --- rds-backups ------------------------------------------------------------------------------------

BACKUPS_FIX = (
    "set backup_retention_period to at least {days} day(s) (tierup: tierup:database.backupRetentionDays: "
    "{days} or more, or DatabaseArgs(backup_retention_days={days}))"
)
DEFAULT_MIN_RETENTION_DAYS = 7


def rds_backups(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Automated backups are kept for at least ``minRetentionDays`` (read replicas excepted)."""
    if args.resource_type not in DATABASES or is_replica(args):
        return
    minimum = config_int(args, "minRetentionDays", DEFAULT_MIN_RETENTION_DAYS)
    findings = Findings(label(args))
    value = get(args.props, "backupRetentionPeriod")
    days = 1 if value is None else as_int(value)  # RDS keeps 1 day when it is not set
    if value is UNKNOWN:
        findings.unknown_at("backupRetentionPeriod")
    elif days is None or days < minimum:
        default = " (RDS defaults it to 1 day)" if value is None else ""
        findings.problem(f"backupRetentionPeriod is {describe(value)}{default}, below {minimum} day(s)")
    findings.emit(report_violation, BACKUPS_FIX.format(days=minimum))


RDS_BACKUPS = ResourceValidationPolicy(
    name="rds-backups",
    description="RDS instances and clusters keep automated backups for at least minRetentionDays (7).",
    validate=rds_backups,
    severity=Severity.HIGH,
    remediation_steps=(
        "set backup_retention_period to at least minRetentionDays (default 7) days (tierup: "
        "tierup:database.backupRetentionDays)"
    ),
    config_schema=PolicyConfigSchema(
        properties={
            "minRetentionDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 35,
                "default": DEFAULT_MIN_RETENTION_DAYS,
                "description": "Smallest backupRetentionPeriod allowed, in days.",
            }
        }
    ),
    tags=["database", "resilience", "backup"],
)

# --- rds-encryption ---------------------------------------------------------------------------------

ENCRYPTION_FIX = (
    "set storage_encrypted=True (with kms_key_id for a customer managed key); an existing database is "
    "encrypted by restoring an encrypted copy of a snapshot (tierup's Database always encrypts)"
)


def rds_encryption(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Storage is encrypted (a read replica inherits its source's encryption when it does not say)."""
    if args.resource_type not in DATABASES:
        return
    findings = Findings(label(args))
    value = get(args.props, "storageEncrypted")
    if value is UNKNOWN:
        findings.unknown_at("storageEncrypted")
    elif as_bool(value) is not True and not (value is None and is_replica(args)):
        findings.problem(f"storageEncrypted is {describe(value)}, so its data and snapshots are in clear")
    findings.emit(report_violation, ENCRYPTION_FIX)


RDS_ENCRYPTION = ResourceValidationPolicy(
    name="rds-encryption",
    description="RDS instances and clusters encrypt their storage.",
    validate=rds_encryption,
    severity=Severity.HIGH,
    remediation_steps=ENCRYPTION_FIX,
    tags=["database", "security", "encryption"],
)

# --- rds-deletion-protection ------------------------------------------------------------------------

DELETION_FIX = (
    "set deletion_protection=True, skip_final_snapshot=False and a final_snapshot_identifier (tierup: "
    "tierup:database.deletionProtection: true, or DatabaseArgs(deletion_protection=True); tierup's Database "
    "always takes a final snapshot)"
)


def rds_deletion_protection(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Deletion protection is on and a final snapshot is taken on delete (replicas need no snapshot)."""
    if args.resource_type not in DATABASES:
        return
    findings = Findings(label(args))
    protection = get(args.props, "deletionProtection")
    if protection is UNKNOWN:
        findings.unknown_at("deletionProtection")
    elif as_bool(protection) is not True:
        findings.problem(f"deletionProtection is {describe(protection)}")
    skip = get(args.props, "skipFinalSnapshot")
    if skip is UNKNOWN:
        findings.unknown_at("skipFinalSnapshot")
    elif as_bool(skip) is True and not is_replica(args):
        findings.problem("skipFinalSnapshot is true, so deleting it keeps no snapshot of its data")
    findings.emit(report_violation, DELETION_FIX)


RDS_DELETION_PROTECTION = ResourceValidationPolicy(
    name="rds-deletion-protection",
    description="RDS instances and clusters have deletion protection and take a final snapshot on delete.",
    validate=rds_deletion_protection,
    severity=Severity.HIGH,
    remediation_steps=DELETION_FIX,
    tags=["database", "resilience", "data"],
)

# --- rds-not-public (stack) -------------------------------------------------------------------------

NOT_PUBLIC_FIX = (
    "set publicly_accessible=False and give it a DB subnet group (db_subnet_group_name) of private subnets, "
    "whose route tables have no route to an internet gateway (tierup's Database always uses the network's "
    "private subnets)"
)


def _subnet_group_problem(model: StackModel, res: PolicyResource, public: set[str]) -> str | None:
    """Why the database's subnet group is reachable from the internet, if it is."""
    name = get(res.props, "dbSubnetGroupName")
    if name is UNKNOWN:
        return None
    if name is None or name == "":
        if res.resource_type == RDS_CLUSTER_INSTANCE or is_replica(res):
            return None  # in its cluster's / source's subnet group
        return (
            "dbSubnetGroupName is unset, so it lands in the default VPC's default subnets, which route to an "
            "internet gateway"
        )
    groups = model.resolve(res, ("dbSubnetGroupName",), [RDS_SUBNET_GROUP], ("name", "id")).targets
    exposed: list[PolicyResource] = []
    for group in groups:
        exposed += [
            s for s in model.resolve(group, ("subnetIds",), SUBNETS, ("id",)).targets if s.urn in public
        ]
    if not exposed:
        return None
    return (
        f"its subnet group '{groups[0].name}' has subnets with a route to an internet gateway "
        f"({_names(exposed)})"
    )


def rds_not_public(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Databases are not publicly accessible and sit in subnets without a route to an internet gateway."""
    model = StackModel(args.resources)
    public, _ = internet_routed_subnets(model)
    for res in model.of(RDS_INSTANCE, RDS_CLUSTER, RDS_CLUSTER_INSTANCE):
        problems: list[str] = []
        if res.resource_type != RDS_CLUSTER and as_bool(get(res.props, "publiclyAccessible")) is True:
            problems.append("publiclyAccessible is true, so it gets a public DNS name and address")
        if res.resource_type != RDS_CLUSTER_INSTANCE or get(res.props, "dbSubnetGroupName") is not None:
            found = _subnet_group_problem(model, res, public)
            if found:
                problems.append(found)
        if problems:
            report_violation(message(label(res), problems, NOT_PUBLIC_FIX), res.urn)


RDS_NOT_PUBLIC = StackValidationPolicy(
    name="rds-not-public",
    description="RDS databases are not publicly accessible and live in subnets with no internet gateway route.",
    validate=rds_not_public,
    severity=Severity.CRITICAL,
    remediation_steps=NOT_PUBLIC_FIX,
    tags=["database", "security", "network"],
)

POLICIES = [RDS_MULTI_AZ, RDS_BACKUPS, RDS_ENCRYPTION, RDS_DELETION_PROTECTION, RDS_NOT_PUBLIC]
