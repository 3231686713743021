"""``tierup graph``: the architecture as a diagram, derived from the evaluated resources.

Users → load balancer → each named service (one node per tier, its capacity stated once: "2 to 10
instances across 3 AZs"; the edge from the load balancer labelled with its routes) → the cache
primary and replicas (their AZs from ``preferredCacheClusterAzs``) and the database primary, standby
and replicas per AZ → queues → each worker pool, schedules → their queue, the dead-letter queues,
NAT per AZ, Lambda functions, Fargate services, EC2 instances and buckets, and the alarms → SNS
topic → subscriptions (alarm counts add up to the stack's alarms). A stack in which no tier is
recognised says so, and draws its resources by type. Everything is linked the way AWS links it
(target group ARNs, listener actions, security group rules, redrive policies, alarm actions,
scaling-policy metrics, boot scripts naming a queue or an endpoint), so a hand-written pulumi_aws
stack draws as well as one built from tierup's components.

Rendered as Mermaid (``flowchart LR``, a subgraph per AZ; GitHub renders it), Graphviz DOT, or SVG
through Graphviz's ``dot`` when it is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tierup.engine.evaluation import Evaluation, ResourceRecord
from tierup.errors import TierupError
from tierup.inventory import Inventory, as_list, parse_json, truthy

ASG = "aws:autoscaling/group:Group"
QUEUE = "aws:sqs/queue:Queue"


@dataclass
class Node:
    """A box in the diagram; ``zone`` puts it in an AZ's subgraph."""

    id: str
    label: str  # lines separated by "\n"
    shape: str = "box"  # box, rounded, circle, cylinder, queue, hexagon, flag, stadium
    zone: str | None = None


@dataclass
class Edge:
    source: str
    target: str
    label: str = ""
    dashed: bool = False


@dataclass
class Diagram:
    """Nodes, edges and the AZs (in order) of one stack's architecture."""

    title: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    @property
    def zones(self) -> list[str]:
        return sorted({n.zone for n in self.nodes if n.zone})

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def add(self, node: Node) -> Node:
        self.nodes.append(node)
        return node

    def link(self, source: str, target: str, label: str = "", dashed: bool = False) -> None:
        edge = Edge(source, target, label, dashed)
        if edge not in self.edges:
            self.edges.append(edge)

    # ---- Mermaid ---------------------------------------------------------------------------

    def to_mermaid(self) -> str:
        out = ["flowchart LR", f"  %% {_mermaid_comment(self.title)}"]
        for node in self.nodes:
            if node.zone is None:
                out.append(f"  {_mermaid_node(node)}")
        for zone in self.zones:
            out.append(f'  subgraph {_zone_id(zone)}["{_mermaid_text(zone)}"]')
            out += [f"    {_mermaid_node(n)}" for n in self.nodes if n.zone == zone]
            out.append("  end")
        for edge in self.edges:
            arrow = "-.->" if edge.dashed else "-->"
            label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
            out.append(f"  {edge.source} {arrow}{label} {edge.target}")
        return "\n".join(out)

    # ---- Graphviz --------------------------------------------------------------------------

    def to_dot(self) -> str:
        out = [
            f"digraph {_dot_string(self.title)} {{",
            "  rankdir=LR;",
            f"  label={_dot_string(self.title)}; labelloc=t; fontname=Helvetica;",
            "  node [fontname=Helvetica, fontsize=11, shape=box];",
            "  edge [fontname=Helvetica, fontsize=10];",
        ]
        for node in self.nodes:
            if node.zone is None:
                out.append(f"  {_dot_node(node)}")
        for zone in self.zones:
            out.append(f"  subgraph {_dot_string('cluster_' + _zone_id(zone))} {{")
            out.append(f"    label={_dot_string(zone)}; style=dashed;")
            out += [f"    {_dot_node(n)}" for n in self.nodes if n.zone == zone]
            out.append("  }")
        for edge in self.edges:
            attributes = []
            if edge.label:
                attributes.append(f"label={_dot_string(edge.label)}")
            if edge.dashed:
                attributes.append("style=dashed")
            suffix = f" [{', '.join(attributes)}]" if attributes else ""
            out.append(f"  {_dot_string(edge.source)} -> {_dot_string(edge.target)}{suffix};")
        out.append("}")
        return "\n".join(out)

    def to_svg(self) -> str:
        """SVG from Graphviz's ``dot``; a one-line error when it is not installed or fails."""
        result = subprocess.run(
            [require_dot(), "-Tsvg"], input=self.to_dot(), capture_output=True, text=True, timeout=60
        )
        if result.returncode != 0:
            first = (result.stderr.strip().splitlines() or ["no message"])[0]
            raise TierupError(f"Graphviz's dot failed: {first}", key="--format")
        return result.stdout


def require_dot() -> str:
    """The path of Graphviz's ``dot``, or a one-line error saying how to get it."""
    dot = shutil.which("dot")
    if dot is None:
        raise TierupError(
            "svg needs Graphviz's 'dot' on PATH (install graphviz: apt-get install graphviz or"
            " brew install graphviz), or use --format mermaid or dot",
            key="--format",
        )
    return dot


# ---- escaping -----------------------------------------------------------------------------------

_MERMAID_SHAPES = {
    "box": ('["', '"]'),
    "rounded": ('("', '")'),
    "circle": ('(("', '"))'),
    "cylinder": ('[("', '")]'),
    "queue": ('[["', '"]]'),
    "hexagon": ('{{"', '"}}'),
    "flag": ('>"', '"]'),
    "stadium": ('(["', '"])'),
}
_DOT_SHAPES = {
    "box": "box",
    "rounded": "box",
    "circle": "circle",
    "cylinder": "cylinder",
    "queue": "cds",
    "hexagon": "hexagon",
    "flag": "note",
    "stadium": "ellipse",
}


def _mermaid_text(text: str) -> str:
    """Label text safe inside Mermaid quotes: entity codes for the characters Mermaid reads itself."""
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;")):
        text = text.replace(char, code)
    return text.replace("\n", "<br/>")


def _mermaid_comment(text: str) -> str:
    return text.replace("\n", " ")


def _mermaid_node(node: Node) -> str:
    opening, closing = _MERMAID_SHAPES[node.shape]
    return f"{node.id}{opening}{_mermaid_text(node.label)}{closing}"


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _dot_node(node: Node) -> str:
    style = ", style=rounded" if node.shape == "rounded" else ""
    return (
        f"{_dot_string(node.id)} [label={_dot_string(node.label)}, shape={_DOT_SHAPES[node.shape]}{style}];"
    )


def _zone_id(zone: str) -> str:
    return "az_" + _slug(zone)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "x"


# ---- building the diagram from the resources -----------------------------------------------------


class _Builder:
    """Reads the inventory tier by tier; every node id is derived from its resource's logical name."""

    def __init__(self, inventory: Inventory) -> None:
        self.inv = inventory
        ev = inventory.evaluation
        self.diagram = Diagram(f"{ev.project} · stack {ev.stack} ({inventory.region})")
        self._ids: set[str] = set()
        #: ASG URN -> the id of its tier's node (a list: the shape other builders read)
        self.group_nodes: dict[str, list[str]] = {}
        self.queue_nodes: dict[str, str] = {}
        self.database_nodes: dict[str, list[str]] = {}
        self.lb_nodes: dict[str, str] = {}
        self.cache_ids: list[str] = []
        self.drawn: set[str] = set()
        self.nat_groups: list[ResourceRecord] = []
        #: Said on stderr by ``graph_project`` (a stack with no recognised tier).
        self.warning: str | None = None

    def node_id(self, kind: str, name: str) -> str:
        base = f"{kind}_{_slug(name)}"
        candidate, n = base, 2
        while candidate in self._ids:
            candidate, n = f"{base}_{n}", n + 1
        self._ids.add(candidate)
        return candidate

    def build(self) -> Diagram:
        self.load_balancers()
        self.groups()
        self.caches()
        self.databases()
        self.queues()
        self.schedules()
        self.nat()
        self.standalone()
        self.alarms()
        self.unrecognised()
        return self.diagram

    # ---- tiers ---------------------------------------------------------------------------------

    def load_balancers(self) -> None:
        inv, d = self.inv, self.diagram
        for lb in inv.of_type("aws:lb/loadBalancer:LoadBalancer"):
            internal = truthy(inv.get(lb, "internal"))
            kind = {"network": "NLB", "gateway": "GWLB"}.get(inv.get(lb, "loadBalancerType", ""), "ALB")
            zones = len(inv.subnet_azs(as_list(inv.get(lb, "subnets")))) or len(
                as_list(inv.get(lb, "subnets"))
            )
            label = f"{kind} {lb.name}\n{'internal' if internal else 'internet-facing'} · {zones} AZs"
            node = d.add(Node(self.node_id("lb", lb.name), label))
            self.lb_nodes[lb.urn] = node.id
            if not internal:
                if not any(n.id == "users" for n in d.nodes):
                    d.add(Node("users", "Users", "circle"))
                protocols = {inv.get(listener, "protocol") for listener in inv.listeners_of(lb)}
                d.link("users", node.id, "HTTPS" if "HTTPS" in protocols else ("HTTP" if protocols else ""))

    def groups(self) -> None:
        """One node per named service or worker pool, its capacity stated once; routes on the LB edge."""
        inv, d = self.inv, self.diagram
        watching = inv.alarms_watching()
        self.nat_groups: list[ResourceRecord] = []
        for asg in inv.of_type(ASG):
            group = inv.group_of(asg)
            if group.tier == "network":
                self.nat_groups.append(asg)
                continue
            target_groups = inv.target_groups_of(asg)
            tier = group.tier if group.tier in ("app", "workers") else ("app" if target_groups else "workers")
            name = group.name or asg.name
            azs = inv.azs_of_group(asg)
            capacity = f"{inv.get(asg, 'minSize', 0)} to {inv.get(asg, 'maxSize', 0)} instances"
            if azs:
                capacity += f" across {len(azs)} AZ{'s' if len(azs) != 1 else ''}"
            alarms = set().union(*(watching.get(r.urn, set()) for r in [asg, *target_groups]))
            details = " · ".join(p for p in (inv.instance_type_of(asg), capacity) if p)
            label = f"{_KIND[tier]} {name}\n{details}"
            if alarms:
                label += f"\n{len(alarms)} alarm{'s' if len(alarms) != 1 else ''}"
            node = d.add(Node(self.node_id(tier, name), label))
            self.group_nodes[asg.urn] = [node.id]
            for target_group in target_groups:
                routes: dict[str, list[str]] = {}
                for route in inv.routes_to(target_group):
                    routes.setdefault(route.load_balancer.urn, []).append(route.label)
                for lb_urn, labels in routes.items():
                    if lb_urn in self.lb_nodes:
                        d.link(self.lb_nodes[lb_urn], node.id, ", ".join(dict.fromkeys(labels)))

    def databases(self) -> None:
        """Primary, Multi-AZ standby and replicas (Aurora: writer and readers) in their AZs; client edges."""
        inv, d = self.inv, self.diagram
        self.database_nodes: dict[str, list[str]] = {}
        for db in inv.of_type("aws:rds/instance:Instance", "aws:rds/cluster:Cluster"):
            source = inv.replica_source(db) if db.type == "aws:rds/instance:Instance" else None
            engine = inv.get(db, "engine") or (inv.get(source, "engine") if source is not None else "") or ""
            name = _ENGINES.get(engine, engine or "database")
            ids = []
            for server in inv.database_nodes(db):
                label = f"{name} {server.role}\n{db.name}\n{server.instance_class or ''}".rstrip()
                node_id = self.node_id("db", f"{db.name}_{server.role}")
                ids.append(d.add(Node(node_id, label, "cylinder", server.az)).id)
            self.database_nodes[db.urn] = ids
            for other in ids[1:]:
                label = (
                    "sync standby" if d.node(other).label.split("\n")[0].endswith("standby") else "replicates"
                )
                d.link(ids[0], other, label, dashed=True)
            if source is not None and self.database_nodes.get(source.urn) and ids:
                d.link(self.database_nodes[source.urn][0], ids[0], "replicates", dashed=True)
            if ids:
                for asg in inv.of_type(ASG):
                    if asg.urn in self.group_nodes and inv.admits(db, asg):
                        for node_id in self.group_nodes[asg.urn]:
                            d.link(node_id, ids[0])

    def schedules(self) -> None:
        """EventBridge Scheduler schedules, the queue each one sends to and the DLQ of its undelivered messages."""
        inv, d = self.inv, self.diagram
        for schedule in inv.of_type("aws:scheduler/schedule:Schedule"):
            name = inv.group_of(schedule).name or schedule.name
            expression = inv.get(schedule, "scheduleExpression", "")
            node = d.add(
                Node(self.node_id("schedule", name), f"schedule {name}\n{expression}".rstrip(), "stadium")
            )
            spec = inv.get(schedule, "target") or {}
            target = inv.ref(spec.get("arn"), QUEUE)
            if target is not None and target.urn in self.queue_nodes:
                d.link(node.id, self.queue_nodes[target.urn], "sends")
            dlq = inv.ref((spec.get("deadLetterConfig") or {}).get("arn"), QUEUE)
            if dlq is not None and dlq.urn in self.queue_nodes:
                retries = (spec.get("retryPolicy") or {}).get("maximumRetryAttempts")
                label = "undelivered" if retries is None else f"after {int(retries)} retries"
                d.link(node.id, self.queue_nodes[dlq.urn], label, dashed=True)

    def standalone(self) -> None:
        """Resources that are a piece of the architecture on their own: functions, services, instances..."""
        inv, d = self.inv, self.diagram
        for r in inv.resources:
            kind = _STANDALONE.get(inv.type_of(r))
            if kind is None or (kind == "EC2 instance" and inv.is_nat_instance(r)):
                continue
            if kind == "S3 bucket" and inv.is_access_log_bucket(r):
                continue
            detail = inv.get(r, "instanceType") or inv.get(r, "runtime") or ""
            node = Node(
                self.node_id("res", r.name), f"{kind} {r.name}\n{detail}".rstrip(), _SHAPES.get(kind, "box")
            )
            d.add(node)
            if kind == "WAF web ACL":
                self._protects(r, node.id)
            self.drawn.add(r.urn)

    def _protects(self, acl: ResourceRecord, node_id: str) -> None:
        """WAF web ACL → the load balancers it is associated with."""
        inv = self.inv
        for association in inv.of_type("aws:wafv2/webAclAssociation:WebAclAssociation"):
            if inv.ref(inv.get(association, "webAclArn"), "aws:wafv2/webAcl:WebAcl") is not acl:
                continue
            lb = inv.ref(inv.get(association, "resourceArn"), "aws:lb/loadBalancer:LoadBalancer")
            if lb is not None and lb.urn in self.lb_nodes:
                self.diagram.link(node_id, self.lb_nodes[lb.urn], "filters", dashed=True)

    def unrecognised(self) -> None:
        """No tier recognised: say so in the diagram, and draw every resource type the stack has."""
        inv, d = self.inv, self.diagram
        tiers = self.lb_nodes or self.group_nodes or self.database_nodes or self.queue_nodes or self.cache_ids
        if tiers:
            return
        self.warning = (
            "tierup recognised no tier (load balancer, Auto Scaling group, cache, database, queue) in this stack;"
            " the diagram draws its resources by type"
        )
        counts: dict[str, list[str]] = {}
        for r in inv.resources:
            if r.urn not in self.drawn:
                counts.setdefault(inv.type_of(r), []).append(r.name)
        note = f"No tier recognised\n{len(inv.resources)} resources, drawn by type"
        d.add(Node("note", note, "flag"))
        for type_, names in counts.items():
            shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
            d.add(Node(self.node_id("type", type_), f"{type_} x{len(names)}\n{shown}"))

    def caches(self) -> None:
        """Primary and replicas of each replication group; the tiers it admits (or that name it) use it."""
        inv, d = self.inv, self.diagram
        for rg in inv.of_type("aws:elasticache/replicationGroup:ReplicationGroup"):
            count = inv.get(rg, "numCacheClusters")
            if count is None:
                count = (int(inv.get(rg, "replicasPerNodeGroup", 0)) + 1) * int(
                    inv.get(rg, "numNodeGroups", 1)
                )
            zones = as_list(inv.get(rg, "preferredCacheClusterAzs"))
            engine = {"valkey": "Valkey", "redis": "Redis", "memcached": "Memcached"}.get(
                inv.get(rg, "engine", "redis"), "Redis"
            )
            node_type = inv.get(rg, "nodeType", "")
            ids = []
            for i in range(int(count)):
                role = "primary" if i == 0 else f"replica {i}"
                label = f"{engine} {role}\n{rg.name}\n{node_type}".rstrip()
                node = Node(self.node_id("cache", f"{rg.name}_{role}"), label, "cylinder")
                node.zone = zones[i] if i < len(zones) else None
                ids.append(d.add(node).id)
            self.cache_ids += ids
            for replica in ids[1:]:
                d.link(ids[0], replica, "replicates", dashed=True)
            endpoint = inv.get(rg, "primaryEndpointAddress")
            for asg in inv.of_type(ASG):
                if asg.urn not in self.group_nodes:
                    continue
                if inv.admits(rg, asg) or (endpoint and endpoint in inv.user_data_of(asg)):
                    for node_id in self.group_nodes[asg.urn]:
                        d.link(node_id, ids[0])

    def queues(self) -> None:
        """Queues, their dead-letter queues, the workers that consume them and the apps that send to them."""
        inv, d = self.inv, self.diagram
        dead_letter = inv.dead_letter_queues()
        ids = self.queue_nodes
        for queue in inv.of_type(QUEUE):
            kind = "DLQ" if queue in dead_letter else "SQS"
            fifo = " (FIFO)" if truthy(inv.get(queue, "fifoQueue")) else ""
            ids[queue.urn] = d.add(
                Node(self.node_id("queue", queue.name), f"{kind} {queue.name}{fifo}", "queue")
            ).id
        for queue in inv.of_type(QUEUE):
            dlq = inv.dead_letter_queue_of(queue)
            if dlq is not None:
                receives = parse_json(inv.get(queue, "redrivePolicy")).get("maxReceiveCount")
                d.link(
                    ids[queue.urn],
                    ids[dlq.urn],
                    f"after {receives} receives" if receives else "redrive",
                    dashed=True,
                )
            for asg in inv.of_type(ASG):
                if asg.urn not in self.group_nodes or not self._uses_queue(asg, queue):
                    continue
                for node_id in self.group_nodes[asg.urn]:
                    if inv.target_groups_of(asg):
                        d.link(node_id, ids[queue.urn], "enqueue")
                    else:
                        d.link(ids[queue.urn], node_id)

    def _uses_queue(self, asg: ResourceRecord, queue: ResourceRecord) -> bool:
        """The group's boot script names the queue, or its scaling policies read the queue's metrics."""
        inv = self.inv
        names = [v for v in (inv.get(queue, "url"), inv.get(queue, "name")) if v]
        if any(name in inv.user_data_of(asg) for name in names):
            return True
        group_names = {inv.get(asg, "name"), asg.id}
        for policy in inv.of_type("aws:autoscaling/policy:Policy"):
            if inv.get(policy, "autoscalingGroupName") in group_names and _mentions(inv.props(policy), names):
                return True
        return False

    def nat(self) -> None:
        inv, d = self.inv, self.diagram
        nats: list[Node] = []
        for gateway in inv.of_type("aws:ec2/natGateway:NatGateway"):
            zone = next(iter(inv.subnet_azs([inv.get(gateway, "subnetId")])), None)
            nats.append(
                Node(self.node_id("nat", gateway.name), f"NAT gateway\n{gateway.name}", "rounded", zone)
            )
        for instance in inv.of_type("aws:ec2/instance:Instance"):
            if inv.is_nat_instance(instance):
                label = f"NAT instance\n{instance.name} · {inv.get(instance, 'instanceType', '')}".rstrip(
                    " ·"
                )
                nats.append(
                    Node(self.node_id("nat", instance.name), label, "rounded", inv.az_of_instance(instance))
                )
        for asg in self.nat_groups:
            label = f"NAT instance\n{asg.name} · {inv.instance_type_of(asg) or ''}".rstrip(" ·")
            for zone in inv.azs_of_group(asg) or [None]:
                nats.append(Node(self.node_id("nat", f"{asg.name}_{zone or ''}"), label, "rounded", zone))
        if nats:
            d.add(Node("internet", "Internet", "circle"))
        for node in nats:
            d.add(node)
            d.link(node.id, "internet", "egress")

    def alarms(self) -> None:
        """Alarms grouped by the SNS topic they notify, the topic, and its email/https subscriptions."""
        inv, d = self.inv, self.diagram
        alarms = inv.of_type(
            "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"
        )
        notifying_any: set[str] = set()
        for topic in inv.of_type("aws:sns/topic:Topic"):
            arns = {inv.get(topic, "arn"), topic.id}
            notifying = [
                a
                for a in alarms
                if arns & set(as_list(inv.get(a, "alarmActions")) + as_list(inv.get(a, "okActions")))
            ]
            notifying_any.update(a.urn for a in notifying)
            topic_id = d.add(Node(self.node_id("topic", topic.name), f"SNS {topic.name}", "flag")).id
            if notifying:
                watched = _watched(inv, notifying)
                label = f"CloudWatch alarms\n{len(notifying)} alarms" + (f" on {watched}" if watched else "")
                alarm_id = d.add(Node(self.node_id("alarms", topic.name), label, "hexagon")).id
                d.link(alarm_id, topic_id, "notify")
            for subscription in inv.of_type("aws:sns/topicSubscription:TopicSubscription"):
                if inv.get(subscription, "topic") in arns:
                    protocol = inv.get(subscription, "protocol", "")
                    endpoint = str(inv.get(subscription, "endpoint", ""))
                    shown = (
                        endpoint
                        if protocol.startswith("email")
                        else re.sub(r"^https?://([^/]+).*", r"\1", endpoint)
                    )
                    node = Node(
                        self.node_id("subscription", subscription.name), f"{protocol}: {shown}", "stadium"
                    )
                    d.link(topic_id, d.add(node).id)
        silent = [a for a in alarms if a.urn not in notifying_any]
        if silent:
            label = f"CloudWatch alarms\n{len(silent)} alarm{'s' if len(silent) != 1 else ''} without a topic"
            d.add(Node(self.node_id("alarms", "unrouted"), label, "hexagon"))


_KIND = {"app": "service", "workers": "worker pool"}
_ENGINES = {
    "postgres": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "aurora-postgresql": "Aurora PostgreSQL",
    "aurora-mysql": "Aurora MySQL",
}
_STANDALONE = {
    "aws:lambda/function:Function": "Lambda function",
    "aws:ecs/service:Service": "ECS service",
    "aws:ec2/instance:Instance": "EC2 instance",
    "aws:s3/bucket:Bucket": "S3 bucket",
    "aws:s3/bucketV2:BucketV2": "S3 bucket",
    "aws:dynamodb/table:Table": "DynamoDB table",
    "aws:wafv2/webAcl:WebAcl": "WAF web ACL",
    "aws:route53/zone:Zone": "Route 53 zone",
}
_SHAPES = {"S3 bucket": "cylinder", "DynamoDB table": "cylinder", "Lambda function": "rounded"}


def _mentions(value: Any, needles: list[str]) -> bool:
    if isinstance(value, str):
        return value in needles
    if isinstance(value, dict):
        return any(_mentions(v, needles) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, needles) for v in value)
    return False


_DIMENSION_KINDS = {
    "LoadBalancer": "load balancer",
    "TargetGroup": "load balancer",
    "AutoScalingGroupName": "instances",
    "CacheClusterId": "cache",
    "ReplicationGroupId": "cache",
    "DBInstanceIdentifier": "databases",
    "DBClusterIdentifier": "databases",
    "QueueName": "queues",
    "ScheduleGroup": "schedules",
}


def _watched(inv: Inventory, alarms: list[ResourceRecord]) -> str:
    """``load balancer, instances, cache, databases, queues`` — what the alarms' dimensions point at."""
    kinds: list[str] = []
    for alarm in alarms:
        dimensions = [inv.get(alarm, "dimensions") or {}]
        dimensions += [
            (q.get("metric") or {}).get("dimensions") or {} for q in as_list(inv.get(alarm, "metricQueries"))
        ]
        for key in (k for dims in dimensions for k in dims):
            kind = _DIMENSION_KINDS.get(key)
            if kind and kind not in kinds:
                kinds.append(kind)
    return ", ".join(k for k in dict.fromkeys(_DIMENSION_KINDS.values()) if k in kinds)


def build_diagram(evaluation: Evaluation, *, region: str | None = None) -> Diagram:
    """The architecture diagram of an evaluated stack."""
    return _Builder(Inventory(evaluation, region)).build()


def build_with_warning(evaluation: Evaluation, *, region: str | None = None) -> tuple[Diagram, str | None]:
    """The diagram and, when no tier was recognised, the warning to show the user."""
    builder = _Builder(Inventory(evaluation, region))
    return builder.build(), builder.warning


def render(diagram: Diagram, format: str) -> str:
    """``mermaid``, ``dot`` or ``svg`` text of a diagram."""
    if format == "svg":
        return diagram.to_svg()
    return diagram.to_dot() if format == "dot" else diagram.to_mermaid()


def graph_project(directory: Path, stack: str, format: str = "mermaid", *, debug: bool = False) -> str:
    """Evaluate the stack offline and render its diagram (SVG fails fast, before evaluating, without dot)."""
    from tierup.workflow import evaluate_project

    if format == "svg":
        require_dot()
    evaluation, _ = evaluate_project(directory, stack, debug=debug)
    diagram, warning = build_with_warning(evaluation)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return render(diagram, format)
