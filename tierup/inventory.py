"""What an evaluated stack holds, linked the way AWS links it: through ids, ARNs and names.

``tierup cost`` and ``tierup graph`` read the evaluated resources through this index. How resources
link (an ASG to its target groups, attachments included, and its launch template; a target group to
the listeners and rules that route to it; a queue to its dead-letter queue; a security group to the
groups it admits; a database to its standby and replicas) is NOT decided here: it is the policy
pack's model, ``tierup.policies.rules._graph``, which this module feeds with the evaluated records
adapted to the shape the pack sees. One model, so cost, graph and the policies never disagree.

What stays here is tierup's own reading: which tier (and which named component instance) a
resource belongs to, and the region of its provider.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tierup.engine import wire
from tierup.engine.evaluation import Evaluation, ResourceRecord
from tierup.policies.rules import _graph

DEFAULT_REGION = "us-east-1"

#: The tiers, in the order reports list them.
TIERS = (
    "network",
    "load balancer",
    "app",
    "containers",
    "functions",
    "cache",
    "database",
    "queue",
    "workers",
    "schedule",
    "storage",
    "edge",
    "alarms",
    "other",
)

#: tierup's components and the tier each one is.
COMPONENT_TIERS = {
    "tierup:network:Network": "network",
    "tierup:load_balancer:LoadBalancer": "load balancer",
    "tierup:app_tier:AppTier": "app",
    "tierup:redis_cache:RedisCache": "cache",
    "tierup:database:Database": "database",
    "tierup:queue:Queue": "queue",
    "tierup:worker_pool:WorkerPool": "workers",
    "tierup:schedule:Schedule": "schedule",
    "tierup:alarms:Alarms": "alarms",
}

#: Raw resource types whose tier follows from the type alone.
_TYPE_TIERS = {
    "aws:ec2/vpc:Vpc": "network",
    "aws:ec2/subnet:Subnet": "network",
    "aws:ec2/internetGateway:InternetGateway": "network",
    "aws:ec2/natGateway:NatGateway": "network",
    "aws:ec2/eip:Eip": "network",
    "aws:ec2/routeTable:RouteTable": "network",
    "aws:ec2/route:Route": "network",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "network",
    "aws:ec2/flowLog:FlowLog": "network",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "network",
    "aws:lb/loadBalancer:LoadBalancer": "load balancer",
    "aws:lb/targetGroup:TargetGroup": "load balancer",
    "aws:lb/listener:Listener": "load balancer",
    "aws:lb/listenerRule:ListenerRule": "load balancer",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "alarms",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": "alarms",
    "aws:cloudwatch/dashboard:Dashboard": "alarms",
    "aws:sns/topic:Topic": "alarms",
    "aws:sns/topicSubscription:TopicSubscription": "alarms",
}
_MODULE_TIERS = {
    "elasticache": "cache",
    "sqs": "queue",
    "rds": "database",
    "lambda": "functions",
    "ecs": "containers",
    "scheduler": "schedule",
    "s3": "storage",
    "wafv2": "edge",
    "route53": "edge",
    "acm": "edge",
    "cloudfront": "edge",
}

#: Output/input properties that other resources use to refer to a resource.
_REFERENCE_KEYS = ("arn", "name", "url", "bucket", "replicationGroupId", "arnSuffix", "allocationId")

ASG = "aws:autoscaling/group:Group"


def normalize_type(type_: str) -> str:
    """``aws:alb/...`` is an alias of ``aws:lb/...``."""
    return type_.replace("aws:alb/", "aws:lb/")


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def truthy(value: Any) -> bool:
    """Booleans the provider accepts as strings too (launch templates use ``"true"``)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def parse_json(value: Any) -> dict[str, Any]:
    """A JSON document given as a string or already as a mapping (redrive policies, IAM policies)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


@dataclass
class _Options:
    protect: bool = False


@dataclass(eq=False)
class Linked:
    """An evaluated record in the shape the policy pack's model reads (``PolicyResource``'s attributes)."""

    record: ResourceRecord
    urn: str
    resource_type: str
    name: str
    props: dict[str, Any]
    opts: _Options
    property_dependencies: dict[str, list[Linked]] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    """The named tier a resource is reported under: ``("app", "web")``, ``("workers", "emails")``."""

    tier: str
    name: str | None

    @property
    def label(self) -> str:
        return f"{self.tier} {self.name}" if self.name else self.tier


class Inventory:
    """The custom resources of an evaluation with their properties (inputs, then outputs, plain)."""

    def __init__(self, evaluation: Evaluation, region: str | None = None) -> None:
        self.evaluation = evaluation
        self.resources = evaluation.custom_resources()
        self._by_urn = {r.urn: r for r in evaluation.resources}
        self._props = {r.urn: {**wire.plain(r.inputs), **wire.plain(r.outputs)} for r in evaluation.resources}
        self._refs: dict[str, list[ResourceRecord]] = {}
        for r in self.resources:
            values = {r.id, *(self.props(r).get(key) for key in _REFERENCE_KEYS)}
            for value in values:
                if isinstance(value, str) and value:
                    self._refs.setdefault(value, []).append(r)
        self.region = self._default_provider_region() or region or DEFAULT_REGION
        self._linked = {
            r.urn: Linked(r, r.urn, r.type, r.name, {"id": r.id, **self._props[r.urn]}, _Options(r.protect))
            for r in self.resources
        }
        for node in self._linked.values():
            node.property_dependencies = {
                prop: [self._linked[u] for u in urns if u in self._linked]
                for prop, urns in node.record.property_dependencies.items()
            }
        self._groups: dict[str, Group] = {}
        #: The pack's model of the stack: every link below is read from it.
        self.model = _graph.StackModel(self._linked.values())

    # ---- basics ----------------------------------------------------------------------------

    def props(self, r: ResourceRecord) -> dict[str, Any]:
        return self._props[r.urn]

    def get(self, r: ResourceRecord, key: str, default: Any = None) -> Any:
        value = self._props[r.urn].get(key)
        return default if value is None or value == wire.UNKNOWN else value

    @staticmethod
    def type_of(r: ResourceRecord) -> str:
        return normalize_type(r.type)

    def of_type(self, *types: str) -> list[ResourceRecord]:
        return [r for r in self.resources if self.type_of(r) in types]

    def ref(self, value: Any, *types: str) -> ResourceRecord | None:
        """The resource that ``value`` (an id, ARN, name, URL...) names, of one of ``types``."""
        if not isinstance(value, str):
            return None
        return next((r for r in self._refs.get(value, []) if not types or self.type_of(r) in types), None)

    def refs(self, values: Iterable[Any], *types: str) -> list[ResourceRecord]:
        found: list[ResourceRecord] = []
        for value in values:
            r = self.ref(value, *types)
            if r is not None and r not in found:
                found.append(r)
        return found

    def linked(self, r: ResourceRecord) -> Linked:
        """``r`` as the pack's model sees it."""
        return self._linked[r.urn]

    @staticmethod
    def records(nodes: Iterable[Any]) -> list[ResourceRecord]:
        """The evaluated records behind the model's resources."""
        return [n.record for n in nodes if isinstance(n, Linked)]

    # ---- regions ---------------------------------------------------------------------------

    def _default_provider_region(self) -> str | None:
        for r in self.evaluation.resources:
            if r.type == "pulumi:providers:aws" and r.name.startswith("default"):
                region = self.props(r).get("region")
                if isinstance(region, str) and region:
                    return region
        return None

    def region_of(self, r: ResourceRecord) -> str:
        """The region of the provider that manages ``r`` (the stack's region for default providers)."""
        provider = self._by_urn.get(r.provider.rsplit("::", 1)[0]) if r.provider else None
        region = self.props(provider).get("region") if provider is not None else None
        return region if isinstance(region, str) and region else self.region

    # ---- tiers -----------------------------------------------------------------------------

    def component(self, r: ResourceRecord) -> ResourceRecord | None:
        """The nearest tierup component above ``r``, if any."""
        parent = self._by_urn.get(r.parent) if r.parent else None
        while parent is not None:
            if parent.type in COMPONENT_TIERS:
                return parent
            parent = self._by_urn.get(parent.parent) if parent.parent else None
        return None

    def component_of(self, r: ResourceRecord) -> str | None:
        """The type of the nearest tierup component above ``r``, if any."""
        component = self.component(r)
        return component.type if component is not None else None

    def tier_of(self, r: ResourceRecord) -> str:
        """The tier from tierup's component parent, else inferred from the resource's type and links."""
        return self.group_of(r).tier

    def group_of(self, r: ResourceRecord) -> Group:
        """The named tier of ``r``: its tierup component instance, else its ASG, else its kind of resource."""
        if r.urn not in self._groups:
            self._groups[r.urn] = self._group_of(r)
        return self._groups[r.urn]

    def _group_of(self, r: ResourceRecord) -> Group:
        component = self.component(r)
        if component is not None:
            return Group(COMPONENT_TIERS[component.type], component.name)
        type_ = self.type_of(r)
        if type_ in _TYPE_TIERS:
            return Group(_TYPE_TIERS[type_], None)
        if type_ == ASG:
            return Group("app" if self.target_groups_of(r) else "workers", r.name)
        if type_ in ("aws:autoscaling/policy:Policy", "aws:autoscaling/lifecycleHook:LifecycleHook"):
            group = self.ref(self.get(r, "autoscalingGroupName"), ASG)
            return self.group_of(group) if group is not None else Group("other", None)
        if type_ == "aws:ec2/instance:Instance" and self.is_nat_instance(r):
            return Group("network", None)
        if type_ == "aws:cloudwatch/logGroup:LogGroup":
            return Group(self._log_group_tier(r), None)
        if type_ in _graph.DATABASE_TYPES:
            return Group("database", self._database_name(r))
        if type_ in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2") and self.is_access_log_bucket(r):
            return Group("load balancer", None)
        module = type_.split(":")[1].split("/")[0] if type_.count(":") == 2 else ""
        if module in _MODULE_TIERS:
            return Group(_MODULE_TIERS[module], None)
        return Group("other", None)

    def _database_name(self, r: ResourceRecord) -> str:
        """A raw database's name: an Aurora instance's cluster, a replica's source, else its own."""
        node = self.linked(r)
        if r.type == _graph.RDS_CLUSTER_INSTANCE:
            clusters = self.model.resolve(
                node, ("clusterIdentifier",), [_graph.RDS_CLUSTER], ("clusterIdentifier", "id")
            )
            return clusters.targets[0].name if clusters.targets else r.name
        source = _graph.replica_source(self.model, node) if r.type == _graph.RDS_INSTANCE else None
        return source.name if source is not None else r.name

    def _log_group_tier(self, r: ResourceRecord) -> str:
        if r in self.flow_log_groups():
            return "network"
        if r in self.cache_log_groups():
            return "cache"
        return "other"

    # ---- network ---------------------------------------------------------------------------

    def subnet_azs(self, subnet_ids: Iterable[Any]) -> list[str]:
        """The AZs of subnets (by id), in order, without repeats."""
        index = self.model.index(_graph.SUBNETS, ("id",))
        azs: list[str] = []
        for value in subnet_ids:
            for subnet in index.get(value, []) if isinstance(value, str) else []:
                az = _graph.subnet_az(subnet)
                if az and az not in azs:
                    azs.append(az)
        return azs

    def is_nat_instance(self, r: ResourceRecord) -> bool:
        return self.get(r, "sourceDestCheck", True) is False

    def az_of_instance(self, r: ResourceRecord) -> str | None:
        return next(iter(self.subnet_azs([self.get(r, "subnetId")])), None) or self.get(r, "availabilityZone")

    def flow_log_groups(self) -> list[ResourceRecord]:
        found: list[ResourceRecord] = []
        for flow_log in self.of_type("aws:ec2/flowLog:FlowLog"):
            for key in ("logDestination", "logGroupName"):
                group = self.ref(self.get(flow_log, key), "aws:cloudwatch/logGroup:LogGroup")
                if group is None and isinstance(self.get(flow_log, key), str):
                    group = self.ref(
                        self.get(flow_log, key).removesuffix(":*"), "aws:cloudwatch/logGroup:LogGroup"
                    )
                if group is not None and group not in found:
                    found.append(group)
        return found

    def cache_log_groups(self) -> list[ResourceRecord]:
        found: list[ResourceRecord] = []
        for r in self.of_type(
            "aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/cluster:Cluster"
        ):
            for delivery in as_list(self.get(r, "logDeliveryConfigurations")):
                group = self.ref(delivery.get("destination"), "aws:cloudwatch/logGroup:LogGroup")
                if group is not None and group not in found:
                    found.append(group)
        return found

    # ---- load balancers --------------------------------------------------------------------

    def is_access_log_bucket(self, bucket: ResourceRecord) -> bool:
        names = {self.get(bucket, "bucket"), bucket.id}
        for lb in self.of_type("aws:lb/loadBalancer:LoadBalancer"):
            logs = self.get(lb, "accessLogs") or {}
            if logs.get("bucket") in names and logs.get("enabled", True) is not False:
                return True
        return False

    def listeners_of(self, lb: ResourceRecord) -> list[ResourceRecord]:
        return self.records(_graph.listeners_of(self.model, self.linked(lb)))

    def listener_rules_of(self, lb: ResourceRecord) -> list[ResourceRecord]:
        """The listener rules of every listener of ``lb``."""
        rules: list[ResourceRecord] = []
        for listener in _graph.listeners_of(self.model, self.linked(lb)):
            rules += self.records(_graph.listener_rules_of(self.model, listener))
        return rules

    def routes_to(self, target_group: ResourceRecord) -> list[_graph.Route]:
        """The listener defaults and rules forwarding to ``target_group``."""
        return _graph.target_group_routes(self.model, self.linked(target_group))

    def load_balancers_of(self, target_group: ResourceRecord) -> list[ResourceRecord]:
        """The load balancers whose listeners (or listener rules) forward to ``target_group``."""
        found: list[ResourceRecord] = []
        for route in self.routes_to(target_group):
            if route.load_balancer.record not in found:
                found.append(route.load_balancer.record)
        return found

    # ---- Auto Scaling groups ----------------------------------------------------------------

    def target_groups_of(self, asg: ResourceRecord) -> list[ResourceRecord]:
        """Target groups of ``targetGroupArns``, ``trafficSources`` and ASG attachments (the pack's rule)."""
        return self.records(_graph.asg_target_groups(self.model, self.linked(asg)))

    def load_balancers_of_group(self, asg: ResourceRecord) -> list[ResourceRecord]:
        return self.records(_graph.asg_load_balancers(self.model, self.linked(asg)))

    def capacity_of(self, asg: ResourceRecord) -> int:
        """Desired capacity, else the minimum size."""
        desired = self.get(asg, "desiredCapacity")
        return int(desired if desired is not None else self.get(asg, "minSize", 0))

    def azs_of_group(self, asg: ResourceRecord) -> list[str]:
        """The AZs an ASG launches into (its subnets' AZs, else ``availabilityZones``), sorted."""
        return sorted(_graph.asg_placement(self.model, self.linked(asg)).azs)

    def launch_template_of(self, asg: ResourceRecord) -> ResourceRecord | None:
        """The launch template (or legacy launch configuration) an ASG launches from."""
        template = _graph.asg_launch_template(self.model, self.linked(asg))
        return template.record if isinstance(template, Linked) else None

    def instance_type_of(self, asg: ResourceRecord) -> str | None:
        overrides = ((self.get(asg, "mixedInstancesPolicy") or {}).get("launchTemplate") or {}).get(
            "overrides"
        )
        for override in as_list(overrides):
            if override.get("instanceType"):
                return override["instanceType"]
        template = self.launch_template_of(asg)
        return self.get(template, "instanceType") if template is not None else None

    def user_data_of(self, asg: ResourceRecord) -> str:
        """The boot script of an ASG's launch template, decoded from base64 when it is."""
        template = self.launch_template_of(asg)
        data = self.get(template, "userData", "") if template is not None else ""
        if not isinstance(data, str):
            return ""
        try:
            return base64.b64decode(data, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return data

    # ---- security group reachability ----------------------------------------------------------

    def admits(self, target: ResourceRecord, source: ResourceRecord) -> bool:
        """Whether a security group of ``target`` admits traffic from a security group of ``source``."""
        return _graph.admits(self.model, self.linked(target), self.linked(source))

    # ---- databases -----------------------------------------------------------------------------

    def database_nodes(self, r: ResourceRecord) -> list[_graph.DatabaseNode]:
        return _graph.database_nodes(self.model, self.linked(r))

    def replica_source(self, r: ResourceRecord) -> ResourceRecord | None:
        source = _graph.replica_source(self.model, self.linked(r))
        return source.record if isinstance(source, Linked) else None

    # ---- queues --------------------------------------------------------------------------------

    def dead_letter_queue_of(self, queue: ResourceRecord) -> ResourceRecord | None:
        dlq = _graph.dead_letter_target(self.model, self.linked(queue))
        return dlq.record if isinstance(dlq, Linked) else None

    def dead_letter_queues(self) -> list[ResourceRecord]:
        dlqs = _graph.queue_model(self.model).dead_letter_queues
        return [q for q in self.of_type("aws:sqs/queue:Queue") if q.urn in dlqs]

    # ---- alarms --------------------------------------------------------------------------------

    def alarms_watching(self) -> dict[str, set[str]]:
        """Resource URN → the URNs of the alarms watching it (through metric dimensions)."""
        out: dict[str, set[str]] = {}
        for watch in _graph.watches(self.model):
            out.setdefault(watch.target.urn, set()).add(watch.alarm.urn)
        return out
