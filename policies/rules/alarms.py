"""Alarms: every alarm notifies someone, and every tier (and every DLQ) is watched."""

from __future__ import annotations

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

from ._graph import StackModel, is_application_lb, is_nat, queue_model, watches
from ._util import (
    ASG,
    COMPOSITE_ALARM,
    LOAD_BALANCERS,
    METRIC_ALARM,
    QUEUE,
    REPLICATION_GROUP,
    UNKNOWN,
    Findings,
    as_bool,
    config_int,
    config_list,
    elements,
    get,
    message,
    strings,
)
from .database import DATABASES, RDS_CLUSTER, RDS_INSTANCE, database_watches

# --- alarm-has-actions ------------------------------------------------------------------------------

ALARM_ACTIONS_FIX = (
    "set alarm_actions=[topic.arn] (an SNS topic with email/webhook subscriptions, or a scaling policy) and "
    "leave actions_enabled on"
)


def alarm_has_actions(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Every CloudWatch alarm has alarm actions, and they are enabled."""
    if args.resource_type not in (METRIC_ALARM, COMPOSITE_ALARM):
        return
    findings = Findings(f"alarm '{args.name}'")
    actions = get(args.props, "alarmActions")
    if actions is UNKNOWN:
        findings.unknown_at("alarmActions")
    else:
        known, unknown = strings(actions)
        if not known and not unknown and not any(a is UNKNOWN for a in elements(actions)):
            findings.problem("alarmActions is empty, so the alarm notifies nobody")
    if as_bool(get(args.props, "actionsEnabled")) is False:
        findings.problem("actionsEnabled is false")
    findings.emit(report_violation, ALARM_ACTIONS_FIX)


ALARM_HAS_ACTIONS = ResourceValidationPolicy(
    name="alarm-has-actions",
    description="Every CloudWatch alarm has enabled alarm actions.",
    validate=alarm_has_actions,
    severity=Severity.MEDIUM,
    remediation_steps=ALARM_ACTIONS_FIX,
    tags=["alarms", "observability"],
)

# --- every-tier-has-alarms --------------------------------------------------------------------------

TIER_ALARMS_FIX = {
    "ALB": "alarm on HTTPCode_ELB_5XX_Count / TargetResponseTime p99 / UnHealthyHostCount with dimension "
    "LoadBalancer=<alb.arn_suffix>",
    "ASG": "alarm on CPUUtilization and GroupInServiceInstances below min with dimension "
    "AutoScalingGroupName=<asg.name>",
    "replication group": "alarm on EngineCPUUtilization, DatabaseMemoryUsagePercentage, Evictions and "
    "ReplicationLag with dimension CacheClusterId=<each member cluster>",
    "queue": "alarm on ApproximateAgeOfOldestMessage with dimension QueueName=<queue.name>",
    "RDS instance": "alarm on CPUUtilization, FreeableMemory, FreeStorageSpace and DatabaseConnections (and "
    "ReplicaLag on replicas) with dimension DBInstanceIdentifier=<instance identifier> (tierup: "
    "AlarmsArgs(databases=[db]))",
    "RDS cluster": "alarm on CPUUtilization, FreeableMemory and DatabaseConnections with dimension "
    "DBClusterIdentifier=<cluster identifier>",
}


def _tier(res: PolicyResource) -> str | None:
    if res.resource_type in LOAD_BALANCERS:
        return "ALB" if is_application_lb(res) else None
    return {
        ASG: "ASG",
        REPLICATION_GROUP: "replication group",
        QUEUE: "queue",
        RDS_INSTANCE: "RDS instance",
        RDS_CLUSTER: "RDS cluster",
    }.get(res.resource_type)


def every_tier_has_alarms(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every ALB, ASG, replication group, database and queue is watched by at least ``minAlarms`` alarms."""
    minimum = config_int(args, "minAlarms", 1)
    model = StackModel(args.resources)
    alarms_on: dict[str, set[str]] = {}
    for watch in [*watches(model), *database_watches(model)]:
        alarms_on.setdefault(watch.target.urn, set()).add(watch.alarm.urn)
    for res in model.of(*LOAD_BALANCERS, ASG, REPLICATION_GROUP, *DATABASES, QUEUE):
        tier = _tier(res)
        if tier is None or is_nat(res):
            continue
        count = len(alarms_on.get(res.urn, ()))
        if count < minimum:
            problem = f"{count} CloudWatch alarm{'s watch' if count != 1 else ' watches'} it (< {minimum})"
            fix = f"{TIER_ALARMS_FIX[tier]}, each with alarm_actions"
            report_violation(message(f"{tier} '{res.name}'", [problem], fix), res.urn)


EVERY_TIER_HAS_ALARMS = StackValidationPolicy(
    name="every-tier-has-alarms",
    description=(
        "Every ALB, Auto Scaling group, replication group, RDS database and queue is watched by a CloudWatch alarm."
    ),
    validate=every_tier_has_alarms,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "add CloudWatch metric alarms whose dimensions name the resource: LoadBalancer=<alb arn suffix>, "
        "AutoScalingGroupName=<asg name>, CacheClusterId=<member cluster id>, QueueName=<queue name>, "
        "DBInstanceIdentifier=<RDS instance identifier>, DBClusterIdentifier=<RDS cluster identifier>"
    ),
    config_schema=PolicyConfigSchema(
        properties={
            "minAlarms": {
                "type": "integer",
                "minimum": 1,
                "default": 1,
                "description": "Alarms each tier resource needs at least.",
            }
        }
    ),
    tags=["alarms", "observability"],
)

# --- dlq-has-alarm ----------------------------------------------------------------------------------

DLQ_ALARM_FIX = (
    "add an alarm on AWS/SQS ApproximateNumberOfMessagesVisible >= 1 with dimension QueueName=<dlq.name> and "
    "alarm_actions, so failed jobs are noticed"
)


def dlq_has_alarm(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every dead-letter queue has an alarm on its visible messages."""
    metrics = {str(m) for m in config_list(args, "metricNames", ["ApproximateNumberOfMessagesVisible"])}
    model = StackModel(args.resources)
    dlqs = queue_model(model).dead_letter_queues
    watched = {
        w.target.urn for w in watches(model) if w.metric_name in metrics and w.namespace in (None, "AWS/SQS")
    }
    for queue in model.of(QUEUE):
        if queue.urn in dlqs and queue.urn not in watched:
            problem = f"it is a dead-letter queue with no alarm on {' or '.join(sorted(metrics))}"
            report_violation(message(f"queue '{queue.name}'", [problem], DLQ_ALARM_FIX), queue.urn)


DLQ_HAS_ALARM = StackValidationPolicy(
    name="dlq-has-alarm",
    description="Every dead-letter queue has an alarm on visible messages.",
    validate=dlq_has_alarm,
    severity=Severity.MEDIUM,
    remediation_steps=DLQ_ALARM_FIX,
    config_schema=PolicyConfigSchema(
        properties={
            "metricNames": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["ApproximateNumberOfMessagesVisible"],
                "description": "SQS metrics that count as watching a DLQ's backlog.",
            }
        }
    ),
    tags=["alarms", "queue", "observability"],
)

POLICIES = [ALARM_HAS_ACTIONS, EVERY_TIER_HAS_ALARMS, DLQ_HAS_ALARM]
