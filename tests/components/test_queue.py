"""Queue: dead-letter queue + redrive, redrive-allow, SSE, long polling, FIFO, grants, protect."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from tierup.components.queue import Queue, QueueArgs

from tierup.engine.evaluation import Evaluation, ResourceRecord
from tierup.engine.runtime import evaluate_inline

QUEUE = "aws:sqs/queue:Queue"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def evaluate(args: QueueArgs | None, grants: bool = False) -> Evaluation:
    def program() -> None:
        jobs = Queue("jobs", args)
        if grants:
            trust = json.dumps({"Version": "2012-10-17", "Statement": []})
            jobs.grant_consume(aws.iam.Role("workers", assume_role_policy=trust))  # named after the role
            jobs.grant_send(aws.iam.Role("app-role", assume_role_policy=trust), name="app")
        for attr in ("url", "arn", "name", "dlq_url", "dlq_arn", "dlq_name", "visibility_timeout_seconds"):
            pulumi.export(attr, getattr(jobs, attr))
        pulumi.export("env", jobs.connection_env())

    return evaluate_inline(program, project="t", stack="prod", config={"aws:region": "us-east-1"})


@pytest.fixture(scope="module")
def standard() -> Evaluation:
    return evaluate(None, grants=True)


@pytest.fixture(scope="module")
def fifo() -> Evaluation:
    return evaluate(
        QueueArgs(
            visibility_timeout_seconds=900, max_receive_count=3, retention_days=14, fifo=True, protect=True
        )
    )


def source(ev: Evaluation) -> ResourceRecord:
    return ev.one(type=QUEUE, name="jobs")


def dlq(ev: Evaluation) -> ResourceRecord:
    return ev.one(type=QUEUE, name="jobs-dlq")


def test_queue_has_a_dead_letter_queue_with_redrive(standard: Evaluation, fifo: Evaluation) -> None:
    for ev, count in ((standard, 5), (fifo, 3)):
        redrive = json.loads(source(ev).inputs["redrivePolicy"])
        assert redrive == {"deadLetterTargetArn": dlq(ev).outputs["arn"], "maxReceiveCount": count}
        assert "redrivePolicy" not in dlq(ev).inputs


def test_dead_letter_queue_accepts_only_this_queue(standard: Evaluation) -> None:
    allow = standard.one(type="aws:sqs/redriveAllowPolicy:RedriveAllowPolicy")
    assert allow.inputs["queueUrl"] == dlq(standard).outputs["url"]
    assert json.loads(allow.inputs["redriveAllowPolicy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [source(standard).outputs["arn"]],
    }


def test_both_queues_are_encrypted_with_sse_sqs(standard: Evaluation, fifo: Evaluation) -> None:
    for ev in (standard, fifo):
        for queue in (source(ev), dlq(ev)):
            assert queue.inputs["sqsManagedSseEnabled"] is True, queue.name


def test_long_polling_visibility_and_retention(standard: Evaluation, fifo: Evaluation) -> None:
    q = source(standard).inputs
    assert q["receiveWaitTimeSeconds"] == 20
    assert q["visibilityTimeoutSeconds"] == 60
    assert q["messageRetentionSeconds"] == 4 * 86400
    f = source(fifo).inputs
    assert (f["visibilityTimeoutSeconds"], f["messageRetentionSeconds"]) == (900, 14 * 86400)


def test_dead_letter_queue_keeps_14_days_at_least_the_source(standard: Evaluation, fifo: Evaluation) -> None:
    for ev in (standard, fifo):
        kept = dlq(ev).inputs["messageRetentionSeconds"]
        assert kept == 14 * 86400
        assert kept >= source(ev).inputs["messageRetentionSeconds"]


def test_standard_queue_is_not_fifo(standard: Evaluation) -> None:
    for queue in (source(standard), dlq(standard)):
        assert "fifoQueue" not in queue.inputs and "contentBasedDeduplication" not in queue.inputs
        assert not queue.outputs["name"].endswith(".fifo")


def test_fifo_variant_names_end_in_fifo_with_content_dedup(fifo: Evaluation) -> None:
    q, d = source(fifo), dlq(fifo)
    assert q.inputs["fifoQueue"] is True and d.inputs["fifoQueue"] is True
    assert q.inputs["contentBasedDeduplication"] is True
    assert q.outputs["name"].endswith(".fifo") and d.outputs["name"].endswith(".fifo")
    assert fifo.outputs["name"].endswith(".fifo") and fifo.outputs["dlq_name"].endswith(".fifo")
    assert fifo.outputs["url"].endswith(".fifo")


def test_attributes_and_connection_env(standard: Evaluation) -> None:
    q, d = source(standard).outputs, dlq(standard).outputs
    out = standard.outputs
    assert (out["url"], out["arn"], out["name"]) == (q["url"], q["arn"], q["name"])
    assert (out["dlq_url"], out["dlq_arn"], out["dlq_name"]) == (d["url"], d["arn"], d["name"])
    assert out["visibility_timeout_seconds"] == 60
    assert out["env"] == {"JOBS_QUEUE_URL": q["url"]}
    assert q["url"].startswith("https://sqs.us-east-1.amazonaws.com/123456789012/jobs-")


def grant(ev: Evaluation, name: str) -> dict[str, Any]:
    policy = ev.one(type=ROLE_POLICY, name=name)
    return {"role": policy.inputs["role"], **json.loads(policy.inputs["policy"])}


def test_grant_consume_is_exactly_the_least_privilege_list(standard: Evaluation) -> None:
    policy = grant(standard, "jobs-consume-workers")
    assert policy["role"] == standard.one(type="aws:iam/role:Role", name="workers").outputs["name"]
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == sorted(
        [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
        ]
    )
    assert statement["Resource"] == source(standard).outputs["arn"]


def test_grant_send_allows_sending_to_this_queue_only(standard: Evaluation) -> None:
    policy = grant(standard, "jobs-send-app")
    assert policy["role"] == standard.one(type="aws:iam/role:Role", name="app-role").outputs["name"]
    (statement,) = policy["Statement"]
    assert sorted(statement["Action"]) == ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]
    assert statement["Resource"] == source(standard).outputs["arn"]


def test_protect_keeps_both_queues(standard: Evaluation, fifo: Evaluation) -> None:
    for queue in (source(fifo), dlq(fifo)):
        assert queue.protect and queue.retain_on_delete
    for queue in (source(standard), dlq(standard)):
        assert not queue.protect and not queue.retain_on_delete


def test_children_are_parented_to_the_component(standard: Evaluation) -> None:
    component = standard.one(type="tierup:queue:Queue")
    assert source(standard).urn == "urn:pulumi:prod::t::tierup:queue:Queue$aws:sqs/queue:Queue::jobs"
    for record in standard.find(parent_type="tierup:queue:Queue"):
        assert record.parent == component.urn
    assert len(standard.find(parent_type="tierup:queue:Queue")) == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (QueueArgs(retention_days=15), "retention_days must be 1 to 14"),
        (QueueArgs(max_receive_count=0), "max_receive_count"),
        (QueueArgs(visibility_timeout_seconds=43201), "visibility_timeout_seconds"),
    ],
)
def test_bad_args_raise_early(args: QueueArgs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate(args)


def test_transforms_merge_dicts_and_run_callables() -> None:
    def delay(
        args: dict[str, Any], opts: pulumi.ResourceOptions
    ) -> tuple[dict[str, Any], pulumi.ResourceOptions]:
        return {**args, "delay_seconds": 10}, pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(ignore_changes=["tags"])
        )

    ev = evaluate(
        QueueArgs(transform={"dead_letter_queue": {"tags": {"team": "jobs"}}, "queue": delay}),
    )
    assert dlq(ev).inputs["tags"] == {
        "Name": "jobs-dlq",
        "managed-by": "tierup",
        "tierup:role": "dead-letter-queue",
        "team": "jobs",
    }
    assert source(ev).inputs["delaySeconds"] == 10 and source(ev).inputs["sqsManagedSseEnabled"] is True
    assert source(ev).ignore_changes == ["tags"]


def test_unknown_transform_key_raises() -> None:
    with pytest.raises(ValueError, match=r"unknown transform key\(s\) dlq; valid keys: .*dead_letter_queue"):
        evaluate(QueueArgs(transform={"dlq": {}}))


def test_connection_env_is_namespaced_by_env_name() -> None:
    def program() -> None:
        a = Queue("image-jobs")
        b = Queue("mail", QueueArgs(env_name="emails"))
        pulumi.export("env", {**a.connection_env(), **b.connection_env()})
        pulumi.export("names", [a.env_name, b.env_name])

    ev = evaluate_inline(program, project="t", stack="dev", config={"aws:region": "us-east-1"})
    assert sorted(ev.outputs["env"]) == ["EMAILS_QUEUE_URL", "IMAGE_JOBS_QUEUE_URL"]
    assert ev.outputs["names"] == ["IMAGE_JOBS", "EMAILS"]


def test_sending_env_refuses_two_queues_with_one_variable() -> None:
    from tierup.components.queue import sending_env

    def program() -> None:
        sending_env([Queue("emails"), Queue("mail", QueueArgs(env_name="EMAILS"))])

    with pytest.raises(ValueError, match="queues 'emails' and 'mail' both set EMAILS_QUEUE_URL"):
        evaluate_inline(program, project="t", stack="dev", config={"aws:region": "us-east-1"})


def test_a_bare_role_name_needs_a_child_name() -> None:
    def program() -> None:
        Queue("jobs").grant_send("some-role-name")

    with pytest.raises(ValueError, match="give name= when passing a bare name"):
        evaluate_inline(program, project="t", stack="dev", config={"aws:region": "us-east-1"})


def test_a_component_that_is_no_tier_is_refused_naming_what_counts() -> None:
    class Half(pulumi.ComponentResource):
        def __init__(self) -> None:
            super().__init__("x:y:Half", "half")
            self.role = "not a role"

    def program() -> None:
        Queue("jobs").grant_send(Half(), name="half")

    with pytest.raises(TypeError, match=r"expected a tier, an aws\.iam\.Role or a role name"):
        evaluate_inline(program, project="t", stack="dev", config={"aws:region": "us-east-1"})
