"""Network: a VPC with public and private subnets per AZ, NAT egress, flow logs and VPC endpoints."""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import shlex
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from ._base import TierComponent, Transforms, tags
from ._context import availability_zones, aws_context

NatMode = Literal["per-az", "single", "instance", "instance-per-az", "none"]
NAT_MODES: tuple[str, ...] = ("per-az", "single", "instance", "instance-per-az", "none")

#: The VPC is cut into this many equal slots; public subnet of AZ i = slot i, private = slot 8 + i.
SUBNET_SLOTS = 16
PRIVATE_SLOT_OFFSET = 8
#: The arm64 Amazon Linux 2023 AMI, as AWS publishes it in public SSM parameters.
NAT_INSTANCE_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
NAT_INSTANCE_TYPE = "t4g.nano"
#: Monthly prices (us-east-1, on demand) behind the ``instance-per-az`` saving in the docs.
NAT_GATEWAY_MONTHLY_USD = 32.85  # $0.045/hour, plus $0.045 per GB processed
NAT_INSTANCE_MONTHLY_USD = 7.36  # t4g.nano $3.07 + public IPv4 $3.65 + 8 GB gp3 $0.64; no per-GB processing
#: Seconds a NAT instance is given to boot before EC2 status checks may replace it.
NAT_HEALTH_CHECK_GRACE_SECONDS = 120
#: The tag that names a NAT instance's AZ slot; its role may change only instances carrying it.
NAT_TAG = "tierup:nat"
#: The AWS APIs tierup instances call at boot and at run time: ECR login and pull (the layers come from S3,
#: through the gateway endpoint), CloudWatch Logs (the awslogs driver), Secrets Manager and SSM (secrets,
#: the SSM agent and Session Manager), SQS (workers), CloudWatch metrics, the Auto Scaling API (the
#: worker's lifecycle-hook completion), KMS (secrets under a customer managed key) and STS.
INTERFACE_ENDPOINT_SERVICES: tuple[str, ...] = (
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
)
#: What one interface endpoint costs per AZ per month (us-east-1: $0.01 per AZ-hour), before data.
INTERFACE_ENDPOINT_MONTHLY_USD_PER_AZ = 7.30
_SERVICE_SUFFIX = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")


@dataclass
class NetworkArgs:
    """Arguments of :class:`Network`."""

    cidr: str = "10.0.0.0/16"
    """IPv4 CIDR of the VPC, a /16 to a /24 (default ``10.0.0.0/16``). Cut into 16 fixed slots."""

    az_count: int = 2
    """Number of Availability Zones (1 to 8, default 2); raising it later adds subnets, never renumbers."""

    nat: NatMode = "single"
    """Private egress: ``per-az`` (a NAT gateway in each AZ), ``single`` (default: one gateway in AZ 0),
    ``instance`` (one t4g.nano NAT instance, for dev), ``instance-per-az`` (a t4g.nano NAT instance per AZ,
    each in an Auto Scaling group of one that replaces it when it fails; the cheap production choice) or
    ``none`` (no internet from private subnets)."""

    flow_logs: bool = False
    """Send VPC flow logs (all traffic) to a CloudWatch log group (default off)."""

    flow_log_retention_days: int = 30
    """Days the flow-log group keeps events (default 30)."""

    interface_endpoints: list[str] | None = None
    """Interface VPC endpoints to create in the private subnets, as service suffixes (``"ecr.api"`` for
    ``com.amazonaws.<region>.ecr.api``). Default: :data:`INTERFACE_ENDPOINT_SERVICES` (12 services) when
    ``nat`` is ``none``, none otherwise; ``[]`` creates none even with ``nat="none"``. Each costs about
    $7.30/month per AZ plus $0.01/GB (the default 12 in 2 AZs: about $175/month)."""

    availability_zones: list[str] | None = None
    """Pin the AZ names (default: the region's first ``az_count`` available AZs); pinning keeps the
    subnets in place even if AWS later reports one AZ as unavailable."""

    transform: Transforms | None = None
    """Adjust any child's args, keyed by the names in :attr:`Network.TRANSFORMABLE` (default none)."""


class Network(TierComponent):
    """A VPC with a public and a private subnet in each AZ, the way production tiers need it.

    Public subnets route to an internet gateway; private subnets reach the internet through NAT
    (per ``nat``) and S3 through a free gateway endpoint. With ``nat="none"`` they have no internet
    route, so the AWS APIs the instances call (ECR, CloudWatch Logs and metrics, Secrets Manager, SSM,
    SQS, Auto Scaling, KMS, STS: :data:`INTERFACE_ENDPOINT_SERVICES`) are reached through interface
    endpoints in the private subnets (one network interface per AZ, private DNS on, so the usual
    hostnames resolve to them), behind one security group admitting 443/tcp from the VPC CIDR only.
    ``interface_endpoints`` trims that list, or asks for endpoints in the other modes too.

    Subnet CIDRs come from fixed slots per AZ index (public AZ *i* = slot *i*, private AZ *i* = slot
    8 + *i* of 16 equal slots), and child names carry the AZ index (endpoints carry their service), so
    raising ``az_count`` only adds subnets and adding an endpoint renames nothing::

        network = Network("net", NetworkArgs(cidr="10.20.0.0/16", az_count=3, nat="per-az", flow_logs=True))
        pulumi.export("vpc_id", network.vpc_id)
        app = AppTier("app", AppTierArgs(network=network, ...))

    **Cost**: the VPC, subnets, route tables, internet gateway and S3 endpoint are free. A NAT gateway
    costs about $33/month each plus $0.045/GB processed (``per-az``: one per AZ; ``single``: one);
    a NAT instance (``instance``) about $3/month for the t4g.nano plus $3.65/month for its public IPv4
    address. ``instance-per-az`` keeps every AZ's egress independent for about $7.36/month per AZ (t4g.nano
    $3.07 + IPv4 $3.65 + 8 GB gp3 $0.64) against $32.85 for a NAT gateway: **$25.49/month saved per AZ**
    ($76.47 for 3 AZs) plus the gateway's $0.045 per GB processed (another $45 per TB). The price is
    throughput (a t4g.nano bursts to 5 Gbit/s, sustained far less) and a minute or two without egress in
    an AZ while its Auto Scaling group replaces a failed instance. Flow logs cost CloudWatch ingestion ($0.50/GB) and storage. Interface endpoints cost about
    $7.30/month each per AZ plus $0.01/GB processed: ``nat="none"``'s 12 services in 2 AZs come to about
    $175/month (3 AZs: about $263), more than a single NAT gateway. That is still the price of private
    egress to AWS without a NAT: pick ``none`` to have no internet route, not to save money, and list only
    the services your tiers call in ``interface_endpoints``.
    """

    TRANSFORMABLE = frozenset(
        {
            "vpc",
            "internet_gateway",
            "public_subnet",
            "private_subnet",
            "public_route_table",
            "private_route_table",
            "route",
            "route_table_association",
            "nat_eip",
            "nat_gateway",
            "nat_instance",
            "nat_role",
            "nat_role_policy",
            "nat_instance_profile",
            "nat_launch_template",
            "nat_auto_scaling_group",
            "nat_standby_interface",
            "nat_security_group",
            "nat_security_group_rule",
            "flow_log_group",
            "flow_log_role",
            "flow_log_role_policy",
            "flow_log",
            "s3_endpoint",
            "interface_endpoint",
            "endpoint_security_group",
            "endpoint_ingress_rule",
        }
    )

    vpc: aws.ec2.Vpc
    vpc_id: pulumi.Output[str]
    cidr_block: str
    azs: list[str]
    public_subnets: list[aws.ec2.Subnet]
    private_subnets: list[aws.ec2.Subnet]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    public_route_table: aws.ec2.RouteTable
    private_route_tables: list[aws.ec2.RouteTable]
    internet_gateway: aws.ec2.InternetGateway
    nat_gateways: list[aws.ec2.NatGateway]
    nat_instance: aws.ec2.Instance | None
    nat_groups: list[aws.autoscaling.Group]
    egress_dependencies: list[pulumi.Resource]
    flow_log: aws.ec2.FlowLog | None
    s3_endpoint: aws.ec2.VpcEndpoint
    endpoint_security_group: aws.ec2.SecurityGroup | None
    interface_endpoints: dict[str, aws.ec2.VpcEndpoint]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        self._validate(args)
        super().__init__("tierup:network:Network", name, args.transform, opts)
        self._args = args
        self.cidr_block = args.cidr
        self.nat = args.nat
        self.azs = self._pick_azs()
        self._create_vpc()
        self._create_internet_gateway()
        self._create_subnets()
        self._create_public_routing()
        self._create_private_route_tables()
        self._create_nat()
        self._create_flow_logs()
        self._create_s3_endpoint()
        self._create_interface_endpoints()
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in self.public_subnets])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in self.private_subnets])
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "cidrBlock": self.cidr_block,
                "azs": self.azs,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "natGatewayIds": [n.id for n in self.nat_gateways],
                "natInstanceId": self.nat_instance.id if self.nat_instance else None,
                "interfaceEndpointIds": {svc: ep.id for svc, ep in self.interface_endpoints.items()},
            }
        )

    # ---- steps ---------------------------------------------------------------------------

    @staticmethod
    def _validate(args: NetworkArgs) -> None:
        try:
            net = ipaddress.IPv4Network(args.cidr)
        except ValueError as exc:
            raise ValueError(f"Network cidr '{args.cidr}' is not an IPv4 network CIDR: {exc}") from exc
        if not 16 <= net.prefixlen <= 24:
            raise ValueError(f"Network cidr '{args.cidr}' must be a /16 to a /24 (got /{net.prefixlen})")
        if not 1 <= args.az_count <= PRIVATE_SLOT_OFFSET:
            raise ValueError(f"Network az_count must be 1 to {PRIVATE_SLOT_OFFSET} (got {args.az_count})")
        if args.nat not in NAT_MODES:
            raise ValueError(f"Network nat '{args.nat}' is not one of {', '.join(NAT_MODES)}")
        if args.interface_endpoints is not None:
            Network._validate_endpoint_services(args.interface_endpoints)

    @staticmethod
    def _validate_endpoint_services(services: list[str]) -> None:
        if isinstance(services, str):
            raise ValueError(
                f"Network interface_endpoints must be a list of services (got the string '{services}')"
            )
        for service in services:
            suffix = isinstance(service, str) and not service.startswith("com.amazonaws.")
            if not suffix or not _SERVICE_SUFFIX.match(service):
                raise ValueError(
                    f"Network interface_endpoints: '{service}' is not a service suffix such as 'ecr.api'"
                    " (the part after com.amazonaws.<region>.)"
                )
            if service == "s3":
                raise ValueError(
                    "Network interface_endpoints: 's3' is already served by the free S3 gateway endpoint"
                )
        repeated = sorted({s for s in services if services.count(s) > 1})
        if repeated:
            raise ValueError(f"Network interface_endpoints lists {', '.join(repeated)} more than once")

    def _pick_azs(self) -> list[str]:
        names = self._args.availability_zones
        if names is None:
            names = availability_zones(
                self,
                state="available",
                filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            )
        if len(names) < self._args.az_count:
            raise ValueError(
                f"Network '{self._name}': az_count {self._args.az_count} exceeds the {len(names)} "
                f"availability zones available ({', '.join(names)})"
            )
        return list(names[: self._args.az_count])

    def subnet_cidr(self, slot: int) -> str:
        """The CIDR of fixed slot ``slot`` (0 to 15) of the VPC."""
        net = ipaddress.IPv4Network(self.cidr_block)
        size = net.num_addresses // SUBNET_SLOTS
        return str(ipaddress.IPv4Network((int(net.network_address) + slot * size, net.prefixlen + 4)))

    def _create_vpc(self) -> None:
        self.vpc = self.child(
            "vpc",
            aws.ec2.Vpc,
            f"{self._name}-vpc",
            {
                "cidr_block": self.cidr_block,
                "enable_dns_support": True,
                "enable_dns_hostnames": True,
                "tags": tags(f"{self._name}-vpc"),
            },
        )
        self.vpc_id = self.vpc.id

    def _create_internet_gateway(self) -> None:
        self.internet_gateway = self.child(
            "internet_gateway",
            aws.ec2.InternetGateway,
            f"{self._name}-igw",
            {"vpc_id": self.vpc_id, "tags": tags(f"{self._name}-igw")},
        )

    def _create_subnets(self) -> None:
        self.public_subnets = []
        self.private_subnets = []
        for i, az in enumerate(self.azs):
            for tier, slot, subnets in (
                ("public", i, self.public_subnets),
                ("private", PRIVATE_SLOT_OFFSET + i, self.private_subnets),
            ):
                subnet_name = f"{self._name}-{tier}-{i}"
                subnets.append(
                    self.child(
                        f"{tier}_subnet",
                        aws.ec2.Subnet,
                        subnet_name,
                        {
                            "vpc_id": self.vpc_id,
                            "cidr_block": self.subnet_cidr(slot),
                            "availability_zone": az,
                            "map_public_ip_on_launch": False,
                            "tags": tags(subnet_name, {"tierup:tier": tier}),
                        },
                    )
                )

    def _create_public_routing(self) -> None:
        self.public_route_table = self.child(
            "public_route_table",
            aws.ec2.RouteTable,
            f"{self._name}-public",
            {"vpc_id": self.vpc_id, "tags": tags(f"{self._name}-public")},
        )
        self.child(
            "route",
            aws.ec2.Route,
            f"{self._name}-public-internet",
            {
                "route_table_id": self.public_route_table.id,
                "destination_cidr_block": "0.0.0.0/0",
                "gateway_id": self.internet_gateway.id,
            },
        )
        for i, subnet in enumerate(self.public_subnets):
            self.child(
                "route_table_association",
                aws.ec2.RouteTableAssociation,
                f"{self._name}-public-{i}",
                {"subnet_id": subnet.id, "route_table_id": self.public_route_table.id},
            )

    def _create_private_route_tables(self) -> None:
        """One route table per AZ whatever the NAT mode, so switching modes never replaces them."""
        self.private_route_tables = []
        for i, subnet in enumerate(self.private_subnets):
            table = self.child(
                "private_route_table",
                aws.ec2.RouteTable,
                f"{self._name}-private-{i}",
                {"vpc_id": self.vpc_id, "tags": tags(f"{self._name}-private-{i}")},
            )
            self.child(
                "route_table_association",
                aws.ec2.RouteTableAssociation,
                f"{self._name}-private-{i}",
                {"subnet_id": subnet.id, "route_table_id": table.id},
            )
            self.private_route_tables.append(table)

    def _create_nat(self) -> None:
        self.nat_gateways = []
        self.nat_instance = None
        self.nat_groups = []
        self.egress_dependencies = []
        mode = self._args.nat
        if mode == "none":
            return
        if mode == "instance-per-az":
            self._create_nat_instances_per_az()
            return
        if mode == "instance":
            self.nat_instance = self._create_nat_instance()
            for i, table in enumerate(self.private_route_tables):
                self._private_default_route(
                    i, table, {"network_interface_id": self.nat_instance.primary_network_interface_id}
                )
            return
        gateway_azs = range(len(self.azs)) if mode == "per-az" else range(1)
        self.nat_gateways = [self._create_nat_gateway(i) for i in gateway_azs]
        for i, table in enumerate(self.private_route_tables):
            gateway = self.nat_gateways[i if mode == "per-az" else 0]
            self._private_default_route(i, table, {"nat_gateway_id": gateway.id})

    def _private_default_route(
        self,
        i: int,
        table: aws.ec2.RouteTable,
        target: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> aws.ec2.Route:
        route = self.child(
            "route",
            aws.ec2.Route,
            f"{self._name}-private-{i}-nat",
            {"route_table_id": table.id, "destination_cidr_block": "0.0.0.0/0", **target},
            opts,
        )
        self.egress_dependencies.append(route)
        return route

    def _create_nat_gateway(self, i: int) -> aws.ec2.NatGateway:
        eip = self.child(
            "nat_eip",
            aws.ec2.Eip,
            f"{self._name}-nat-{i}",
            {"domain": "vpc", "tags": tags(f"{self._name}-nat-{i}")},
        )
        return self.child(
            "nat_gateway",
            aws.ec2.NatGateway,
            f"{self._name}-nat-{i}",
            {
                "allocation_id": eip.allocation_id,
                "subnet_id": self.public_subnets[i].id,
                "connectivity_type": "public",
                "tags": tags(f"{self._name}-nat-{i}"),
            },
            pulumi.ResourceOptions(depends_on=[self.internet_gateway]),
        )

    def _create_nat_instance(self) -> aws.ec2.Instance:
        group = self._create_nat_security_group()
        ami = aws.ssm.get_parameter_output(
            name=NAT_INSTANCE_AMI_PARAMETER, opts=pulumi.InvokeOutputOptions(parent=self)
        ).insecure_value
        return self.child(
            "nat_instance",
            aws.ec2.Instance,
            f"{self._name}-nat",
            {
                "ami": ami,
                "instance_type": NAT_INSTANCE_TYPE,
                "subnet_id": self.public_subnets[0].id,
                "vpc_security_group_ids": [group.id],
                "associate_public_ip_address": True,
                "source_dest_check": False,
                "user_data": nat_instance_user_data(self.cidr_block),
                "metadata_options": {
                    "http_endpoint": "enabled",
                    "http_tokens": "required",
                    "http_put_response_hop_limit": 1,
                },
                "root_block_device": {"encrypted": True, "volume_type": "gp3"},
                "tags": tags(f"{self._name}-nat"),
            },
            # A new AL2023 AMI every few weeks must not replace the NAT (and cut egress) on each deploy;
            # roll it deliberately with `pulumi up --replace`.
            pulumi.ResourceOptions(ignore_changes=["ami"], depends_on=[self.internet_gateway]),
        )

    def _create_nat_security_group(self) -> aws.ec2.SecurityGroup:
        group = self.child(
            "nat_security_group",
            aws.ec2.SecurityGroup,
            f"{self._name}-nat",
            {
                "vpc_id": self.vpc_id,
                "description": "tierup NAT instance: forwards traffic from the VPC to the internet",
                "tags": tags(f"{self._name}-nat"),
            },
        )
        self.child(
            "nat_security_group_rule",
            aws.vpc.SecurityGroupIngressRule,
            f"{self._name}-nat-from-vpc",
            {
                "security_group_id": group.id,
                "ip_protocol": "-1",
                "cidr_ipv4": self.cidr_block,
                "description": "all traffic from inside the VPC",
            },
        )
        self.child(
            "nat_security_group_rule",
            aws.vpc.SecurityGroupEgressRule,
            f"{self._name}-nat-to-internet",
            {
                "security_group_id": group.id,
                "ip_protocol": "-1",
                "cidr_ipv4": "0.0.0.0/0",
                "description": "forwarded traffic to the internet",
            },
        )
        return group

    def _create_nat_instances_per_az(self) -> None:
        """A NAT instance per AZ, each in an Auto Scaling group of one in that AZ's public subnet.

        The AZ's private default route is created at deploy time with a standby network interface (in the
        AZ's public subnet, source/destination check off) as its first target, so the route exists before any
        instance boots and the policies can see which AZ it leaves through. Every NAT instance, at every
        boot, turns its own source/destination check off and points its AZ's route at itself with
        ``aws ec2 replace-route``, through a role that may replace routes in that route table only; Pulumi
        ignores the route's target from then on. An instance that fails EC2 status checks, or whose boot
        fails, is replaced by its group, and the replacement takes the route over.
        """
        group = self._create_nat_security_group()
        invoke = pulumi.InvokeOutputOptions(parent=self)
        ami = aws.ssm.get_parameter_output(name=NAT_INSTANCE_AMI_PARAMETER, opts=invoke).insecure_value
        where = aws_context(self)
        account, partition, region = where.account_id, where.partition, where.region
        for i, table in enumerate(self.private_route_tables):
            label = f"{self._name}-nat-{i}"
            standby = self.child(
                "nat_standby_interface",
                aws.ec2.NetworkInterface,
                label,
                {
                    "subnet_id": self.public_subnets[i].id,
                    "security_groups": [group.id],
                    "source_dest_check": False,
                    "description": f"tierup {label}: first target of the AZ's default route until a NAT boots",
                    "tags": tags(label),
                },
            )
            route = self._private_default_route(
                i,
                table,
                {"network_interface_id": standby.id},
                # the NAT instance points the route at itself at boot; a deploy never takes it back
                pulumi.ResourceOptions(ignore_changes=["networkInterfaceId", "instanceId"]),
            )
            profile = self._nat_role(label, table, account, partition, region)
            template = self.child(
                "nat_launch_template",
                aws.ec2.LaunchTemplate,
                label,
                {
                    "description": f"tierup {label}: NAT instance for AZ {self.azs[i]}",
                    "image_id": ami,
                    "instance_type": NAT_INSTANCE_TYPE,
                    "iam_instance_profile": {"arn": profile.arn},
                    "metadata_options": {
                        "http_endpoint": "enabled",
                        "http_tokens": "required",
                        "http_put_response_hop_limit": 1,
                    },
                    "block_device_mappings": [
                        {
                            "device_name": "/dev/xvda",
                            "ebs": {"volume_size": 8, "volume_type": "gp3", "encrypted": "true"},
                        }
                    ],
                    "network_interfaces": [
                        {
                            "device_index": 0,
                            "associate_public_ip_address": "true",
                            "delete_on_termination": "true",
                            "security_groups": [group.id],
                        }
                    ],
                    "user_data": pulumi.Output.all(table.id, region).apply(
                        lambda v: base64.b64encode(
                            nat_instance_user_data(self.cidr_block, route_table_id=v[0], region=v[1]).encode()
                        ).decode()
                    ),
                    "update_default_version": True,
                    "tag_specifications": [
                        {"resource_type": kind, "tags": tags(label, {NAT_TAG: label})}
                        for kind in ("instance", "volume", "network-interface")
                    ],
                    # the pack knows a NAT template and group by this tag (public IP, one AZ by design)
                    "tags": tags(label, {NAT_TAG: label}),
                },
                # a newly published AMI must not replace the NAT fleet on an unrelated deploy
                pulumi.ResourceOptions(ignore_changes=["imageId"]),
            )
            self.nat_groups.append(
                self.child(
                    "nat_auto_scaling_group",
                    aws.autoscaling.Group,
                    label,
                    {
                        "vpc_zone_identifiers": [self.public_subnets[i].id],
                        "min_size": 1,
                        "max_size": 1,
                        "desired_capacity": 1,
                        "launch_template": {"id": template.id, "version": template.latest_version.apply(str)},
                        "health_check_type": "EC2",
                        "health_check_grace_period": NAT_HEALTH_CHECK_GRACE_SECONDS,
                        # one instance: a refresh replaces it (minutes without egress in this AZ only)
                        "instance_refresh": {
                            "strategy": "Rolling",
                            "preferences": {"min_healthy_percentage": 0, "skip_matching": True},
                        },
                        "tags": [
                            {"key": k, "value": v, "propagate_at_launch": True}
                            for k, v in tags(label, {NAT_TAG: label}).items()
                        ],
                    },
                    # the route must exist before an instance replaces it
                    pulumi.ResourceOptions(depends_on=[route, self.internet_gateway]),
                )
            )
        self.egress_dependencies.extend(self.nat_groups)

    def _nat_role(
        self,
        label: str,
        table: aws.ec2.RouteTable,
        account: pulumi.Output[str],
        partition: pulumi.Output[str],
        region: pulumi.Output[str],
    ) -> aws.iam.InstanceProfile:
        """A role that may replace routes in this AZ's route table, turn off the source/destination check
        of the AZ's own NAT instances, and report them unhealthy: nothing else."""
        role = self.child(
            "nat_role",
            aws.iam.Role,
            label,
            {
                "assume_role_policy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "ec2.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                ),
                "description": f"tierup {label}: points its AZ's default route at itself",
                "tags": tags(label),
            },
        )
        own = {"StringEquals": {f"aws:ResourceTag/{NAT_TAG}": label}}
        arn = pulumi.Output.concat("arn:", partition, ":ec2:", region, ":", account)
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "OwnRouteTable",
                    "Effect": "Allow",
                    "Action": ["ec2:ReplaceRoute", "ec2:CreateRoute"],
                    "Resource": table.arn,
                },
                {
                    "Sid": "OwnSourceDestCheck",
                    "Effect": "Allow",
                    "Action": "ec2:ModifyInstanceAttribute",
                    "Resource": pulumi.Output.concat(arn, ":instance/*"),
                    "Condition": own,
                },
                {
                    "Sid": "OwnHealth",
                    "Effect": "Allow",
                    "Action": "autoscaling:SetInstanceHealth",
                    "Resource": pulumi.Output.concat(
                        "arn:",
                        partition,
                        ":autoscaling:",
                        region,
                        ":",
                        account,
                        ":autoScalingGroup:*:autoScalingGroupName/*",
                    ),
                    "Condition": {"StringEquals": {f"autoscaling:ResourceTag/{NAT_TAG}": label}},
                },
            ],
        }
        self.child(
            "nat_role_policy",
            aws.iam.RolePolicy,
            label,
            {"role": role.id, "policy": pulumi.Output.json_dumps(document)},
        )
        return self.child(
            "nat_instance_profile", aws.iam.InstanceProfile, label, {"role": role.name, "tags": tags(label)}
        )

    def _create_flow_logs(self) -> None:
        self.flow_log = None
        if not self._args.flow_logs:
            return
        where = aws_context(self)
        account, partition, region = where.account_id, where.partition, where.region
        group = self.child(
            "flow_log_group",
            aws.cloudwatch.LogGroup,
            f"{self._name}-flow-logs",
            {
                "retention_in_days": self._args.flow_log_retention_days,
                "tags": tags(f"{self._name}-flow-logs"),
            },
        )
        role = self.child(
            "flow_log_role",
            aws.iam.Role,
            f"{self._name}-flow-logs",
            {
                "assume_role_policy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                                # confused-deputy guard: only flow logs of this account may assume it
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": account},
                                    "ArnLike": {
                                        "aws:SourceArn": f"arn:{partition}:ec2:{region}:{account}:vpc-flow-log/*"
                                    },
                                },
                            }
                        ],
                    }
                ),
                "description": f"VPC flow logs of {self._name} to CloudWatch Logs",
                "tags": tags(f"{self._name}-flow-logs"),
            },
        )
        self.child(
            "flow_log_role_policy",
            aws.iam.RolePolicy,
            f"{self._name}-flow-logs",
            {
                "role": role.id,
                "policy": pulumi.Output.json_dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogStreams",
                                ],
                                "Resource": [group.arn, pulumi.Output.concat(group.arn, ":*")],
                            },
                            {
                                # a List/Describe action without resource-level permissions: only "*" works
                                "Effect": "Allow",
                                "Action": "logs:DescribeLogGroups",
                                "Resource": "*",
                            },
                        ],
                    }
                ),
            },
        )
        self.flow_log = self.child(
            "flow_log",
            aws.ec2.FlowLog,
            f"{self._name}-flow-logs",
            {
                "vpc_id": self.vpc_id,
                "traffic_type": "ALL",
                "log_destination_type": "cloud-watch-logs",
                "log_destination": group.arn,
                "iam_role_arn": role.arn,
                "tags": tags(f"{self._name}-flow-logs"),
            },
        )

    def _create_s3_endpoint(self) -> None:
        region = aws_context(self).region
        self.s3_endpoint = self.child(
            "s3_endpoint",
            aws.ec2.VpcEndpoint,
            f"{self._name}-s3",
            {
                "vpc_id": self.vpc_id,
                "service_name": f"com.amazonaws.{region}.s3",
                "vpc_endpoint_type": "Gateway",
                "route_table_ids": [t.id for t in self.private_route_tables],
                "tags": tags(f"{self._name}-s3"),
            },
        )

    def endpoint_services(self) -> list[str]:
        """The services that get an interface endpoint: the explicit list, else the defaults for ``none``."""
        chosen = self._args.interface_endpoints
        if chosen is not None:
            return list(chosen)
        return list(INTERFACE_ENDPOINT_SERVICES) if self._args.nat == "none" else []

    def _create_interface_endpoints(self) -> None:
        self.endpoint_security_group = None
        self.interface_endpoints = {}
        services = self.endpoint_services()
        if not services:
            return
        region = aws_context(self).region
        group = self.endpoint_security_group = self._create_endpoint_security_group()
        for service in services:
            self.interface_endpoints[service] = self._create_interface_endpoint(service, region, group)

    def _create_endpoint_security_group(self) -> aws.ec2.SecurityGroup:
        """HTTPS in from the VPC only; no egress rule (endpoints answer, they never initiate)."""
        group = self.child(
            "endpoint_security_group",
            aws.ec2.SecurityGroup,
            f"{self._name}-endpoints",
            {
                "vpc_id": self.vpc_id,
                "description": "tierup interface VPC endpoints: HTTPS from inside the VPC only",
                "tags": tags(f"{self._name}-endpoints"),
            },
        )
        self.child(
            "endpoint_ingress_rule",
            aws.vpc.SecurityGroupIngressRule,
            f"{self._name}-endpoints-https-from-vpc",
            {
                "security_group_id": group.id,
                "ip_protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "cidr_ipv4": self.cidr_block,
                "description": "HTTPS to the AWS APIs from inside the VPC",
                "tags": tags(f"{self._name}-endpoints-https-from-vpc"),
            },
        )
        return group

    def _create_interface_endpoint(
        self, service: str, region: str, group: aws.ec2.SecurityGroup
    ) -> aws.ec2.VpcEndpoint:
        """One endpoint, named after its service (never an index), with a network interface per AZ."""
        name = f"{self._name}-endpoint-{service}"
        return self.child(
            "interface_endpoint",
            aws.ec2.VpcEndpoint,
            name,
            {
                "vpc_id": self.vpc_id,
                "service_name": f"com.amazonaws.{region}.{service}",
                "vpc_endpoint_type": "Interface",
                "subnet_ids": [s.id for s in self.private_subnets],
                "security_group_ids": [group.id],
                "private_dns_enabled": True,
                "tags": tags(name, {"tierup:service": service}),
            },
        )


def nat_instance_user_data(
    vpc_cidr: str, *, route_table_id: str | None = None, region: str | None = None
) -> str:
    """Boot script of a NAT instance: IP forwarding on, traffic from the VPC masqueraded.

    With ``route_table_id`` (``instance-per-az``) the instance also turns its own source/destination check
    off and points that route table's default route at itself, retrying with backoff; a boot that fails
    reports the instance unhealthy so its Auto Scaling group replaces it.
    """
    lines = ["#!/bin/bash", "set -euo pipefail"]
    if route_table_id is not None and region is not None:
        q = shlex.quote
        lines += [
            'imds() { local t; t=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60");'
            ' curl -sf -H "X-aws-ec2-metadata-token: $t" "http://169.254.169.254/latest/meta-data/$1"; }',
            'retry() { local n=1 delay=2; until "$@"; do [ "$n" -ge 8 ] && return 1; sleep "$delay";'
            " n=$((n + 1)); delay=$((delay * 2 > 30 ? 30 : delay * 2)); done; }",
            "INSTANCE_ID=$(imds instance-id)",
            f'trap \'aws autoscaling set-instance-health --region {q(region)} --instance-id "$INSTANCE_ID"'
            " --health-status Unhealthy || true' ERR",
        ]
    lines += [
        'retry() { "$@"; }' if route_table_id is None else "",
        "retry dnf install -y iptables-services",
        "systemctl enable --now iptables",
        "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-tierup-nat.conf",
        "sysctl -p /etc/sysctl.d/90-tierup-nat.conf",
        "iface=$(ip route show default | awk '{print $5; exit}')",
        f'iptables -t nat -A POSTROUTING -o "$iface" -s {vpc_cidr} -j MASQUERADE',
        "iptables -F FORWARD",
        "service iptables save",
    ]
    if route_table_id is not None and region is not None:
        q = shlex.quote
        lines += [
            f'retry aws ec2 modify-instance-attribute --region {q(region)} --instance-id "$INSTANCE_ID"'
            " --no-source-dest-check",
            f"retry aws ec2 replace-route --region {q(region)} --route-table-id {q(route_table_id)}"
            ' --destination-cidr-block 0.0.0.0/0 --instance-id "$INSTANCE_ID"',
        ]
    return "\n".join(line for line in lines if line) + "\n"
