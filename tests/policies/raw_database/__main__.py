"""raw-database: the database a prototype ships with, in raw pulumi_aws (no tierup components).

A VPC with two public subnets routed to an internet gateway, a DB subnet group over them, and one
PostgreSQL instance that is single-AZ, unencrypted, publicly accessible, without automated backups, with
``skip_final_snapshot=True`` and no deletion protection, unprotected and unwatched by any alarm.
"""

import pulumi
import pulumi_aws as aws

azs = aws.get_availability_zones(state="available").names[:2]

vpc = aws.ec2.Vpc("vpc", cidr_block="10.1.0.0/16", enable_dns_hostnames=True, enable_dns_support=True)
igw = aws.ec2.InternetGateway("igw", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "public",
    vpc_id=vpc.id,
    routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
)
subnets = []
for i, az in enumerate(azs):
    subnet = aws.ec2.Subnet(f"public-{i}", vpc_id=vpc.id, availability_zone=az, cidr_block=f"10.1.{i}.0/24")
    aws.ec2.RouteTableAssociation(f"public-{i}", subnet_id=subnet.id, route_table_id=public_rt.id)
    subnets.append(subnet)

subnet_group = aws.rds.SubnetGroup("db", subnet_ids=[s.id for s in subnets])
db = aws.rds.Instance(
    "db",
    engine="postgres",
    engine_version="16",
    instance_class="db.t4g.micro",
    allocated_storage=20,
    db_name="app",
    username="app",
    manage_master_user_password=True,
    db_subnet_group_name=subnet_group.name,
    publicly_accessible=True,
    multi_az=False,
    storage_encrypted=False,
    backup_retention_period=0,
    skip_final_snapshot=True,
    deletion_protection=False,
)

pulumi.export("endpoint", db.endpoint)
