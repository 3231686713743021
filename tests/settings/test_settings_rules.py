"""Cross-field rules: each refused with a reason, and each edge that must still load."""

from __future__ import annotations

import pytest

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"
PREFIX = "stacks/Pulumi.test.yaml: "
CERT = "arn:aws:acm:{}:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
WEB = {"image": IMAGE, "routes": {"paths": ["/*"]}}


def test_old_single_object_keys_say_what_replaced_them(error, flat_config):
    assert error("dev", app={"image": IMAGE}) == (
        f"{PREFIX}tierup:app: replaced by tierup:services, a map of named services;"
        " move this block under tierup:services.web"
    )
    assert error("dev", queue={}).startswith(
        f"{PREFIX}tierup:queue: replaced by tierup:queues, a map of named queues"
    )
    for single in (
        {"command": ["bundle", "exec", "sidekiq"]},
        {"minSize": 1},
        {"build": {"context": "."}},
        {"env": {"RAILS_ENV": "production"}},
    ):
        assert error("dev", workers=single).startswith(
            f"{PREFIX}tierup:workers: is now a map of named worker pools, each naming its queue"
        )


def test_pools_named_like_fields_are_pools(load, error):
    """A map of pools whose names happen to be field names is not mistaken for revision 1's single object."""
    workers = {"build": {"queue": "build"}, "env": {"queue": "env"}}
    settings = load("dev", queues={"build": {}, "env": {}}, workers=workers)
    assert set(settings.workers) == {"build", "env"}
    assert error("dev", queues={"jobs": {}}, workers={"jobs": None}) == (
        f"{PREFIX}tierup:workers.jobs: must be a mapping of keys to values (got null)"
    )


def test_a_service_needs_exactly_one_of_image_or_build(error):
    assert error("dev", services={"web": {}}) == (
        f"{PREFIX}tierup:services.web: set exactly one of image or build (neither is set)"
    )
    assert error("dev", services={"web": {"image": IMAGE, "build": {"context": "."}}}) == (
        f"{PREFIX}tierup:services.web: set image or build, not both"
    )


def test_workers_take_at_most_one_of_image_or_build(error):
    workers = {"jobs": {"queue": "jobs", "image": IMAGE, "build": {"context": "."}}}
    assert error("dev", queues={"jobs": {}}, workers=workers) == (
        f"{PREFIX}tierup:workers.jobs: set image or build, not both"
    )


def test_workers_need_an_image_when_there_are_several_services(load, error):
    services = {"web": WEB, "api": {"image": IMAGE, "routes": {"paths": ["/api/*"]}}}
    assert error("dev", services=services, queues={"jobs": {}}, workers={"jobs": {"queue": "jobs"}}) == (
        f"{PREFIX}tierup:workers.jobs: set image or build: with several services there is no service image"
        " to default to"
    )
    workers = {"jobs": {"queue": "jobs", "image": "ghcr.io/acme/worker:1"}}
    assert load("dev", services=services, queues={"jobs": {}}, workers=workers).workers["jobs"].image


def _tier(section: str, **sizes: int) -> dict[str, object]:
    if section == "services":
        return {"services": {"web": {"image": IMAGE, **sizes}}}
    return {"queues": {"jobs": {}}, "workers": {"jobs": {"queue": "jobs", **sizes}}}


@pytest.mark.parametrize(("section", "name"), [("services", "web"), ("workers", "jobs")])
@pytest.mark.parametrize(
    ("sizes", "problem"),
    [
        ({"minSize": 3, "maxSize": 2}, "minSize: must be ≤ maxSize (3 > 2)"),
        ({"minSize": 2, "maxSize": 4, "desiredCapacity": 1}, "desiredCapacity: must be ≥ minSize (1 < 2)"),
        ({"minSize": 2, "maxSize": 4, "desiredCapacity": 5}, "desiredCapacity: must be ≤ maxSize (5 > 4)"),
        ({"minSize": 0, "maxSize": 4, "desiredCapacity": 5}, "desiredCapacity: must be ≤ maxSize (5 > 4)"),
    ],
)
def test_min_desired_max(error, section, name, sizes, problem):
    assert error("prod", **_tier(section, **sizes)) == f"{PREFIX}tierup:{section}.{name}.{problem}"


def test_min_max_against_presets(load, error):
    """A maxSize below the environment's minSize preset is refused (prod services: minSize 2)."""
    assert error("prod", **_tier("services", maxSize=1)) == (
        f"{PREFIX}tierup:services.web.minSize: must be ≤ maxSize (2 > 1)"
    )
    assert load("prod", **_tier("workers", maxSize=1)).workers["jobs"].min_size == 1


@pytest.mark.parametrize(("section", "name"), [("services", "web"), ("workers", "jobs")])
def test_min_desired_max_edges_load(load, section, name):
    tier = getattr(load("prod", **_tier(section, minSize=3, maxSize=3, desiredCapacity=3)), section)[name]
    assert (tier.min_size, tier.desired_capacity, tier.max_size) == (3, 3, 3)


# ---- routes and priorities ------------------------------------------------------------------


def test_one_service_routes_everything(load):
    assert load("dev").services["web"].routes.paths == ["/*"]


def test_several_services_each_need_routes(error):
    services = {"web": WEB, "api": {"image": IMAGE}}
    assert error("dev", services=services) == (
        f"{PREFIX}tierup:services.api.routes: required when there are several services: set paths and/or hosts,"
        " e.g. paths: [/api/*]"
    )


def test_routes_need_a_pattern_and_at_most_five(error):
    assert error("dev", services={"web": {"image": IMAGE, "routes": {}}}) == (
        f"{PREFIX}tierup:services.web.routes: needs paths or hosts (or both)"
    )
    routes = {"paths": ["/a", "/b", "/c"], "hosts": ["a.example.com", "b.example.com", "c.example.com"]}
    assert error("dev", services={"web": {"image": IMAGE, "routes": routes}}) == (
        f"{PREFIX}tierup:services.web.routes: has 6 patterns; a listener rule takes at most 5 (paths and hosts"
        " together)"
    )


def test_identical_routes_are_refused(error, load):
    api = {"image": IMAGE, "routes": {"paths": ["/*"], "hosts": ["API.example.com"]}}
    other = {"image": IMAGE, "routes": {"hosts": ["api.example.com"], "paths": ["/*"]}}
    assert error("dev", services={"web": WEB, "api": api, "other": other}) == (
        f"{PREFIX}tierup:services.other.routes: are the same as services.api's; two services can't take the"
        " same requests"
    )
    assert load("dev", services={"web": WEB, "api": api})


def test_priorities_are_unique(error, load):
    api = {"image": IMAGE, "routes": {"paths": ["/api/*"]}, "priority": 10}
    web = {**WEB, "priority": 10}
    assert error("dev", services={"api": api, "web": web}) == (
        f"{PREFIX}tierup:services.web.priority: 10 is also services.api's; priorities are unique on the listener"
    )
    settings = load("dev", services={"api": api, "web": {**WEB, "priority": 11}})
    assert [s.priority for s in settings.services.values()] == [10, 11]


def test_a_service_and_a_worker_pool_cannot_share_a_name(error):
    sections = {"queues": {"web": {}}, "workers": {"web": {"queue": "web"}}}
    assert error("dev", **sections).startswith(
        f"{PREFIX}tierup:workers.web: a service is also named web; a service and a worker pool can't share a name"
    )


# ---- queues, workers, schedules -------------------------------------------------------------


def test_worker_queue_must_exist(error):
    assert error("dev", queues={"emails": {}}, workers={"jobs": {"queue": "jobs"}}) == (
        f"{PREFIX}tierup:workers.jobs.queue: jobs is not a queue in tierup:queues (emails)"
    )
    assert error("dev", workers={"jobs": {"queue": "jobs"}}) == (
        f"{PREFIX}tierup:workers.jobs.queue: jobs is not a queue in tierup:queues (none defined)"
    )


def test_a_queue_has_one_worker_pool(error):
    workers = {"a": {"queue": "jobs"}, "b": {"queue": "jobs"}}
    assert error("dev", queues={"jobs": {}}, workers=workers) == (
        f"{PREFIX}tierup:workers.b.queue: jobs is already consumed by workers.a; a queue has one worker pool"
        " (it scales on the queue's backlog)"
    )


def test_sends_to_names_known_queues(error, load):
    services = {"web": {"image": IMAGE, "sendsTo": ["emails", "nope"]}}
    assert error("dev", queues={"emails": {}}, services=services) == (
        f"{PREFIX}tierup:services.web.sendsTo[1]: nope is not a queue in tierup:queues (emails)"
    )
    services = {"web": {"image": IMAGE, "sendsTo": ["emails", "emails"]}}
    assert error("dev", queues={"emails": {}}, services=services) == (
        f"{PREFIX}tierup:services.web.sendsTo[1]: is listed twice ('emails')"
    )
    workers = {"jobs": {"queue": "jobs", "sendsTo": ["emails"]}}
    assert error("dev", queues={"jobs": {}}, workers=workers).startswith(
        f"{PREFIX}tierup:workers.jobs.sendsTo[0]: emails is not a queue"
    )
    assert load("dev", queues={"a": {}, "b": {}}, services={"web": {"image": IMAGE, "sendsTo": ["b"]}})


def test_schedule_queue_must_exist(error):
    schedules = {"nightly": {"schedule": "rate(1 day)", "queue": "digest"}}
    assert error("dev", queues={"jobs": {}}, schedules=schedules) == (
        f"{PREFIX}tierup:schedules.nightly.queue: digest is not a queue in tierup:queues (jobs)"
    )


def test_job_timeout_within_its_queue_visibility_timeout(load, error):
    queues = {"jobs": {"visibilityTimeoutSeconds": 600}}
    assert load("dev", queues=queues, workers={"jobs": {"queue": "jobs", "jobTimeoutSeconds": 600}})
    assert error("dev", queues=queues, workers={"jobs": {"queue": "jobs", "jobTimeoutSeconds": 601}}) == (
        f"{PREFIX}tierup:workers.jobs.jobTimeoutSeconds: must be ≤ tierup:queues.jobs.visibilityTimeoutSeconds"
        " (601 > 600), or a running job reappears on the queue and runs twice"
    )


def test_long_jobs_are_capped_by_the_drain_hook(load, error):
    queues = {"jobs": {"visibilityTimeoutSeconds": 43200}}
    assert error("dev", queues=queues, workers={"jobs": {"queue": "jobs"}}) == (
        f"{PREFIX}tierup:workers.jobs.jobTimeoutSeconds: must be set: the default,"
        " tierup:queues.jobs.visibilityTimeoutSeconds (43200), is above 7000 (AWS holds a terminating instance at"
        " most 7200 s for its last job)"
    )
    pool = load("dev", queues=queues, workers={"jobs": {"queue": "jobs", "jobTimeoutSeconds": 7000}}).workers[
        "jobs"
    ]
    assert pool.job_timeout_seconds == 7000


def test_a_consumed_queue_needs_a_visibility_timeout(load, error):
    queues = {"jobs": {"visibilityTimeoutSeconds": 0}}
    assert load("dev", queues=queues).queues["jobs"].visibility_timeout_seconds == 0
    assert error("dev", queues=queues, workers={"jobs": {"queue": "jobs"}}) == (
        f"{PREFIX}tierup:queues.jobs.visibilityTimeoutSeconds: must be at least 1 when workers.jobs consumes the"
        " queue (got 0); set it to the longest job's duration"
    )


# ---- load balancer ----------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_staging_and_prod_need_https(load, error, environment):
    assert error(environment, loadBalancer={}) == (
        f"{PREFIX}tierup:loadBalancer: {environment} must serve HTTPS: set domain (tierup creates and validates"
        " the certificate) or certificateArn (bring your own), or internal: true"
    )
    assert load(environment, loadBalancer={"domain": "shop.example.com"}).load_balancer.https
    assert load(environment, loadBalancer={"internal": True}).load_balancer.https is False
    assert load("dev").load_balancer.https is False


def test_domain_and_certificate_are_exclusive(error):
    lb = {"domain": "shop.example.com", "certificateArn": CERT.format("us-east-1")}
    assert error("prod", loadBalancer=lb) == (
        f"{PREFIX}tierup:loadBalancer.domain: set domain (tierup creates the certificate) or certificateArn"
        " (bring your own), not both"
    )


def test_hosted_zone_needs_and_contains_the_domain(load, error):
    assert error("dev", loadBalancer={"hostedZone": "example.com"}) == (
        f"{PREFIX}tierup:loadBalancer.hostedZone: needs domain (the name whose records go in this zone)"
    )
    assert error("dev", loadBalancer={"domain": "shop.example.com", "hostedZone": "other.com"}) == (
        f"{PREFIX}tierup:loadBalancer.hostedZone: shop.example.com is not in the zone other.com"
    )
    for zone in ("example.com", "example.com.", "shop.example.com", "Z0123456789ABCDEFGHIJ"):
        assert load("dev", loadBalancer={"domain": "shop.example.com", "hostedZone": zone})


def test_certificate_in_the_stack_region(load, error):
    assert load("prod", region="eu-west-1", loadBalancer={"certificateArn": CERT.format("eu-west-1")})
    assert error("prod", region="eu-west-1", loadBalancer={"certificateArn": CERT.format("us-east-1")}) == (
        f"{PREFIX}tierup:loadBalancer.certificateArn: is in us-east-1 but the stack deploys to eu-west-1"
        " (aws:region); an ALB needs a certificate from its own region"
    )


# ---- replicas and AZs -------------------------------------------------------------------------


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


def test_database_read_replicas_fit_in_distinct_azs(load, error):
    assert load("dev", database={"readReplicas": 1}).database.read_replicas == 1
    assert error("dev", database={"readReplicas": 2}) == (
        f"{PREFIX}tierup:database.readReplicas: must be ≤ 1: 2 replicas + 1 primary need 3 AZs but"
        " tierup:network.azCount is 2; lower readReplicas or raise azCount"
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


# ---- database -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("database", "problem"),
    [
        (
            {"engineVersion": "8.0"},
            "engineVersion: that is a MySQL version; PostgreSQL versions on RDS start with 13, 14, 15, 16, 17"
            " (got '8.0')",
        ),
        (
            {"engine": "mysql", "engineVersion": "16.4"},
            "engineVersion: that is a PostgreSQL version; MySQL versions on RDS start with 5.7, 8.0, 8.4"
            " (got '16.4')",
        ),
        (
            {"engineVersion": "9.6"},
            "engineVersion: PostgreSQL versions on RDS start with 13, 14, 15, 16, 17 (got '9.6')",
        ),
        ({"storageGb": 200, "maxStorageGb": 100}, "maxStorageGb: must be ≥ storageGb (100 < 200)"),
        (
            {"databaseName": "postgres"},
            "databaseName: 'postgres' is reserved by the engine; choose another name",
        ),
    ],
)
def test_database_rules(error, database, problem):
    assert error("dev", database=database) == f"{PREFIX}tierup:database.{problem}"


@pytest.mark.parametrize(
    "database",
    [
        {"engine": "postgres", "engineVersion": "16.4"},
        {"engine": "postgres", "engineVersion": "17"},
        {"engine": "mysql", "engineVersion": "8.0.39"},
        {"engine": "mysql", "engineVersion": "8.4"},
        {"storageGb": 100, "maxStorageGb": 100},
        {"engine": "postgres", "instanceClass": "db.t4g.micro", "performanceInsights": True},
        {"engine": "mysql", "instanceClass": "db.t4g.medium", "performanceInsights": True},
        {"engine": "mysql", "instanceClass": "db.t4g.micro", "performanceInsights": False},
    ],
)
def test_database_edges_load(load, database):
    assert load("dev", database=database).database


# ---- images with nat none ---------------------------------------------------------------------

NAT_NONE_REASON = (
    "can't be pulled with tierup:network.nat none (private subnets have no internet route);"
    " use an ECR image in us-east-1 or build, or set nat to single or instance"
)


@pytest.mark.parametrize(
    "image",
    ["nginx:1.27", "public.ecr.aws/nginx/nginx:1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1"],
)
def test_nat_none_needs_images_from_regional_ecr(load, error, image):
    assert error("dev", network={"nat": "none"}, services={"web": {"image": image}}) == (
        f"{PREFIX}tierup:services.web.image: {NAT_NONE_REASON}"
    )
    assert (
        load("dev", network={"nat": "single"}, services={"web": {"image": image}}).services["web"].image
        == image
    )
    workers = {"jobs": {"queue": "jobs", "image": image}}
    assert error("dev", network={"nat": "none"}, queues={"jobs": {}}, workers=workers) == (
        f"{PREFIX}tierup:workers.jobs.image: {NAT_NONE_REASON}"
    )


def test_nat_none_with_ecr_fips_or_build_loads(load):
    fips = "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/web:1"
    assert load("dev", network={"nat": "none"}, services={"web": {"image": fips}})
    workers = {"jobs": {"queue": "jobs"}}
    assert (
        load("dev", network={"nat": "none"}, queues={"jobs": {}}, workers=workers).workers["jobs"].image
        == IMAGE
    )
    settings = load(
        "dev",
        network={"nat": "none"},
        services={"web": {"build": {"context": "."}}},
        queues={"jobs": {}},
        workers=workers,
    )
    assert settings.workers["jobs"].build == settings.services["web"].build


def test_queue_age_alarm_below_every_retention(load, error):
    queues = {"fast": {"retentionDays": 14}, "slow": {"retentionDays": 1}}
    assert load("dev", queues=queues, alarms={"queueAgeSeconds": 86399})
    assert error("dev", queues=queues, alarms={"queueAgeSeconds": 86400}) == (
        f"{PREFIX}tierup:alarms.queueAgeSeconds: must be below tierup:queues.slow.retentionDays (86400 ≥ 86400 s),"
        " or messages expire before the alarm fires"
    )
    assert load("dev", alarms={"queueAgeSeconds": 1209600}).alarms.queue_age_seconds == 1209600  # no queue


def test_policies_are_accepted_and_left_to_the_waivers(load):
    settings = load("dev", policies={"alb-https": {"enforcement": "disabled", "reason": "dev"}})
    assert "policies" not in settings.model_dump()


def test_cross_field_rules_are_documented():
    from tierup.settings import CROSS_FIELD_RULES

    text = " ".join(CROSS_FIELD_RULES)
    for needle in (
        "replicas",
        "jobTimeoutSeconds",
        "sendsTo",
        "maxSize",
        "certificateArn",
        "`domain`",
        "internal",
        "`routes`",
        "`priority`",
        "`secrets`",
        "maxStorageGb",
        "none",
    ):
        assert needle in text
