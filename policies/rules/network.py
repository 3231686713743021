"""Network tier: security group ingress and NAT routing."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._graph import REGIONAL, StackModel, nat_routes
from ._util import (
    LOAD_BALANCERS,
    SECURITY_GROUPS,
    SG_INGRESS_RULE,
    SG_RULE,
    as_int,
    as_str,
    config_list,
    elements,
    get,
    lower,
    message,
    strings,
)

# --- security-group-no-public-ingress ---------------------------------------------------------------

PUBLIC_INGRESS_FIX = (
    "open only ports {ports} from 0.0.0.0/0 or ::/0, and only on a load balancer's security group; give "
    "other tiers a source security group (referenced_security_group_id / source_security_group_id) or known "
    "CIDRs, and use SSM Session Manager instead of SSH/RDP from the internet"
)


@dataclass
class _Ingress:
    holder: PolicyResource
    groups: list[PolicyResource]
    groups_known: bool
    cidrs: list[str]
    protocol: str | None
    from_port: int | None
    to_port: int | None


def _public(cidrs: list[str]) -> list[str]:
    out = []
    for cidr in cidrs:
        try:
            if ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0:
                out.append(cidr.strip())
        except ValueError:
            continue
    return out


def _ingress_rules(model: StackModel) -> list[_Ingress]:
    rules: list[_Ingress] = []
    for group in model.of(SECURITY_GROUPS):
        for block in elements(get(group.props, "ingress")):
            cidrs = strings(get(block, "cidrBlocks"))[0] + strings(get(block, "ipv6CidrBlocks"))[0]
            rules.append(
                _Ingress(
                    group,
                    [group],
                    True,
                    _public(cidrs),
                    lower(get(block, "protocol")),
                    as_int(get(block, "fromPort")),
                    as_int(get(block, "toPort")),
                )
            )
    for rule in model.of(SG_INGRESS_RULE, SG_RULE):
        props = rule.props
        if rule.resource_type == SG_RULE:
            if lower(get(props, "type")) != "ingress":
                continue
            cidrs = strings(get(props, "cidrBlocks"))[0] + strings(get(props, "ipv6CidrBlocks"))[0]
            protocol = lower(get(props, "protocol"))
        else:
            cidrs = [c for c in (as_str(get(props, "cidrIpv4")), as_str(get(props, "cidrIpv6"))) if c]
            protocol = lower(get(props, "ipProtocol"))
        resolved = model.resolve(rule, ("securityGroupId",), SECURITY_GROUPS, ("id",))
        rules.append(
            _Ingress(
                rule,
                resolved.targets,
                resolved.complete and bool(resolved.targets),
                _public(cidrs),
                protocol,
                as_int(get(props, "fromPort")),
                as_int(get(props, "toPort")),
            )
        )
    return rules


def _ports_allowed(rule: _Ingress, allowed: set[int]) -> bool:
    if rule.protocol not in ("tcp", "6") or rule.from_port is None or rule.to_port is None:
        return False
    if rule.from_port > rule.to_port or rule.to_port - rule.from_port >= len(allowed):
        return False
    return all(port in allowed for port in range(rule.from_port, rule.to_port + 1))


def _describe_ports(rule: _Ingress) -> str:
    if rule.protocol in ("-1", "all") or rule.protocol is None:
        return "all traffic"
    if rule.from_port is None or rule.to_port is None or rule.from_port < 0:
        return f"{rule.protocol}"
    span = str(rule.from_port) if rule.from_port == rule.to_port else f"{rule.from_port}-{rule.to_port}"
    return f"{span}/{rule.protocol}"


def security_group_no_public_ingress(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """No 0.0.0.0/0 or ::/0 ingress except the allowed ports on a load balancer's security group."""
    allowed: set[int] = set()
    for port in config_list(args, "allowedPublicPorts", [80, 443]):
        value = as_int(port)
        if value is not None:
            allowed.add(value)
    model = StackModel(args.resources)
    lb_groups: set[str] = set()
    for lb in model.of(LOAD_BALANCERS):
        lb_groups.update(
            g.urn for g in model.resolve(lb, ("securityGroups",), SECURITY_GROUPS, ("id",)).targets
        )
    for rule in _ingress_rules(model):
        if not rule.cidrs:
            continue
        if _ports_allowed(rule, allowed):
            if not rule.groups_known or all(g.urn in lb_groups for g in rule.groups):
                continue
            where = "a security group no load balancer uses"
        else:
            where = f"ports outside {sorted(allowed)}" if allowed else "any port"
        kind = "security group" if rule.holder.resource_type in SECURITY_GROUPS else "ingress rule"
        problem = f"it opens {_describe_ports(rule)} to {', '.join(rule.cidrs)} ({where})"
        fix = PUBLIC_INGRESS_FIX.format(ports=", ".join(str(p) for p in sorted(allowed)) or "none")
        report_violation(message(f"{kind} '{rule.holder.name}'", [problem], fix), rule.holder.urn)


SECURITY_GROUP_NO_PUBLIC_INGRESS = StackValidationPolicy(
    name="security-group-no-public-ingress",
    description="No 0.0.0.0/0 or ::/0 ingress except ports 80/443 (configurable) to a load balancer's group.",
    validate=security_group_no_public_ingress,
    severity=Severity.CRITICAL,
    remediation_steps=PUBLIC_INGRESS_FIX.format(ports="allowedPublicPorts (default 80, 443)"),
    config_schema=PolicyConfigSchema(
        properties={
            "allowedPublicPorts": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 65535},
                "default": [80, 443],
                "description": "TCP ports a load balancer's security group may open to the internet.",
            }
        }
    ),
    tags=["network", "security"],
)

# --- nat-per-az -------------------------------------------------------------------------------------

NAT_PER_AZ_FIX = (
    "create a NAT gateway in each AZ's public subnet and give each AZ's private subnets their own route table "
    "whose 0.0.0.0/0 route targets that AZ's NAT (or use a regional NAT gateway)"
)


def nat_per_az(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Private subnets route 0.0.0.0/0 through a NAT in their own AZ."""
    model = StackModel(args.resources)
    crossing: dict[str, tuple[PolicyResource, list[str]]] = {}
    for route in nat_routes(model):
        if route.nat is None or route.nat_az in (None, REGIONAL) or route.subnet_az is None:
            continue
        if route.subnet_az != route.nat_az:
            entry = crossing.setdefault(route.route.urn, (route.route, []))
            text = (
                f"'{route.subnet.name}' ({route.subnet_az}) through NAT '{route.nat.name}' in {route.nat_az}"
            )
            if text not in entry[1]:
                entry[1].append(text)
    for holder, texts in crossing.values():
        kind = "route" if holder.resource_type.endswith("/route:Route") else "route table"
        problem = f"it sends private subnet {'; '.join(texts)}, so losing that AZ cuts their egress"
        report_violation(message(f"{kind} '{holder.name}'", [problem], NAT_PER_AZ_FIX), holder.urn)


NAT_PER_AZ = StackValidationPolicy(
    name="nat-per-az",
    description="Private subnets route through a NAT in their own Availability Zone.",
    validate=nat_per_az,
    severity=Severity.MEDIUM,
    remediation_steps=NAT_PER_AZ_FIX,
    tags=["network", "resilience"],
)

POLICIES = [SECURITY_GROUP_NO_PUBLIC_INGRESS, NAT_PER_AZ]
