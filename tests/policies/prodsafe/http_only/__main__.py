"""An internet-facing ALB with one HTTP listener that forwards: no certificate, no HTTPS (alb-https rev. 2).

Config ``http:https`` (bool, default false) adds the HTTPS listener and turns port 80 into a redirect,
the compliant twin.
"""

import pulumi
import pulumi_aws as aws

HTTPS = pulumi.Config("http").get_bool("https") or False
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"

azs = aws.get_availability_zones(state="available").names[:2]
vpc = aws.ec2.Vpc("vpc", cidr_block="10.1.0.0/16")
subnets = [
    aws.ec2.Subnet(f"public-{i}", vpc_id=vpc.id, cidr_block=f"10.1.{i}.0/24", availability_zone=az)
    for i, az in enumerate(azs)
]
alb = aws.lb.LoadBalancer(
    "web",
    load_balancer_type="application",
    subnets=[s.id for s in subnets],
    drop_invalid_header_fields=True,
)
target_group = aws.lb.TargetGroup(
    "app",
    port=8080,
    protocol="HTTP",
    vpc_id=vpc.id,
    health_check=aws.lb.TargetGroupHealthCheckArgs(enabled=True, path="/healthz"),
)
forward = aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)
redirect = aws.lb.ListenerDefaultActionArgs(
    type="redirect",
    redirect=aws.lb.ListenerDefaultActionRedirectArgs(protocol="HTTPS", port="443", status_code="HTTP_301"),
)
aws.lb.Listener(
    "http",
    load_balancer_arn=alb.arn,
    port=80,
    protocol="HTTP",
    default_actions=[redirect if HTTPS else forward],
)
if HTTPS:
    aws.lb.Listener(
        "https",
        load_balancer_arn=alb.arn,
        port=443,
        protocol="HTTPS",
        certificate_arn=CERTIFICATE,
        ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        default_actions=[forward],
    )
