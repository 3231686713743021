"""PostgreSQL on RDS in the default VPC's subnets, the master password managed in Secrets Manager."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
vpc = aws.ec2.get_vpc(default=True)
subnet_ids = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}]).ids
group = aws.rds.SubnetGroup("db", subnet_ids=subnet_ids)
sg = aws.ec2.SecurityGroup(
    "db",
    vpc_id=vpc.id,
    ingress=[{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_blocks": [vpc.cidr_block]}],
)
params = aws.rds.ParameterGroup(
    "db", family="postgres16", parameters=[{"name": "log_min_duration_statement", "value": "500"}]
)
db = aws.rds.Instance(
    "db",
    engine="postgres",
    engine_version="16.4",
    instance_class=config.get("instanceClass") or "db.t4g.micro",
    allocated_storage=20,
    max_allocated_storage=100,
    storage_encrypted=True,
    db_subnet_group_name=group.name,
    vpc_security_group_ids=[sg.id],
    parameter_group_name=params.name,
    username="app",
    manage_master_user_password=True,
    multi_az=config.get_bool("multiAz") or False,
    backup_retention_period=7,
    deletion_protection=True,
    skip_final_snapshot=False,
    final_snapshot_identifier="db-final",
    opts=pulumi.ResourceOptions(protect=True),
)
pulumi.export("endpoint", db.endpoint)
pulumi.export("secretArn", db.master_user_secrets.apply(lambda s: s[0]["secret_arn"] if s else None))
