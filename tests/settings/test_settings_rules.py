"""Cross-field rules: each refused with a reason, and each edge that must still load."""

from __future__ import annotations

import pytest

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"
PREFIX = "stacks/Pulumi.test.yaml: "
CERT = "arn:aws:acm:{}:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


def test_app_needs_exactly_one_of_image_or_build(error):
    assert error("dev", app={}) == f"{PREFIX}tierup:app: set exactly one of image or build (neither is set)"
    assert error("dev", app={"image": IMAGE, "build": {"context": "."}}) == (
        f"{PREFIX}tierup:app: set exactly one of image or build (both are set)"
    )


def test_workers_take_at_most_one_of_image_or_build(error):
    workers = {"image": IMAGE, "build": {"context": "."}}
    assert error("dev", queue={}, workers=workers) == f"{PREFIX}tierup:workers: set image or build, not both"


def _tier(section: str, **sizes: int) -> dict[str, object]:
    return {"queue": {}, section: {**sizes, **({"image": IMAGE} if section == "app" else {})}}


@pytest.mark.parametrize("section", ["app", "workers"])
@pytest.mark.parametrize(
    ("sizes", "problem"),
    [
        ({"minSize": 3, "maxSize": 2}, "minSize: must be ≤ maxSize (3 > 2)"),
        ({"minSize": 2, "maxSize": 4, "desiredCapacity": 1}, "desiredCapacity: must be ≥ minSize (1 < 2)"),
        ({"minSize": 2, "maxSize": 4, "desiredCapacity": 5}, "desiredCapacity: must be ≤ maxSize (5 > 4)"),
        ({"minSize": 0, "maxSize": 4, "desiredCapacity": 5}, "desiredCapacity: must be ≤ maxSize (5 > 4)"),
    ],
)
def test_min_desired_max(error, section, sizes, problem):
    assert error("prod", **_tier(section, **sizes)) == f"{PREFIX}tierup:{section}.{problem}"


def test_min_max_against_presets(load, error):
    """A maxSize below the environment's minSize preset is refused (prod app: minSize 2)."""
    assert (
        error("prod", **_tier("app", maxSize=1)) == f"{PREFIX}tierup:app.minSize: must be ≤ maxSize (2 > 1)"
    )
    assert load("prod", **_tier("workers", maxSize=1)).workers.min_size == 1


@pytest.mark.parametrize("section", ["app", "workers"])
def test_min_desired_max_edges_load(load, section):
    tier = getattr(load("prod", **_tier(section, minSize=3, maxSize=3, desiredCapacity=3)), section)
    assert (tier.min_size, tier.desired_capacity, tier.max_size) == (3, 3, 3)


def test_workers_require_a_queue(error):
    assert error("dev", workers={}) == (
        f"{PREFIX}tierup:workers: requires tierup:queue (the workers consume it); add tierup:queue: {{}}"
    )


def test_job_timeout_within_the_visibility_timeout(load, error):
    assert load("dev", queue={"visibilityTimeoutSeconds": 600}, workers={"jobTimeoutSeconds": 600})
    assert error("dev", queue={"visibilityTimeoutSeconds": 600}, workers={"jobTimeoutSeconds": 601}) == (
        f"{PREFIX}tierup:workers.jobTimeoutSeconds: must be ≤ tierup:queue.visibilityTimeoutSeconds (601 > 600),"
        " or a running job reappears on the queue and runs twice"
    )
    assert error("dev", queue={}, workers={"jobTimeoutSeconds": 900}).startswith(
        f"{PREFIX}tierup:workers.jobTimeoutSeconds: must be ≤ tierup:queue.visibilityTimeoutSeconds (900 > 60)"
    )


def test_workers_need_a_visibility_timeout(load, error):
    assert load("dev", queue={"visibilityTimeoutSeconds": 0}).queue.visibility_timeout_seconds == 0
    assert error("dev", queue={"visibilityTimeoutSeconds": 0}, workers={}) == (
        f"{PREFIX}tierup:queue.visibilityTimeoutSeconds: must be at least 1 when tierup:workers consume the queue"
        " (got 0); set it to the longest job's duration"
    )


@pytest.mark.parametrize(
    ("environment", "az_count", "replicas", "ok"),
    [
        ("dev", 2, 1, True),
        ("dev", 2, 2, False),
        ("prod", 3, 2, True),
        ("prod", 2, None, False),  # the prod preset (2 replicas) needs 3 AZs
        ("prod", 6, 5, True),
        ("prod", 5, 5, False),
    ],
)
def test_redis_nodes_fit_in_distinct_azs(load, error, environment, az_count, replicas, ok):
    redis = {} if replicas is None else {"replicas": replicas}
    sections = {"network": {"azCount": az_count}, "redis": redis}
    if ok:
        assert load(environment, **sections).redis.replicas == replicas
        return
    replicas = 2 if replicas is None else replicas
    assert error(environment, **sections) == (
        f"{PREFIX}tierup:redis.replicas: must be ≤ {az_count - 1}: {replicas} replicas + 1 primary need"
        f" {replicas + 1} AZs but tierup:network.azCount is {az_count}; lower replicas or raise azCount"
    )


def test_redis_replicas_with_nat_none_are_fine(load):
    settings = load("prod", network={"nat": "none"}, redis={"replicas": 2})
    assert (settings.network.nat, settings.redis.replicas) == ("none", 2)


def test_valkey_starts_at_7_2(load, error):
    assert load("dev", redis={"engineVersion": "7.2"}).redis.engine_version == "7.2"
    assert error("dev", redis={"engineVersion": "7.1"}) == (
        f"{PREFIX}tierup:redis.engineVersion: valkey on ElastiCache starts at 7.2 (got '7.1');"
        " use 7.2 or later, or engine: redis"
    )


def test_certificate_in_the_stack_region(load, error):
    assert load("prod", region="eu-west-1", loadBalancer={"certificateArn": CERT.format("eu-west-1")})
    assert error("prod", region="eu-west-1", loadBalancer={"certificateArn": CERT.format("us-east-1")}) == (
        f"{PREFIX}tierup:loadBalancer.certificateArn: is in us-east-1 but the stack deploys to eu-west-1"
        " (aws:region); an ALB needs a certificate from its own region"
    )


NAT_NONE_REASON = (
    "can't be pulled with tierup:network.nat none (private subnets have no internet route);"
    " use an ECR image in us-east-1 or build, or set nat to single or instance"
)


@pytest.mark.parametrize(
    "image",
    ["nginx:1.27", "public.ecr.aws/nginx/nginx:1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1"],
)
def test_nat_none_needs_images_from_regional_ecr(load, error, image):
    assert (
        error("dev", network={"nat": "none"}, app={"image": image})
        == f"{PREFIX}tierup:app.image: {NAT_NONE_REASON}"
    )
    assert load("dev", network={"nat": "single"}, app={"image": image}).app.image == image
    workers = {"image": image}
    assert error("dev", network={"nat": "none"}, queue={}, workers=workers) == (
        f"{PREFIX}tierup:workers.image: {NAT_NONE_REASON}"
    )


def test_nat_none_with_ecr_or_build_loads(load):
    assert load("dev", network={"nat": "none"}, queue={}, workers={}).workers.image == IMAGE
    settings = load("dev", network={"nat": "none"}, app={"build": {"context": "."}}, queue={}, workers={})
    assert settings.workers.build == settings.app.build


def test_queue_age_alarm_below_retention(load, error):
    assert load("dev", queue={"retentionDays": 1}, alarms={"queueAgeSeconds": 86399})
    assert error("dev", queue={"retentionDays": 1}, alarms={"queueAgeSeconds": 86400}) == (
        f"{PREFIX}tierup:alarms.queueAgeSeconds: must be below tierup:queue.retentionDays (86400 ≥ 86400 s),"
        " or messages expire before the alarm fires"
    )
    assert load("dev", alarms={"queueAgeSeconds": 1209600}).alarms.queue_age_seconds == 1209600  # no queue


def test_cross_field_rules_are_documented():
    from tierup.settings import CROSS_FIELD_RULES

    text = " ".join(CROSS_FIELD_RULES)
    for needle in (
        "replicas",
        "jobTimeoutSeconds",
        "requires `tierup:queue`",
        "maxSize",
        "certificateArn",
        "none",
    ):
        assert needle in text
