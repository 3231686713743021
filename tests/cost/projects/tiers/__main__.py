"""Named tiers composed by hand: what tests/cost and tests/graph read per component instance.

The components here carry tierup's type tokens (``tierup:app_tier:AppTier``...) around raw pulumi_aws
resources, so the reports' grouping by named tier is tested independently of the components' arguments.

- services ``web`` (``/*``, 2-6 t4g.small) and ``api`` (host ``api.example.com``, 2-4 t4g.medium),
  each with its own target group and listener rule on one HTTPS listener;
- queues ``emails`` and ``images`` with DLQs; worker pools ``emails`` (0-2 t4g.micro) and ``images``
  (1-5 c7g.large) each scaling on its own queue; ``images`` reaches its target group… no: workers have none;
- a raw ASG ``legacy`` attached to the ``web`` target group with ``aws.autoscaling.Attachment`` only;
- schedule ``nightly`` (cron, daily) to the emails queue;
- database ``main``: PostgreSQL db.t4g.small Multi-AZ, 50 GB gp3, 7 days of backups, Performance
  Insights kept 31 days, admitting 5432 from the ``web`` and ``images`` tiers, and one read replica;
- raw: a Fargate service (0.5 vCPU, 1 GB, 2 tasks, ARM64), a Lambda function (512 MB), a WAF web ACL
  with 2 rules, a Route 53 zone, an ACM certificate, a Redshift cluster (billed, not priced).
"""

import json

import pulumi
import pulumi_aws as aws

azs = ["us-east-1a", "us-east-1b", "us-east-1c"]


class Tier(pulumi.ComponentResource):
    def __init__(self, token: str, name: str) -> None:
        super().__init__(token, name, None, None)
        self.child = pulumi.ResourceOptions(parent=self)


vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
public = [
    aws.ec2.Subnet(f"public-{i}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24", availability_zone=az)
    for i, az in enumerate(azs)
]
private = [
    aws.ec2.Subnet(f"private-{i}", vpc_id=vpc.id, cidr_block=f"10.0.1{i}.0/24", availability_zone=az)
    for i, az in enumerate(azs)
]
alb_sg = aws.ec2.SecurityGroup("alb", vpc_id=vpc.id)
alb = aws.lb.LoadBalancer("edge", subnets=[s.id for s in public], security_groups=[alb_sg.id])
https = aws.lb.Listener(
    "https",
    load_balancer_arn=alb.arn,
    port=443,
    protocol="HTTPS",
    certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/abc",
    default_actions=[
        {"type": "fixed-response", "fixed_response": {"content_type": "text/plain", "status_code": "404"}}
    ],
)


def group(
    tier: Tier, name: str, instance_type: str, low: int, high: int, target_groups: list
) -> aws.autoscaling.Group:
    sg = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id=vpc.id, opts=tier.child)
    tier.security_group = sg
    template = aws.ec2.LaunchTemplate(
        f"{name}-lt",
        instance_type=instance_type,
        image_id="ami-0123456789abcdef0",
        vpc_security_group_ids=[sg.id],
        opts=tier.child,
    )
    return aws.autoscaling.Group(
        f"{name}-asg",
        min_size=low,
        max_size=high,
        desired_capacity=low or None,
        vpc_zone_identifiers=[s.id for s in private],
        target_group_arns=target_groups,
        launch_template={"id": template.id, "version": "$Latest"},
        opts=tier.child,
    )


services = {}
for priority, (name, instance_type, low, high, condition) in enumerate(
    [
        ("web", "t4g.small", 2, 6, {"path_pattern": {"values": ["/*"]}}),
        ("api", "t4g.medium", 2, 4, {"host_header": {"values": ["api.example.com"]}}),
    ]
):
    tier = Tier("tierup:app_tier:AppTier", name)
    tg = aws.lb.TargetGroup(f"{name}-tg", port=8080, protocol="HTTP", vpc_id=vpc.id, opts=tier.child)
    aws.lb.ListenerRule(
        f"{name}-rule",
        listener_arn=https.arn,
        priority=100 - priority * 10,
        actions=[{"type": "forward", "target_group_arn": tg.arn}],
        conditions=[condition],
        opts=tier.child,
    )
    tier.asg = group(tier, name, instance_type, low, high, [tg.arn])
    tier.target_group = tg
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-from-alb",
        security_group_id=tier.security_group.id,
        referenced_security_group_id=alb_sg.id,
        ip_protocol="tcp",
        from_port=8080,
        to_port=8080,
        opts=tier.child,
    )
    services[name] = tier

legacy_template = aws.ec2.LaunchTemplate("legacy", instance_type="t3.micro", image_id="ami-0123456789abcdef0")
legacy = aws.autoscaling.Group(
    "legacy",
    min_size=1,
    max_size=1,
    vpc_zone_identifiers=[private[0].id],
    launch_template={"id": legacy_template.id, "version": "$Latest"},
)
aws.autoscaling.Attachment(
    "legacy-web", autoscaling_group_name=legacy.name, lb_target_group_arn=services["web"].target_group.arn
)

queues = {}
workers = {}
for name, instance_type, low, high in [("emails", "t4g.micro", 0, 2), ("images", "c7g.large", 1, 5)]:
    q = Tier("tierup:queue:Queue", name)
    dlq = aws.sqs.Queue(f"{name}-dlq", opts=q.child)
    q.queue = aws.sqs.Queue(
        name,
        redrive_policy=dlq.arn.apply(
            lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})
        ),
        opts=q.child,
    )
    queues[name] = q
    pool = Tier("tierup:worker_pool:WorkerPool", name)
    pool.asg = group(pool, f"{name}-workers", instance_type, low, high, [])
    aws.autoscaling.Policy(
        f"{name}-backlog",
        autoscaling_group_name=pool.asg.name,
        policy_type="TargetTrackingScaling",
        target_tracking_configuration={
            "target_value": 10,
            "customized_metric_specification": {
                "metric_name": "ApproximateNumberOfMessagesVisible",
                "namespace": "AWS/SQS",
                "statistic": "Sum",
                "metric_dimensions": [{"name": "QueueName", "value": q.queue.name}],
            },
        },
        opts=pool.child,
    )
    workers[name] = pool

nightly = Tier("tierup:schedule:Schedule", "nightly")
scheduler_role = aws.iam.Role(
    "nightly-role",
    assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}),
    opts=nightly.child,
)
aws.scheduler.Schedule(
    "nightly",
    schedule_expression="cron(0 3 * * ? *)",
    flexible_time_window={"mode": "OFF"},
    target={"arn": queues["emails"].queue.arn, "role_arn": scheduler_role.arn},
    opts=nightly.child,
)

database = Tier("tierup:database:Database", "main")
db_sg = aws.ec2.SecurityGroup("main-db", vpc_id=vpc.id, opts=database.child)
for client in (services["web"], workers["images"]):
    aws.vpc.SecurityGroupIngressRule(
        f"main-from-{client._name}",
        security_group_id=db_sg.id,
        referenced_security_group_id=client.security_group.id,
        ip_protocol="tcp",
        from_port=5432,
        to_port=5432,
        opts=database.child,
    )
db_subnets = aws.rds.SubnetGroup("main", subnet_ids=[s.id for s in private], opts=database.child)
primary = aws.rds.Instance(
    "main",
    identifier="main",
    engine="postgres",
    engine_version="16.4",
    instance_class="db.t4g.small",
    allocated_storage=50,
    storage_type="gp3",
    multi_az=True,
    backup_retention_period=7,
    performance_insights_enabled=True,
    performance_insights_retention_period=31,
    storage_encrypted=True,
    db_subnet_group_name=db_subnets.name,
    vpc_security_group_ids=[db_sg.id],
    username="app",
    manage_master_user_password=True,
    skip_final_snapshot=False,
    final_snapshot_identifier="main-final",
    opts=database.child,
)
aws.rds.Instance(
    "main-replica-1",
    identifier="main-replica-1",
    replicate_source_db=primary.identifier,
    instance_class="db.t4g.small",
    availability_zone="us-east-1c",
    vpc_security_group_ids=[db_sg.id],
    skip_final_snapshot=True,
    opts=database.child,
)

topic = aws.sns.Topic("alarms")
for name, tier in {**services, **{f"{k}-workers": v for k, v in workers.items()}}.items():
    aws.cloudwatch.MetricAlarm(
        f"{name}-cpu",
        namespace="AWS/EC2",
        metric_name="CPUUtilization",
        dimensions={"AutoScalingGroupName": tier.asg.name},
        statistic="Average",
        period=60,
        evaluation_periods=3,
        threshold=80,
        comparison_operator="GreaterThanThreshold",
        alarm_actions=[topic.arn],
    )

# raw pieces priced since revision 2, and one that AWS bills but tierup does not price
cluster = aws.ecs.Cluster("jobs")
task = aws.ecs.TaskDefinition(
    "render",
    family="render",
    cpu="512",
    memory="1024",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    runtime_platform={"cpu_architecture": "ARM64", "operating_system_family": "LINUX"},
    container_definitions=json.dumps([{"name": "render", "image": "nginx", "essential": True}]),
)
aws.ecs.Service(
    "render",
    cluster=cluster.arn,
    task_definition=task.arn,
    desired_count=2,
    launch_type="FARGATE",
    network_configuration={"subnets": [s.id for s in private]},
)
fn_role = aws.iam.Role("thumbs", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
aws.lambda_.Function(
    "thumbs",
    role=fn_role.arn,
    runtime="python3.12",
    handler="app.handler",
    memory_size=512,
    s3_bucket="artifacts",
    s3_key="thumbs.zip",
)
visibility = {"cloudwatch_metrics_enabled": True, "metric_name": "edge", "sampled_requests_enabled": True}
acl = aws.wafv2.WebAcl(
    "edge",
    scope="REGIONAL",
    default_action={"allow": {}},
    visibility_config=visibility,
    rules=[
        {
            "name": "common",
            "priority": 1,
            "override_action": {"none": {}},
            "visibility_config": visibility,
            "statement": {
                "managed_rule_group_statement": {"name": "AWSManagedRulesCommonRuleSet", "vendor_name": "AWS"}
            },
        },
        {
            "name": "rate",
            "priority": 2,
            "action": {"block": {}},
            "visibility_config": visibility,
            "statement": {"rate_based_statement": {"limit": 2000, "aggregate_key_type": "IP"}},
        },
    ],
)
aws.wafv2.WebAclAssociation("edge", resource_arn=alb.arn, web_acl_arn=acl.arn)
zone = aws.route53.Zone("example", name="example.com")
aws.acm.Certificate("example", domain_name="example.com", validation_method="DNS")
aws.redshift.Cluster(
    "warehouse",
    cluster_identifier="warehouse",
    node_type="ra3.xlplus",
    master_username="admin",
    manage_master_password=True,
    skip_final_snapshot=True,
)

# a raw Aurora PostgreSQL cluster: a writer and a reader, storage at the stated assumption
aurora_subnets = aws.rds.SubnetGroup("reports", subnet_ids=[s.id for s in private])
aurora = aws.rds.Cluster(
    "reports",
    cluster_identifier="reports",
    engine="aurora-postgresql",
    db_subnet_group_name=aurora_subnets.name,
    master_username="app",
    manage_master_user_password=True,
    backup_retention_period=7,
    skip_final_snapshot=True,
)
for i in range(2):
    aws.rds.ClusterInstance(
        f"reports-{i}",
        cluster_identifier=aurora.cluster_identifier,
        engine="aurora-postgresql",
        instance_class="db.r7g.large",
    )
