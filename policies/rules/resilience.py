"""Cross-tier rules: queue-driven worker scaling, surviving the loss of an AZ, protecting stateful resources."""

from __future__ import annotations

from dataclasses import dataclass

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._graph import (
    REGIONAL,
    StackModel,
    alarm_namespaces,
    asg_load_balancing,
    asg_placement,
    asg_target_groups,
    is_nat,
    lb_placement,
    log_buckets,
    nat_routes,
    node_count,
    protected,
    subnet_az,
)
from ._util import (
    ASG,
    ASG_POLICY,
    LOAD_BALANCERS,
    METRIC_ALARM,
    QUEUE,
    REPLICATION_GROUP,
    SUBNETS,
    UNKNOWN,
    as_bool,
    as_str,
    config_list,
    elements,
    get,
    lower,
    message,
    strings,
)
from .database import DATABASES, RDS_CLUSTER, is_replica, label, without_capacity_elsewhere

# --- worker-scales-on-queue (advisory) --------------------------------------------------------------

WORKER_SCALING_FIX = (
    "attach an aws.autoscaling.Policy with target tracking on backlog per instance (metric math: AWS/SQS "
    "ApproximateNumberOfMessagesVisible ÷ AWS/AutoScaling GroupInServiceInstances), or a step policy "
    "triggered by an alarm on an AWS/SQS metric of the queue"
)


def _scales_on_queue(
    model: StackModel, policy: PolicyResource, alarms: list[PolicyResource], namespaces: set[str]
) -> bool | None:
    """True when the scaling policy follows a queue metric; None when that can't be told."""
    props = policy.props
    kind = get(props, "policyType")
    if kind is UNKNOWN:
        return None
    kind = lower(kind) or "simplescaling"
    if kind == "targettrackingscaling":
        spec = get(props, "targetTrackingConfiguration", "customizedMetricSpecification")
        if spec is UNKNOWN:
            return None
        found = [get(spec, "namespace")]
        found += [get(m, "metricStat", "metric", "namespace") for m in elements(get(spec, "metrics"))]
        if any(as_str(ns) in namespaces for ns in found):
            return True
        return None if any(ns is UNKNOWN for ns in found) else False
    if kind in ("stepscaling", "simplescaling"):
        for alarm in alarms:
            targets = model.resolve(alarm, ("alarmActions",), [ASG_POLICY], ("arn", "id")).targets
            if policy in targets and alarm_namespaces(alarm) & namespaces:
                return True
    return False


def worker_scales_on_queue(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every ASG that is not behind a load balancer has a scaling policy on queue (SQS) metrics."""
    namespaces = {str(n) for n in config_list(args, "queueMetricNamespaces", ["AWS/SQS"])}
    model = StackModel(args.resources)
    behind = asg_load_balancing(model)
    alarms = model.of(METRIC_ALARM)
    verdicts: dict[str, list[bool | None]] = {}
    unattributed = False
    for policy in model.of(ASG_POLICY):
        if as_bool(get(policy.props, "enabled")) is False:
            continue
        resolved = model.resolve(policy, ("autoscalingGroupName",), [ASG], ("name", "id"))
        if not resolved.targets:
            unattributed = unattributed or not resolved.complete
            continue
        verdict = _scales_on_queue(model, policy, alarms, namespaces)
        for asg in resolved.targets:
            verdicts.setdefault(asg.urn, []).append(verdict)
    for asg in model.of(ASG):
        found = verdicts.get(asg.urn, [])
        if is_nat(asg) or behind.get(asg.urn) is not False or True in found or None in found or unattributed:
            continue
        problem = "it serves no load balancer, yet no scaling policy follows its queue's backlog"
        report_violation(message(f"ASG '{asg.name}'", [problem], WORKER_SCALING_FIX), asg.urn)


WORKER_SCALES_ON_QUEUE = StackValidationPolicy(
    name="worker-scales-on-queue",
    description="Every Auto Scaling group not behind a load balancer scales on queue (SQS) metrics.",
    validate=worker_scales_on_queue,
    severity=Severity.MEDIUM,
    remediation_steps=WORKER_SCALING_FIX,
    config_schema=PolicyConfigSchema(
        properties={
            "queueMetricNamespaces": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["AWS/SQS"],
                "description": "Metric namespaces that count as queue metrics (add a custom backlog namespace).",
            }
        }
    ),
    tags=["compute", "queue", "scaling", "advisory-only"],
)

# --- survives-az-loss -------------------------------------------------------------------------------

AZ_LOSS_FIX = (
    "spread the tier over at least two AZs: subnets in several AZs for ASGs and load balancers, "
    "preferred_cache_cluster_azs on distinct AZs (and 2+ nodes) for replication groups, multi_az=True for RDS "
    "instances (tierup:database.multiAz: true) and 2+ instances in distinct AZs for Aurora clusters, a NAT per AZ"
)


@dataclass
class _Tier:
    kind: str
    holder: PolicyResource
    label: str
    azs: set[str]
    what: str


def _asg_tiers(model: StackModel) -> list[_Tier]:
    """App tiers are ASGs joined by shared target groups; an ASG in no target group is a tier of its own."""
    asgs = [a for a in model.of(ASG) if not is_nat(a)]  # NAT egress is judged through the routes
    parent = {a.urn: a.urn for a in asgs}

    def find(urn: str) -> str:
        while parent[urn] != urn:
            parent[urn] = parent[parent[urn]]
            urn = parent[urn]
        return urn

    groups_of = {a.urn: asg_target_groups(model, a) for a in asgs}
    first_asg_of_tg: dict[str, str] = {}
    for asg in asgs:
        for tg in groups_of[asg.urn]:
            other = first_asg_of_tg.setdefault(tg.urn, asg.urn)
            parent[find(asg.urn)] = find(other)
    members: dict[str, list[PolicyResource]] = {}
    for asg in asgs:
        members.setdefault(find(asg.urn), []).append(asg)
    tiers = []
    for group in members.values():
        azs: set[str] = set()
        complete = True
        for asg in group:
            where = asg_placement(model, asg)
            azs |= where.azs
            complete = complete and where.complete
        if not azs or (not complete and len(azs) < 2):
            continue
        if len(group) == 1:
            holder, label = group[0], f"ASG '{group[0].name}'"
        else:
            tg = next((t for a in group for t in groups_of[a.urn]), group[0])
            names = ", ".join(f"'{a.name}'" for a in group)
            holder, label = tg, f"app tier behind target group '{tg.name}' (ASGs {names})"
        tiers.append(_Tier("asg", holder, label, azs, "instances"))
    return tiers


def _cache_tiers(model: StackModel) -> list[_Tier]:
    tiers = []
    for group in model.of(REPLICATION_GROUP):
        preferred = get(group.props, "preferredCacheClusterAzs")
        azs, unknown = strings(preferred)
        nodes = node_count(group.props)
        label = f"replication group '{group.name}'"
        if nodes == 1 and get(group.props, "numNodeGroups") is None:
            tiers.append(_Tier("cache", group, label, set(azs[:1]), "nodes"))
        elif azs and not unknown and len(set(azs)) == 1:
            tiers.append(_Tier("cache", group, label, set(azs), "nodes"))
    return tiers


def _lb_tiers(model: StackModel) -> list[_Tier]:
    tiers = []
    for lb in model.of(LOAD_BALANCERS):
        where = lb_placement(model, lb)
        if where.complete and where.azs:
            tiers.append(_Tier("lb", lb, f"load balancer '{lb.name}'", where.azs, "nodes"))
    return tiers


def survives_az_loss(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """For each AZ, losing it leaves every tier (load balancers, ASGs, caches, NAT egress) with capacity."""
    model = StackModel(args.resources)
    universe = {az for az in (subnet_az(s) for s in model.of(SUBNETS)) if az}
    tiers = [*_lb_tiers(model), *_asg_tiers(model), *_cache_tiers(model)]
    for tier in tiers:
        if len(tier.azs) > 1:
            continue
        if tier.azs:
            zone = next(iter(tier.azs))
            problem = f"if {zone} is lost it has no capacity left: all its {tier.what} are in {zone}"
        else:
            problem = "it has a single node, lost with whichever AZ hosts it"
        report_violation(message(tier.label, [problem], AZ_LOSS_FIX), tier.holder.urn)
    for database, why in without_capacity_elsewhere(model):
        problem = f"if its AZ is lost the database is down until restored from a backup: {why}"
        report_violation(message(label(database), [problem], AZ_LOSS_FIX), database.urn)
    routes = nat_routes(model)
    if not routes or any(r.nat is None or r.nat_az is None or r.subnet_az is None for r in routes):
        return
    for zone in sorted(universe | {r.nat_az for r in routes if r.nat_az and r.nat_az != REGIONAL}):
        surviving = [r for r in routes if r.subnet_az != zone and r.nat_az != zone]
        if surviving:
            continue
        lost = next((r.nat for r in routes if r.nat_az == zone and r.nat is not None), None)
        if lost is None:
            continue
        problem = (
            f"if {zone} is lost no private subnet keeps a route to a NAT, so every private tier loses egress"
        )
        report_violation(message(f"NAT '{lost.name}'", [problem], AZ_LOSS_FIX), lost.urn)


SURVIVES_AZ_LOSS = StackValidationPolicy(
    name="survives-az-loss",
    description="For each Availability Zone, losing it leaves every tier with capacity in another AZ.",
    validate=survives_az_loss,
    severity=Severity.HIGH,
    remediation_steps=AZ_LOSS_FIX,
    tags=["resilience"],
)

# --- stateful-resources-protected -------------------------------------------------------------------

PROTECT_FIX = (
    "pass opts=pulumi.ResourceOptions(protect=True) so a destroy or an accidental replacement can't delete it "
    "(retain_on_delete is not visible to policy packs: the analyzer protocol carries protect but not "
    "retainOnDelete, so protect is what this policy checks); tierup's stateful components (RedisCache, "
    "Database, Queue, the load balancer's log bucket) take protect=True in their args, which tierup.build "
    "sets in staging and prod"
)


def stateful_resources_protected(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Replication groups, databases (not their read replicas), queues and log buckets are protected."""
    model = StackModel(args.resources)
    stateful: list[tuple[PolicyResource, str, str]] = []
    stateful += [
        (g, "replication group", "its cached data and snapshots") for g in model.of(REPLICATION_GROUP)
    ]
    stateful += [
        (
            d,
            "RDS cluster" if d.resource_type == RDS_CLUSTER else "RDS instance",
            "its data (and, unless retained, its automated backups)",
        )
        for d in model.of(*DATABASES)
        if d.resource_type == RDS_CLUSTER or not is_replica(d)
    ]
    stateful += [(q, "queue", "its in-flight messages") for q in model.of(QUEUE)]
    stateful += [(b, "log bucket", "its access and flow logs") for b in log_buckets(model)]
    for res, kind, data in stateful:
        if not protected(res):
            problem = f"it is not protected, so a destroy or a replacement deletes {data}"
            report_violation(message(f"{kind} '{res.name}'", [problem], PROTECT_FIX), res.urn)


STATEFUL_RESOURCES_PROTECTED = StackValidationPolicy(
    name="stateful-resources-protected",
    description="Replication groups, databases, queues and log buckets are protected against deletion.",
    validate=stateful_resources_protected,
    severity=Severity.HIGH,
    remediation_steps=PROTECT_FIX,
    tags=["resilience", "data"],
)

POLICIES = [WORKER_SCALES_ON_QUEUE, SURVIVES_AZ_LOSS, STATEFUL_RESOURCES_PROTECTED]
