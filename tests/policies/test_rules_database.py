"""Database tier: the rds-* policies on raw RDS instances and clusters, the stack policies extended to
databases, the prototype's database refused end to end by ``tierup check``, and tierup's Database passing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import TESTS, run_cli

from ._pack_testkit import POLICIES, U_BOOL, U_STR, Stack, check_resource

DB = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
MEMBER = "aws:rds/clusterInstance:ClusterInstance"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
SUBNET = "aws:ec2/subnet:Subnet"
RT = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ASSOC = "aws:ec2/routeTableAssociation:RouteTableAssociation"
IGW = "aws:ec2/internetGateway:InternetGateway"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
RDS_POLICIES = ["rds-multi-az", "rds-backups", "rds-encryption", "rds-deletion-protection", "rds-not-public"]

GOOD: dict[str, Any] = {
    "identifier": "shop",
    "engine": "postgres",
    "multiAz": True,
    "storageEncrypted": True,
    "backupRetentionPeriod": 14,
    "deletionProtection": True,
    "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": "shop-final",
    "publiclyAccessible": False,
    "dbSubnetGroupName": "shop-subnets",
}


def network(stack: Stack, public: bool) -> None:
    """Two subnets in a subnet group ``shop-subnets``, routed to an IGW when ``public``."""
    igw = stack.add(IGW, "igw", {"id": "igw-0a1b2c3d4e5f60718"})
    table = stack.add(RT, "rt", {"id": "rtb-1"})
    if public:
        stack.add(
            ROUTE,
            "default",
            {"routeTableId": "rtb-1", "destinationCidrBlock": "0.0.0.0/0", "gatewayId": igw.props["id"]},
        )
    for i, az in enumerate(("us-east-1a", "us-east-1b")):
        stack.add(SUBNET, f"subnet-{i}", {"id": f"subnet-{i}", "availabilityZone": az})
        stack.add(ASSOC, f"assoc-{i}", {"subnetId": f"subnet-{i}", "routeTableId": table.props["id"]})
    stack.add(
        SUBNET_GROUP,
        "shop",
        {"name": "shop-subnets", "id": "shop-subnets", "subnetIds": ["subnet-0", "subnet-1"]},
    )


# ---- resource policies -----------------------------------------------------------------------------


def test_a_compliant_instance_passes_every_resource_policy() -> None:
    for policy in ("rds-backups", "rds-encryption", "rds-deletion-protection"):
        assert check_resource(policy, DB, GOOD) == [], policy
        assert check_resource(policy, CLUSTER, GOOD) == [], policy


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"backupRetentionPeriod": 0}, "backupRetentionPeriod is 0, below 7 day(s)"),
        ({"backupRetentionPeriod": 6}, "backupRetentionPeriod is 6, below 7 day(s)"),
        ({"backupRetentionPeriod": None}, "backupRetentionPeriod is unset (RDS defaults it to 1 day)"),
    ],
)
def test_rds_backups(change: dict[str, Any], expected: str) -> None:
    [msg] = check_resource("rds-backups", DB, {**GOOD, **change}, name="shop")
    assert msg.startswith(f"RDS instance 'shop': {expected}")
    assert "Fix: set backup_retention_period to at least 7 day(s)" in msg
    assert "tierup:database.backupRetentionDays" in msg


def test_rds_backups_minimum_is_configurable_and_replicas_are_exempt() -> None:
    assert (
        check_resource(
            "rds-backups", DB, {**GOOD, "backupRetentionPeriod": 1}, config={"minRetentionDays": 1}
        )
        == []
    )
    [msg] = check_resource(
        "rds-backups", DB, {**GOOD, "backupRetentionPeriod": 14}, config={"minRetentionDays": 30}
    )
    assert "below 30 day(s)" in msg
    assert check_resource("rds-backups", DB, {"replicateSourceDb": "shop", "backupRetentionPeriod": 0}) == []
    assert check_resource("rds-backups", MEMBER, {"clusterIdentifier": "c"}) == []


def test_rds_encryption() -> None:
    for value, shown in ((False, "False"), (None, "unset")):
        [msg] = check_resource("rds-encryption", CLUSTER, {**GOOD, "storageEncrypted": value}, name="aurora")
        assert msg.startswith(f"RDS cluster 'aurora': storageEncrypted is {shown}")
        assert "Fix: set storage_encrypted=True" in msg
    # a replica that does not say inherits its source's encryption; one that says false is flagged
    assert check_resource("rds-encryption", DB, {"replicateSourceDb": "shop"}) == []
    assert (
        check_resource("rds-encryption", DB, {"replicateSourceDb": "shop", "storageEncrypted": False}) != []
    )


def test_rds_deletion_protection() -> None:
    [msg] = check_resource(
        "rds-deletion-protection",
        DB,
        {**GOOD, "deletionProtection": False, "skipFinalSnapshot": True},
        name="shop",
    )
    assert msg.startswith(
        "RDS instance 'shop': deletionProtection is False; skipFinalSnapshot is true, so deleting it keeps no "
        "snapshot of its data. Fix: set deletion_protection=True, skip_final_snapshot=False"
    )
    assert "tierup:database.deletionProtection: true" in msg
    [msg] = check_resource("rds-deletion-protection", DB, {**GOOD, "deletionProtection": None})
    assert "deletionProtection is unset" in msg
    # a replica holds no data of its own: no final snapshot needed, deletion protection still is
    replica = {"replicateSourceDb": "shop", "deletionProtection": True, "skipFinalSnapshot": True}
    assert check_resource("rds-deletion-protection", DB, replica) == []


def test_unknown_values_make_resource_policies_unrunnable_not_pass() -> None:
    from pulumi_policy.proxy import UnknownValueError

    for policy, prop, value in (
        ("rds-backups", "backupRetentionPeriod", U_STR),
        ("rds-encryption", "storageEncrypted", U_BOOL),
        ("rds-deletion-protection", "deletionProtection", U_BOOL),
    ):
        with pytest.raises(UnknownValueError):
            check_resource(policy, DB, {**GOOD, prop: value})


# ---- rds-multi-az ------------------------------------------------------------------------------


def test_rds_multi_az_on_instances() -> None:
    stack = Stack()
    good = stack.add(DB, "good", GOOD)
    bad = stack.add(DB, "bad", {**GOOD, "identifier": "bad", "multiAz": False})
    unset = stack.add(DB, "unset", {**GOOD, "identifier": "unset", "multiAz": None})
    stack.add(DB, "replica", {"identifier": "r", "replicateSourceDb": "bad", "multiAz": False})
    stack.add(DB, "preview", {**GOOD, "identifier": "p", "multiAz": U_BOOL})
    found = stack.check("rds-multi-az")
    assert [u for _, u in found] == [bad.urn, unset.urn]
    assert good.urn not in [u for _, u in found]
    assert found[0][0].startswith(
        "RDS instance 'bad': multiAz is False, so it runs in a single AZ with no standby"
    )
    assert "tierup:database.multiAz: true" in found[0][0]


def test_rds_multi_az_on_aurora_clusters() -> None:
    stack = Stack()
    lonely = stack.add(CLUSTER, "lonely", {"clusterIdentifier": "lonely", "engine": "aurora-postgresql"})
    stack.add(MEMBER, "lonely-1", {"clusterIdentifier": "lonely", "availabilityZone": "us-east-1a"})
    pinned = stack.add(CLUSTER, "pinned", {"clusterIdentifier": "pinned", "engine": "aurora-mysql"})
    for i in range(2):
        stack.add(MEMBER, f"pinned-{i}", {"clusterIdentifier": "pinned", "availabilityZone": "us-east-1a"})
    spread = stack.add(CLUSTER, "spread", {"clusterIdentifier": "spread", "engine": "aurora-postgresql"})
    stack.add(MEMBER, "spread-1", {"clusterIdentifier": "spread", "availabilityZone": "us-east-1a"})
    stack.add(MEMBER, "spread-2", {"clusterIdentifier": "spread"})  # placed by RDS
    stack.add(
        CLUSTER,
        "multi-az-db-cluster",
        {"clusterIdentifier": "m", "engine": "postgres", "dbClusterInstanceClass": "db.m6gd.large"},
    )
    found = dict((u, m) for m, u in stack.check("rds-multi-az"))
    assert set(found) == {lonely.urn, pinned.urn}
    assert "it has 1 cluster instance, no reader in another AZ" in found[lonely.urn]
    assert "all its instances are in us-east-1a" in found[pinned.urn]
    assert spread.urn not in found


# ---- rds-not-public ----------------------------------------------------------------------------


def test_rds_not_public_passes_in_private_subnets() -> None:
    stack = Stack()
    network(stack, public=False)
    stack.add(DB, "shop", GOOD)
    assert stack.check("rds-not-public") == []


def test_rds_not_public_flags_public_access_and_subnets_routed_to_an_internet_gateway() -> None:
    stack = Stack()
    network(stack, public=True)
    db = stack.add(DB, "shop", {**GOOD, "publiclyAccessible": True})
    [(msg, urn)] = stack.check("rds-not-public")
    assert urn == db.urn
    assert msg.startswith(
        "RDS instance 'shop': publiclyAccessible is true, so it gets a public DNS name and address; its subnet "
        "group 'shop' has subnets with a route to an internet gateway ('subnet-0', 'subnet-1'). Fix: set "
        "publicly_accessible=False"
    )


def test_rds_not_public_follows_inline_routes_and_flags_a_missing_subnet_group() -> None:
    stack = Stack()
    stack.add(IGW, "igw", {"id": "igw-1"})
    stack.add(RT, "rt", {"id": "rtb-1", "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}]})
    stack.add(SUBNET, "a", {"id": "subnet-a", "availabilityZone": "us-east-1a"})
    stack.add(ASSOC, "a", {"subnetId": "subnet-a", "routeTableId": "rtb-1"})
    stack.add(SUBNET_GROUP, "g", {"name": "g", "subnetIds": ["subnet-a"]})
    cluster = stack.add(CLUSTER, "aurora", {"clusterIdentifier": "aurora", "dbSubnetGroupName": "g"})
    member = stack.add(MEMBER, "aurora-1", {"clusterIdentifier": "aurora", "publiclyAccessible": True})
    loose = stack.add(DB, "loose", {**GOOD, "identifier": "loose", "dbSubnetGroupName": None})
    stack.add(DB, "replica", {"replicateSourceDb": "loose"})  # in its source's subnet group
    found = {u: m for m, u in stack.check("rds-not-public")}
    assert set(found) == {cluster.urn, member.urn, loose.urn}
    assert "subnet group 'g' has subnets with a route to an internet gateway ('a')" in found[cluster.urn]
    assert "publiclyAccessible is true" in found[member.urn]
    assert "dbSubnetGroupName is unset, so it lands in the default VPC's default subnets" in found[loose.urn]


def test_rds_not_public_stays_silent_on_unknown_links() -> None:
    stack = Stack()
    network(stack, public=True)
    stack.add(DB, "shop", {**GOOD, "dbSubnetGroupName": U_STR})
    assert stack.check("rds-not-public") == []


# ---- stack policies extended to databases ------------------------------------------------------------


def test_every_tier_has_alarms_covers_instances_replicas_and_clusters() -> None:
    stack = Stack()
    shop = stack.add(DB, "shop", GOOD)
    replica = stack.add(DB, "shop-replica", {"identifier": "shop-replica", "replicateSourceDb": "shop"})
    aurora = stack.add(CLUSTER, "aurora", {"clusterIdentifier": "aurora"})
    assert set(stack.urns("every-tier-has-alarms")) == {shop.urn, replica.urn, aurora.urn}
    stack.add(
        ALARM,
        "cpu",
        {
            "namespace": "AWS/RDS",
            "metricName": "CPUUtilization",
            "dimensions": {"DBInstanceIdentifier": "shop"},
        },
    )
    stack.add(
        ALARM,
        "aurora",
        {
            "namespace": "AWS/RDS",
            "metricName": "CPUUtilization",
            "dimensions": {"DBClusterIdentifier": "aurora"},
        },
    )
    found = stack.check("every-tier-has-alarms")
    assert [u for _, u in found] == [replica.urn]
    assert found[0][0].startswith("RDS instance 'shop-replica': 0 CloudWatch alarms watch it (< 1)")
    assert "DBInstanceIdentifier=<instance identifier>" in found[0][0]


def test_every_tier_has_alarms_follows_dependencies_when_the_identifier_is_unknown() -> None:
    stack = Stack()
    shop = stack.add(DB, "shop", GOOD)
    stack.add(
        ALARM,
        "cpu",
        {"metricName": "CPUUtilization", "dimensions": {"DBInstanceIdentifier": U_STR}},
        deps={"dimensions": [shop]},
    )
    assert stack.check("every-tier-has-alarms") == []


def test_survives_az_loss_needs_a_standby_or_a_replica_in_another_az() -> None:
    stack = Stack()
    stack.add(SUBNET, "a", {"id": "subnet-a", "availabilityZone": "us-east-1a"})
    stack.add(DB, "multi", GOOD)
    alone = stack.add(DB, "alone", {**GOOD, "identifier": "alone", "multiAz": False})
    stack.add(
        DB, "covered", {**GOOD, "identifier": "covered", "multiAz": False, "availabilityZone": "us-east-1a"}
    )
    stack.add(
        DB,
        "covered-replica",
        {"identifier": "cr", "replicateSourceDb": "covered", "availabilityZone": "us-east-1b"},
    )
    same = stack.add(
        DB, "same", {**GOOD, "identifier": "same", "multiAz": False, "availabilityZone": "us-east-1a"}
    )
    stack.add(
        DB,
        "same-replica",
        {"identifier": "sr", "replicateSourceDb": "same", "availabilityZone": "us-east-1a"},
    )
    found = {u: m for m, u in stack.check("survives-az-loss")}
    assert set(found) == {alone.urn, same.urn}
    assert found[alone.urn].startswith(
        "RDS instance 'alone': if its AZ is lost the database is down until restored from a backup: multiAz is "
        "False, so it runs in a single AZ with no standby and no read replica in another AZ"
    )
    assert "multi_az=True for RDS instances (tierup:database.multiAz: true)" in found[alone.urn]


def test_stateful_resources_protected_covers_databases_not_replicas() -> None:
    stack = Stack()
    shop = stack.add(DB, "shop", GOOD)
    stack.add(DB, "safe", GOOD, protect=True)
    stack.add(DB, "replica", {"replicateSourceDb": "shop"})
    aurora = stack.add(CLUSTER, "aurora", {"clusterIdentifier": "aurora"})
    found = {u: m for m, u in stack.check("stateful-resources-protected")}
    assert set(found) == {shop.urn, aurora.urn}
    assert found[shop.urn].startswith("RDS instance 'shop': it is not protected")
    assert "take protect=True in their args" in found[shop.urn]  # names the component argument


def test_the_scorecard_has_a_database_area() -> None:
    from tierup.check import area_of

    assert {area_of(p) for p in RDS_POLICIES} == {"database"}


# ---- config files ------------------------------------------------------------------------------


def test_policy_config_files_name_real_policies_and_set_dev_backups_to_one_day() -> None:
    configs = {
        env: json.loads((TESTS.parent / "policies" / "config" / f"{env}.json").read_text())
        for env in ("dev", "staging", "prod")
    }
    assert configs["dev"]["rds-backups"] == {"enforcementLevel": "advisory", "minRetentionDays": 1}
    for config in configs.values():
        assert set(config) - {"all"} <= set(POLICIES)
    schema = POLICIES["rds-backups"].config_schema
    assert schema is not None and schema.properties["minRetentionDays"]["default"] == 7


# ---- end to end through `tierup check` ------------------------------------------------------------


def _check(tmp_path: Path, project: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    target = tmp_path / project.name
    shutil.copytree(project, target)
    result = run_cli("check", target, "--stack", "prod", "--format", "json", *extra)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_the_prototypes_database_fails_prod_with_exactly_the_rds_and_extended_stack_policies(
    tmp_path: Path,
) -> None:
    code, report = _check(tmp_path, TESTS / "policies" / "raw_database", "--environment", "prod")
    assert code == 1 and report["environment"] == "prod"
    found = sorted((v["policy"], v["name"], v["enforcement"]) for v in report["violations"])
    assert found == sorted(
        (policy, "db", "mandatory")
        for policy in [
            *RDS_POLICIES,
            "every-tier-has-alarms",
            "survives-az-loss",
            "stateful-resources-protected",
        ]
    )
    messages = {v["policy"]: v["message"] for v in report["violations"]}
    assert "skipFinalSnapshot is true" in messages["rds-deletion-protection"]
    assert "publiclyAccessible is true" in messages["rds-not-public"]
    assert "route to an internet gateway" in messages["rds-not-public"]
    for policy in RDS_POLICIES:
        assert "Fix: " in messages[policy], policy


def test_the_prototypes_database_is_advisory_in_dev(tmp_path: Path) -> None:
    code, report = _check(tmp_path, TESTS / "policies" / "raw_database", "--environment", "dev")
    assert code == 0
    assert {v["policy"] for v in report["violations"]} >= set(RDS_POLICIES)
    assert {v["enforcement"] for v in report["violations"]} == {"advisory"}


COMPONENT_PROGRAM = """
from tierup.components import Alarms, AlarmsArgs, Database, DatabaseArgs, Network, NetworkArgs

network = Network("net", NetworkArgs(az_count=3, nat="per-az"))
db = Database(
    "db",
    DatabaseArgs(network=network, instance_class="db.t4g.small", multi_az=True, backup_retention_days=14,
                 read_replicas=1, protect=True),
)
Alarms("ops", AlarmsArgs(emails=["ops@example.com"], databases=[db]))
"""


def test_tierups_database_passes_every_database_policy_in_prod(tmp_path: Path) -> None:
    project = tmp_path / "component"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: component-db\nruntime: python\n")
    (project / "Pulumi.prod.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (project / "__main__.py").write_text(COMPONENT_PROGRAM)
    result = run_cli("check", project, "--stack", "prod", "--environment", "prod", "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    on_databases = [v for v in report["violations"] if v["type"].startswith("aws:rds/")]
    assert on_databases == []
    assert not [v for v in report["violations"] if v["policy"] in RDS_POLICIES]


AURORA_PROGRAM = """
import pulumi
import pulumi_aws as aws

readers = pulumi.Config("raw").get_int("instances") or 2
azs = aws.get_availability_zones(state="available").names[:2]
vpc = aws.ec2.Vpc("vpc", cidr_block="10.2.0.0/16")
private = aws.ec2.RouteTable("private", vpc_id=vpc.id)
subnets = []
for i, az in enumerate(azs):
    subnet = aws.ec2.Subnet(f"private-{i}", vpc_id=vpc.id, availability_zone=az, cidr_block=f"10.2.{i}.0/24")
    aws.ec2.RouteTableAssociation(f"private-{i}", subnet_id=subnet.id, route_table_id=private.id)
    subnets.append(subnet)
group = aws.rds.SubnetGroup("aurora", subnet_ids=[s.id for s in subnets])
cluster = aws.rds.Cluster(
    "aurora",
    engine="aurora-postgresql",
    engine_version="16.4",
    db_subnet_group_name=group.name,
    master_username="app",
    manage_master_user_password=True,
    storage_encrypted=True,
    backup_retention_period=7,
    deletion_protection=True,
    skip_final_snapshot=False,
    final_snapshot_identifier="aurora-final",
    opts=pulumi.ResourceOptions(protect=True),
)
for i in range(readers):
    aws.rds.ClusterInstance(
        f"aurora-{i}",
        cluster_identifier=cluster.id,
        instance_class="db.r7g.large",
        engine=cluster.engine,
        availability_zone=azs[i % 2],
    )
topic = aws.sns.Topic("alarms")
aws.cloudwatch.MetricAlarm(
    "aurora-cpu",
    namespace="AWS/RDS",
    metric_name="CPUUtilization",
    dimensions={"DBClusterIdentifier": cluster.cluster_identifier},
    statistic="Average",
    period=300,
    evaluation_periods=3,
    threshold=80,
    comparison_operator="GreaterThanThreshold",
    alarm_actions=[topic.arn],
)
"""


@pytest.mark.parametrize(("instances", "expected"), [(2, []), (1, ["rds-multi-az", "survives-az-loss"])])
def test_aurora_clusters_end_to_end(tmp_path: Path, instances: int, expected: list[str]) -> None:
    project = tmp_path / "aurora"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: aurora\nruntime: python\n")
    (project / "Pulumi.prod.yaml").write_text(
        json.dumps({"config": {"aws:region": "us-east-1", "raw:instances": instances}})
    )
    (project / "__main__.py").write_text(AURORA_PROGRAM)
    result = run_cli("check", project, "--stack", "prod", "--environment", "prod", "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    on_databases = sorted(v["policy"] for v in report["violations"] if v["type"].startswith("aws:rds/"))
    assert on_databases == expected
    for v in report["violations"]:
        if v["policy"] == "rds-multi-az":
            assert v["name"] == "aurora" and "it has 1 cluster instance" in v["message"]
