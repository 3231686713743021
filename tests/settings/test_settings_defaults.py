"""Presets per environment, derived defaults, and which sections exist (DESIGN §3)."""

from __future__ import annotations

import pytest

from tierup.settings import (
    AlarmsSettings,
    AppSettings,
    LoadBalancerSettings,
    NetworkSettings,
    QueueSettings,
    RedisSettings,
    StackSettings,
    WorkersSettings,
)

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"

# Written out from DESIGN §3 (not read from the code), so a changed preset fails here.
EXPECTED: dict[str, dict[str, tuple[object, object, object]]] = {
    "network.cidr": ("10.0.0.0/16", "10.0.0.0/16", "10.0.0.0/16"),
    "network.az_count": (2, 2, 3),
    "network.nat": ("instance", "single", "per-az"),
    "network.flow_logs": (False, True, True),
    "load_balancer.certificate_arn": (None, None, None),
    "load_balancer.idle_timeout_seconds": (60, 60, 60),
    "load_balancer.deletion_protection": (False, False, True),
    "load_balancer.access_logs": (False, True, True),
    "load_balancer.internal": (False, False, False),
    "app.image": (IMAGE, IMAGE, IMAGE),
    "app.build": (None, None, None),
    "app.port": (8080, 8080, 8080),
    "app.health_check_path": ("/health", "/health", "/health"),
    "app.instance_type": ("t4g.micro", "t4g.small", "t4g.small"),
    "app.min_size": (1, 2, 2),
    "app.max_size": (2, 4, 10),
    "app.desired_capacity": (1, 2, 2),
    "app.cpu_target": (50, 50, 50),
    "app.requests_per_target": (None, None, None),
    "app.env": ({}, {}, {}),
    "redis.engine": ("valkey", "valkey", "valkey"),
    "redis.engine_version": ("8.0", "8.0", "8.0"),
    "redis.node_type": ("cache.t4g.micro", "cache.t4g.small", "cache.t4g.small"),
    "redis.replicas": (0, 1, 2),
    "redis.snapshot_retention_days": (0, 1, 7),
    "redis.maxmemory_policy": ("volatile-lru", "volatile-lru", "volatile-lru"),
    "queue.visibility_timeout_seconds": (60, 60, 60),
    "queue.max_receive_count": (5, 5, 5),
    "queue.retention_days": (4, 4, 4),
    "queue.fifo": (False, False, False),
    "workers.image": (IMAGE, IMAGE, IMAGE),
    "workers.build": (None, None, None),
    "workers.command": (None, None, None),
    "workers.instance_type": ("t4g.micro", "t4g.small", "t4g.small"),
    "workers.min_size": (0, 1, 1),
    "workers.max_size": (1, 4, 10),
    "workers.desired_capacity": (0, 1, 1),
    "workers.backlog_per_instance": (10, 10, 10),
    "workers.job_timeout_seconds": (60, 60, 60),
    "alarms.emails": ([], [], []),
    "alarms.webhooks": ([], [], []),
    "alarms.latency_p99_seconds": (1.0, 1.0, 1.0),
    "alarms.error_rate_percent": (5.0, 5.0, 5.0),
    "alarms.queue_age_seconds": (300, 300, 300),
}
CASES = [
    pytest.param(env, path, values[i], id=f"{env}-{path}")
    for path, values in EXPECTED.items()
    for i, env in enumerate(("dev", "staging", "prod"))
]


@pytest.mark.parametrize(("environment", "path", "expected"), CASES)
def test_every_default_per_environment(load, environment, path, expected):
    settings = load(environment, redis={}, queue={}, workers={})
    section, attribute = path.split(".")
    assert getattr(getattr(settings, section), attribute) == expected


def test_every_model_field_has_an_expected_default():
    models = {"network": NetworkSettings, "load_balancer": LoadBalancerSettings, "app": AppSettings}
    models |= {
        "redis": RedisSettings,
        "queue": QueueSettings,
        "workers": WorkersSettings,
        "alarms": AlarmsSettings,
    }
    for section, model in models.items():
        for name in model.model_fields:
            assert f"{section}.{name}" in EXPECTED, f"{section}.{name} has no pinned default"


def test_absent_sections(load):
    settings = load("dev")
    assert settings.redis is None and settings.queue is None and settings.workers is None
    assert settings.network.az_count == 2 and settings.load_balancer.access_logs is False
    assert settings.alarms.emails == []


def test_region_stack_and_environment(load):
    settings = load("staging", region="eu-west-1")
    assert (settings.environment, settings.region, settings.stack) == ("staging", "eu-west-1", "test")
    assert load("dev").region == "us-east-1"


def test_given_values_override_presets(load):
    settings = load("prod", network={"azCount": 4, "nat": "single"}, app={"image": IMAGE, "minSize": 5})
    assert (settings.network.az_count, settings.network.nat, settings.network.flow_logs) == (
        4,
        "single",
        True,
    )
    assert (settings.app.min_size, settings.app.desired_capacity, settings.app.max_size) == (5, 5, 10)


def test_desired_capacity_given(load):
    assert load("prod", app={"image": IMAGE, "desiredCapacity": 7}).app.desired_capacity == 7


@pytest.mark.parametrize(("engine", "version"), [("valkey", "8.0"), ("redis", "7.1")])
def test_engine_version_default_follows_the_engine(load, engine, version):
    assert load("dev", redis={"engine": engine}).redis.engine_version == version


def test_engine_version_given(load):
    assert load("dev", redis={"engine": "redis", "engineVersion": "6.2"}).redis.engine_version == "6.2"


def test_job_timeout_defaults_to_the_queue_visibility(load):
    settings = load("dev", queue={"visibilityTimeoutSeconds": 900}, workers={})
    assert settings.workers.job_timeout_seconds == 900


def test_workers_run_the_apps_build(load):
    settings = load("dev", app={"build": {"context": "."}}, queue={}, workers={"command": ["worker"]})
    assert settings.workers.image is None
    assert settings.workers.build == settings.app.build
    assert settings.workers.build.dockerfile == "Dockerfile"
    assert settings.workers.command == ["worker"]


@pytest.mark.parametrize(
    ("workers", "image", "build"),
    [
        ({"image": "ghcr.io/acme/worker:2"}, "ghcr.io/acme/worker:2", None),
        ({"build": {"context": "worker", "dockerfile": "Containerfile"}}, None, ("worker", "Containerfile")),
    ],
)
def test_workers_own_image_or_build(load, workers, image, build):
    settings = load("dev", queue={}, workers=workers)
    assert settings.workers.image == image
    got = settings.workers.build and (settings.workers.build.context, settings.workers.build.dockerfile)
    assert got == build


def test_snake_case_names_work_from_python():
    settings = StackSettings.model_validate(
        {"environment": "prod", "app": {"image": IMAGE, "min_size": 3}, "load_balancer": {"internal": True}}
    )
    assert settings.app.min_size == 3 and settings.load_balancer.internal is True
    assert settings.app.max_size == 10  # the prod preset, filled in for python names too


def test_sections_for_an_environment():
    app = AppSettings.for_environment("staging", image=IMAGE, max_size=6)
    assert (app.instance_type, app.min_size, app.desired_capacity, app.max_size) == ("t4g.small", 2, 2, 6)
    assert NetworkSettings.presets("prod") == {"azCount": 3, "nat": "per-az", "flowLogs": True}


def test_dump_by_alias_round_trips(load):
    settings = load("prod", redis={}, queue={}, workers={})
    dumped = settings.model_dump(by_alias=True)
    assert dumped["loadBalancer"]["deletionProtection"] is True
    assert StackSettings.model_validate(dumped) == settings
