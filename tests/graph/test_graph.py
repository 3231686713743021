"""`tierup graph` as a user runs it: the reference and raw stacks drawn with the expected nodes and edges."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import REPO, TESTS, run_cli
from tierup.graph import Diagram, Edge, Node

RAW = TESTS / "policies" / "raw_project"
SMALL = TESTS / "cost" / "projects" / "small"
TIERS = TESTS / "cost" / "projects" / "tiers"
BARE = TESTS / "graph" / "projects" / "bare"


@dataclass
class Mermaid:
    """A Mermaid flowchart read back: node labels, the AZ of each node, and the edges."""

    labels: dict[str, str] = field(default_factory=dict)
    zones: dict[str, list[str]] = field(default_factory=dict)  # subgraph title -> node ids
    edges: set[tuple[str, str, str, bool]] = field(default_factory=set)  # source, target, label, dashed

    @classmethod
    def parse(cls, text: str) -> Mermaid:
        chart = cls()
        lines = text.splitlines()
        assert lines[0] == "flowchart LR"
        zone = None
        for line in lines[1:]:
            line = line.strip()
            if m := re.fullmatch(r'subgraph \w+\["([^"]*)"\]', line):
                zone = m.group(1)
                chart.zones[zone] = []
            elif line == "end":
                zone = None
            elif m := re.fullmatch(r'(\w+) (-->|-\.->)(?:\|"([^"]*)"\|)? (\w+)', line):
                chart.edges.add((m.group(1), m.group(4), m.group(3) or "", m.group(2) == "-.->"))
            elif m := re.fullmatch(r'(\w+)[\[\(\{>]+"([^"]*)"[\]\)\}]+', line):
                chart.labels[m.group(1)] = m.group(2)
                if zone is not None:
                    chart.zones[zone].append(m.group(1))
            else:
                assert line.startswith("%%"), line
        return chart

    def ids(self, prefix: str, zone: str | None = None) -> list[str]:
        """Node ids whose label starts with ``prefix`` (in ``zone`` when given)."""
        pool = self.zones[zone] if zone is not None else list(self.labels)
        return [i for i in pool if self.labels[i].startswith(prefix)]

    def one(self, prefix: str, zone: str | None = None) -> str:
        found = self.ids(prefix, zone)
        assert len(found) == 1, (prefix, zone, found)
        return found[0]

    def linked(self, source: str, target: str, label: str = "", dashed: bool = False) -> bool:
        return (source, target, label, dashed) in self.edges

    def label_of(self, source: str, target: str) -> str | None:
        """The label of the edge source → target (None when there is none)."""
        return next((label for a, b, label, _ in self.edges if (a, b) == (source, target)), None)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every CLI run this module checks, started together (each one evaluates a stack)."""
    out = tmp_path_factory.mktemp("graph") / "small.mmd"
    calls: dict[str, tuple[str | Path, ...]] = {
        "dev": ("graph", REPO, "--stack", "dev"),
        "prod": ("graph", REPO, "--stack", "prod", "--format", "mermaid"),
        "prod-dot": ("graph", REPO, "--stack", "prod", "--format", "dot"),
        "raw": ("graph", RAW, "--stack", "prod"),
        "small": ("graph", SMALL, "--stack", "prod", "--output", out),
        "tiers": ("graph", TIERS, "--stack", "prod"),
        "bare": ("graph", BARE, "--stack", "dev"),
    }
    with ThreadPoolExecutor(4) as pool:
        futures = {name: pool.submit(run_cli, *args) for name, args in calls.items()}
        results = {name: future.result() for name, future in futures.items()}
    results["small"].stdout = out.read_text() if out.exists() else ""
    return results


def chart(runs: dict[str, subprocess.CompletedProcess[str]], name: str) -> Mermaid:
    result = runs[name]
    assert result.returncode == 0, result.stderr
    return Mermaid.parse(result.stdout)


def check_tiers(
    c: Mermaid,
    zones: list[str],
    services: dict[str, str],
    pools: dict[str, tuple[str, int]],
    az_count: int | None = None,
) -> None:
    """ALB → each named service (one node per tier, its route on the edge) → cache primary; each queue → its
    worker pool and → its DLQ after ``n`` receives; alarms → SNS.

    ``services`` maps a service name to its route label; ``pools`` a worker pool to (its queue, maxReceiveCount).
    """
    assert sorted(c.zones) == zones
    alb = c.one("ALB ")
    assert c.linked("users", alb, "HTTPS") or c.linked("users", alb, "HTTP")
    primary = c.one("Valkey primary") if c.ids("Valkey") else c.one("Redis primary")
    assert len(c.ids("service ")) == len(services)
    for name, route in services.items():
        app = c.one(f"service {name}<br/>")
        assert c.label_of(alb, app) == route, name
        assert c.label_of(app, primary) == "", name
        assert f"across {az_count or len(zones)} AZs" in c.labels[app]  # capacity once, for the whole tier
    assert len(c.ids("worker pool ")) == len(pools)
    for pool, (queue_name, receives) in pools.items():
        queue, dlq = c.one(f"SQS {queue_name}"), c.one(f"DLQ {queue_name}-dlq")
        assert c.label_of(queue, c.one(f"worker pool {pool}<br/>")) == "", pool
        assert c.linked(queue, dlq, f"after {receives} receives", dashed=True)
    topic = c.one("SNS ")
    assert any(c.linked(alarms, topic, "notify") for alarms in c.ids("CloudWatch alarms"))
    assert any(c.linked(topic, s) for s in c.ids("email: "))


def check_reference_bulkheads(c: Mermaid) -> None:
    """The reference stacks' wiring: each service enqueues only to its sendsTo, the schedule to its queue."""
    web, api = c.one("service web<br/>"), c.one("service api<br/>")
    emails, images = c.one("SQS emails"), c.one("SQS images")
    assert c.linked(web, emails, "enqueue") and c.linked(web, images, "enqueue")
    assert c.linked(api, images, "enqueue") and c.label_of(api, emails) is None  # api sendsTo: [images]
    assert c.label_of(emails, c.one("worker pool images<br/>")) is None  # each pool on its own queue
    assert c.label_of(images, c.one("worker pool emails<br/>")) is None
    schedule = c.one("schedule nightly-digest<br/>cron(0 3 * * ? *)")
    assert c.linked(schedule, emails, "sends")
    assert c.linked(schedule, c.one("DLQ nightly-digest-dlq"), "after 10 retries", dashed=True)
    for pool in ("emails", "images"):  # the workers use the cache too
        assert c.label_of(c.one(f"worker pool {pool}<br/>"), c.one("Valkey primary")) == ""


def test_prod_has_three_azs_with_every_tier(runs):
    c = chart(runs, "prod")
    zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    check_tiers(
        c,
        zones,
        {"web": "/*", "api": "api.shop.example.com"},
        {"emails": ("emails", 5), "images": ("images", 3)},
    )
    check_reference_bulkheads(c)
    assert c.labels[c.one("ALB ")] == "ALB prod-lb<br/>internet-facing · 3 AZs"
    assert c.linked("users", c.one("ALB "), "HTTPS")
    assert c.labels[c.one("service web<br/>")] == (
        "service web<br/>t4g.small · 2 to 10 instances across 3 AZs<br/>5 alarms"
    )
    assert c.labels[c.one("service api<br/>")].startswith(
        "service api<br/>t4g.small · 2 to 6 instances across 3 AZs"
    )
    assert c.labels[c.one("worker pool images<br/>")].startswith(
        "worker pool images<br/>c7g.large · 1 to 12 instances across 3 AZs"
    )
    # the primary and each replica in its own AZ, replicating from the primary
    primary = c.one("Valkey primary", "us-east-1a")
    for n, zone in ((1, "us-east-1b"), (2, "us-east-1c")):
        assert c.linked(primary, c.one(f"Valkey replica {n}", zone), "replicates", dashed=True)
    # a NAT gateway per AZ
    for zone in zones:
        assert c.linked(c.one("NAT gateway", zone), "internet", "egress")
    # the Multi-AZ database: primary and standby in two AZs, every service and pool a client
    db = c.one("PostgreSQL primary", "us-east-1a")
    assert c.linked(db, c.one("PostgreSQL standby", "us-east-1b"), "sync standby", dashed=True)
    for client in ("service web", "service api", "worker pool emails", "worker pool images"):
        assert c.linked(c.one(f"{client}<br/>"), db), client
    assert c.linked(c.one("WAF web ACL "), c.one("ALB "), "filters", dashed=True)
    topic = c.one("SNS ")
    assert c.linked(topic, c.one("email: oncall@example.com"))
    assert c.linked(topic, c.one("https: hooks.example.com"))
    notifying = [i for i in c.ids("CloudWatch alarms") if c.linked(i, topic, "notify")]
    assert [c.labels[i].split(" on ")[1] for i in notifying] == [
        "load balancer, instances, cache, databases, queues, schedules"
    ]


def test_dev_has_two_azs_one_nat_instance_and_a_single_cache_node(runs):
    c = chart(runs, "dev")
    check_tiers(  # only the NAT instance and the cache node sit in an AZ
        c,
        ["us-east-1a"],
        {"web": "/*", "api": "/api/*"},
        {"emails": ("emails", 5), "images": ("images", 5)},
        2,
    )
    check_reference_bulkheads(c)
    assert c.linked("users", c.one("ALB "), "HTTP")  # no certificate in dev
    assert c.ids("Valkey replica") == []
    assert c.ids("NAT gateway") == []
    assert c.ids("NAT instance", "us-east-1a") and c.linked(c.one("NAT instance"), "internet", "egress")
    assert c.ids("PostgreSQL") == []  # dev has no database
    assert c.ids("WAF") == []
    assert c.labels[c.one("worker pool emails<br/>")].startswith(
        "worker pool emails<br/>t4g.micro · 0 to 1 instances across 2 AZs"
    )


def test_prod_dot_has_clusters_per_az_and_the_same_edges(runs):
    result = runs["prod-dot"]
    assert result.returncode == 0, result.stderr
    dot = result.stdout
    assert dot.startswith('digraph "tierup-reference · stack prod (us-east-1)" {') and dot.endswith("}\n")
    assert "rankdir=LR;" in dot
    clusters = re.findall(r'subgraph "cluster_az_(\w+)" \{\n    label="([^"]+)"', dot)
    assert [label for _, label in clusters] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    edges = re.findall(r'^  "(\w+)" -> "(\w+)"(?: \[(.*)\])?;$', dot, re.M)
    pairs = {(a, b) for a, b, _ in edges}
    assert ("lb_prod_lb", "app_web", 'label="/*"') in edges
    assert ("lb_prod_lb", "app_api", 'label="api.shop.example.com"') in edges
    assert ("app_web", "cache_prod_redis_primary") in pairs and (
        "app_api",
        "cache_prod_redis_primary",
    ) in pairs
    assert ("app_web", "db_prod_db_primary") in pairs
    assert ("queue_emails", "workers_emails") in pairs and ("queue_images", "workers_images") in pairs
    assert ("queue_emails", "workers_images") not in pairs
    assert ("queue_emails", "queue_emails_dlq", 'label="after 5 receives", style=dashed') in edges
    assert ("queue_images", "queue_images_dlq", 'label="after 3 receives", style=dashed') in edges
    assert ("schedule_nightly_digest", "queue_emails", 'label="sends"') in edges
    assert ("alarms_prod_alarms", "topic_prod_alarms", 'label="notify"') in edges
    assert (
        '"cache_prod_redis_primary" [label="Valkey primary\\nprod-redis\\ncache.t4g.small", shape=cylinder];'
        in dot
    )
    assert (
        '"db_prod_db_primary" [label="PostgreSQL primary\\nprod-db\\ndb.t4g.medium", shape=cylinder];' in dot
    )


def test_a_raw_pulumi_aws_stack_draws_the_same_shape(runs):
    """No tierup components: linked through target group ARNs, SG rules, redrive policy, alarm actions."""
    c = chart(runs, "raw")
    check_tiers(c, ["us-east-1a", "us-east-1b", "us-east-1c"], {"app": "default"}, {"worker": ("jobs", 5)})
    assert c.labels[c.one("ALB ")] == "ALB web<br/>internet-facing · 3 AZs"
    assert len(c.ids("NAT gateway")) == 3
    # 3 load balancer, 3 instance, 12 cache, 2 queue and 5 database alarms
    assert c.labels[c.one("CloudWatch alarms")] == (
        "CloudWatch alarms<br/>25 alarms on load balancer, instances, cache, databases, queues"
    )
    db = c.one("PostgreSQL primary", "us-east-1a")
    assert c.linked(c.one("service app<br/>"), db)  # the database's ingress names the app's group only
    assert not c.linked(c.one("worker pool worker<br/>"), db)
    assert c.linked(db, c.one("PostgreSQL replica", "us-east-1b"), "replicates", dashed=True)


def test_output_file_and_workers_found_through_their_scaling_policy(runs):
    """The small stack's workers have no boot script: the queue is found in their scaling metric."""
    assert runs["small"].returncode == 0, runs["small"].stderr
    c = Mermaid.parse(runs["small"].stdout)
    queue = c.one("SQS jobs")
    assert c.linked(queue, c.one("worker pool workers"))
    assert c.linked(c.one("service app"), c.one("Redis primary"))  # the cache's SG admits the app's
    assert not c.linked(c.one("worker pool workers"), c.one("Redis primary"))
    assert (
        c.labels[c.one("worker pool workers")]
        == "worker pool workers<br/>t4g.micro · 1 to 3 instances across 2 AZs"
    )


def test_named_tiers_one_node_each_with_routes_on_the_load_balancer_edges(runs):
    c = chart(runs, "tiers")
    alb = c.one("ALB edge")
    web, api = c.one("service web"), c.one("service api")
    assert c.label_of(alb, web) == "/*" and c.label_of(alb, api) == "api.example.com"
    assert c.labels[web] == "service web<br/>t4g.small · 2 to 6 instances across 3 AZs<br/>1 alarm"
    assert c.labels[api].startswith("service api<br/>t4g.medium · 2 to 4 instances across 3 AZs")
    emails, images = c.one("worker pool emails"), c.one("worker pool images")
    assert c.linked(c.one("SQS emails"), emails) and c.linked(c.one("SQS images"), images)
    assert not c.linked(c.one("SQS emails"), images)  # each pool on its own queue
    assert c.linked(c.one("schedule nightly"), c.one("SQS emails"), "sends")
    assert not any(web in ids or api in ids for ids in c.zones.values())  # a tier is not drawn per AZ
    # reached only through aws.autoscaling.Attachment: the pack's model links it, so the graph does too
    assert c.label_of(alb, c.one("service legacy")) == "/*"
    assert c.linked(c.one("WAF web ACL edge"), alb, "filters", dashed=True)
    assert c.ids("Lambda function thumbs") and c.ids("ECS service render")


def test_database_primary_standby_and_replica_per_az_with_client_edges(runs):
    c = chart(runs, "tiers")
    primary = c.one("PostgreSQL primary", "us-east-1a")
    standby = c.one("PostgreSQL standby", "us-east-1b")
    replica = c.one("PostgreSQL replica", "us-east-1c")
    assert c.linked(primary, standby, "sync standby", dashed=True)
    assert c.linked(primary, replica, "replicates", dashed=True)
    assert c.labels[primary] == "PostgreSQL primary<br/>main<br/>db.t4g.small"
    # the database's security group admits web and images, not api or emails
    assert c.linked(c.one("service web"), primary) and c.linked(c.one("worker pool images"), primary)
    assert not c.linked(c.one("service api"), primary)
    assert not c.linked(c.one("worker pool emails"), primary)
    writer = c.one("Aurora PostgreSQL writer", "us-east-1a")
    assert c.linked(writer, c.one("Aurora PostgreSQL reader", "us-east-1b"), "replicates", dashed=True)


def test_alarm_counts_add_up_to_the_stacks_alarms(runs):
    c = chart(runs, "tiers")
    counts = [int(re.search(r"(\d+) alarms?", c.labels[i]).group(1)) for i in c.ids("CloudWatch alarms")]
    assert sum(counts) == 4  # the four MetricAlarms of projects/tiers


def test_a_stack_with_no_tier_says_so_and_draws_its_resources(runs):
    result = runs["bare"]
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == (
        "warning: tierup recognised no tier (load balancer, Auto Scaling group, cache, database, queue) in this"
        " stack; the diagram draws its resources by type"
    )
    c = Mermaid.parse(result.stdout)
    assert c.labels["note"] == "No tier recognised<br/>4 resources, drawn by type"
    assert c.ids("S3 bucket assets") and c.ids("Lambda function resize")
    assert c.one("aws:iam/role:Role x1") and c.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment x1")


def test_svg_without_graphviz_is_one_line_exit_2(tmp_path):
    """PATH without dot: the error comes at once, before the stack is evaluated."""
    env = {**os.environ, "PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "tierup.cli", "graph", str(REPO), "--stack", "dev", "--format", "svg"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "error: --format: svg needs Graphviz's 'dot' on PATH (install graphviz: apt-get install graphviz or"
        " brew install graphviz), or use --format mermaid or dot"
    ]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_svg_with_graphviz():
    result = run_cli("graph", SMALL, "--stack", "prod", "--format", "svg")
    assert result.returncode == 0, result.stderr
    svg = html.unescape(result.stdout)  # Graphviz writes '-' in labels as &#45;
    assert "<svg" in svg and "us-east-1a" in svg


def test_labels_are_escaped():
    d = Diagram('a "quoted" <b> #1 `x`')
    d.add(Node("n1", 'say "hi" <there>\n#2 & `go`'))
    d.add(Node("n2", "back\\slash", "cylinder", "zone-1"))
    d.edges.append(Edge("n1", "n2", 'lab"el'))
    mermaid = d.to_mermaid().splitlines()
    assert '  n1["say #quot;hi#quot; #lt;there#gt;<br/>#35;2 & #96;go#96;"]' in mermaid
    assert '  n1 -->|"lab#quot;el"| n2' in mermaid
    assert '  subgraph az_zone_1["zone-1"]' in mermaid
    dot = d.to_dot()
    assert '"n1" [label="say \\"hi\\" <there>\\n#2 & `go`", shape=box];' in dot
    assert '"n2" [label="back\\\\slash", shape=cylinder];' in dot
