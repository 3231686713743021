"""Schedule: an EventBridge Scheduler schedule that sends a JSON message to a queue, with retries and a DLQ."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ._base import TierComponent, Transforms, tags
from ._context import aws_context
from .queue import DLQ_RETENTION_SECONDS, Queue

#: What EventBridge Scheduler accepts as a schedule expression (``at(...)`` one-offs are not jobs).
SCHEDULE_EXPRESSION = re.compile(r"^(cron\(\S+( \S+){5}\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$")
#: AWS's bounds for the retry policy.
MAX_RETRY_ATTEMPTS = 185
EVENT_AGE_RANGE = (60, 86400)
SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"


@dataclass
class ScheduleArgs:
    """Arguments of :class:`Schedule`."""

    queue: Queue
    """The queue the message is sent to; the schedule's role may send to this queue only."""

    schedule: str
    """``cron(minutes hours day-of-month month day-of-week year)`` or ``rate(n unit)``, as EventBridge
    Scheduler takes them, e.g. ``"cron(0 3 * * ? *)"`` (03:00 every day) or ``"rate(15 minutes)"``."""

    message: Mapping[str, Any] = field(default_factory=dict)
    """The JSON object sent as the message body (default ``{}``)."""

    timezone: str = "UTC"
    """IANA time zone the cron expression is read in, e.g. ``"Europe/Paris"`` (default UTC)."""

    retry_attempts: int = 10
    """Retries when sending fails, 0 to 185 (default 10); then the event goes to the schedule's DLQ."""

    max_event_age_seconds: int = 3600
    """How long an invocation is retried, 60 to 86400 s (default one hour)."""

    group: pulumi.Input[str] | None = None
    """An existing schedule group's name (default: a group of its own, so its metrics and alarms are
    this schedule's alone: EventBridge Scheduler reports metrics per group)."""

    kms_key_arn: pulumi.Input[str] | None = None
    """The queue's customer managed KMS key, when you encrypted it with one (default none: SSE-SQS needs
    no grant); the role may then use it to send."""

    enabled: bool = True
    """Whether the schedule runs (default on)."""

    protect: bool = False
    """Protect and retain on delete the schedule's DLQ (default off; on in staging and prod)."""

    transform: Transforms | None = None
    """Adjust any child's args, keyed by the names in :attr:`Schedule.TRANSFORMABLE` (default none)."""


class Schedule(TierComponent):
    """A recurring job: EventBridge Scheduler sends ``message`` to ``queue`` on ``schedule``.

    The scheduler assumes a role of its own (trusted by ``scheduler.amazonaws.com`` for this account
    only) that may send to that queue and nothing else. Failed sends are retried, then land in the
    schedule's own encrypted dead-letter queue (kept 14 days); give the schedule to :class:`Alarms`
    for an alarm on failed or dead-lettered invocations and on that DLQ::

        nightly = Schedule("nightly-report", ScheduleArgs(
            queue=reports,
            schedule="cron(0 3 * * ? *)",
            timezone="Europe/Paris",
            message={"job": "nightly-report"},
        ))
        Alarms("alarms", AlarmsArgs(emails=["ops@example.com"], schedules=[nightly], ...))

    On a FIFO queue the message group id is the schedule's name. The flexible time window is off:
    the message is sent at the scheduled minute.

    **Cost**: EventBridge Scheduler bills $1.00 per million invocations after 14 million free each
    month: an hourly schedule is free. Its SQS messages and DLQ cost as any queue's (free at this
    volume); the role and group are free.
    """

    TRANSFORMABLE = frozenset({"group", "role", "role_policy", "dead_letter_queue", "schedule"})

    schedule: aws.scheduler.Schedule
    group: aws.scheduler.ScheduleGroup | None
    group_name: pulumi.Output[str]
    role: aws.iam.Role
    dead_letter_queue: aws.sqs.Queue
    dlq_name: pulumi.Output[str]
    queue: Queue
    tier_name: str
    expression: str

    def __init__(self, name: str, args: ScheduleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        _validate(name, args)
        super().__init__("tierup:schedule:Schedule", name, args.transform, opts)
        self._args = args
        self.queue = args.queue
        self.tier_name = name
        self.expression = args.schedule
        self._account = aws_context(self).account_id  # looked up once per provider
        self._create_group()
        self._create_dead_letter_queue()
        self._create_role()
        self._create_schedule()
        self.register_outputs(
            {
                "scheduleArn": self.schedule.arn,
                "groupName": self.group_name,
                "roleArn": self.role.arn,
                "dlqUrl": self.dead_letter_queue.url,
                "dlqName": self.dlq_name,
            }
        )

    # ---- steps ---------------------------------------------------------------------------

    def _create_group(self) -> None:
        self.group = None
        if self._args.group is not None:
            self.group_name = pulumi.Output.from_input(self._args.group)
            return
        self.group = self.child("group", aws.scheduler.ScheduleGroup, self._name, {"tags": tags(self._name)})
        self.group_name = self.group.name

    def _create_dead_letter_queue(self) -> None:
        """Where invocations go once retries are exhausted; no other queue may redrive into it."""
        self.dead_letter_queue = self.child(
            "dead_letter_queue",
            aws.sqs.Queue,
            f"{self._name}-dlq",
            {
                "message_retention_seconds": DLQ_RETENTION_SECONDS,
                "sqs_managed_sse_enabled": True,
                "redrive_allow_policy": json.dumps({"redrivePermission": "denyAll"}),
                "tags": tags(f"{self._name}-dlq", {"tierup:role": "dead-letter-queue"}),
            },
            pulumi.ResourceOptions(protect=True, retain_on_delete=True) if self._args.protect else None,
        )
        self.dlq_name = self.dead_letter_queue.name

    def _create_role(self) -> None:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": SCHEDULER_PRINCIPAL},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": self._account}},
                }
            ],
        }
        self.role = self.child(
            "role",
            aws.iam.Role,
            f"{self._name}-scheduler",
            {
                "assume_role_policy": pulumi.Output.json_dumps(trust),
                "description": f"tierup schedule {self._name}: send to its queue and its DLQ only",
                "tags": tags(f"{self._name}-scheduler"),
            },
        )
        statements: list[dict[str, Any]] = [
            {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": [self.queue.arn, self.dead_letter_queue.arn],
            }
        ]
        if self._args.kms_key_arn is not None:
            statements.append(
                {
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": self._args.kms_key_arn,
                }
            )
        self._role_policy = self.child(
            "role_policy",
            aws.iam.RolePolicy,
            f"{self._name}-scheduler",
            {
                "role": self.role.id,
                "policy": pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements}),
            },
        )

    def _create_schedule(self) -> None:
        args = self._args
        target: dict[str, Any] = {
            "arn": self.queue.arn,
            "role_arn": self.role.arn,
            "input": json.dumps(dict(args.message), sort_keys=True),
            "retry_policy": {
                "maximum_retry_attempts": args.retry_attempts,
                "maximum_event_age_in_seconds": args.max_event_age_seconds,
            },
            "dead_letter_config": {"arn": self.dead_letter_queue.arn},
        }
        if self.queue.fifo:
            target["sqs_parameters"] = {"message_group_id": self._name}
        self.schedule = self.child(
            "schedule",
            aws.scheduler.Schedule,
            self._name,
            {
                "group_name": self.group_name,
                "schedule_expression": args.schedule,
                "schedule_expression_timezone": args.timezone,
                "flexible_time_window": {"mode": "OFF"},
                "state": "ENABLED" if args.enabled else "DISABLED",
                "description": f"tierup schedule {self._name}: {args.schedule} ({args.timezone})",
                "target": target,
            },
            # the scheduler checks it may assume the role and send when the schedule is created
            pulumi.ResourceOptions(depends_on=[self._role_policy]),
        )


def _validate(name: str, args: ScheduleArgs) -> None:
    label = f"Schedule '{name}'"
    if not SCHEDULE_EXPRESSION.match(args.schedule):
        raise ValueError(
            f"{label}: schedule must be cron(min hour day month weekday year) or rate(n minutes|hours|days) "
            f"(got '{args.schedule}')"
        )
    if not 0 <= args.retry_attempts <= MAX_RETRY_ATTEMPTS:
        raise ValueError(
            f"{label}: retry_attempts must be 0 to {MAX_RETRY_ATTEMPTS} (got {args.retry_attempts})"
        )
    low, high = EVENT_AGE_RANGE
    if not low <= args.max_event_age_seconds <= high:
        raise ValueError(
            f"{label}: max_event_age_seconds must be {low} to {high} (got {args.max_event_age_seconds})"
        )
    try:
        json.dumps(dict(args.message))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{label}: message must be a JSON object ({error})") from None
