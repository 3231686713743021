"""Presets per environment, derived defaults, and which sections exist (DESIGN §3 revision 2)."""

from __future__ import annotations

from typing import Any

import pytest

from tierup.settings import (
    AlarmsSettings,
    DatabaseSettings,
    LoadBalancerSettings,
    NetworkSettings,
    QueueSettings,
    RedisSettings,
    RouteSettings,
    ScheduleSettings,
    ServiceSettings,
    StackSettings,
    WorkerSettings,
)

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"

# Written out from DESIGN §3 (not read from the code), so a changed preset fails here.
EXPECTED: dict[str, tuple[Any, Any, Any]] = {
    "network.cidr": ("10.0.0.0/16", "10.0.0.0/16", "10.0.0.0/16"),
    "network.az_count": (2, 2, 3),
    "network.nat": ("instance", "single", "per-az"),
    "network.flow_logs": (False, True, True),
    "load_balancer.domain": (None, None, None),
    "load_balancer.hosted_zone": (None, None, None),
    "load_balancer.certificate_arn": (None, CERT, CERT),  # staging and prod need one: the test gives it
    "load_balancer.idle_timeout_seconds": (60, 60, 60),
    "load_balancer.deletion_protection": (False, False, True),
    "load_balancer.access_logs": (False, True, True),
    "load_balancer.internal": (False, False, False),
    "load_balancer.waf": (False, False, True),
    "load_balancer.rate_limit_per_5_minutes": (2000, 2000, 2000),
    "services.web.image": (IMAGE, IMAGE, IMAGE),
    "services.web.build": (None, None, None),
    "services.web.command": (None, None, None),
    "services.web.port": (8080, 8080, 8080),
    "services.web.health_check_path": ("/health", "/health", "/health"),
    "services.web.routes": (RouteSettings(paths=["/*"]),) * 3,
    "services.web.priority": (None, None, None),
    "services.web.instance_type": ("t4g.micro", "t4g.small", "t4g.small"),
    "services.web.min_size": (1, 2, 2),
    "services.web.max_size": (2, 4, 10),
    "services.web.desired_capacity": (1, 2, 2),
    "services.web.cpu_target": (50, 50, 50),
    "services.web.requests_per_target": (None, None, None),
    "services.web.env": ({}, {}, {}),
    "services.web.secrets": ({}, {}, {}),
    "services.web.sends_to": (["jobs"], ["jobs"], ["jobs"]),
    "services.web.ami_id": (None, None, None),
    "services.web.startup_seconds": (60, 60, 60),
    "services.web.stop_timeout_seconds": (30, 30, 30),
    "redis.engine": ("valkey", "valkey", "valkey"),
    "redis.engine_version": ("8.0", "8.0", "8.0"),
    "redis.node_type": ("cache.t4g.micro", "cache.t4g.small", "cache.t4g.small"),
    "redis.replicas": (0, 1, 2),
    "redis.snapshot_retention_days": (0, 1, 7),
    "redis.maxmemory_policy": ("volatile-lru", "volatile-lru", "volatile-lru"),
    "database.engine": ("postgres", "postgres", "postgres"),
    "database.engine_version": ("16", "16", "16"),
    "database.instance_class": ("db.t4g.micro", "db.t4g.small", "db.t4g.medium"),
    "database.storage_gb": (20, 20, 20),
    "database.max_storage_gb": (100, 100, 100),
    "database.multi_az": (False, True, True),
    "database.backup_retention_days": (1, 7, 14),
    "database.deletion_protection": (False, True, True),
    "database.performance_insights": (False, False, True),
    "database.read_replicas": (0, 0, 0),
    "database.database_name": ("app", "app", "app"),
    "queues.jobs.visibility_timeout_seconds": (60, 60, 60),
    "queues.jobs.max_receive_count": (5, 5, 5),
    "queues.jobs.retention_days": (4, 4, 4),
    "queues.jobs.fifo": (False, False, False),
    "workers.jobs.queue": ("jobs", "jobs", "jobs"),
    "workers.jobs.image": (IMAGE, IMAGE, IMAGE),
    "workers.jobs.build": (None, None, None),
    "workers.jobs.command": (None, None, None),
    "workers.jobs.instance_type": ("t4g.micro", "t4g.small", "t4g.small"),
    "workers.jobs.min_size": (0, 1, 1),
    "workers.jobs.max_size": (1, 4, 10),
    "workers.jobs.desired_capacity": (0, 1, 1),
    "workers.jobs.backlog_per_instance": (10, 10, 10),
    "workers.jobs.job_timeout_seconds": (60, 60, 60),
    "workers.jobs.env": ({}, {}, {}),
    "workers.jobs.secrets": ({}, {}, {}),
    "workers.jobs.sends_to": (["jobs"], ["jobs"], ["jobs"]),
    "workers.jobs.ami_id": (None, None, None),
    "workers.jobs.startup_seconds": (60, 60, 60),
    "schedules.nightly.schedule": ("rate(1 day)",) * 3,
    "schedules.nightly.timezone": ("UTC", "UTC", "UTC"),
    "schedules.nightly.queue": ("jobs", "jobs", "jobs"),
    "schedules.nightly.message": ({}, {}, {}),
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
EVERY_TIER = {
    "redis": {},
    "database": {},
    "queues": {"jobs": {}},
    "workers": {"jobs": {"queue": "jobs"}},
    "schedules": {"nightly": {"schedule": "rate(1 day)", "queue": "jobs"}},
}


def _get(settings: Any, path: str) -> Any:
    value = settings
    for part in path.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


@pytest.mark.parametrize(("environment", "path", "expected"), CASES)
def test_every_default_per_environment(load, environment, path, expected):
    assert _get(load(environment, **EVERY_TIER), path) == expected


def test_every_model_field_has_an_expected_default():
    models = {
        "network": NetworkSettings,
        "load_balancer": LoadBalancerSettings,
        "services.web": ServiceSettings,
        "redis": RedisSettings,
        "database": DatabaseSettings,
        "queues.jobs": QueueSettings,
        "workers.jobs": WorkerSettings,
        "schedules.nightly": ScheduleSettings,
        "alarms": AlarmsSettings,
    }
    for section, model in models.items():
        for name in model.model_fields:
            assert f"{section}.{name}" in EXPECTED, f"{section}.{name} has no pinned default"


def test_absent_sections(load):
    settings = load("dev")
    assert settings.redis is None and settings.database is None
    assert settings.queues == {} and settings.workers == {} and settings.schedules == {}
    assert settings.services["web"].sends_to == []  # every queue: there are none
    assert settings.network.az_count == 2 and settings.load_balancer.access_logs is False
    assert settings.alarms.emails == []


def test_region_stack_and_environment(load):
    settings = load("dev", region="eu-west-1")
    assert (settings.environment, settings.region, settings.stack) == ("dev", "eu-west-1", "test")
    assert load("dev").region == "us-east-1"


def test_given_values_override_presets(load):
    settings = load(
        "prod", network={"azCount": 4, "nat": "single"}, services={"web": {"image": IMAGE, "minSize": 5}}
    )
    assert (settings.network.az_count, settings.network.nat, settings.network.flow_logs) == (
        4,
        "single",
        True,
    )
    web = settings.services["web"]
    assert (web.min_size, web.desired_capacity, web.max_size) == (5, 5, 10)


def test_each_map_entry_takes_the_presets_alone(load):
    settings = load(
        "prod",
        services={
            "web": {"image": IMAGE, "routes": {"paths": ["/*"]}, "maxSize": 20},
            "api": {"image": IMAGE, "routes": {"hosts": ["api.example.com"]}, "instanceType": "c7g.large"},
        },
    )
    web, api = settings.services["web"], settings.services["api"]
    assert (web.max_size, web.instance_type) == (20, "t4g.small")
    assert (api.max_size, api.instance_type) == (10, "c7g.large")
    assert list(settings.services) == ["web", "api"]  # ordered as written


def test_desired_capacity_given(load):
    assert (
        load("prod", services={"web": {"image": IMAGE, "desiredCapacity": 7}})
        .services["web"]
        .desired_capacity
        == 7
    )


@pytest.mark.parametrize(("engine", "version"), [("valkey", "8.0"), ("redis", "7.1")])
def test_engine_version_default_follows_the_engine(load, engine, version):
    assert load("dev", redis={"engine": engine}).redis.engine_version == version


@pytest.mark.parametrize(("engine", "version"), [("postgres", "16"), ("mysql", "8.0")])
def test_database_engine_version_default_follows_the_engine(load, engine, version):
    assert load("dev", database={"engine": engine}).database.engine_version == version


def test_database_storage_ceiling_derives_from_storage(load):
    assert load("dev", database={"storageGb": 500}).database.max_storage_gb == 2500
    assert load("dev", database={"storageGb": 20000}).database.max_storage_gb == 65536
    assert load("dev", database={"storageGb": 50, "maxStorageGb": 50}).database.max_storage_gb == 50


def test_engine_version_given(load):
    assert load("dev", redis={"engine": "redis", "engineVersion": "6.2"}).redis.engine_version == "6.2"


def test_job_timeout_defaults_to_its_queue_visibility(load):
    settings = load(
        "dev",
        queues={"a": {"visibilityTimeoutSeconds": 900}, "b": {"visibilityTimeoutSeconds": 30}},
        workers={"a": {"queue": "a"}, "b": {"queue": "b"}},
    )
    assert settings.workers["a"].job_timeout_seconds == 900
    assert settings.workers["b"].job_timeout_seconds == 30


def test_workers_run_the_only_services_build(load):
    settings = load(
        "dev",
        services={"web": {"build": {"context": "."}}},
        queues={"jobs": {}},
        workers={"jobs": {"queue": "jobs", "command": ["worker"]}},
    )
    worker = settings.workers["jobs"]
    assert worker.image is None
    assert worker.build == settings.services["web"].build
    assert worker.build.dockerfile == "Dockerfile"
    assert worker.command == ["worker"]


@pytest.mark.parametrize(
    ("worker", "image", "build"),
    [
        ({"image": "ghcr.io/acme/worker:2"}, "ghcr.io/acme/worker:2", None),
        ({"build": {"context": "worker", "dockerfile": "Containerfile"}}, None, ("worker", "Containerfile")),
    ],
)
def test_workers_own_image_or_build(load, worker, image, build):
    settings = load("dev", queues={"jobs": {}}, workers={"jobs": {"queue": "jobs", **worker}})
    pool = settings.workers["jobs"]
    assert pool.image == image
    assert (pool.build and (pool.build.context, pool.build.dockerfile)) == build


def test_sends_to_defaults_to_every_queue_and_can_be_narrowed(load):
    settings = load(
        "dev",
        queues={"emails": {}, "images": {}},
        services={"web": {"image": IMAGE}},
        workers={"images": {"queue": "images", "sendsTo": []}},
    )
    assert settings.services["web"].sends_to == ["emails", "images"]
    assert settings.workers["images"].sends_to == []


def test_snake_case_names_work_from_python():
    settings = StackSettings.model_validate(
        {
            "environment": "prod",
            "services": {"web": {"image": IMAGE, "min_size": 3}},
            "load_balancer": {"internal": True},
        }
    )
    assert settings.services["web"].min_size == 3 and settings.load_balancer.internal is True
    assert settings.services["web"].max_size == 10  # the prod preset, filled in for python names too


def test_sections_for_an_environment():
    service = ServiceSettings.for_environment("staging", image=IMAGE, max_size=6)
    assert (service.instance_type, service.min_size, service.desired_capacity, service.max_size) == (
        "t4g.small",
        2,
        2,
        6,
    )
    assert NetworkSettings.presets("prod") == {"azCount": 3, "nat": "per-az", "flowLogs": True}
    assert LoadBalancerSettings.presets("prod") == {
        "deletionProtection": True,
        "accessLogs": True,
        "waf": True,
    }


def test_dump_by_alias_round_trips(load):
    settings = load("prod", **EVERY_TIER)
    dumped = settings.model_dump(by_alias=True)
    assert dumped["loadBalancer"]["deletionProtection"] is True
    assert dumped["services"]["web"]["routes"] == {"paths": ["/*"], "hosts": []}
    assert StackSettings.model_validate(dumped) == settings
