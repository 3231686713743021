"""RedisCache: cluster mode disabled, HA iff replicas, encryption, AUTH secret, locked-down SG, protect."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from tierup.components.network import Network, NetworkArgs
from tierup.components.redis_cache import (
    AUTH_TOKEN_SPECIALS,
    RedisCache,
    RedisCacheArgs,
    parameter_group_family,
)

from tierup.engine import wire
from tierup.engine.evaluation import Evaluation
from tierup.engine.runtime import evaluate_inline

RG = "aws:elasticache/replicationGroup:ReplicationGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
PASSWORD = "random:index/randomPassword:RandomPassword"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
PARAMETER = "aws:ssm/parameter:Parameter"


def evaluate(make_args: Any, clients: bool = True, az_count: int = 3) -> Evaluation:
    """A network, the cache, and (``clients``) an app role + group allowed to use it."""

    def program() -> None:
        network = Network("net", NetworkArgs(nat="none", az_count=az_count))
        cache = RedisCache("cache", make_args(network))
        if clients:
            app_sg = aws.ec2.SecurityGroup("app", vpc_id=network.vpc_id, description="app")
            aws.ec2.SecurityGroup("other", vpc_id=network.vpc_id, description="not a client")
            role = aws.iam.Role(
                "app", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []})
            )
            cache.allow_from(app_sg)  # child named after the group
            cache.grant_read_auth(role.name, name="app")  # a bare role name needs name=
        pulumi.export("env", cache.connection_env())
        pulumi.export("members", cache.member_cluster_ids)
        pulumi.export("primary", cache.primary_endpoint)
        pulumi.export("reader", cache.reader_endpoint)
        pulumi.export("port", cache.port)
        pulumi.export("engine", cache.engine)
        pulumi.export("replicationGroupId", cache.replication_group_id)

    return evaluate_inline(program, project="t", stack="prod", config={"aws:region": "us-east-1"})


@pytest.fixture(scope="module")
def dev() -> Evaluation:
    """Defaults: one valkey node, no snapshots, Secrets Manager token, unprotected."""
    return evaluate(lambda network: RedisCacheArgs(network=network), az_count=2)


@pytest.fixture(scope="module")
def prod() -> Evaluation:
    return evaluate(
        lambda network: RedisCacheArgs(
            network=network,
            node_type="cache.t4g.small",
            replicas=2,
            snapshot_retention_days=7,
            maxmemory_policy="noeviction",
            protect=True,
            log_retention_days=90,
        )
    )


@pytest.fixture(scope="module")
def ssm() -> Evaluation:
    return evaluate(
        lambda network: RedisCacheArgs(
            network=network, engine="redis", engine_version="7.1", replicas=1, auth_secret_store="ssm"
        )
    )


def token(ev: Evaluation) -> str:
    value = ev.one(type=PASSWORD).outputs["result"]
    assert wire.is_secret(value)
    return wire.plain(value)


# ---- replication group ----------------------------------------------------------------------


def test_cluster_mode_disabled_with_one_node_per_replica_plus_primary(
    dev: Evaluation, prod: Evaluation
) -> None:
    for ev, nodes in ((dev, 1), (prod, 3)):
        rg = ev.one(type=RG).inputs
        assert rg["clusterMode"] == "disabled"
        assert rg["numCacheClusters"] == nodes
        assert "numNodeGroups" not in rg and "replicasPerNodeGroup" not in rg
        assert len(ev.outputs["members"]) == nodes


def test_nodes_spread_over_distinct_azs_in_the_private_subnets(prod: Evaluation) -> None:
    rg = prod.one(type=RG).inputs
    assert rg["preferredCacheClusterAzs"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    group = prod.one(type="aws:elasticache/subnetGroup:SubnetGroup")
    private = [r.id for r in prod.find(type="aws:ec2/subnet:Subnet") if "-private-" in r.name]
    assert group.inputs["subnetIds"] == private
    assert rg["subnetGroupName"] == group.outputs["name"]


def test_more_nodes_than_azs_wrap_around() -> None:
    ev = evaluate(lambda network: RedisCacheArgs(network=network, replicas=2), clients=False, az_count=2)
    assert ev.one(type=RG).inputs["preferredCacheClusterAzs"] == ["us-east-1a", "us-east-1b", "us-east-1a"]


@pytest.mark.parametrize("replicas", [0, 1, 2, 5])
def test_multi_az_and_failover_iff_replicas(replicas: int) -> None:
    ev = evaluate(
        lambda network: RedisCacheArgs(network=network, replicas=replicas), clients=False, az_count=6
    )
    rg = ev.one(type=RG).inputs
    assert rg["multiAzEnabled"] is (replicas >= 1)
    assert rg["automaticFailoverEnabled"] is (replicas >= 1)
    assert rg["numCacheClusters"] == replicas + 1
    assert len(set(rg["preferredCacheClusterAzs"])) == replicas + 1


def test_encrypted_at_rest_and_in_transit(dev: Evaluation, ssm: Evaluation) -> None:
    for ev in (dev, ssm):
        rg = ev.one(type=RG).inputs
        assert rg["atRestEncryptionEnabled"] is True
        assert rg["transitEncryptionEnabled"] is True


def test_engine_node_type_snapshots_and_windows(dev: Evaluation, prod: Evaluation, ssm: Evaluation) -> None:
    assert dev.one(type=RG).inputs["snapshotRetentionLimit"] == 0
    rg = prod.one(type=RG).inputs
    assert (rg["engine"], rg["engineVersion"], rg["nodeType"]) == ("valkey", "8.0", "cache.t4g.small")
    assert rg["snapshotRetentionLimit"] == 7
    assert rg["snapshotWindow"] == "03:00-04:00" and rg["maintenanceWindow"].startswith("sun:")
    assert rg["port"] == 6379
    assert (ssm.one(type=RG).inputs["engine"], ssm.one(type=RG).inputs["engineVersion"]) == ("redis", "7.1")
    assert prod.outputs["engine"] == "valkey" and ssm.outputs["engine"] == "redis"


def test_parameter_group_family_and_maxmemory_policy(
    dev: Evaluation, prod: Evaluation, ssm: Evaluation
) -> None:
    for ev, family, policy in (
        (dev, "valkey8", "volatile-lru"),
        (prod, "valkey8", "noeviction"),
        (ssm, "redis7", "volatile-lru"),
    ):
        group = ev.one(type="aws:elasticache/parameterGroup:ParameterGroup")
        assert group.inputs["family"] == family
        assert group.inputs["parameters"] == [{"name": "maxmemory-policy", "value": policy}]
        assert ev.one(type=RG).inputs["parameterGroupName"] == group.outputs["name"]


@pytest.mark.parametrize(
    ("engine", "version", "family"),
    [
        ("valkey", "7.2", "valkey7"),
        ("valkey", "8.1", "valkey8"),
        ("redis", "6.2", "redis6.x"),
        ("redis", "7.0", "redis7"),
    ],
)
def test_parameter_group_family_table(engine: str, version: str, family: str) -> None:
    assert parameter_group_family(engine, version) == family


def test_slow_log_goes_to_a_log_group_with_retention(prod: Evaluation) -> None:
    group = prod.one(type="aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["retentionInDays"] == 90
    (delivery,) = prod.one(type=RG).inputs["logDeliveryConfigurations"]
    assert delivery == {
        "destination": group.outputs["name"],
        "destinationType": "cloudwatch-logs",
        "logFormat": "json",
        "logType": "slow-log",
    }


def test_outputs_come_from_the_replication_group(prod: Evaluation) -> None:
    rg = prod.one(type=RG)
    assert prod.outputs["primary"] == rg.outputs["primaryEndpointAddress"]
    assert prod.outputs["reader"] == rg.outputs["readerEndpointAddress"]
    assert prod.outputs["members"] == rg.outputs["memberClusters"]
    assert prod.outputs["replicationGroupId"] == rg.id
    assert prod.outputs["port"] == 6379


# ---- AUTH token -----------------------------------------------------------------------------


def test_auth_token_is_a_long_random_password_with_allowed_specials_only(dev: Evaluation) -> None:
    password = dev.one(type=PASSWORD).inputs
    assert password["length"] >= 32
    assert password["special"] is True
    assert set(password["overrideSpecial"]) <= set("!&#$^<>-")
    assert not set(AUTH_TOKEN_SPECIALS) & set(' /"@')


def test_replication_group_gets_the_token_as_a_secret(dev: Evaluation) -> None:
    auth = dev.one(type=RG).inputs["authToken"]
    assert wire.is_secret(auth) and wire.plain(auth) == token(dev)


def test_token_is_stored_in_secrets_manager_by_default(dev: Evaluation) -> None:
    secret = dev.one(type=SECRET)
    version = dev.one(type=SECRET_VERSION).inputs
    assert version["secretId"] == secret.id
    assert wire.is_secret(version["secretString"]) and wire.plain(version["secretString"]) == token(dev)
    assert dev.find(type=PARAMETER) == []


def test_token_can_live_in_an_ssm_securestring(ssm: Evaluation) -> None:
    parameter = ssm.one(type=PARAMETER)
    assert parameter.inputs["type"] == "SecureString"
    assert wire.is_secret(parameter.inputs["value"]) and wire.plain(parameter.inputs["value"]) == token(ssm)
    assert ssm.find(type=SECRET) == []
    assert ssm.outputs["env"]["REDIS_AUTH_SECRET_ARN"] == parameter.outputs["arn"]


@pytest.mark.parametrize("store", ["dev", "prod", "ssm"])
def test_token_never_appears_in_plain_text_anywhere(store: str, request: pytest.FixtureRequest) -> None:
    ev: Evaluation = request.getfixturevalue(store)
    secret_value = token(ev)
    holders = {PASSWORD}
    for record in ev.resources:
        assert secret_value not in json.dumps(wire.masked(record.inputs)), record.urn
        if record.type not in holders:
            assert secret_value not in json.dumps(wire.masked(record.outputs)), record.urn
    assert secret_value not in json.dumps(wire.masked(ev.outputs))


def test_apps_get_the_secret_arn_and_tls_settings(dev: Evaluation) -> None:
    env = dev.outputs["env"]
    assert env == {
        "REDIS_HOST": dev.one(type=RG).outputs["primaryEndpointAddress"],
        "REDIS_PORT": "6379",
        "REDIS_TLS": "true",
        "REDIS_AUTH_SECRET_ARN": dev.one(type=SECRET).outputs["arn"],
    }
    assert env["REDIS_AUTH_SECRET_ARN"].startswith("arn:aws:secretsmanager:")


def test_grant_read_auth_is_least_privilege_on_that_secret(dev: Evaluation) -> None:
    policy = dev.one(type="aws:iam/rolePolicy:RolePolicy")
    assert policy.inputs["role"] == dev.one(type="aws:iam/role:Role").outputs["name"]
    document = json.loads(policy.inputs["policy"])
    assert document["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": dev.one(type=SECRET).outputs["arn"],
        }
    ]


def test_grant_read_auth_for_ssm_reads_the_parameter_and_decrypts_via_ssm_only(ssm: Evaluation) -> None:
    arn = ssm.one(type=PARAMETER).outputs["arn"]
    get, decrypt = json.loads(ssm.one(type="aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]
    assert get == {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": arn}
    assert decrypt["Action"] == "kms:Decrypt"
    assert decrypt["Condition"]["StringEquals"] == {
        "kms:ViaService": "ssm.us-east-1.amazonaws.com",
        "kms:EncryptionContext:PARAMETER_ARN": arn,
    }


# ---- security group -------------------------------------------------------------------------


def test_no_ingress_until_a_client_is_allowed() -> None:
    ev = evaluate(lambda network: RedisCacheArgs(network=network), clients=False, az_count=2)
    group = ev.one(type=SG, name="cache-cache")
    assert "ingress" not in group.inputs and "egress" not in group.inputs
    rules = ev.find(type=INGRESS) + ev.find(type=EGRESS)
    assert [r for r in rules if r.inputs.get("securityGroupId") == group.id] == []
    assert ev.one(type=RG).inputs["securityGroupIds"] == [group.id]


def test_allow_from_admits_6379_from_that_group_only(prod: Evaluation) -> None:
    group = prod.one(type=SG, name="cache-cache")
    rules = [r.inputs for r in prod.find(type=INGRESS) if r.inputs["securityGroupId"] == group.id]
    assert rules == [
        {
            "securityGroupId": group.id,
            "referencedSecurityGroupId": prod.one(type=SG, name="app").id,
            "ipProtocol": "tcp",
            "fromPort": 6379,
            "toPort": 6379,
            "description": "valkey from app",
        }
    ]
    assert not any("cidrIpv4" in r or "cidrIpv6" in r for r in rules)


# ---- protection -----------------------------------------------------------------------------


def test_protect_keeps_the_group_and_its_token(prod: Evaluation, dev: Evaluation) -> None:
    for type_ in (RG, SECRET, SECRET_VERSION):
        assert prod.one(type=type_).protect and prod.one(type=type_).retain_on_delete, type_
        assert not dev.one(type=type_).protect and not dev.one(type=type_).retain_on_delete, type_


# ---- validation and transforms --------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"replicas": 6}, "replicas must be 0 to 5"),
        ({"engine": "memcached"}, "engine 'memcached'"),
        ({"engine_version": "6.2"}, "not a supported valkey version"),
        ({"maxmemory_policy": "lru"}, "maxmemory_policy 'lru'"),
        ({"snapshot_retention_days": 36}, "snapshot_retention_days"),
        ({"auth_secret_store": "vault"}, "auth_secret_store 'vault'"),
    ],
)
def test_bad_args_raise_early(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate(lambda network: RedisCacheArgs(network=network, **overrides), clients=False, az_count=2)


def test_transforms_merge_dicts_and_run_callables() -> None:
    def longer_token(args: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        args["length"] = 100

    ev = evaluate(
        lambda network: RedisCacheArgs(
            network=network,
            transform={
                "replication_group": {"maintenance_window": "tue:03:00-tue:04:00", "tags": {"team": "jobs"}},
                "auth_token": longer_token,
            },
        ),
        clients=False,
        az_count=2,
    )
    rg = ev.one(type=RG).inputs
    assert rg["maintenanceWindow"] == "tue:03:00-tue:04:00"
    assert rg["tags"] == {"Name": "cache", "managed-by": "tierup", "team": "jobs"}
    assert rg["atRestEncryptionEnabled"] is True
    assert ev.one(type=PASSWORD).inputs["length"] == 100


def test_unknown_transform_key_raises() -> None:
    with pytest.raises(
        ValueError, match=r"unknown transform key\(s\) cluster; valid keys: .*replication_group"
    ):
        evaluate(lambda network: RedisCacheArgs(network=network, transform={"cluster": {}}), clients=False)
