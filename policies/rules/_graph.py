"""The one model of how AWS resources link, read by the stack policies, ``tierup cost`` and ``tierup graph``.

Links are followed through output values first (a subnet's ``id``, a queue's ``arn``, an ALB's
``arnSuffix``...) and, when a value is unknown at preview or names nothing in the stack, through the
property dependencies the engine records (``PolicyResource.property_dependencies``).

The model is duck-typed: any object with ``urn``, ``resource_type``, ``props`` (camelCase wire names,
unknowns as Pulumi's unknown placeholder) and optionally ``property_dependencies`` and ``opts`` is a
resource, so the pack passes ``PolicyResource`` objects and tierup passes its evaluated records
(``tierup.inventory`` adapts them). It depends on nothing of tierup's, so the pack still runs standalone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource

from ._util import (
    ASG,
    ASG_ATTACHMENT,
    ASG_TRAFFIC_SOURCE_ATTACHMENT,
    BUCKETS,
    FLOW_LOG,
    INSTANCE,
    LAUNCH_CONFIGURATION,
    LAUNCH_TEMPLATE,
    LISTENER_RULES,
    LISTENERS,
    LOAD_BALANCERS,
    METRIC_ALARM,
    NAT_GATEWAY,
    NETWORK_INTERFACE,
    QUEUE,
    REDRIVE_ALLOW_POLICY,
    REDRIVE_POLICY,
    REPLICATION_GROUP,
    ROUTE,
    ROUTE_TABLE_ASSOCIATION,
    ROUTE_TABLES,
    SECURITY_GROUPS,
    SG_INGRESS_RULE,
    SG_RULE,
    SUBNETS,
    TARGET_GROUPS,
    UNKNOWN,
    as_bool,
    as_int,
    as_str,
    elements,
    entries,
    get,
    is_list,
    is_unknown,
    lower,
    parse_json,
    strings,
)


@dataclass
class Resolved:
    """The stack resources a property names, plus what could not be matched."""

    targets: list[PolicyResource] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    unknown: bool = False

    @property
    def complete(self) -> bool:
        """Every value named a resource of the stack."""
        return not self.unmatched and not self.unknown

    @property
    def empty(self) -> bool:
        """The property named nothing at all."""
        return not self.targets and not self.unmatched and not self.unknown


class StackModel:
    """Resources by type, value indexes and link resolution."""

    def __init__(self, resources: Iterable[PolicyResource]) -> None:
        self.resources: list[PolicyResource] = [r for r in resources if _is_resource(r)]
        self._of: dict[tuple[str, ...], list[PolicyResource]] = {}
        self._indexes: dict[tuple[tuple[str, ...], tuple[str, ...]], dict[str, list[PolicyResource]]] = {}

    def of(self, *types: str | Sequence[str]) -> list[PolicyResource]:
        """Resources of the given type tokens, in stack order."""
        wanted = tuple(_flatten(types))
        if wanted not in self._of:
            self._of[wanted] = [r for r in self.resources if r.resource_type in wanted]
        return list(self._of[wanted])

    def index(self, types: Sequence[str], keys: Sequence[str]) -> dict[str, list[PolicyResource]]:
        """Known string values of ``keys`` → the resources of ``types`` carrying them."""
        cache_key = (tuple(types), tuple(keys))
        if cache_key not in self._indexes:
            idx: dict[str, list[PolicyResource]] = defaultdict(list)
            for r in self.of(types):
                for key in keys:
                    value = as_str(get(r.props, key))
                    if value and r not in idx[value]:
                        idx[value].append(r)
            self._indexes[cache_key] = idx
        return self._indexes[cache_key]

    def resolve(
        self,
        res: PolicyResource,
        path: Sequence[str | int],
        types: Sequence[str],
        keys: Sequence[str] = ("id",),
        value: Any = None,
    ) -> Resolved:
        """The resources of ``types`` named by ``res.props[path]`` (a string or a list of strings).

        ``value`` overrides the value read from ``path`` (the path's head still picks the dependencies).
        """
        raw = get(res.props, *path) if value is None else value
        if raw is None:
            return Resolved()
        values, unknown = strings(raw)
        idx = self.index(types, keys)
        out = Resolved(unknown=unknown)
        for v in values:
            hits = idx.get(v)
            if hits:
                _extend(out.targets, hits)
            else:
                out.unmatched.append(v)
        if out.unknown or out.unmatched:
            added = _extend(out.targets, self.dependencies(res, str(path[0]), types))
            if added:
                out.unknown = False
                out.unmatched = []
        return out

    def dependencies(self, res: PolicyResource, prop: str, types: Sequence[str]) -> list[PolicyResource]:
        """The resources of ``types`` that property ``prop`` of ``res`` was computed from."""
        deps = getattr(res, "property_dependencies", None) or {}
        try:
            found = deps.get(prop) or []
        except AttributeError:
            return []
        wanted = set(types)
        return [d for d in found if _is_resource(d) and d.resource_type in wanted]


def _is_resource(value: Any) -> bool:
    """A ``PolicyResource`` or any object shaped like one (``urn``, ``resource_type``, ``props``)."""
    return isinstance(value, PolicyResource) or (
        hasattr(value, "resource_type") and hasattr(value, "props") and hasattr(value, "urn")
    )


def _flatten(types: Iterable[str | Sequence[str]]) -> list[str]:
    out: list[str] = []
    for t in types:
        if isinstance(t, str):
            out.append(t)
        else:
            out.extend(t)
    return out


def _extend(targets: list[PolicyResource], more: Iterable[PolicyResource]) -> int:
    seen = {t.urn for t in targets}
    added = 0
    for r in more:
        if r.urn not in seen:
            targets.append(r)
            seen.add(r.urn)
            added += 1
    return added


# --- subnets and placement -------------------------------------------------------------------------


#: The tag marking a NAT instance's Auto Scaling group (one AZ, one instance: its AZ's egress) or launch template.
NAT_TAG = "tierup:nat"


def is_nat(res: PolicyResource) -> bool:
    """An ASG or launch template tagged :data:`NAT_TAG` (tierup's ``nat: instance-per-az``; tag hand-written
    NAT groups the same). Its AZ's egress is judged through the routes (``nat-per-az``, ``survives-az-loss``),
    not as a tier."""
    raw = get(res.props, "tags")
    if isinstance(raw, Mapping) and not is_unknown(raw):
        return NAT_TAG in raw
    return any(get(tag, "key") == NAT_TAG for tag in elements(raw))


def subnet_az(subnet: PolicyResource) -> str | None:
    """A subnet's Availability Zone name (or zone id when only that is given)."""
    return as_str(get(subnet.props, "availabilityZone")) or as_str(get(subnet.props, "availabilityZoneId"))


@dataclass
class Placement:
    """The AZs a resource's subnets are in.

    ``declared`` is how many subnets (or AZs) the resource lists when the list itself is known;
    ``complete`` is true when every one of them was placed in an AZ.
    """

    azs: set[str]
    complete: bool
    declared: int | None


def _declared(raw: Any) -> int | None:
    if is_list(raw):
        return len(elements(raw))
    return 1 if as_str(raw) else None


def placement(
    model: StackModel, res: PolicyResource, path: Sequence[str | int], value: Any = None
) -> Placement:
    """The AZs of the subnets listed at ``path`` (or in ``value``)."""
    raw = get(res.props, *path) if value is None else value
    resolved = model.resolve(res, path, SUBNETS, value=raw)
    azs: set[str] = set()
    complete = resolved.complete and not resolved.empty
    for s in resolved.targets:
        az = subnet_az(s)
        if az:
            azs.add(az)
        else:
            complete = False
    return Placement(azs, complete, _declared(raw))


def asg_placement(model: StackModel, asg: PolicyResource) -> Placement:
    """Where an ASG launches instances: ``vpcZoneIdentifiers`` subnets, else ``availabilityZones``."""
    subnets = get(asg.props, "vpcZoneIdentifiers")
    if subnets is UNKNOWN or elements(subnets) or as_str(subnets):
        return placement(model, asg, ("vpcZoneIdentifiers",))
    raw = get(asg.props, "availabilityZones")
    azs, unknown = strings(raw)
    return Placement(set(azs), bool(azs) and not unknown, _declared(raw))


def lb_placement(model: StackModel, lb: PolicyResource) -> Placement:
    """Where a load balancer has nodes: its ``subnets`` or ``subnetMappings``."""
    if get(lb.props, "subnets") is not None:
        return placement(model, lb, ("subnets",))
    mappings = get(lb.props, "subnetMappings")
    if mappings is None or mappings is UNKNOWN:
        return Placement(set(), False, None)
    ids = [get(m, "subnetId") for m in elements(mappings)]
    ids = [UNKNOWN if i is None else i for i in ids]
    return placement(model, lb, ("subnetMappings",), value=ids)


# --- auto scaling groups and load balancing ---------------------------------------------------------


def asg_load_balancing(model: StackModel) -> dict[str, bool | None]:
    """ASG urn → True when it is behind a load balancer, False when not, None when it can't be told."""
    out: dict[str, bool | None] = {}
    for asg in model.of(ASG):
        status: bool | None = False
        for prop in ("targetGroupArns", "loadBalancers", "trafficSources"):
            raw = get(asg.props, prop)
            if raw is UNKNOWN:
                status = True if status else None
            elif elements(raw):
                status = True
        out[asg.urn] = status
    for attachment in model.of(ASG_ATTACHMENT, ASG_TRAFFIC_SOURCE_ATTACHMENT):
        resolved = model.resolve(attachment, ("autoscalingGroupName",), [ASG], ("name", "id"))
        for asg in resolved.targets:
            out[asg.urn] = True
        if not resolved.complete:
            for urn, status in out.items():
                if status is False:
                    out[urn] = None
    return out


def asg_target_groups(model: StackModel, asg: PolicyResource) -> list[PolicyResource]:
    """The target groups an ASG registers with: ``targetGroupArns``, ``trafficSources`` and attachments."""
    groups = list(model.resolve(asg, ("targetGroupArns",), TARGET_GROUPS, ("arn", "id")).targets)
    ids = [get(s, "identifier") for s in elements(get(asg.props, "trafficSources"))]
    if ids:
        _extend(groups, model.resolve(asg, ("trafficSources",), TARGET_GROUPS, ("arn",), value=ids).targets)
    for attachment in model.of(ASG_ATTACHMENT, ASG_TRAFFIC_SOURCE_ATTACHMENT):
        if asg not in model.resolve(attachment, ("autoscalingGroupName",), [ASG], ("name", "id")).targets:
            continue
        if attachment.resource_type == ASG_ATTACHMENT:
            _extend(groups, model.resolve(attachment, ("lbTargetGroupArn",), TARGET_GROUPS, ("arn",)).targets)
        else:
            path = ("trafficSource", "identifier")
            _extend(groups, model.resolve(attachment, path, TARGET_GROUPS, ("arn",)).targets)
    return groups


def is_application_lb(lb: PolicyResource) -> bool:
    """True for ALBs (``loadBalancerType`` unset means application)."""
    kind = lower(get(lb.props, "loadBalancerType"))
    return kind in (None, "application")


def asg_launch_template(model: StackModel, asg: PolicyResource) -> PolicyResource | None:
    """The launch template (or legacy launch configuration) an ASG launches from."""
    mixed = get(asg.props, "mixedInstancesPolicy", "launchTemplate", "launchTemplateSpecification")
    for spec, keys in (
        (get(asg.props, "launchTemplate"), (("id", "id"), ("name", "name"))),
        (mixed, (("launchTemplateId", "id"), ("launchTemplateName", "name"))),
    ):
        for key, match in keys:
            value = get(spec, key) if spec is not None else None
            if value is None or value is UNKNOWN:
                continue
            hits = model.resolve(asg, ("launchTemplate",), [LAUNCH_TEMPLATE], (match,), value=value).targets
            hits = [h for h in hits if h.resource_type == LAUNCH_TEMPLATE]
            if hits:
                return hits[0]
    if get(asg.props, "launchConfiguration") is not None:
        hits = model.resolve(asg, ("launchConfiguration",), [LAUNCH_CONFIGURATION], ("name", "id")).targets
        if hits:
            return hits[0]
    deps = model.dependencies(asg, "launchTemplate", [LAUNCH_TEMPLATE])
    return deps[0] if deps else None


def listeners_of(model: StackModel, lb: PolicyResource) -> list[PolicyResource]:
    """The listeners of a load balancer (by ``loadBalancerArn``)."""
    return [
        listener
        for listener in model.of(LISTENERS)
        if lb in model.resolve(listener, ("loadBalancerArn",), LOAD_BALANCERS, ("arn", "id")).targets
    ]


def listener_rules_of(model: StackModel, listener: PolicyResource) -> list[PolicyResource]:
    """The listener rules attached to a listener (by ``listenerArn``)."""
    return [
        rule
        for rule in model.of(LISTENER_RULES)
        if listener in model.resolve(rule, ("listenerArn",), LISTENERS, ("arn", "id")).targets
    ]


def forwarded_target_groups(model: StackModel, holder: PolicyResource, prop: str) -> list[PolicyResource]:
    """Target groups an action list (a listener's ``defaultActions``, a rule's ``actions``) forwards to."""
    values: list[Any] = []
    for action in elements(get(holder.props, prop)):
        values.append(get(action, "targetGroupArn"))
        values += [get(g, "arn") for g in elements(get(action, "forward", "targetGroups"))]
    values = [v for v in values if v is not None]
    if not values:
        return []
    return model.resolve(holder, (prop,), TARGET_GROUPS, ("arn", "id"), value=values).targets


@dataclass
class Route:
    """One way traffic reaches a target group: a load balancer, its listener, and the rule's conditions."""

    load_balancer: PolicyResource
    listener: PolicyResource
    rule: PolicyResource | None
    hosts: list[str]
    paths: list[str]
    priority: int | None

    @property
    def label(self) -> str:
        """``api.example.com /v1/*`` or ``/*`` — how a diagram names the route."""
        if self.rule is None:
            return "default"
        return " ".join([*self.hosts, *self.paths]) or f"rule {self.priority}"


def target_group_routes(model: StackModel, target_group: PolicyResource) -> list[Route]:
    """Every listener default action and listener rule that forwards to ``target_group``."""
    out: list[Route] = []
    for lb in model.of(LOAD_BALANCERS):
        for listener in listeners_of(model, lb):
            if target_group in forwarded_target_groups(model, listener, "defaultActions"):
                out.append(Route(lb, listener, None, [], [], None))
            for rule in listener_rules_of(model, listener):
                if target_group not in forwarded_target_groups(model, rule, "actions"):
                    continue
                hosts: list[str] = []
                paths: list[str] = []
                for condition in elements(get(rule.props, "conditions")):
                    hosts += strings(get(condition, "hostHeader", "values"))[0]
                    paths += strings(get(condition, "pathPattern", "values"))[0]
                out.append(Route(lb, listener, rule, hosts, paths, as_int(get(rule.props, "priority"))))
    return out


def asg_load_balancers(model: StackModel, asg: PolicyResource) -> list[PolicyResource]:
    """The load balancers whose listeners forward to one of the ASG's target groups."""
    found: list[PolicyResource] = []
    for group in asg_target_groups(model, asg):
        _extend(found, [route.load_balancer for route in target_group_routes(model, group)])
    return found


# --- security groups -------------------------------------------------------------------------------


def security_groups_of(model: StackModel, res: PolicyResource) -> list[PolicyResource]:
    """The security groups of a load balancer, instance, cache, database, ECS service or an ASG's template."""
    if res.resource_type == ASG:
        template = asg_launch_template(model, res)
        return security_groups_of(model, template) if template is not None else []
    found: list[PolicyResource] = []
    for prop in ("securityGroups", "vpcSecurityGroupIds", "securityGroupIds"):
        if get(res.props, prop) is not None:
            _extend(found, model.resolve(res, (prop,), SECURITY_GROUPS, ("id",)).targets)
    for i, interface in enumerate(elements(get(res.props, "networkInterfaces"))):
        if get(interface, "securityGroups") is not None:
            value = get(interface, "securityGroups")
            _extend(found, model.resolve(res, ("networkInterfaces", i), SECURITY_GROUPS, value=value).targets)
    network = get(res.props, "networkConfiguration")
    if network is not None and get(network, "securityGroups") is not None:
        value = get(network, "securityGroups")
        _extend(found, model.resolve(res, ("networkConfiguration",), SECURITY_GROUPS, value=value).targets)
    return found


def ingress_sources(model: StackModel, group: PolicyResource) -> list[PolicyResource]:
    """Security groups that ``group`` admits traffic from (inline, ``SecurityGroupRule`` or ingress rules)."""
    found: list[PolicyResource] = []
    for i, ingress in enumerate(elements(get(group.props, "ingress"))):
        if elements(get(ingress, "securityGroups")):
            value = get(ingress, "securityGroups")
            _extend(found, model.resolve(group, ("ingress", i), SECURITY_GROUPS, value=value).targets)
    for rule in model.of(SG_INGRESS_RULE, SG_RULE):
        if rule.resource_type == SG_RULE and lower(get(rule.props, "type")) != "ingress":
            continue
        if group not in model.resolve(rule, ("securityGroupId",), SECURITY_GROUPS).targets:
            continue
        key = (
            "referencedSecurityGroupId" if rule.resource_type == SG_INGRESS_RULE else "sourceSecurityGroupId"
        )
        if get(rule.props, key) is not None:
            _extend(found, model.resolve(rule, (key,), SECURITY_GROUPS).targets)
    return found


def admits(model: StackModel, target: PolicyResource, source: PolicyResource) -> bool:
    """Whether a security group of ``target`` admits traffic from a security group of ``source``."""
    sources = {g.urn for g in security_groups_of(model, source)}
    return any(
        s.urn in sources for group in security_groups_of(model, target) for s in ingress_sources(model, group)
    )


# --- databases -------------------------------------------------------------------------------------

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
DATABASE_TYPES: tuple[str, ...] = (RDS_INSTANCE, RDS_CLUSTER, RDS_CLUSTER_INSTANCE)


@dataclass
class DatabaseNode:
    """One database server: the primary (or Aurora writer), its Multi-AZ standby, a replica or reader."""

    resource: PolicyResource
    role: str  # primary, standby, replica, writer, reader
    az: str | None
    instance_class: str | None


def database_subnet_azs(model: StackModel, res: PolicyResource) -> list[str]:
    """The AZs of a database's DB subnet group, in subnet order."""
    groups = model.resolve(res, ("dbSubnetGroupName",), [RDS_SUBNET_GROUP], ("name", "id")).targets
    azs: list[str] = []
    for group in groups:
        for subnet in model.resolve(group, ("subnetIds",), SUBNETS).targets:
            az = subnet_az(subnet)
            if az and az not in azs:
                azs.append(az)
    return azs


def replica_source(model: StackModel, instance: PolicyResource) -> PolicyResource | None:
    """The instance a read replica replicates (``replicateSourceDb``: identifier, ARN or id)."""
    if get(instance.props, "replicateSourceDb") is None:
        return None
    hits = model.resolve(
        instance, ("replicateSourceDb",), [RDS_INSTANCE], ("identifier", "arn", "id")
    ).targets
    return hits[0] if hits else None


def cluster_instances(model: StackModel, cluster: PolicyResource) -> list[PolicyResource]:
    """The Aurora instances of a cluster (by ``clusterIdentifier``)."""
    return [
        i
        for i in model.of(RDS_CLUSTER_INSTANCE)
        if cluster
        in model.resolve(i, ("clusterIdentifier",), [RDS_CLUSTER], ("clusterIdentifier", "id")).targets
    ]


def database_nodes(model: StackModel, res: PolicyResource) -> list[DatabaseNode]:
    """The servers of an RDS instance (primary + standby when Multi-AZ) or an Aurora cluster (writer + readers).

    A read replica is its own resource and is one ``replica`` node; a primary without a known AZ is placed
    in its subnet group's first AZ and the standby in the next one, as RDS picks them.
    """
    if res.resource_type == RDS_CLUSTER:
        members = cluster_instances(model, res)
        azs = database_subnet_azs(model, res) or strings(get(res.props, "availabilityZones"))[0]
        out = []
        for i, member in enumerate(members):
            az = as_str(get(member.props, "availabilityZone")) or (azs[i % len(azs)] if azs else None)
            klass = as_str(get(member.props, "instanceClass"))
            out.append(DatabaseNode(member, "writer" if i == 0 else "reader", az, klass))
        return out
    if res.resource_type != RDS_INSTANCE:
        return []
    klass = as_str(get(res.props, "instanceClass"))
    azs = database_subnet_azs(model, res)
    az = as_str(get(res.props, "availabilityZone"))
    if replica_source(model, res) is not None or get(res.props, "replicateSourceDb") is not None:
        return [DatabaseNode(res, "replica", az or (azs[-1] if azs else None), klass)]
    primary_az = az or (azs[0] if azs else None)
    nodes = [DatabaseNode(res, "primary", primary_az, klass)]
    if as_bool(get(res.props, "multiAz")):
        others = [a for a in azs if a != primary_az]
        nodes.append(DatabaseNode(res, "standby", others[0] if others else None, klass))
    return nodes


# --- queues: dead-letter targets -------------------------------------------------------------------


def dead_letter_target(model: StackModel, queue: PolicyResource) -> PolicyResource | None:
    """The dead-letter queue a queue redrives to (inline ``redrivePolicy`` or a ``RedrivePolicy`` resource)."""
    owners: list[tuple[PolicyResource, str]] = [(queue, "redrivePolicy")]
    for attached in model.of(REDRIVE_POLICY):
        if queue in model.resolve(attached, ("queueUrl",), [QUEUE], ("url", "id")).targets:
            owners.append((attached, "redrivePolicy"))
    for owner, prop in owners:
        raw = get(owner.props, prop)
        if raw is None:
            continue
        policy = parse_json(raw)
        target = get(policy, "deadLetterTargetArn") if policy is not None else UNKNOWN
        hits = model.resolve(owner, (prop,), [QUEUE], ("arn",), value=target).targets
        hits = [h for h in hits if h.urn != queue.urn]
        if hits:
            return hits[0]
    return None


# --- alarms ----------------------------------------------------------------------------------------


@dataclass
class Watch:
    """One metric of one alarm, pointed at one resource of the stack."""

    alarm: PolicyResource
    target: PolicyResource
    namespace: str | None
    metric_name: str | None


_DIMENSION_TARGETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "LoadBalancer": (LOAD_BALANCERS, ("arnSuffix",)),
    "TargetGroup": (TARGET_GROUPS, ("arnSuffix",)),
    "AutoScalingGroupName": ((ASG,), ("name", "id")),
    "ReplicationGroupId": ((REPLICATION_GROUP,), ("replicationGroupId", "id")),
    "QueueName": ((QUEUE,), ("name",)),
}
WATCHED_TYPES: tuple[str, ...] = (*LOAD_BALANCERS, *TARGET_GROUPS, ASG, REPLICATION_GROUP, QUEUE)


def alarm_metrics(alarm: PolicyResource) -> list[tuple[str | None, str | None, list[tuple[str, Any]], str]]:
    """(namespace, metric name, dimensions, property) for the alarm's metric and each metric query."""
    out = []
    props = alarm.props
    dims = entries(get(props, "dimensions"))
    if dims or get(props, "metricName") is not None:
        out.append((as_str(get(props, "namespace")), as_str(get(props, "metricName")), dims, "dimensions"))
    for query in elements(get(props, "metricQueries")):
        metric = get(query, "metric")
        if metric is None or metric is UNKNOWN:
            continue
        out.append(
            (
                as_str(get(metric, "namespace")),
                as_str(get(metric, "metricName")),
                entries(get(metric, "dimensions")),
                "metricQueries",
            )
        )
    return out


def watches(model: StackModel) -> list[Watch]:
    """Every (alarm metric → watched resource) pair, matched through metric dimensions."""
    out: list[Watch] = []
    groups = model.of(REPLICATION_GROUP)
    for alarm in model.of(METRIC_ALARM):
        for namespace, metric_name, dims, prop in alarm_metrics(alarm):
            targets: list[PolicyResource] = []
            unresolved = False
            for key, value in dims:
                if key == "CacheClusterId":
                    hits = _cache_members(groups, value)
                    if hits is None:
                        unresolved = True
                    else:
                        _extend(targets, hits)
                    continue
                spec = _DIMENSION_TARGETS.get(key)
                if spec is None:
                    continue
                types, keys = spec
                if is_unknown(value):
                    unresolved = True
                    continue
                resolved = model.resolve(alarm, (prop,), types, keys, value=value)
                hits = [t for t in resolved.targets if t.resource_type in types]
                if not hits:
                    unresolved = True
                _extend(targets, hits)
            if unresolved:
                _extend(targets, model.dependencies(alarm, prop, WATCHED_TYPES))
            out.extend(Watch(alarm, t, namespace, metric_name) for t in targets)
    return out


# Member cluster ids: <group>-001 (cluster mode disabled) or <group>-0001-001 (shard-node).
_MEMBER = re.compile(r"^-\d{3,4}(-\d{3})?$")


def _cache_members(groups: list[PolicyResource], value: Any) -> list[PolicyResource] | None:
    """Replication groups a ``CacheClusterId`` names (member ids are ``<group id>-00N``); None if unknown."""
    node = as_str(value)
    if node is None:
        return None
    hits = []
    for group in groups:
        members, _ = strings(get(group.props, "memberClusters"))
        group_ids = {
            v for v in (as_str(get(group.props, "replicationGroupId")), as_str(get(group.props, "id"))) if v
        }
        if node in members or any(_MEMBER.match(node[len(g) :]) for g in group_ids if node.startswith(g)):
            hits.append(group)
    return hits


def alarm_namespaces(alarm: PolicyResource) -> set[str]:
    """Namespaces of the alarm's metric and of its metric queries."""
    return {ns for ns, _, _, _ in alarm_metrics(alarm) if ns}


# --- queues ----------------------------------------------------------------------------------------


@dataclass
class QueueModel:
    """Redrive links between queues."""

    has_redrive: dict[str, bool | None]
    dead_letter_queues: set[str]
    malformed: dict[str, str]


def queue_model(model: StackModel) -> QueueModel:
    """Which queues have a redrive policy, which are dead-letter queues and which policies are malformed."""
    queues = model.of(QUEUE)
    has_redrive: dict[str, bool | None] = {q.urn: False for q in queues}
    dlqs: set[str] = set()
    malformed: dict[str, str] = {}

    def redrive(owner: PolicyResource, sources: list[PolicyResource], prop: str) -> None:
        raw = get(owner.props, prop)
        if raw is None:
            return
        for q in sources:
            has_redrive[q.urn] = True
        if raw is UNKNOWN:
            _mark(dlqs, model.dependencies(owner, prop, [QUEUE]), exclude=sources)
            return
        policy = parse_json(raw)
        target = get(policy, "deadLetterTargetArn") if policy is not None else None
        if policy is None or target is None:
            for q in sources:
                has_redrive[q.urn] = False
                malformed[q.urn] = "redrivePolicy is not a JSON object with a deadLetterTargetArn"
            return
        resolved = model.resolve(owner, (prop,), [QUEUE], ("arn",), value=target)
        _mark(dlqs, resolved.targets, exclude=sources)

    def redrive_allow(owner: PolicyResource, targets: list[PolicyResource], prop: str) -> None:
        raw = get(owner.props, prop)
        if raw is None:
            return
        policy = parse_json(raw)
        permission = lower(get(policy, "redrivePermission")) if policy is not None else None
        if raw is UNKNOWN or permission in ("allowall", "byqueue"):
            dlqs.update(q.urn for q in targets)

    for q in queues:
        redrive(q, [q], "redrivePolicy")
        redrive_allow(q, [q], "redriveAllowPolicy")
    # an EventBridge Scheduler schedule's dead-letter queue (its target queue excluded)
    for schedule in model.of("aws:scheduler/schedule:Schedule"):
        targets = model.resolve(schedule, ("target", "arn"), [QUEUE], ("arn",)).targets
        dead = model.resolve(schedule, ("target", "deadLetterConfig", "arn"), [QUEUE], ("arn",))
        _mark(dlqs, dead.targets, exclude=targets)
    for attached in model.of(REDRIVE_POLICY, REDRIVE_ALLOW_POLICY):
        owners = model.resolve(attached, ("queueUrl",), [QUEUE], ("url", "id")).targets
        if attached.resource_type == REDRIVE_POLICY:
            redrive(attached, owners, "redrivePolicy")
        else:
            redrive_allow(attached, owners, "redriveAllowPolicy")
    return QueueModel(has_redrive, dlqs, malformed)


def _mark(dlqs: set[str], targets: Iterable[PolicyResource], exclude: list[PolicyResource]) -> None:
    skip = {q.urn for q in exclude}
    dlqs.update(t.urn for t in targets if t.urn not in skip)


# --- NAT routing -----------------------------------------------------------------------------------

REGIONAL = "regional"


@dataclass
class PrivateRoute:
    """A subnet whose default route goes through a NAT gateway or NAT instance."""

    subnet: PolicyResource
    subnet_az: str | None
    route: PolicyResource
    nat: PolicyResource | None
    nat_az: str | None


def nat_routes(model: StackModel) -> list[PrivateRoute]:
    """Default routes (0.0.0.0/0) through a NAT, per associated subnet."""
    tables = model.of(ROUTE_TABLES)
    defaults: dict[str, list[tuple[PolicyResource, PolicyResource | None, str | None]]] = defaultdict(list)
    for table in tables:
        for route in elements(get(table.props, "routes")):
            if _is_default(get(route, "cidrBlock")):
                nat = _nat_target(model, table, route, "routes")
                if nat is not None:
                    defaults[table.urn].append((table, *nat))
    for route in model.of(ROUTE):
        if not _is_default(get(route.props, "destinationCidrBlock")):
            continue
        nat = _nat_target(model, route, route.props, None)
        if nat is None:
            continue
        for table in model.resolve(route, ("routeTableId",), ROUTE_TABLES, ("id",)).targets:
            defaults[table.urn].append((route, *nat))
    out: list[PrivateRoute] = []
    for assoc in model.of(ROUTE_TABLE_ASSOCIATION):
        table_hits = model.resolve(assoc, ("routeTableId",), ROUTE_TABLES, ("id",)).targets
        subnets = model.resolve(assoc, ("subnetId",), SUBNETS, ("id",)).targets
        for table in table_hits:
            for route, nat, nat_az in defaults.get(table.urn, []):
                for subnet in subnets:
                    out.append(PrivateRoute(subnet, subnet_az(subnet), route, nat, nat_az))
    return out


def _is_default(cidr: Any) -> bool:
    return as_str(cidr) == "0.0.0.0/0"


def _nat_target(
    model: StackModel, holder: PolicyResource, route: Any, prop: str | None
) -> tuple[PolicyResource | None, str | None] | None:
    """(NAT, its AZ or 'regional') for a route through a NAT gateway or instance; None for other targets.

    ``prop`` is the holder's property the route lives in (``routes`` for inline routes), whose
    dependencies stand in for unknown ids; a NAT that can't be found comes back as (None, None).
    """
    nat_id = get(route, "natGatewayId")
    if nat_id is not None:
        resolved = model.resolve(holder, (prop or "natGatewayId",), [NAT_GATEWAY], ("id",), value=nat_id)
        if not resolved.targets:
            return None, None
        nat = resolved.targets[0]
        if lower(get(nat.props, "availabilityMode")) == REGIONAL:
            return nat, REGIONAL
        subnet = model.resolve(nat, ("subnetId",), SUBNETS, ("id",)).targets
        return nat, subnet_az(subnet[0]) if subnet else None
    for key, types, keys in (
        ("instanceId", [INSTANCE], ("id",)),
        ("networkInterfaceId", [INSTANCE, NETWORK_INTERFACE], ("primaryNetworkInterfaceId", "id")),
    ):
        value = get(route, key)
        if value is not None:
            targets = model.resolve(holder, (prop or key,), types, keys, value=value).targets
            return (targets[0], _instance_az(model, targets[0])) if targets else (None, None)
    return None


def _instance_az(model: StackModel, res: PolicyResource) -> str | None:
    az = as_str(get(res.props, "availabilityZone"))
    if az:
        return az
    subnet = model.resolve(res, ("subnetId",), SUBNETS, ("id",)).targets
    return subnet_az(subnet[0]) if subnet else None


# --- log buckets -----------------------------------------------------------------------------------


def log_buckets(model: StackModel) -> list[PolicyResource]:
    """S3 buckets receiving load balancer logs or VPC flow logs."""
    found: list[PolicyResource] = []
    for lb in model.of(LOAD_BALANCERS):
        for prop in ("accessLogs", "connectionLogs", "healthCheckLogs"):
            name = get(lb.props, prop, "bucket")
            if name is not None:
                _extend(found, model.resolve(lb, (prop,), BUCKETS, ("bucket", "id"), value=name).targets)
    for flow_log in model.of(FLOW_LOG):
        kind = lower(get(flow_log.props, "logDestinationType"))
        destination = get(flow_log.props, "logDestination")
        if kind != "s3" or destination is None:
            continue
        value = _bucket_arn(destination)
        _extend(found, model.resolve(flow_log, ("logDestination",), BUCKETS, ("arn",), value=value).targets)
    return found


def _bucket_arn(destination: Any) -> Any:
    """``arn:aws:s3:::bucket/prefix`` → ``arn:aws:s3:::bucket``."""
    text = as_str(destination)
    if text is None:
        return destination
    head, sep, _ = text.partition(":::")
    return head + sep + text[len(head) + len(sep) :].split("/", 1)[0] if sep else text


# --- misc ------------------------------------------------------------------------------------------


def node_count(props: Any) -> int | None:
    """Nodes per shard of a replication group (``numCacheClusters``, else replicas + 1, default 1)."""
    count = get(props, "numCacheClusters")
    if count is UNKNOWN:
        return None
    if count is not None:
        return as_int(count)
    replicas = get(props, "replicasPerNodeGroup")
    if replicas is UNKNOWN:
        return None
    if replicas is not None:
        value = as_int(replicas)
        return None if value is None else value + 1
    return 1


def protected(res: PolicyResource) -> bool:
    """``protect`` as pulumi_policy reports it."""
    opts = getattr(res, "opts", None)
    return as_bool(getattr(opts, "protect", None)) is True
