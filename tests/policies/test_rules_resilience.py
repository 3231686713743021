"""Cross-tier rules: worker scaling on queues, surviving an AZ loss, protecting stateful resources."""

from __future__ import annotations

from ._pack_testkit import U_STR, Stack

ASG = "aws:autoscaling/group:Group"
POLICY = "aws:autoscaling/policy:Policy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TG = "aws:lb/targetGroup:TargetGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"
SUBNET = "aws:ec2/subnet:Subnet"
RG = "aws:elasticache/replicationGroup:ReplicationGroup"
QUEUE = "aws:sqs/queue:Queue"
BUCKET = "aws:s3/bucket:Bucket"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"

BACKLOG = {
    "metrics": [
        {
            "id": "v",
            "metricStat": {
                "metric": {"namespace": "AWS/SQS", "metricName": "ApproximateNumberOfMessagesVisible"},
                "stat": "Sum",
            },
        },
        {
            "id": "i",
            "metricStat": {
                "metric": {"namespace": "AWS/AutoScaling", "metricName": "GroupInServiceInstances"},
                "stat": "Average",
            },
        },
        {"id": "b", "expression": "v / i", "returnData": True},
    ]
}


def test_worker_scales_on_queue_target_tracking() -> None:
    stack = Stack()
    stack.add(ASG, "app", {"name": "app", "targetGroupArns": ["arn:tg"]})
    worker = stack.add(ASG, "worker", {"name": "worker"})
    [(msg, where)] = stack.check("worker-scales-on-queue")
    assert where == worker.urn and "ApproximateNumberOfMessagesVisible" in msg
    stack.add(
        POLICY,
        "cpu",
        {
            "autoscalingGroupName": "worker",
            "policyType": "TargetTrackingScaling",
            "targetTrackingConfiguration": {
                "predefinedMetricSpecification": {"predefinedMetricType": "ASGAverageCPUUtilization"}
            },
        },
    )
    assert stack.urns("worker-scales-on-queue") == [worker.urn]
    stack.add(
        POLICY,
        "backlog",
        {
            "autoscalingGroupName": "worker",
            "policyType": "TargetTrackingScaling",
            "targetTrackingConfiguration": {"customizedMetricSpecification": BACKLOG},
        },
    )
    assert stack.check("worker-scales-on-queue") == []


def test_worker_scales_on_queue_simple_metric_and_custom_namespace() -> None:
    stack = Stack()
    worker = stack.add(ASG, "worker", {"name": "worker"})
    spec = {"customizedMetricSpecification": {"namespace": "MyApp/Jobs", "metricName": "BacklogPerInstance"}}
    stack.add(
        POLICY,
        "custom",
        {
            "autoscalingGroupName": "worker",
            "policyType": "TargetTrackingScaling",
            "targetTrackingConfiguration": spec,
        },
    )
    assert stack.urns("worker-scales-on-queue") == [worker.urn]
    assert stack.check("worker-scales-on-queue", {"queueMetricNamespaces": ["AWS/SQS", "MyApp/Jobs"]}) == []


def test_worker_scales_on_queue_step_policy_with_sqs_alarm() -> None:
    stack = Stack()
    worker = stack.add(ASG, "worker", {"name": "worker"})
    step = stack.add(
        POLICY,
        "out",
        {"arn": "arn:policy/out", "autoscalingGroupName": "worker", "policyType": "StepScaling"},
    )
    stack.add(
        ALARM,
        "cpu",
        {"namespace": "AWS/EC2", "metricName": "CPUUtilization", "alarmActions": ["arn:policy/out"]},
    )
    assert stack.urns("worker-scales-on-queue") == [worker.urn]
    stack.add(
        ALARM,
        "visible",
        {"namespace": "AWS/SQS", "metricName": "ApproximateNumberOfMessagesVisible", "alarmActions": [U_STR]},
        deps={"alarmActions": [step]},
    )
    assert stack.check("worker-scales-on-queue") == []


def test_worker_scales_on_queue_skips_lb_asgs_and_unknowns() -> None:
    stack = Stack()
    stack.add(ASG, "attached", {"name": "attached"})
    stack.add(
        "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment",
        "ts",
        {"autoscalingGroupName": "attached", "trafficSource": {"identifier": "arn:tg", "type": "elbv2"}},
    )
    stack.add(ASG, "maybe", {"name": "maybe", "targetGroupArns": U_STR})
    assert stack.check("worker-scales-on-queue") == []
    other = Stack()
    other.add(ASG, "worker", {"name": "worker"})
    other.add(POLICY, "somewhere", {"autoscalingGroupName": U_STR, "policyType": "TargetTrackingScaling"})
    assert other.check("worker-scales-on-queue") == [], (
        "a policy that can't be attributed may be the worker's"
    )
    disabled = Stack()
    worker = disabled.add(ASG, "worker", {"name": "worker"})
    disabled.add(
        POLICY,
        "off",
        {
            "autoscalingGroupName": "worker",
            "enabled": False,
            "policyType": "TargetTrackingScaling",
            "targetTrackingConfiguration": {"customizedMetricSpecification": BACKLOG},
        },
    )
    assert disabled.urns("worker-scales-on-queue") == [worker.urn]


def subnets(stack: Stack) -> None:
    for az in "abc":
        stack.add(SUBNET, f"private-{az}", {"id": f"subnet-{az}", "availabilityZone": f"us-east-1{az}"})


def test_survives_az_loss_spread_architecture() -> None:
    stack = Stack()
    subnets(stack)
    stack.add(LB, "web", {"subnets": ["subnet-a", "subnet-b"]})
    stack.add(ASG, "app", {"vpcZoneIdentifiers": ["subnet-a", "subnet-b", "subnet-c"]})
    stack.add(RG, "redis", {"numCacheClusters": 2, "preferredCacheClusterAzs": ["us-east-1a", "us-east-1b"]})
    stack.add(RG, "unplaced", {"numCacheClusters": 3, "multiAzEnabled": True})
    assert stack.check("survives-az-loss") == []


def test_survives_az_loss_reports_single_az_tiers() -> None:
    stack = Stack()
    subnets(stack)
    lb = stack.add(LB, "web", {"subnetMappings": [{"subnetId": "subnet-a"}]})
    worker = stack.add(ASG, "worker", {"vpcZoneIdentifiers": ["subnet-b"]})
    pinned = stack.add(RG, "pinned", {"numCacheClusters": 3, "preferredCacheClusterAzs": ["us-east-1c"] * 3})
    single = stack.add(RG, "single", {})
    reported = stack.check("survives-az-loss")
    assert [u for _, u in reported] == [lb.urn, worker.urn, pinned.urn, single.urn]
    assert "if us-east-1a is lost it has no capacity left" in reported[0][0]
    assert "whichever AZ" in reported[3][0]


def test_survives_az_loss_groups_asgs_by_target_group() -> None:
    stack = Stack()
    subnets(stack)
    tg = stack.add(TG, "app", {"arn": "arn:tg/app"})
    stack.add(ASG, "app", {"vpcZoneIdentifiers": ["subnet-a", "subnet-b"], "targetGroupArns": ["arn:tg/app"]})
    stack.add(ASG, "canary", {"vpcZoneIdentifiers": ["subnet-c"], "targetGroupArns": ["arn:tg/app"]})
    assert stack.check("survives-az-loss") == []
    pair = Stack()
    subnets(pair)
    tg = pair.add(TG, "app", {"arn": "arn:tg/app"})
    pair.add(ASG, "blue", {"vpcZoneIdentifiers": ["subnet-a"], "targetGroupArns": ["arn:tg/app"]})
    pair.add(ASG, "green", {"vpcZoneIdentifiers": ["subnet-a"], "name": "green"})
    pair.add(
        "aws:autoscaling/attachment:Attachment",
        "green",
        {"autoscalingGroupName": "green", "lbTargetGroupArn": "arn:tg/app"},
    )
    [(msg, where)] = pair.check("survives-az-loss")
    assert where == tg.urn and "'blue', 'green'" in msg


def test_survives_az_loss_skips_unplaceable_tiers() -> None:
    stack = Stack()
    stack.add(ASG, "external", {"vpcZoneIdentifiers": ["subnet-x"]})
    stack.add(ASG, "unknown", {"vpcZoneIdentifiers": [U_STR, U_STR]})
    stack.add(RG, "unknown", {"numCacheClusters": U_STR, "preferredCacheClusterAzs": [U_STR]})
    assert stack.check("survives-az-loss") == []


def test_stateful_resources_protected() -> None:
    stack = Stack()
    rg = stack.add(RG, "redis", {})
    stack.add(RG, "kept", {}, protect=True)
    queue = stack.add(QUEUE, "jobs", {})
    stack.add(QUEUE, "dlq", {}, protect=True)
    logs = stack.add(BUCKET, "alb-logs", {"bucket": "alb-logs-123", "arn": "arn:aws:s3:::alb-logs-123"})
    flow = stack.add(
        "aws:s3/bucketV2:BucketV2", "flow", {"bucket": "flow-456", "arn": "arn:aws:s3:::flow-456"}
    )
    stack.add(BUCKET, "assets", {"bucket": "assets"})
    stack.add(LB, "web", {"accessLogs": {"bucket": "alb-logs-123", "enabled": True}})
    stack.add(FLOW_LOG, "vpc", {"logDestinationType": "s3", "logDestination": "arn:aws:s3:::flow-456/vpc/"})
    stack.add(FLOW_LOG, "cw", {"logDestinationType": "cloud-watch-logs", "logDestination": "arn:aws:logs:x"})
    reported = stack.check("stateful-resources-protected")
    assert [u for _, u in reported] == [rg.urn, queue.urn, logs.urn, flow.urn]
    assert "protect=True" in reported[0][0] and "retainOnDelete" in reported[0][0]


def test_stateful_resources_protected_log_bucket_through_dependencies() -> None:
    stack = Stack()
    logs = stack.add(BUCKET, "logs", {"bucket": U_STR})
    stack.add(LB, "web", {"accessLogs": {"bucket": U_STR, "enabled": True}}, deps={"accessLogs": [logs]})
    assert stack.urns("stateful-resources-protected") == [logs.urn]
