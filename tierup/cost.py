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

Databases: RDS instance-hours (doubled for Multi-AZ), storage by type (doubled for Multi-AZ), backup
storage beyond the free allowance (assumed: one full copy, free, plus 5% of the storage per retained
day), Performance Insights retention beyond the free 7 days, read replicas as their own instances,
Aurora instances plus cluster storage (assumed 20 GB). Fargate services (vCPU and GB hours), Lambda
functions (assumed 1 million invocations of 200 ms a month each), WAF web ACLs, Route 53 zones,
EventBridge Scheduler invocations (14 million a month free), NAT instances; ACM certificates are free.

A resource tierup can't price (a type outside the table, an instance type or region the table does
not list) never stops the report: it is listed as "unpriced", with its reason, and counted in the
total line. ``--prices FILE`` overrides or extends the table (same shape; validated).

Not estimated: data transfer out to the internet and between AZs, CloudWatch Logs storage, EBS
snapshots, ElastiCache backups beyond the free one, S3 requests, free tiers and discounts.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from tierup.engine.evaluation import Evaluation, ResourceRecord
from tierup.errors import TierupError
from tierup.inventory import TIERS, Group, Inventory, as_list, truthy
from tierup.settings import UsageSettings

HOURS_PER_MONTH = 730
#: Root volume of an AMI whose size the launch template leaves unset (Amazon Linux 2023: 8 GB gp3).
DEFAULT_ROOT_GB = 8
DEFAULT_VOLUME_TYPE = "gp3"
#: Requests per SQS message: send, receive, delete.
SQS_REQUESTS_PER_MESSAGE = 3
#: Listener rules an ALB evaluates per request for free.
FREE_RULE_EVALUATIONS = 10
#: Usage assumptions for what ``tierup:usage`` does not describe (stated in every report).
ASSUMED = {
    "lambdaInvocationsPerMonth": 1_000_000,
    "lambdaAverageMs": 200,
    "databaseBackupDailyChangePercent": 5,
    "auroraStorageGb": 20,
    "schedulerFreeInvocationsPerMonth": 14_000_000,
}
#: Resource types AWS bills for that tierup does not price (listed as unpriced, never counted as $0).
BILLED_MODULES = frozenset(
    {
        "apigateway", "apigatewayv2", "appsync", "cloudfront", "directoryservice", "docdb", "dynamodb", "ec2transitgateway",
        "efs", "eks", "elasticsearch", "emr", "fsx", "globalaccelerator", "glue", "kinesis", "memorydb", "mq", "msk",
        "neptune", "networkfirewall", "opensearch", "redshift", "sagemaker", "sfn", "transfer",
    }
)  # fmt: skip
BILLED_TYPES = frozenset(
    {
        "aws:rds/proxy:Proxy",
        "aws:elasticache/serverlessCache:ServerlessCache",
        "aws:rds/clusterEndpoint:ClusterEndpoint",
        "aws:ec2/transitGateway:TransitGateway",
        "aws:ec2/vpnConnection:VpnConnection",
        "aws:ec2/clientVpnEndpoint:ClientVpnEndpoint",
        "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig",
    }
)


class Unpriced(Exception):
    """A resource this table can't price; the reason is shown in the report's unpriced list."""


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
            raise Unpriced(f"no prices for region {region} (the table covers {len(regions)} regions)")
        return regions[region]

    def rate(self, region: str, key: str) -> float:
        rates = self._region(region).get("rates", {})
        if key not in rates:
            raise Unpriced(f"no {key} rate for {region}")
        return float(rates[key])

    def ec2(self, region: str, instance_type: str, resource: str = "") -> float:
        prices = self._region(region).get("ec2", {})
        if instance_type not in prices:
            raise Unpriced(f"no price for EC2 {instance_type} in {region}")
        return float(prices[instance_type])

    def cache_node(self, region: str, engine: str, node_type: str, resource: str = "") -> float:
        tables = self._region(region).get("elasticache", {})
        prices = tables.get("valkey" if engine == "valkey" else "redis", {})  # memcached is priced as redis
        if node_type not in prices:
            raise Unpriced(f"no price for ElastiCache {node_type} ({engine}) in {region}")
        return float(prices[node_type])

    def database(self, region: str, engine: str, instance_class: str) -> float:
        table = _RDS_ENGINES.get(engine)
        prices = self._region(region).get("rds", {}).get(table or "", {})
        if instance_class not in prices:
            raise Unpriced(f"no price for RDS {instance_class} ({engine}) in {region}")
        return float(prices[instance_class])

    def merged(self, path: Path) -> PriceTable:
        """This table with ``path`` (same shape, JSON) laid over it: prices override or extend."""
        return PriceTable(_deep_merge(self.data, load_price_file(path, self.data)))


#: RDS engines → the table of prices they are billed from.
_RDS_ENGINES = {
    "postgres": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "aurora-postgresql": "aurora-postgresql",
    "aurora-mysql": "aurora-mysql",
    "aurora": "aurora-mysql",
}

_SECTIONS = ("ec2", "elasticache", "rds", "rates")


def load_price_file(path: Path, shipped: dict[str, Any]) -> dict[str, Any]:
    """Read and validate a ``--prices`` file; errors are one line naming the file and key."""
    file = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TierupError(
            f"can't read the price file ({exc.strerror or exc})", file=file, key="--prices"
        ) from None
    except json.JSONDecodeError as exc:
        raise TierupError(
            f"not valid JSON (line {exc.lineno}: {exc.msg})", file=file, key="--prices"
        ) from None
    if not isinstance(data, dict):
        raise TierupError("must be a JSON object with a 'regions' map", file=file, key="(top level)")
    unknown = sorted(set(data) - {"asOf", "currency", "source", "notes", "regions"})
    if unknown:
        raise TierupError(
            "unknown key (allowed: asOf, currency, source, notes, regions)", file=file, key=unknown[0]
        )
    if "asOf" in data and not isinstance(data["asOf"], str):
        raise TierupError("must be a date string like 2025-06-01", file=file, key="asOf")
    regions = data.get("regions", {})
    if not isinstance(regions, dict):
        raise TierupError("must be a map of region → prices", file=file, key="regions")
    known_rates = set(shipped["regions"]["us-east-1"]["rates"])
    for region, table in regions.items():
        where = f"regions.{region}"
        if not isinstance(table, dict):
            raise TierupError("must be a map with ec2, elasticache, rds or rates", file=file, key=where)
        for section, prices in table.items():
            key = f"{where}.{section}"
            if section == "name":
                continue
            if section not in _SECTIONS:
                raise TierupError(
                    f"unknown section (allowed: name, {', '.join(_SECTIONS)})", file=file, key=key
                )
            nested = section in ("elasticache", "rds")
            if not isinstance(prices, dict):
                raise TierupError("must be a map", file=file, key=key)
            groups = prices.items() if nested else [(None, prices)]
            for group, entries in groups:
                group_key = f"{key}.{group}" if group else key
                if nested and group not in (
                    ("redis", "valkey") if section == "elasticache" else set(_RDS_ENGINES.values())
                ):
                    raise TierupError("unknown engine", file=file, key=group_key)
                if not isinstance(entries, dict):
                    raise TierupError("must be a map of name → price", file=file, key=group_key)
                for name, price in entries.items():
                    if section == "rates" and name not in known_rates:
                        raise TierupError(
                            f"unknown rate{_hint(name, known_rates)}", file=file, key=f"{group_key}.{name}"
                        )
                    if isinstance(price, bool) or not isinstance(price, int | float) or price < 0:
                        raise TierupError(
                            f"must be a non-negative number (got {price!r})",
                            file=file,
                            key=f"{group_key}.{name}",
                        )
    return data


def _hint(name: str, choices: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


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
    #: The named tier instance (``web``, ``emails``), None for stack-wide pieces.
    name: str | None = None

    @property
    def monthly(self) -> float:
        return self.quantity * self.unit_price

    @property
    def group(self) -> Group:
        return Group(self.tier, self.name)


@dataclass
class UnpricedResource:
    """A resource the estimate does not include, and why."""

    tier: str
    name: str | None
    urn: str
    type: str
    resource: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "name": self.name,
            "urn": self.urn,
            "type": self.type,
            "resource": self.resource,
            "reason": self.reason,
        }


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
    unpriced: list[UnpricedResource] = field(default_factory=list)

    def sections(self) -> list[tuple[Group, list[Line], float]]:
        """``(named tier, lines, monthly)``: tiers in report order, each named instance (``app web``,
        ``app api``) in stack order, only those with lines, the costliest line first."""
        groups = list(dict.fromkeys(line.group for line in self.lines))
        groups.sort(
            key=lambda g: (TIERS.index(g.tier) if g.tier in TIERS else len(TIERS), g.name is not None)
        )
        out = []
        for group in groups:
            lines = sorted(
                (line for line in self.lines if line.group == group), key=lambda line: -line.monthly
            )
            out.append((group, lines, sum(line.monthly for line in lines)))
        return out

    def tiers(self) -> list[tuple[str, list[Line], float]]:
        """``(tier label, lines, monthly)`` in report order (see ``sections``)."""
        return [(group.label, lines, monthly) for group, lines, monthly in self.sections()]

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
                    "tier": group.tier,
                    "name": group.name,
                    "label": group.label,
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
                for group, lines, monthly in self.sections()
            ],
            "total": _cents(self.total),
            "unpricedCount": len(self.unpriced),
            "unpriced": [u.to_json() for u in self.unpriced],
        }

    def _rows(self) -> list[tuple[str, str, str, str, str]]:
        rows = []
        for tier, lines, monthly in self.tiers():
            for line in lines:
                quantity = f"{_number(line.quantity)} {line.unit}"
                rows.append((tier, line.item, quantity, _price(line.unit_price), _money(line.monthly)))
            rows.append(("", f"{tier} total", "", "", _money(monthly)))
        return rows

    def _total_label(self) -> str:
        count = len(self.unpriced)
        return f"TOTAL (+ {count} unpriced resource{'s' if count != 1 else ''})" if count else "TOTAL"

    def _unpriced_text(self) -> list[str]:
        return [f"  {u.type} {u.resource} ({Group(u.tier, u.name).label}): {u.reason}" for u in self.unpriced]

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
            f" access logs {_number(a['accessLogGb'])} GB stored (per month; set them in tierup:usage);"
            f" per Lambda function {_number(a['lambdaInvocationsPerMonth'])} invocations of"
            f" {_number(a['lambdaAverageMs'])} ms; database backups change"
            f" {_number(a['databaseBackupDailyChangePercent'])}% of storage a day; Aurora storage"
            f" {_number(a['auroraStorageGb'])} GB"
        )

    def render_text(self) -> str:
        header = ("TIER", "ITEM", "QUANTITY", "UNIT PRICE", "MONTHLY")
        rows = [header, *self._rows(), (self._total_label(), "", "", "", _money(self.total))]
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        out = [self._header(), ""]
        for row in rows:
            left = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
            right = "  ".join(cell.rjust(widths[i + 3]) for i, cell in enumerate(row[3:]))
            out.append(f"{left}  {right}".rstrip())
        if self.unpriced:
            out += ["", f"Unpriced ({len(self.unpriced)}, not in the total):", *self._unpriced_text()]
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
        total = "total" + (f" (+ {len(self.unpriced)} unpriced)" if self.unpriced else "")
        out += [f"| **{total}** | | | | **{_money(self.total)}** |"]
        if self.unpriced:
            out += ["", f"Unpriced ({len(self.unpriced)}, not in the total):", ""]
            out += [f"- {_md(line.strip())}" for line in self._unpriced_text()]
        out += [
            "",
            f"{self.currency}, {self.region}, on-demand prices as of {self.prices_as_of}, {HOURS_PER_MONTH} h a month."
            f" Assumptions: {_md(self._assumption_text())}.",
        ]
        return "\n".join(out)


def _cents(value: float) -> float:
    return round(value, 2)


def _price(value: float) -> str:
    """A unit price as the table gives it, with at least cents: $0.0168, $0.40, $3.00."""
    if round(value * 100, 9).is_integer():
        return f"${value:.2f}"
    return f"${value:g}" if value >= 0.0001 else f"${value:.10f}".rstrip("0")


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
        self.unpriced: list[UnpricedResource] = []
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
            type_ = self.inv.type_of(r)
            pricer = _PRICERS.get(type_)
            if pricer is not None:
                before = len(self.lines)
                try:
                    pricer(self, r)
                except Unpriced as exc:
                    del self.lines[before:]
                    self.skip(r, str(exc))
            elif type_ in BILLED_TYPES or _module(type_) in BILLED_MODULES:
                self.skip(r, "billed by AWS, not in tierup's price model")
        return self._merged()

    def skip(self, r: ResourceRecord, reason: str) -> None:
        group = self.inv.group_of(r)
        self.unpriced.append(UnpricedResource(group.tier, group.name, r.urn, r.type, r.name, reason))

    def add(self, r: ResourceRecord, item: str, quantity: float, unit: str, unit_price: float) -> None:
        if quantity > 0:
            group = self.inv.group_of(r)
            self.lines.append(Line(group.tier, item, quantity, unit, unit_price, [r.urn], group.name))

    def rate(self, r: ResourceRecord, key: str) -> float:
        return self.prices.rate(self.inv.region_of(r), key)

    def _merged(self) -> list[Line]:
        """Identical items of one tier become one line (three NAT gateways: one line of 2,190 hours)."""
        merged: dict[tuple[Group, str, str, float], Line] = {}
        for line in self.lines:
            key = (line.group, line.item, line.unit, line.unit_price)
            if key in merged:
                merged[key].quantity += line.quantity
                merged[key].resources += line.resources
            else:
                merged[key] = Line(
                    line.tier,
                    line.item,
                    line.quantity,
                    line.unit,
                    line.unit_price,
                    list(line.resources),
                    line.name,
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


def _module(type_: str) -> str:
    """``aws:rds/instance:Instance`` → ``rds``."""
    parts = type_.split(":")
    return parts[1].split("/")[0] if len(parts) == 3 and parts[0] == "aws" else ""


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


# ---- databases ---------------------------------------------------------------------------------

_RDS_STORAGE_RATES = {
    "gp2": "rdsGp2GbMonth",
    "gp3": "rdsGp3GbMonth",
    "io1": "rdsIo1GbMonth",
    "io2": "rdsIo1GbMonth",
    "standard": "rdsMagneticGbMonth",
}
_SIZE_VCPUS = {"micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4}


def database_vcpus(instance_class: str) -> int:
    """vCPUs of a DB instance class: 2 up to ``large``, then 4 per ``xlarge`` (``db.r6g.4xlarge`` → 16)."""
    size = instance_class.rsplit(".", 1)[-1]
    if size in _SIZE_VCPUS:
        return _SIZE_VCPUS[size]
    multiple = size.removesuffix("xlarge")
    return 4 * int(multiple) if multiple.isdigit() else 2


@_prices("aws:rds/instance:Instance")
def _database(e: _Estimator, r: ResourceRecord) -> None:
    """Instance-hours and storage (both x2 Multi-AZ), backups beyond the free copy, Performance Insights."""
    inv = e.inv
    source = inv.replica_source(r)
    engine = inv.get(r, "engine") or (inv.get(source, "engine") if source is not None else None)
    klass = inv.get(r, "instanceClass")
    if not engine or not klass:
        raise Unpriced("engine or instance class unknown")
    copies = 2 if truthy(inv.get(r, "multiAz")) else 1
    region = inv.region_of(r)
    hourly = e.prices.database(region, engine, klass)
    role = "read replica" if source is not None or inv.get(r, "replicateSourceDb") else "RDS"
    multi = " Multi-AZ" if copies == 2 else ""
    e.add(r, f"{role} {klass} ({engine}{multi})", copies * HOURS_PER_MONTH, "instance-hour", hourly)
    storage = float(
        inv.get(r, "allocatedStorage") or (inv.get(source, "allocatedStorage") if source else 0) or 0
    )
    kind = inv.get(r, "storageType") or (inv.get(source, "storageType") if source is not None else None)
    kind = kind or ("io1" if inv.get(r, "iops") else "gp2")
    key = _RDS_STORAGE_RATES.get(kind)
    if key is None:
        raise Unpriced(f"storage type {kind} not in tierup's price model")
    e.add(r, f"RDS {kind} storage{multi}", copies * storage, "GB-month", e.rate(r, key))
    if kind in ("io1", "io2") and inv.get(r, "iops"):
        e.add(r, f"RDS {kind} provisioned IOPS{multi}", copies * float(inv.get(r, "iops")), "IOPS-month",
              e.rate(r, "rdsIo1IopsMonth"))  # fmt: skip
    retention = int(inv.get(r, "backupRetentionPeriod") or 0)
    if source is None and retention > 0:
        beyond = storage * ASSUMED["databaseBackupDailyChangePercent"] / 100 * retention
        e.add(r, f"RDS backup storage beyond the free copy ({retention} days)", beyond, "GB-month",
              e.rate(r, "rdsBackupGbMonth"))  # fmt: skip
    if truthy(inv.get(r, "performanceInsightsEnabled")):
        days = int(inv.get(r, "performanceInsightsRetentionPeriod") or 7)
        if days > 7:  # the last 7 days are free
            vcpus = database_vcpus(klass) * copies
            e.add(r, f"Performance Insights retention ({days} days)", vcpus, "vCPU-month",
                  e.rate(r, "rdsPerformanceInsightsVcpuMonth"))  # fmt: skip


@_prices("aws:rds/clusterInstance:ClusterInstance")
def _aurora_instance(e: _Estimator, r: ResourceRecord) -> None:
    engine, klass = e.inv.get(r, "engine"), e.inv.get(r, "instanceClass")
    if not engine or not klass:
        raise Unpriced("engine or instance class unknown")
    if klass == "db.serverless":
        raise Unpriced("Aurora Serverless v2 is billed per ACU-hour by load")
    hourly = e.prices.database(e.inv.region_of(r), engine, klass)
    e.add(r, f"Aurora {klass} ({engine})", HOURS_PER_MONTH, "instance-hour", hourly)


@_prices("aws:rds/cluster:Cluster")
def _aurora_cluster(e: _Estimator, r: ResourceRecord) -> None:
    engine = e.inv.get(r, "engine") or ""
    if not engine.startswith("aurora"):
        raise Unpriced(f"Multi-AZ DB cluster ({engine or 'engine unknown'}) not in tierup's price model")
    gb = float(e.inv.get(r, "allocatedStorage") or ASSUMED["auroraStorageGb"])
    e.add(r, "Aurora storage", gb, "GB-month", e.rate(r, "auroraStorageGbMonth"))
    retention = int(e.inv.get(r, "backupRetentionPeriod") or 1)
    beyond = gb * ASSUMED["databaseBackupDailyChangePercent"] / 100 * retention
    e.add(r, f"Aurora backup storage beyond the free copy ({retention} days)", beyond, "GB-month",
          e.rate(r, "rdsBackupGbMonth"))  # fmt: skip


# ---- containers, functions, schedules, edge -----------------------------------------------------


@_prices("aws:ecs/service:Service")
def _ecs_service(e: _Estimator, r: ResourceRecord) -> None:
    inv = e.inv
    providers = [p.get("capacityProvider") for p in as_list(inv.get(r, "capacityProviderStrategies"))]
    if inv.get(r, "launchType") != "FARGATE" and not any(str(p).startswith("FARGATE") for p in providers):
        return  # EC2 launch type: its instances are priced where they are declared
    task = inv.ref(inv.get(r, "taskDefinition"), "aws:ecs/taskDefinition:TaskDefinition")
    if task is None or not inv.get(task, "cpu") or not inv.get(task, "memory"):
        raise Unpriced("Fargate task size unknown (no task definition with cpu and memory in the stack)")
    count = int(inv.get(r, "desiredCount", 1))
    arm = str((inv.get(task, "runtimePlatform") or {}).get("cpuArchitecture", "")).upper() == "ARM64"
    arch, vcpu_key, gb_key = (
        ("Arm", "fargateArmVcpuHour", "fargateArmGbHour")
        if arm
        else ("x86", "fargateVcpuHour", "fargateGbHour")
    )
    vcpus, gb = float(inv.get(task, "cpu")) / 1024, float(inv.get(task, "memory")) / 1024
    e.add(r, f"Fargate vCPU ({arch})", count * vcpus * HOURS_PER_MONTH, "vCPU-hour", e.rate(r, vcpu_key))
    e.add(r, f"Fargate memory ({arch})", count * gb * HOURS_PER_MONTH, "GB-hour", e.rate(r, gb_key))


@_prices("aws:lambda/function:Function")
def _lambda(e: _Estimator, r: ResourceRecord) -> None:
    invocations = ASSUMED["lambdaInvocationsPerMonth"]
    memory_gb = float(e.inv.get(r, "memorySize", 128)) / 1024
    arm = "arm64" in as_list(e.inv.get(r, "architectures"))
    e.add(r, "Lambda requests", invocations / 1_000_000, "million", e.rate(r, "lambdaRequestsPerMillion"))
    seconds = invocations * ASSUMED["lambdaAverageMs"] / 1000 * memory_gb
    key = "lambdaArmGbSecond" if arm else "lambdaGbSecond"
    e.add(r, f"Lambda compute ({'Arm' if arm else 'x86'})", seconds, "GB-second", e.rate(r, key))


def schedule_invocations_per_month(expression: str) -> float:
    """Invocations a month of an EventBridge Scheduler expression: ``rate(5 minutes)`` → 8,760.

    ``cron(m h dom mon dow year)`` counts the listed minutes x hours x days a month; ``at(...)`` is one.
    """
    text = expression.strip()
    if text.startswith("rate(") and text.endswith(")"):
        value, _, unit = text[5:-1].strip().partition(" ")
        minutes = {"minute": 1, "hour": 60, "day": 1440}.get(unit.rstrip("s"), 0)
        return HOURS_PER_MONTH * 60 / (float(value) * minutes) if minutes and value.isdigit() else 0.0
    if text.startswith("cron(") and text.endswith(")"):
        fields = text[5:-1].split()
        if len(fields) != 6:
            return 0.0
        minute, hour, day, _month, weekday, _year = fields
        per_day = _cron_count(minute, 60) * _cron_count(hour, 24)
        if day in ("*", "?") and weekday in ("*", "?"):
            days = HOURS_PER_MONTH / 24
        elif day not in ("*", "?"):
            days = _cron_count(day, 31) * (HOURS_PER_MONTH / 24) / 31
        else:
            days = _cron_count(weekday, 7) * HOURS_PER_MONTH / 24 / 7
        return per_day * days
    return 1.0 if text.startswith("at(") else 0.0


def _cron_count(field_: str, span: int) -> float:
    """How many values a cron field lists: ``*`` all, ``*/15`` every 15th, ``1,15`` two, ``1-5`` five."""
    count = 0.0
    for part in field_.split(","):
        base, _, step = part.partition("/")
        if base in ("*", "?"):
            width = span
        elif "-" in base:
            low, _, high = base.partition("-")
            width = (int(high) - int(low) + 1) if low.isdigit() and high.isdigit() else 1
        else:
            width = 1 if not step else span
        count += width / int(step) if step.isdigit() and int(step) > 0 else width
    return count


@_prices("aws:scheduler/schedule:Schedule")
def _schedule(e: _Estimator, r: ResourceRecord) -> None:
    invocations = schedule_invocations_per_month(str(e.inv.get(r, "scheduleExpression", "")))
    free = ASSUMED["schedulerFreeInvocationsPerMonth"]
    total = sum(
        schedule_invocations_per_month(str(e.inv.get(s, "scheduleExpression", "")))
        for s in e.inv.of_type("aws:scheduler/schedule:Schedule")
    )
    billable_share = max(0.0, total - free) / total if total else 0.0
    rate = e.rate(r, "schedulerInvocationsPerMillion") * billable_share
    item = "EventBridge Scheduler invocations" + (
        " (within the 14 million free)" if billable_share == 0 else ""
    )
    e.add(r, item, invocations, "invocation", rate / 1_000_000)


@_prices("aws:wafv2/webAcl:WebAcl")
def _web_acl(e: _Estimator, r: ResourceRecord) -> None:
    e.add(r, "WAF web ACL", 1, "web ACL", e.rate(r, "wafWebAclMonth"))
    e.add(r, "WAF rules", len(as_list(e.inv.get(r, "rules"))), "rule", e.rate(r, "wafRuleMonth"))
    millions = e.usage.requests_per_second * 3600 * HOURS_PER_MONTH / 1_000_000
    e.add(r, "WAF requests", millions, "million", e.rate(r, "wafRequestsPerMillion"))


@_prices("aws:route53/zone:Zone")
def _hosted_zone(e: _Estimator, r: ResourceRecord) -> None:
    e.add(r, "Route 53 hosted zone", 1, "zone", e.rate(r, "route53HostedZoneMonth"))


@_prices("aws:acm/certificate:Certificate", "aws:route53/record:Record")
def _free(e: _Estimator, r: ResourceRecord) -> None:
    """Public ACM certificates and Route 53 records (alias queries to AWS resources) cost nothing."""


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
    estimator = _Estimator(inventory, prices, usage)
    lines = estimator.run()
    return Estimate(
        project=evaluation.project,
        stack=evaluation.stack,
        region=inventory.region,
        prices_as_of=prices.as_of,
        assumptions={**usage.model_dump(by_alias=True), **ASSUMED, "hoursPerMonth": HOURS_PER_MONTH},
        lines=lines,
        currency=prices.currency,
        unpriced=estimator.unpriced,
    )


def estimate_project(
    directory: Path, stack: str, *, debug: bool = False, prices_file: Path | None = None, **options: Any
) -> Estimate:
    """Evaluate the stack offline and estimate it, with the stack's ``tierup:usage`` assumptions.

    ``prices_file`` (``--prices``) is validated before the program is evaluated.
    """
    prices = PriceTable.shipped().merged(prices_file) if prices_file is not None else None
    from tierup.settings import load_usage
    from tierup.workflow import start

    run = start(directory, stack, debug=debug, **options)
    evaluation = run.result()
    config = run.config.values
    usage = load_usage(config, file=run.project.relative(run.config.file))
    region = config.get("aws:region")
    return estimate(evaluation, usage, region=region if isinstance(region, str) else None, prices=prices)


__all__ = [
    "Estimate",
    "Line",
    "PriceTable",
    "Unpriced",
    "UnpricedResource",
    "alarm_metrics",
    "estimate",
    "estimate_project",
    "load_price_file",
]
