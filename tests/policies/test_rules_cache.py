"""Cache rules: ElastiCache replication groups."""

from __future__ import annotations

import pytest
from pulumi_policy.proxy import UnknownValueError

from ._pack_testkit import U_BOOL, U_LIST, U_STR, check_resource

RG = "aws:elasticache/replicationGroup:ReplicationGroup"
GOOD = {
    "engine": "valkey",
    "numCacheClusters": 3,
    "multiAzEnabled": True,
    "automaticFailoverEnabled": True,
    "atRestEncryptionEnabled": True,
    "transitEncryptionEnabled": True,
    "authToken": "secret-from-secrets-manager",
    "snapshotRetentionLimit": 7,
}


@pytest.mark.parametrize(
    "policy", ["elasticache-failover", "elasticache-encryption", "elasticache-auth", "elasticache-backups"]
)
def test_compliant_group_passes_and_other_types_are_ignored(policy: str) -> None:
    assert check_resource(policy, RG, GOOD) == []
    assert check_resource(policy, "aws:elasticache/cluster:Cluster", {}) == []


def test_failover() -> None:
    [msg] = check_resource("elasticache-failover", RG, {}, name="cache")
    assert "replication group 'cache'" in msg
    assert (
        "1 node per shard" in msg
        and "multiAzEnabled is unset" in msg
        and "automaticFailoverEnabled is unset" in msg
    )
    two = {"numCacheClusters": 2.0, "multiAzEnabled": True, "automaticFailoverEnabled": True}
    assert check_resource("elasticache-failover", RG, two) == []
    shards = {
        "numNodeGroups": 3,
        "replicasPerNodeGroup": 1,
        "multiAzEnabled": True,
        "automaticFailoverEnabled": True,
    }
    assert check_resource("elasticache-failover", RG, shards) == []
    assert (
        "no replica" in check_resource("elasticache-failover", RG, {**shards, "replicasPerNodeGroup": 0})[0]
    )
    [msg] = check_resource("elasticache-failover", RG, {**GOOD, "multiAzEnabled": False})
    assert "multiAzEnabled is False" in msg
    with pytest.raises(UnknownValueError):
        check_resource("elasticache-failover", RG, {**GOOD, "numCacheClusters": U_STR})
    # A known problem is reported even when another input is unknown.
    assert check_resource(
        "elasticache-failover", RG, {**GOOD, "numCacheClusters": U_STR, "multiAzEnabled": False}
    )


def test_encryption() -> None:
    [msg] = check_resource("elasticache-encryption", RG, {"engine": "redis"})
    assert "atRestEncryptionEnabled is unset (the redis engine defaults it to false)" in msg
    assert "transitEncryptionEnabled is unset" in msg
    valkey_default = {"engine": "valkey", "transitEncryptionEnabled": True}
    assert check_resource("elasticache-encryption", RG, valkey_default) == []
    assert check_resource("elasticache-encryption", RG, {**GOOD, "atRestEncryptionEnabled": False})
    with pytest.raises(UnknownValueError):
        check_resource("elasticache-encryption", RG, {**GOOD, "transitEncryptionEnabled": U_BOOL})


def test_auth() -> None:
    no_auth = {k: v for k, v in GOOD.items() if k != "authToken"}
    [msg] = check_resource("elasticache-auth", RG, no_auth)
    assert "neither authToken nor userGroupIds" in msg and "Secrets Manager" in msg
    assert check_resource("elasticache-auth", RG, {**no_auth, "authToken": ""})
    assert check_resource("elasticache-auth", RG, {**no_auth, "authToken": U_STR}) == []
    assert check_resource("elasticache-auth", RG, {**no_auth, "userGroupIds": ["rbac"]}) == []
    assert check_resource("elasticache-auth", RG, {**no_auth, "userGroupIds": U_LIST}) == []
    assert check_resource("elasticache-auth", RG, {**no_auth, "userGroupIds": []})
    assert check_resource("elasticache-auth", RG, {**no_auth, "authTokenWoVersion": 1}) == []


def test_backups() -> None:
    assert "snapshotRetentionLimit is unset" in check_resource("elasticache-backups", RG, {})[0]
    assert check_resource("elasticache-backups", RG, {"snapshotRetentionLimit": 0})
    assert check_resource("elasticache-backups", RG, {"snapshotRetentionLimit": 1}) == []
    [msg] = check_resource(
        "elasticache-backups", RG, {"snapshotRetentionLimit": 3}, config={"minRetentionDays": 7}
    )
    assert "(< 7 day(s))" in msg and "at least 7 day(s)" in msg
    assert check_resource("elasticache-backups", RG, {"snapshotRetentionLimit": "x"})
    with pytest.raises(UnknownValueError):
        check_resource("elasticache-backups", RG, {"snapshotRetentionLimit": U_STR})
