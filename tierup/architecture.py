"""The whole production shape from validated stack settings, in one call.

    from tierup.settings import StackSettings
    import tierup

    arch = tierup.build(StackSettings.from_pulumi_config())
    pulumi.export("url", arch.load_balancer.url)

Wiring, in one screen: the network holds everything; the load balancer fronts the app tier; Redis
admits the app and the workers; the queue feeds the workers; connection details flow into the app
and workers as plain environment variables (``REDIS_HOST``, ``REDIS_PORT``, ``REDIS_TLS``,
``REDIS_AUTH_SECRET_ARN``, ``QUEUE_URL``) — secrets by ARN only, read at boot through the instance
role; alarms watch every tier. Stateful resources (Redis, the queues, the access-log bucket) are
protected in staging and prod.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi

from tierup.aws_facts import architecture
from tierup.components import (
    Alarms,
    AlarmsArgs,
    AppTier,
    AppTierArgs,
    ContainerImage,
    ContainerImageArgs,
    LoadBalancer,
    LoadBalancerArgs,
    Network,
    NetworkArgs,
    Queue,
    QueueArgs,
    RedisCache,
    RedisCacheArgs,
    WorkerPool,
    WorkerPoolArgs,
)
from tierup.settings import BuildSettings, StackSettings


@dataclass
class Architecture:
    """The components :func:`build` created (``None`` for an optional tier the config leaves out)."""

    network: Network
    load_balancer: LoadBalancer
    app: AppTier
    alarms: Alarms
    redis: RedisCache | None = None
    queue: Queue | None = None
    workers: WorkerPool | None = None


def _image(
    name: str, image: str | None, build: BuildSettings | None, instance_type: str
) -> pulumi.Input[str]:
    """The configured image URI, or one built from source and pushed to ECR."""
    if image:
        return image
    assert build is not None  # the settings guarantee one of the two
    context = Path(pulumi.get_root_directory()) / build.context  # relative to the project, as documented
    built = ContainerImage(
        name,
        ContainerImageArgs(
            context=str(context), dockerfile=str(context / build.dockerfile), instance_type=instance_type
        ),
    )
    return built.image_uri


def build(settings: StackSettings, *, name: str | None = None) -> Architecture:
    """Create every tier the settings describe; ``name`` prefixes the components (default: the environment)."""
    prefix = name or settings.environment
    protect = settings.environment in ("staging", "prod")  # stateful tiers survive a stray destroy

    network = Network(
        f"{prefix}-network",
        NetworkArgs(
            cidr=settings.network.cidr,
            az_count=settings.network.az_count,
            nat=settings.network.nat,
            flow_logs=settings.network.flow_logs,
        ),
    )
    load_balancer = LoadBalancer(
        f"{prefix}-lb",
        LoadBalancerArgs(
            network=network,
            certificate_arn=settings.load_balancer.certificate_arn,
            idle_timeout_seconds=settings.load_balancer.idle_timeout_seconds,
            deletion_protection=settings.load_balancer.deletion_protection,
            access_logs=settings.load_balancer.access_logs,
            internal=settings.load_balancer.internal,
            protect=protect,
        ),
    )

    redis = queue = None
    connection_env: dict[str, pulumi.Input[str]] = {}
    secrets: dict[str, pulumi.Input[str]] = {}
    if settings.redis is not None:
        r = settings.redis
        redis = RedisCache(
            f"{prefix}-redis",
            RedisCacheArgs(
                network=network,
                engine=r.engine,
                engine_version=r.engine_version,
                node_type=r.node_type,
                replicas=r.replicas,
                snapshot_retention_days=r.snapshot_retention_days,
                maxmemory_policy=r.maxmemory_policy,
                protect=protect,
            ),
        )
        connection_env.update(redis.connection_env())
        secrets["REDIS_AUTH_TOKEN"] = redis.auth_secret_arn  # read at boot through the instance role
    if settings.queue is not None:
        q = settings.queue
        queue = Queue(
            f"{prefix}-jobs",
            QueueArgs(
                visibility_timeout_seconds=q.visibility_timeout_seconds,
                max_receive_count=q.max_receive_count,
                retention_days=q.retention_days,
                fifo=q.fifo,
                protect=protect,
            ),
        )
        connection_env.update(queue.connection_env())

    a = settings.app
    app_image = _image(f"{prefix}-app-image", a.image, a.build, a.instance_type)
    app = AppTier(
        f"{prefix}-app",
        AppTierArgs(
            network=network,
            load_balancer=load_balancer,
            image=app_image,
            port=a.port,
            health_check_path=a.health_check_path,
            instance_type=a.instance_type,
            min_size=a.min_size,
            max_size=a.max_size,
            desired_capacity=a.desired_capacity,
            cpu_target=a.cpu_target,
            requests_per_target=a.requests_per_target,
            env={**a.env, **connection_env},
            secrets=secrets,
        ),
    )

    workers = None
    if settings.workers is not None and queue is not None:
        w = settings.workers
        # the app's image serves the workers when it is the same source built for the same CPU
        same_image = (
            w.image == a.image
            and w.build == a.build
            and (w.image or architecture(w.instance_type) == architecture(a.instance_type))
        )
        workers = WorkerPool(
            f"{prefix}-workers",
            WorkerPoolArgs(
                network=network,
                queue=queue,
                image=app_image
                if same_image
                else _image(f"{prefix}-workers-image", w.image, w.build, w.instance_type),
                command=w.command,
                instance_type=w.instance_type,
                min_size=w.min_size,
                max_size=w.max_size,
                backlog_per_instance=w.backlog_per_instance,
                job_timeout_seconds=w.job_timeout_seconds,
                env={**a.env, **connection_env},
                secrets=secrets,
            ),
        )

    if redis is not None:
        for tier_name, tier in (("app", app), ("workers", workers)):
            if tier is not None:
                redis.allow_from(tier, name=f"{prefix}-redis-from-{tier_name}")
    if queue is not None:
        queue.grant_send(app, name=f"{prefix}-app-send")

    al = settings.alarms
    alarms = Alarms(
        f"{prefix}-alarms",
        AlarmsArgs(
            emails=list(al.emails),
            webhooks=list(al.webhooks),
            latency_p99_seconds=al.latency_p99_seconds,
            error_rate_percent=al.error_rate_percent,
            queue_age_seconds=al.queue_age_seconds,
            load_balancers=[load_balancer],
            app_tiers=[app],
            worker_pools=[workers] if workers else [],
            caches=[redis] if redis else [],
            queues=[queue] if queue else [],
        ),
    )
    return Architecture(network, load_balancer, app, alarms, redis, queue, workers)
