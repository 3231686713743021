"""``tierup cost``: a monthly estimate per tier, from the evaluated resources and a shipped price table.

Every priced line comes from a resource the program declared, so the estimate works on hand-written
pulumi_aws stacks as well as on tierup's components. Prices come from ``tierup/data/prices.json``
(on-demand list prices, dated); a month is 730 hours. Usage-based lines (load balancer capacity
units, NAT data, SQS requests, SNS deliveries, log ingestion, access-log storage) use the
``tierup:usage`` assumptions, or their documented defaults.

What it counts, beyond the obvious instances and cache nodes: NAT gateway hours and data, every
public IPv4 address ($0.005/h: an Elastic IP, one per AZ of an internet-facing load balancer, a
NAT instance's), EBS volumes from the launch template, EC2 detailed monitoring, interface VPC
endpoints per AZ, alarms, dashboards, Secrets Manager secrets and KMS keys.

Alarms are priced as AWS prices them, per alarm metric: a standard-resolution metric $0.10 a month,
a high-resolution one (period under 60 s) $0.30; a metric-math alarm pays for every metric it
reads (the expressions are free), an anomaly-detection alarm for three.

Not estimated: data transfer out to the internet and between AZs, CloudWatch Logs storage, EBS
snapshots, ElastiCache backups beyond the free one, S3 requests, free tiers and discounts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from tierup.engine.evaluation import Evaluation, ResourceRecord
from tierup.errors import TierupError
from tierup.inventory import TIERS, Inventory, as_list, truthy
from tierup.settings import UsageSettings

HOURS_PER_MONTH = 730
#: Root volume of an AMI whose size the launch template leaves unset (Amazon Linux 2023: 8 GB gp3).
DEFAULT_ROOT_GB = 8
DEFAULT_VOLUME_TYPE = "gp3"
#: Requests per SQS message: send, receive, delete.
SQS_REQUESTS_PER_MESSAGE = 3
#: Listener rules an ALB evaluates per request for free.
FREE_RULE_EVALUATIONS = 10


# ---- the price table ---------------------------------------------------------------------------


class PriceTable:
    """The shipped, dated price table: per region, EC2 and ElastiCache hourly prices and other rates."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.as_of: str = data["asOf"]
        self.currency: str = data.get("currency", "USD")

    @classmethod
    @cache
    def shipped(cls) -> PriceTable:
        text = resources.files("tierup").joinpath("data/prices.json").read_text(encoding="utf-8")
        return cls(json.loads(text))

    def _region(self, region: str) -> dict[str, Any]:
        regions = self.data["regions"]
        if region not in regions:
            raise TierupError(
                f"no prices for region {region!r} in tierup's price table (as of {self.as_of});"
                f" it covers {', '.join(regions)}"
            )
        return regions[region]

    def rate(self, region: str, key: str) -> float:
        return float(self._region(region)["rates"][key])

    def ec2(self, region: str, instance_type: str, resource: str) -> float:
        prices = self._region(region)["ec2"]
        if instance_type not in prices:
            raise TierupError(
                f"no price for EC2 instance type {instance_type!r} in {region} ({resource}) in tierup's price"
                f" table (as of {self.as_of}); it lists {_families(prices)}"
            )
        return float(prices[instance_type])

    def cache_node(self, region: str, engine: str, node_type: str, resource: str) -> float:
        tables = self._region(region)["elasticache"]
        prices = tables.get("valkey" if engine == "valkey" else "redis", {})  # memcached is priced as redis
        if node_type not in prices:
            raise TierupError(
                f"no price for ElastiCache node type {node_type!r} ({engine}) in {region} ({resource}) in"
                f" tierup's price table (as of {self.as_of}); it lists {_families(prices)}"
            )
        return float(prices[node_type])


def _families(prices: dict[str, Any]) -> str:
    """``t4g, t3, m7g…`` — the families a price map covers, for error messages."""
    families = dict.fromkeys(name.rsplit(".", 1)[0] for name in prices)
    return ", ".join(f"{f}.*" for f in families)


# ---- the estimate ------------------------------------------------------------------------------


@dataclass
class Line:
    """One priced item: ``quantity`` units at ``unit_price`` each, summed over ``resources`` (URNs)."""

    tier: str
    item: str
    quantity: float
    unit: str
    unit_price: float
    resources: list[str] = field(default_factory=list)

    @property
    def monthly(self) -> float:
        return self.quantity * self.unit_price


@dataclass
class Estimate:
    """The monthly estimate of one stack."""

    project: str
    stack: str
    region: str
    prices_as_of: str
    assumptions: dict[str, Any]
    lines: list[Line]
    currency: str = "USD"

    def tiers(self) -> list[tuple[str, list[Line], float]]:
        """``(tier, lines, monthly)`` in report order, only tiers with lines, the costliest line first."""
        out = []
        for tier in TIERS:
            lines = sorted((line for line in self.lines if line.tier == tier), key=lambda line: -line.monthly)
            if lines:
                out.append((tier, lines, sum(line.monthly for line in lines)))
        return out

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "region": self.region,
            "currency": self.currency,
            "pricesAsOf": self.prices_as_of,
            "assumptions": self.assumptions,
            "tiers": [
                {
                    "tier": tier,
                    "monthly": _cents(monthly),
                    "lines": [
                        {
                            "item": line.item,
                            "quantity": round(line.quantity, 6),
                            "unit": line.unit,
                            "unitPrice": line.unit_price,
                            "monthly": _cents(line.monthly),
                            "resource": line.resources[0] if len(line.resources) == 1 else None,
                            "resources": line.resources,
                        }
                        for line in lines
                    ],
                }
                for tier, lines, monthly in self.tiers()
            ],
            "total": _cents(self.total),
        }

    def _rows(self) -> list[tuple[str, str, str, str, str]]:
        rows = []
        for tier, lines, monthly in self.tiers():
            for line in lines:
                quantity = f"{_number(line.quantity)} {line.unit}"
                rows.append((tier, line.item, quantity, _price(line.unit_price), _money(line.monthly)))
            rows.append(("", f"{tier} total", "", "", _money(monthly)))
        return rows

    def _header(self) -> str:
        return (
            f"{self.project} · stack {self.stack} · {self.region} · {self.currency} per month"
            f" ({HOURS_PER_MONTH} h), on-demand prices as of {self.prices_as_of}"
        )

    def _assumption_text(self) -> str:
        a = self.assumptions
        return (
            f"{_number(a['requestsPerSecond'])} requests/s of {_number(a['averageResponseKb'])} KB,"
            f" {_number(a['requestsPerConnection'])} requests per connection;"
            f" NAT {_number(a['natGbPerMonth'])} GB; {_number(a['queueMessagesPerMonth'])} queue messages;"
            f" {_number(a['snsNotificationsPerMonth'])} notifications per topic;"
            f" app logs {_number(a['logGbPerMonth'])} GB; flow logs {_number(a['flowLogGbPerMonth'])} GB;"
            f" access logs {_number(a['accessLogGb'])} GB stored (per month; set them in tierup:usage)"
        )

    def render_text(self) -> str:
        header = ("TIER", "ITEM", "QUANTITY", "UNIT PRICE", "MONTHLY")
        rows = [header, *self._rows(), ("TOTAL", "", "", "", _money(self.total))]
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        out = [self._header(), ""]
        for row in rows:
            left = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
            right = "  ".join(cell.rjust(widths[i + 3]) for i, cell in enumerate(row[3:]))
            out.append(f"{left}  {right}".rstrip())
        out += ["", f"Assumptions: {self._assumption_text()}."]
        return "\n".join(out)

    def render_markdown(self) -> str:
        out = [
            f"### Monthly cost estimate: {_md(self.project)} · `{_md(self.stack)}` · **{_money(self.total)}**",
            "",
            "| tier | item | quantity | unit price | monthly |",
            "|---|---|---:|---:|---:|",
        ]
        for tier, lines, monthly in self.tiers():
            for line in lines:
                quantity = f"{_number(line.quantity)} {line.unit}"
                out.append(
                    f"| {tier} | {_md(line.item)} | {quantity} | {_price(line.unit_price)} | {_money(line.monthly)} |"
                )
            out.append(f"| **{tier}** | | | | **{_money(monthly)}** |")
        out += [
            f"| **total** | | | | **{_money(self.total)}** |",
            "",
            f"{self.currency}, {self.region}, on-demand prices as of {self.prices_as_of}, {HOURS_PER_MONTH} h a month."
            f" Assumptions: {_md(self._assumption_text())}.",
        ]
        return "\n".join(out)


def _cents(value: float) -> float:
    return round(value, 2)


def _price(value: float) -> str:
    """A unit price as the table gives it, with at least cents: $0.0168, $0.40, $3.00."""
    return f"${value:.2f}" if round(value * 100, 9).is_integer() else f"${value:g}"


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _md(text: str) -> str:
    return text.replace("|", "\\|")


# ---- pricing each resource ---------------------------------------------------------------------

Pricer = Callable[["_Estimator", ResourceRecord], None]
_PRICERS: dict[str, Pricer] = {}


def _prices(*types: str) -> Callable[[Pricer], Pricer]:
    def register(fn: Pricer) -> Pricer:
        for t in types:
            _PRICERS[t] = fn
        return fn

    return register


class _Estimator:
    """Walks the resources once, adding priced lines; stack-wide shares are worked out up front."""

    def __init__(self, inventory: Inventory, prices: PriceTable, usage: UsageSettings) -> None:
        self.inv = inventory
        self.prices = prices
        self.usage = usage
        self.lines: list[Line] = []
        inv = inventory
        self.nat_gateways = inv.of_type("aws:ec2/natGateway:NatGateway")
        self.dead_letter_queues = inv.dead_letter_queues()
        self.work_queues = [q for q in inv.of_type("aws:sqs/queue:Queue") if q not in self.dead_letter_queues]
        special_logs = inv.flow_log_groups() + inv.cache_log_groups()
        self.app_log_groups = [
            g for g in inv.of_type("aws:cloudwatch/logGroup:LogGroup") if g not in special_logs
        ]
        self.nat_allocations = {inv.get(n, "allocationId") for n in self.nat_gateways}

    def run(self) -> list[Line]:
        for r in self.inv.resources:
            pricer = _PRICERS.get(self.inv.type_of(r))
            if pricer is not None:
                pricer(self, r)
        return self._merged()

    def add(self, r: ResourceRecord, item: str, quantity: float, unit: str, unit_price: float) -> None:
        if quantity > 0:
            self.lines.append(Line(self.inv.tier_of(r), item, quantity, unit, unit_price, [r.urn]))

    def rate(self, r: ResourceRecord, key: str) -> float:
        return self.prices.rate(self.inv.region_of(r), key)

    def _merged(self) -> list[Line]:
        """Identical items of one tier become one line (three NAT gateways: one line of 2,190 hours)."""
        merged: dict[tuple[str, str, str, float], Line] = {}
        for line in self.lines:
            key = (line.tier, line.item, line.unit, line.unit_price)
            if key in merged:
                merged[key].quantity += line.quantity
                merged[key].resources += line.resources
            else:
                merged[key] = Line(
                    line.tier, line.item, line.quantity, line.unit, line.unit_price, list(line.resources)
                )
        return list(merged.values())

    # ---- shared pieces -------------------------------------------------------------------------

    def public_ipv4(self, r: ResourceRecord, what: str, addresses: int) -> None:
        self.add(
            r,
            f"public IPv4 address ({what})",
            addresses * HOURS_PER_MONTH,
            "hour",
            self.rate(r, "publicIpv4Hour"),
        )

    def volumes(self, r: ResourceRecord, volumes: list[tuple[float, str]], count: int) -> None:
        """EBS volumes ``(GB, type)`` of ``count`` instances; types without a price are skipped."""
        for size, volume_type in volumes:
            key = {"gp3": "ebsGp3GbMonth", "gp2": "ebsGp2GbMonth"}.get(volume_type)
            if key is not None:
                self.add(r, f"EBS {volume_type} volume", count * size, "GB-month", self.rate(r, key))

    def instances(self, r: ResourceRecord, instance_type: str, count: int, item: str) -> None:
        hourly = self.prices.ec2(self.inv.region_of(r), instance_type, f"{r.type} {r.name}")
        self.add(r, f"{item} {instance_type}", count * HOURS_PER_MONTH, "instance-hour", hourly)


def _block_device(spec: dict[str, Any] | None) -> tuple[float, str]:
    """``(GB, type)`` of an EBS block device spec; unset size and type are the AMI's root (8 GB gp3)."""
    spec = spec or {}
    return float(spec.get("volumeSize") or DEFAULT_ROOT_GB), spec.get("volumeType") or DEFAULT_VOLUME_TYPE


def _template_volumes(inv: Inventory, template: ResourceRecord | None) -> list[tuple[float, str]]:
    """The EBS volumes of a launch template (or launch configuration); the AMI's root when it names none."""
    if template is None:
        return [_block_device(None)]
    volumes = [
        _block_device(m["ebs"]) for m in as_list(inv.get(template, "blockDeviceMappings")) if m.get("ebs")
    ]
    if inv.get(template, "rootBlockDevice") is not None:
        volumes.append(_block_device(inv.get(template, "rootBlockDevice")))
    volumes += [_block_device(ebs) for ebs in as_list(inv.get(template, "ebsBlockDevices"))]
    return volumes or [_block_device(None)]


@_prices("aws:autoscaling/group:Group")
def _auto_scaling_group(e: _Estimator, asg: ResourceRecord) -> None:
    inv = e.inv
    count = inv.capacity_of(asg)
    template = inv.launch_template_of(asg)
    instance_type = inv.instance_type_of(asg)
    if count == 0 or instance_type is None:
        return
    e.instances(asg, instance_type, count, "EC2")
    e.volumes(asg, _template_volumes(inv, template), count)
    if template is not None:
        interfaces = as_list(inv.get(template, "networkInterfaces"))
        if any(truthy(i.get("associatePublicIpAddress")) for i in interfaces) or truthy(
            inv.get(template, "associatePublicIpAddress")
        ):
            e.public_ipv4(asg, "instance", count)
        monitoring = inv.get(template, "monitoring") or {}
        if truthy(monitoring.get("enabled")) or truthy(inv.get(template, "enableMonitoring")):
            e.add(
                asg,
                "EC2 detailed monitoring",
                count,
                "instance-month",
                e.rate(asg, "detailedMonitoringInstanceMonth"),
            )


@_prices("aws:ec2/instance:Instance")
def _instance(e: _Estimator, r: ResourceRecord) -> None:
    inv = e.inv
    instance_type = inv.get(r, "instanceType")
    if not instance_type:
        return
    nat = inv.is_nat_instance(r)
    e.instances(r, instance_type, 1, "NAT instance" if nat else "EC2 instance")
    volumes = [_block_device(inv.get(r, "rootBlockDevice"))]
    volumes += [_block_device(ebs) for ebs in as_list(inv.get(r, "ebsBlockDevices"))]
    e.volumes(r, volumes, 1)
    if truthy(inv.get(r, "associatePublicIpAddress")):
        e.public_ipv4(r, "NAT instance" if nat else "instance", 1)
    if truthy(inv.get(r, "monitoring")):
        e.add(r, "EC2 detailed monitoring", 1, "instance-month", e.rate(r, "detailedMonitoringInstanceMonth"))


@_prices("aws:ebs/volume:Volume")
def _volume(e: _Estimator, r: ResourceRecord) -> None:
    e.volumes(r, [(float(e.inv.get(r, "size", DEFAULT_ROOT_GB)), e.inv.get(r, "type", "gp3"))], 1)


@_prices("aws:ec2/natGateway:NatGateway")
def _nat_gateway(e: _Estimator, r: ResourceRecord) -> None:
    e.add(r, "NAT gateway", HOURS_PER_MONTH, "hour", e.rate(r, "natGatewayHour"))
    share = e.usage.nat_gb_per_month / len(e.nat_gateways)
    e.add(r, "NAT gateway data processed", share, "GB", e.rate(r, "natGatewayGb"))


@_prices("aws:ec2/eip:Eip")
def _elastic_ip(e: _Estimator, r: ResourceRecord) -> None:
    ids = {e.inv.get(r, "allocationId"), r.id}
    e.public_ipv4(r, "NAT gateway EIP" if ids & e.nat_allocations else "Elastic IP", 1)


@_prices("aws:ec2/vpcEndpoint:VpcEndpoint")
def _vpc_endpoint(e: _Estimator, r: ResourceRecord) -> None:
    if e.inv.get(r, "vpcEndpointType") == "Interface":
        azs = max(1, len(as_list(e.inv.get(r, "subnetIds"))))
        e.add(
            r,
            "VPC interface endpoint",
            azs * HOURS_PER_MONTH,
            "AZ-hour",
            e.rate(r, "interfaceEndpointAzHour"),
        )


def load_balancer_capacity_units(usage: UsageSettings, kind: str, extra_rules: int = 0) -> float:
    """Capacity units per hour: the largest dimension (new connections, processed GB/h, rule evaluations).

    ALB LCU: 25 new connections/s, 1 GB/h processed (EC2 targets), 1,000 rule evaluations/s.
    NLB NLCU: 800 new flows/s, 1 GB/h processed. Active connections are not modelled.
    """
    new_connections = usage.requests_per_second / usage.requests_per_connection
    processed_gb_per_hour = usage.requests_per_second * usage.average_response_kb * 3600 / 1_000_000
    if kind == "network":
        return max(new_connections / 800, processed_gb_per_hour)
    rule_evaluations = usage.requests_per_second * extra_rules
    return max(new_connections / 25, processed_gb_per_hour, rule_evaluations / 1000)


@_prices("aws:lb/loadBalancer:LoadBalancer")
def _load_balancer(e: _Estimator, lb: ResourceRecord) -> None:
    inv = e.inv
    kind = inv.get(lb, "loadBalancerType", "application")
    if kind not in ("application", "network"):
        return
    name, prefix = ("ALB", "alb") if kind == "application" else ("NLB", "nlb")
    e.add(lb, name, HOURS_PER_MONTH, "hour", e.rate(lb, f"{prefix}Hour"))
    extra_rules = max(0, len(inv.listener_rules_of(lb)) - FREE_RULE_EVALUATIONS)
    units = load_balancer_capacity_units(e.usage, kind, extra_rules)
    unit, rate = ("LCU-hour", "albLcuHour") if kind == "application" else ("NLCU-hour", "nlbNlcuHour")
    e.add(lb, f"{name} capacity units", units * HOURS_PER_MONTH, unit, e.rate(lb, rate))
    if not truthy(inv.get(lb, "internal")):
        zones = len(as_list(inv.get(lb, "subnets"))) or len(as_list(inv.get(lb, "subnetMappings")))
        e.public_ipv4(lb, f"{name}, 1 per AZ", zones)


@_prices("aws:elasticache/replicationGroup:ReplicationGroup")
def _replication_group(e: _Estimator, r: ResourceRecord) -> None:
    inv = e.inv
    nodes = inv.get(r, "numCacheClusters")
    if nodes is None:
        nodes = (int(inv.get(r, "replicasPerNodeGroup", 0)) + 1) * int(inv.get(r, "numNodeGroups", 1))
    _cache_nodes(e, r, int(nodes))


@_prices("aws:elasticache/cluster:Cluster")
def _cache_cluster(e: _Estimator, r: ResourceRecord) -> None:
    if not e.inv.get(r, "replicationGroupId"):  # a member of a group is priced with the group
        _cache_nodes(e, r, int(e.inv.get(r, "numCacheNodes", 1)))


def _cache_nodes(e: _Estimator, r: ResourceRecord, nodes: int) -> None:
    engine = e.inv.get(r, "engine", "redis")
    node_type = e.inv.get(r, "nodeType")
    if not node_type:
        return
    hourly = e.prices.cache_node(e.inv.region_of(r), engine, node_type, f"{r.type} {r.name}")
    e.add(r, f"ElastiCache {node_type} ({engine})", nodes * HOURS_PER_MONTH, "node-hour", hourly)


@_prices("aws:sqs/queue:Queue")
def _queue(e: _Estimator, r: ResourceRecord) -> None:
    if r not in e.work_queues:
        return
    messages = e.usage.queue_messages_per_month / len(e.work_queues)
    fifo = truthy(e.inv.get(r, "fifoQueue"))
    key = "sqsFifoPerMillion" if fifo else "sqsStandardPerMillion"
    millions = messages * SQS_REQUESTS_PER_MESSAGE / 1_000_000
    e.add(r, f"SQS requests ({'FIFO' if fifo else 'standard'})", millions, "million requests", e.rate(r, key))


@_prices("aws:sns/topic:Topic")
def _topic(e: _Estimator, r: ResourceRecord) -> None:
    millions = e.usage.sns_notifications_per_month / 1_000_000
    e.add(r, "SNS publishes", millions, "million", e.rate(r, "snsPublishPerMillion"))


@_prices("aws:sns/topicSubscription:TopicSubscription")
def _subscription(e: _Estimator, r: ResourceRecord) -> None:
    protocol = e.inv.get(r, "protocol")
    key = {"email": "snsEmailPerMillion", "email-json": "snsEmailPerMillion"}.get(protocol)
    key = key or {"http": "snsHttpPerMillion", "https": "snsHttpPerMillion"}.get(protocol)
    if key is not None:  # deliveries to SQS and Lambda are free; SMS is priced per country (not estimated)
        millions = e.usage.sns_notifications_per_month / 1_000_000
        e.add(r, f"SNS {protocol} deliveries", millions, "million", e.rate(r, key))


def alarm_metrics(props: dict[str, Any]) -> tuple[int, bool]:
    """``(alarm metrics, high resolution)`` of a metric alarm, as CloudWatch bills it."""
    queries = as_list(props.get("metricQueries"))
    if not queries:
        return 1, 0 < int(props.get("period") or 60) < 60
    metrics = [q["metric"] for q in queries if q.get("metric")]
    anomaly = any("ANOMALY_DETECTION_BAND" in str(q.get("expression") or "") for q in queries)
    high_resolution = any(0 < int(m.get("period") or 60) < 60 for m in metrics)
    return max(len(metrics), 3 if anomaly else 1), high_resolution


@_prices("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(e: _Estimator, r: ResourceRecord) -> None:
    metrics, high_resolution = alarm_metrics(e.inv.props(r))
    if high_resolution:
        e.add(
            r,
            "CloudWatch alarm metrics (high resolution)",
            metrics,
            "alarm metric",
            e.rate(r, "alarmHighResolutionMetric"),
        )
    else:
        e.add(
            r,
            "CloudWatch alarm metrics (standard)",
            metrics,
            "alarm metric",
            e.rate(r, "alarmStandardMetric"),
        )


@_prices("aws:cloudwatch/dashboard:Dashboard")
def _dashboard(e: _Estimator, r: ResourceRecord) -> None:
    e.add(r, "CloudWatch dashboard", 1, "dashboard", e.rate(r, "dashboardMonth"))


@_prices("aws:secretsmanager/secret:Secret")
def _secret(e: _Estimator, r: ResourceRecord) -> None:
    e.add(r, "Secrets Manager secret", 1, "secret", e.rate(r, "secretMonth"))


@_prices("aws:kms/key:Key")
def _kms_key(e: _Estimator, r: ResourceRecord) -> None:
    e.add(r, "KMS customer managed key", 1, "key", e.rate(r, "kmsKeyMonth"))


@_prices("aws:cloudwatch/logGroup:LogGroup")
def _log_group(e: _Estimator, r: ResourceRecord) -> None:
    if r in e.app_log_groups:
        share = e.usage.log_gb_per_month / len(e.app_log_groups)
        e.add(r, "CloudWatch Logs ingestion", share, "GB", e.rate(r, "logsIngestionGb"))


@_prices("aws:ec2/flowLog:FlowLog")
def _flow_log(e: _Estimator, r: ResourceRecord) -> None:
    to_s3 = e.inv.get(r, "logDestinationType", "cloud-watch-logs") == "s3"
    key = "vendedLogsS3Gb" if to_s3 else "vendedLogsGb"
    e.add(
        r,
        f"VPC flow logs to {'S3' if to_s3 else 'CloudWatch Logs'}",
        e.usage.flow_log_gb_per_month,
        "GB",
        e.rate(r, key),
    )


@_prices("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
def _bucket(e: _Estimator, r: ResourceRecord) -> None:
    if e.inv.is_access_log_bucket(r):
        e.add(
            r, "S3 storage (access logs)", e.usage.access_log_gb, "GB-month", e.rate(r, "s3StandardGbMonth")
        )


# ---- entry points ------------------------------------------------------------------------------


def estimate(
    evaluation: Evaluation,
    usage: UsageSettings | None = None,
    *,
    region: str | None = None,
    prices: PriceTable | None = None,
) -> Estimate:
    """The monthly estimate of an evaluated stack (``region``: used when no AWS provider names one)."""
    usage = usage or UsageSettings()
    prices = prices or PriceTable.shipped()
    inventory = Inventory(evaluation, region)
    lines = _Estimator(inventory, prices, usage).run()
    return Estimate(
        project=evaluation.project,
        stack=evaluation.stack,
        region=inventory.region,
        prices_as_of=prices.as_of,
        assumptions={**usage.model_dump(by_alias=True), "hoursPerMonth": HOURS_PER_MONTH},
        lines=lines,
        currency=prices.currency,
    )


def estimate_project(directory: Path, stack: str, *, debug: bool = False) -> Estimate:
    """Evaluate the stack offline and estimate it, with the stack's ``tierup:usage`` assumptions."""
    from tierup.settings import load_usage
    from tierup.workflow import start

    run = start(directory, stack, debug=debug)
    evaluation = run.result()
    config = run.config.values
    usage = load_usage(config, file=run.project.relative(run.config.file))
    region = config.get("aws:region")
    return estimate(evaluation, usage, region=region if isinstance(region, str) else None)


__all__ = ["Estimate", "Line", "PriceTable", "alarm_metrics", "estimate", "estimate_project"]
