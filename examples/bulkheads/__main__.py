"""Bulkheads by hand: each tier fails alone, wired only with the components' documented methods.

- `web` serves every path (`/*`), `api` serves its own host; the load balancer assigns the rule
  priorities so the host rule is evaluated first.
- `emails` and `images` are each a queue + worker pool: each pool consumes (and scales on) its own
  queue only and gets it as `QUEUE_URL`.
- `web` may send to both queues, `api` to `images` only: each gets `<QUEUE>_QUEUE_URL` and the send
  grant before its instances start (`sends_to`).
- a nightly schedule sends a message to `emails`.
- Redis admits each tier by its own security group; each tier reads the AUTH token through its role.
- one Alarms component watches every tier, one dashboard section each.
"""

import pulumi
from tierup.components import (
    Alarms,
    AlarmsArgs,
    AppTier,
    AppTierArgs,
    LoadBalancer,
    LoadBalancerArgs,
    Network,
    NetworkArgs,
    Queue,
    QueueArgs,
    RedisCache,
    RedisCacheArgs,
    Schedule,
    ScheduleArgs,
    WorkerPool,
    WorkerPoolArgs,
)

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f5e8a3b-1c2d-4e6f-8a9b-0c1d2e3f4a5b"

network = Network("net", NetworkArgs(az_count=3, nat="per-az", flow_logs=True))
lb = LoadBalancer(
    "lb",
    LoadBalancerArgs(
        network=network,
        certificate_arn=CERTIFICATE,
        waf=True,
        access_logs=True,
        deletion_protection=True,
        protect=True,
    ),
)
cache = RedisCache(
    "cache", RedisCacheArgs(network=network, replicas=1, snapshot_retention_days=7, protect=True)
)
redis_env = cache.connection_env()
redis_secret = {"REDIS_AUTH_TOKEN": cache.auth_secret_arn}

emails = Queue("emails", QueueArgs(visibility_timeout_seconds=120, protect=True))
images = Queue("images", QueueArgs(visibility_timeout_seconds=900, max_receive_count=3, protect=True))

web = AppTier(
    "web",
    AppTierArgs(
        network=network,
        load_balancer=lb,
        image=f"{REGISTRY}/shop-web:1.4.2",
        path_patterns=["/*"],
        sends_to=[emails, images],
        env=redis_env,
        secrets=redis_secret,
        requests_per_target=1000,
    ),
)
api = AppTier(
    "api",
    AppTierArgs(
        network=network,
        load_balancer=lb,
        image=f"{REGISTRY}/shop-api:2.0.1",
        host_patterns=["api.shop.example.com"],
        sends_to=[images],
        env=redis_env,
        secrets=redis_secret,
        max_size=6,
    ),
)
mailer = WorkerPool(
    "mailer",
    WorkerPoolArgs(
        network=network,
        queue=emails,
        image=f"{REGISTRY}/shop-mailer:1.0.3",
        min_size=1,
        backlog_per_instance=50,
        env=redis_env,
        secrets=redis_secret,
    ),
)
resizer = WorkerPool(
    "resizer",
    WorkerPoolArgs(
        network=network,
        queue=images,
        image=f"{REGISTRY}/shop-images:3.2.0",
        instance_type="c7g.large",
        min_size=1,
        max_size=12,
        backlog_per_instance=5,
        job_timeout_seconds=840,
        env=redis_env,
        secrets=redis_secret,
    ),
)
for tier in (web, api, mailer, resizer):
    cache.allow_from(tier)

digest = Schedule(
    "nightly-digest",
    ScheduleArgs(queue=emails, schedule="cron(0 3 * * ? *)", message={"job": "nightly-digest"}, protect=True),
)

alarms = Alarms(
    "ops",
    AlarmsArgs(
        emails=["oncall@example.com"],
        app_tiers=[web, api],
        worker_pools=[mailer, resizer],
        caches=[cache],
        schedules=[digest],
    ),
)

pulumi.export("url", lb.url)
pulumi.export("queueUrls", {"emails": emails.url, "images": images.url})
pulumi.export("priorities", {"web": web.priority, "api": api.priority})
