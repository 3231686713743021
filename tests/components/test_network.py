"""Network: subnets in fixed slots, NAT modes, flow logs, S3 and interface endpoints, transforms."""

from __future__ import annotations

import base64
import ipaddress
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from tierup.components.network import (
    INTERFACE_ENDPOINT_SERVICES,
    NAT_INSTANCE_AMI_PARAMETER,
    Network,
    NetworkArgs,
)

from tierup.engine.evaluation import Evaluation, ResourceRecord
from tierup.engine.mocks import AwsMocks
from tierup.engine.runtime import evaluate_inline

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
INSTANCE = "aws:ec2/instance:Instance"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
#: What the tiers call at boot and at run time (ECR, logs, secrets, SSM agent, SQS, metrics, ASG hooks...).
TIER_SERVICES = [
    "ecr.api",
    "ecr.dkr",
    "logs",
    "secretsmanager",
    "ssm",
    "ssmmessages",
    "ec2messages",
    "sqs",
    "monitoring",
    "autoscaling",
    "kms",
    "sts",
]


def evaluate(args: NetworkArgs, name: str = "net") -> Evaluation:
    def program() -> None:
        net = Network(name, args)
        pulumi.export("vpcId", net.vpc_id)
        pulumi.export("publicSubnetIds", net.public_subnet_ids)
        pulumi.export("privateSubnetIds", net.private_subnet_ids)
        pulumi.export("azs", net.azs)
        pulumi.export("cidrBlock", net.cidr_block)
        pulumi.export("interfaceEndpointIds", {svc: ep.id for svc, ep in net.interface_endpoints.items()})
        pulumi.export(
            "endpointSecurityGroupId", net.endpoint_security_group and net.endpoint_security_group.id
        )

    return evaluate_inline(program, project="t", stack="prod", config={"aws:region": "us-east-1"})


@pytest.fixture(scope="module")
def single() -> Evaluation:
    return evaluate(NetworkArgs())


@pytest.fixture(scope="module")
def single_three_azs() -> Evaluation:
    return evaluate(NetworkArgs(az_count=3))


@pytest.fixture(scope="module")
def per_az() -> Evaluation:
    return evaluate(NetworkArgs(cidr="10.20.0.0/16", az_count=3, nat="per-az", flow_logs=True))


@pytest.fixture(scope="module")
def nat_instance() -> Evaluation:
    return evaluate(NetworkArgs(cidr="172.16.0.0/20", nat="instance"))


@pytest.fixture(scope="module")
def no_nat() -> Evaluation:
    return evaluate(NetworkArgs(nat="none"))


def by_id(ev: Evaluation, type_: str) -> dict[str, ResourceRecord]:
    return {r.id: r for r in ev.find(type=type_)}


def private_default_routes(ev: Evaluation) -> dict[int, ResourceRecord]:
    """AZ index → the 0.0.0.0/0 route of that AZ's private route table."""
    tables = {r.id: int(r.name.rsplit("-", 1)[1]) for r in ev.find(type=ROUTE_TABLE) if "-private-" in r.name}
    return {
        tables[r.inputs["routeTableId"]]: r
        for r in ev.find(type=ROUTE)
        if r.inputs["routeTableId"] in tables and r.inputs.get("destinationCidrBlock") == "0.0.0.0/0"
    }


def interface_endpoints(ev: Evaluation) -> dict[str, ResourceRecord]:
    """Service suffix (``ecr.api``) → that service's interface endpoint."""
    return {
        r.inputs["serviceName"].split(".", 3)[3]: r
        for r in ev.find(type=ENDPOINT)
        if r.inputs["vpcEndpointType"] == "Interface"
    }


def private_subnet_ids(ev: Evaluation) -> list[str]:
    return [r.id for r in ev.find(type=SUBNET) if "-private-" in r.name]


def subnet_az(ev: Evaluation, subnet_id: str) -> str:
    return by_id(ev, SUBNET)[subnet_id].inputs["availabilityZone"]


# ---- VPC and subnets ------------------------------------------------------------------------


def test_vpc_has_dns_support_and_hostnames(single: Evaluation) -> None:
    vpc = single.one(type="aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.0.0.0/16"
    assert vpc.inputs["enableDnsSupport"] is True
    assert vpc.inputs["enableDnsHostnames"] is True
    assert vpc.urn == "urn:pulumi:prod::t::tierup:network:Network$aws:ec2/vpc:Vpc::net-vpc"


def test_every_child_is_parented_to_the_component(per_az: Evaluation) -> None:
    component = per_az.one(type="tierup:network:Network")
    children = [r for r in per_az.custom_resources()]
    assert children and all(r.parent == component.urn for r in children)


def test_public_and_private_subnet_per_az_in_fixed_slots(single: Evaluation) -> None:
    subnets = {
        r.name: (r.inputs["cidrBlock"], r.inputs["availabilityZone"]) for r in single.find(type=SUBNET)
    }
    assert subnets == {
        "net-public-0": ("10.0.0.0/20", "us-east-1a"),
        "net-public-1": ("10.0.16.0/20", "us-east-1b"),
        "net-private-0": ("10.0.128.0/20", "us-east-1a"),
        "net-private-1": ("10.0.144.0/20", "us-east-1b"),
    }
    assert single.outputs["azs"] == ["us-east-1a", "us-east-1b"]
    assert single.outputs["cidrBlock"] == "10.0.0.0/16"


def test_private_subnets_do_not_map_public_ips(single: Evaluation) -> None:
    assert all(r.inputs["mapPublicIpOnLaunch"] is False for r in single.find(type=SUBNET))


def test_raising_az_count_keeps_every_existing_subnet(
    single: Evaluation, single_three_azs: Evaluation
) -> None:
    def layout(ev: Evaluation) -> dict[str, tuple[str, str]]:
        return {r.urn: (r.inputs["cidrBlock"], r.inputs["availabilityZone"]) for r in ev.find(type=SUBNET)}

    before, after = layout(single), layout(single_three_azs)
    assert len(after) == 6
    assert {urn: after[urn] for urn in before} == before
    # the route tables and their associations keep their names too
    tables = {r.urn for r in single.find(type=ROUTE_TABLE)} | {r.urn for r in single.find(type=ASSOCIATION)}
    assert tables <= {r.urn for r in single_three_azs.resources}


def test_subnet_ids_output_follows_az_index(single: Evaluation) -> None:
    ids = {r.name: r.id for r in single.find(type=SUBNET)}
    assert single.outputs["publicSubnetIds"] == [ids["net-public-0"], ids["net-public-1"]]
    assert single.outputs["privateSubnetIds"] == [ids["net-private-0"], ids["net-private-1"]]


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "10.1.0.0/20", "192.168.7.0/24"])
def test_slots_fit_inside_the_vpc_without_overlap_for_16_to_24(cidr: str) -> None:
    ev = evaluate(NetworkArgs(cidr=cidr, az_count=6, nat="none"))
    vpc = ipaddress.ip_network(cidr)
    nets = [ipaddress.ip_network(r.inputs["cidrBlock"]) for r in ev.find(type=SUBNET)]
    assert len(nets) == 12
    assert all(n.subnet_of(vpc) and n.prefixlen == vpc.prefixlen + 4 for n in nets)
    assert all(not a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (NetworkArgs(cidr="10.0.0.0/8"), "/16 to a /24"),
        (NetworkArgs(cidr="10.0.0.0/28"), "/16 to a /24"),
        (NetworkArgs(cidr="10.0.0.1/16"), "not an IPv4 network"),
        (NetworkArgs(az_count=0), "az_count"),
        (NetworkArgs(az_count=9), "az_count"),
        (NetworkArgs(nat="gateway"), "nat 'gateway'"),  # type: ignore[arg-type]
        (NetworkArgs(interface_endpoints=["com.amazonaws.us-east-1.ssm"]), "not a service suffix"),
        (NetworkArgs(interface_endpoints=["ECR.API"]), "not a service suffix"),
        (NetworkArgs(interface_endpoints=["ssm", ""]), "not a service suffix"),
        (NetworkArgs(interface_endpoints=[None]), "not a service suffix"),  # type: ignore[list-item]
        (NetworkArgs(interface_endpoints=["s3"]), "S3 gateway endpoint"),
        (NetworkArgs(interface_endpoints=["ssm", "sqs", "ssm"]), "lists ssm more than once"),
        (NetworkArgs(interface_endpoints="ssm"), "must be a list"),  # type: ignore[arg-type]
    ],
)
def test_invalid_args_raise_early(args: NetworkArgs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate(args)


def test_more_azs_than_the_region_has_is_an_error() -> None:
    with pytest.raises(ValueError, match="exceeds the 2 availability zones"):
        evaluate(NetworkArgs(az_count=3, availability_zones=["us-east-1a", "us-east-1b"]))


def test_pinned_availability_zones_are_used() -> None:
    ev = evaluate(NetworkArgs(availability_zones=["us-east-1c", "us-east-1f"], nat="none"))
    assert ev.one(type=SUBNET, name="net-private-1").inputs["availabilityZone"] == "us-east-1f"


# ---- internet and NAT routing ---------------------------------------------------------------


def test_public_subnets_route_to_the_internet_gateway(single: Evaluation) -> None:
    igw = single.one(type="aws:ec2/internetGateway:InternetGateway")
    public_table = single.one(type=ROUTE_TABLE, name="net-public")
    route = single.one(type=ROUTE, name="net-public-internet")
    assert route.inputs["gatewayId"] == igw.id
    assert route.inputs["routeTableId"] == public_table.id
    associated = {
        r.inputs["subnetId"]
        for r in single.find(type=ASSOCIATION)
        if r.inputs["routeTableId"] == public_table.id
    }
    assert associated == {r.id for r in single.find(type=SUBNET) if "-public-" in r.name}


def test_each_private_subnet_has_its_own_route_table(per_az: Evaluation) -> None:
    tables = {r.id: r.name for r in per_az.find(type=ROUTE_TABLE)}
    for subnet in per_az.find(type=SUBNET):
        if "-private-" not in subnet.name:
            continue
        (assoc,) = [r for r in per_az.find(type=ASSOCIATION) if r.inputs["subnetId"] == subnet.id]
        assert tables[assoc.inputs["routeTableId"]] == subnet.name


def test_per_az_nat_routes_each_private_table_to_its_own_az(per_az: Evaluation) -> None:
    nats = by_id(per_az, NAT)
    assert len(nats) == 3 and len(per_az.find(type=EIP)) == 3
    routes = private_default_routes(per_az)
    assert sorted(routes) == [0, 1, 2]
    azs = ["us-east-1a", "us-east-1b", "us-east-1c"]
    for index, route in routes.items():
        nat = nats[route.inputs["natGatewayId"]]
        assert subnet_az(per_az, nat.inputs["subnetId"]) == azs[index]
        assert by_id(per_az, SUBNET)[nat.inputs["subnetId"]].name == f"net-public-{index}"
    eips = {r.id for r in per_az.find(type=EIP)}
    assert {n.inputs["allocationId"] for n in nats.values()} == eips


def test_nat_gateways_wait_for_the_internet_gateway(per_az: Evaluation) -> None:
    igw = per_az.one(type="aws:ec2/internetGateway:InternetGateway")
    assert all(igw.urn in n.dependencies for n in per_az.find(type=NAT))


def test_single_nat_lives_in_az_0_and_serves_every_private_table(single_three_azs: Evaluation) -> None:
    (nat,) = single_three_azs.find(type=NAT)
    assert subnet_az(single_three_azs, nat.inputs["subnetId"]) == "us-east-1a"
    routes = private_default_routes(single_three_azs)
    assert sorted(routes) == [0, 1, 2]
    assert {r.inputs["natGatewayId"] for r in routes.values()} == {nat.id}


def test_nat_instance_is_a_hardened_arm_nano(nat_instance: Evaluation) -> None:
    (instance,) = nat_instance.find(type=INSTANCE)
    i = instance.inputs
    assert i["instanceType"] == "t4g.nano"
    assert i["sourceDestCheck"] is False
    assert i["metadataOptions"]["httpTokens"] == "required"
    assert i["rootBlockDevice"]["encrypted"] is True
    assert i["associatePublicIpAddress"] is True
    assert subnet_az(nat_instance, i["subnetId"]) == "us-east-1a"
    assert "ami" in instance.ignore_changes
    assert not nat_instance.find(type=NAT) and not nat_instance.find(type=EIP)


def test_nat_instance_ami_comes_from_the_al2023_arm64_ssm_parameter(nat_instance: Evaluation) -> None:
    assert "arm64" in NAT_INSTANCE_AMI_PARAMETER and "al2023" in NAT_INSTANCE_AMI_PARAMETER
    expected = _ssm_parameter_value(NAT_INSTANCE_AMI_PARAMETER)
    assert nat_instance.one(type=INSTANCE).inputs["ami"] == expected


def _ssm_parameter_value(name: str) -> str:
    from pulumi.runtime.mocks import MockCallArgs

    answer = AwsMocks(region="us-east-1").call(
        MockCallArgs(token="aws:ssm/getParameter:getParameter", args={"name": name}, provider="")
    )
    return answer["insecureValue"]


def test_nat_instance_user_data_forwards_and_masquerades(nat_instance: Evaluation) -> None:
    user_data = nat_instance.one(type=INSTANCE).inputs["userData"]
    assert "net.ipv4.ip_forward = 1" in user_data
    assert "MASQUERADE" in user_data and "172.16.0.0/20" in user_data


def test_nat_instance_security_group_admits_only_the_vpc(nat_instance: Evaluation) -> None:
    group = nat_instance.one(type="aws:ec2/securityGroup:SecurityGroup", name="net-nat")
    assert nat_instance.one(type=INSTANCE).inputs["vpcSecurityGroupIds"] == [group.id]
    ingress = nat_instance.find(type="aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert [(r.inputs["securityGroupId"], r.inputs["cidrIpv4"]) for r in ingress] == [
        (group.id, "172.16.0.0/20")
    ]
    assert "ingress" not in group.inputs


def test_nat_instance_routes_private_tables_to_its_network_interface(nat_instance: Evaluation) -> None:
    eni = nat_instance.one(type=INSTANCE).outputs["primaryNetworkInterfaceId"]
    routes = private_default_routes(nat_instance)
    assert sorted(routes) == [0, 1]
    assert all(r.inputs["networkInterfaceId"] == eni for r in routes.values())


def test_no_nat_means_no_default_route_in_private_subnets(no_nat: Evaluation) -> None:
    assert not no_nat.find(type=NAT) and not no_nat.find(type=EIP) and not no_nat.find(type=INSTANCE)
    assert private_default_routes(no_nat) == {}
    assert [r.name for r in no_nat.find(type=ROUTE)] == ["net-public-internet"]


# ---- flow logs and endpoint -----------------------------------------------------------------


def test_flow_logs_only_when_enabled(single: Evaluation, per_az: Evaluation) -> None:
    assert not single.find(type=FLOW_LOG)
    assert not single.find(type="aws:cloudwatch/logGroup:LogGroup")
    assert not single.find(type="aws:iam/role:Role")
    (flow_log,) = per_az.find(type=FLOW_LOG)
    group = per_az.one(type="aws:cloudwatch/logGroup:LogGroup")
    role = per_az.one(type="aws:iam/role:Role")
    assert flow_log.inputs["vpcId"] == per_az.one(type="aws:ec2/vpc:Vpc").id
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["logDestinationType"] == "cloud-watch-logs"
    assert flow_log.inputs["logDestination"] == group.outputs["arn"]
    assert flow_log.inputs["iamRoleArn"] == role.outputs["arn"]
    assert group.inputs["retentionInDays"] == 30


def test_flow_log_role_is_assumable_only_by_flow_logs_and_writes_only_its_group(per_az: Evaluation) -> None:
    trust = json.loads(per_az.one(type="aws:iam/role:Role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
    policy = json.loads(per_az.one(type="aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    group_arn = per_az.one(type="aws:cloudwatch/logGroup:LogGroup").outputs["arn"]
    allow, describe = policy["Statement"]
    assert set(allow["Resource"]) == {group_arn, f"{group_arn}:*"}
    assert "logs:PutLogEvents" in allow["Action"] and "logs:DescribeLogGroups" not in allow["Action"]
    # DescribeLogGroups has no effect on a log-group ARN: it is granted on "*", alone
    assert describe == {"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"}


def test_flow_log_retention_is_configurable() -> None:
    ev = evaluate(NetworkArgs(nat="none", flow_logs=True, flow_log_retention_days=365))
    assert ev.one(type="aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 365


def test_s3_gateway_endpoint_on_private_route_tables(per_az: Evaluation) -> None:
    endpoint = per_az.one(type="aws:ec2/vpcEndpoint:VpcEndpoint")
    assert endpoint.inputs["vpcEndpointType"] == "Gateway"
    assert endpoint.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    private_tables = [r.id for r in per_az.find(type=ROUTE_TABLE) if "-private-" in r.name]
    assert endpoint.inputs["routeTableIds"] == private_tables


def test_region_follows_the_provider() -> None:
    ev = evaluate_inline(
        lambda: Network("net", NetworkArgs(nat="none")),
        project="t",
        stack="dev",
        config={"aws:region": "eu-west-1"},
    )
    assert ev.one(type=ENDPOINT, name="net-s3").inputs["serviceName"] == "com.amazonaws.eu-west-1.s3"
    assert ev.one(type=ENDPOINT, name="net-endpoint-ecr.dkr").inputs["serviceName"] == (
        "com.amazonaws.eu-west-1.ecr.dkr"
    )
    assert ev.one(type=SUBNET, name="net-public-1").inputs["availabilityZone"] == "eu-west-1b"


# ---- interface endpoints --------------------------------------------------------------------


def test_default_services_are_what_the_tiers_call() -> None:
    assert list(INTERFACE_ENDPOINT_SERVICES) == TIER_SERVICES


def test_nat_none_creates_an_interface_endpoint_per_service_in_the_private_subnets(
    no_nat: Evaluation,
) -> None:
    endpoints = interface_endpoints(no_nat)
    assert sorted(endpoints) == sorted(TIER_SERVICES)
    vpc = no_nat.one(type="aws:ec2/vpc:Vpc")
    private = private_subnet_ids(no_nat)
    assert len(private) == 2
    for service, endpoint in endpoints.items():
        i = endpoint.inputs
        assert endpoint.name == f"net-endpoint-{service}"
        assert i["serviceName"] == f"com.amazonaws.us-east-1.{service}"
        assert i["vpcEndpointType"] == "Interface"
        assert i["vpcId"] == vpc.id
        assert i["subnetIds"] == private  # one network interface per AZ, never in a public subnet
        assert i["privateDnsEnabled"] is True
        assert "routeTableIds" not in i and "policy" not in i
    # the S3 gateway endpoint stays, for the ECR layers
    assert no_nat.one(type=ENDPOINT, name="net-s3").inputs["vpcEndpointType"] == "Gateway"


def test_interface_endpoints_attribute_maps_each_service_to_its_endpoint(no_nat: Evaluation) -> None:
    ids = {service: r.id for service, r in interface_endpoints(no_nat).items()}
    assert no_nat.outputs["interfaceEndpointIds"] == ids


def test_endpoint_security_group_admits_only_https_from_the_vpc(no_nat: Evaluation) -> None:
    group = no_nat.one(type=SG, name="net-endpoints")
    assert no_nat.outputs["endpointSecurityGroupId"] == group.id
    assert group.inputs["vpcId"] == no_nat.one(type="aws:ec2/vpc:Vpc").id
    assert "ingress" not in group.inputs and "egress" not in group.inputs
    assert all(r.inputs["securityGroupIds"] == [group.id] for r in interface_endpoints(no_nat).values())
    (rule,) = [r for r in no_nat.find(type=INGRESS) if r.inputs["securityGroupId"] == group.id]
    assert {k: rule.inputs.get(k) for k in ("ipProtocol", "fromPort", "toPort", "cidrIpv4", "cidrIpv6")} == {
        "ipProtocol": "tcp",
        "fromPort": 443,
        "toPort": 443,
        "cidrIpv4": "10.0.0.0/16",
        "cidrIpv6": None,
    }
    assert "referencedSecurityGroupId" not in rule.inputs and "prefixListId" not in rule.inputs
    assert not no_nat.find(type=EGRESS)
    assert not no_nat.find(type="aws:ec2/securityGroupRule:SecurityGroupRule")


def test_endpoint_ingress_follows_the_vpc_cidr() -> None:
    ev = evaluate(NetworkArgs(cidr="172.16.0.0/20", nat="none"))
    (rule,) = ev.find(type=INGRESS)
    assert rule.inputs["cidrIpv4"] == "172.16.0.0/20"


def test_other_nat_modes_create_no_interface_endpoints_by_default(
    single: Evaluation, per_az: Evaluation, nat_instance: Evaluation
) -> None:
    for ev in (single, per_az, nat_instance):
        assert [r.name for r in ev.find(type=ENDPOINT)] == ["net-s3"]
        assert not ev.find(type=SG, name="net-endpoints")
        assert ev.outputs["interfaceEndpointIds"] == {}
        assert ev.outputs.get("endpointSecurityGroupId") is None


def test_an_explicit_list_creates_exactly_those_endpoints_in_any_mode() -> None:
    ev = evaluate(
        NetworkArgs(nat="single", az_count=3, interface_endpoints=["ssm", "ssmmessages", "ec2messages"])
    )
    endpoints = interface_endpoints(ev)
    assert sorted(ev.outputs["interfaceEndpointIds"]) == ["ec2messages", "ssm", "ssmmessages"]
    assert sorted(endpoints) == ["ec2messages", "ssm", "ssmmessages"]
    assert all(r.inputs["subnetIds"] == private_subnet_ids(ev) for r in endpoints.values())
    assert all(len(r.inputs["subnetIds"]) == 3 for r in endpoints.values())
    assert len(ev.find(type=SG, name="net-endpoints")) == 1
    assert len(ev.find(type=NAT)) == 1  # the NAT is still there


def test_an_empty_list_turns_the_endpoints_off_even_without_nat() -> None:
    ev = evaluate(NetworkArgs(nat="none", interface_endpoints=[]))
    assert [r.name for r in ev.find(type=ENDPOINT)] == ["net-s3"]
    assert not ev.find(type=SG) and not ev.find(type=INGRESS)


def test_adding_endpoints_renames_nothing(single: Evaluation, no_nat: Evaluation) -> None:
    with_endpoints = evaluate(NetworkArgs(interface_endpoints=["ssm", "sqs"]))
    assert {r.urn for r in single.resources} <= {r.urn for r in with_endpoints.resources}
    # a longer list keeps the shorter list's endpoints (named by service, not by position)
    trimmed = evaluate(NetworkArgs(nat="none", interface_endpoints=["sqs", "ssm"]))
    assert {r.urn for r in trimmed.resources} <= {r.urn for r in no_nat.resources}


def test_raising_az_count_adds_a_network_interface_to_the_same_endpoints(no_nat: Evaluation) -> None:
    three = evaluate(NetworkArgs(nat="none", az_count=3))
    before, after = interface_endpoints(no_nat), interface_endpoints(three)
    assert {r.urn for r in before.values()} == {r.urn for r in after.values()}
    assert all(r.inputs["subnetIds"] == private_subnet_ids(three) for r in after.values())
    assert all(len(r.inputs["subnetIds"]) == 3 for r in after.values())


# ---- transforms -----------------------------------------------------------------------------


def test_transform_dict_is_merged_and_callable_edits_args() -> None:
    def team_tag(args: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        args["tags"] = {**args["tags"], "team": "edge"}

    transform: dict[str, Any] = {
        "vpc": {"tags": {"cost-center": "42"}, "enable_network_address_usage_metrics": True},
        "private_subnet": team_tag,
    }
    ev = evaluate(NetworkArgs(nat="none", transform=transform))
    vpc = ev.one(type="aws:ec2/vpc:Vpc").inputs
    assert vpc["tags"] == {"Name": "net-vpc", "managed-by": "tierup", "cost-center": "42"}
    assert vpc["enableNetworkAddressUsageMetrics"] is True and vpc["enableDnsSupport"] is True
    for subnet in ev.find(type=SUBNET):
        assert (subnet.inputs["tags"].get("team") == "edge") == ("-private-" in subnet.name)


def test_unknown_transform_key_raises_naming_the_valid_keys() -> None:
    bad: dict[str, Callable[..., Any] | dict[str, Any]] = {"subnets": {"tags": {}}}
    with pytest.raises(ValueError, match=r"unknown transform key\(s\) subnets; valid keys: .*private_subnet"):
        evaluate(NetworkArgs(transform=bad))


def test_endpoint_children_take_transforms() -> None:
    def no_private_dns_for_sts(args: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        if args["service_name"].endswith(".sts"):
            args["private_dns_enabled"] = False

    def team_tag(args: dict[str, Any], opts: pulumi.ResourceOptions) -> dict[str, Any]:
        return {**args, "tags": {**args["tags"], "team": "edge"}}

    transform: dict[str, Any] = {
        "interface_endpoint": no_private_dns_for_sts,
        "endpoint_security_group": team_tag,
        "endpoint_ingress_rule": {"cidr_ipv4": "10.0.128.0/17", "description": "private subnets only"},
    }
    ev = evaluate(NetworkArgs(nat="none", transform=transform))
    endpoints = interface_endpoints(ev)
    assert {s for s, r in endpoints.items() if r.inputs["privateDnsEnabled"] is False} == {"sts"}
    assert ev.one(type=SG, name="net-endpoints").inputs["tags"]["team"] == "edge"
    rule = ev.one(type=INGRESS).inputs
    assert (rule["cidrIpv4"], rule["description"], rule["fromPort"]) == (
        "10.0.128.0/17",
        "private subnets only",
        443,
    )
    assert {"interface_endpoint", "endpoint_security_group", "endpoint_ingress_rule"} <= Network.TRANSFORMABLE


# ---- nat: instance-per-az -------------------------------------------------------------------------

NAT_ASG = "aws:autoscaling/group:Group"
NAT_LT = "aws:ec2/launchTemplate:LaunchTemplate"
ENI = "aws:ec2/networkInterface:NetworkInterface"


@pytest.fixture(scope="module")
def nat_per_az_instances() -> Evaluation:
    return evaluate(NetworkArgs(nat="instance-per-az", az_count=3))


def analyze(ev: Evaluation) -> list[Any]:
    """The built-in pack's violations over the real analyzer protocol (as ``tierup check`` runs it)."""
    from tierup.check import builtin_pack_dir
    from tierup.policy_runner import PolicyPack

    pack = PolicyPack(builtin_pack_dir(), project=ev.project, stack=ev.stack, config={}, secret_keys=[])
    try:
        pack.configure(None)
        return pack.analyze(ev)
    finally:
        pack.close()


def test_instance_per_az_runs_one_nat_instance_per_az_in_a_group_of_one(
    nat_per_az_instances: Evaluation,
) -> None:
    ev = nat_per_az_instances
    groups = ev.find(type=NAT_ASG)
    public = [r for r in ev.find(type=SUBNET) if "-public-" in r.name]
    assert len(groups) == 3 and ev.find(type=NAT) == [] and ev.find(type=INSTANCE) == []
    for i, group in enumerate(sorted(groups, key=lambda g: g.name)):
        inputs = group.inputs
        assert (inputs["minSize"], inputs["maxSize"], inputs["desiredCapacity"]) == (1, 1, 1)
        assert inputs["vpcZoneIdentifiers"] == [public[i].id]
        assert inputs["healthCheckType"] == "EC2" and inputs["healthCheckGracePeriod"] > 0
    for template in ev.find(type=NAT_LT):
        assert template.inputs["instanceType"] == "t4g.nano"
        assert template.inputs["metadataOptions"]["httpTokens"] == "required"
        assert template.inputs["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"
        assert template.ignore_changes == ["imageId"]


def test_each_az_routes_through_its_own_nat_and_the_instance_takes_the_route_over(
    nat_per_az_instances: Evaluation,
) -> None:
    ev = nat_per_az_instances
    tables = {r.name: r for r in ev.find(type=ROUTE_TABLE) if "-private-" in r.name}
    enis = {r.name: r for r in ev.find(type=ENI)}
    for i in range(3):
        (route,) = [r for r in ev.find(type=ROUTE) if r.name == f"net-private-{i}-nat"]
        eni = enis[f"net-nat-{i}"]
        assert route.inputs["routeTableId"] == tables[f"net-private-{i}"].id
        assert route.inputs["networkInterfaceId"] == eni.id
        assert set(route.ignore_changes) == {"networkInterfaceId", "instanceId"}
        assert eni.inputs["sourceDestCheck"] is False
        assert eni.inputs["subnetId"] == next(
            s.id for s in ev.find(type=SUBNET) if s.name == f"net-public-{i}"
        )
        group = next(g for g in ev.find(type=NAT_ASG) if g.name == f"net-nat-{i}")
        assert route.urn in group.dependencies  # the route exists before an instance replaces it
        template = next(t for t in ev.find(type=NAT_LT) if t.name == f"net-nat-{i}")
        script = base64.b64decode(template.inputs["userData"]).decode()
        table_id = tables[f"net-private-{i}"].id
        assert f"replace-route --region us-east-1 --route-table-id {table_id}" in script
        assert "--no-source-dest-check" in script and "set-instance-health" in script
        assert "MASQUERADE" in script and "retry dnf install -y iptables-services" in script


def test_each_nat_role_may_replace_routes_in_its_own_table_only(nat_per_az_instances: Evaluation) -> None:
    ev = nat_per_az_instances
    tables = {r.name: r for r in ev.find(type=ROUTE_TABLE)}
    for i in range(3):
        policy = next(p for p in ev.find(type="aws:iam/rolePolicy:RolePolicy") if p.name == f"net-nat-{i}")
        statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
        assert statements["OwnRouteTable"]["Resource"] == tables[f"net-private-{i}"].outputs["arn"]
        assert sorted(statements["OwnRouteTable"]["Action"]) == ["ec2:CreateRoute", "ec2:ReplaceRoute"]
        tag = {"aws:ResourceTag/tierup:nat": f"net-nat-{i}"}
        assert statements["OwnSourceDestCheck"]["Condition"] == {"StringEquals": tag}
        assert all(s["Resource"] != "*" for s in statements.values())


def test_instance_per_az_passes_nat_per_az_and_survives_az_loss(nat_per_az_instances: Evaluation) -> None:
    found = {v.policy for v in analyze(nat_per_az_instances)}
    # nor is a NAT group (tagged tierup:nat) taken for a single-AZ tier, a worker or a public app instance
    assert found == set()
    # the same pack does see a NAT shared across AZs
    single = {v.policy for v in analyze(evaluate(NetworkArgs(nat="instance", az_count=3)))}
    assert {"nat-per-az", "survives-az-loss"} <= single


def test_instance_per_az_docs_state_the_saving() -> None:
    from tierup.components import network

    saving = network.NAT_GATEWAY_MONTHLY_USD - network.NAT_INSTANCE_MONTHLY_USD
    assert f"${saving:.2f}/month saved per AZ" in (network.Network.__doc__ or "")
    assert f"${3 * saving:.2f} for 3 AZs" in (network.Network.__doc__ or "")
