"""Alarms: one encrypted SNS topic, the alarms every tier needs, and one dashboard."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import pulumi
import pulumi_aws as aws

from ._base import TierComponent, Transforms, tags
from ._context import aws_context
from .app_tier import AppTier
from .database import Database
from .load_balancer import LoadBalancer
from .queue import Queue
from .redis_cache import RedisCache
from .schedule import Schedule
from .worker_pool import WorkerPool

T = TypeVar("T")
MissingData = Literal["breaching", "notBreaching", "ignore", "missing"]

#: Fixed thresholds (the ones a team rarely tunes); adjust any alarm with ``transform={"alarm": fn}``.
REDIS_CPU_PERCENT = 90.0
REDIS_MEMORY_PERCENT = 80.0
REDIS_REPLICATION_LAG_SECONDS = 10.0

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class AlarmsArgs:
    """Arguments of :class:`Alarms`: whom to notify, thresholds, and the tiers to watch (the objects)."""

    emails: Sequence[str] = field(default_factory=list)
    """Addresses subscribed to the topic; each must confirm the subscription email (default none)."""

    webhooks: Sequence[str] = field(default_factory=list)
    """HTTPS endpoints subscribed to the topic (default none); they must confirm the subscription."""

    latency_p99_seconds: float = 1.0
    """Alarm when a tier's p99 target response time stays above this (default 1.0 s)."""

    error_rate_percent: float = 5.0
    """Alarm when 5xx responses (ALB + targets) exceed this % of requests (default 5)."""

    queue_age_seconds: int = 300
    """Alarm when a queue's oldest message is older than this (default 300 s)."""

    cpu_high_percent: float = 85.0
    """Alarm when an Auto Scaling group's average CPU stays above this (default 85: scaling is maxed
    out or not keeping up)."""

    load_balancers: Sequence[LoadBalancer] = field(default_factory=list)
    """Load balancers to watch (default none; the app tiers' load balancers are added anyway)."""

    app_tiers: Sequence[AppTier] = field(default_factory=list)
    """App tiers (services) to watch, each on its own: its target group's 5xx rate, p99 latency and
    unhealthy hosts, its group's CPU and capacity (default none)."""

    worker_pools: Sequence[WorkerPool] = field(default_factory=list)
    """Worker pools to watch, each on its own: CPU, capacity, and its queue's backlog age and DLQ
    (default none)."""

    caches: Sequence[RedisCache] = field(default_factory=list)
    """Redis caches to watch, every node (default none)."""

    queues: Sequence[Queue] = field(default_factory=list)
    """Queues to watch: oldest-message age, and messages in the dead-letter queue (default none; a worker
    pool's queue is watched with the pool)."""

    schedules: Sequence[Schedule] = field(default_factory=list)
    """Schedules to watch: failed or dropped invocations, and messages in the schedule's DLQ (default
    none)."""

    databases: Sequence[Database] = field(default_factory=list)
    """Databases to watch, the primary and every read replica: CPU, freeable memory, free storage,
    connections, and replica lag (default none)."""

    dashboard: bool = True
    """Create one CloudWatch dashboard of the watched tiers (default on)."""

    kms_key_id: pulumi.Input[str] | None = None
    """KMS key encrypting the topic (default: a key created here whose policy lets CloudWatch publish;
    AWS's managed ``alias/aws/sns`` key cannot be used by CloudWatch alarms)."""

    transform: Transforms | None = None
    """Adjust any child's args, keyed by the names in :attr:`Alarms.TRANSFORMABLE` (default none)."""


class Alarms(TierComponent):
    """Notifications for every tier it is given, through one encrypted SNS topic, plus a dashboard.

    Every alarm notifies the topic when it fires **and** when it recovers. Pass the tier objects, not
    their ARNs; the alarms read the dimensions they need from them::

        alarms = Alarms("ops", AlarmsArgs(
            emails=["oncall@example.com"],
            app_tiers=[web, api], worker_pools=[emails, images], caches=[cache],
            schedules=[nightly], latency_p99_seconds=0.8,
        ))
        pulumi.export("alarmTopicArn", alarms.topic.arn)

    What is watched, per named tier (every alarm name starts ``<alarms>-<tier>-``, and the dashboard
    has one section per tier): per load balancer the 5xx rate of the ALB itself; per app tier its
    target group's 5xx rate, p99 latency and unhealthy hosts, its group's CPU and in-service
    instances below the minimum (when the minimum is above zero); per worker pool the same CPU and
    capacity alarms plus its own queue's oldest-message age and dead-letter queue; per Redis node
    engine CPU, memory, evictions and, with replicas, replication lag; per other queue the oldest
    message's age and its DLQ; per schedule failed or dropped invocations and its DLQ.

    **Cost**: $0.10 per month per metric an alarm reads (most read one; the 5xx rate reads three);
    about $3/month for a typical stack with a three-node cache. The dashboard is $3/month (the first three
    are free), the KMS key $1/month; SNS email deliveries are free for the first 1,000.
    """

    TRANSFORMABLE = frozenset({"kms_key", "topic", "subscription", "alarm", "dashboard"})

    topic: aws.sns.Topic
    kms_key: aws.kms.Key | None
    subscriptions: list[aws.sns.TopicSubscription]
    alarms: list[aws.cloudwatch.MetricAlarm]
    dashboard: aws.cloudwatch.Dashboard | None

    def __init__(self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        _validate(name, args)
        super().__init__("tierup:alarms:Alarms", name, args.transform, opts)
        self._args = args
        self.alarms = []
        where = aws_context(self)  # looked up once per provider
        self._region, self._account, self._partition = where.region, where.account_id, where.partition
        self.load_balancers = _unique([*args.load_balancers, *(app.load_balancer for app in args.app_tiers)])
        pool_queues = {id(pool.queue) for pool in args.worker_pools}
        self.queues = [q for q in _unique(list(args.queues)) if id(q) not in pool_queues]
        self._sections: list[tuple[str, list[pulumi.Output[dict[str, Any]]]]] = []
        self.kms_key = self._create_key() if args.kms_key_id is None else None
        self.topic = self._create_topic()
        self.subscriptions = self._subscribe()
        for lb in self.load_balancers:
            self._watch_load_balancer(lb)
        for app in args.app_tiers:
            self._watch_app_tier(app)
        for pool in args.worker_pools:
            self._watch_worker_pool(pool)
        for cache in args.caches:
            self._watch_cache(cache)
        for queue in self.queues:
            self._section(f"queue {_name_of(queue)}")
            self._watch_queue(queue)
        for schedule in args.schedules:
            self._watch_schedule(schedule)
        for database in args.databases:
            self._watch_database(database)
        self.dashboard = self._create_dashboard() if args.dashboard else None
        self.register_outputs(
            {
                "topicArn": self.topic.arn,
                "alarmArns": [a.arn for a in self.alarms],
                "dashboardName": self.dashboard.dashboard_name if self.dashboard else None,
            }
        )

    # ---- topic -----------------------------------------------------------------------------

    def _create_key(self) -> aws.kms.Key:
        """A customer managed key CloudWatch may use: publishing to an encrypted topic needs it."""
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministers",
                    "Effect": "Allow",
                    "Principal": {
                        "AWS": pulumi.Output.concat("arn:", self._partition, ":iam::", self._account, ":root")
                    },
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "CloudWatchAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": self._account}},
                },
            ],
        }
        return self.child(
            "kms_key",
            aws.kms.Key,
            f"{self._name}-topic-key",
            {
                "description": f"tierup {self._name}: encrypts the alarm topic; CloudWatch may publish",
                "enable_key_rotation": True,
                "deletion_window_in_days": 30,
                "policy": pulumi.Output.json_dumps(policy),
                "tags": tags(f"{self._name}-topic-key"),
            },
        )

    def _create_topic(self) -> aws.sns.Topic:
        key = self.kms_key.arn if self.kms_key is not None else self._args.kms_key_id
        return self.child(
            "topic",
            aws.sns.Topic,
            self._name,
            {
                "display_name": f"tierup alarms ({self._name})",
                "kms_master_key_id": key,
                "tags": tags(self._name),
            },
        )

    def _subscribe(self) -> list[aws.sns.TopicSubscription]:
        endpoints = [("email", e) for e in self._args.emails] + [("https", w) for w in self._args.webhooks]
        # named by address, not position: removing one never renames (re-creates, re-confirms) the others
        return [
            self.child(
                "subscription",
                aws.sns.TopicSubscription,
                f"{self._name}-{protocol}-{hashlib.sha256(endpoint.strip().lower().encode()).hexdigest()[:10]}",
                {"topic": self.topic.arn, "protocol": protocol, "endpoint": endpoint},
            )
            for protocol, endpoint in dict.fromkeys(endpoints)
        ]

    # ---- alarm helpers ---------------------------------------------------------------------

    def _alarm(
        self,
        logical: str,
        description: pulumi.Input[str],
        *,
        threshold: float,
        comparison: str = "GreaterThanThreshold",
        missing: MissingData,
        evaluation_periods: int,
        datapoints: int | None = None,
        period: int = 60,
        namespace: str | None = None,
        metric: str | None = None,
        dimensions: dict[str, pulumi.Input[str]] | None = None,
        statistic: str | None = None,
        extended_statistic: str | None = None,
        queries: list[dict[str, Any]] | None = None,
        alarm_name: str | None = None,
    ) -> aws.cloudwatch.MetricAlarm:
        """One alarm that notifies the topic on ALARM and on OK (key ``alarm``); ``alarm_name`` fixes its
        AWS name (default: auto-named)."""
        args: dict[str, Any] = {
            "alarm_description": description,
            "comparison_operator": comparison,
            "threshold": threshold,
            "evaluation_periods": evaluation_periods,
            "datapoints_to_alarm": datapoints or evaluation_periods,
            "treat_missing_data": missing,
            "alarm_actions": [self.topic.arn],
            "ok_actions": [self.topic.arn],
            "tags": tags(logical),
        }
        if alarm_name is not None:
            args["name"] = alarm_name
        if queries is not None:
            args["metric_queries"] = queries
        else:
            args.update(
                {"namespace": namespace, "metric_name": metric, "dimensions": dimensions, "period": period}
            )
            if extended_statistic:
                args["extended_statistic"] = extended_statistic
            else:
                args["statistic"] = statistic
        alarm = self.child("alarm", aws.cloudwatch.MetricAlarm, logical, args)
        self.alarms.append(alarm)
        return alarm

    # ---- per tier ----------------------------------------------------------------------------

    def _watch_load_balancer(self, lb: LoadBalancer) -> None:
        """5xx responses of the ALB itself (no healthy target, timeouts) as a % of requests; each
        service's own 5xx rate is watched on its target group."""
        name = _name_of(lb)
        self._section(f"load balancer {name}")
        dims = {"LoadBalancer": lb.arn_suffix}
        self._error_rate(
            f"{self._name}-{name}-5xx-rate",
            f"More than {self._args.error_rate_percent:g}% of requests to load balancer {name} end in a 5xx",
            dims,
            ["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count"],
        )
        self._graph(
            "requests and 5xx",
            [
                ["AWS/ApplicationELB", metric, *_flat(dims)]
                for metric in ("RequestCount", "HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count")
            ],
        )

    def _watch_app_tier(self, app: AppTier) -> None:
        """A service on its own: its target group's 5xx rate, p99 latency, unhealthy hosts, its group."""
        name = _name_of(app)
        self._section(f"service {name}")
        dims = {"LoadBalancer": app.load_balancer.arn_suffix, "TargetGroup": app.target_group.arn_suffix}
        self._error_rate(
            f"{self._name}-{name}-5xx-rate",
            f"More than {self._args.error_rate_percent:g}% of requests to service {name} end in a 5xx",
            dims,
            ["HTTPCode_Target_5XX_Count"],
            # the tier's instance refresh rolls back on these two: their names were fixed in advance
            alarm_name=app.rollback_alarm_names.error_rate,
        )
        seconds = self._args.latency_p99_seconds
        self._alarm(
            f"{self._name}-{name}-p99-latency",
            f"p99 response time of {name} above {seconds:g} s",
            threshold=seconds,
            missing="notBreaching",  # no requests
            evaluation_periods=5,
            datapoints=3,
            namespace="AWS/ApplicationELB",
            metric="TargetResponseTime",
            dimensions=dims,
            extended_statistic="p99",
        )
        self._alarm(
            f"{self._name}-{name}-unhealthy-hosts",
            f"{name} has instances failing the load balancer's health check",
            threshold=0,
            missing="notBreaching",  # no registered targets report nothing
            evaluation_periods=3,
            namespace="AWS/ApplicationELB",
            metric="UnHealthyHostCount",
            dimensions=dims,
            statistic="Maximum",
            alarm_name=app.rollback_alarm_names.unhealthy_hosts,
        )
        self._graph(
            "requests and 5xx",
            [["AWS/ApplicationELB", m, *_flat(dims)] for m in ("RequestCount", "HTTPCode_Target_5XX_Count")],
        )
        self._graph("p99 latency", [["AWS/ApplicationELB", "TargetResponseTime", *_flat(dims)]], "p99")
        self._watch_group(name, app.asg, app.min_size)

    def _watch_worker_pool(self, pool: WorkerPool) -> None:
        """A pool on its own: its group, and the queue it consumes (and scales on)."""
        name = _name_of(pool)
        self._section(f"worker pool {name} (queue {_name_of(pool.queue)})")
        self._watch_group(name, pool.asg, pool.min_size)
        self._watch_queue(pool.queue)

    def _watch_group(self, name: str, asg: aws.autoscaling.Group, min_size: int) -> None:
        cpu = self._args.cpu_high_percent
        dims = {"AutoScalingGroupName": asg.name}
        self._alarm(
            f"{self._name}-{name}-cpu-high",
            f"{name} CPU above {cpu:g}% for 15 minutes: at max size or scaling is not keeping up",
            threshold=cpu,
            missing="notBreaching",  # a worker pool at zero instances
            evaluation_periods=3,
            period=300,
            namespace="AWS/EC2",
            metric="CPUUtilization",
            dimensions=dims,
            statistic="Average",
        )
        if min_size > 0:
            self._alarm(
                f"{self._name}-{name}-below-min",
                f"{name} has fewer than {min_size} instances in service",
                threshold=min_size,
                comparison="LessThanThreshold",
                missing="missing",  # no group metrics yet (creation) or briefly (maintenance): no page
                evaluation_periods=5,
                namespace="AWS/AutoScaling",
                metric="GroupInServiceInstances",
                dimensions=dims,
                statistic="Minimum",
            )
        self._graph("CPU", [["AWS/EC2", "CPUUtilization", *_flat(dims)]], "Average")
        self._graph("instances", [["AWS/AutoScaling", "GroupInServiceInstances", *_flat(dims)]], "Average")

    def _watch_cache(self, cache: RedisCache) -> None:
        """Every node: the node count is known (replicas + 1); each node's id comes from the group."""
        name = _name_of(cache)
        self._section(f"cache {name}")
        nodes = _node_count(cache)
        # (suffix, metric, statistic, threshold, missing data, description)
        checks: list[tuple[str, str, str, float, MissingData, str]] = [
            # a node that stops reporting engine CPU is down: missing data breaches
            # missing data keeps the state: a node being created or in maintenance reports nothing for a while
            ("cpu", "EngineCPUUtilization", "Average", REDIS_CPU_PERCENT, "missing",
             f"Engine CPU above {REDIS_CPU_PERCENT:g}%"),
            ("memory", "DatabaseMemoryUsagePercentage", "Average", REDIS_MEMORY_PERCENT, "missing",
             f"Memory above {REDIS_MEMORY_PERCENT:g}% of maxmemory"),
            ("evictions", "Evictions", "Sum", 0, "notBreaching", "Keys evicted for lack of memory"),
        ]  # fmt: skip
        if nodes > 1:
            # on every node: after a failover the former primary is the replica that may lag
            checks.append(
                ("replication-lag", "ReplicationLag", "Maximum", REDIS_REPLICATION_LAG_SECONDS, "notBreaching",
                 f"Replica more than {REDIS_REPLICATION_LAG_SECONDS:g} s behind the primary")
            )  # fmt: skip
        node_ids = [cache.member_cluster_ids.apply(lambda ids, i=i: ids[i]) for i in range(nodes)]
        for index, node_id in enumerate(node_ids):
            for suffix, metric, statistic, threshold, missing, text in checks:
                self._alarm(
                    f"{self._name}-{name}-node{index + 1}-{suffix}",
                    pulumi.Output.concat(text, " on ", node_id),
                    threshold=threshold,
                    missing=missing,
                    evaluation_periods=3,
                    period=300,
                    namespace="AWS/ElastiCache",
                    metric=metric,
                    dimensions={"CacheClusterId": node_id},
                    statistic=statistic,
                )
        self._graph(
            "engine CPU and memory",
            [
                ["AWS/ElastiCache", m, "CacheClusterId", i]
                for i in node_ids
                for m in ("EngineCPUUtilization", "DatabaseMemoryUsagePercentage")
            ],
            "Average",
            300,
        )

    def _watch_queue(self, queue: Queue) -> None:
        name = _name_of(queue)
        age = self._args.queue_age_seconds
        self._alarm(
            f"{self._name}-{name}-oldest-message",
            pulumi.Output.concat(
                "Oldest message in ", queue.name, f" waits more than {age} s: workers are behind"
            ),
            threshold=age,
            missing="notBreaching",  # SQS stops reporting an idle queue
            evaluation_periods=3,
            namespace="AWS/SQS",
            metric="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": queue.name},
            statistic="Maximum",
        )
        self._dlq_alarm(f"{self._name}-{name}-dlq-not-empty", queue.dlq_name, "jobs failed for good")
        self._graph(
            "backlog",
            [
                ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue.name],
                ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue.name],
                ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue.dlq_name],
            ],
            "Maximum",
        )

    def _watch_schedule(self, schedule: Schedule) -> None:
        """Failed or dropped invocations (AWS/Scheduler reports per schedule group: each schedule has
        its own by default) and any message in the schedule's DLQ."""
        name = _name_of(schedule)
        self._section(f"schedule {name} ({schedule.expression})")
        dims = {"ScheduleGroup": schedule.group_name}

        def count(id_: str, metric: str) -> dict[str, Any]:
            return {
                "id": id_,
                "metric": {
                    "namespace": "AWS/Scheduler",
                    "metric_name": metric,
                    "dimensions": dims,
                    "stat": "Sum",
                    "period": 300,
                },
            }

        failure_metrics = {
            "errors": "TargetErrorCount",
            "dropped": "InvocationDroppedCount",
            "dlqfailed": "InvocationsFailedToBeSentToDeadLetterCount",
        }
        self._alarm(
            f"{self._name}-{name}-schedule-failed",
            f"Schedule {name} could not send its message to the queue (target errors or dropped invocations)",
            threshold=0,
            missing="notBreaching",  # the scheduler reports these only when they happen
            evaluation_periods=1,
            queries=[
                *(count(id_, metric) for id_, metric in failure_metrics.items()),
                {
                    "id": "failures",
                    "expression": " + ".join(f"FILL({id_}, 0)" for id_ in failure_metrics),
                    "label": "failed invocations",
                    "return_data": True,
                },
            ],
        )
        self._dlq_alarm(
            f"{self._name}-{name}-schedule-dlq-not-empty",
            schedule.dlq_name,
            "scheduled messages were never sent",
        )
        self._graph(
            "invocations",
            [
                ["AWS/Scheduler", metric, *_flat(dims)]
                for metric in ("InvocationAttemptCount", *failure_metrics.values())
            ],
            period=300,
        )

    def _dlq_alarm(self, logical: str, dlq_name: pulumi.Input[str], meaning: str) -> None:
        self._alarm(
            logical,
            pulumi.Output.concat("Messages in the dead-letter queue ", dlq_name, f": {meaning}"),
            threshold=0,
            missing="notBreaching",  # an empty, idle DLQ reports nothing
            evaluation_periods=1,
            namespace="AWS/SQS",
            metric="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dlq_name},
            statistic="Maximum",
        )

    def _error_rate(
        self,
        logical: str,
        description: str,
        dims: dict[str, pulumi.Input[str]],
        errors: list[str],
        alarm_name: str | None = None,
    ) -> None:
        """5xx responses (``errors``, summed) as a % of requests, under ``dims``."""

        def count(id_: str, metric: str) -> dict[str, Any]:
            return {
                "id": id_,
                "metric": {
                    "namespace": "AWS/ApplicationELB",
                    "metric_name": metric,
                    "dimensions": dims,
                    "stat": "Sum",
                    "period": 60,
                },
            }

        ids = [f"e{index}" for index in range(len(errors))]
        total = " + ".join(f"FILL({id_}, 0)" for id_ in ids)
        self._alarm(
            logical,
            description,
            threshold=self._args.error_rate_percent,
            missing="notBreaching",  # no requests, no errors
            evaluation_periods=5,
            datapoints=3,
            queries=[
                *(count(id_, metric) for id_, metric in zip(ids, errors, strict=True)),
                count("requests", "RequestCount"),
                {
                    "id": "rate",
                    "expression": f"IF(requests > 0, 100 * ({total}) / requests, 0)",
                    "label": "5xx % of requests",
                    "return_data": True,
                },
            ],
            alarm_name=alarm_name,
        )

    def _watch_database(self, db: Database) -> None:
        """Per instance (primary, then each replica): CPU, freeable memory, free storage, connections;
        on replicas, lag behind the primary. Thresholds derive from the class and storage given: free memory
        below 10% of the class's (128 MiB when unknown), free storage below 10% of the allocated, connections
        above 80% of the engine's default max_connections (100 when unknown), CPU above 80%, lag above 60 s."""
        name = _name_of(db)
        self._section(f"database {name}")
        cpu_percent, lag_seconds = 80.0, 60.0
        memory = (db.memory_gib * 0.1 if db.memory_gib else 0.125) * 1024**3
        storage = db.storage_gb * 0.1 * 1024**3
        connections = float(int((db.max_connections or 125) * 0.8))
        # (suffix, metric, statistic, threshold, comparison, missing data, description)
        checks: list[tuple[str, str, str, float, str, MissingData, str]] = [
            # an instance that stops reporting CPU is down: missing data breaches
            ("cpu", "CPUUtilization", "Average", cpu_percent, "GreaterThanThreshold", "breaching",
             f"CPU above {cpu_percent:g}% for 15 minutes (or the instance stopped reporting)"),
            ("memory", "FreeableMemory", "Average", memory, "LessThanThreshold", "missing",
             f"Freeable memory below {memory / 1024**2:g} MiB"),
            ("storage", "FreeStorageSpace", "Minimum", storage, "LessThanThreshold", "missing",
             f"Free storage below {storage / 1024**3:g} GiB: autoscaling is at its ceiling or failing"),
            ("connections", "DatabaseConnections", "Maximum", connections, "GreaterThanThreshold", "missing",
             f"More than {connections:g} connections: near the engine's max_connections"),
        ]  # fmt: skip
        lag = ("replica-lag", "ReplicaLag", "Maximum", lag_seconds, "GreaterThanThreshold",
               "missing", f"Replica more than {lag_seconds:g} s behind the primary")  # fmt: skip
        instances = [(name, db.identifier, checks), *[
            (f"{name}-replica{i + 1}", ident, [*checks, lag]) for i, ident in enumerate(db.replica_identifiers)
        ]]  # fmt: skip
        for label, ident, instance_checks in instances:
            for suffix, metric, statistic, threshold, comparison, missing, text in instance_checks:
                self._alarm(
                    f"{self._name}-{label}-{suffix}",
                    f"{text} on database {ident}",
                    threshold=threshold,
                    comparison=comparison,
                    missing=missing,
                    evaluation_periods=3,
                    period=300,
                    namespace="AWS/RDS",
                    metric=metric,
                    dimensions={"DBInstanceIdentifier": ident},
                    statistic=statistic,
                )
        idents = [db.identifier, *db.replica_identifiers]
        for title, metrics, stat in (
            ("CPU and connections", ("CPUUtilization", "DatabaseConnections"), "Average"),
            ("free memory and storage", ("FreeableMemory", "FreeStorageSpace"), "Minimum"),
        ):
            self._graph(
                title, [["AWS/RDS", m, "DBInstanceIdentifier", i] for i in idents for m in metrics], stat, 300
            )
        if db.replica_identifiers:
            self._graph(
                "replica lag",
                [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", i] for i in db.replica_identifiers],
                "Maximum",
                300,
            )

    # ---- dashboard -----------------------------------------------------------------------

    def _section(self, title: str) -> None:
        """Start the dashboard section of one tier; graphs until the next section belong to it."""
        self._sections.append((title, []))

    def _graph(self, title: str, metrics: list[list[Any]], stat: str = "Sum", period: int = 60) -> None:
        section, widgets = self._sections[-1]
        properties = {
            "title": f"{section.split(' (')[0]}: {title}",
            "view": "timeSeries",
            "stat": stat,
            "period": period,
            "metrics": metrics,
        }
        widgets.append(
            pulumi.Output.all(self._region, properties).apply(
                lambda v: {"type": "metric", "width": 12, "height": 6, "properties": {**v[1], "region": v[0]}}
            )
        )

    def _create_dashboard(self) -> aws.cloudwatch.Dashboard:
        sections = [
            pulumi.Output.all(*widgets).apply(lambda ws, t=title: (t, list(ws)))
            for title, widgets in self._sections
        ]
        body = pulumi.Output.all(*sections).apply(lambda ss: json.dumps({"widgets": _layout(list(ss))}))
        return self.child(
            "dashboard",
            aws.cloudwatch.Dashboard,
            f"{self._name}-dashboard",
            {
                "dashboard_name": f"tierup-{pulumi.get_project()}-{pulumi.get_stack()}-{self._name}"[:255],
                "dashboard_body": body,
            },
        )


# ---- helpers ---------------------------------------------------------------------------------------


def _layout(sections: list[tuple[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """One section per tier: a full-width title, then its graphs two per row."""
    out: list[dict[str, Any]] = []
    y = 0
    for title, widgets in sections:
        out.append(
            {
                "type": "text",
                "x": 0,
                "y": y,
                "width": 24,
                "height": 1,
                "properties": {"markdown": f"## {title}"},
            }
        )
        y += 1
        for n, widget in enumerate(widgets):
            out.append({**widget, "x": 12 * (n % 2), "y": y + 6 * (n // 2)})
        y += 6 * ((len(widgets) + 1) // 2)
    return out


def _flat(dims: dict[str, Any]) -> list[Any]:
    """``{"A": a, "B": b}`` → ``["A", a, "B", b]``, as dashboard metric arrays take dimensions."""
    return [item for pair in dims.items() for item in pair]


def _name_of(component: Any) -> str:
    """A component's logical name (what it was created as), for alarm names and titles."""
    return str(getattr(component, "_name", None) or type(component).__name__.lower())


def _node_count(cache: RedisCache) -> int:
    """Nodes in the replication group: the primary plus its replicas (known before deployment)."""
    replicas = getattr(cache, "replicas", None)
    if replicas is None:
        replicas = cache._args.replicas
    return int(replicas) + 1


def _unique(items: Sequence[T]) -> list[T]:
    """``items`` without repeats of the same object, in order."""
    seen: set[int] = set()
    out: list[T] = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def _validate(name: str, args: AlarmsArgs) -> None:
    label = f"Alarms '{name}'"
    for email in args.emails:
        if not _EMAIL.match(email):
            raise ValueError(f"{label}: '{email}' is not an email address")
    for url in args.webhooks:
        if not url.startswith("https://"):
            raise ValueError(f"{label}: webhook '{url}' must be an https:// URL")
    if args.latency_p99_seconds <= 0:
        raise ValueError(f"{label}: latency_p99_seconds must be > 0 (got {args.latency_p99_seconds})")
    if not 0 < args.error_rate_percent <= 100:
        raise ValueError(f"{label}: error_rate_percent must be in (0, 100] (got {args.error_rate_percent})")
    if args.queue_age_seconds <= 0:
        raise ValueError(f"{label}: queue_age_seconds must be > 0 (got {args.queue_age_seconds})")
    if not 0 < args.cpu_high_percent <= 100:
        raise ValueError(f"{label}: cpu_high_percent must be in (0, 100] (got {args.cpu_high_percent})")
