"""Alarm rules: actions, tier coverage matched through metric dimensions, DLQ alarms."""

from __future__ import annotations

import json

import pytest
from pulumi_policy.proxy import UnknownValueError

from ._pack_testkit import U_LIST, U_STR, Stack, check_resource

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
LB = "aws:lb/loadBalancer:LoadBalancer"
TG = "aws:lb/targetGroup:TargetGroup"
ASG = "aws:autoscaling/group:Group"
RG = "aws:elasticache/replicationGroup:ReplicationGroup"
QUEUE = "aws:sqs/queue:Queue"
TOPIC = ["arn:aws:sns:us-east-1:123456789012:alarms"]


def test_alarm_has_actions() -> None:
    assert check_resource("alarm-has-actions", ALARM, {"alarmActions": TOPIC}) == []
    assert check_resource("alarm-has-actions", COMPOSITE, {"alarmActions": TOPIC}) == []
    assert check_resource("alarm-has-actions", ALARM, {"alarmActions": [U_STR]}) == []
    [msg] = check_resource("alarm-has-actions", ALARM, {"alarmActions": []}, name="cpu")
    assert "alarm 'cpu': alarmActions is empty" in msg and "alarm_actions=[topic.arn]" in msg
    assert check_resource("alarm-has-actions", ALARM, {})
    assert (
        "actionsEnabled is false"
        in check_resource("alarm-has-actions", ALARM, {"alarmActions": TOPIC, "actionsEnabled": False})[0]
    )
    assert check_resource("alarm-has-actions", "aws:sns/topic:Topic", {}) == []
    with pytest.raises(UnknownValueError):
        check_resource("alarm-has-actions", ALARM, {"alarmActions": U_LIST})


def tiers(stack: Stack) -> dict[str, object]:
    return {
        "alb": stack.add(LB, "web", {"arn": "arn:lb", "arnSuffix": "app/web/1"}),
        "nlb": stack.add(LB, "nlb", {"arnSuffix": "net/nlb/1", "loadBalancerType": "network"}),
        "tg": stack.add(TG, "app", {"arnSuffix": "targetgroup/app/1"}),
        "asg": stack.add(ASG, "app", {"name": "app-asg"}),
        "rg": stack.add(
            RG, "redis", {"replicationGroupId": "cache", "memberClusters": ["cache-001", "cache-002"]}
        ),
        "queue": stack.add(QUEUE, "jobs", {"name": "jobs-q", "arn": "arn:q/jobs"}),
    }


def alarm(
    stack: Stack, name: str, dims: dict, metric: str = "M", namespace: str = "AWS/X", deps: dict | None = None
) -> object:
    props = {"alarmActions": TOPIC, "namespace": namespace, "metricName": metric, "dimensions": dims}
    return stack.add(ALARM, name, props, deps=deps)


def test_every_tier_has_alarms_reports_each_unwatched_tier() -> None:
    stack = Stack()
    made = tiers(stack)
    reported = stack.check("every-tier-has-alarms")
    assert [u for _, u in reported] == [made[k].urn for k in ("alb", "asg", "rg", "queue")]
    assert "ALB 'web': 0 CloudWatch alarms watch it (< 1)" in reported[0][0]
    assert "LoadBalancer=<alb.arn_suffix>" in reported[0][0]


def test_every_tier_has_alarms_matches_dimensions() -> None:
    stack = Stack()
    tiers(stack)
    alarm(stack, "5xx", {"LoadBalancer": "app/web/1", "TargetGroup": "targetgroup/app/1"})
    alarm(stack, "cpu", {"AutoScalingGroupName": "app-asg"})
    alarm(stack, "node", {"CacheClusterId": "cache-002"})
    alarm(stack, "age", {"QueueName": "jobs-q"})
    assert stack.check("every-tier-has-alarms") == []


def test_every_tier_has_alarms_metric_queries_replication_group_id_and_member_naming() -> None:
    stack = Stack()
    made = tiers(stack)
    stack.add(
        ALARM,
        "math",
        {
            "alarmActions": TOPIC,
            "metricQueries": [
                {"id": "e", "expression": "m1 + m2", "returnData": True},
                {
                    "id": "m1",
                    "metric": {
                        "namespace": "AWS/ApplicationELB",
                        "metricName": "HTTPCode_Target_5XX_Count",
                        "dimensions": {"LoadBalancer": "app/web/1"},
                    },
                },
                {
                    "id": "m2",
                    "metric": {
                        "namespace": "AWS/SQS",
                        "metricName": "NumberOfMessagesSent",
                        "dimensions": {"QueueName": "jobs-q"},
                    },
                },
            ],
        },
    )
    alarm(stack, "group", {"ReplicationGroupId": "cache"})
    assert stack.urns("every-tier-has-alarms") == [made["asg"].urn]
    other = Stack()
    rg = other.add(RG, "redis", {"replicationGroupId": "cache", "memberClusters": U_LIST})
    alarm(other, "node", {"CacheClusterId": "cache-003"})
    alarm(other, "stranger", {"CacheClusterId": "cachet-001"})
    assert other.urns("every-tier-has-alarms") == []
    assert other.urns("every-tier-has-alarms", {"minAlarms": 2}) == [rg.urn], (
        "'cachet-001' is no member of 'cache'"
    )


def test_every_tier_has_alarms_member_ids_belong_to_one_group() -> None:
    stack = Stack()
    app = stack.add(RG, "app", {"replicationGroupId": "app", "memberClusters": U_LIST})
    stack.add(RG, "app-cache", {"replicationGroupId": "app-cache", "memberClusters": U_LIST})
    stack.add(RG, "sharded", {"replicationGroupId": "sharded", "numNodeGroups": 2})
    alarm(stack, "cache-node", {"CacheClusterId": "app-cache-001"})
    alarm(stack, "shard-node", {"CacheClusterId": "sharded-0002-001"})
    assert stack.urns("every-tier-has-alarms") == [app.urn]


def test_every_tier_has_alarms_unknown_dimensions_follow_dependencies() -> None:
    stack = Stack()
    made = tiers(stack)
    alarm(stack, "cpu", {"AutoScalingGroupName": U_STR}, deps={"dimensions": [made["asg"]]})
    alarm(stack, "ghost", {"QueueName": U_STR})
    assert made["asg"].urn not in stack.urns("every-tier-has-alarms")
    assert made["queue"].urn in stack.urns("every-tier-has-alarms")


def test_every_tier_has_alarms_min_alarms() -> None:
    stack = Stack()
    made = tiers(stack)
    alarm(stack, "5xx", {"LoadBalancer": "app/web/1"})
    alarm(stack, "p99", {"LoadBalancer": "app/web/1"})
    alarm(stack, "cpu", {"AutoScalingGroupName": "app-asg"})
    alarm(stack, "node", {"CacheClusterId": "cache-001"})
    alarm(stack, "age", {"QueueName": "jobs-q"})
    assert stack.urns("every-tier-has-alarms", {"minAlarms": 2}) == [
        made[k].urn for k in ("asg", "rg", "queue")
    ]


def dlq_stack() -> tuple[Stack, object]:
    stack = Stack()
    dlq = stack.add(QUEUE, "dlq", {"name": "dlq-q", "arn": "arn:q/dlq"})
    stack.add(
        QUEUE,
        "jobs",
        {
            "name": "jobs-q",
            "redrivePolicy": json.dumps({"deadLetterTargetArn": "arn:q/dlq", "maxReceiveCount": 3}),
        },
    )
    return stack, dlq


def test_dlq_has_alarm() -> None:
    stack, dlq = dlq_stack()
    [(msg, where)] = stack.check("dlq-has-alarm")
    assert where == dlq.urn and "ApproximateNumberOfMessagesVisible" in msg
    alarm(stack, "age", {"QueueName": "dlq-q"}, metric="ApproximateAgeOfOldestMessage", namespace="AWS/SQS")
    assert stack.urns("dlq-has-alarm") == [dlq.urn]
    alarm(
        stack,
        "visible",
        {"QueueName": "dlq-q"},
        metric="ApproximateNumberOfMessagesVisible",
        namespace="AWS/SQS",
    )
    assert stack.check("dlq-has-alarm") == []


def test_dlq_has_alarm_metric_queries_and_config() -> None:
    stack, dlq = dlq_stack()
    stack.add(
        ALARM,
        "math",
        {
            "alarmActions": TOPIC,
            "metricQueries": [
                {
                    "id": "m",
                    "metric": {
                        "namespace": "AWS/SQS",
                        "metricName": "ApproximateNumberOfMessagesVisible",
                        "dimensions": {"QueueName": "dlq-q"},
                    },
                }
            ],
        },
    )
    assert stack.check("dlq-has-alarm") == []
    assert stack.urns("dlq-has-alarm", {"metricNames": ["NumberOfMessagesReceived"]}) == [dlq.urn]
