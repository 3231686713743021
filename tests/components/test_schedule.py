"""Schedule: EventBridge Scheduler → SQS, least-privilege role, retries, its own DLQ and group."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from tierup.components import Queue, QueueArgs, Schedule, ScheduleArgs

from tierup.engine.evaluation import Evaluation
from tierup.engine.runtime import evaluate_inline

SCHEDULE = "aws:scheduler/schedule:Schedule"
GROUP = "aws:scheduler/scheduleGroup:ScheduleGroup"
QUEUE = "aws:sqs/queue:Queue"


def evaluate(fifo: bool = False, **kwargs: Any) -> Evaluation:
    def program() -> None:
        reports = Queue("reports", QueueArgs(fifo=fifo))
        nightly = Schedule(
            "nightly",
            ScheduleArgs(queue=reports, schedule="cron(0 3 * * ? *)", message={"job": "report"}, **kwargs),
        )
        pulumi.export("group", nightly.group_name)
        pulumi.export("dlq", nightly.dlq_name)

    return evaluate_inline(program, project="t", stack="prod", config={"aws:region": "eu-west-1"})


@pytest.fixture(scope="module")
def standard() -> Evaluation:
    return evaluate(timezone="Europe/Paris")


def test_schedule_sends_the_message_to_the_queue(standard: Evaluation) -> None:
    s = standard.one(type=SCHEDULE).inputs
    queue = standard.one(type=QUEUE, name="reports")
    assert s["scheduleExpression"] == "cron(0 3 * * ? *)"
    assert s["scheduleExpressionTimezone"] == "Europe/Paris"
    assert s["flexibleTimeWindow"] == {"mode": "OFF"}
    assert s["state"] == "ENABLED"
    target = s["target"]
    assert target["arn"] == queue.outputs["arn"]
    assert json.loads(target["input"]) == {"job": "report"}
    assert "sqsParameters" not in target
    assert target["retryPolicy"] == {"maximumRetryAttempts": 10, "maximumEventAgeInSeconds": 3600}


def test_a_group_of_its_own_so_metrics_are_per_schedule(standard: Evaluation) -> None:
    group = standard.one(type=GROUP, name="nightly")
    assert standard.one(type=SCHEDULE).inputs["groupName"] == group.outputs["name"]
    assert standard.outputs["group"] == group.outputs["name"]


def test_failed_invocations_go_to_an_encrypted_dlq_of_its_own(standard: Evaluation) -> None:
    dlq = standard.one(type=QUEUE, name="nightly-dlq")
    assert standard.one(type=SCHEDULE).inputs["target"]["deadLetterConfig"] == {"arn": dlq.outputs["arn"]}
    assert dlq.inputs["sqsManagedSseEnabled"] is True
    assert dlq.inputs["messageRetentionSeconds"] == 14 * 86400
    assert json.loads(dlq.inputs["redriveAllowPolicy"]) == {"redrivePermission": "denyAll"}


def test_role_is_trusted_by_the_scheduler_of_this_account_and_sends_to_its_queues_only(
    standard: Evaluation,
) -> None:
    role = standard.one(type="aws:iam/role:Role", name="nightly-scheduler")
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert standard.one(type=SCHEDULE).inputs["target"]["roleArn"] == role.outputs["arn"]
    policy = standard.one(type="aws:iam/rolePolicy:RolePolicy", name="nightly-scheduler")
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    queue, dlq = (standard.one(type=QUEUE, name=n).outputs["arn"] for n in ("reports", "nightly-dlq"))
    assert statement == {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": [queue, dlq]}
    assert policy.urn in standard.one(type=SCHEDULE).dependencies


def test_fifo_queue_gets_a_message_group_and_kms_key_is_granted() -> None:
    ev = evaluate(fifo=True, kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/abc", group="shared")
    target = ev.one(type=SCHEDULE).inputs["target"]
    assert target["sqsParameters"] == {"messageGroupId": "nightly"}
    assert ev.find(type=GROUP) == []
    assert ev.one(type=SCHEDULE).inputs["groupName"] == "shared"
    statements = json.loads(ev.one(type="aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]
    assert statements[1]["Resource"] == "arn:aws:kms:eu-west-1:123456789012:key/abc"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"schedule": "every day"}, "schedule must be cron"),
        ({"schedule": "rate(5 minutes)", "retry_attempts": 200}, "retry_attempts must be 0 to 185"),
        ({"schedule": "rate(1 hour)", "max_event_age_seconds": 10}, "max_event_age_seconds"),
    ],
)
def test_bad_args_are_refused(kwargs: dict[str, Any], message: str) -> None:
    def program() -> None:
        Schedule("s", ScheduleArgs(queue=Queue("q"), **kwargs))

    with pytest.raises(ValueError, match=message):
        evaluate_inline(program, project="t", stack="dev", config={"aws:region": "us-east-1"})


def test_protect_keeps_the_dlq(standard: Evaluation) -> None:
    assert not standard.one(type=QUEUE, name="nightly-dlq").protect
    ev = evaluate(protect=True)
    dlq = ev.one(type=QUEUE, name="nightly-dlq")
    assert dlq.protect and dlq.retain_on_delete
