"""Queue rules: SQS encryption and dead-letter queues."""

from __future__ import annotations

import json

import pytest
from pulumi_policy.proxy import UnknownValueError

from ._pack_testkit import U_BOOL, U_STR, Stack, check_resource

QUEUE = "aws:sqs/queue:Queue"
ARN = "arn:aws:sqs:us-east-1:123456789012:"


def test_sqs_encryption() -> None:
    assert check_resource("sqs-encryption", QUEUE, {"sqsManagedSseEnabled": True}) == []
    assert check_resource("sqs-encryption", QUEUE, {"kmsMasterKeyId": "alias/app"}) == []
    assert check_resource("sqs-encryption", QUEUE, {"kmsMasterKeyId": U_STR}) == []
    [msg] = check_resource("sqs-encryption", QUEUE, {}, name="jobs")
    assert "queue 'jobs': sqsManagedSseEnabled is unset and kmsMasterKeyId is unset" in msg
    assert check_resource("sqs-encryption", QUEUE, {"sqsManagedSseEnabled": False})
    assert check_resource("sqs-encryption", "aws:sns/topic:Topic", {}) == []
    with pytest.raises(UnknownValueError):
        check_resource("sqs-encryption", QUEUE, {"sqsManagedSseEnabled": U_BOOL})


def redrive(target: str) -> str:
    return json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": 5})


def test_dead_letter_queue_inline() -> None:
    stack = Stack()
    stack.add(QUEUE, "dlq", {"arn": f"{ARN}dlq", "name": "dlq", "url": "https://q/dlq"})
    stack.add(QUEUE, "jobs", {"arn": f"{ARN}jobs", "redrivePolicy": redrive(f"{ARN}dlq")})
    lonely = stack.add(QUEUE, "lonely", {"arn": f"{ARN}lonely"})
    broken = stack.add(QUEUE, "broken", {"arn": f"{ARN}broken", "redrivePolicy": "{not json"})
    wrong = stack.add(QUEUE, "wrong", {"arn": f"{ARN}wrong", "redrivePolicy": json.dumps(["x"])})
    reported = stack.check("sqs-dead-letter-queue")
    assert [u for _, u in reported] == [lonely.urn, broken.urn, wrong.urn]
    assert "no redrive policy" in reported[0][0] and "deadLetterTargetArn" in reported[0][0]
    assert "not a JSON object" in reported[1][0]


def test_dead_letter_queue_standalone_resources_and_redrive_allow() -> None:
    stack = Stack()
    stack.add(QUEUE, "dlq", {"arn": f"{ARN}dlq", "url": "https://q/dlq"})
    stack.add(QUEUE, "jobs", {"arn": f"{ARN}jobs", "url": "https://q/jobs"})
    stack.add(
        "aws:sqs/redrivePolicy:RedrivePolicy",
        "jobs",
        {"queueUrl": "https://q/jobs", "redrivePolicy": redrive(f"{ARN}dlq")},
    )
    stack.add(
        QUEUE,
        "parked",
        {"arn": f"{ARN}parked", "redriveAllowPolicy": json.dumps({"redrivePermission": "allowAll"})},
    )
    denied = stack.add(QUEUE, "denied", {"redriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})
    stack.add(QUEUE, "allowed", {"url": "https://q/allowed"})
    stack.add(
        "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy",
        "allowed",
        {
            "queueUrl": "https://q/allowed",
            "redriveAllowPolicy": json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": []}),
        },
    )
    assert stack.urns("sqs-dead-letter-queue") == [denied.urn]


def test_dead_letter_queue_unknown_values_follow_dependencies() -> None:
    stack = Stack()
    dlq = stack.add(QUEUE, "dlq", {"arn": U_STR})
    stack.add(QUEUE, "jobs", {"redrivePolicy": U_STR}, deps={"redrivePolicy": [dlq]})
    stack.add(QUEUE, "other", {"redrivePolicy": redrive(U_STR)}, deps={"redrivePolicy": [dlq]})
    assert stack.check("sqs-dead-letter-queue") == []
