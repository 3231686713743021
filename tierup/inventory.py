"""What an evaluated stack holds, linked the way AWS links it: through ids, ARNs and names.

``tierup cost`` and ``tierup graph`` read the evaluated resources through this index, so both work
on hand-written pulumi_aws stacks as well as on tierup's components: an Auto Scaling group finds
its launch template by id, its load balancer through its target groups' ARNs and the listeners
that forward to them, its AZs through its subnets; a queue finds its dead-letter queue through the
redrive policy; an alarm finds its topic through its actions.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from typing import Any

from tierup.engine import wire
from tierup.engine.evaluation import Evaluation, ResourceRecord

DEFAULT_REGION = "us-east-1"

#: The tiers, in the order reports list them.
TIERS = ("network", "load balancer", "app", "cache", "queue", "workers", "alarms", "other")

#: tierup's components and the tier each one is.
COMPONENT_TIERS = {
    "tierup:network:Network": "network",
    "tierup:load_balancer:LoadBalancer": "load balancer",
    "tierup:app_tier:AppTier": "app",
    "tierup:redis_cache:RedisCache": "cache",
    "tierup:queue:Queue": "queue",
    "tierup:worker_pool:WorkerPool": "workers",
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
_MODULE_TIERS = {"elasticache": "cache", "sqs": "queue"}

#: Output/input properties that other resources use to refer to a resource.
_REFERENCE_KEYS = ("arn", "name", "url", "bucket", "replicationGroupId", "arnSuffix", "allocationId")


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

    # ---- basics ----------------------------------------------------------------------------

    def props(self, r: ResourceRecord) -> dict[str, Any]:
        return self._props[r.urn]

    def get(self, r: ResourceRecord, key: str, default: Any = None) -> Any:
        value = self._props[r.urn].get(key)
        return default if value is None else value

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

    def component_of(self, r: ResourceRecord) -> str | None:
        """The type of the nearest tierup component above ``r``, if any."""
        parent = self._by_urn.get(r.parent) if r.parent else None
        while parent is not None:
            if parent.type in COMPONENT_TIERS:
                return parent.type
            parent = self._by_urn.get(parent.parent) if parent.parent else None
        return None

    def tier_of(self, r: ResourceRecord) -> str:
        """The tier from tierup's component parent, else inferred from the resource's type and links."""
        component = self.component_of(r)
        if component is not None:
            return COMPONENT_TIERS[component]
        type_ = self.type_of(r)
        if type_ in _TYPE_TIERS:
            return _TYPE_TIERS[type_]
        module = type_.split(":")[1].split("/")[0] if type_.count(":") == 2 else ""
        if module in _MODULE_TIERS:
            return _MODULE_TIERS[module]
        if type_ == "aws:autoscaling/group:Group":
            return "app" if self.target_groups_of(r) else "workers"
        if type_ in ("aws:autoscaling/policy:Policy", "aws:autoscaling/lifecycleHook:LifecycleHook"):
            group = self.ref(self.get(r, "autoscalingGroupName"), "aws:autoscaling/group:Group")
            return self.tier_of(group) if group is not None else "other"
        if type_ == "aws:ec2/instance:Instance" and self.is_nat_instance(r):
            return "network"
        if type_ == "aws:cloudwatch/logGroup:LogGroup":
            return self._log_group_tier(r)
        if type_ in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2") and self.is_access_log_bucket(r):
            return "load balancer"
        return "other"

    def _log_group_tier(self, r: ResourceRecord) -> str:
        if r in self.flow_log_groups():
            return "network"
        if r in self.cache_log_groups():
            return "cache"
        return "other"

    # ---- network ---------------------------------------------------------------------------

    def subnet_azs(self, subnet_ids: Iterable[Any]) -> list[str]:
        """The AZs of subnets (by id), in order, without repeats."""
        azs: list[str] = []
        for subnet in self.refs(subnet_ids, "aws:ec2/subnet:Subnet"):
            az = self.get(subnet, "availabilityZone")
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

    def listener_rules_of(self, lb: ResourceRecord) -> list[ResourceRecord]:
        listeners = self.listeners_of(lb)
        arns = {self.get(listener, "arn") for listener in listeners} | {listener.id for listener in listeners}
        return [
            rule
            for rule in self.of_type("aws:lb/listenerRule:ListenerRule")
            if self.get(rule, "listenerArn") in arns
        ]

    def listeners_of(self, lb: ResourceRecord) -> list[ResourceRecord]:
        arns = {self.get(lb, "arn"), lb.id}
        return [
            listener
            for listener in self.of_type("aws:lb/listener:Listener")
            if self.get(listener, "loadBalancerArn") in arns
        ]

    @staticmethod
    def _forwarded_target_groups(actions: Any) -> Iterator[str]:
        for action in as_list(actions):
            if action.get("targetGroupArn"):
                yield action["targetGroupArn"]
            for group in as_list((action.get("forward") or {}).get("targetGroups")):
                if group.get("arn"):
                    yield group["arn"]

    def load_balancers_of(self, target_group: ResourceRecord) -> list[ResourceRecord]:
        """The load balancers whose listeners (or listener rules) forward to ``target_group``."""
        arn = self.get(target_group, "arn") or target_group.id
        found: list[ResourceRecord] = []
        for lb in self.of_type("aws:lb/loadBalancer:LoadBalancer"):
            sources = [(listener, "defaultActions") for listener in self.listeners_of(lb)]
            sources += [(rule, "actions") for rule in self.listener_rules_of(lb)]
            if any(arn in self._forwarded_target_groups(self.get(s, key)) for s, key in sources):
                found.append(lb)
        return found

    # ---- Auto Scaling groups ----------------------------------------------------------------

    def target_groups_of(self, asg: ResourceRecord) -> list[ResourceRecord]:
        arns = as_list(self.get(asg, "targetGroupArns"))
        arns += [source.get("identifier") for source in as_list(self.get(asg, "trafficSources"))]
        return self.refs(arns, "aws:lb/targetGroup:TargetGroup")

    def load_balancers_of_group(self, asg: ResourceRecord) -> list[ResourceRecord]:
        found: list[ResourceRecord] = []
        for group in self.target_groups_of(asg):
            found += [lb for lb in self.load_balancers_of(group) if lb not in found]
        return found

    def capacity_of(self, asg: ResourceRecord) -> int:
        """Desired capacity, else the minimum size."""
        desired = self.get(asg, "desiredCapacity")
        return int(desired if desired is not None else self.get(asg, "minSize", 0))

    def azs_of_group(self, asg: ResourceRecord) -> list[str]:
        return self.subnet_azs(as_list(self.get(asg, "vpcZoneIdentifiers"))) or as_list(
            self.get(asg, "availabilityZones")
        )

    def launch_template_of(self, asg: ResourceRecord) -> ResourceRecord | None:
        """The launch template (or legacy launch configuration) an ASG launches from."""
        spec = self.get(asg, "launchTemplate") or {}
        mixed = (self.get(asg, "mixedInstancesPolicy") or {}).get("launchTemplate") or {}
        mixed_spec = mixed.get("launchTemplateSpecification") or {}
        candidates = [spec.get("id"), spec.get("name"), mixed_spec.get("launchTemplateId")]
        candidates.append(mixed_spec.get("launchTemplateName"))
        template = next(iter(self.refs(candidates, "aws:ec2/launchTemplate:LaunchTemplate")), None)
        if template is None:
            template = self.ref(
                self.get(asg, "launchConfiguration"), "aws:ec2/launchConfiguration:LaunchConfiguration"
            )
        return template

    def instance_type_of(self, asg: ResourceRecord) -> str | None:
        overrides = ((self.get(asg, "mixedInstancesPolicy") or {}).get("launchTemplate") or {}).get(
            "overrides"
        )
        for override in as_list(overrides):
            if override.get("instanceType"):
                return override["instanceType"]
        template = self.launch_template_of(asg)
        return self.get(template, "instanceType") if template is not None else None

    def security_groups_of(self, r: ResourceRecord) -> list[str]:
        """Security group ids of a load balancer, cache, instance, or an ASG's launch template."""
        if self.type_of(r) == "aws:autoscaling/group:Group":
            template = self.launch_template_of(r)
            if template is None:
                return []
            r = template
        ids = as_list(self.get(r, "securityGroups")) + as_list(self.get(r, "vpcSecurityGroupIds"))
        ids += as_list(self.get(r, "securityGroupIds"))
        for interface in as_list(self.get(r, "networkInterfaces")):
            ids += as_list(interface.get("securityGroups"))
        return list(dict.fromkeys(i for i in ids if isinstance(i, str)))

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

    def ingress_sources(self, group_id: str) -> set[str]:
        """Security groups that ``group_id`` admits traffic from (rules of any of the three styles)."""
        sources: set[str] = set()
        for rule in self.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
            if self.get(rule, "securityGroupId") == group_id and self.get(rule, "referencedSecurityGroupId"):
                sources.add(self.get(rule, "referencedSecurityGroupId"))
        for rule in self.of_type("aws:ec2/securityGroupRule:SecurityGroupRule"):
            source = self.get(rule, "sourceSecurityGroupId")
            if (
                self.get(rule, "type") == "ingress"
                and self.get(rule, "securityGroupId") == group_id
                and source
            ):
                sources.add(source)
        group = self.ref(group_id, "aws:ec2/securityGroup:SecurityGroup")
        if group is not None:
            for ingress in as_list(self.get(group, "ingress")):
                sources.update(as_list(ingress.get("securityGroups")))
        return sources

    def admits(self, target: ResourceRecord, source: ResourceRecord) -> bool:
        """Whether a security group of ``target`` admits traffic from a security group of ``source``."""
        source_groups = set(self.security_groups_of(source))
        return any(self.ingress_sources(g) & source_groups for g in self.security_groups_of(target))

    # ---- queues --------------------------------------------------------------------------------

    def dead_letter_queue_of(self, queue: ResourceRecord) -> ResourceRecord | None:
        policy = parse_json(self.get(queue, "redrivePolicy"))
        if not policy:
            url = self.get(queue, "url") or queue.id
            for r in self.of_type("aws:sqs/redrivePolicy:RedrivePolicy"):
                if self.get(r, "queueUrl") == url:
                    policy = parse_json(self.get(r, "redrivePolicy"))
        return self.ref(policy.get("deadLetterTargetArn"), "aws:sqs/queue:Queue")

    def dead_letter_queues(self) -> list[ResourceRecord]:
        found: list[ResourceRecord] = []
        for queue in self.of_type("aws:sqs/queue:Queue"):
            dlq = self.dead_letter_queue_of(queue)
            if dlq is not None and dlq not in found:
                found.append(dlq)
        return found
