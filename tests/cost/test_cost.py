"""`tierup cost` as a user runs it: every priced line of a small raw stack against figures computed by hand.

Expected figures are quantities counted by hand from ``projects/small/__main__.py`` times the unit
prices read straight from the shipped table, never from the code under test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO, TESTS, run_cli
from tierup.cost import PriceTable, alarm_metrics
from tierup.errors import TierupError

SMALL = TESTS / "cost" / "projects" / "small"
TABLE = json.loads((REPO / "tierup" / "data" / "prices.json").read_text())
US = TABLE["regions"]["us-east-1"]
H = 730  # hours in a month


def reference_copy(directory: Path, stack: str, extra: str) -> Path:
    """The reference project in ``directory``, with ``extra`` appended to its stack file."""
    (directory / "stacks").mkdir()
    shutil.copy(REPO / "Pulumi.yaml", directory / "Pulumi.yaml")
    shutil.copy(REPO / "stacks" / "__main__.py", directory / "stacks" / "__main__.py")
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
    calls: dict[str, tuple[str | Path, ...]] = {
        "small": ("cost", SMALL, "--stack", "prod", *json_format),
        "euw": ("cost", SMALL, "--stack", "euw", *json_format),
        "bad": ("cost", SMALL, "--stack", "bad"),
        "text": ("cost", SMALL, "--stack", "prod"),
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


def test_unknown_instance_type_is_one_line_exit_2(runs):
    result = runs["bad"]
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: no price for EC2 instance type 'z9.huge' in us-east-1")
    assert "Traceback" not in result.stderr


def test_unknown_region_is_one_readable_error():
    with pytest.raises(TierupError) as caught:
        PriceTable.shipped().rate("ap-south-1", "natGatewayHour")
    assert str(caught.value) == (
        f"no prices for region 'ap-south-1' in tierup's price table (as of {TABLE['asOf']});"
        " it covers us-east-1, us-west-2, eu-west-1, eu-central-1"
    )


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
    sqs = got[("queue", "SQS requests (standard)")]  # 10M messages x 3 requests
    assert sqs["monthly"] == pytest.approx(30 * rates["sqsStandardPerMillion"], abs=0.005)
    for key in (("load balancer", "ALB capacity units"), ("network", "NAT gateway data processed")):
        assert got[key]["monthly"] != default[key]["monthly"]
    assert got[("app", "EC2 t4g.small")] == default[("app", "EC2 t4g.small")]
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
    assert "| app | EC2 t4g.small | 1,460 instance-hour | $0.0168 | $24.53 |" in markdown.stdout
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
