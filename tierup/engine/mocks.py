"""Mocks that answer like AWS: realistic ids, ARNs, DNS names, URLs, endpoints and autonames.

Policies and the cost/graph commands read these outputs the way they would read a real preview's,
so they must have AWS's shapes: an ALB's ``arnSuffix`` is ``app/<name>/<16 hex>``, a queue's ``url``
is ``https://sqs.<region>.amazonaws.com/<account>/<name>``, a replication group has
``memberClusters`` ``<id>-001``…, and a resource whose physical name is not set gets one the way the
provider's autonaming does (``<logical name>-<7 hex>``). Every generated value is derived from the
resource's URN, so two evaluations of the same program give the same plan.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pulumi

from . import wire

ACCOUNT_ID = "123456789012"
#: The ELB log-delivery account per region (for access-log bucket policies); AWS publishes this table.
ELB_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-central-1": "054676820928",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
}
#: Route 53 hosted zone of ALBs per region.
ALB_ZONE_IDS = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-2": "Z1H1FL5HABSF5",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-central-1": "Z215JYRZR1TBD5",
}
AZ_ID_PREFIX = {
    "us-east-1": "use1",
    "us-east-2": "use2",
    "us-west-1": "usw1",
    "us-west-2": "usw2",
    "eu-west-1": "euw1",
    "eu-central-1": "euc1",
}


def _hex(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def _type_of(urn: str) -> str:
    """The resource's own type token from an engine URN (or a ``type::name`` seed)."""
    return urn.split("::")[2].split("$")[-1] if urn.startswith("urn:") else urn.split("::")[0]


def _uuid(seed: str) -> str:
    return str(uuid.UUID(_hex(seed, 32)))


class PhysicalNames:
    """The provider's autonaming: which property names a resource, and its shape and length limit."""

    #: type token → (property, max length, lowercase)
    SPECIAL = {
        "aws:s3/bucket:Bucket": ("bucket", 63, True),
        "aws:s3/bucketV2:BucketV2": ("bucket", 63, True),
        "aws:elasticache/replicationGroup:ReplicationGroup": ("replicationGroupId", 40, True),
        "aws:elasticache/cluster:Cluster": ("clusterId", 50, True),
        "aws:lb/loadBalancer:LoadBalancer": ("name", 32, False),
        "aws:alb/loadBalancer:LoadBalancer": ("name", 32, False),
        "aws:lb/targetGroup:TargetGroup": ("name", 32, False),
        "aws:alb/targetGroup:TargetGroup": ("name", 32, False),
        "aws:iam/role:Role": ("name", 64, False),
        "aws:iam/instanceProfile:InstanceProfile": ("name", 128, False),
        "aws:elasticache/subnetGroup:SubnetGroup": ("name", 255, True),
        "aws:elasticache/parameterGroup:ParameterGroup": ("name", 255, True),
        "aws:rds/instance:Instance": ("identifier", 63, True),
        "aws:rds/cluster:Cluster": ("clusterIdentifier", 63, True),
        "aws:rds/clusterInstance:ClusterInstance": ("identifier", 63, True),
        "aws:rds/subnetGroup:SubnetGroup": ("name", 255, True),
        "aws:rds/parameterGroup:ParameterGroup": ("name", 255, True),
    }
    #: Types whose ``name`` is not a physical name the provider generates.
    NOT_AUTONAMED = {"aws:iam/rolePolicyAttachment:RolePolicyAttachment"}

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, int, bool] | None] = {}

    def rule(self, type_: str) -> tuple[str, int, bool] | None:
        if type_ not in self._cache:
            self._cache[type_] = self._lookup(type_)
        return self._cache[type_]

    def _lookup(self, type_: str) -> tuple[str, int, bool] | None:
        if type_ in self.SPECIAL:
            return self.SPECIAL[type_]
        if type_ in self.NOT_AUTONAMED or not type_.startswith("aws:"):
            return None
        cls = resource_class(type_)
        if cls is None:
            return None
        import inspect

        params = inspect.signature(cls._internal_init).parameters
        return ("name", 255, False) if "name" in params else None

    def generate(
        self, type_: str, logical_name: str, urn: str, inputs: dict[str, Any]
    ) -> tuple[str, str] | None:
        """``(property, value)`` for a resource whose physical name the provider would generate."""
        rule = self.rule(type_)
        if rule is None:
            return None
        prop, limit, lower = rule
        if inputs.get(prop) or inputs.get(f"{prop}Prefix"):
            return None
        suffix = ".fifo" if inputs.get("fifoQueue") or inputs.get("fifoTopic") else ""
        base = re.sub(r"[^A-Za-z0-9-]", "-", logical_name)
        if lower:
            base = base.lower()
        base = base[: limit - 8 - len(suffix)].rstrip("-")
        return prop, f"{base}-{_hex(urn, 7)}{suffix}"


def resource_class(type_: str) -> type | None:
    """The pulumi_aws class for a type token (``aws:ec2/vpc:Vpc`` → ``pulumi_aws.ec2.Vpc``)."""
    try:
        pkg, mod_path, cls_name = type_.split(":")
        module = mod_path.split("/")[0]
        import importlib

        mod = importlib.import_module(f"pulumi_{pkg}.{module}" if module != "index" else f"pulumi_{pkg}")
        return getattr(mod, cls_name, None)
    except (ValueError, ImportError):
        return None


class AwsMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes as AWS and the provider would, offline."""

    def __init__(self, region: str = "us-east-1", account_id: str = ACCOUNT_ID, fixtures: Any = None) -> None:
        self.region = region
        #: Answers the user keeps beside the stack (see :mod:`tierup.engine.fixtures`), or None.
        self.fixtures = fixtures
        #: Invoke token → the program's ``file:line`` that first called it (set by the runtime).
        self.invoke_sites: dict[str, str] = {}
        self.account = account_id
        self.names = PhysicalNames()
        #: The URN of the registration being answered (set by the recording monitor); seeds every id.
        self.current_urn: str | None = None
        self._ids_by_type: dict[str, int] = {}

    # ---- resources -------------------------------------------------------------------------

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if not args.custom and not args.typ.startswith("pulumi:providers:"):
            return "", {}
        urn = self.current_urn or f"{args.typ}::{args.name}"
        inputs = dict(args.inputs)
        plain = wire.plain(inputs)
        autoname = self.names.generate(args.typ, args.name, urn, plain)
        if autoname:
            inputs[autoname[0]] = plain[autoname[0]] = autoname[1]
        if args.typ.startswith("pulumi:providers:"):
            return _uuid(urn), inputs
        builder = _BUILDERS.get(args.typ.replace("aws:alb/", "aws:lb/"))
        resource_id, computed = (builder or _generic)(self, urn, args.name, plain)
        if args.resource_id:
            resource_id = args.resource_id
        # a value the provider would derive from an input that is unknown in this preview is unknown too
        computed = {k: wire.UNKNOWN if wire.mentions_unknown(v) else v for k, v in computed.items()}
        if wire.mentions_unknown(resource_id):
            resource_id = ""  # the engine reads an empty id as unknown in a preview
        return resource_id, {**inputs, **computed}

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:aws:{service}:{self.region if region else ''}:{self.account if account else ''}:{resource}"
        )

    def az_id(self, az: str | None) -> str:
        prefix = AZ_ID_PREFIX.get(self.region, self.region.replace("-", "")[:4])
        return f"{prefix}-az{ord((az or 'a')[-1]) - ord('a') + 1}"

    # ---- invokes ---------------------------------------------------------------------------

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:  # type: ignore[override]
        given = wire.plain(_unknowns_as_wire(dict(args.args)))
        answer = fixture_answer(self.fixtures, args.token, given)
        if answer is not None:
            return answer
        handler = _INVOKES.get(args.token)
        if handler is None:
            raise UnansweredInvoke(args.token, self.invoke_sites.get(args.token), self.fixtures_file)
        return handler(self, given)

    @property
    def fixtures_file(self) -> str:
        return (self.fixtures or {}).get("file") or "Pulumi.<stack>.fixtures.yaml"


class UnansweredInvoke(Exception):
    """An invoke neither the fixtures nor the built-in answers know: say where, and how to answer it."""

    def __init__(self, token: str, site: str | None, fixtures_file: str) -> None:
        super().__init__(
            f"no offline answer for the invoke '{token}': add it to {fixtures_file} "
            f"(invokes: [{{token: {token}, args: {{...}}, result: {{...}}}}]; see docs/fixtures.md)"
        )
        if site:
            self.__tierup_location__ = site


def fixture_answer(fixtures: Any, token: str, given: dict[str, Any]) -> dict[str, Any] | None:
    """The result of the first fixture for ``token`` whose ``args`` all equal the invoke's, or None."""
    for entry in (fixtures or {}).get("invokes") or []:
        if entry["token"] != token:
            continue
        if all(given.get(key) == value for key, value in (entry.get("args") or {}).items()):
            return dict(entry["result"])
    return None


def _unknowns_as_wire(value: Any) -> Any:
    from pulumi.output import Unknown

    if isinstance(value, Unknown):
        return wire.UNKNOWN
    if isinstance(value, dict):
        return {k: _unknowns_as_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknowns_as_wire(v) for v in value]
    return value


# ---- per-type outputs ------------------------------------------------------------------------

Builder = Callable[[AwsMocks, str, str, dict[str, Any]], tuple[str, dict[str, Any]]]
_BUILDERS: dict[str, Builder] = {}


def _builds(*types: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        for t in types:
            _BUILDERS[t] = fn
        return fn

    return register


_EC2_PREFIX = {
    "vpc": "vpc",
    "subnet": "subnet",
    "internetGateway": "igw",
    "natGateway": "nat",
    "routeTable": "rtb",
    "routeTableAssociation": "rtbassoc",
    "securityGroup": "sg",
    "launchTemplate": "lt",
    "instance": "i",
    "flowLog": "fl",
    "vpcEndpoint": "vpce",
    "networkAcl": "acl",
    "networkInterface": "eni",
    "securityGroupIngressRule": "sgr",
    "securityGroupEgressRule": "sgr",
    "keyPair": "key",
}


def _generic(m: AwsMocks, urn: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Any other type: an id shaped like its family's and an ARN when the class has one."""
    type_ = _type_of(urn)
    module, _, kind = type_.split(":")[1].partition("/") if ":" in type_ else ("", "", "")
    prefix = _EC2_PREFIX.get(kind)
    resource_id = f"{prefix}-0{_hex(urn, 16)}" if prefix else inputs.get("name") or f"{name}-{_hex(urn, 8)}"
    out: dict[str, Any] = {}
    cls = resource_class(type_)
    if cls is not None and hasattr(cls, "arn"):
        service = {"ec2": "ec2", "vpc": "ec2", "iam": "iam", "cloudwatch": "cloudwatch"}.get(module, module)
        resource_kind = re.sub(r"(?<!^)(?=[A-Z])", "-", kind).lower()
        out["arn"] = m.arn(service, f"{resource_kind}/{resource_id}", region=service != "iam")
    return resource_id, out


@_builds("aws:ec2/vpc:Vpc")
def _vpc(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    vid = f"vpc-0{_hex(urn, 16)}"
    return vid, {
        "arn": m.arn("ec2", f"vpc/{vid}"),
        "ownerId": m.account,
        "defaultSecurityGroupId": f"sg-0{_hex(urn + 'sg', 16)}",
        "defaultRouteTableId": f"rtb-0{_hex(urn + 'rtb', 16)}",
        "mainRouteTableId": f"rtb-0{_hex(urn + 'rtb', 16)}",
        "defaultNetworkAclId": f"acl-0{_hex(urn + 'acl', 16)}",
        "dhcpOptionsId": f"dopt-0{_hex(urn + 'dopt', 16)}",
        "enableDnsSupport": i.get("enableDnsSupport", True),
        "instanceTenancy": i.get("instanceTenancy", "default"),
    }


@_builds("aws:ec2/subnet:Subnet")
def _subnet(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    sid = f"subnet-0{_hex(urn, 16)}"
    az = i.get("availabilityZone") or f"{m.region}a"
    return sid, {
        "arn": m.arn("ec2", f"subnet/{sid}"),
        "ownerId": m.account,
        "availabilityZone": az,
        "availabilityZoneId": m.az_id(az),
        "mapPublicIpOnLaunch": i.get("mapPublicIpOnLaunch", False),
    }


@_builds("aws:ec2/eip:Eip")
def _eip(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    alloc = f"eipalloc-0{_hex(urn, 16)}"
    h = int(_hex(urn, 6), 16)
    ip = f"3.{h % 250 + 2}.{(h >> 8) % 250 + 2}.{(h >> 16) % 250 + 2}"
    return alloc, {
        "allocationId": alloc,
        "publicIp": ip,
        "publicDns": f"ec2-{ip.replace('.', '-')}.compute-1.amazonaws.com",
        "domain": i.get("domain", "vpc"),
        "arn": m.arn("ec2", f"elastic-ip/{alloc}"),
        "publicIpv4Pool": "amazon",
    }


@_builds("aws:ec2/natGateway:NatGateway")
def _nat(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return f"nat-0{_hex(urn, 16)}", {
        "networkInterfaceId": f"eni-0{_hex(urn + 'eni', 16)}",
        "privateIp": f"10.0.{int(_hex(urn, 2), 16) % 16}.{int(_hex(urn, 4)[2:], 16) % 250 + 4}",
        "connectivityType": i.get("connectivityType", "public"),
    }


@_builds("aws:ec2/instance:Instance")
def _instance(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    iid = f"i-0{_hex(urn, 16)}"
    h = int(_hex(urn, 4), 16)
    private_ip = f"10.0.{h % 16}.{(h >> 4) % 250 + 4}"
    out = {
        "arn": m.arn("ec2", f"instance/{iid}"),
        "privateIp": private_ip,
        "privateDns": f"ip-{private_ip.replace('.', '-')}.ec2.internal",
        "primaryNetworkInterfaceId": f"eni-0{_hex(urn + 'eni', 16)}",
        "instanceState": "running",
        "availabilityZone": i.get("availabilityZone") or f"{m.region}a",
    }
    if i.get("associatePublicIpAddress"):
        out["publicIp"] = f"54.{h % 250}.{(h >> 8) % 250}.{h % 200 + 10}"
    return iid, out


@_builds("aws:ec2/launchTemplate:LaunchTemplate")
def _launch_template(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    lid = f"lt-0{_hex(urn, 16)}"
    return lid, {"arn": m.arn("ec2", f"launch-template/{lid}"), "latestVersion": 1, "defaultVersion": 1}


@_builds("aws:ec2/securityGroup:SecurityGroup")
def _security_group(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    sid = f"sg-0{_hex(urn, 16)}"
    return sid, {"arn": m.arn("ec2", f"security-group/{sid}"), "ownerId": m.account}


@_builds("aws:ec2/vpcEndpoint:VpcEndpoint")
def _vpc_endpoint(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    vid = f"vpce-0{_hex(urn, 16)}"
    return vid, {
        "arn": m.arn("ec2", f"vpc-endpoint/{vid}"),
        "prefixListId": "pl-63a5400a",
        "state": "available",
    }


@_builds("aws:ec2/route:Route")
def _route(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    dest = i.get("destinationCidrBlock") or i.get("destinationIpv6CidrBlock") or "0.0.0.0/0"
    crc = int(_hex(dest, 8), 16) % 10**10
    return f"r-{i.get('routeTableId', 'rtb')}{crc}", {"origin": "CreateRoute", "state": "active"}


@_builds("aws:lb/loadBalancer:LoadBalancer")
def _alb(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kind = {"network": "net", "gateway": "gwy"}.get(i.get("loadBalancerType") or "application", "app")
    lb_name = i.get("name") or name
    suffix = f"{kind}/{lb_name}/{_hex(urn, 16)}"
    arn = m.arn("elasticloadbalancing", f"loadbalancer/{suffix}")
    scheme = "internal-" if i.get("internal") else ""
    return arn, {
        "arn": arn,
        "arnSuffix": suffix,
        "dnsName": f"{scheme}{lb_name}-{int(_hex(urn, 8), 16) % 10**10}.{m.region}.elb.amazonaws.com",
        "zoneId": ALB_ZONE_IDS.get(m.region, "Z35SXDOTRQ7X7K"),
        "loadBalancerType": i.get("loadBalancerType") or "application",
        "vpcId": f"vpc-0{_hex(urn + 'vpc', 16)}",
    }


@_builds("aws:lb/targetGroup:TargetGroup")
def _target_group(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    suffix = f"targetgroup/{i.get('name') or name}/{_hex(urn, 16)}"
    arn = m.arn("elasticloadbalancing", suffix)
    return arn, {"arn": arn, "arnSuffix": suffix, "loadBalancerArns": []}


@_builds("aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule")
def _listener(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    parent = str(i.get("loadBalancerArn") or i.get("listenerArn") or "")
    lb_part = (
        parent.split(":loadbalancer/")[-1] if ":loadbalancer/" in parent else parent.split(":listener/")[-1]
    )
    kind = "listener-rule" if _type_of(urn).endswith("ListenerRule") else "listener"
    arn = m.arn("elasticloadbalancing", f"{kind}/{lb_part}/{_hex(urn, 16)}")
    return arn, {"arn": arn}


# ---- DNS, certificates and WAF (HTTPS by default) ----


@_builds("aws:acm/certificate:Certificate")
def _certificate(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = m.arn("acm", f"certificate/{_uuid(urn)}")
    domains = [i.get("domainName") or name, *(i.get("subjectAlternativeNames") or [])]
    options = [
        {
            "domainName": d,
            "resourceRecordName": f"_{_hex(urn + d, 32)}.{d.lstrip('*.')}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": f"_{_hex(d + urn, 32)}.xlfgrmvvlj.acm-validations.aws.",
        }
        for d in dict.fromkeys(domains)
    ]
    return arn, {"arn": arn, "domainValidationOptions": options, "status": "PENDING_VALIDATION"}


@_builds("aws:acm/certificateValidation:CertificateValidation")
def _certificate_validation(
    m: AwsMocks, urn: str, name: str, i: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    return "2026-12-01 00:00:00 +0000 UTC", {"certificateArn": i.get("certificateArn")}


@_builds("aws:route53/record:Record")
def _dns_record(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    fqdn = str(i.get("name") or name).rstrip(".")
    return f"{i.get('zoneId')}_{fqdn}_{i.get('type')}", {"fqdn": fqdn}


@_builds("aws:wafv2/webAcl:WebAcl")
def _web_acl(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    acl_id = _uuid(urn)
    scope = "global" if i.get("scope") == "CLOUDFRONT" else "regional"
    arn = m.arn("wafv2", f"{scope}/webacl/{i.get('name') or name}/{acl_id}")
    capacity = sum(
        50 if r.get("statement", {}).get("managedRuleGroupStatement") else 2 for r in i.get("rules") or []
    )
    return acl_id, {"arn": arn, "capacity": capacity, "lockToken": _uuid(urn + "lock")}


@_builds("aws:autoscaling/group:Group")
def _asg(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    asg_name = i.get("name") or name
    return asg_name, {
        "arn": m.arn("autoscaling", f"autoScalingGroup:{_uuid(urn)}:autoScalingGroupName/{asg_name}"),
        "availabilityZones": i.get("availabilityZones") or [],
        "defaultCooldown": i.get("defaultCooldown", 300),
        "healthCheckType": i.get("healthCheckType", "EC2"),
        "desiredCapacity": i.get("desiredCapacity", i.get("minSize")),
    }


@_builds("aws:autoscaling/policy:Policy")
def _scaling_policy(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    pname = i.get("name") or name
    asg = i.get("autoscalingGroupName", "")
    return pname, {
        "arn": m.arn(
            "autoscaling", f"scalingPolicy:{_uuid(urn)}:autoScalingGroupName/{asg}:policyName/{pname}"
        )
    }


@_builds(
    "aws:iam/role:Role",
    "aws:iam/instanceProfile:InstanceProfile",
    "aws:iam/policy:Policy",
    "aws:iam/user:User",
)
def _iam(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kind = re.sub(r"(?<!^)(?=[A-Z])", "-", _type_of(urn).rsplit(":", 1)[-1]).lower()
    iname = i.get("name") or name
    path = i.get("path") or "/"
    arn = m.arn("iam", f"{kind}{path}{iname}", region=False)
    out: dict[str, Any] = {
        "arn": arn,
        "uniqueId": "AROA" + _hex(urn, 17).upper(),
        "createDate": "2026-11-22T00:00:00Z",
    }
    return (arn if kind == "policy" else iname), out


@_builds("aws:iam/rolePolicy:RolePolicy")
def _role_policy(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return f"{i.get('role', '')}:{i.get('name') or name}", {}


@_builds("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def _attachment(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return f"{i.get('role', '')}-{_hex(urn, 26)}", {}


@_builds("aws:elasticache/replicationGroup:ReplicationGroup")
def _replication_group(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    rg = i.get("replicationGroupId") or name
    nodes = int(i.get("numCacheClusters") or (1 + int(i.get("replicasPerNodeGroup") or 0)))
    shard = _hex(urn, 6)
    zone = AZ_ID_PREFIX.get(m.region, "use1")
    port = i.get("port") or 6379
    out = {
        "arn": m.arn("elasticache", f"replicationgroup:{rg}"),
        "memberClusters": [f"{rg}-{n:03d}" for n in range(1, nodes + 1)],
        "port": port,
        "clusterEnabled": False,
        "engineVersionActual": str(i.get("engineVersion") or "7.1") + ".0",
        "numCacheClusters": nodes,
    }
    if i.get("transitEncryptionEnabled"):
        out["primaryEndpointAddress"] = f"master.{rg}.{shard}.{zone}.cache.amazonaws.com"
        out["readerEndpointAddress"] = f"replica.{rg}.{shard}.{zone}.cache.amazonaws.com"
    else:
        out["primaryEndpointAddress"] = f"{rg}.{shard}.ng.0001.{zone}.cache.amazonaws.com"
        out["readerEndpointAddress"] = f"{rg}-ro.{shard}.ng.0001.{zone}.cache.amazonaws.com"
    return rg, out


@_builds("aws:elasticache/subnetGroup:SubnetGroup", "aws:elasticache/parameterGroup:ParameterGroup")
def _cache_group(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    gname = i.get("name") or name
    kind = "subnetgroup" if _type_of(urn).endswith("SubnetGroup") else "parametergroup"
    return gname, {"arn": m.arn("elasticache", f"{kind}:{gname}")}


_RDS_PORTS = {
    "postgres": 5432,
    "aurora-postgresql": 5432,
    "mysql": 3306,
    "aurora-mysql": 3306,
    "mariadb": 3306,
}


def _rds_host(m: AwsMocks, ident: str, cluster: bool = False) -> str:
    """``<identifier>.<account hash>.<region>.rds.amazonaws.com`` (clusters: ``<id>.cluster-<hash>...``)."""
    account_hash = "c" + _hex(f"{m.account}{m.region}", 11)
    return f"{ident}.{'cluster-' if cluster else ''}{account_hash}.{m.region}.rds.amazonaws.com"


def _master_secret(m: AwsMocks, urn: str, i: dict[str, Any]) -> list[dict[str, Any]]:
    """The secret RDS creates when it manages the master password (``rds!db-<uuid>``)."""
    if not i.get("manageMasterUserPassword"):
        return []
    kind = "cluster" if "rds/cluster:" in urn else "db"
    arn = m.arn("secretsmanager", f"secret:rds!{kind}-{_uuid(urn)}-{_hex(urn + 'suffix', 6)}")
    key = i.get("masterUserSecretKmsKeyId") or m.arn("kms", f"key/{_uuid(urn + 'key')}")
    return [{"secretArn": arn, "secretStatus": "active", "kmsKeyId": key}]


@_builds("aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance")
def _rds_instance(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Instances: ``id`` is the DBI resource id (pulumi-aws v6+), ``identifier`` the name."""
    ident = i.get("identifier") or name
    port = int(
        i.get("port") or _RDS_PORTS.get(str(i.get("engine") or "postgres"), 5432)
    )  # the wire gives floats
    resource_id = "db-" + _hex(urn, 26).upper()
    out = {
        "identifier": ident,
        "arn": m.arn("rds", f"db:{ident}"),
        "address": _rds_host(m, ident),
        "endpoint": f"{_rds_host(m, ident)}:{port}",
        "port": port,
        "resourceId": resource_id,
        "dbiResourceId": resource_id,
        "hostedZoneId": "Z2R2ITUGPM61AM",
        "status": "available",
        "masterUserSecrets": _master_secret(m, urn, i),
    }
    if i.get("engineVersion"):
        out["engineVersionActual"] = str(i["engineVersion"])
    if "clusterInstance" in urn:
        return ident, out
    return resource_id, out


@_builds("aws:rds/cluster:Cluster")
def _rds_cluster(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ident = i.get("clusterIdentifier") or name
    port = int(i.get("port") or _RDS_PORTS.get(str(i.get("engine") or "aurora-postgresql"), 5432))
    return ident, {
        "clusterIdentifier": ident,
        "arn": m.arn("rds", f"cluster:{ident}"),
        "endpoint": _rds_host(m, ident, cluster=True),
        "readerEndpoint": _rds_host(m, ident, cluster=True).replace(".cluster-", ".cluster-ro-", 1),
        "port": port,
        "clusterResourceId": "cluster-" + _hex(urn, 26).upper(),
        "masterUserSecrets": _master_secret(m, urn, i),
    }


@_builds("aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup")
def _rds_group(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    gname = i.get("name") or name
    kind = "subgrp" if _type_of(urn).endswith("SubnetGroup") else "pg"
    return gname, {"arn": m.arn("rds", f"{kind}:{gname}")}


@_builds("aws:sqs/queue:Queue")
def _queue(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    qname = i.get("name") or name
    url = f"https://sqs.{m.region}.amazonaws.com/{m.account}/{qname}"
    return url, {"arn": m.arn("sqs", qname), "url": url}


@_builds("aws:sns/topic:Topic")
def _topic(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = m.arn("sns", i.get("name") or name)
    return arn, {"arn": arn, "owner": m.account}


@_builds("aws:sns/topicSubscription:TopicSubscription")
def _subscription(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = f"{i.get('topic', m.arn('sns', 'topic'))}:{_uuid(urn)}"
    confirm = i.get("protocol") in ("email", "email-json", "http", "https")
    return arn, {"arn": arn, "pendingConfirmation": confirm, "ownerId": m.account}


@_builds("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    aname = i.get("name") or name
    return aname, {"arn": m.arn("cloudwatch", f"alarm:{aname}")}


@_builds("aws:cloudwatch/logGroup:LogGroup")
def _log_group(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    gname = i.get("name") or name
    return gname, {"arn": m.arn("logs", f"log-group:{gname}")}


@_builds("aws:cloudwatch/dashboard:Dashboard")
def _dashboard(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    dname = i.get("dashboardName") or name
    return dname, {"dashboardArn": m.arn("cloudwatch", f"dashboard/{dname}", region=False)}


@_builds("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
def _bucket(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    bucket = i.get("bucket") or name.lower()
    return bucket, {
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{m.region}.amazonaws.com",
        "hostedZoneId": "Z3AQBSTGFYJSTF",
        "region": m.region,
    }


@_builds("aws:ecr/repository:Repository")
def _ecr_repository(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    rname = i.get("name") or name
    return rname, {
        "arn": m.arn("ecr", f"repository/{rname}"),
        "registryId": m.account,
        "repositoryUrl": f"{m.account}.dkr.ecr.{m.region}.amazonaws.com/{rname}",
    }


@_builds("aws:secretsmanager/secret:Secret")
def _secret(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = m.arn("secretsmanager", f"secret:{i.get('name') or name}-{_hex(urn, 6)}")
    return arn, {"arn": arn}


@_builds("aws:secretsmanager/secretVersion:SecretVersion")
def _secret_version(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    version = _uuid(urn)
    return f"{i.get('secretId', '')}|{version}", {
        "versionId": version,
        "arn": i.get("secretId", ""),
        "versionStages": ["AWSCURRENT"],
    }


@_builds("aws:kms/key:Key")
def _kms_key(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    key_id = _uuid(urn)
    return key_id, {
        "arn": m.arn("kms", f"key/{key_id}"),
        "keyId": key_id,
        "keyUsage": i.get("keyUsage", "ENCRYPT_DECRYPT"),
        "customerMasterKeySpec": i.get("customerMasterKeySpec", "SYMMETRIC_DEFAULT"),
        "isEnabled": i.get("isEnabled", True),
    }


@_builds("aws:ssm/parameter:Parameter")
def _parameter(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    pname = i.get("name") or name
    return pname, {
        "arn": m.arn("ssm", f"parameter{'' if pname.startswith('/') else '/'}{pname}"),
        "version": 1,
        "tier": i.get("tier", "Standard"),
    }


@_builds("random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString")
def _random_password(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    length = int(i.get("length") or 32)
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    digest = hashlib.sha256(urn.encode()).digest() * (length // 32 + 1)
    result = "".join(alphabet[b % len(alphabet)] for b in digest[:length])
    return "none", {"result": wire.secret(result), "bcryptHash": wire.secret("$2a$10$" + _hex(urn, 53))}


@_builds("random:index/randomId:RandomId")
def _random_id(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    raw = bytes.fromhex(_hex(urn, int(i.get("byteLength") or 8) * 2))
    b64 = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return b64, {
        "hex": raw.hex(),
        "b64Url": b64,
        "b64Std": base64.b64encode(raw).decode(),
        "dec": str(int(raw.hex(), 16)),
    }


@_builds("docker:index/image:Image", "docker-build:index:Image")
def _docker_image(m: AwsMocks, urn: str, name: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    image = str(i.get("imageName") or f"{name}:latest")
    repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    digest = f"sha256:{hashlib.sha256(urn.encode()).hexdigest()}"
    return f"{repo}@{digest}", {
        "repoDigest": f"{repo}@{digest}",
        "baseImageName": image,
        "registryServer": repo.split("/")[0],
    }


# ---- invokes ---------------------------------------------------------------------------------

Invoke = Callable[[AwsMocks, dict[str, Any]], dict[str, Any]]
_INVOKES: dict[str, Invoke] = {}


def _answers(*tokens: str) -> Callable[[Invoke], Invoke]:
    def register(fn: Invoke) -> Invoke:
        for t in tokens:
            _INVOKES[t] = fn
        return fn

    return register


@_answers("aws:index/getAvailabilityZones:getAvailabilityZones")
def _get_azs(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    count = 6 if m.region == "us-east-1" else 3
    names = [f"{m.region}{chr(ord('a') + n)}" for n in range(count)]
    excluded = set(a.get("excludeNames") or [])
    names = [n for n in names if n not in excluded]
    return {
        "id": m.region,
        "names": names,
        "zoneIds": [m.az_id(n) for n in names],
        "groupNames": [m.region] * len(names),
        "state": a.get("state") or "available",
    }


@_answers("aws:index/getRegion:getRegion")
def _get_region(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": m.region,
        "name": m.region,
        "region": m.region,
        "endpoint": f"ec2.{m.region}.amazonaws.com",
        "description": m.region,
    }


@_answers("aws:index/getCallerIdentity:getCallerIdentity")
def _get_caller_identity(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": m.account,
        "accountId": m.account,
        "arn": f"arn:aws:iam::{m.account}:user/tierup-offline",
        "userId": "AIDA" + _hex(m.account, 17).upper(),
    }


@_answers("aws:index/getPartition:getPartition")
def _get_partition(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "aws",
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
    }


@_answers("aws:elb/getServiceAccount:getServiceAccount", "aws:lb/getServiceAccount:getServiceAccount")
def _get_elb_account(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    account = ELB_ACCOUNTS.get(a.get("region") or m.region, ELB_ACCOUNTS["us-east-1"])
    return {"id": account, "arn": f"arn:aws:iam::{account}:root"}


def _ami_id(seed: str) -> str:
    return f"ami-0{_hex(seed, 16)}"


@_answers("aws:ssm/getParameter:getParameter")
def _get_parameter(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    name = a.get("name", "")
    if name.startswith("/aws/service/"):
        value = _ami_id(m.region + name) if "ami" in name else f"offline-value-of-{name}"
        return {
            "id": name,
            "name": name,
            "value": value,
            "insecureValue": value,
            "type": "String",
            "version": 1,
            "arn": m.arn("ssm", f"parameter{name}", account=False),
        }
    # the account's own parameter: a stand-in value (a secret when it would be decrypted); a
    # fixture gives the real shape when the program parses it
    value: Any = f"offline-value-of-{name}"
    if a.get("withDecryption", True):
        value = wire.secret(value)
    return {
        "id": name,
        "name": name,
        "value": value,
        "insecureValue": f"offline-value-of-{name}",
        "type": "String",
        "version": 1,
        "arn": m.arn("ssm", f"parameter{'' if name.startswith('/') else '/'}{name}"),
    }


@_answers("aws:ec2/getAmi:getAmi")
def _get_ami(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    filters = {f.get("name"): f.get("values", []) for f in a.get("filters") or []}
    arch = (filters.get("architecture") or ["x86_64"])[0]
    name_pattern = (filters.get("name") or ["al2023-ami-2023.*"])[0]
    name = name_pattern.replace("*", "20261101.0" if arch == "x86_64" else "20261101.0-arm64")
    ami = _ami_id(m.region + json.dumps(a, sort_keys=True))
    return {
        "id": ami,
        "imageId": ami,
        "architecture": arch,
        "name": name,
        "ownerId": "137112412989",
        "rootDeviceName": "/dev/xvda",
        "virtualizationType": "hvm",
        "state": "available",
    }


@_answers("aws:ecr/getAuthorizationToken:getAuthorizationToken")
def _get_ecr_token(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    password = "offline-" + _hex(m.account + "ecr", 24)
    return {
        "id": m.region,
        "authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(),
        "userName": "AWS",
        "password": password,
        "proxyEndpoint": f"https://{m.account}.dkr.ecr.{m.region}.amazonaws.com",
        "expiresAt": "2026-11-23T00:00:00Z",
    }


@_answers("aws:iam/getPolicyDocument:getPolicyDocument")
def _get_policy_document(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    """Render the statements to the IAM JSON the provider would produce."""

    def one_or_many(values: list[Any]) -> Any:
        return values[0] if len(values) == 1 else values

    statements = []
    for s in a.get("statements") or []:
        st: dict[str, Any] = {}
        if s.get("sid"):
            st["Sid"] = s["sid"]
        st["Effect"] = s.get("effect") or "Allow"
        for key, wire_key in (
            ("actions", "Action"),
            ("notActions", "NotAction"),
            ("resources", "Resource"),
            ("notResources", "NotResource"),
        ):
            if s.get(key):
                st[wire_key] = one_or_many(sorted(s[key]))
        for key, wire_key in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if s.get(key):
                st[wire_key] = {p["type"]: one_or_many(p.get("identifiers") or []) for p in s[key]}
        if s.get("conditions"):
            cond: dict[str, dict[str, Any]] = {}
            for c in s["conditions"]:
                cond.setdefault(c["test"], {})[c["variable"]] = one_or_many(c.get("values") or [])
            st["Condition"] = cond
        statements.append(st)
    doc = json.dumps({"Version": a.get("version") or "2012-10-17", "Statement": statements}, indent=2)
    return {
        "id": str(int(_hex(doc, 8), 16)),
        "json": doc,
        "minifiedJson": json.dumps(json.loads(doc), separators=(",", ":")),
    }


#: The public hosted zones of the offline account (``getZones``); a zone named explicitly always exists.
OFFLINE_HOSTED_ZONES = ("example.com", "example.org", "example.net")


def _zone_id(name: str) -> str:
    return "Z" + _hex(name.rstrip(".").lower(), 20).upper()


@_answers("aws:route53/getZones:getZones")
def _get_zones(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    return {"id": m.region, "ids": [_zone_id(n) for n in OFFLINE_HOSTED_ZONES]}


# ---- common lookups: realistic answers derived from the arguments --------------------------------


def _tags_of(a: dict[str, Any]) -> dict[str, Any]:
    return dict(a.get("tags") or {})


def _filter_values(a: dict[str, Any], name: str) -> list[Any]:
    for f in a.get("filters") or []:
        if f.get("name") == name:
            return list(f.get("values") or [])
    return []


@_answers("aws:ec2/getVpc:getVpc")
def _get_vpc(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    vid = a.get("id") or f"vpc-0{_hex(m.region + json.dumps(a, sort_keys=True), 16)}"
    default = bool(a.get("default"))
    cidr = a.get("cidrBlock") or ("172.31.0.0/16" if default else "10.0.0.0/16")
    return {
        "id": vid,
        "arn": m.arn("ec2", f"vpc/{vid}"),
        "cidrBlock": cidr,
        "default": default,
        "enableDnsSupport": True,
        "enableDnsHostnames": default,
        "instanceTenancy": "default",
        "mainRouteTableId": f"rtb-0{_hex(vid + 'rtb', 16)}",
        "dhcpOptionsId": f"dopt-0{_hex(vid, 16)}",
        "ownerId": m.account,
        "state": "available",
        "cidrBlockAssociations": [
            {"associationId": f"vpc-cidr-assoc-0{_hex(vid, 16)}", "cidrBlock": cidr, "state": "associated"}
        ],
        "tags": _tags_of(a),
    }


@_answers("aws:ec2/getSubnets:getSubnets", "aws:ec2/getSubnetIds:getSubnetIds")
def _get_subnets(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    seed = m.region + json.dumps(a, sort_keys=True)
    return {"id": m.region, "ids": [f"subnet-0{_hex(seed + str(n), 16)}" for n in range(3)]}


@_answers("aws:ec2/getSubnet:getSubnet")
def _get_subnet(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    sid = a.get("id") or f"subnet-0{_hex(m.region + json.dumps(a, sort_keys=True), 16)}"
    az = a.get("availabilityZone") or (_filter_values(a, "availability-zone") or [f"{m.region}a"])[0]
    vpc = a.get("vpcId") or (_filter_values(a, "vpc-id") or [f"vpc-0{_hex(m.region, 16)}"])[0]
    index = int(_hex(sid, 2), 16) % 16
    return {
        "id": sid,
        "arn": m.arn("ec2", f"subnet/{sid}"),
        "availabilityZone": az,
        "availabilityZoneId": m.az_id(az),
        "cidrBlock": a.get("cidrBlock") or f"10.0.{index * 16}.0/20",
        "vpcId": vpc,
        "ownerId": m.account,
        "state": "available",
        "mapPublicIpOnLaunch": False,
        "defaultForAz": bool(a.get("defaultForAz")),
        "availableIpAddressCount": 4091,
        "tags": _tags_of(a),
    }


@_answers("aws:ec2/getSecurityGroup:getSecurityGroup")
def _get_security_group(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    sid = a.get("id") or f"sg-0{_hex(m.region + json.dumps(a, sort_keys=True), 16)}"
    name = a.get("name") or (_filter_values(a, "group-name") or ["default"])[0]
    return {
        "id": sid,
        "arn": m.arn("ec2", f"security-group/{sid}"),
        "name": name,
        "description": f"{name} security group",
        "vpcId": a.get("vpcId") or f"vpc-0{_hex(m.region, 16)}",
        "tags": _tags_of(a),
    }


@_answers("aws:route53/getZone:getZone")
def _get_zone(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    """A zone looked up by name exists offline; by id, it is one of :data:`OFFLINE_HOSTED_ZONES`."""
    name = str(a.get("name") or "").rstrip(".").lower()
    zone_id = a.get("zoneId")
    if zone_id and not name:
        by_id = {_zone_id(n): n for n in OFFLINE_HOSTED_ZONES}
        name = by_id.get(zone_id, f"{zone_id.lower()}.example.com")
    zone_id = zone_id or _zone_id(name)
    return {
        "id": zone_id,
        "zoneId": zone_id,
        "name": name,
        "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
        "callerReference": _uuid(zone_id),
        "comment": "",
        "privateZone": bool(a.get("privateZone")),
        "resourceRecordSetCount": 2,
        "nameServers": [f"ns-{n}.awsdns-{n:02d}.com" for n in (1, 2)],
        "primaryNameServer": "ns-1.awsdns-01.com",
        "tags": _tags_of(a),
    }


@_answers("aws:acm/getCertificate:getCertificate")
def _get_certificate(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    domain = a.get("domain") or "example.com"
    arn = m.arn("acm", f"certificate/{_uuid(m.region + domain)}")
    return {
        "id": arn,
        "arn": arn,
        "domain": domain,
        "status": "ISSUED",
        "type": "AMAZON_ISSUED",
        "keyTypes": a.get("keyTypes") or ["RSA_2048"],
        "tags": _tags_of(a),
    }


@_answers("aws:ecr/getCredentials:getCredentials")
def _get_ecr_credentials(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    token = _get_ecr_token(m, a)
    return {
        "id": a.get("registryId") or m.account,
        "registryId": a.get("registryId") or m.account,
        "authorizationToken": token["authorizationToken"],
        "expiresAt": token["expiresAt"],
        "proxyEndpoint": token["proxyEndpoint"],
    }


@_answers("aws:ecr/getRepository:getRepository")
def _get_repository(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    name = a.get("name") or "app"
    return {
        "id": name,
        "name": name,
        "arn": m.arn("ecr", f"repository/{name}"),
        "registryId": m.account,
        "repositoryUrl": f"{m.account}.dkr.ecr.{m.region}.amazonaws.com/{name}",
        "imageTagMutability": "MUTABLE",
        "tags": _tags_of(a),
    }


@_answers("aws:iam/getRole:getRole")
def _get_role(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    name = a.get("name") or "role"
    return {
        "id": name,
        "name": name,
        "arn": m.arn("iam", f"role/{name}", region=False),
        "path": "/",
        "uniqueId": "AROA" + _hex(name, 17).upper(),
        "assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": []}),
        "createDate": "2026-01-01T00:00:00Z",
        "maxSessionDuration": 3600,
        "tags": _tags_of(a),
    }


@_answers("aws:iam/getPolicy:getPolicy")
def _get_policy(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    name = a.get("name") or str(a.get("arn") or "policy").rsplit("/", 1)[-1]
    arn = a.get("arn") or f"arn:aws:iam::aws:policy/{name}"
    return {
        "id": arn,
        "arn": arn,
        "name": name,
        "path": "/",
        "policy": "{}",
        "policyId": "ANPA" + _hex(arn, 17).upper(),
    }


@_answers("aws:kms/getKey:getKey")
def _get_key(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    given = str(a.get("keyId") or "alias/aws/s3")
    key_id = (
        given.split("/")[-1] if given.startswith("arn:") and ":key/" in given else _uuid(m.region + given)
    )
    return {
        "id": key_id,
        "keyId": key_id,
        "arn": m.arn("kms", f"key/{key_id}"),
        "enabled": True,
        "keyState": "Enabled",
        "keyUsage": "ENCRYPT_DECRYPT",
        "keySpec": "SYMMETRIC_DEFAULT",
        "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "keyManager": "AWS" if "alias/aws/" in given else "CUSTOMER",
        "origin": "AWS_KMS",
        "awsAccountId": m.account,
        "multiRegion": False,
    }


@_answers("aws:kms/getAlias:getAlias")
def _get_alias(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    name = a.get("name") or "alias/aws/s3"
    key_id = _uuid(m.region + name)
    return {
        "id": m.arn("kms", name),
        "name": name,
        "arn": m.arn("kms", name),
        "targetKeyId": key_id,
        "targetKeyArn": m.arn("kms", f"key/{key_id}"),
    }


@_answers("aws:secretsmanager/getSecret:getSecret")
def _get_secret(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    name = a.get("name") or str(a.get("arn") or "secret").split(":")[-1]
    arn = a.get("arn") or m.arn("secretsmanager", f"secret:{name}-{_hex(name, 6)}")
    return {"id": arn, "arn": arn, "name": name, "description": "", "kmsKeyId": "", "tags": _tags_of(a)}


@_answers("aws:secretsmanager/getSecretVersion:getSecretVersion")
def _get_secret_version(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    """A placeholder value, never a real secret: programs that parse it as JSON need a fixture."""
    secret_id = str(a.get("secretId") or "secret")
    arn = (
        secret_id
        if secret_id.startswith("arn:")
        else m.arn("secretsmanager", f"secret:{secret_id}-{_hex(secret_id, 6)}")
    )
    version = a.get("versionId") or _uuid(secret_id)
    return {
        "id": f"{arn}|{version}",
        "arn": arn,
        "secretId": secret_id,
        "versionId": version,
        "versionStage": a.get("versionStage") or "AWSCURRENT",
        "versionStages": ["AWSCURRENT"],
        "secretString": wire.secret(f"offline-secret-{_hex(secret_id, 16)}"),
        "secretBinary": "",
        "createdDate": "2026-01-01T00:00:00Z",
    }


@_answers("aws:index/getDefaultTags:getDefaultTags")
def _get_default_tags(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    return {"id": "default-tags", "tags": {}}


@_answers(
    "aws:cloudfront/getCachePolicy:getCachePolicy",
    "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy",
)
def _get_cloudfront_policy(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    name = a.get("name") or "Managed-CachingOptimized"
    return {"id": a.get("id") or _uuid(name), "name": name, "comment": "", "etag": _hex(name, 14).upper()}


@_answers("aws:cloudfront/getOriginAccessIdentity:getOriginAccessIdentity")
def _get_oai(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    oai = a.get("id") or "E" + _hex(m.account, 13).upper()
    return {
        "id": oai,
        "iamArn": f"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {oai}",
        "s3CanonicalUserId": _hex(oai, 64),
        "cloudfrontAccessIdentityPath": f"origin-access-identity/cloudfront/{oai}",
        "comment": "",
        "etag": _hex(oai, 14).upper(),
    }


@_answers("aws:eks/getClusterAuth:getClusterAuth")
def _get_cluster_auth(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    return {"id": a.get("name", ""), "name": a.get("name", ""), "token": wire.secret("k8s-aws-v1.offline")}


@_answers("aws:index/getArn:getArn")
def _get_arn(m: AwsMocks, a: dict[str, Any]) -> dict[str, Any]:
    arn = str(a.get("arn") or "")
    parts = arn.split(":", 5) + [""] * 6
    return {
        "id": arn,
        "arn": arn,
        "partition": parts[1],
        "service": parts[2],
        "region": parts[3],
        "account": parts[4],
        "resource": parts[5],
    }
