"""A Redis replication group with encryption, AUTH from config and a subnet group."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
vpc = aws.ec2.get_vpc(tags={"Name": "shared"})
subnets = aws.ec2.get_subnets(
    filters=[{"name": "vpc-id", "values": [vpc.id]}, {"name": "tag:tier", "values": ["private"]}]
)
group = aws.elasticache.SubnetGroup("cache", subnet_ids=subnets.ids)
sg = aws.ec2.SecurityGroup(
    "cache",
    vpc_id=vpc.id,
    ingress=[{"protocol": "tcp", "from_port": 6379, "to_port": 6379, "cidr_blocks": [vpc.cidr_block]}],
)
redis = aws.elasticache.ReplicationGroup(
    "cache",
    description="sessions",
    engine="redis",
    engine_version="7.1",
    node_type="cache.t4g.small",
    num_cache_clusters=2,
    automatic_failover_enabled=True,
    multi_az_enabled=True,
    at_rest_encryption_enabled=True,
    transit_encryption_enabled=True,
    auth_token=config.require_secret("authToken"),
    subnet_group_name=group.name,
    security_group_ids=[sg.id],
    snapshot_retention_limit=3,
)
pulumi.export("endpoint", redis.primary_endpoint_address)
