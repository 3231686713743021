"""`tierup cost` as a user runs it: every priced line of a small raw stack against figures computed by hand.

Expected figures are quantities counted by hand from ``projects/small/__main__.py`` times the unit
prices read straight from the shipped table, never from the code under test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO, TESTS, run_cli
from tierup.cost import PriceTable, Unpriced, alarm_metrics, database_vcpus, schedule_invocations_per_month

SMALL = TESTS / "cost" / "projects" / "small"
TIERS = TESTS / "cost" / "projects" / "tiers"
TABLE = json.loads((REPO / "tierup" / "data" / "prices.json").read_text())
US = TABLE["regions"]["us-east-1"]
H = 730  # hours in a month


def reference_copy(directory: Path, stack: str, extra: str) -> Path:
    """The reference project in ``directory``, with ``extra`` appended to its stack file."""
    (directory / "stacks").mkdir()
    shutil.copy(REPO / "Pulumi.yaml", directory / "Pulumi.yaml")
    shutil.copy(REPO / "stacks" / "__main__.py", directory / "stacks" / "__main__.py")
    # the virtualenv Pulumi.yaml names: the one running the tests (no missing-virtualenv warning)
    (directory / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    text = (REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text()
    (directory / "stacks" / f"Pulumi.{stack}.yaml").write_text(text + extra)
    return directory


USAGE = (
    "  tierup:usage:\n"
    "    requestsPerSecond: 100\n"
    "    averageResponseKb: 1\n"
    "    requestsPerConnection: 1\n"
    "    natGbPerMonth: 1000\n"
    "    queueMessagesPerMonth: 10000000\n"
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every CLI run this module checks, started together (each one evaluates a stack)."""
    usage = reference_copy(tmp_path_factory.mktemp("usage"), "staging", USAGE)
    invalid = reference_copy(
        tmp_path_factory.mktemp("invalid"), "dev", "  tierup:usage:\n    requestPerSecond: 5\n"
    )
    json_format = ("--format", "json")
    prices = tmp_path_factory.mktemp("prices")
    override = prices / "override.json"
    override.write_text(
        json.dumps(
            {"asOf": "2026-06-01", "regions": {"us-east-1": {"ec2": {"t4g.small": 1.0, "z9.huge": 2.0}}}}
        )
    )
    bad_price = prices / "bad.json"
    bad_price.write_text(json.dumps({"regions": {"us-east-1": {"rates": {"natGatewayHours": 0.05}}}}))
    negative = prices / "negative.json"
    negative.write_text(json.dumps({"regions": {"us-east-1": {"ec2": {"t4g.small": -1}}}}))
    calls: dict[str, tuple[str | Path, ...]] = {
        "small": ("cost", SMALL, "--stack", "prod", *json_format),
        "euw": ("cost", SMALL, "--stack", "euw", *json_format),
        "bad": ("cost", SMALL, "--stack", "bad"),
        "text": ("cost", SMALL, "--stack", "prod"),
        "tiers": ("cost", TIERS, "--stack", "prod", *json_format),
        "tiers_text": ("cost", TIERS, "--stack", "prod"),
        "nowhere": ("cost", TIERS, "--stack", "nowhere", *json_format),
        "override": ("cost", SMALL, "--stack", "bad", "--prices", override, *json_format),
        "bad_price": ("cost", SMALL, "--stack", "prod", "--prices", bad_price),
        "negative": ("cost", SMALL, "--stack", "prod", "--prices", negative),
        "missing_price": ("cost", SMALL, "--stack", "prod", "--prices", prices / "missing.json"),
        "markdown": ("cost", SMALL, "--stack", "prod", "--format", "markdown"),
        "usage": ("cost", usage, "--stack", "staging", *json_format),
        "invalid": ("cost", invalid, "--stack", "dev"),
        **{stack: ("cost", REPO, "--stack", stack, *json_format) for stack in ("dev", "staging", "prod")},
    }
    with ThreadPoolExecutor(4) as pool:
        futures = {name: pool.submit(run_cli, *args) for name, args in calls.items()}
        return {name: future.result() for name, future in futures.items()}


def report(runs: dict[str, subprocess.CompletedProcess[str]], name: str) -> dict[str, Any]:
    result = runs[name]
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def lines_of(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(t["tier"], line["item"]): line for t in report["tiers"] for line in t["lines"]}


def named_lines_of(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Lines keyed by the tier's label (``app web``), for stacks with several tiers of a kind."""
    return {(t["label"], line["item"]): line for t in report["tiers"] for line in t["lines"]}


@pytest.fixture(scope="module")
def small(runs) -> dict[str, Any]:
    return report(runs, "small")


@pytest.fixture(scope="module")
def reference(runs) -> dict[str, dict[str, Any]]:
    return {stack: report(runs, stack) for stack in ("dev", "staging", "prod")}


def small_expected(rates: dict[str, float], ec2: dict[str, float], redis: dict[str, float]) -> dict:
    """(tier, item) -> (quantity, unit price) of the small stack with the default usage assumptions."""
    lcu_per_hour = 10 * 50 * 3600 / 1_000_000  # 10 requests/s of 50 KB: 1.8 GB/h processed > 1/25 new conn/s
    return {
        ("network", "NAT gateway"): (H, rates["natGatewayHour"]),
        ("network", "NAT gateway data processed"): (50, rates["natGatewayGb"]),
        ("network", "public IPv4 address (NAT gateway EIP)"): (H, rates["publicIpv4Hour"]),
        ("load balancer", "ALB"): (H, rates["albHour"]),
        ("load balancer", "ALB capacity units"): (lcu_per_hour * H, rates["albLcuHour"]),
        ("load balancer", "public IPv4 address (ALB, 1 per AZ)"): (2 * H, rates["publicIpv4Hour"]),
        ("app", "EC2 t4g.small"): (2 * H, ec2["t4g.small"]),
        ("app", "EBS gp3 volume"): (2 * 20, rates["ebsGp3GbMonth"]),
        ("cache", "ElastiCache cache.t4g.micro (redis)"): (2 * H, redis["cache.t4g.micro"]),
        ("queue", "SQS requests (standard)"): (3, rates["sqsStandardPerMillion"]),  # 1M messages x 3
        ("workers", "EC2 t4g.micro"): (H, ec2["t4g.micro"]),  # no desired capacity: min 1
        ("workers", "EBS gp3 volume"): (8, rates["ebsGp3GbMonth"]),  # no block device: the AMI's 8 GB
        ("alarms", "CloudWatch alarm metrics (standard)"): (1 + 2, rates["alarmStandardMetric"]),
        ("alarms", "CloudWatch alarm metrics (high resolution)"): (1, rates["alarmHighResolutionMetric"]),
        ("alarms", "CloudWatch dashboard"): (1, rates["dashboardMonth"]),
        ("alarms", "SNS publishes"): (0.001, rates["snsPublishPerMillion"]),
        ("alarms", "SNS email deliveries"): (0.001, rates["snsEmailPerMillion"]),
    }


def test_each_priced_line_matches_the_hand_computed_figure(small):
    expected = small_expected(US["rates"], US["ec2"], US["elasticache"]["redis"])
    got = lines_of(small)
    assert set(got) == set(expected)
    for key, (quantity, unit_price) in expected.items():
        line = got[key]
        assert line["quantity"] == pytest.approx(quantity), key
        assert line["unitPrice"] == unit_price, key
        assert line["monthly"] == pytest.approx(quantity * unit_price, abs=0.005), key
    total = sum(q * p for q, p in expected.values())
    assert small["total"] == pytest.approx(total, abs=0.01)
    assert 130 < small["total"] < 140  # hand sum at the 2025-01-01 prices: $135.67


def test_spot_figures_at_the_shipped_prices(small):
    """A few figures written out, so a change of the table shows up here too."""
    got = lines_of(small)
    assert got[("network", "NAT gateway")]["monthly"] == 32.85  # 730 h x $0.045
    assert got[("app", "EC2 t4g.small")]["monthly"] == 24.53  # 2 x 730 h x $0.0168
    assert got[("cache", "ElastiCache cache.t4g.micro (redis)")]["monthly"] == 23.36  # 2 x 730 h x $0.016
    assert (
        got[("load balancer", "public IPv4 address (ALB, 1 per AZ)")]["monthly"] == 7.30
    )  # 2 x 730 h x $0.005


def test_report_shape_and_tiers(small):
    assert (small["project"], small["stack"], small["region"], small["currency"]) == (
        "small-raw",
        "prod",
        "us-east-1",
        "USD",
    )
    assert small["pricesAsOf"] == TABLE["asOf"]
    assert small["assumptions"]["requestsPerSecond"] == 10 and small["assumptions"]["hoursPerMonth"] == 730
    tiers = [t["tier"] for t in small["tiers"]]
    assert tiers == ["network", "load balancer", "app", "cache", "queue", "workers", "alarms"]
    for tier in small["tiers"]:
        assert tier["monthly"] == pytest.approx(sum(line["monthly"] for line in tier["lines"]), abs=0.02)


def test_lines_name_the_resources_they_price(small):
    got = lines_of(small)
    assert got[("app", "EC2 t4g.small")]["resource"].endswith("aws:autoscaling/group:Group::app")
    assert got[("workers", "EC2 t4g.micro")]["resource"].endswith("aws:autoscaling/group:Group::workers")
    standard = got[("alarms", "CloudWatch alarm metrics (standard)")]
    assert standard["resource"] is None and len(standard["resources"]) == 2  # two alarms on one line
    assert not any("jobs-dlq" in urn for line in got.values() for urn in line["resources"] if "sqs" in urn)


def test_prices_follow_the_region(runs):
    euw = report(runs, "euw")
    eu = TABLE["regions"]["eu-west-1"]
    got = lines_of(euw)
    assert euw["region"] == "eu-west-1"
    expected = small_expected(eu["rates"], eu["ec2"], eu["elasticache"]["redis"])
    for key, (quantity, unit_price) in expected.items():
        assert got[key]["unitPrice"] == unit_price, key
        assert got[key]["monthly"] == pytest.approx(quantity * unit_price, abs=0.005), key
    assert eu["ec2"]["t4g.small"] != US["ec2"]["t4g.small"]
    assert eu["rates"]["natGatewayHour"] != US["rates"]["natGatewayHour"]


def test_unknown_instance_type_is_listed_unpriced_not_fatal(runs):
    result = runs["bad"]
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "TOTAL (+ 1 unpriced resource)" in text
    assert "aws:autoscaling/group:Group app (app app): no price for EC2 z9.huge in us-east-1" in text
    assert "EC2 t4g.micro" in text  # the rest is still priced


def test_unknown_region_prices_nothing_of_it_and_lists_every_billed_resource(runs):
    nowhere = report(runs, "nowhere")
    assert nowhere["total"] == 0 and nowhere["tiers"] == []
    reasons = {u["resource"]: u["reason"] for u in nowhere["unpriced"]}
    assert reasons["main"] == "no prices for region me-central-1 (the table covers 16 regions)"
    assert nowhere["unpricedCount"] == len(nowhere["unpriced"]) == 23
    with pytest.raises(Unpriced, match="no prices for region ap-east-9"):
        PriceTable.shipped().rate("ap-east-9", "natGatewayHour")


def test_table_covers_current_families_in_common_regions():
    families = ["t2", "t3", "t4g", "m7g", "m7i", "c7g", "c7i", "r7g", "r7i", "m8g", "c8g", "a1", "i4i"]
    common = [
        "us-east-1",
        "us-east-2",
        "us-west-2",
        "eu-west-1",
        "eu-central-1",
        "ap-southeast-1",
        "ap-northeast-1",
    ]
    table = PriceTable.shipped()
    for region in common:
        for family in families:
            assert table.ec2(region, f"{family}.large" if family != "t2" else "t2.micro") > 0, (
                region,
                family,
            )
        for node in ("cache.t4g.micro", "cache.r7g.large", "cache.m7g.xlarge"):
            assert table.cache_node(region, "redis", node) > table.cache_node(region, "valkey", node) > 0
        for engine, klass in (
            ("postgres", "db.t4g.micro"),
            ("mysql", "db.r7g.large"),
            ("aurora-postgresql", "db.r6g.large"),
        ):
            assert table.database(region, engine, klass) > 0
    assert TABLE["compiled"] and "OFFLINE" in TABLE["source"]
    assert table.ec2("us-east-1", "t2.micro") == 0.0116 and table.ec2("us-east-1", "m7g.large") == 0.0816


def test_prices_file_overrides_and_extends(runs):
    result = report(runs, "override")
    got = lines_of(result)
    assert got[("app", "EC2 z9.huge")]["unitPrice"] == 2.0  # extended: now priced
    assert result["unpricedCount"] == 0
    assert result["pricesAsOf"] == "2026-06-01"
    assert got[("workers", "EC2 t4g.micro")]["unitPrice"] == US["ec2"]["t4g.micro"]  # the rest is shipped


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "bad_price",
            "bad.json: regions.us-east-1.rates.natGatewayHours: unknown rate (did you mean natGatewayHour?)",
        ),
        (
            "negative",
            "negative.json: regions.us-east-1.ec2.t4g.small: must be a non-negative number (got -1)",
        ),
        ("missing_price", "missing.json: --prices: can't read the price file"),
    ],
)
def test_invalid_prices_file_is_one_line_exit_2(runs, name, expected):
    result = runs[name]
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines


def test_usage_block_changes_the_usage_lines(runs, reference):
    usage = report(runs, "usage")
    rates = US["rates"]
    got, default = lines_of(usage), lines_of(reference["staging"])
    # 100 new connections/s ÷ 25 = 4 LCU beats 100 x 1 KB x 3600 s = 0.36 GB/h
    lcu = got[("load balancer", "ALB capacity units")]
    assert lcu["quantity"] == pytest.approx(4 * H)
    assert lcu["monthly"] == pytest.approx(4 * H * rates["albLcuHour"], abs=0.005)
    nat = got[("network", "NAT gateway data processed")]  # staging: one NAT gateway
    assert nat["monthly"] == pytest.approx(1000 * rates["natGatewayGb"], abs=0.005)
    # 10M messages x 3 requests, shared evenly by the two work queues (the schedule's DLQ is not one)
    named, named_default = named_lines_of(usage), named_lines_of(reference["staging"])
    sqs = {label: line for (label, item), line in named.items() if item == "SQS requests (standard)"}
    assert sorted(sqs) == ["queue emails", "queue images"]
    for line in sqs.values():
        assert line["quantity"] == pytest.approx(15)
        assert line["monthly"] == pytest.approx(15 * rates["sqsStandardPerMillion"], abs=0.005)
    for key in (("load balancer", "ALB capacity units"), ("network", "NAT gateway data processed")):
        assert got[key]["monthly"] != default[key]["monthly"]
    for service in ("web", "api"):  # instance hours do not depend on usage
        key = (f"app {service}", "EC2 t4g.small")
        assert named[key] == named_default[key]
    assert usage["assumptions"]["natGbPerMonth"] == 1000


def test_invalid_usage_is_one_line_exit_2(runs):
    result = runs["invalid"]
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.strip().endswith(
        "stacks/Pulumi.dev.yaml: tierup:usage.requestPerSecond: unknown key; did you mean 'requestsPerSecond'?"
    )


def test_reference_dev_costs_less_than_staging_less_than_prod(reference):
    totals = {stack: report["total"] for stack, report in reference.items()}
    assert totals["dev"] < totals["staging"] < totals["prod"], totals


def test_reference_prod_counts_what_users_forget(reference):
    got = lines_of(reference["prod"])
    rates = US["rates"]
    assert got[("network", "NAT gateway")]["quantity"] == 3 * H  # one per AZ
    assert got[("network", "public IPv4 address (NAT gateway EIP)")]["quantity"] == 3 * H
    assert got[("load balancer", "public IPv4 address (ALB, 1 per AZ)")]["quantity"] == 3 * H
    assert got[("network", "VPC flow logs to CloudWatch Logs")]["monthly"] == pytest.approx(
        10 * rates["vendedLogsGb"]
    )
    assert got[("cache", "ElastiCache cache.t4g.small (valkey)")]["quantity"] == 3 * H  # primary + 2 replicas
    assert got[("cache", "Secrets Manager secret")]["monthly"] == rates["secretMonth"]
    assert got[("alarms", "CloudWatch dashboard")]["monthly"] == rates["dashboardMonth"]
    assert ("load balancer", "S3 storage (access logs)") in got
    dev = lines_of(reference["dev"])
    assert dev[("network", "NAT instance t4g.nano")]["quantity"] == H
    assert dev[("network", "public IPv4 address (NAT instance)")]["quantity"] == H
    assert ("network", "NAT gateway") not in dev


def test_text_and_markdown_formats(runs):
    text = runs["text"]
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("small-raw · stack prod · us-east-1 · USD per month (730 h)")
    assert lines[2].split() == ["TIER", "ITEM", "QUANTITY", "UNIT", "PRICE", "MONTHLY"]
    assert any(line.startswith("TOTAL") and line.endswith("$135.67") for line in lines)
    markdown = runs["markdown"]
    assert markdown.returncode == 0, markdown.stderr
    assert "| tier | item | quantity | unit price | monthly |" in markdown.stdout
    assert (
        "| app app | EC2 t4g.small | 1,460 instance-hour | $0.0168 | $24.53 |" in markdown.stdout
    )  # named: the ASG
    assert "| **total** | | | | **$135.67** |" in markdown.stdout


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"metricName": "CPUUtilization", "period": 60}, (1, False)),
        ({"metricName": "CPUUtilization", "period": 10}, (1, True)),
        (
            {"metricQueries": [{"id": "a", "metric": {"period": 60}}, {"id": "e", "expression": "a * 2"}]},
            (1, False),
        ),
        (
            {
                "metricQueries": [
                    {"id": "m", "metric": {"period": 60}},
                    {"id": "band", "expression": "ANOMALY_DETECTION_BAND(m, 2)"},
                ]
            },
            (3, False),
        ),
    ],
)
def test_alarm_metrics_as_cloudwatch_bills_them(props, expected):
    assert alarm_metrics(props) == expected


# ---- named tiers and the revision-2 resources (projects/tiers) ----------------------------------


@pytest.fixture(scope="module")
def tiers(runs) -> dict[str, Any]:
    return report(runs, "tiers")


def section(report: dict[str, Any], label: str) -> dict[str, dict[str, Any]]:
    found = [t for t in report["tiers"] if t["label"] == label]
    assert len(found) == 1, [t["label"] for t in report["tiers"]]
    assert found[0]["monthly"] == pytest.approx(sum(line["monthly"] for line in found[0]["lines"]), abs=0.02)
    return {line["item"]: line for line in found[0]["lines"]}


def test_each_named_tier_has_its_own_lines_and_subtotal(tiers):
    labels = [t["label"] for t in tiers["tiers"]]
    assert labels == [
        "load balancer", "app web", "app api", "app legacy", "containers", "functions", "database main", "database reports",
        "queue emails", "queue images", "workers images", "schedule nightly", "edge", "alarms",
    ]  # fmt: skip
    assert [(t["tier"], t["name"]) for t in tiers["tiers"]][1:3] == [("app", "web"), ("app", "api")]
    assert section(tiers, "app web")["EC2 t4g.small"]["quantity"] == 2 * H
    assert section(tiers, "app api")["EC2 t4g.medium"]["quantity"] == 2 * H
    assert section(tiers, "workers images")["EC2 c7g.large"]["unitPrice"] == US["ec2"]["c7g.large"]
    assert section(tiers, "queue emails")["SQS requests (standard)"]["quantity"] == pytest.approx(1.5)


def test_an_asg_reached_only_through_an_attachment_is_an_app_tier(tiers):
    """The pack's model (aws.autoscaling.Attachment) decides, so cost agrees with the policies."""
    assert section(tiers, "app legacy")["EC2 t3.micro"]["quantity"] == H


def test_database_lines_match_the_hand_computed_figures(tiers):
    rates, rds = US["rates"], US["rds"]["postgres"]
    lines = section(tiers, "database main")
    expected = {
        "RDS db.t4g.small (postgres Multi-AZ)": (2 * H, rds["db.t4g.small"]),  # Multi-AZ: twice the hours
        "RDS gp3 storage Multi-AZ": (2 * 50, rates["rdsGp3GbMonth"]),  # and twice the storage
        "RDS backup storage beyond the free copy (7 days)": (50 * 0.05 * 7, rates["rdsBackupGbMonth"]),
        "Performance Insights retention (31 days)": (2 * 2, rates["rdsPerformanceInsightsVcpuMonth"]),
        "read replica db.t4g.small (postgres)": (H, rds["db.t4g.small"]),
        "RDS gp3 storage": (50, rates["rdsGp3GbMonth"]),  # the replica's, type inherited from its source
    }
    assert set(lines) == set(expected)
    for item, (quantity, price) in expected.items():
        assert lines[item]["quantity"] == pytest.approx(quantity), item
        assert lines[item]["unitPrice"] == price, item


def test_fargate_lambda_waf_zone_schedule_and_free_certificate(tiers):
    rates = US["rates"]
    containers = section(tiers, "containers")
    assert containers["Fargate vCPU (Arm)"]["quantity"] == pytest.approx(2 * 0.5 * H)
    assert containers["Fargate memory (Arm)"]["quantity"] == pytest.approx(2 * 1 * H)
    assert containers["Fargate vCPU (Arm)"]["unitPrice"] == rates["fargateArmVcpuHour"]
    functions = section(tiers, "functions")
    assert functions["Lambda requests"]["quantity"] == 1
    assert functions["Lambda compute (x86)"]["quantity"] == pytest.approx(1_000_000 * 0.2 * 0.5)
    edge = section(tiers, "edge")
    assert (edge["WAF web ACL"]["monthly"], edge["WAF rules"]["quantity"]) == (5.0, 2)
    assert edge["WAF requests"]["quantity"] == pytest.approx(10 * 3600 * H / 1e6)
    assert edge["Route 53 hosted zone"]["monthly"] == 0.5
    schedule = section(tiers, "schedule nightly")
    (line,) = schedule.values()
    assert line["quantity"] == pytest.approx(H / 24) and line["monthly"] == 0  # daily, inside the free tier
    assert not any("acm" in u["type"] for u in tiers["unpriced"])


def test_unpriced_resources_are_listed_and_counted_in_the_total_line(runs, tiers):
    assert tiers["unpricedCount"] == 1
    (unpriced,) = tiers["unpriced"]
    assert (unpriced["type"], unpriced["resource"]) == ("aws:redshift/cluster:Cluster", "warehouse")
    assert tiers["total"] == pytest.approx(sum(t["monthly"] for t in tiers["tiers"]), abs=0.05)
    text = runs["tiers_text"].stdout
    assert "TOTAL (+ 1 unpriced resource)" in text
    assert "Unpriced (1, not in the total):" in text
    assert "app api total" in text and "workers images total" in text


@pytest.mark.parametrize(
    ("expression", "per_month"),
    [
        ("rate(5 minutes)", H * 12),
        ("rate(1 hour)", H),
        ("rate(1 day)", H / 24),
        ("cron(0 3 * * ? *)", H / 24),
        ("cron(*/15 * * * ? *)", H * 4),
        ("cron(0 9 ? * MON-FRI *)", H / 24 / 7),  # named weekdays count as one listed value
        ("cron(0 9 ? * 2-6 *)", 5 * H / 24 / 7),
        ("at(2026-01-01T00:00:00)", 1),
        ("nonsense", 0),
    ],
)
def test_schedule_invocations_per_month(expression, per_month):
    assert schedule_invocations_per_month(expression) == pytest.approx(per_month)


@pytest.mark.parametrize(
    ("klass", "vcpus"),
    [("db.t4g.micro", 2), ("db.m7g.large", 2), ("db.r6g.xlarge", 4), ("db.r6g.4xlarge", 16)],
)
def test_database_vcpus(klass, vcpus):
    assert database_vcpus(klass) == vcpus


def test_aurora_instances_and_cluster_storage(tiers):
    lines = section(tiers, "database reports")
    price = US["rds"]["aurora-postgresql"]["db.r7g.large"]
    assert lines["Aurora db.r7g.large (aurora-postgresql)"]["quantity"] == 2 * H  # writer + reader
    assert lines["Aurora db.r7g.large (aurora-postgresql)"]["unitPrice"] == price
    assert lines["Aurora storage"]["quantity"] == 20  # the stated assumption
    assert tiers["assumptions"]["auroraStorageGb"] == 20
