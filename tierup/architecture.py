"""The whole production shape from validated stack settings, in one call.

    from tierup.settings import StackSettings
    import tierup

    arch = tierup.build(StackSettings.from_pulumi_config())
    pulumi.export("urls", arch.urls())

Wiring, in one screen (each named tier is its own component with its own security group, role, log
group, scaling and alarms — a bulkhead):

- the network holds everything; the load balancer fronts every service, each on its own routes and
  listener-rule priority (given, or assigned so that more specific routes win);
- each queue is its own SQS queue + DLQ; each worker pool consumes exactly one queue (``QUEUE_URL``)
  and scales on that queue's backlog only; each schedule sends its message to one queue;
- a service or pool may send only to its ``sendsTo`` queues (``<QUEUE>_QUEUE_URL`` and the grant,
  given before its instances start);
- Redis admits every service and pool, which get ``REDIS_HOST``/``REDIS_PORT``/``REDIS_TLS`` and
  read ``REDIS_AUTH_TOKEN`` at boot through their own role;
- the database admits every service and pool on its engine port only; they get
  ``DATABASE_HOST``/``PORT``/``NAME``/``USER`` and ``DATABASE_SECRET_ARN``, and read ``DATABASE_PASSWORD``
  (the RDS-managed secret) and ``DATABASE_URL`` (filled in with it) at boot through their own role;
- ``secrets`` are read at boot through the tier's own role: an ARN as given, a Pulumi secret value
  stored first in a Secrets Manager secret of that tier; each role reads exactly its own secrets;
- alarms watch every tier, one section each. Stateful resources (Redis, the database, queues, access
  logs) are protected in staging and prod.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from tierup.aws_facts import architecture
from tierup.components import (
    Alarms,
    AlarmsArgs,
    AppTier,
    AppTierArgs,
    ContainerImage,
    ContainerImageArgs,
    Database,
    DatabaseArgs,
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
from tierup.routing import assign_priorities
from tierup.settings import BuildSettings, SecretSource, StackSettings


@dataclass
class Architecture:
    """The components :func:`build` created, by tier name (``None`` for an optional tier left out)."""

    network: Network
    load_balancer: LoadBalancer
    alarms: Alarms
    services: dict[str, AppTier] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)
    workers: dict[str, WorkerPool] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    redis: RedisCache | None = None
    database: Database | None = None

    def urls(self) -> dict[str, pulumi.Output[str]]:
        """Each service's URL: ``https://<host>`` for a service routed by one literal host, else the ALB's."""
        urls: dict[str, pulumi.Output[str]] = {}
        scheme = "https://" if self.load_balancer.https else "http://"
        for name, service in self.services.items():
            hosts = [h for h in service.route.hosts if "*" not in h and "?" not in h]
            urls[name] = pulumi.Output.from_input(scheme + hosts[0]) if hosts else self.load_balancer.url
        return urls


class _Images:
    """Container images by source: a tier reuses an image built from the same source for the same CPU."""

    def __init__(self) -> None:
        self._built: dict[tuple[str, str, str], pulumi.Output[str]] = {}

    def uri(
        self, tier: str, image: str | None, build: BuildSettings | None, instance_type: str
    ) -> pulumi.Input[str]:
        if image:
            return image
        assert build is not None  # the settings guarantee one of the two
        context = _project_relative(build.context)
        dockerfile = os.path.join(context, build.dockerfile)
        key = (context, dockerfile, architecture(instance_type))
        if key not in self._built:
            built = ContainerImage(
                f"{tier}-image",
                ContainerImageArgs(context=context, dockerfile=dockerfile, instance_type=instance_type),
            )
            self._built[key] = built.image_uri
        return self._built[key]


def _project_relative(path: str) -> str:
    """``path`` (relative to the project, as documented) as the program sees it, without recording
    the absolute folder: a laptop and CI then declare the same build context."""
    absolute = Path(pulumi.get_root_directory()) / path
    return os.path.relpath(absolute, os.getcwd())


def _secret_arns(tier: str, secrets: Mapping[str, SecretSource]) -> dict[str, pulumi.Input[str]]:
    """NAME → ARN of each of a tier's secrets; a Pulumi secret value is stored in Secrets Manager first."""
    arns: dict[str, pulumi.Input[str]] = {}
    for key, source in secrets.items():
        if source.arn is not None:
            arns[key] = source.arn
            continue
        assert source.value is not None  # SecretSource holds exactly one
        label = f"{tier}-{re.sub(r'[^a-z0-9]+', '-', key.lower()).strip('-')}"
        secret = aws.secretsmanager.Secret(
            label,
            description=f"tierup: {key} of {tier}, read at boot by {tier}'s instances",
            tags={"Name": label, "managed-by": "tierup", "tierup:tier": tier},
        )
        aws.secretsmanager.SecretVersion(
            label,
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(source.value.get_secret_value()),
        )
        arns[key] = secret.arn
    return arns


def build(settings: StackSettings, *, name: str | None = None) -> Architecture:
    """Create every tier the settings describe. Shared infrastructure is named ``<name>-network``,
    ``<name>-lb``, ``<name>-redis``, ``<name>-db``, ``<name>-alarms`` (``name`` defaults to the environment).
    Each named tier keeps its own name (``web``, ``emails``, ...), unless ``name`` is given: then it is
    ``<name>-web``, so several architectures can live in one stack::

        eu = tierup.build(settings, name="eu")  # eu-web, eu-emails, eu-lb, ...
        us = tierup.build(settings, name="us")  # us-web, us-emails, us-lb, ...

    Queue connection variables keep the queue's own name (``EMAILS_QUEUE_URL``) either way."""
    prefix = name or settings.environment

    def tier(tier_name: str) -> str:
        """The resource name of a named tier (services, queues, pools, schedules, their images and secrets)."""
        return f"{name}-{tier_name}" if name else tier_name

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
    lb = settings.load_balancer
    load_balancer = LoadBalancer(
        f"{prefix}-lb",
        LoadBalancerArgs(
            network=network,
            domain=lb.domain,
            hosted_zone=lb.hosted_zone,
            certificate_arn=lb.certificate_arn,
            waf=lb.waf,
            rate_limit_per_5_minutes=lb.rate_limit_per_5_minutes,
            idle_timeout_seconds=lb.idle_timeout_seconds,
            deletion_protection=lb.deletion_protection,
            access_logs=lb.access_logs,
            internal=lb.internal,
            protect=protect,
        ),
    )
    redis = _redis(f"{prefix}-redis", settings, network, protect)
    database = _database(f"{prefix}-db", settings, network, protect)
    # what every service and pool is given to reach the shared stateful tiers (secrets: ARNs only)
    shared_env: dict[str, pulumi.Input[str]] = {}
    shared_secrets: dict[str, pulumi.Input[str]] = {}
    if redis is not None:
        shared_env.update(redis.connection_env())
        shared_secrets["REDIS_AUTH_TOKEN"] = redis.auth_secret_arn
    if database is not None:
        shared_env.update(database.connection_env())
        shared_secrets.update(database.connection_secrets())

    queues = {
        qname: Queue(
            tier(qname),
            QueueArgs(
                visibility_timeout_seconds=q.visibility_timeout_seconds,
                max_receive_count=q.max_receive_count,
                retention_days=q.retention_days,
                fifo=q.fifo,
                env_name=qname,
                protect=protect,
            ),
        )
        for qname, q in settings.queues.items()
    }
    images = _Images()
    # given priorities first, then by specificity: a service never takes a number another was given
    priorities = assign_priorities(
        [(n, s.routes.hosts, s.routes.paths, s.priority) for n, s in settings.services.items()]
    )
    services = {
        sname: AppTier(
            tier(sname),
            AppTierArgs(
                network=network,
                load_balancer=load_balancer,
                image=images.uri(tier(sname), s.image, s.build, s.instance_type),
                command=s.command,
                port=s.port,
                health_check_path=s.health_check_path,
                instance_type=s.instance_type,
                min_size=s.min_size,
                max_size=s.max_size,
                desired_capacity=s.desired_capacity,
                cpu_target=s.cpu_target,
                requests_per_target=s.requests_per_target,
                host_patterns=s.routes.hosts or None,
                path_patterns=s.routes.paths or None,
                priority=priorities[sname],
                sends_to=[queues[q] for q in s.sends_to],
                env={**s.env, **shared_env},
                secrets={**_secret_arns(tier(sname), s.secrets), **shared_secrets},
                ami_id=s.ami_id,
                startup_seconds=s.startup_seconds,
                stop_timeout_seconds=s.stop_timeout_seconds,
            ),
        )
        for sname, s in settings.services.items()
    }
    workers = {
        wname: WorkerPool(
            tier(wname),
            WorkerPoolArgs(
                network=network,
                queue=queues[w.queue],
                image=images.uri(tier(wname), w.image, w.build, w.instance_type),
                command=w.command,
                instance_type=w.instance_type,
                min_size=w.min_size,
                max_size=w.max_size,
                backlog_per_instance=w.backlog_per_instance,
                job_timeout_seconds=w.job_timeout_seconds,
                sends_to=[queues[q] for q in w.sends_to],
                env={**w.env, **shared_env},
                secrets={**_secret_arns(tier(wname), w.secrets), **shared_secrets},
                ami_id=w.ami_id,
                startup_seconds=w.startup_seconds,
            ),
        )
        for wname, w in settings.workers.items()
    }
    schedules = {
        sname: Schedule(
            tier(sname),
            ScheduleArgs(
                queue=queues[s.queue],
                schedule=s.schedule,
                timezone=s.timezone,
                message=s.message,
                protect=protect,
            ),
        )
        for sname, s in settings.schedules.items()
    }
    for tier in [*services.values(), *workers.values()]:
        if redis is not None:
            redis.allow_from(tier)
        if database is not None:
            database.allow_from(tier)

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
            app_tiers=list(services.values()),
            worker_pools=list(workers.values()),
            caches=[redis] if redis else [],
            queues=list(queues.values()),
            schedules=list(schedules.values()),
            databases=[database] if database else [],
        ),
    )
    return Architecture(network, load_balancer, alarms, services, queues, workers, schedules, redis, database)


def _redis(name: str, settings: StackSettings, network: Network, protect: bool) -> RedisCache | None:
    if settings.redis is None:
        return None
    r = settings.redis
    return RedisCache(
        name,
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


def _database(name: str, settings: StackSettings, network: Network, protect: bool) -> Database | None:
    if settings.database is None:
        return None
    d = settings.database
    return Database(
        name,
        DatabaseArgs(
            network=network,
            engine=d.engine,
            engine_version=d.engine_version,
            instance_class=d.instance_class,
            storage_gb=d.storage_gb,
            max_storage_gb=d.max_storage_gb,
            multi_az=d.multi_az,
            backup_retention_days=d.backup_retention_days,
            deletion_protection=d.deletion_protection,
            performance_insights=d.performance_insights,
            read_replicas=d.read_replicas,
            database_name=d.database_name,
            protect=protect,
        ),
    )
