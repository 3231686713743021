"""Alarms: encrypted topic CloudWatch can publish to, per-tier alarms with the right dimensions, dashboard."""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from tierup.components.alarms import Alarms, AlarmsArgs
from tierup.components.app_tier import AppTier, AppTierArgs
from tierup.components.load_balancer import LoadBalancer, LoadBalancerArgs
from tierup.components.network import Network, NetworkArgs
from tierup.components.queue import Queue
from tierup.components.redis_cache import RedisCache, RedisCacheArgs
from tierup.components.schedule import Schedule, ScheduleArgs
from tierup.components.worker_pool import WorkerPool, WorkerPoolArgs

from tierup.engine.evaluation import Evaluation, ResourceRecord
from tierup.engine.runtime import evaluate_inline

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
KEY = "aws:kms/key:Key"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
COMPONENT = "tierup:alarms:Alarms"


def evaluate(
    replicas: int = 2,
    app_min: int = 2,
    worker_min: int = 0,
    extra_queue: bool = False,
    **alarm_args: Any,
) -> Evaluation:
    """The whole architecture, watched by one Alarms component."""

    def program() -> None:
        network = Network("net", NetworkArgs(az_count=3))
        lb = LoadBalancer("lb", LoadBalancerArgs(network=network))
        cache = RedisCache("cache", RedisCacheArgs(network=network, replicas=replicas))
        jobs = Queue("jobs")
        app = AppTier("web", AppTierArgs(network=network, load_balancer=lb, image="nginx", min_size=app_min))
        workers = WorkerPool(
            "work", WorkerPoolArgs(network=network, queue=jobs, image="nginx", min_size=worker_min)
        )
        queues = [Queue("mail"), jobs] if extra_queue else []
        nightly = Schedule("nightly", ScheduleArgs(queue=jobs, schedule="rate(1 day)"))
        alarms = Alarms(
            "ops",
            AlarmsArgs(
                app_tiers=[app],
                worker_pools=[workers],
                caches=[cache],
                queues=queues,
                schedules=[nightly],
                load_balancers=[lb],
                **alarm_args,
            ),
        )
        pulumi.export("alarmCount", len(alarms.alarms))

    return evaluate_inline(program, project="t", stack="prod", config={"aws:region": "us-east-1"})


@pytest.fixture(scope="module")
def stack() -> Evaluation:
    return evaluate(
        emails=["oncall@example.com", "cto@example.com"],
        webhooks=["https://hooks.example.com/tierup"],
        latency_p99_seconds=0.75,
        error_rate_percent=2.5,
        queue_age_seconds=600,
        extra_queue=True,
    )


@pytest.fixture(scope="module")
def small() -> Evaluation:
    """No replicas, a fixed-size worker pool, no dashboard."""
    return evaluate(replicas=0, worker_min=1, dashboard=False)


def alarms(ev: Evaluation) -> dict[str, ResourceRecord]:
    return {r.name: r for r in ev.find(type=ALARM, parent_type="tierup:alarms:Alarms")}


def output(ev: Evaluation, type_: str, name: str, key: str) -> Any:
    return ev.one(type=type_, name=name).outputs[key]


# ---- topic ---------------------------------------------------------------------------------------


def test_topic_is_encrypted_with_a_key_cloudwatch_may_use(stack: Evaluation) -> None:
    topic, key = stack.one(type=TOPIC), stack.one(type=KEY)
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    assert key.inputs["enableKeyRotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    cloudwatch = statements["CloudWatchAlarmsPublish"]
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert statements["AccountAdministers"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}


def test_a_given_key_is_used_instead() -> None:
    ev = evaluate(replicas=0, kms_key_id="arn:aws:kms:us-east-1:123456789012:key/0000", dashboard=False)
    assert ev.one(type=TOPIC).inputs["kmsMasterKeyId"] == "arn:aws:kms:us-east-1:123456789012:key/0000"
    assert not ev.find(type=KEY)


def test_email_and_https_subscriptions(stack: Evaluation) -> None:
    topic_arn = stack.one(type=TOPIC).outputs["arn"]
    subscriptions = sorted(
        (r.inputs["protocol"], r.inputs["endpoint"]) for r in stack.find(type=SUBSCRIPTION)
    )
    assert subscriptions == [
        ("email", "cto@example.com"),
        ("email", "oncall@example.com"),
        ("https", "https://hooks.example.com/tierup"),
    ]
    assert all(r.inputs["topic"] == topic_arn for r in stack.find(type=SUBSCRIPTION))


# ---- every alarm ------------------------------------------------------------------------------------


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(stack: Evaluation) -> None:
    topic_arn = stack.one(type=TOPIC).outputs["arn"]
    found = alarms(stack)
    assert len(found) == stack.outputs["alarmCount"] > 20
    for name, alarm in found.items():
        assert alarm.inputs["alarmActions"] == [topic_arn], name
        assert alarm.inputs["okActions"] == [topic_arn], name
        assert alarm.inputs["treatMissingData"] in ("breaching", "notBreaching", "missing", "ignore"), name
        assert alarm.inputs.get("alarmDescription"), name


def test_every_alarm_names_a_metric(stack: Evaluation) -> None:
    for name, alarm in alarms(stack).items():
        assert alarm.inputs.get("metricName") or alarm.inputs.get("metricQueries"), name


# ---- load balancer and app tier ----------------------------------------------------------------------


def test_5xx_rate_alarm_on_the_alb(stack: Evaluation) -> None:
    suffix = output(stack, "aws:lb/loadBalancer:LoadBalancer", "lb", "arnSuffix")
    alarm = alarms(stack)["ops-lb-5xx-rate"]
    assert (alarm.inputs["comparisonOperator"], alarm.inputs["threshold"]) == ("GreaterThanThreshold", 2.5)
    queries = {q["id"]: q for q in alarm.inputs["metricQueries"]}
    metrics = {q["metric"]["metricName"]: q["metric"] for q in queries.values() if "metric" in q}
    assert set(metrics) == {"HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "RequestCount"}
    for metric in metrics.values():
        assert metric["dimensions"] == {"LoadBalancer": suffix}
        assert (metric["namespace"], metric["stat"]) == ("AWS/ApplicationELB", "Sum")
    (rate,) = [q for q in queries.values() if q.get("returnData")]
    assert "100 * (FILL(e0, 0) + FILL(e1, 0)) / requests" in rate["expression"]
    assert queries["e0"]["metric"]["metricName"] == "HTTPCode_ELB_5XX_Count"
    assert alarm.inputs["treatMissingData"] == "notBreaching"


def test_one_5xx_alarm_per_load_balancer_even_when_listed_twice(stack: Evaluation) -> None:
    assert sorted(n for n in alarms(stack) if n.endswith("5xx-rate")) == [
        "ops-lb-5xx-rate",
        "ops-web-5xx-rate",
    ]


def test_5xx_rate_per_service_on_its_target_group(stack: Evaluation) -> None:
    alarm = alarms(stack)["ops-web-5xx-rate"]
    queries = {q["id"]: q for q in alarm.inputs["metricQueries"]}
    assert queries["e0"]["metric"]["metricName"] == "HTTPCode_Target_5XX_Count"
    assert queries["requests"]["metric"]["dimensions"] == {
        "LoadBalancer": output(stack, "aws:lb/loadBalancer:LoadBalancer", "lb", "arnSuffix"),
        "TargetGroup": output(stack, "aws:lb/targetGroup:TargetGroup", "web-tg", "arnSuffix"),
    }
    assert "service web" in alarm.inputs["alarmDescription"]


def test_p99_latency_per_target_group(stack: Evaluation) -> None:
    alarm = alarms(stack)["ops-web-p99-latency"]
    assert alarm.inputs["metricName"] == "TargetResponseTime"
    assert alarm.inputs["extendedStatistic"] == "p99"
    assert "statistic" not in alarm.inputs
    assert alarm.inputs["threshold"] == 0.75
    assert alarm.inputs["dimensions"] == {
        "LoadBalancer": output(stack, "aws:lb/loadBalancer:LoadBalancer", "lb", "arnSuffix"),
        "TargetGroup": output(stack, "aws:lb/targetGroup:TargetGroup", "web-tg", "arnSuffix"),
    }


def test_unhealthy_hosts_per_target_group(stack: Evaluation) -> None:
    alarm = alarms(stack)["ops-web-unhealthy-hosts"]
    assert (alarm.inputs["metricName"], alarm.inputs["statistic"]) == ("UnHealthyHostCount", "Maximum")
    assert (alarm.inputs["comparisonOperator"], alarm.inputs["threshold"]) == ("GreaterThanThreshold", 0)
    assert alarm.inputs["dimensions"]["TargetGroup"].startswith("targetgroup/")


# ---- Auto Scaling groups -----------------------------------------------------------------------------


def test_cpu_and_capacity_alarms_per_group(stack: Evaluation) -> None:
    found = alarms(stack)
    web_asg = output(stack, "aws:autoscaling/group:Group", "web-asg", "name")
    work_asg = output(stack, "aws:autoscaling/group:Group", "work-asg", "name")
    for tier, asg in (("web", web_asg), ("work", work_asg)):
        cpu = found[f"ops-{tier}-cpu-high"]
        assert (cpu.inputs["namespace"], cpu.inputs["metricName"]) == ("AWS/EC2", "CPUUtilization")
        assert cpu.inputs["dimensions"] == {"AutoScalingGroupName": asg}
        assert cpu.inputs["threshold"] == 85
    below = found["ops-web-below-min"]
    assert (below.inputs["metricName"], below.inputs["statistic"]) == ("GroupInServiceInstances", "Minimum")
    assert (below.inputs["comparisonOperator"], below.inputs["threshold"]) == ("LessThanThreshold", 2)
    assert below.inputs["dimensions"] == {"AutoScalingGroupName": web_asg}
    assert below.inputs["treatMissingData"] == "missing"  # no page while the group is created


def test_no_below_min_alarm_for_a_pool_that_may_be_empty(stack: Evaluation, small: Evaluation) -> None:
    assert "ops-work-below-min" not in alarms(stack)
    assert alarms(small)["ops-work-below-min"].inputs["threshold"] == 1


# ---- Redis -----------------------------------------------------------------------------------------------


def test_redis_alarms_on_every_member_node(stack: Evaluation) -> None:
    members = output(stack, "aws:elasticache/replicationGroup:ReplicationGroup", "cache", "memberClusters")
    assert len(members) == 3
    found = alarms(stack)
    for index, member in enumerate(members, start=1):
        for suffix, metric in (
            ("cpu", "EngineCPUUtilization"),
            ("memory", "DatabaseMemoryUsagePercentage"),
            ("evictions", "Evictions"),
            ("replication-lag", "ReplicationLag"),
        ):
            alarm = found[f"ops-cache-node{index}-{suffix}"]
            assert (alarm.inputs["namespace"], alarm.inputs["metricName"]) == ("AWS/ElastiCache", metric)
            assert alarm.inputs["dimensions"] == {"CacheClusterId": member}


def test_no_replication_lag_alarm_without_replicas(small: Evaluation) -> None:
    names = [n for n in alarms(small) if "-cache-" in n]
    assert sorted(names) == ["ops-cache-node1-cpu", "ops-cache-node1-evictions", "ops-cache-node1-memory"]


# ---- queues ----------------------------------------------------------------------------------------------


def test_queue_age_and_dlq_alarms_by_queue_name(stack: Evaluation) -> None:
    found = alarms(stack)
    for queue in ("jobs", "mail"):
        age = found[f"ops-{queue}-oldest-message"]
        assert age.inputs["metricName"] == "ApproximateAgeOfOldestMessage"
        assert age.inputs["dimensions"] == {"QueueName": output(stack, "aws:sqs/queue:Queue", queue, "name")}
        assert (age.inputs["comparisonOperator"], age.inputs["threshold"]) == ("GreaterThanThreshold", 600)
        dlq = found[f"ops-{queue}-dlq-not-empty"]
        assert dlq.inputs["metricName"] == "ApproximateNumberOfMessagesVisible"
        assert dlq.inputs["dimensions"] == {
            "QueueName": output(stack, "aws:sqs/queue:Queue", f"{queue}-dlq", "name")
        }
        assert (dlq.inputs["comparisonOperator"], dlq.inputs["threshold"]) == ("GreaterThanThreshold", 0)


def test_worker_queues_are_watched_without_listing_them(small: Evaluation) -> None:
    assert {"ops-jobs-oldest-message", "ops-jobs-dlq-not-empty"} <= set(alarms(small))


# ---- dashboard and component ------------------------------------------------------------------------------


def test_one_dashboard_built_from_the_tiers(stack: Evaluation, small: Evaluation) -> None:
    dashboard = stack.one(type=DASHBOARD)
    assert dashboard.inputs["dashboardName"] == "tierup-t-prod-ops"
    body = json.loads(dashboard.inputs["dashboardBody"])
    text = json.dumps(body)
    assert output(stack, "aws:lb/loadBalancer:LoadBalancer", "lb", "arnSuffix") in text
    assert output(stack, "aws:autoscaling/group:Group", "work-asg", "name") in text
    assert output(stack, "aws:sqs/queue:Queue", "jobs-dlq", "name") in text
    for widget in body["widgets"]:
        if widget["type"] == "metric":
            assert widget["properties"]["region"] == "us-east-1"
            assert widget["properties"]["metrics"]
    assert not small.find(type=DASHBOARD)


def test_dashboard_has_one_section_per_tier(stack: Evaluation) -> None:
    body = json.loads(stack.one(type=DASHBOARD).inputs["dashboardBody"])
    titles = [w["properties"]["markdown"] for w in body["widgets"] if w["type"] == "text"]
    assert titles == [
        "## load balancer lb",
        "## service web",
        "## worker pool work (queue jobs)",
        "## cache cache",
        "## queue mail",
        "## schedule nightly (rate(1 day))",
    ]
    web = [w["properties"]["title"] for w in body["widgets"] if w["type"] == "metric"]
    assert "service web: p99 latency" in web and "worker pool work: backlog" in web
    ys = [(w["y"], w["x"]) for w in body["widgets"]]
    assert len(set(ys)) == len(ys)  # no two widgets on one spot


# ---- schedules -------------------------------------------------------------------------------------------


def test_schedule_failures_and_its_dlq(stack: Evaluation) -> None:
    found = alarms(stack)
    failed = found["ops-nightly-schedule-failed"]
    group = output(stack, "aws:scheduler/scheduleGroup:ScheduleGroup", "nightly", "name")
    metrics = {
        q["metric"]["metricName"]: q["metric"] for q in failed.inputs["metricQueries"] if "metric" in q
    }
    assert set(metrics) == {
        "TargetErrorCount",
        "InvocationDroppedCount",
        "InvocationsFailedToBeSentToDeadLetterCount",
    }
    for metric in metrics.values():
        assert (metric["namespace"], metric["dimensions"]) == ("AWS/Scheduler", {"ScheduleGroup": group})
    assert (failed.inputs["comparisonOperator"], failed.inputs["threshold"]) == ("GreaterThanThreshold", 0)
    dlq = found["ops-nightly-schedule-dlq-not-empty"]
    assert dlq.inputs["dimensions"] == {
        "QueueName": output(stack, "aws:sqs/queue:Queue", "nightly-dlq", "name")
    }


def test_every_alarm_name_starts_with_its_tier(stack: Evaluation) -> None:
    tiers = ("lb", "web", "work", "cache", "jobs", "mail", "nightly")
    for name in alarms(stack):
        assert name.split("-")[1] in tiers, name


def test_children_are_parented_and_outputs_registered(stack: Evaluation) -> None:
    component = stack.one(type=COMPONENT)
    children = stack.children(component.urn)
    assert {r.type for r in children} == {KEY, TOPIC, SUBSCRIPTION, ALARM, DASHBOARD}
    assert component.outputs["topicArn"] == stack.one(type=TOPIC).outputs["arn"]
    assert len(component.outputs["alarmArns"]) == stack.outputs["alarmCount"]


def test_transform_dict_and_callable() -> None:
    def longer(args: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        args["evaluation_periods"] = 10

    ev = evaluate(replicas=0, dashboard=False, transform={"alarm": longer, "topic": {"display_name": "Ops"}})
    assert ev.one(type=TOPIC).inputs["displayName"] == "Ops"
    assert all(a.inputs["evaluationPeriods"] == 10 for a in alarms(ev).values())


def _refused(build: Callable[[], Evaluation], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build()
    with contextlib.suppress(Exception):
        evaluate_inline(lambda: None)
    gc.collect()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"transform": {"alarms": {}}}, r"unknown transform key\(s\) alarms; valid keys: alarm, dashboard"),
        ({"emails": ["not-an-email"]}, "is not an email address"),
        ({"webhooks": ["http://insecure.example.com"]}, "must be an https:// URL"),
        ({"error_rate_percent": 0}, "error_rate_percent"),
        ({"latency_p99_seconds": 0}, "latency_p99_seconds"),
        ({"queue_age_seconds": 0}, "queue_age_seconds"),
    ],
)
def test_bad_args_are_refused(args: dict[str, Any], message: str) -> None:
    _refused(lambda: evaluate_inline(lambda: Alarms("ops", AlarmsArgs(**args))), message)


# ---- production safety (issue 10) -------------------------------------------------------------------


def test_subscriptions_are_named_by_address_so_removing_one_keeps_the_others(stack: Evaluation) -> None:
    before = {r.inputs["endpoint"]: r.name for r in stack.find(type=SUBSCRIPTION)}
    assert len(set(before.values())) == 3 and all("-0" not in n[-2:] for n in before.values())
    after = evaluate(emails=["cto@example.com"], webhooks=["https://hooks.example.com/tierup"])
    kept = {r.inputs["endpoint"]: r.name for r in after.find(type=SUBSCRIPTION)}
    assert kept == {k: v for k, v in before.items() if k != "oncall@example.com"}


def test_redis_cpu_and_below_min_do_not_page_on_missing_data(stack: Evaluation) -> None:
    found = alarms(stack)
    assert found["ops-cache-node1-cpu"].inputs["treatMissingData"] == "missing"
    assert found["ops-web-below-min"].inputs["treatMissingData"] == "missing"
