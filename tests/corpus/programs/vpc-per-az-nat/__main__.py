"""A hand-written VPC: public and private subnets per AZ, a NAT gateway per AZ, flow logs."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
az_count = config.get_int("azCount") or 3
azs = aws.get_availability_zones(state="available").names[:az_count]
vpc = aws.ec2.Vpc(
    "main", cidr_block="10.0.0.0/16", enable_dns_hostnames=True, tags={"Name": pulumi.get_stack()}
)
igw = aws.ec2.InternetGateway("main", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable(
    "public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}]
)
private_ids = []
for i, az in enumerate(azs):
    public = aws.ec2.Subnet(f"public-{az}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24", availability_zone=az)
    aws.ec2.RouteTableAssociation(f"public-{az}", subnet_id=public.id, route_table_id=public_rt.id)
    eip = aws.ec2.Eip(f"nat-{az}", domain="vpc")
    nat = aws.ec2.NatGateway(f"nat-{az}", subnet_id=public.id, allocation_id=eip.id)
    private = aws.ec2.Subnet(
        f"private-{az}", vpc_id=vpc.id, cidr_block=f"10.0.{100 + i}.0/24", availability_zone=az
    )
    rt = aws.ec2.RouteTable(
        f"private-{az}", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}]
    )
    aws.ec2.RouteTableAssociation(f"private-{az}", subnet_id=private.id, route_table_id=rt.id)
    private_ids.append(private.id)
logs = aws.cloudwatch.LogGroup("flow-logs", retention_in_days=30)
role = aws.iam.Role(
    "flow-logs",
    assume_role_policy=aws.iam.get_policy_document(
        statements=[
            {
                "actions": ["sts:AssumeRole"],
                "principals": [{"type": "Service", "identifiers": ["vpc-flow-logs.amazonaws.com"]}],
            }
        ]
    ).json,
)
aws.ec2.FlowLog("main", vpc_id=vpc.id, traffic_type="ALL", log_destination=logs.arn, iam_role_arn=role.arn)
pulumi.export("vpcId", vpc.id)
pulumi.export("privateSubnetIds", private_ids)
