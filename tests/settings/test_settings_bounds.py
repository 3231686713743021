"""Every numeric bound, both sides: the last valid value loads, the first invalid one is refused."""

from __future__ import annotations

import pytest

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"

# (section, key, last valid, first invalid, reason, other keys the case needs)
BOUNDS = [
    ("network", "azCount", 2, 1, "must be between 2 and 6 (got 1)", {}),
    ("network", "azCount", 6, 7, "must be between 2 and 6 (got 7)", {}),
    ("network", "cidr", "10.0.0.0/16", "10.0.0.0/15", "prefix must be between /16 and /24 (got /15)", {}),
    ("network", "cidr", "10.0.0.0/24", "10.0.0.0/25", "prefix must be between /16 and /24 (got /25)", {}),
    ("loadBalancer", "idleTimeoutSeconds", 1, 0, "must be between 1 and 4000 (got 0)", {}),
    ("loadBalancer", "idleTimeoutSeconds", 4000, 4001, "must be between 1 and 4000 (got 4001)", {}),
    ("app", "port", 1, 0, "must be between 1 and 65535 (got 0)", {}),
    ("app", "port", 65535, 65536, "must be between 1 and 65535 (got 65536)", {}),
    ("app", "minSize", 0, -1, "must be between 0 and 1000 (got -1)", {}),
    ("app", "minSize", 1000, 1001, "must be between 0 and 1000 (got 1001)", {"maxSize": 1000}),
    ("app", "maxSize", 2, 0, "must be between 1 and 1000 (got 0)", {}),
    ("app", "maxSize", 1000, 1001, "must be between 1 and 1000 (got 1001)", {}),
    ("app", "desiredCapacity", 0, -1, "must be between 0 and 1000 (got -1)", {"minSize": 0}),
    ("app", "desiredCapacity", 1000, 1001, "must be between 0 and 1000 (got 1001)", {"maxSize": 1000}),
    ("app", "cpuTarget", 10, 9, "must be between 10 and 90 (got 9)", {}),
    ("app", "cpuTarget", 90, 91, "must be between 10 and 90 (got 91)", {}),
    ("app", "requestsPerTarget", 1, 0, "must be greater than 0 (got 0)", {}),
    (
        "app",
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
    ("queue", "visibilityTimeoutSeconds", 0, -1, "must be between 0 and 43200 (got -1)", {}),
    ("queue", "visibilityTimeoutSeconds", 43200, 43201, "must be between 0 and 43200 (got 43201)", {}),
    ("queue", "maxReceiveCount", 1, 0, "must be between 1 and 1000 (got 0)", {}),
    ("queue", "maxReceiveCount", 1000, 1001, "must be between 1 and 1000 (got 1001)", {}),
    ("queue", "retentionDays", 1, 0, "must be between 1 and 14 (got 0)", {}),
    ("queue", "retentionDays", 14, 15, "must be between 1 and 14 (got 15)", {}),
    ("workers", "minSize", 0, -1, "must be between 0 and 1000 (got -1)", {}),
    ("workers", "minSize", 1000, 1001, "must be between 0 and 1000 (got 1001)", {"maxSize": 1000}),
    ("workers", "maxSize", 1, 0, "must be between 1 and 1000 (got 0)", {}),
    ("workers", "maxSize", 1000, 1001, "must be between 1 and 1000 (got 1001)", {}),
    ("workers", "desiredCapacity", 0, -1, "must be between 0 and 1000 (got -1)", {"minSize": 0}),
    ("workers", "desiredCapacity", 1000, 1001, "must be between 0 and 1000 (got 1001)", {"maxSize": 1000}),
    ("workers", "backlogPerInstance", 1, 0, "must be greater than 0 (got 0)", {}),
    ("workers", "jobTimeoutSeconds", 1, 0, "must be between 1 and 43200 (got 0)", {}),
    ("workers", "jobTimeoutSeconds", 43200, 43201, "must be between 1 and 43200 (got 43201)", {}),
    ("alarms", "latencyP99Seconds", 0.001, 0, "must be greater than 0 and at most 4000 (got 0)", {}),
    ("alarms", "latencyP99Seconds", 4000, 4000.5, "must be greater than 0 and at most 4000 (got 4000.5)", {}),
    ("alarms", "errorRatePercent", 0.01, 0, "must be greater than 0 and at most 100 (got 0)", {}),
    ("alarms", "errorRatePercent", 100, 100.5, "must be greater than 0 and at most 100 (got 100.5)", {}),
    ("alarms", "queueAgeSeconds", 60, 59, "must be between 60 and 1209600 (got 59)", {}),
    ("alarms", "queueAgeSeconds", 1209600, 1209601, "must be between 60 and 1209600 (got 1209601)", {}),
]


def _sections(section: str, values: dict[str, object]) -> dict[str, object]:
    """The config sections a case needs, so that nothing but the bound under test can fail."""
    sections: dict[str, object] = {section: values}
    if section == "app":
        values.setdefault("image", IMAGE)
    if section == "redis":
        sections["network"] = {"azCount": 6}
    if section == "workers":
        sections["queue"] = {"visibilityTimeoutSeconds": 43200}
    return sections


@pytest.mark.parametrize(
    ("section", "key", "valid", "invalid", "reason", "context"),
    [pytest.param(*case, id=f"{case[0]}.{case[1]}={case[3]}") for case in BOUNDS],
)
def test_bound(load, error, section, key, valid, invalid, reason, context):
    settings = load("dev", **_sections(section, {**context, key: valid}))
    assert settings.model_dump(by_alias=True)[section][key] == valid
    expected = f"stacks/Pulumi.test.yaml: tierup:{section}.{key}: {reason}"
    assert error("dev", **_sections(section, {**context, key: invalid})) == expected


@pytest.mark.parametrize(
    ("section", "key"), [("app", "requestsPerTarget"), ("workers", "backlogPerInstance")]
)
def test_unbounded_above(load, section, key):
    settings = load("dev", **_sections(section, {key: 1_000_000}))
    assert settings.model_dump(by_alias=True)[section][key] == 1_000_000
