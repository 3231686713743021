"""A VPC from awsx (a multi-language component) and instances in its private subnets.

``pulumi_awsx.ec2.Vpc`` is a remote component: its Python class registers ``awsx:ec2:Vpc`` with
``remote=True`` and the awsx plugin creates the children. This class is what that SDK declares.
"""

import pulumi
import pulumi_aws as aws


class Vpc(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list]
    public_subnet_ids: pulumi.Output[list]

    def __init__(self, name, cidr_block="10.0.0.0/16", opts=None):
        props = {
            "cidr_block": cidr_block,
            "nat_gateways": {"strategy": "Single"},
            "vpc_id": None,
            "private_subnet_ids": None,
            "public_subnet_ids": None,
        }
        super().__init__("awsx:ec2:Vpc", name, props, opts, remote=True)


vpc = Vpc("main")
sg = aws.ec2.SecurityGroup("web", vpc_id=vpc.vpc_id)
web = aws.ec2.Instance(
    "web",
    ami="ami-0abcdef1234567890",
    instance_type="t3.micro",
    subnet_id=vpc.private_subnet_ids.apply(lambda ids: ids[0]),
    vpc_security_group_ids=[sg.id],
)
pulumi.export("vpcId", vpc.vpc_id)
pulumi.export("webIp", web.private_ip)
