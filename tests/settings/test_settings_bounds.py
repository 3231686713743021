"""Every numeric bound, both sides: the last valid value loads, the first invalid one is refused."""

from __future__ import annotations

import pytest

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"
SMALL = "; smaller VPCs give subnets too small for a load balancer"

# (section, key, last valid, first invalid, reason, other keys the case needs)
BOUNDS = [
    ("network", "azCount", 2, 1, "must be between 2 and 6 (got 1)", {}),
    ("network", "azCount", 6, 7, "must be between 2 and 6 (got 7)", {}),
    (
        "network",
        "cidr",
        "10.0.0.0/16",
        "10.0.0.0/15",
        f"prefix must be between /16 and /23 (got /15){SMALL}",
        {},
    ),
    (
        "network",
        "cidr",
        "10.0.0.0/23",
        "10.0.0.0/24",
        f"prefix must be between /16 and /23 (got /24){SMALL}",
        {},
    ),
    ("loadBalancer", "rateLimitPer5Minutes", 100, 99, "must be between 100 and 2000000 (got 99)", {}),
    (
        "loadBalancer",
        "rateLimitPer5Minutes",
        2_000_000,
        2_000_001,
        "must be between 100 and 2000000 (got 2000001)",
        {},
    ),
    ("loadBalancer", "idleTimeoutSeconds", 1, 0, "must be between 1 and 4000 (got 0)", {}),
    ("loadBalancer", "idleTimeoutSeconds", 4000, 4001, "must be between 1 and 4000 (got 4001)", {}),
    ("services.web", "port", 1, 0, "must be between 1 and 65535 (got 0)", {}),
    ("services.web", "port", 65535, 65536, "must be between 1 and 65535 (got 65536)", {}),
    ("services.web", "minSize", 0, -1, "must be between 0 and 1000 (got -1)", {}),
    ("services.web", "minSize", 1000, 1001, "must be between 0 and 1000 (got 1001)", {"maxSize": 1000}),
    ("services.web", "maxSize", 2, 0, "must be between 1 and 1000 (got 0)", {}),
    ("services.web", "maxSize", 1000, 1001, "must be between 1 and 1000 (got 1001)", {}),
    ("services.web", "desiredCapacity", 0, -1, "must be between 0 and 1000 (got -1)", {"minSize": 0}),
    (
        "services.web",
        "desiredCapacity",
        1000,
        1001,
        "must be between 0 and 1000 (got 1001)",
        {"maxSize": 1000},
    ),
    ("services.web", "cpuTarget", 10, 9, "must be between 10 and 90 (got 9)", {}),
    ("services.web", "cpuTarget", 90, 91, "must be between 10 and 90 (got 91)", {}),
    ("services.web", "requestsPerTarget", 1, 0, "must be between 1 and 1000000 (got 0)", {}),
    (
        "services.web",
        "requestsPerTarget",
        1_000_000,
        1_000_001,
        "must be between 1 and 1000000 (got 1000001)",
        {},
    ),
    ("services.web", "priority", 1, 0, "must be between 1 and 50000 (got 0)", {}),
    ("services.web", "priority", 50000, 50001, "must be between 1 and 50000 (got 50001)", {}),
    ("database", "storageGb", 20, 19, "must be between 20 and 65536 (got 19)", {}),
    ("database", "storageGb", 65536, 65537, "must be between 20 and 65536 (got 65537)", {}),
    ("database", "maxStorageGb", 65536, 65537, "must be between 20 and 65536 (got 65537)", {}),
    ("database", "backupRetentionDays", 0, -1, "must be between 0 and 35 (got -1)", {}),
    ("database", "backupRetentionDays", 35, 36, "must be between 0 and 35 (got 36)", {}),
    ("database", "readReplicas", 0, -1, "must be between 0 and 5 (got -1)", {}),
    ("database", "readReplicas", 5, 6, "must be between 0 and 5 (got 6)", {}),
    (
        "services.web",
        "healthCheckPath",
        "/" + "a" * 1023,
        "/" + "a" * 1024,
        "must be at most 1024 characters (got 1025)",
        {},
    ),
    ("redis", "replicas", 0, -1, "must be between 0 and 5 (got -1)", {}),
    ("redis", "replicas", 5, 6, "must be between 0 and 5 (got 6)", {}),
    ("redis", "snapshotRetentionDays", 0, -1, "must be between 0 and 35 (got -1)", {}),
    ("redis", "snapshotRetentionDays", 35, 36, "must be between 0 and 35 (got 36)", {}),
    ("queues.jobs", "visibilityTimeoutSeconds", 0, -1, "must be between 0 and 43200 (got -1)", {}),
    ("queues.jobs", "visibilityTimeoutSeconds", 43200, 43201, "must be between 0 and 43200 (got 43201)", {}),
    ("queues.jobs", "maxReceiveCount", 1, 0, "must be between 1 and 1000 (got 0)", {}),
    ("queues.jobs", "maxReceiveCount", 1000, 1001, "must be between 1 and 1000 (got 1001)", {}),
    ("queues.jobs", "retentionDays", 1, 0, "must be between 1 and 14 (got 0)", {}),
    ("queues.jobs", "retentionDays", 14, 15, "must be between 1 and 14 (got 15)", {}),
    ("workers.jobs", "minSize", 0, -1, "must be between 0 and 1000 (got -1)", {}),
    ("workers.jobs", "minSize", 1000, 1001, "must be between 0 and 1000 (got 1001)", {"maxSize": 1000}),
    ("workers.jobs", "maxSize", 1, 0, "must be between 1 and 1000 (got 0)", {}),
    ("workers.jobs", "maxSize", 1000, 1001, "must be between 1 and 1000 (got 1001)", {}),
    ("workers.jobs", "desiredCapacity", 0, -1, "must be between 0 and 1000 (got -1)", {"minSize": 0}),
    (
        "workers.jobs",
        "desiredCapacity",
        1000,
        1001,
        "must be between 0 and 1000 (got 1001)",
        {"maxSize": 1000},
    ),
    ("workers.jobs", "backlogPerInstance", 1, 0, "must be between 1 and 100000 (got 0)", {}),
    ("workers.jobs", "backlogPerInstance", 100_000, 100_001, "must be between 1 and 100000 (got 100001)", {}),
    ("workers.jobs", "jobTimeoutSeconds", 1, 0, "must be between 1 and 7000 (got 0)", {}),
    ("workers.jobs", "jobTimeoutSeconds", 7000, 7001, "must be between 1 and 7000 (got 7001)", {}),
    ("workers.jobs", "startupSeconds", 0, -1, "must be between 0 and 3600 (got -1)", {}),
    ("workers.jobs", "startupSeconds", 3600, 3601, "must be between 0 and 3600 (got 3601)", {}),
    ("services.web", "startupSeconds", 0, -1, "must be between 0 and 3600 (got -1)", {}),
    ("services.web", "startupSeconds", 3600, 3601, "must be between 0 and 3600 (got 3601)", {}),
    ("services.web", "stopTimeoutSeconds", 11, 10, "must be between 11 and 3600 (got 10)", {}),
    ("services.web", "stopTimeoutSeconds", 3600, 3601, "must be between 11 and 3600 (got 3601)", {}),
    ("alarms", "latencyP99Seconds", 0.001, 0, "must be greater than 0 and at most 4000 (got 0)", {}),
    ("alarms", "latencyP99Seconds", 4000, 4000.5, "must be greater than 0 and at most 4000 (got 4000.5)", {}),
    ("alarms", "errorRatePercent", 0.01, 0, "must be greater than 0 and at most 100 (got 0)", {}),
    ("alarms", "errorRatePercent", 100, 100.5, "must be greater than 0 and at most 100 (got 100.5)", {}),
    ("alarms", "queueAgeSeconds", 60, 59, "must be between 60 and 1209600 (got 59)", {}),
    ("alarms", "queueAgeSeconds", 1209600, 1209601, "must be between 60 and 1209600 (got 1209601)", {}),
]


def _sections(section: str, values: dict[str, object]) -> dict[str, object]:
    """The config sections a case needs, so that nothing but the bound under test can fail."""
    top, _, name = section.partition(".")
    sections: dict[str, object] = {top: {name: values} if name else values}
    if top == "services":
        values.setdefault("image", IMAGE)
    if top in ("redis", "database"):
        sections["network"] = {"azCount": 6}
    if top == "workers":
        values.setdefault("queue", "jobs")
        sections["queues"] = {"jobs": {"visibilityTimeoutSeconds": 7000}}
    if top == "queues":
        sections["alarms"] = {"queueAgeSeconds": 60}
    return sections


def _dumped(settings: object, section: str) -> dict[str, object]:
    value = settings.model_dump(by_alias=True)
    for part in section.split("."):
        value = value[part]
    return value


@pytest.mark.parametrize(
    ("section", "key", "valid", "invalid", "reason", "context"),
    [pytest.param(*case, id=f"{case[0]}.{case[1]}={case[3]}") for case in BOUNDS],
)
def test_bound(load, error, section, key, valid, invalid, reason, context):
    settings = load("dev", **_sections(section, {**context, key: valid}))
    assert _dumped(settings, section)[key] == valid
    expected = f"stacks/Pulumi.test.yaml: tierup:{section}.{key}: {reason}"
    assert error("dev", **_sections(section, {**context, key: invalid})) == expected
