"""tierup.build with `tierup:database`: the reference staging and prod stacks, evaluated offline.

A Multi-AZ, protected RDS instance; every service and worker pool admitted on the engine port (and
nobody else); each tier given DATABASE_* and reading the RDS-managed secret through its own role,
the password never in user data.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

import tierup.testing
from tests.helpers import REPO, run_cli
from tierup.engine import wire

DB = "aws:rds/instance:Instance"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
TIERS = ("web", "api", "emails", "images")
CLASSES = {"staging": "db.t4g.small", "prod": "db.t4g.medium"}


@pytest.fixture(scope="module", params=["staging", "prod"])
def stack(request: pytest.FixtureRequest) -> tierup.testing.Stack:
    return tierup.testing.evaluate_stack(request.param, project_dir=REPO)


def environment(stack: tierup.testing.Stack) -> str:
    return stack.outputs["environment"]


def primary(stack: tierup.testing.Stack) -> tierup.testing.Resource:
    return stack.one(type=DB, name=f"{environment(stack)}-db")


def secret_arn(stack: tierup.testing.Stack) -> str:
    return primary(stack).outputs["masterUserSecrets"][0]["secretArn"]


def user_data(stack: tierup.testing.Stack, tier: str) -> str:
    lt = stack.one(type=LT, component=tier)
    return base64.b64decode(wire.plain(lt.unwrap("userData"))).decode()


def test_a_multi_az_protected_database_of_the_environment_class(stack: tierup.testing.Stack) -> None:
    env = environment(stack)
    db = primary(stack)
    assert db.inputs["instanceClass"] == CLASSES[env]
    assert db.inputs["multiAz"] is True and db.inputs["deletionProtection"] is True
    assert db.protect and db.retain_on_delete
    assert db.inputs["engine"] == "postgres" and db.inputs["engineVersion"] == "16"
    assert db.inputs["manageMasterUserPassword"] is True and "password" not in db.inputs
    assert db.inputs["backupRetentionPeriod"] == {"staging": 7, "prod": 14}[env]
    assert db.inputs["maxAllocatedStorage"] == 100  # 5 times 20 GiB
    assert db.inputs["performanceInsightsEnabled"] is (env == "prod")
    assert "availabilityZone" not in db.inputs  # Multi-AZ: RDS places primary and standby
    assert stack.resources(type=DB) == [db]  # no read replica unless asked


def test_only_the_services_and_pools_reach_the_engine_port(stack: tierup.testing.Stack) -> None:
    env = environment(stack)
    db_group = stack.one(type=SG, component=f"{env}-db")
    assert not db_group.inputs.get("ingress")  # no inline rule: one named rule per client
    rules = [r for r in stack.resources(type=INGRESS) if r.inputs["securityGroupId"] == db_group.id]
    tiers = {stack.one(type=SG, component=t).id for t in TIERS}
    assert {r.inputs["referencedSecurityGroupId"] for r in rules} == tiers
    assert len(rules) == len(tiers)
    for rule in rules:
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == (
            "tcp",
            5432,
            5432,
        )
        assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs
    others = [r for r in stack.resources(type="aws:ec2/securityGroupRule:SecurityGroupRule")]
    assert all(r.inputs.get("securityGroupId") != db_group.id for r in others)


def test_each_tier_gets_the_connection_and_reads_only_its_secrets(stack: tierup.testing.Stack) -> None:
    db, arn = primary(stack), secret_arn(stack)
    redis_token = stack.one(type="aws:secretsmanager/secret:Secret", component=f"{environment(stack)}-redis")
    for tier in TIERS:
        script = user_data(stack, tier)
        for line in (
            f"DATABASE_HOST={db.outputs['address']}",
            "DATABASE_PORT=5432",
            "DATABASE_NAME=app",
            "DATABASE_USER=dbadmin",
            f"DATABASE_SECRET_ARN={arn}",
        ):
            assert line in script, (tier, line)
        # the password is read at boot from the RDS-managed secret, and the URL filled in with it
        fetch = rf"DATABASE_PASSWORD=\$\(retry aws secretsmanager get-secret-value .*--secret-id '?{re.escape(arn)}'? .* password\)"
        assert re.search(fetch, script), tier
        assert re.search(r"-e DATABASE_PASSWORD \\\n", script) and re.search(r"-e DATABASE_URL \\\n", script)
        assert "postgresql://dbadmin:{DATABASE_PASSWORD}@" in script
        assert not re.search(r"://dbadmin:(?!\{DATABASE_PASSWORD\})", script)
        policy = json.loads(stack.one(type=ROLE_POLICY, name=f"{tier}-secrets").inputs["policy"])
        readable = {r for s in policy["Statement"] for r in _list(s.get("Resource"))}
        assert readable == {arn, redis_token.outputs["arn"]}, tier  # the reference tiers have no own secrets


def test_the_database_is_watched_and_exported(stack: tierup.testing.Stack) -> None:
    env = environment(stack)
    alarms = {
        r.name
        for r in stack.resources(type="aws:cloudwatch/metricAlarm:MetricAlarm", component=f"{env}-alarms")
    }
    watched = [n for n in alarms if f"{env}-db" in n]
    assert len(watched) >= 4, sorted(alarms)
    assert stack.outputs["databaseEndpoint"] == primary(stack).outputs["endpoint"]
    assert stack.outputs["databaseSecretArn"] == secret_arn(stack)


def test_dev_builds_no_database() -> None:
    dev = tierup.testing.evaluate_stack("dev", project_dir=REPO)
    assert dev.resources(type=DB) == []
    assert "databaseEndpoint" not in dev.outputs
    assert "DATABASE_HOST" not in user_data(dev, "web")


@pytest.mark.parametrize(
    ("name", "counted"), [("prod", ("mandatory", "advisory")), ("staging", ("mandatory",))]
)
def test_the_reference_stack_passes_its_check(name: str, counted: tuple[str, ...]) -> None:
    """Through the CLI, as CI runs it: prod without a single violation, staging without a mandatory one."""
    result = run_cli("check", REPO, "--stack", name, "--format", "json")
    report = json.loads(result.stdout)
    assert [report["summary"][c] for c in counted] == [0] * len(counted), json.dumps(report["violations"])
    assert result.returncode == 0, result.stderr


def _list(value: object) -> list[str]:
    return value if isinstance(value, list) else [value] if isinstance(value, str) else []


# ---- every tierup:database field reaches the instance ----------------------------------------------

MYSQL_STACK = """\
config:
  aws:region: us-east-1
  tierup:environment: dev
  tierup:services:
    web: {image: acme/web:1, routes: {paths: [/*]}}
  tierup:queues:
    jobs: {}
  tierup:workers:
    jobs: {queue: jobs, image: acme/jobs:1}
  tierup:database:
    engine: mysql
    engineVersion: "8.4"
    instanceClass: db.m7g.large
    storageGb: 50
    maxStorageGb: 55
    multiAz: true
    backupRetentionDays: 3
    deletionProtection: true
    performanceInsights: true
    readReplicas: 1
    databaseName: shop
"""


@pytest.fixture(scope="module")
def mysql(tmp_path_factory: pytest.TempPathFactory) -> tierup.testing.Stack:
    project = tmp_path_factory.mktemp("mysql")
    (project / "Pulumi.yaml").write_text(
        "name: shop\nruntime: python\nmain: stacks/\nstackConfigDir: stacks\n"
    )
    (project / "stacks").mkdir()
    (project / "stacks" / "__main__.py").write_text((REPO / "stacks" / "__main__.py").read_text())
    (project / "stacks" / "Pulumi.dev.yaml").write_text(MYSQL_STACK)
    return tierup.testing.evaluate_stack("dev", project_dir=project)


def test_every_database_setting_reaches_the_instance(mysql: tierup.testing.Stack) -> None:
    db = mysql.one(type=DB, name="dev-db")
    assert {k: db.inputs[k] for k in ("engine", "engineVersion", "instanceClass", "dbName")} == {
        "engine": "mysql",
        "engineVersion": "8.4",
        "instanceClass": "db.m7g.large",
        "dbName": "shop",
    }
    assert (db.inputs["allocatedStorage"], db.inputs["maxAllocatedStorage"]) == (50, 55)
    assert (db.inputs["multiAz"], db.inputs["backupRetentionPeriod"], db.inputs["deletionProtection"]) == (
        True,
        3,
        True,
    )
    assert db.inputs["performanceInsightsEnabled"] is True
    assert not db.protect  # dev: stateful tiers are protected in staging and prod only
    replica = mysql.one(type=DB, name="dev-db-replica-1")
    assert replica.inputs["replicateSourceDb"] == db.outputs["identifier"]
    rules = mysql.resources(type=INGRESS, component="dev-db")
    assert {(r.inputs["fromPort"], r.inputs["toPort"]) for r in rules} == {(3306, 3306)}
    assert len(rules) == 2  # web and the jobs pool
    script = user_data(mysql, "jobs")
    assert "DATABASE_PORT=3306" in script and "mysql://dbadmin:{DATABASE_PASSWORD}@" in script
    alarms = [r.name for r in mysql.resources(type="aws:cloudwatch/metricAlarm:MetricAlarm")]
    assert any("dev-db-replica1" in a and "lag" in a for a in alarms), alarms
