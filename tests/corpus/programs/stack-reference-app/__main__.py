"""An app stack that reads the network stack's outputs through a StackReference (answered by fixtures)."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
network = pulumi.StackReference(config.require("networkStack"))
vpc_id = network.require_output("vpcId")
private_subnets = network.require_output("privateSubnetIds")
sg = aws.ec2.SecurityGroup(
    "app",
    vpc_id=vpc_id,
    egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
)
ami = aws.ec2.get_ami(
    most_recent=True, owners=["amazon"], filters=[{"name": "name", "values": ["al2023-ami-2023.*-x86_64"]}]
)
instances = private_subnets.apply(
    lambda ids: [
        aws.ec2.Instance(
            f"app-{i}",
            ami=ami.id,
            instance_type="t3.micro",
            subnet_id=subnet,
            vpc_security_group_ids=[sg.id],
            metadata_options={"http_tokens": "required"},
        )
        for i, subnet in enumerate(ids)
    ]
)
pulumi.export("privateIps", instances.apply(lambda xs: [x.private_ip for x in xs]))
