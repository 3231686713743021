"""WorkerPool: closed security group, least-privilege queue IAM, backlog scaling, scale-out from zero, drain hook."""

from __future__ import annotations

import base64
import contextlib
import gc
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from tierup.components.compute import INSTANCE_GROUP_KEYS
from tierup.components.network import Network, NetworkArgs
from tierup.components.queue import Queue, QueueArgs
from tierup.components.worker_pool import (
    BACKLOG_EXPRESSION,
    DRAIN_HOOK_NAME,
    FROM_ZERO_EXPRESSION,
    WorkerPool,
    WorkerPoolArgs,
)

from tierup.engine import wire
from tierup.engine.evaluation import Evaluation, ResourceRecord
from tierup.engine.runtime import evaluate_inline

POOL = "tierup:worker_pool:WorkerPool"
ASG = "aws:autoscaling/group:Group"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
POLICY = "aws:autoscaling/policy:Policy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
HOOK = "aws:autoscaling/lifecycleHook:LifecycleHook"
SG = "aws:ec2/securityGroup:SecurityGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
QUEUE = "aws:sqs/queue:Queue"
INGRESS_TYPES = (
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
)
CONSUME = {
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
}


def evaluate(build: Callable[[Network, Queue], Any], visibility: int = 120) -> Evaluation:
    def program() -> None:
        build(
            Network("net", NetworkArgs(az_count=2)),
            Queue("jobs", QueueArgs(visibility_timeout_seconds=visibility)),
        )

    return evaluate_inline(program, project="t", stack="prod", config={"aws:region": "us-east-1"})


def refused(build: Callable[[Network, Queue], Any], match: str, visibility: int = 120) -> None:
    """The program fails with ``match``; one empty evaluation then absorbs the failed run's leftovers."""
    with pytest.raises(ValueError, match=match):
        evaluate(build, visibility)
    with contextlib.suppress(Exception):
        evaluate_inline(lambda: None)
    gc.collect()


def queue_record(ev: Evaluation) -> ResourceRecord:
    return ev.one(type=QUEUE, name="jobs")


def dlq_record(ev: Evaluation) -> ResourceRecord:
    return ev.one(type=QUEUE, name="jobs-dlq")


@pytest.fixture(scope="module")
def pool() -> Evaluation:
    def build(network: Network, queue: Queue) -> None:
        workers = WorkerPool(
            "work",
            WorkerPoolArgs(
                network=network,
                queue=queue,
                image="123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:7",
                command=["bundle", "exec", "sidekiq"],
                env={"RAILS_ENV": "production"},
                max_size=6,
                backlog_per_instance=25,
            ),
        )
        pulumi.export("jobTimeout", workers.job_timeout_seconds)

    return evaluate(build)


@pytest.fixture(scope="module")
def short_jobs() -> Evaluation:
    def build(network: Network, queue: Queue) -> None:
        WorkerPool(
            "work",
            WorkerPoolArgs(
                network=network,
                queue=queue,
                image="acme/worker:1",
                min_size=1,
                job_timeout_seconds=45,
                instance_type="c7i.large",
            ),
        )

    return evaluate(build, visibility=300)


# ---- network and IAM -------------------------------------------------------------------------


def test_workers_admit_no_inbound_traffic(pool: Evaluation) -> None:
    sg = pool.one(type=SG, name="work-sg")
    assert not sg.inputs.get("ingress")
    into_workers = [
        r for t in INGRESS_TYPES for r in pool.find(type=t) if r.inputs["securityGroupId"] == sg.id
    ]
    assert into_workers == []
    asg = pool.one(type=ASG)
    assert "targetGroupArns" not in asg.inputs
    assert asg.inputs["healthCheckType"] == "EC2"


def test_worker_role_may_consume_its_queue_only(pool: Evaluation) -> None:
    role = pool.one(type=ROLE)
    queue_arn = queue_record(pool).outputs["arn"]
    sqs_statements = [
        statement
        for policy in pool.find(type=ROLE_POLICY)
        if policy.inputs["role"] in (role.id, role.outputs["name"])
        for statement in json.loads(wire.plain(policy.inputs["policy"]))["Statement"]
        if any(str(a).startswith("sqs:") for a in _as_list(statement["Action"]))
    ]
    assert len(sqs_statements) == 1
    (statement,) = sqs_statements
    actions = set(_as_list(statement["Action"]))
    assert actions >= CONSUME
    assert actions <= CONSUME | {"sqs:GetQueueUrl"}  # read-only extra; never send, purge or delete the queue
    assert _as_list(statement["Resource"]) == [queue_arn]


def test_worker_role_has_no_wildcard_sqs_or_secrets(pool: Evaluation) -> None:
    for policy in pool.find(type=ROLE_POLICY):
        document = json.loads(wire.plain(policy.inputs["policy"]))
        for statement in document["Statement"]:
            for action in _as_list(statement["Action"]):
                assert action not in ("sqs:*", "*", "secretsmanager:*")
    assert not pool.find(type=ROLE_POLICY, name="work-secrets")


def test_instances_start_only_after_the_queue_grant(pool: Evaluation) -> None:
    grant = next(p for p in pool.find(type=ROLE_POLICY) if "consume" in p.name)
    assert grant.urn in pool.one(type=ASG).dependencies


def test_workers_may_complete_only_their_own_lifecycle_hook(pool: Evaluation) -> None:
    document = json.loads(pool.one(type=ROLE_POLICY, name="work-lifecycle").inputs["policy"])
    complete, describe = document["Statement"]
    assert complete["Action"] == "autoscaling:CompleteLifecycleAction"
    assert complete["Resource"] == pool.one(type=ASG).outputs["arn"]
    assert describe["Action"] == "autoscaling:DescribeAutoScalingInstances"  # read-only, no resource scoping


# ---- scaling ---------------------------------------------------------------------------------------


def test_group_may_be_empty(pool: Evaluation) -> None:
    asg = pool.one(type=ASG)
    assert (asg.inputs["minSize"], asg.inputs["desiredCapacity"], asg.inputs["maxSize"]) == (0, 0, 6)
    assert asg.ignore_changes == ["desiredCapacity"]
    assert "GroupInServiceInstances" in asg.inputs["enabledMetrics"]


def test_backlog_per_instance_target_tracking(pool: Evaluation) -> None:
    asg = pool.one(type=ASG)
    policy = pool.one(type=POLICY, name="work-backlog")
    assert policy.inputs["policyType"] == "TargetTrackingScaling"
    assert policy.inputs["autoscalingGroupName"] == asg.id
    config = policy.inputs["targetTrackingConfiguration"]
    assert config["targetValue"] == 25
    metrics = {m["id"]: m for m in config["customizedMetricSpecification"]["metrics"]}
    visible = metrics["m1"]["metricStat"]["metric"]
    assert (visible["namespace"], visible["metricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert visible["dimensions"] == [{"name": "QueueName", "value": queue_record(pool).outputs["name"]}]
    in_service = metrics["m2"]["metricStat"]["metric"]
    assert (in_service["namespace"], in_service["metricName"]) == (
        "AWS/AutoScaling",
        "GroupInServiceInstances",
    )
    assert in_service["dimensions"] == [{"name": "AutoScalingGroupName", "value": asg.id}]
    returned = [m for m in metrics.values() if m.get("returnData")]
    assert [m["id"] for m in returned] == ["backlog"]
    assert returned[0]["expression"] == BACKLOG_EXPRESSION
    assert not metrics["m1"]["returnData"] and not metrics["m2"]["returnData"]


def test_backlog_expression_guards_zero_instances() -> None:
    assert "m1 / m2" in BACKLOG_EXPRESSION and "IF(m2 > 0" in BACKLOG_EXPRESSION


def test_step_policy_scales_out_from_zero_on_waiting_messages(pool: Evaluation) -> None:
    asg = pool.one(type=ASG)
    step = pool.one(type=POLICY, name="work-from-zero")
    assert step.inputs["policyType"] == "StepScaling"
    assert step.inputs["adjustmentType"] == "ChangeInCapacity"
    assert step.inputs["stepAdjustments"] == [{"scalingAdjustment": 1, "metricIntervalLowerBound": "0"}]
    assert step.inputs["autoscalingGroupName"] == asg.id

    alarm = pool.one(type=ALARM, name="work-messages-waiting")
    assert alarm.inputs["alarmActions"] == [step.outputs["arn"]]
    assert (alarm.inputs["comparisonOperator"], alarm.inputs["threshold"]) == (
        "GreaterThanOrEqualToThreshold",
        1,
    )
    assert alarm.inputs["treatMissingData"] == "notBreaching"
    queries = {q["id"]: q for q in alarm.inputs["metricQueries"]}
    assert queries["m1"]["metric"]["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert queries["m1"]["metric"]["dimensions"] == {"QueueName": queue_record(pool).outputs["name"]}
    assert queries["m2"]["metric"]["dimensions"] == {"AutoScalingGroupName": asg.id}
    (expression,) = [q for q in queries.values() if q.get("returnData")]
    assert expression["expression"] == FROM_ZERO_EXPRESSION
    assert "m1 > 0" in FROM_ZERO_EXPRESSION and "== 0" in FROM_ZERO_EXPRESSION


def test_scaling_attributes(pool: Evaluation) -> None:
    names = [r.name for r in pool.children(pool.one(type=POOL).urn) if r.type == POLICY]
    assert names == ["work-backlog", "work-from-zero"]


# ---- draining -------------------------------------------------------------------------------------


def test_termination_hook_waits_for_the_visibility_timeout(pool: Evaluation) -> None:
    hook = pool.one(type=HOOK)
    assert hook.inputs["lifecycleTransition"] == "autoscaling:EC2_INSTANCE_TERMINATING"
    # the job's stop timeout (120 s), one drain-watcher poll (5 s) and a margin (30 s): never cut mid-job
    assert hook.inputs["heartbeatTimeout"] == 155 and pool.outputs["jobTimeout"] == 120
    assert hook.inputs["defaultResult"] == "CONTINUE"
    assert hook.inputs["name"] == DRAIN_HOOK_NAME
    assert hook.inputs["autoscalingGroupName"] == pool.one(type=ASG).id


def test_job_timeout_overrides_the_heartbeat_and_stop_timeout(short_jobs: Evaluation) -> None:
    assert short_jobs.one(type=HOOK).inputs["heartbeatTimeout"] == 45 + 5 + 30
    script = _user_data(short_jobs)
    assert "--stop-timeout 45" in script and "-e JOB_TIMEOUT_SECONDS=45" in script
    assert short_jobs.one(type=ASG).inputs["minSize"] == 1


def test_instances_drain_and_complete_the_hook(pool: Evaluation) -> None:
    script = _user_data(pool)
    assert "autoscaling/target-lifecycle-state" in script
    assert "systemctl stop tierup-work.service" in script
    assert f"--lifecycle-hook-name {DRAIN_HOOK_NAME}" in script
    assert "--lifecycle-action-result CONTINUE" in script
    assert "ExecStop=/usr/bin/docker stop --time 120 tierup-work" in script


# ---- container -------------------------------------------------------------------------------------


def test_worker_gets_the_queue_url_and_its_command(pool: Evaluation) -> None:
    script = _user_data(pool)
    assert f"-e QUEUE_URL={queue_record(pool).outputs['url']}" in script
    assert "-e RAILS_ENV=production" in script
    assert "docker pull 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:7" in script
    assert "shop:7 bundle exec sidekiq" in script
    assert "-e PORT=" not in script  # workers listen on nothing


def test_dead_letter_queue_is_not_consumed(pool: Evaluation) -> None:
    dlq_arn = dlq_record(pool).outputs["arn"]
    for policy in pool.find(type=ROLE_POLICY):
        assert dlq_arn not in wire.plain(policy.inputs["policy"])


# ---- the component -----------------------------------------------------------------------------------


def test_children_are_parented_and_outputs_registered(pool: Evaluation) -> None:
    component = pool.one(type=POOL)
    types = {r.type for r in pool.children(component.urn)}
    assert {ASG, LT, POLICY, ALARM, HOOK, SG, ROLE, "aws:cloudwatch/logGroup:LogGroup"} <= types
    assert component.outputs["asgName"] == pool.one(type=ASG).id
    assert component.outputs["jobTimeoutSeconds"] == 120


def test_transformable_keys() -> None:
    assert (
        INSTANCE_GROUP_KEYS | {"scaling_policy", "scale_out_alarm", "lifecycle_hook"}
        == WorkerPool.TRANSFORMABLE
    )


def test_transform_dict_and_callable() -> None:
    def shorter(args: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        args["heartbeat_timeout"] = 60

    def build(network: Network, queue: Queue) -> None:
        WorkerPool(
            "work",
            WorkerPoolArgs(
                network=network,
                queue=queue,
                image="acme/worker:1",
                transform={"lifecycle_hook": shorter, "scale_out_alarm": {"evaluation_periods": 2}},
            ),
        )

    ev = evaluate(build)
    assert ev.one(type=HOOK).inputs["heartbeatTimeout"] == 60
    assert ev.one(type=ALARM, name="work-messages-waiting").inputs["evaluationPeriods"] == 2


def test_unknown_transform_key_is_an_error() -> None:
    def build(network: Network, queue: Queue) -> None:
        WorkerPool("work", WorkerPoolArgs(network=network, queue=queue, image="w", transform={"hook": {}}))

    refused(build, r"unknown transform key\(s\) hook; valid keys: .*lifecycle_hook")


@pytest.mark.parametrize(
    ("changes", "visibility", "message"),
    [
        ({"job_timeout_seconds": 121}, 120, r"exceeds the queue's visibility timeout \(120\)"),
        ({"job_timeout_seconds": 0}, 120, "must be > 0"),
        ({}, 9000, "at most 7200 s"),
        ({"backlog_per_instance": 0}, 120, "backlog_per_instance must be > 0"),
        ({"min_size": 3, "max_size": 2}, 120, "min_size ≤ desired_capacity ≤ max_size"),
    ],
)
def test_bad_args_are_refused(changes: dict[str, Any], visibility: int, message: str) -> None:
    def build(network: Network, queue: Queue) -> None:
        WorkerPool("work", WorkerPoolArgs(network=network, queue=queue, image="acme/worker:1", **changes))

    refused(build, message, visibility)


# ---- helpers ------------------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _user_data(ev: Evaluation) -> str:
    return base64.b64decode(wire.plain(ev.one(type=LT).inputs["userData"])).decode()


def test_a_pool_sends_only_to_its_sends_to_queues_and_scales_on_its_own_queue() -> None:
    def build(network: Network, queue: Queue) -> None:
        emails, other = Queue("emails"), Queue("other")
        WorkerPool(
            "work",
            WorkerPoolArgs(network=network, queue=queue, image="acme/worker:1", sends_to=[emails]),
        )
        WorkerPool("other", WorkerPoolArgs(network=network, queue=other, image="acme/worker:1"))

    ev = evaluate(build)
    lt = next(r for r in ev.find(type=LT) if r.name.startswith("work"))
    script = base64.b64decode(wire.plain(lt.inputs["userData"])).decode()
    emails = ev.one(type=QUEUE, name="emails")
    assert f"-e EMAILS_QUEUE_URL={emails.outputs['url']}" in script
    assert f"-e QUEUE_URL={queue_record(ev).outputs['url']}" in script
    grant = ev.one(type=ROLE_POLICY, name="emails-send-work")
    asg = next(a for a in ev.find(type=ASG) if a.name == "work-asg")
    assert grant.urn in asg.dependencies
    assert ev.find(type=ROLE_POLICY, name="other-consume-work") == []
    backlog = ev.one(type=POLICY, name="work-backlog").inputs["targetTrackingConfiguration"]
    queue_names = [
        m["metricStat"]["metric"]["dimensions"][0]["value"]
        for m in backlog["customizedMetricSpecification"]["metrics"]
        if m.get("metricStat", {}).get("metric", {}).get("namespace") == "AWS/SQS"
    ]
    assert queue_names == [queue_record(ev).outputs["name"]]


def test_a_worker_whose_container_stays_down_reports_itself_unhealthy(pool: Evaluation) -> None:
    """Workers have no load balancer to judge them: the instance's own health timer does."""
    script = _user_data(pool)
    assert "-health.timer" in script and "--health-status Unhealthy" in script
    assert pool.one(type=ASG).inputs["healthCheckType"] == "EC2"
    drain = script.index("-drain")
    assert "sleep 5; done" in script[drain:]  # the poll the heartbeat covers


def test_start_up_sets_the_grace_and_a_pinned_ami_is_the_templates() -> None:
    def build(network: Network, queue: Queue) -> None:
        WorkerPool(
            "work",
            WorkerPoolArgs(
                network=network,
                queue=queue,
                image="acme/worker:1",
                startup_seconds=300,
                ami_id="ami-0123456789abcdef0",
            ),
        )

    ev = evaluate(build)
    assert ev.one(type=ASG).inputs["healthCheckGracePeriod"] == 120 + 300
    assert ev.one(type=LT).inputs["imageId"] == "ami-0123456789abcdef0"
