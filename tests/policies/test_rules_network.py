"""Network rules: public ingress and NAT placement."""

from __future__ import annotations

from ._pack_testkit import U_STR, Stack

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
LB = "aws:lb/loadBalancer:LoadBalancer"
SUBNET = "aws:ec2/subnet:Subnet"
RT = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ASSOC = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"
INSTANCE = "aws:ec2/instance:Instance"


def groups() -> tuple[Stack, object, object]:
    stack = Stack()
    alb_sg = stack.add(SG, "alb", {"id": "sg-alb"})
    app_sg = stack.add(SG, "app", {"id": "sg-app"})
    stack.add(LB, "web", {"securityGroups": ["sg-alb"]})
    return stack, alb_sg, app_sg


def test_public_ingress_allowed_on_lb_group_ports() -> None:
    stack, _, _ = groups()
    for port in (80, 443):
        stack.add(
            INGRESS,
            f"alb-{port}",
            {
                "securityGroupId": "sg-alb",
                "cidrIpv4": "0.0.0.0/0",
                "ipProtocol": "tcp",
                "fromPort": port,
                "toPort": port,
            },
        )
    stack.add(
        INGRESS,
        "alb-443-v6",
        {
            "securityGroupId": "sg-alb",
            "cidrIpv6": "::/0",
            "ipProtocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
        },
    )
    stack.add(
        INGRESS,
        "app-from-alb",
        {
            "securityGroupId": "sg-app",
            "referencedSecurityGroupId": "sg-alb",
            "ipProtocol": "tcp",
            "fromPort": 8080,
            "toPort": 8080,
        },
    )
    stack.add(
        INGRESS, "app-from-vpc", {"securityGroupId": "sg-app", "cidrIpv4": "10.0.0.0/16", "ipProtocol": "-1"}
    )
    stack.add(
        SG_RULE,
        "egress",
        {
            "type": "egress",
            "securityGroupId": "sg-app",
            "cidrBlocks": ["0.0.0.0/0"],
            "protocol": "-1",
            "fromPort": 0,
            "toPort": 0,
        },
    )
    assert stack.check("security-group-no-public-ingress") == []


def test_public_ingress_violations() -> None:
    stack, alb_sg, app_sg = groups()
    ssh = stack.add(
        INGRESS,
        "ssh",
        {
            "securityGroupId": "sg-app",
            "cidrIpv4": "0.0.0.0/0",
            "ipProtocol": "tcp",
            "fromPort": 22,
            "toPort": 22,
        },
    )
    https_app = stack.add(
        INGRESS,
        "https-app",
        {
            "securityGroupId": "sg-app",
            "cidrIpv6": "::/0",
            "ipProtocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
        },
    )
    everything = stack.add(
        SG_RULE,
        "all",
        {
            "type": "ingress",
            "securityGroupId": "sg-alb",
            "cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"],
            "protocol": "-1",
            "fromPort": 0,
            "toPort": 0,
        },
    )
    wide = stack.add(
        SG,
        "inline",
        {
            "id": "sg-inline",
            "ingress": [{"cidrBlocks": ["0.0.0.0/0"], "protocol": "tcp", "fromPort": 80, "toPort": 443}],
        },
    )
    reported = stack.check("security-group-no-public-ingress")
    assert [u for _, u in reported] == [wide.urn, ssh.urn, https_app.urn, everything.urn]
    messages = dict((u, m) for m, u in reported)
    assert "22/tcp to 0.0.0.0/0" in messages[ssh.urn] and "SSM Session Manager" in messages[ssh.urn]
    assert "no load balancer uses" in messages[https_app.urn]
    assert "all traffic" in messages[everything.urn]
    assert alb_sg.urn not in messages and app_sg.urn not in messages


def test_public_ingress_config_and_unknown_groups() -> None:
    stack, _, _ = groups()
    stack.add(
        INGRESS,
        "unknown-group",
        {
            "securityGroupId": U_STR,
            "cidrIpv4": "0.0.0.0/0",
            "ipProtocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
        },
    )
    ssh = stack.add(
        INGRESS,
        "unknown-ssh",
        {
            "securityGroupId": U_STR,
            "cidrIpv4": "0.0.0.0/0",
            "ipProtocol": "tcp",
            "fromPort": 22,
            "toPort": 22,
        },
    )
    stack.add(
        INGRESS,
        "unknown-cidr",
        {"securityGroupId": "sg-app", "cidrIpv4": U_STR, "ipProtocol": "tcp", "fromPort": 22, "toPort": 22},
    )
    assert stack.urns("security-group-no-public-ingress") == [ssh.urn]
    assert stack.urns("security-group-no-public-ingress", {"allowedPublicPorts": [22, 443]}) == []


def test_public_ingress_follows_dependencies_to_the_lb_group() -> None:
    stack = Stack()
    alb_sg = stack.add(SG, "alb", {"id": U_STR})
    app_sg = stack.add(SG, "app", {"id": U_STR})
    stack.add(LB, "web", {"securityGroups": [U_STR]}, deps={"securityGroups": [alb_sg]})
    stack.add(
        INGRESS,
        "ok",
        {
            "securityGroupId": U_STR,
            "cidrIpv4": "0.0.0.0/0",
            "ipProtocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
        },
        deps={"securityGroupId": [alb_sg]},
    )
    bad = stack.add(
        INGRESS,
        "bad",
        {
            "securityGroupId": U_STR,
            "cidrIpv4": "0.0.0.0/0",
            "ipProtocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
        },
        deps={"securityGroupId": [app_sg]},
    )
    assert stack.urns("security-group-no-public-ingress") == [bad.urn]


def vpc(stack: Stack, nat_azs: tuple[str, ...] = ("a", "b", "c")) -> dict[str, object]:
    made: dict[str, object] = {}
    for az in ("a", "b", "c"):
        made[f"public-{az}"] = stack.add(
            SUBNET, f"public-{az}", {"id": f"subnet-pub-{az}", "availabilityZone": f"us-east-1{az}"}
        )
        made[f"private-{az}"] = stack.add(
            SUBNET, f"private-{az}", {"id": f"subnet-priv-{az}", "availabilityZone": f"us-east-1{az}"}
        )
        made[f"rt-{az}"] = stack.add(RT, f"private-{az}", {"id": f"rtb-{az}"})
        stack.add(ASSOC, f"private-{az}", {"subnetId": f"subnet-priv-{az}", "routeTableId": f"rtb-{az}"})
    for az in nat_azs:
        made[f"nat-{az}"] = stack.add(NAT, f"nat-{az}", {"id": f"nat-{az}", "subnetId": f"subnet-pub-{az}"})
    return made


def test_nat_per_az_ok_with_routes_and_inline_routes() -> None:
    stack = Stack()
    vpc(stack)
    stack.add(
        ROUTE,
        "default-a",
        {"routeTableId": "rtb-a", "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-a"},
    )
    stack.add(
        ROUTE,
        "default-b",
        {"routeTableId": "rtb-b", "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-b"},
    )
    stack.resources = [r for r in stack.resources if r.name != "private-c" or r.resource_type != RT]
    stack.add(
        RT,
        "private-c",
        {
            "id": "rtb-c",
            "routes": [
                {"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-c"},
                {"cidrBlock": "10.1.0.0/16", "natGatewayId": "nat-a"},
            ],
        },
    )
    assert stack.check("nat-per-az") == []
    assert stack.check("survives-az-loss") == []


def test_nat_per_az_cross_az_route() -> None:
    stack = Stack()
    made = vpc(stack, nat_azs=("a",))
    shared = stack.add(
        RT, "shared", {"id": "rtb-shared", "routes": [{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-a"}]}
    )
    for az in ("a", "b", "c"):
        stack.add(ASSOC, f"shared-{az}", {"subnetId": f"subnet-priv-{az}", "routeTableId": "rtb-shared"})
    [(msg, where)] = stack.check("nat-per-az")
    assert where == shared.urn
    assert "'private-b' (us-east-1b) through NAT 'nat-a' in us-east-1a" in msg and "'private-c'" in msg
    assert "'private-a'" not in msg
    # One NAT for three AZs is also a single point of failure for egress.
    [(msg, where)] = stack.check("survives-az-loss")
    assert (
        where == made["nat-a"].urn and "if us-east-1a is lost no private subnet keeps a route to a NAT" in msg
    )


def test_nat_per_az_regional_nat_and_nat_instances() -> None:
    stack = Stack()
    vpc(stack, nat_azs=())
    stack.add(NAT, "regional", {"id": "nat-r", "availabilityMode": "regional", "vpcId": "vpc-1"})
    stack.add(
        INSTANCE,
        "nat-box",
        {
            "id": "i-1",
            "primaryNetworkInterfaceId": "eni-1",
            "subnetId": "subnet-pub-a",
            "sourceDestCheck": False,
        },
    )
    stack.add(
        ROUTE, "a", {"routeTableId": "rtb-a", "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-r"}
    )
    stack.add(
        ROUTE, "b", {"routeTableId": "rtb-b", "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-r"}
    )
    bad = stack.add(
        ROUTE,
        "c",
        {"routeTableId": "rtb-c", "destinationCidrBlock": "0.0.0.0/0", "networkInterfaceId": "eni-1"},
    )
    assert stack.urns("nat-per-az") == [bad.urn]


def test_nat_per_az_unknown_ids_follow_dependencies() -> None:
    stack = Stack()
    pub_a = stack.add(SUBNET, "public-a", {"id": U_STR, "availabilityZone": "us-east-1a"})
    priv_b = stack.add(SUBNET, "private-b", {"id": U_STR, "availabilityZone": "us-east-1b"})
    rt = stack.add(RT, "private-b", {"id": U_STR})
    nat = stack.add(NAT, "nat-a", {"id": U_STR, "subnetId": U_STR}, deps={"subnetId": [pub_a]})
    stack.add(
        ASSOC,
        "private-b",
        {"subnetId": U_STR, "routeTableId": U_STR},
        deps={"subnetId": [priv_b], "routeTableId": [rt]},
    )
    route = stack.add(
        ROUTE,
        "default-b",
        {"routeTableId": U_STR, "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": U_STR},
        deps={"routeTableId": [rt], "natGatewayId": [nat]},
    )
    assert stack.urns("nat-per-az") == [route.urn]
