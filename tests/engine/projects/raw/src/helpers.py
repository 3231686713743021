"""A component with a nested component, to pin engine URNs and parents."""

import pulumi
import pulumi_aws as aws


class Rules(pulumi.ComponentResource):
    def __init__(
        self, name: str, group_id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("raw:net:Rules", name, None, opts)
        self.https = aws.vpc.SecurityGroupIngressRule(
            f"{name}-https",
            security_group_id=group_id,
            cidr_ipv4="0.0.0.0/0",
            from_port=443,
            to_port=443,
            ip_protocol="tcp",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})


class Tier(pulumi.ComponentResource):
    def __init__(
        self, name: str, vpc_id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("raw:app:Tier", name, None, opts)
        self.group = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=vpc_id, opts=pulumi.ResourceOptions(parent=self)
        )
        self.rules = Rules(f"{name}-rules", self.group.id, opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"groupId": self.group.id})
