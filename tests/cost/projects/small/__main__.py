"""A small raw pulumi_aws stack: what tests/cost prices by hand.

1 NAT gateway + its EIP; an internet-facing ALB in 2 public subnets; an app ASG of 2 t4g.small instances
(20 GB gp3 root) behind it; a worker ASG (min 1, no desired capacity, no block device: the AMI's
8 GB root); a 2-node cache.t4g.micro Redis replication group; a queue with a DLQ; an SNS topic
with one email subscription; 3 alarms (one plain, one metric math over 2 metrics, one high
resolution); 1 dashboard.
"""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
app_instance_type = config.get("appInstanceType") or "t4g.small"
azs = ["a", "b"]
region = aws.get_region().region

vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
public = [
    aws.ec2.Subnet(
        f"public-{az}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24", availability_zone=f"{region}{az}"
    )
    for i, az in enumerate(azs)
]
private = [
    aws.ec2.Subnet(
        f"private-{az}", vpc_id=vpc.id, cidr_block=f"10.0.1{i}.0/24", availability_zone=f"{region}{az}"
    )
    for i, az in enumerate(azs)
]
eip = aws.ec2.Eip("nat", domain="vpc")
nat = aws.ec2.NatGateway("nat", allocation_id=eip.allocation_id, subnet_id=public[0].id)

alb_sg = aws.ec2.SecurityGroup("alb", vpc_id=vpc.id)
app_sg = aws.ec2.SecurityGroup("app", vpc_id=vpc.id)
redis_sg = aws.ec2.SecurityGroup("redis", vpc_id=vpc.id)
aws.vpc.SecurityGroupIngressRule(
    "app-from-alb",
    security_group_id=app_sg.id,
    referenced_security_group_id=alb_sg.id,
    ip_protocol="tcp",
    from_port=8080,
    to_port=8080,
)
aws.vpc.SecurityGroupIngressRule(
    "redis-from-app",
    security_group_id=redis_sg.id,
    referenced_security_group_id=app_sg.id,
    ip_protocol="tcp",
    from_port=6379,
    to_port=6379,
)

alb = aws.lb.LoadBalancer(
    "web", load_balancer_type="application", subnets=[s.id for s in public], security_groups=[alb_sg.id]
)
target_group = aws.lb.TargetGroup("app", port=8080, protocol="HTTP", vpc_id=vpc.id)
aws.lb.Listener(
    "http",
    load_balancer_arn=alb.arn,
    port=80,
    protocol="HTTP",
    default_actions=[{"type": "forward", "target_group_arn": target_group.arn}],
)

app_template = aws.ec2.LaunchTemplate(
    "app",
    instance_type=app_instance_type,
    image_id="ami-0123456789abcdef0",
    vpc_security_group_ids=[app_sg.id],
    block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {"volume_size": 20, "volume_type": "gp3"}}],
)
app = aws.autoscaling.Group(
    "app",
    min_size=2,
    max_size=4,
    desired_capacity=2,
    vpc_zone_identifiers=[s.id for s in private],
    target_group_arns=[target_group.arn],
    launch_template={"id": app_template.id, "version": "$Latest"},
)
worker_template = aws.ec2.LaunchTemplate(
    "worker", instance_type="t4g.micro", image_id="ami-0123456789abcdef0"
)
workers = aws.autoscaling.Group(
    "workers",
    min_size=1,
    max_size=3,
    vpc_zone_identifiers=[s.id for s in private],
    launch_template={"id": worker_template.id, "version": "$Latest"},
)

cache_subnets = aws.elasticache.SubnetGroup("redis", subnet_ids=[s.id for s in private])
redis = aws.elasticache.ReplicationGroup(
    "redis",
    description="small cache",
    engine="redis",
    node_type="cache.t4g.micro",
    num_cache_clusters=2,
    preferred_cache_cluster_azs=[f"{region}{az}" for az in azs],
    subnet_group_name=cache_subnets.name,
    security_group_ids=[redis_sg.id],
    automatic_failover_enabled=True,
    multi_az_enabled=True,
)

dlq = aws.sqs.Queue("jobs-dlq")
jobs = aws.sqs.Queue(
    "jobs",
    redrive_policy=dlq.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})),
)
aws.autoscaling.Policy(
    "workers-backlog",
    autoscaling_group_name=workers.name,
    policy_type="TargetTrackingScaling",
    target_tracking_configuration={
        "target_value": 10,
        "customized_metric_specification": {
            "metric_name": "ApproximateNumberOfMessagesVisible",
            "namespace": "AWS/SQS",
            "statistic": "Sum",
            "metric_dimensions": [{"name": "QueueName", "value": jobs.name}],
        },
    },
)

topic = aws.sns.Topic("alarms")
aws.sns.TopicSubscription("oncall", topic=topic.arn, protocol="email", endpoint="oncall@example.com")
aws.cloudwatch.MetricAlarm(
    "app-cpu",
    namespace="AWS/EC2",
    metric_name="CPUUtilization",
    dimensions={"AutoScalingGroupName": app.name},
    statistic="Average",
    period=60,
    evaluation_periods=3,
    threshold=80,
    comparison_operator="GreaterThanThreshold",
    alarm_actions=[topic.arn],
)
aws.cloudwatch.MetricAlarm(
    "web-5xx-rate",
    evaluation_periods=3,
    threshold=5,
    comparison_operator="GreaterThanThreshold",
    alarm_actions=[topic.arn],
    metric_queries=[
        {
            "id": "errors",
            "metric": {
                "namespace": "AWS/ApplicationELB",
                "metric_name": "HTTPCode_ELB_5XX_Count",
                "dimensions": {"LoadBalancer": alb.arn_suffix},
                "stat": "Sum",
                "period": 60,
            },
        },
        {
            "id": "requests",
            "metric": {
                "namespace": "AWS/ApplicationELB",
                "metric_name": "RequestCount",
                "dimensions": {"LoadBalancer": alb.arn_suffix},
                "stat": "Sum",
                "period": 60,
            },
        },
        {"id": "rate", "expression": "100 * errors / requests", "return_data": True},
    ],
)
aws.cloudwatch.MetricAlarm(
    "jobs-dlq-visible",
    namespace="AWS/SQS",
    metric_name="ApproximateNumberOfMessagesVisible",
    dimensions={"QueueName": dlq.name},
    statistic="Maximum",
    period=10,
    evaluation_periods=1,
    threshold=1,
    comparison_operator="GreaterThanOrEqualToThreshold",
    alarm_actions=[topic.arn],
)
aws.cloudwatch.Dashboard("ops", dashboard_name="small-ops", dashboard_body=json.dumps({"widgets": []}))
