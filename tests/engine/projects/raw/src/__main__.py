"""A hand-written pulumi_aws program: the engine must record exactly what it declares."""

import pulumi
import pulumi_aws as aws
from helpers import Tier

config = pulumi.Config()
labels = config.require_object("labels")
password = config.require_secret("dbPassword")

vpc = aws.ec2.Vpc("main", cidr_block="10.0.0.0/16", tags={"team": labels["team"]})
azs = aws.get_availability_zones(state="available")
subnets = [
    aws.ec2.Subnet(f"private-{i}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24", availability_zone=azs.names[i])
    for i in range(2)
]
west = aws.Provider("west", region="us-west-2")
tier = Tier("web", vpc_id=vpc.id)
queues = [aws.sqs.Queue(f"jobs-{i}") for i in range(config.require_int("queueCount"))]
fifo = aws.sqs.Queue("orders", fifo_queue=True, opts=pulumi.ResourceOptions(protect=True))
bucket = aws.s3.Bucket("Logs-Bucket", opts=pulumi.ResourceOptions(retain_on_delete=True, provider=west))
alb = aws.lb.LoadBalancer(
    "a-very-long-load-balancer-name-for-autonaming",
    subnets=[s.id for s in subnets],
    opts=pulumi.ResourceOptions(ignore_changes=["tags"], depends_on=[tier]),
)
param = aws.ssm.Parameter("db-password", type="SecureString", value=password)

pulumi.export("vpcId", vpc.id)
pulumi.export("albDns", alb.dns_name)
pulumi.export("password", password)
pulumi.export("queueUrls", [q.url for q in queues])
