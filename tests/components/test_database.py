"""Database: RDS with encryption, Multi-AZ, backups, final snapshot, RDS-managed password, replicas, wiring."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from tierup.components.alarms import Alarms, AlarmsArgs
from tierup.components.compute import Container, render_user_data, secrets_policy
from tierup.components.database import (
    BACKUP_WINDOW,
    MAINTENANCE_WINDOW,
    Database,
    DatabaseArgs,
    default_identifier,
    estimated_max_connections,
    instance_memory_gib,
    parameter_group_family,
)
from tierup.components.network import Network, NetworkArgs
from tierup.policies.rules.compute import user_data_findings

from tierup.engine.evaluation import Evaluation
from tierup.engine.runtime import evaluate_inline

from .test_compute import Owner, refused, user_data
from .test_compute import evaluate as evaluate_tier

DB = "aws:rds/instance:Instance"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


class Tier:
    """What a tier looks like to the wiring methods: a security group and a role."""

    def __init__(self, name: str, network: Network) -> None:
        self._name = name
        self.security_group = aws.ec2.SecurityGroup(name, vpc_id=network.vpc_id, description=name)
        self.role = aws.iam.Role(
            name, assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []})
        )


def evaluate(make_args: Any, clients: bool = True, az_count: int = 3, alarms: bool = False) -> Evaluation:
    """A network, the database, and (``clients``) an app tier allowed to use it."""

    def program() -> None:
        network = Network("net", NetworkArgs(nat="none", az_count=az_count))
        db = Database("db", make_args(network))
        if clients:
            app = Tier("app", network)
            db.allow_from(app)
            db.grant_read_password(app)
        if alarms:
            Alarms("ops", AlarmsArgs(emails=["ops@example.com"], databases=[db]))
        pulumi.export("env", db.connection_env())
        pulumi.export("secrets", db.connection_secrets())
        pulumi.export("secretArn", db.master_user_secret_arn)
        pulumi.export("address", db.address)
        pulumi.export("replicas", db.replica_addresses)

    return evaluate_inline(program, project="t", stack="prod", config={"aws:region": "us-east-1"})


@pytest.fixture(scope="module")
def dev() -> Evaluation:
    """Defaults: one PostgreSQL 16 db.t4g.micro in AZ a, unprotected."""
    return evaluate(lambda network: DatabaseArgs(network=network), az_count=2)


@pytest.fixture(scope="module")
def prod() -> Evaluation:
    return evaluate(
        lambda network: DatabaseArgs(
            network=network,
            instance_class="db.m7g.large",
            storage_gb=100,
            max_storage_gb=500,
            multi_az=True,
            backup_retention_days=14,
            read_replicas=2,
            database_name="shop",
            protect=True,
            log_retention_days=90,
        ),
        alarms=True,
    )


@pytest.fixture(scope="module")
def mysql() -> Evaluation:
    return evaluate(
        lambda network: DatabaseArgs(
            network=network,
            engine="mysql",
            instance_class="db.t4g.medium",
            kms_key_id="arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555",
            monitoring_interval=0,
            performance_insights=False,
            max_storage_gb=20,
            deletion_protection=False,
        ),
        clients=False,
    )


def primary(ev: Evaluation) -> Any:
    return ev.one(type=DB, name="db")


# ---- the instance ----------------------------------------------------------------------------


def test_engine_version_class_and_gp3_storage_with_autoscaling(dev: Evaluation, prod: Evaluation) -> None:
    db = primary(dev).inputs
    assert (db["engine"], db["engineVersion"], db["instanceClass"]) == ("postgres", "16", "db.t4g.micro")
    assert (db["storageType"], db["allocatedStorage"], db["maxAllocatedStorage"]) == ("gp3", 20, 100)
    big = primary(prod).inputs
    assert (big["instanceClass"], big["allocatedStorage"], big["maxAllocatedStorage"]) == (
        "db.m7g.large",
        100,
        500,
    )


def test_max_storage_equal_to_storage_turns_autoscaling_off(mysql: Evaluation) -> None:
    assert primary(mysql).inputs["maxAllocatedStorage"] == 0


def test_in_the_private_subnets_and_never_public(prod: Evaluation) -> None:
    group = prod.one(type="aws:rds/subnetGroup:SubnetGroup")
    private = [r.id for r in prod.find(type="aws:ec2/subnet:Subnet") if "-private-" in r.name]
    assert group.inputs["subnetIds"] == private and len(private) == 3
    db = primary(prod).inputs
    assert db["dbSubnetGroupName"] == group.outputs["name"]
    assert db["publiclyAccessible"] is False
    assert all(r.inputs["publiclyAccessible"] is False for r in prod.find(type=DB))


def test_storage_and_insights_encrypted_with_its_own_rotating_key(dev: Evaluation) -> None:
    key = dev.one(type=KEY)
    assert key.inputs["enableKeyRotation"] is True
    db = primary(dev).inputs
    assert db["storageEncrypted"] is True
    assert db["kmsKeyId"] == key.outputs["arn"]
    assert db["performanceInsightsEnabled"] is True
    assert db["performanceInsightsRetentionPeriod"] == 7
    assert db["performanceInsightsKmsKeyId"] == key.outputs["arn"]


def test_a_given_key_is_used_and_none_created(mysql: Evaluation) -> None:
    assert mysql.find(type=KEY) == []
    db = primary(mysql).inputs
    assert db["kmsKeyId"].endswith("key/11111111-2222-3333-4444-555555555555")
    assert db["performanceInsightsEnabled"] is False and "performanceInsightsKmsKeyId" not in db


def test_multi_az_per_args_and_the_single_az_primary_pinned_to_the_first_az(
    dev: Evaluation, prod: Evaluation
) -> None:
    assert primary(dev).inputs["multiAz"] is False
    assert primary(dev).inputs["availabilityZone"] == "us-east-1a"
    assert primary(prod).inputs["multiAz"] is True
    assert "availabilityZone" not in primary(prod).inputs  # RDS places primary and standby


def _minutes(window: str) -> tuple[int, int]:
    """(start, end) in minutes of the week of ``ddd:hh:mm-ddd:hh:mm``."""
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    def point(text: str) -> int:
        day, hours, minutes = text.split(":")
        return days.index(day) * 1440 + int(hours) * 60 + int(minutes)

    start, end = window.split("-")
    return point(start), point(end)


def test_backups_in_a_window_that_never_overlaps_maintenance(dev: Evaluation, prod: Evaluation) -> None:
    assert primary(dev).inputs["backupRetentionPeriod"] == 7
    db = primary(prod).inputs
    assert db["backupRetentionPeriod"] == 14
    assert (db["backupWindow"], db["maintenanceWindow"]) == (BACKUP_WINDOW, MAINTENANCE_WINDOW)
    maintenance = _minutes(MAINTENANCE_WINDOW)
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        start, end = BACKUP_WINDOW.split("-")
        backup = _minutes(f"{day}:{start}-{day}:{end}")
        assert backup[1] <= maintenance[0] or maintenance[1] <= backup[0], day
    assert db["deleteAutomatedBackups"] is False


def test_deletion_protection_and_a_deterministic_final_snapshot(dev: Evaluation, mysql: Evaluation) -> None:
    db = primary(dev).inputs
    assert db["deletionProtection"] is True
    assert db["skipFinalSnapshot"] is False
    assert db["identifier"] == "t-prod-db" and db["finalSnapshotIdentifier"] == "t-prod-db-final"
    assert primary(mysql).inputs["deletionProtection"] is False
    assert primary(mysql).inputs["skipFinalSnapshot"] is False


def test_master_password_managed_by_rds_and_never_in_the_plan(dev: Evaluation) -> None:
    db = primary(dev)
    assert db.inputs["manageMasterUserPassword"] is True
    assert db.inputs["username"] == "dbadmin" and db.inputs["dbName"] == "app"
    assert "password" not in db.inputs and "passwordWo" not in db.inputs
    secret = db.outputs["masterUserSecrets"][0]["secretArn"]
    assert secret.startswith("arn:aws:secretsmanager:us-east-1:") and ":secret:rds!db-" in secret
    assert dev.outputs["secretArn"] == secret


def test_parameter_group_per_engine_family_requires_tls(dev: Evaluation, mysql: Evaluation) -> None:
    for ev, family, required in (
        (dev, "postgres16", {"name": "rds.force_ssl", "value": "1"}),
        (mysql, "mysql8.0", {"name": "require_secure_transport", "value": "ON"}),
    ):
        group = ev.one(type="aws:rds/parameterGroup:ParameterGroup")
        assert group.inputs["family"] == family
        assert required in group.inputs["parameters"]
        assert primary(ev).inputs["parameterGroupName"] == group.outputs["name"]


@pytest.mark.parametrize(
    ("engine", "version", "family"),
    [
        ("postgres", "16", "postgres16"),
        ("postgres", "16.4", "postgres16"),
        ("postgres", "17.2", "postgres17"),
        ("postgres", "13.18", "postgres13"),
        ("mysql", "8.0", "mysql8.0"),
        ("mysql", "8.0.39", "mysql8.0"),
        ("mysql", "8.4.3", "mysql8.4"),
    ],
)
def test_parameter_group_family_table(engine: str, version: str, family: str) -> None:
    assert parameter_group_family(engine, version) == family


def test_logs_exported_to_groups_with_retention_created_first(prod: Evaluation, mysql: Evaluation) -> None:
    db = primary(prod)
    assert db.inputs["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    groups = {g.inputs["name"]: g for g in prod.find(type=LOG_GROUP)}
    for log in ("postgresql", "upgrade"):
        group = groups[f"/aws/rds/instance/t-prod-db/{log}"]
        assert group.inputs["retentionInDays"] == 90
        assert group.urn in db.dependencies
    for ident in ("t-prod-db-replica-1", "t-prod-db-replica-2"):
        assert f"/aws/rds/instance/{ident}/postgresql" in groups
    assert primary(mysql).inputs["enabledCloudwatchLogsExports"] == ["error", "slowquery"]
    params = mysql.one(type="aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]
    assert {"name": "slow_query_log", "value": "1"} in params


def test_enhanced_monitoring_role_trusted_by_rds_monitoring_only(dev: Evaluation, mysql: Evaluation) -> None:
    role = dev.one(type=ROLE, name="db-db-monitoring")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "monitoring.rds.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    attachment = dev.one(type="aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs["policyArn"].endswith(
        ":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    )
    db = primary(dev).inputs
    assert db["monitoringInterval"] == 60 and db["monitoringRoleArn"] == role.outputs["arn"]
    assert primary(mysql).inputs["monitoringInterval"] == 0
    assert "monitoringRoleArn" not in primary(mysql).inputs
    assert mysql.find(type=ROLE) == []


def test_snapshot_tags_and_minor_upgrades(dev: Evaluation) -> None:
    db = primary(dev).inputs
    assert db["copyTagsToSnapshot"] is True and db["autoMinorVersionUpgrade"] is True
    assert db["tags"] == {"Name": "db", "managed-by": "tierup"}


# ---- read replicas ---------------------------------------------------------------------------


def test_replicas_follow_the_primary_in_the_other_azs(prod: Evaluation) -> None:
    replicas = sorted((r for r in prod.find(type=DB) if r.name != "db"), key=lambda r: r.name)
    assert [r.name for r in replicas] == ["db-replica-1", "db-replica-2"]
    assert [r.inputs["availabilityZone"] for r in replicas] == ["us-east-1b", "us-east-1c"]
    for replica in replicas:
        inputs = replica.inputs
        assert inputs["replicateSourceDb"] == "t-prod-db"
        assert inputs["identifier"] == f"t-prod-{replica.name}"
        assert inputs["multiAz"] is False and inputs["skipFinalSnapshot"] is True
        assert inputs["storageEncrypted"] is True and inputs["deletionProtection"] is True
        assert "kmsKeyId" not in inputs  # RDS encrypts a same-region replica with its source's key
        assert (
            "username" not in inputs and "dbName" not in inputs and "manageMasterUserPassword" not in inputs
        )
    assert prod.outputs["replicas"] == [r.outputs["address"] for r in replicas]


def test_more_replicas_than_other_azs_wrap_but_never_onto_the_primarys() -> None:
    ev = evaluate(lambda network: DatabaseArgs(network=network, read_replicas=3), clients=False, az_count=2)
    zones = [r.inputs["availabilityZone"] for r in ev.find(type=DB) if r.name != "db"]
    assert zones == ["us-east-1b", "us-east-1b", "us-east-1b"]


# ---- protection ------------------------------------------------------------------------------


def test_protect_keeps_instance_replicas_and_key(prod: Evaluation, dev: Evaluation) -> None:
    for r in [*prod.find(type=DB), prod.one(type=KEY, name="db-db-key")]:
        assert r.protect and r.retain_on_delete, r.urn
    for r in [*dev.find(type=DB), dev.one(type=KEY)]:
        assert not r.protect and not r.retain_on_delete, r.urn


# ---- wiring ----------------------------------------------------------------------------------


def test_no_ingress_until_a_client_is_allowed() -> None:
    ev = evaluate(lambda network: DatabaseArgs(network=network), clients=False, az_count=2)
    group = ev.one(type=SG, name="db-db")
    assert "ingress" not in group.inputs and "egress" not in group.inputs
    assert [r for r in ev.find(type=INGRESS) if r.inputs["securityGroupId"] == group.id] == []
    assert primary(ev).inputs["vpcSecurityGroupIds"] == [group.id]


def test_allow_from_admits_the_engine_port_from_each_client_only() -> None:
    def program() -> None:
        network = Network("net", NetworkArgs(nat="none", az_count=2))
        db = Database("db", DatabaseArgs(network=network, engine="mysql", performance_insights=False))
        app = Tier("app", network)
        group = aws.ec2.SecurityGroup("jobs", vpc_id=network.vpc_id, description="jobs")
        db.allow_from(app)
        db.allow_from(group)
        db.allow_from("sg-0123456789abcdef0", name="bastion")

    ev = evaluate_inline(program, project="t", stack="dev", config={"aws:region": "us-east-1"})
    db_group = ev.one(type=SG, name="db-db")
    rules = {r.name: r.inputs for r in ev.find(type=INGRESS) if r.name.startswith("db-")}
    assert set(rules) == {"db-db-from-app", "db-db-from-jobs", "db-db-from-bastion"}
    sources = {name: r["referencedSecurityGroupId"] for name, r in rules.items()}
    assert sources == {
        "db-db-from-app": ev.one(type=SG, name="app").id,
        "db-db-from-jobs": ev.one(type=SG, name="jobs").id,
        "db-db-from-bastion": "sg-0123456789abcdef0",
    }
    for rule in rules.values():
        assert rule["securityGroupId"] == db_group.id
        assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 3306, 3306)
        assert "cidrIpv4" not in rule and "cidrIpv6" not in rule


def test_wiring_a_bare_id_needs_a_name() -> None:
    refused(
        lambda network: Database("db", DatabaseArgs(network=network)).allow_from("sg-0123456789abcdef0"),
        r"allow_from\(<security group id>\) needs name=",
    )


def test_grant_read_password_reads_exactly_the_rds_secret(dev: Evaluation) -> None:
    policy = dev.one(type=ROLE_POLICY)
    assert policy.name == "db-read-password-app"
    assert policy.inputs["role"] == dev.one(type=ROLE, name="app").outputs["name"]
    assert json.loads(policy.inputs["policy"])["Statement"] == [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": dev.outputs["secretArn"]}
    ]


def test_grant_read_password_takes_a_role_or_a_role_name() -> None:
    def program() -> None:
        network = Network("net", NetworkArgs(nat="none", az_count=2))
        db = Database("db", DatabaseArgs(network=network))
        role = aws.iam.Role("jobs", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
        db.grant_read_password(role)
        db.grant_read_password("ops-role", name="ops")

    ev = evaluate_inline(program, project="t", stack="dev", config={"aws:region": "us-east-1"})
    policies = {p.name: p.inputs["role"] for p in ev.find(type=ROLE_POLICY)}
    assert policies == {
        "db-read-password-jobs": ev.one(type=ROLE, name="jobs").outputs["name"],
        "db-read-password-ops": "ops-role",
    }


def test_connection_env_is_plain_and_the_password_a_reference(dev: Evaluation, mysql: Evaluation) -> None:
    db = primary(dev)
    assert dev.outputs["env"] == {
        "DATABASE_HOST": db.outputs["address"],
        "DATABASE_PORT": "5432",
        "DATABASE_NAME": "app",
        "DATABASE_USER": "dbadmin",
        "DATABASE_SECRET_ARN": dev.outputs["secretArn"],
    }
    assert db.outputs["address"].endswith(".us-east-1.rds.amazonaws.com")
    secret = dev.outputs["secretArn"]
    assert dev.outputs["secrets"] == {
        "DATABASE_PASSWORD": f"{secret}#password",
        "DATABASE_URL": f"postgresql://dbadmin:{{DATABASE_PASSWORD}}@{db.outputs['address']}:5432/app?sslmode=require",
    }
    url = mysql.outputs["secrets"]["DATABASE_URL"]
    assert url.startswith("mysql://dbadmin:{DATABASE_PASSWORD}@") and url.endswith(":3306/app")
    assert mysql.outputs["env"]["DATABASE_PORT"] == "3306"


# ---- the connection at boot: compute's secret references ---------------------------------------


SECRET_ARN = (
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0b1c2d3e-aaaa-bbbb-cccc-000000000000-AbCdEf"
)
PASSWORD = "p@ss:w/rd#%&?"  # characters RDS may generate that a URL must escape


def _boot_secrets() -> dict[str, str]:
    return {
        "DATABASE_PASSWORD": f"{SECRET_ARN}#password",
        "DATABASE_URL": "postgresql://dbadmin:{DATABASE_PASSWORD}@db.example.internal:5432/app?sslmode=require",
    }


def _run_script(user_data: str) -> str:
    """The container run script embedded in the boot script."""
    start = user_data.index("cat > /usr/local/bin/tierup-web <<'TIERUP_EOF'\n") + len(
        "cat > /usr/local/bin/tierup-web <<'TIERUP_EOF'\n"
    )
    return user_data[start : user_data.index("TIERUP_EOF\n", start)]


def test_the_boot_script_reads_the_password_key_and_composes_the_url_on_the_instance(tmp_path: Path) -> None:
    user_data = render_user_data(
        name="web",
        image="nginx:1.27",
        command=[],
        env={"DATABASE_HOST": "db.example.internal"},
        secrets=_boot_secrets(),
        region="us-east-1",
        log_group="/tierup/web",
    )
    assert PASSWORD not in user_data and "{DATABASE_PASSWORD}" in user_data
    assert user_data_findings(user_data, []) == []
    # Run the secret-reading lines for real with a fake `aws` CLI answering as Secrets Manager does.
    fake = tmp_path / "aws"
    fake.write_text(
        "#!/bin/sh\n"
        f'[ "$*" = "secretsmanager get-secret-value --region us-east-1 --secret-id {SECRET_ARN} '
        '--query SecretString --output text" ] || exit 3\n'
        f"echo '{json.dumps({'username': 'dbadmin', 'password': PASSWORD})}'\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    # `sleep` stubbed: a wrong call fails after the script's bounded retries without waiting for them
    fake_sleep = tmp_path / "sleep"
    fake_sleep.write_text("#!/bin/sh\nexit 0\n")
    fake_sleep.chmod(fake_sleep.stat().st_mode | stat.S_IEXEC)
    script = _run_script(user_data)
    # AWS calls go through the script's own `retry` function (bounded, with backoff): run them with it
    retry = [line for line in script.splitlines() if line.startswith("retry() {")]
    assert len(retry) == 1 and script.index(retry[0]) < script.index("DATABASE_PASSWORD=")
    lines = [line for line in script.splitlines() if line.startswith(("DATABASE_", "export DATABASE_"))]
    assert lines == [
        "DATABASE_PASSWORD=$(retry aws secretsmanager get-secret-value --region us-east-1 --secret-id "
        f"'{SECRET_ARN}' --query SecretString --output text | python3 -c "
        "'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' password)",
        "export DATABASE_PASSWORD",
        lines[2],
        "export DATABASE_URL",
    ]
    probe = "\n".join(
        ["set -euo pipefail", *retry, *lines, 'printf "%s\\n%s\\n" "$DATABASE_PASSWORD" "$DATABASE_URL"']
    )
    result = subprocess.run(
        ["bash", "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"},
        check=True,
    )
    password, url = result.stdout.splitlines()
    assert password == PASSWORD
    assert (
        url == "postgresql://dbadmin:p%40ss%3Aw%2Frd%23%25%26%3F@db.example.internal:5432/app?sslmode=require"
    )
    assert "-e DATABASE_PASSWORD" in script and "-e DATABASE_URL" in script


def test_a_tier_given_the_connection_reads_the_secret_through_its_own_role_at_boot() -> None:
    def build(network: Network) -> None:
        db = Database("db", DatabaseArgs(network=network))
        tier = Owner(
            "web",
            network,
            Container(image="nginx:1.27", env=db.connection_env(), secrets=db.connection_secrets()),
        )
        db.allow_from(tier.group)
        pulumi.export("secretArn", db.master_user_secret_arn)

    ev = evaluate_tier(build)
    script = user_data(ev)
    secret = ev.outputs["secretArn"]
    assert f"--secret-id {secret} --query SecretString" in script or f"--secret-id '{secret}'" in script
    assert "print(json.load(sys.stdin)[sys.argv[1]])' password)" in script
    assert "'postgresql://dbadmin:{DATABASE_PASSWORD}@t-prod-db." in script
    assert (
        "-e DATABASE_HOST=t-prod-db." in script
        and "-e DATABASE_PASSWORD" in script
        and "-e DATABASE_URL" in script
    )
    assert user_data_findings(script, []) == []
    policies = [
        json.loads(p.inputs["policy"]) for p in ev.find(type=ROLE_POLICY) if p.name.endswith("-secrets")
    ]
    assert [p["Statement"] for p in policies] == [
        [
            {
                "Sid": "ReadContainerSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": [secret],
            }
        ]
    ]


def test_a_template_must_name_a_fetched_secret() -> None:
    with pytest.raises(
        ValueError, match=r"web: secrets\[.DATABASE_URL.\]: placeholder \{DB_PASS\} must name another secret"
    ):
        render_user_data(
            name="web",
            image="nginx:1.27",
            command=[],
            env={},
            secrets={"DATABASE_URL": "postgresql://u:{DB_PASS}@h:5432/app"},
            region="us-east-1",
            log_group="/tierup/web",
        )


def test_the_role_reads_the_whole_secret_and_templates_add_nothing() -> None:
    document = json.loads(secrets_policy(list(_boot_secrets().values())))
    assert document["Statement"] == [
        {
            "Sid": "ReadContainerSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": [SECRET_ARN],
        }
    ]


# ---- alarms ----------------------------------------------------------------------------------


def test_alarms_watch_every_instance_and_replica_lag_on_replicas(prod: Evaluation) -> None:
    alarms = {a.name: a.inputs for a in prod.find(type=ALARM) if "-db" in a.name}
    topic = prod.one(type="aws:sns/topic:Topic").outputs["arn"]
    expected = {
        f"ops-{label}-{suffix}"
        for label in ("db", "db-replica1", "db-replica2")
        for suffix in ("cpu", "memory", "storage", "connections")
    } | {"ops-db-replica1-replica-lag", "ops-db-replica2-replica-lag"}
    assert set(alarms) == expected
    identifiers = {"ops-db-replica1": "t-prod-db-replica-1", "ops-db-replica2": "t-prod-db-replica-2"}
    for name, alarm in alarms.items():
        assert alarm["namespace"] == "AWS/RDS"
        ident = next((v for k, v in identifiers.items() if name.startswith(k + "-")), "t-prod-db")
        assert alarm["dimensions"] == {"DBInstanceIdentifier": ident}, name
        assert alarm["alarmActions"] == [topic] and alarm["okActions"] == [topic]
    # db.m7g.large: 8 GiB; PostgreSQL's default max_connections is memory / 9531392
    assert alarms["ops-db-memory"]["threshold"] == pytest.approx(0.8 * 1024**3)
    assert alarms["ops-db-storage"]["threshold"] == pytest.approx(10 * 1024**3)
    assert alarms["ops-db-connections"]["threshold"] == int(0.8 * (8 * 1024**3 // 9531392))
    assert alarms["ops-db-cpu"]["treatMissingData"] == "breaching"


def test_the_dashboard_graphs_the_database(prod: Evaluation) -> None:
    body = json.loads(prod.one(type="aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    assert body["widgets"][0]["properties"]["markdown"] == "## database db"  # the tier's own section
    graphs = [w for w in body["widgets"] if w["type"] == "metric"]
    titles = [w["properties"]["title"] for w in graphs]
    assert titles == [
        "database db: CPU and connections",
        "database db: free memory and storage",
        "database db: replica lag",
    ]
    lag = graphs[2]["properties"]["metrics"]
    assert lag == [
        ["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", "t-prod-db-replica-1"],
        ["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", "t-prod-db-replica-2"],
    ]


# ---- facts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instance_class", "gib"),
    [("db.t4g.micro", 1), ("db.t3.small", 2), ("db.m7g.large", 8), ("db.m6g.2xlarge", 32),
     ("db.r7g.xlarge", 32), ("db.r6g.4xlarge", 128), ("db.x2g.large", None), ("cache.t4g.micro", None)],
)  # fmt: skip
def test_instance_memory(instance_class: str, gib: float | None) -> None:
    assert instance_memory_gib(instance_class) == gib


def test_estimated_max_connections() -> None:
    assert estimated_max_connections("postgres", 1) == 112
    assert estimated_max_connections("mysql", 1) == 85
    assert estimated_max_connections("postgres", 512) == 5000
    assert estimated_max_connections("postgres", None) is None


@pytest.mark.parametrize(
    ("name", "identifier"),
    [("db", "db"), ("Shop-Prod_DB", "shop-prod-db"), ("1st", "db-1st"), ("a--b", "a-b")],
)
def test_default_identifier(name: str, identifier: str) -> None:
    assert default_identifier(name) == identifier


def test_long_identifiers_stay_distinct_and_valid() -> None:
    first, second = default_identifier("x" * 60 + "-one"), default_identifier("x" * 60 + "-two")
    assert first != second and len(first) == len(second) == 50
    assert first.startswith("x" * 41 + "-")


# ---- validation and transforms ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"engine": "oracle"}, "engine 'oracle' is not 'postgres' or 'mysql'"),
        ({"engine_version": "9.6"}, "not a supported postgres version"),
        ({"engine": "mysql", "engine_version": "16"}, "not a supported mysql version"),
        ({"instance_class": "t4g.micro"}, "instance_class 't4g.micro' is not like db.t4g.micro"),
        ({"storage_gb": 10}, "storage_gb must be 20 to 65536"),
        ({"storage_gb": 100, "max_storage_gb": 50}, r"max_storage_gb must be storage_gb \(100\)"),
        ({"storage_gb": 100, "max_storage_gb": 105}, "at least 10% above storage_gb"),
        ({"backup_retention_days": 36}, "backup_retention_days must be 0 to 35"),
        ({"read_replicas": 6}, "read_replicas must be 0 to 5"),
        ({"read_replicas": 1, "backup_retention_days": 0}, "read_replicas need backup_retention_days"),
        ({"database_name": "my-app"}, "database_name 'my-app'"),
        ({"master_username": "rdsadmin"}, "master_username 'rdsadmin'"),
        ({"identifier": "Bad_Id"}, "identifier 'Bad_Id'"),
        ({"monitoring_interval": 45}, "monitoring_interval must be one of 0, 1, 5, 10, 15, 30, 60"),
        ({"log_retention_days": 2}, "log_retention_days 2"),
        (
            {"engine": "mysql"},
            "MySQL has no Performance Insights on db.t4g.micro; set performance_insights=False",
        ),
    ],
)
def test_bad_args_raise_early_saying_what_to_change(overrides: dict[str, Any], message: str) -> None:
    refused(lambda network: Database("db", DatabaseArgs(network=network, **overrides)), message)


def test_replicas_need_two_azs() -> None:
    def build(network: Network) -> None:
        network.azs = network.azs[:1]  # a one-AZ network, as a hand-built one could be
        Database("db", DatabaseArgs(network=network, read_replicas=1))

    refused(build, "read_replicas need a network of 2 or more AZs")


def test_transforms_merge_dicts_and_run_callables() -> None:
    def bigger(args: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        args["instance_class"] = "db.t4g.large"

    ev = evaluate(
        lambda network: DatabaseArgs(
            network=network,
            read_replicas=1,
            transform={
                "instance": {"maintenance_window": "tue:03:00-tue:04:00", "tags": {"team": "shop"}},
                "replica": bigger,
            },
        ),
        clients=False,
        az_count=2,
    )
    db = primary(ev).inputs
    assert db["maintenanceWindow"] == "tue:03:00-tue:04:00"
    assert db["tags"] == {"Name": "db", "managed-by": "tierup", "team": "shop"}
    assert db["storageEncrypted"] is True
    assert ev.one(type=DB, name="db-replica-1").inputs["instanceClass"] == "db.t4g.large"


def test_unknown_transform_key_raises() -> None:
    refused(
        lambda network: Database("db", DatabaseArgs(network=network, transform={"cluster": {}})),
        r"unknown transform key\(s\) cluster; valid keys: .*instance",
    )
