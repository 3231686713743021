"""raw-stack: a compliant production web architecture written with raw pulumi_aws only (no tierup components).

It is the end-to-end fixture for the tierup-resilience pack: unbroken it violates no policy. The config key
``raw:break`` (a list of policy names) makes the program break exactly the listed policies, one change
each; ``expected.json`` names the resource each violation is reported on.

Tiers: a VPC over three AZs (public + private subnets, a NAT gateway per AZ), an internet-facing ALB
(HTTPS + HTTP→HTTPS redirect, access logs to a protected bucket), an app ASG behind it, a worker ASG
scaling on SQS backlog, an SQS queue with a DLQ, a Valkey replication group, a Multi-AZ PostgreSQL with a
read replica in another AZ, and alarms on all of them.
"""

import base64
import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config("raw")
BREAK = set(config.get_object("break") or [])
CERTIFICATE_ARN = config.get("certificateArn") or (
    "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
)
IMAGE_ID = (
    config.get("imageId")
    or "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
)
ELB_ACCOUNT_ID = (
    config.get("elbAccountId") or "127311923021"
)  # Elastic Load Balancing's account in us-east-1.
ALARM_EMAIL = config.get("alarmEmail") or "ops@example.com"
APP_PORT = 8080
VISIBILITY_TIMEOUT = 60


def broken(policy: str) -> bool:
    """Whether this run breaks ``policy``."""
    return policy in BREAK


def protect(enabled: bool = True) -> pulumi.ResourceOptions:
    """Options protecting a stateful resource."""
    return pulumi.ResourceOptions(protect=enabled)


azs = aws.get_availability_zones(state="available").names[:3]

# --- network: three AZs, public and private subnets, a NAT gateway per AZ ---------------------------

vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16", enable_dns_hostnames=True, enable_dns_support=True)
igw = aws.ec2.InternetGateway("igw", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "public",
    vpc_id=vpc.id,
    routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
)

public_subnets: list[aws.ec2.Subnet] = []
private_subnets: list[aws.ec2.Subnet] = []
nat_gateways: list[aws.ec2.NatGateway] = []
for i, az in enumerate(azs):
    public = aws.ec2.Subnet(
        f"public-{i}",
        vpc_id=vpc.id,
        availability_zone=az,
        cidr_block=f"10.0.{i}.0/24",
        map_public_ip_on_launch=False,
    )
    aws.ec2.RouteTableAssociation(f"public-{i}", subnet_id=public.id, route_table_id=public_rt.id)
    private = aws.ec2.Subnet(
        f"private-{i}", vpc_id=vpc.id, availability_zone=az, cidr_block=f"10.0.{100 + i}.0/24"
    )
    eip = aws.ec2.Eip(f"nat-{i}", domain="vpc")
    nat = aws.ec2.NatGateway(
        f"nat-{i}", allocation_id=eip.id, subnet_id=public.id, opts=pulumi.ResourceOptions(depends_on=[igw])
    )
    private_rt = aws.ec2.RouteTable(f"private-{i}", vpc_id=vpc.id)
    aws.ec2.RouteTableAssociation(f"private-{i}", subnet_id=private.id, route_table_id=private_rt.id)
    # nat-per-az: the last AZ's private subnet egresses through the first AZ's NAT.
    egress = nat_gateways[0] if broken("nat-per-az") and i == len(azs) - 1 else nat
    aws.ec2.Route(
        f"private-default-{i}",
        route_table_id=private_rt.id,
        destination_cidr_block="0.0.0.0/0",
        nat_gateway_id=egress.id,
    )
    public_subnets.append(public)
    private_subnets.append(private)
    nat_gateways.append(nat)

# --- security groups: ALB 80/443 from the internet; app from the ALB; Redis from the app ------------

alb_sg = aws.ec2.SecurityGroup("alb", vpc_id=vpc.id, description="ALB: HTTP and HTTPS from the internet")
app_sg = aws.ec2.SecurityGroup("app", vpc_id=vpc.id, description="App instances: app port from the ALB only")
worker_sg = aws.ec2.SecurityGroup("worker", vpc_id=vpc.id, description="Workers: no inbound traffic")
redis_sg = aws.ec2.SecurityGroup("redis", vpc_id=vpc.id, description="Redis: 6379 from the app only")

for port in (80, 443):
    aws.vpc.SecurityGroupIngressRule(
        f"alb-{port}",
        security_group_id=alb_sg.id,
        cidr_ipv4="0.0.0.0/0",
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
    )
aws.vpc.SecurityGroupEgressRule(
    "alb-to-app",
    security_group_id=alb_sg.id,
    referenced_security_group_id=app_sg.id,
    ip_protocol="tcp",
    from_port=APP_PORT,
    to_port=APP_PORT,
)
aws.vpc.SecurityGroupIngressRule(
    "app-from-alb",
    security_group_id=app_sg.id,
    referenced_security_group_id=alb_sg.id,
    ip_protocol="tcp",
    from_port=APP_PORT,
    to_port=APP_PORT,
)
aws.vpc.SecurityGroupIngressRule(
    "redis-from-app",
    security_group_id=redis_sg.id,
    referenced_security_group_id=app_sg.id,
    ip_protocol="tcp",
    from_port=6379,
    to_port=6379,
)
for name, group in (("app", app_sg), ("worker", worker_sg)):
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-egress", security_group_id=group.id, cidr_ipv4="0.0.0.0/0", ip_protocol="-1"
    )
if broken("security-group-no-public-ingress"):
    aws.vpc.SecurityGroupIngressRule(
        "app-ssh-from-anywhere",
        security_group_id=app_sg.id,
        cidr_ipv4="0.0.0.0/0",
        ip_protocol="tcp",
        from_port=22,
        to_port=22,
    )

# --- access-log bucket: encrypted, private, lifecycle-managed, protected ---------------------------

logs = aws.s3.Bucket("alb-logs", force_destroy=False, opts=protect())
aws.s3.BucketPublicAccessBlock(
    "alb-logs",
    bucket=logs.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)
aws.s3.BucketServerSideEncryptionConfiguration(
    "alb-logs",
    bucket=logs.id,
    rules=[
        aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="AES256"
            )
        )
    ],
)
aws.s3.BucketLifecycleConfiguration(
    "alb-logs",
    bucket=logs.id,
    rules=[
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="expire-access-logs",
            status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="web/"),
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=90),
        )
    ],
)
log_policy = aws.s3.BucketPolicy(
    "alb-logs",
    bucket=logs.id,
    policy=logs.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ELB_ACCOUNT_ID}:root"},
                        "Action": "s3:PutObject",
                        "Resource": f"{arn}/web/*",
                    },
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [arn, f"{arn}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            }
        )
    ),
)

# --- load balancer: HTTPS with a certificate, HTTP redirects ----------------------------------------

alb = aws.lb.LoadBalancer(
    "web",
    load_balancer_type="application",
    internal=False,
    security_groups=[alb_sg.id],
    subnets=[s.id for s in public_subnets],
    enable_deletion_protection=not broken("alb-deletion-protection"),
    drop_invalid_header_fields=not broken("alb-drop-invalid-headers"),
    idle_timeout=60,
    access_logs=aws.lb.LoadBalancerAccessLogsArgs(
        bucket=logs.bucket, prefix="web", enabled=not broken("alb-access-logs")
    ),
    opts=pulumi.ResourceOptions(depends_on=[log_policy]),
)
target_group = aws.lb.TargetGroup(
    "app",
    port=APP_PORT,
    protocol="HTTP",
    target_type="instance",
    vpc_id=vpc.id,
    deregistration_delay=30,
    health_check=aws.lb.TargetGroupHealthCheckArgs(
        enabled=True,
        protocol="HTTP",
        path=None if broken("target-group-health-check") else "/healthz",
        matcher="200",
        interval=15,
        timeout=5,
        healthy_threshold=2,
        unhealthy_threshold=3,
    ),
)
forward = aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)
https_listener = aws.lb.Listener(
    "https",
    load_balancer_arn=alb.arn,
    port=443,
    protocol="HTTPS",
    certificate_arn=CERTIFICATE_ARN,
    ssl_policy="ELBSecurityPolicy-2016-08"
    if broken("alb-listener-tls-policy")
    else "ELBSecurityPolicy-TLS13-1-2-2021-06",
    default_actions=[forward],
)
redirect = aws.lb.ListenerDefaultActionArgs(
    type="redirect",
    redirect=aws.lb.ListenerDefaultActionRedirectArgs(protocol="HTTPS", port="443", status_code="HTTP_301"),
)
aws.lb.Listener(
    "http",
    load_balancer_arn=alb.arn,
    port=80,
    protocol="HTTP",
    default_actions=[forward if broken("alb-https") else redirect],
)

# --- WAF: AWS managed rules and a per-IP rate limit in front of the ALB -----------------------------


def _waf_visibility(metric: str) -> dict:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


web_acl = aws.wafv2.WebAcl(
    "web",
    scope="REGIONAL",
    default_action={"allow": {}},
    rules=[
        *(
            []
            if broken("alb-waf")
            else [
                {
                    "name": "rate-limit-per-ip",
                    "priority": 0,
                    "action": {"block": {}},
                    "statement": {"rate_based_statement": {"limit": 2000, "aggregate_key_type": "IP"}},
                    "visibility_config": _waf_visibility("rate-limit"),
                }
            ]
        ),
        {
            "name": "common",
            "priority": 1,
            "override_action": {"none": {}},
            "statement": {
                "managed_rule_group_statement": {"vendor_name": "AWS", "name": "AWSManagedRulesCommonRuleSet"}
            },
            "visibility_config": _waf_visibility("common"),
        },
    ],
    visibility_config=_waf_visibility("web"),
)
aws.wafv2.WebAclAssociation("web", resource_arn=alb.arn, web_acl_arn=web_acl.arn)

# --- queue: jobs + dead-letter queue ----------------------------------------------------------------

dlq = aws.sqs.Queue(
    "jobs-dlq",
    message_retention_seconds=14 * 24 * 3600,
    sqs_managed_sse_enabled=True,
    opts=protect(not broken("stateful-resources-protected")),
)
jobs = aws.sqs.Queue(
    "jobs",
    visibility_timeout_seconds=VISIBILITY_TIMEOUT,
    message_retention_seconds=4 * 24 * 3600,
    receive_wait_time_seconds=20,
    sqs_managed_sse_enabled=not broken("sqs-encryption"),
    redrive_policy=None
    if broken("sqs-dead-letter-queue")
    else dlq.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})),
    opts=protect(),
)
aws.sqs.RedriveAllowPolicy(
    "jobs-dlq",
    queue_url=dlq.url,
    redrive_allow_policy=jobs.arn.apply(
        lambda arn: json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn]})
    ),
)

# --- cache: Valkey replication group, 3 nodes over 3 AZs --------------------------------------------

auth_token = config.get_secret("redisAuthToken") or pulumi.Output.secret(
    "raw-stack-fixture-auth-token-0123456789"
)
auth_parameter = aws.ssm.Parameter(
    "redis-auth", name="/raw/redis/auth-token", type="SecureString", value=auth_token
)
cache_subnets = aws.elasticache.SubnetGroup("redis", subnet_ids=[s.id for s in private_subnets])
failover = not broken("elasticache-failover")
redis = aws.elasticache.ReplicationGroup(
    "redis",
    replication_group_id="raw-redis",
    description="raw-stack cache",
    engine="valkey",
    engine_version="8.0",
    node_type="cache.t4g.small",
    port=6379,
    num_cache_clusters=3,
    preferred_cache_cluster_azs=[azs[0]] * 3 if broken("survives-az-loss") else list(azs),
    multi_az_enabled=failover,
    automatic_failover_enabled=failover,
    at_rest_encryption_enabled=not broken("elasticache-encryption"),
    transit_encryption_enabled=True,
    auth_token=None if broken("elasticache-auth") else auth_token,
    subnet_group_name=cache_subnets.name,
    security_group_ids=[redis_sg.id],
    snapshot_retention_limit=0 if broken("elasticache-backups") else 7,
    snapshot_window="03:00-04:00",
    maintenance_window="sun:05:00-sun:06:00",
    final_snapshot_identifier="raw-redis-final",
    opts=protect(),
)

# --- compute: instance role, launch templates, app and worker ASGs ---------------------------------

role = aws.iam.Role(
    "instance",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
aws.iam.RolePolicyAttachment(
    "instance-ssm", role=role.name, policy_arn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
)
profile = aws.iam.InstanceProfile("instance", role=role.name)


def user_data(command: str, extra: str = "") -> pulumi.Output[str]:
    """A base64 boot script: secrets are fetched by name at boot, never embedded."""
    return pulumi.Output.all(redis.primary_endpoint_address, jobs.url, auth_parameter.name).apply(
        lambda values: base64.b64encode(
            "\n".join(
                [
                    "#!/bin/bash",
                    "set -euo pipefail",
                    f"export REDIS_HOST={values[0]}",
                    f"export REDIS_AUTH_PARAMETER={values[2]}",
                    f"export QUEUE_URL={values[1]}",
                    *([extra] if extra else []),
                    f"exec {command}",
                    "",
                ]
            ).encode()
        ).decode()
    )


def launch_template(
    name: str, group: aws.ec2.SecurityGroup, data: pulumi.Output[str]
) -> aws.ec2.LaunchTemplate:
    """An IMDSv2-only template with no public IP and an encrypted gp3 root volume."""
    app = name == "app"
    return aws.ec2.LaunchTemplate(
        name,
        name_prefix=f"{name}-",
        image_id=IMAGE_ID,
        instance_type="t4g.small",
        iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=profile.arn),
        metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
            http_endpoint="enabled",
            http_tokens="optional" if app and broken("launch-template-imdsv2") else "required",
            http_put_response_hop_limit=1,
        ),
        network_interfaces=[
            aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                associate_public_ip_address="true"
                if app and broken("launch-template-no-public-ip")
                else "false",
                delete_on_termination="true",
                security_groups=[group.id],
            )
        ],
        block_device_mappings=[
            aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda",
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=20,
                    volume_type="gp3",
                    encrypted="false" if app and broken("launch-template-encrypted-volumes") else "true",
                    delete_on_termination="true",
                ),
            )
        ],
        user_data=data,
        update_default_version=True,
    )


app_lt = launch_template("app", app_sg, user_data("/opt/app/bin/web"))
worker_secret = (
    "export REDIS_PASSWORD=hunter2-fixture-not-a-secret" if broken("no-secrets-in-user-data") else ""
)
worker_lt = launch_template("worker", worker_sg, user_data("/opt/app/bin/worker", worker_secret))

GROUP_METRICS = ["GroupInServiceInstances", "GroupDesiredCapacity", "GroupMinSize", "GroupMaxSize"]
app_asg = aws.autoscaling.Group(
    "app",
    vpc_zone_identifiers=[s.id for s in private_subnets],
    min_size=1 if broken("asg-min-capacity") else 2,
    max_size=10,
    desired_capacity=2,
    health_check_type="EC2" if broken("asg-elb-health-check") else "ELB",
    health_check_grace_period=300,
    target_group_arns=[target_group.arn],
    launch_template=aws.autoscaling.GroupLaunchTemplateArgs(id=app_lt.id, version=app_lt.latest_version),
    enabled_metrics=GROUP_METRICS,
    instance_refresh=aws.autoscaling.GroupInstanceRefreshArgs(
        strategy="Rolling",
        preferences=aws.autoscaling.GroupInstanceRefreshPreferencesArgs(min_healthy_percentage=90),
    ),
    opts=pulumi.ResourceOptions(ignore_changes=["desiredCapacity"]),
)
aws.autoscaling.Policy(
    "app-cpu",
    autoscaling_group_name=app_asg.name,
    policy_type="TargetTrackingScaling",
    target_tracking_configuration=aws.autoscaling.PolicyTargetTrackingConfigurationArgs(
        target_value=50,
        predefined_metric_specification=aws.autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs(
            predefined_metric_type="ASGAverageCPUUtilization"
        ),
    ),
)

worker_asg = aws.autoscaling.Group(
    "worker",
    vpc_zone_identifiers=[s.id for s in private_subnets],
    min_size=1,
    max_size=10,
    desired_capacity=1,
    health_check_type="EC2",
    health_check_grace_period=120,
    launch_template=aws.autoscaling.GroupLaunchTemplateArgs(
        id=worker_lt.id, version=worker_lt.latest_version
    ),
    enabled_metrics=GROUP_METRICS,
    opts=pulumi.ResourceOptions(ignore_changes=["desiredCapacity"]),
)
aws.autoscaling.LifecycleHook(
    "worker-drain",
    autoscaling_group_name=worker_asg.name,
    lifecycle_transition="autoscaling:EC2_INSTANCE_TERMINATING",
    heartbeat_timeout=VISIBILITY_TIMEOUT * 2,
    default_result="CONTINUE",
)
PolicyMetric = aws.autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricArgs
MetricStat = (
    aws.autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricMetricStatArgs
)
StatMetric = (
    aws.autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricMetricStatMetricArgs
)
Dimension = aws.autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArgs
backlog = aws.autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecificationArgs(
    metrics=[
        PolicyMetric(
            id="visible",
            return_data=False,
            metric_stat=MetricStat(
                stat="Sum",
                metric=StatMetric(
                    namespace="AWS/SQS",
                    metric_name="ApproximateNumberOfMessagesVisible",
                    dimensions=[Dimension(name="QueueName", value=jobs.name)],
                ),
            ),
        ),
        PolicyMetric(
            id="inservice",
            return_data=False,
            metric_stat=MetricStat(
                stat="Average",
                metric=StatMetric(
                    namespace="AWS/AutoScaling",
                    metric_name="GroupInServiceInstances",
                    dimensions=[Dimension(name="AutoScalingGroupName", value=worker_asg.name)],
                ),
            ),
        ),
        PolicyMetric(
            id="backlog", expression="visible / inservice", label="Backlog per instance", return_data=True
        ),
    ]
)
cpu = aws.autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs(
    predefined_metric_type="ASGAverageCPUUtilization"
)
aws.autoscaling.Policy(
    "worker-backlog",
    autoscaling_group_name=worker_asg.name,
    policy_type="TargetTrackingScaling",
    target_tracking_configuration=aws.autoscaling.PolicyTargetTrackingConfigurationArgs(
        target_value=10,
        customized_metric_specification=None if broken("worker-scales-on-queue") else backlog,
        predefined_metric_specification=cpu if broken("worker-scales-on-queue") else None,
    ),
)

canary_asg = None
if broken("asg-multi-az"):
    # A canary pinned to one subnet beside the app tier: the tier still spans three AZs, the canary doesn't.
    canary_asg = aws.autoscaling.Group(
        "app-canary",
        vpc_zone_identifiers=[private_subnets[0].id],
        min_size=2,
        max_size=2,
        health_check_type="ELB",
        health_check_grace_period=300,
        target_group_arns=[target_group.arn],
        launch_template=aws.autoscaling.GroupLaunchTemplateArgs(id=app_lt.id, version=app_lt.latest_version),
    )

# --- alarms: every tier, every alarm notifies the on-call topic -------------------------------------

topic = aws.sns.Topic("alarms", kms_master_key_id="alias/aws/sns")
aws.sns.TopicSubscription("alarms-email", topic=topic.arn, protocol="email", endpoint=ALARM_EMAIL)


def alarm(
    name: str,
    namespace: str,
    metric: str,
    dimensions: dict[str, pulumi.Input[str]],
    threshold: float,
    statistic: str = "Average",
    comparison: str = "GreaterThanThreshold",
    actions: bool = True,
    extended_statistic: str | None = None,
) -> aws.cloudwatch.MetricAlarm:
    """A one-minute alarm notifying the topic."""
    return aws.cloudwatch.MetricAlarm(
        name,
        namespace=namespace,
        metric_name=metric,
        dimensions=dimensions,
        statistic=None if extended_statistic else statistic,
        extended_statistic=extended_statistic,
        period=60,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        threshold=threshold,
        comparison_operator=comparison,
        treat_missing_data="notBreaching",
        alarm_actions=[topic.arn] if actions else [],
        ok_actions=[topic.arn],
    )


alarm(
    "web-5xx",
    "AWS/ApplicationELB",
    "HTTPCode_ELB_5XX_Count",
    {"LoadBalancer": alb.arn_suffix},
    10,
    statistic="Sum",
    actions=not broken("alarm-has-actions"),
)
alarm(
    "web-p99",
    "AWS/ApplicationELB",
    "TargetResponseTime",
    {"LoadBalancer": alb.arn_suffix},
    1.5,
    extended_statistic="p99",
)
alarm(
    "web-unhealthy",
    "AWS/ApplicationELB",
    "UnHealthyHostCount",
    {"LoadBalancer": alb.arn_suffix, "TargetGroup": target_group.arn_suffix},
    0,
    statistic="Maximum",
)
for name, group in (("app", app_asg), ("worker", worker_asg)):
    alarm(f"{name}-cpu", "AWS/EC2", "CPUUtilization", {"AutoScalingGroupName": group.name}, 80)
alarm(
    "app-in-service",
    "AWS/AutoScaling",
    "GroupInServiceInstances",
    {"AutoScalingGroupName": app_asg.name},
    2,
    statistic="Minimum",
    comparison="LessThanThreshold",
)
if canary_asg is not None:
    alarm("app-canary-cpu", "AWS/EC2", "CPUUtilization", {"AutoScalingGroupName": canary_asg.name}, 80)
for n in range(1, 4):
    member = redis.replication_group_id.apply(lambda group_id, n=n: f"{group_id}-{n:03d}")
    alarm(f"redis-cpu-{n}", "AWS/ElastiCache", "EngineCPUUtilization", {"CacheClusterId": member}, 80)
    alarm(
        f"redis-memory-{n}",
        "AWS/ElastiCache",
        "DatabaseMemoryUsagePercentage",
        {"CacheClusterId": member},
        80,
    )
    alarm(
        f"redis-evictions-{n}", "AWS/ElastiCache", "Evictions", {"CacheClusterId": member}, 0, statistic="Sum"
    )
    alarm(
        f"redis-lag-{n}",
        "AWS/ElastiCache",
        "ReplicationLag",
        {"CacheClusterId": member},
        5,
        statistic="Maximum",
    )
if not broken("every-tier-has-alarms"):
    alarm(
        "jobs-age",
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        {"QueueName": jobs.name},
        600,
        statistic="Maximum",
    )
alarm(
    "jobs-dlq-visible",
    "AWS/SQS",
    "ApproximateAgeOfOldestMessage" if broken("dlq-has-alarm") else "ApproximateNumberOfMessagesVisible",
    {"QueueName": dlq.name},
    1,
    statistic="Maximum",
    comparison="GreaterThanOrEqualToThreshold",
)

# --- database: PostgreSQL, Multi-AZ, encrypted, backed up, protected, private; a replica in AZ 2 ---------

db_sg = aws.ec2.SecurityGroup("postgres", vpc_id=vpc.id, description="PostgreSQL: 5432 from the app only")
aws.vpc.SecurityGroupIngressRule(
    "postgres-from-app",
    security_group_id=db_sg.id,
    referenced_security_group_id=app_sg.id,
    ip_protocol="tcp",
    from_port=5432,
    to_port=5432,
)
# rds-not-public: the subnet group takes the public subnets (routed to the internet gateway).
db_subnets = aws.rds.SubnetGroup(
    "postgres",
    subnet_ids=[s.id for s in (public_subnets if broken("rds-not-public") else private_subnets)],
)
db_multi_az = not broken("rds-multi-az")
database = aws.rds.Instance(
    "postgres",
    identifier="raw-postgres",
    engine="postgres",
    engine_version="16",
    instance_class="db.t4g.small",
    allocated_storage=20,
    max_allocated_storage=100,
    storage_type="gp3",
    storage_encrypted=not broken("rds-encryption"),
    multi_az=db_multi_az,
    availability_zone=None if db_multi_az else azs[0],
    db_subnet_group_name=db_subnets.name,
    vpc_security_group_ids=[db_sg.id],
    publicly_accessible=False,
    db_name="app",
    username="dbadmin",
    manage_master_user_password=True,
    backup_retention_period=0 if broken("rds-backups") else 14,
    backup_window="03:00-04:00",
    maintenance_window="sun:05:00-sun:06:00",
    deletion_protection=not broken("rds-deletion-protection"),
    skip_final_snapshot=False,
    final_snapshot_identifier="raw-postgres-final",
    opts=protect(),
)
replica = aws.rds.Instance(
    "postgres-replica",
    identifier="raw-postgres-replica",
    replicate_source_db=database.identifier,
    instance_class="db.t4g.small",
    availability_zone=azs[1],
    vpc_security_group_ids=[db_sg.id],
    publicly_accessible=False,
    deletion_protection=True,
    skip_final_snapshot=True,
)
for db_name, instance in (("postgres", database), ("postgres-replica", replica)):
    dims = {"DBInstanceIdentifier": instance.identifier}
    alarm(f"{db_name}-cpu", "AWS/RDS", "CPUUtilization", dims, 80)
    alarm(
        f"{db_name}-storage", "AWS/RDS", "FreeStorageSpace", dims, 2 * 1024**3, comparison="LessThanThreshold"
    )
alarm("postgres-replica-lag", "AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": replica.identifier}, 60)

pulumi.export("url", alb.dns_name.apply(lambda dns: f"https://{dns}"))
pulumi.export("queueUrl", jobs.url)
pulumi.export("redisEndpoint", redis.primary_endpoint_address)
