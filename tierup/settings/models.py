"""The ``tierup:*`` sections as pydantic models (DESIGN §3 revision 2), and the cross-field rules.

Every field documents its default once (:func:`tierup.settings.fields.field`); everything is checked
before any resource is declared, and a problem is raised as a :class:`Problem` with its key path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self

from annotated_types import MaxLen, MinLen
from pydantic import BaseModel, SecretStr, WithJsonSchema, field_validator, model_validator

from tierup.aws_facts import (
    BOOT_ALLOWANCE_SECONDS,
    ENVIRONMENTS,
    Environment,
    MaxmemoryPolicy,
    ecr_registry,
    env_name,
)
from tierup.settings.fields import Model, Problem, Section, field, iter_fields, model_in
from tierup.settings.formats import (
    CERT_ARN_RE,
    ENV_MAX_BYTES,
    ENV_NAME_RE,
    SECRET_VALUES,
    Allowed,
    AmiId,
    CertificateArn,
    DatabaseEngineVersion,
    DatabaseInstanceClass,
    DomainName,
    Email,
    EngineVersion,
    HealthCheckPath,
    HostedZone,
    HostPattern,
    HttpsUrl,
    ImageUri,
    InstanceType,
    Ipv4Cidr,
    NodeType,
    NonEmptyStr,
    PathPattern,
    PulumiSecret,
    Region,
    ScheduleExpression,
    SecretArn,
    TierName,
    Timezone,
    check_secret_arn,
    holds_secret,
    reserved_env,
    secret_looking,
    show,
)

__all__ = [
    "CROSS_FIELD_RULES",
    "DEFAULT_DATABASE_ENGINE_VERSIONS",
    "DEFAULT_ENGINE_VERSIONS",
    "DEFAULT_REGION",
    "AlarmsSettings",
    "BuildSettings",
    "DatabaseSettings",
    "LoadBalancerSettings",
    "NetworkSettings",
    "QueueSettings",
    "RedisSettings",
    "RouteSettings",
    "ScheduleSettings",
    "SecretSource",
    "ServiceSettings",
    "StackSettings",
    "UsageSettings",
    "WorkerSettings",
]

DEFAULT_REGION = "us-east-1"

NatMode = Literal["per-az", "single", "instance", "instance-per-az", "none"]
RedisEngine = Literal["valkey", "redis"]
DatabaseEngine = Literal["postgres", "mysql"]
DEFAULT_ENGINE_VERSIONS: dict[str, str] = {"valkey": "8.0", "redis": "7.1"}
#: RDS engine versions: the default, and the major versions RDS offers (a version must start with one).
DEFAULT_DATABASE_ENGINE_VERSIONS: dict[str, str] = {"postgres": "16", "mysql": "8.0"}
DATABASE_MAJOR_VERSIONS: dict[str, tuple[str, ...]] = {
    "postgres": ("13", "14", "15", "16", "17"),
    "mysql": ("5.7", "8.0", "8.4"),
}
_ENGINE_TITLE = {"postgres": "PostgreSQL", "mysql": "MySQL"}
#: Instance classes on which RDS for MySQL has no Performance Insights (PostgreSQL has it on every class).
_MYSQL_NO_INSIGHTS = frozenset(
    {"db.t2.micro", "db.t2.small", "db.t3.micro", "db.t3.small", "db.t4g.micro", "db.t4g.small"}
)
#: Names the engines reserve, refused as ``databaseName``.
_RESERVED_DATABASE_NAMES = frozenset(
    {
        "postgres",
        "template0",
        "template1",
        "rdsadmin",
        "mysql",
        "sys",
        "information_schema",
        "performance_schema",
    }
)
SECRETS_ADVICE = "move it to secrets.{} (a Secrets Manager or SSM parameter ARN, or a Pulumi secret)"
#: Most listener rule condition values per rule (paths and hosts together), an ALB quota.
ROUTE_VALUES_MAX = 5
SCHEDULE_MESSAGE_MAX = 8192
#: Longest job a worker pool may declare: a terminating worker is held by a lifecycle hook whose heartbeat
#: (at most 7200 s, an AWS limit) covers the job, the container's stop and the last poll (≤ 200 s).
JOB_TIMEOUT_MAX = 7000


def _check_capacity(min_size: int, desired: int, max_size: int) -> None:
    """min ≤ desired ≤ max, blamed on the field the user most likely got wrong."""
    if min_size > max_size:
        raise Problem(f"must be ≤ maxSize ({min_size} > {max_size})", "minSize")
    if desired < min_size:
        raise Problem(f"must be ≥ minSize ({desired} < {min_size})", "desiredCapacity")
    if desired > max_size:
        raise Problem(f"must be ≤ maxSize ({desired} > {max_size})", "desiredCapacity")


def _check_unique(values: list[str], *, fold: bool = True) -> list[str]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        token = value.lower() if fold else value
        if token in seen:
            raise Problem(f"is listed twice ({show(value)})", index)
        seen.add(token)
    return values


# ---------------------------------------------------------------------------------------------
# Building blocks shared by several sections.


class BuildSettings(Model):
    """Build the container image from a Dockerfile (pulumi-docker) and push it to ECR."""

    context: NonEmptyStr = field(
        "Build context directory, relative to the project directory (where Pulumi.yaml is)."
    )
    dockerfile: NonEmptyStr = field("Dockerfile path, relative to the context.", default="Dockerfile")


class SecretSource(BaseModel):
    """Where a secret comes from: a Secrets Manager / SSM parameter ``arn``, or a Pulumi secret config
    ``value`` (tierup stores it in Secrets Manager at build time). Exactly one is set."""

    arn: str | None = None
    value: SecretStr | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.arn is None) == (self.value is None):
            raise ValueError("set exactly one of arn or value")
        return self


def _secret_source(value: Any) -> Any:
    """``secrets`` entries: an ARN string, or a Pulumi secret (never shown)."""
    if isinstance(value, SecretSource):
        return value
    if isinstance(value, PulumiSecret):
        if not isinstance(value.value, str) or not value.value:
            raise Problem("must be a non-empty string secret")
        return SecretSource(value=SecretStr(value.value))
    if isinstance(value, str):
        try:
            return SecretSource(arn=check_secret_arn(value))
        except ValueError as exc:
            raise Problem(str(exc)) from None
    raise Problem(
        "must be a Secrets Manager or SSM parameter ARN, or a Pulumi secret (pulumi config set --secret --path ...)"
    )


EnvName = Annotated[str, Allowed("names like `RAILS_ENV`")]
_ENV_SCHEMA = {"propertyNames": {"pattern": ENV_NAME_RE}}
_SECRETS_SCHEMA = {
    "type": "object",
    "propertyNames": {"pattern": ENV_NAME_RE},
    "additionalProperties": {
        "oneOf": [
            {"type": "string", "pattern": SecretArn.__metadata__[1].json_schema["pattern"]},
            {"type": "object", "required": ["secure"], "properties": {"secure": {"type": "string"}}},
        ]
    },
}


def _check_env(env: Any) -> Any:
    """Plain environment variables: valid names, not tierup's own, no secrets (by name, value or Pulumi secret)."""
    if not isinstance(env, Mapping):
        return env
    for key, value in env.items():
        if isinstance(value, PulumiSecret):
            what = (
                "is a Pulumi secret"
                if value.certain
                else "may be a Pulumi secret (its key is secret and the stack file could not be read to tell"
                " which values are)"
            )
            raise Problem(
                f"{what}, and env is plain text (it lands in user data); move it to secrets"
                f" (secrets.{key}), which tierup stores in Secrets Manager and the tier reads at boot",
                key,
            )
        if not isinstance(key, str) or not re.fullmatch(ENV_NAME_RE, key):
            raise Problem(
                "must be an environment variable name: letters, digits and _, not starting with a digit", key
            )
        if reserved_env(key):
            raise Problem("is set by tierup (the connection contract); remove it from env", key)
        if secret_looking(key):
            raise Problem(
                f"looks like a secret; {SECRETS_ADVICE.format(key)}; plain config is not encrypted", key
            )
        if isinstance(value, str):
            for pattern, what in SECRET_VALUES:
                if pattern.search(value):
                    raise Problem(
                        f"contains {what}; {SECRETS_ADVICE.format(key)}; plain config is not encrypted", key
                    )
            if re.search(r"[\x00\r\n]", value):
                raise Problem(
                    "must not contain NUL or line breaks (it is written into a shell environment file)", key
                )
    size = sum(len(k) + len(v) + 2 for k, v in env.items() if isinstance(k, str) and isinstance(v, str))
    if size > ENV_MAX_BYTES:
        raise Problem(
            f"is too large ({size} bytes > {ENV_MAX_BYTES}): env travels in user data, which AWS limits to 16 KB;"
            " keep large values in SSM parameters"
        )
    return env


class _Tier(Section):
    """What services and worker pools share: image or build, command, env, secrets, sendsTo."""

    image: ImageUri | None = field(
        "Container image to run, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2; a service sets"
        " exactly one of image or build.",
        default=None,
        default_text="none",
    )
    build: BuildSettings | None = field(
        "Build the image from a Dockerfile and push it to ECR, instead of naming an image.",
        default=None,
        default_text="none",
    )
    command: Annotated[list[NonEmptyStr], MinLen(1)] | None = field(
        "Command run instead of the image's CMD, as a list, e.g. [python, worker.py].",
        default=None,
        default_text="the image's CMD",
    )
    env: dict[EnvName, str] = field(
        "Environment variables of the container, plain strings (they are in user data). Names that look like"
        " secrets (PASSWORD, SECRET, TOKEN, API_KEY, ...), tierup's own connection variables and Pulumi secrets"
        " are refused: secrets go under secrets.",
        default={},
        schema=_ENV_SCHEMA,
    )
    secrets: Annotated[dict[EnvName, SecretSource], WithJsonSchema(_SECRETS_SCHEMA)] = field(
        "Secret environment variables: NAME → a Secrets Manager secret or SSM parameter ARN, or a Pulumi secret"
        " (`pulumi config set --secret --path 'tierup:services.web.secrets.NAME' ...`), which tierup stores in"
        " Secrets Manager. Read at boot through the tier's own role; never in user data.",
        default={},
    )
    sends_to: list[TierName] = field(
        "Queues (names in tierup:queues) the tier may send to; it gets <QUEUE>_QUEUE_URL for each.",
        derived="every queue",
    )
    ami_id: AmiId | None = field(
        "AMI of the instances: ami-... pins it (change it to roll the fleet through an instance refresh that"
        " rolls back on failure); resolve:ssm:<parameter> resolves it at each launch (no automatic rollback"
        " then).",
        default=None,
        default_text="the latest Amazon Linux 2023, looked up once and kept",
    )
    startup_seconds: int = field(
        "Seconds the container needs after it starts before it is healthy; health is judged only after"
        f" {BOOT_ALLOWANCE_SECONDS} s of boot plus this (a service's health-check grace period).",
        default=60,
        ge=0,
        le=3600,
    )

    @field_validator("env", mode="before")
    @classmethod
    def _valid_env(cls, env: Any) -> Any:
        return _check_env(env)

    @field_validator("secrets", mode="before")
    @classmethod
    def _valid_secrets(cls, secrets: Any) -> Any:
        if not isinstance(secrets, Mapping):
            return secrets
        out = {}
        for key, value in secrets.items():
            if not isinstance(key, str) or not re.fullmatch(ENV_NAME_RE, key):
                raise Problem(
                    "must be an environment variable name: letters, digits and _, not starting with a digit",
                    key,
                )
            if reserved_env(key):
                raise Problem("is set by tierup (the connection contract); choose another name", key)
            try:
                out[key] = _secret_source(value)
            except Problem as problem:
                raise Problem(problem.reason, key) from None
        return out

    @field_validator("sends_to")
    @classmethod
    def _unique_queues(cls, names: list[str] | None) -> list[str] | None:
        return names if names is None else _check_unique(names, fold=False)

    def _check_tier(self) -> None:
        both = set(self.env) & set(self.secrets)
        if both:
            raise Problem("is set in both env and secrets; keep it in secrets only", "env", sorted(both)[0])
        if self.image is not None and self.build is not None:
            raise Problem("set image or build, not both")
        if self.desired_capacity is None:  # type: ignore[attr-defined]
            self.desired_capacity = self.min_size  # type: ignore[attr-defined]
        _check_capacity(self.min_size, self.desired_capacity, self.max_size)  # type: ignore[attr-defined]


class RouteSettings(Model):
    """Which requests the load balancer sends to a service: path patterns and/or host patterns (both must match)."""

    paths: Annotated[list[PathPattern], MaxLen(ROUTE_VALUES_MAX)] = field(
        "Path patterns, e.g. [/api/*]; * and ? are wildcards.", default=[]
    )
    hosts: Annotated[list[HostPattern], MaxLen(ROUTE_VALUES_MAX)] = field(
        "Host patterns, e.g. [api.shop.example.com, *.shop.example.com].", default=[]
    )

    @field_validator("paths")
    @classmethod
    def _unique_paths(cls, values: list[str]) -> list[str]:
        return _check_unique(values, fold=False)

    @field_validator("hosts")
    @classmethod
    def _unique_hosts(cls, values: list[str]) -> list[str]:
        return _check_unique(values)

    @model_validator(mode="after")
    def _some(self) -> Self:
        if not self.paths and not self.hosts:
            raise Problem("needs paths or hosts (or both)")
        if len(self.paths) + len(self.hosts) > ROUTE_VALUES_MAX:
            raise Problem(
                f"has {len(self.paths) + len(self.hosts)} patterns; a listener rule takes at most"
                f" {ROUTE_VALUES_MAX} (paths and hosts together)"
            )
        return self

    def key(self) -> tuple[frozenset[str], frozenset[str]]:
        """What makes two route sets identical (hosts are case-insensitive)."""
        return frozenset(self.paths), frozenset(h.lower() for h in self.hosts)


class ServiceSettings(_Tier):
    """A web service: an Auto Scaling group running one container behind the ALB, on its own routes."""

    schema_rules: ClassVar[dict[str, Any]] = {"oneOf": [{"required": ["image"]}, {"required": ["build"]}]}

    port: int = field("Port the container listens on; the ALB forwards to it.", default=8080, ge=1, le=65535)
    health_check_path: HealthCheckPath = field(
        "Path the ALB health check requests; it must answer 200.", default="/health"
    )
    routes: RouteSettings = field(
        "Requests this service receives. Required when there are several services.",
        derived='paths ["/*"] when there is one service',
    )
    priority: int | None = field(
        "Listener rule priority (lower wins), unique on the listener.",
        default=None,
        default_text="assigned so that more specific routes win",
        ge=1,
        le=50000,
    )
    instance_type: InstanceType = field(
        "EC2 instance type; Graviton types (t4g, m7g, ...) need an arm64 image.",
        preset=("t4g.micro", "t4g.small", "t4g.small"),
    )
    min_size: int = field("Fewest instances.", preset=(1, 2, 2), ge=0, le=1000)
    max_size: int = field("Most instances autoscaling may run.", preset=(2, 4, 10), ge=1, le=1000)
    desired_capacity: int = field(
        "Instances at the first deploy; later deploys leave the capacity to autoscaling.",
        derived="minSize",
        ge=0,
        le=1000,
    )
    cpu_target: int = field(
        "Average CPU percent that target tracking keeps the service at.", default=50, ge=10, le=90
    )
    requests_per_target: int | None = field(
        "Also scale to keep this many requests per minute per instance (ALBRequestCountPerTarget).",
        default=None,
        default_text="none (scale on CPU only)",
        ge=1,
        le=1_000_000,
    )
    stop_timeout_seconds: int = field(
        "Seconds between SIGTERM and SIGKILL when the container stops; the target group's deregistration"
        " delay is this minus 10, so in-flight requests finish before the container is killed.",
        default=30,
        ge=11,
        le=3600,
    )

    @model_validator(mode="after")
    def _resolve(self) -> Self:
        self._check_tier()
        return self


class QueueSettings(Section):
    """An SQS queue with a dead-letter queue (which keeps messages 14 days)."""

    visibility_timeout_seconds: int = field(
        "Seconds a received message stays hidden from other consumers; at least the longest job.",
        default=60,
        ge=0,
        le=43200,
    )
    max_receive_count: int = field(
        "Receives before a message moves to the dead-letter queue.", default=5, ge=1, le=1000
    )
    retention_days: int = field("Days a message is kept.", default=4, ge=1, le=14)
    fifo: bool = field("A FIFO queue (ordered per message group, exactly-once processing).", default=False)


class WorkerSettings(_Tier):
    """A worker pool consuming one queue: an Auto Scaling group that scales on that queue's backlog only."""

    schema_rules: ClassVar[dict[str, Any]] = {"not": {"required": ["image", "build"]}}

    queue: TierName = field("The queue it consumes (a name in tierup:queues); it gets its URL as QUEUE_URL.")
    image: ImageUri | None = field(
        "Container image of the pool; set neither image nor build to run the service's.",
        default=None,
        default_text="the service's, when there is exactly one service",
    )
    build: BuildSettings | None = field(
        "Build the pool's image from a Dockerfile instead.",
        default=None,
        default_text="the service's, when there is exactly one service",
    )
    instance_type: InstanceType = field(
        "EC2 instance type; Graviton types need an arm64 image.",
        preset=("t4g.micro", "t4g.small", "t4g.small"),
    )
    min_size: int = field(
        "Fewest instances; 0 lets the pool scale in to nothing when the queue is empty.",
        preset=(0, 1, 1),
        ge=0,
        le=1000,
    )
    max_size: int = field("Most instances autoscaling may run.", preset=(1, 4, 10), ge=1, le=1000)
    desired_capacity: int = field(
        "Instances at the first deploy; later deploys leave the capacity to autoscaling.",
        derived="minSize",
        ge=0,
        le=1000,
    )
    backlog_per_instance: int = field(
        "Visible messages per in-service instance that scaling keeps the pool at.",
        default=10,
        ge=1,
        le=100_000,
    )
    job_timeout_seconds: int = field(
        "Longest a job runs; instances being terminated wait this long for in-flight jobs."
        f" At most the queue's visibilityTimeoutSeconds, and {JOB_TIMEOUT_MAX} (AWS holds a terminating"
        " instance at most 7200 s).",
        derived="the queue's visibilityTimeoutSeconds",
        ge=1,
        le=JOB_TIMEOUT_MAX,
    )

    @model_validator(mode="after")
    def _resolve(self) -> Self:
        self._check_tier()
        return self


class ScheduleSettings(Section):
    """An EventBridge Scheduler schedule that sends a message to a queue, with retries and its own DLQ."""

    schedule: ScheduleExpression = field(
        "When: cron(minutes hours day-of-month month day-of-week year) or rate(N minutes|hours|days),"
        " e.g. cron(0 3 * * ? *) for 03:00 every day."
    )
    timezone: Timezone = field("IANA time zone the cron expression is read in.", default="UTC")
    queue: TierName = field("The queue the message is sent to (a name in tierup:queues).")
    message: dict[str, Any] = field(
        "The message body, a JSON object, e.g. {job: nightly-digest}.", default={}, schema={"type": "object"}
    )

    @field_validator("message", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        if holds_secret(value):
            raise Problem("can't hold a Pulumi secret: the message is stored in plain text in the schedule")
        if not isinstance(value, Mapping):
            raise Problem(
                f"must be a JSON object (a mapping), e.g. {{job: nightly-digest}} (got {show(value)})"
            )
        try:
            text = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise Problem("must be JSON: quote dates and other non-JSON values in YAML") from None
        if len(text) > SCHEDULE_MESSAGE_MAX:
            raise Problem(
                f"is {len(text)} characters as JSON; EventBridge Scheduler takes at most {SCHEDULE_MESSAGE_MAX}"
            )
        return value


class NetworkSettings(Section):
    """The VPC: public and private subnets in `azCount` AZs, NAT, flow logs."""

    cidr: Ipv4Cidr = field(
        "IPv4 range of the VPC (/16 to /23); subnets take fixed slots of it per AZ, so raising azCount"
        " never renumbers them.",
        default="10.0.0.0/16",
    )
    az_count: int = field(
        "Availability zones the subnets, and so every tier, span.", preset=(2, 2, 3), ge=2, le=6
    )
    nat: NatMode = field(
        "How private subnets reach the internet: per-az (a NAT gateway per AZ, survives losing an AZ),"
        " single (one NAT gateway), instance (one small NAT instance, cheapest), instance-per-az (a NAT"
        " instance per AZ, each in an Auto Scaling group of one that replaces it when it fails), none (no"
        " internet route: images must come from ECR in the stack's region, reached through VPC endpoints).",
        preset=("instance", "single", "per-az"),
    )
    flow_logs: bool = field("VPC flow logs to CloudWatch Logs.", preset=(False, True, True))


class LoadBalancerSettings(Section):
    """The Application Load Balancer in the public subnets, in front of every service."""

    domain: DomainName | None = field(
        "Serve HTTPS for this name: tierup creates an ACM certificate validated by DNS in the Route 53"
        " hosted zone, and an alias record to the ALB. Exclusive with certificateArn. Staging and prod need"
        " domain or certificateArn unless internal.",
        default=None,
        default_text="none",
    )
    hosted_zone: HostedZone | None = field(
        "Route 53 hosted zone (name or id) of domain.",
        default=None,
        default_text="the longest existing parent zone of domain",
    )
    certificate_arn: CertificateArn | None = field(
        "Bring your own ACM certificate, in the stack's region. Exclusive with domain.",
        default=None,
        default_text="none",
    )
    idle_timeout_seconds: int = field(
        "Seconds a connection may stay idle before the ALB closes it.", default=60, ge=1, le=4000
    )
    deletion_protection: bool = field(
        "Refuse to delete the ALB until this is turned off.", preset=(False, False, True)
    )
    access_logs: bool = field(
        "Access logs to an encrypted, lifecycle-managed S3 bucket.", preset=(False, True, True)
    )
    internal: bool = field(
        "An internal ALB, reachable only inside the VPC, instead of an internet-facing one.", default=False
    )
    waf: bool = field(
        "A WAF web ACL on the ALB: AWS managed common and known-bad-inputs rules and a per-IP rate limit.",
        preset=(False, False, True),
    )
    rate_limit_per_5_minutes: int = field(
        "Requests one IP may make in 5 minutes before the WAF blocks it (with waf).",
        default=2000,
        ge=100,
        le=2_000_000,
    )

    @model_validator(mode="after")
    def _exclusive(self) -> Self:
        if self.domain is not None and self.certificate_arn is not None:
            raise Problem(
                "set domain (tierup creates the certificate) or certificateArn (bring your own), not both",
                "domain",
            )
        if self.hosted_zone is not None and self.domain is None:
            raise Problem("needs domain (the name whose records go in this zone)", "hostedZone")
        zone = (self.hosted_zone or "").rstrip(".")
        if (
            self.domain is not None
            and "." in zone
            and not (self.domain == zone or self.domain.endswith("." + zone))
        ):
            raise Problem(f"{self.domain} is not in the zone {zone}", "hostedZone")
        return self

    @property
    def https(self) -> bool:
        """True when the listener serves HTTPS (a domain or a certificate)."""
        return self.domain is not None or self.certificate_arn is not None


class RedisSettings(Section):
    """An ElastiCache replication group (Valkey or Redis OSS), encrypted, with an AUTH token."""

    engine: RedisEngine = field("valkey (cheaper on ElastiCache) or redis (Redis OSS).", default="valkey")
    engine_version: EngineVersion = field(
        "Engine version; valkey starts at 7.2.", derived="8.0 for valkey, 7.1 for redis"
    )
    node_type: NodeType = field(
        "ElastiCache node type.", preset=("cache.t4g.micro", "cache.t4g.small", "cache.t4g.small")
    )
    replicas: int = field(
        "Replicas besides the primary, each in its own AZ; 1 or more turns on Multi-AZ with automatic failover.",
        preset=(0, 1, 2),
        ge=0,
        le=5,
    )
    snapshot_retention_days: int = field(
        "Days daily snapshots are kept; 0 turns snapshots off.", preset=(0, 1, 7), ge=0, le=35
    )
    maxmemory_policy: MaxmemoryPolicy = field(
        "What the cache evicts when memory is full; job queues (Sidekiq, BullMQ) want noeviction.",
        default="volatile-lru",
    )

    @model_validator(mode="after")
    def _resolve(self) -> Self:
        if self.engine_version is None:
            self.engine_version = DEFAULT_ENGINE_VERSIONS[self.engine]
        major, _, minor = self.engine_version.partition(".")
        if self.engine == "valkey" and (int(major), 0 if minor in ("", "x") else int(minor.split(".")[0])) < (
            7,
            2,
        ):
            raise Problem(
                f"valkey on ElastiCache starts at 7.2 (got {show(self.engine_version)}); use 7.2 or later,"
                " or engine: redis",
                "engineVersion",
            )
        return self


def _storage_headroom_ok(storage_gb: int, ceiling: int) -> bool:
    """RDS storage autoscaling needs a ceiling at least 10% above the storage, or equal to it (off)."""
    return ceiling == storage_gb or ceiling * 10 >= storage_gb * 11


class DatabaseSettings(Section):
    """A managed RDS database (PostgreSQL or MySQL) in the private subnets, encrypted, backed up, Multi-AZ
    per environment, its master password managed by RDS in Secrets Manager.

    Instance classes: db.t4g.micro in dev (cheapest), db.t4g.small in staging, db.t4g.medium in prod
    (4 GiB: room for connections from several services and pools)."""

    engine: DatabaseEngine = field("postgres or mysql.", default="postgres")
    engine_version: DatabaseEngineVersion = field(
        "Engine version: a major (16, 8.0) lets RDS apply minor upgrades; a full version pins it.",
        derived="16 for postgres, 8.0 for mysql",
    )
    instance_class: DatabaseInstanceClass = field(
        "RDS instance class.", preset=("db.t4g.micro", "db.t4g.small", "db.t4g.medium")
    )
    storage_gb: int = field("Allocated gp3 storage in GiB.", default=20, ge=20, le=65536)
    max_storage_gb: int = field(
        "Storage autoscaling ceiling in GiB: at least 10% above storageGb, or equal to it to turn autoscaling off.",
        derived="5 times storageGb, at most 65536 (storageGb when that is under +10%)",
        ge=20,
        le=65536,
    )
    multi_az: bool = field(
        "A synchronous standby in another AZ that takes over on failure.", preset=(False, True, True)
    )
    backup_retention_days: int = field(
        "Days automated backups are kept; 0 turns them off.", preset=(1, 7, 14), ge=0, le=35
    )
    deletion_protection: bool = field(
        "Refuse to delete the database until this is turned off.", preset=(False, True, True)
    )
    performance_insights: bool = field("Performance Insights (7 days free).", preset=(False, False, True))
    read_replicas: int = field(
        "Read replicas, each in its own AZ other than the primary's.", default=0, ge=0, le=5
    )
    database_name: str = field(
        "Name of the database created at launch: a letter, then letters, digits and _.",
        default="app",
        pattern=r"^[A-Za-z][A-Za-z0-9_]{0,62}$",
    )

    @model_validator(mode="after")
    def _resolve(self) -> Self:
        if self.engine_version is None:
            self.engine_version = DEFAULT_DATABASE_ENGINE_VERSIONS[self.engine]
        majors = DATABASE_MAJOR_VERSIONS[self.engine]
        version = self.engine_version
        if not any(version == major or version.startswith(major + ".") for major in majors):
            other = next(
                (
                    e
                    for e, ms in DATABASE_MAJOR_VERSIONS.items()
                    if e != self.engine and any(version == m or version.startswith(m + ".") for m in ms)
                ),
                None,
            )
            hint = f"that is a {_ENGINE_TITLE[other]} version; " if other else ""
            raise Problem(
                f"{hint}{_ENGINE_TITLE[self.engine]} versions on RDS start with {', '.join(majors)} (got {show(version)})",
                "engineVersion",
            )
        if self.max_storage_gb is None:
            ceiling = min(5 * self.storage_gb, 65536)
            self.max_storage_gb = (
                ceiling if _storage_headroom_ok(self.storage_gb, ceiling) else self.storage_gb
            )
        if self.max_storage_gb < self.storage_gb:
            raise Problem(f"must be ≥ storageGb ({self.max_storage_gb} < {self.storage_gb})", "maxStorageGb")
        if not _storage_headroom_ok(self.storage_gb, self.max_storage_gb):
            raise Problem(
                f"must be at least 10% above storageGb ({self.max_storage_gb} < {-(-self.storage_gb * 11 // 10)}),"
                f" or equal to it ({self.storage_gb}) to turn storage autoscaling off",
                "maxStorageGb",
            )
        if self.read_replicas and self.backup_retention_days == 0:
            raise Problem(
                "need automated backups (RDS makes replicas from them); set backupRetentionDays to 1 or more,"
                " or readReplicas to 0",
                "readReplicas",
            )
        if self.engine == "mysql" and self.performance_insights and self.instance_class in _MYSQL_NO_INSIGHTS:
            raise Problem(
                f"RDS for MySQL has no Performance Insights on {self.instance_class}; use db.t4g.medium or larger,"
                " or performanceInsights: false",
                "performanceInsights",
            )
        if self.database_name.lower() in _RESERVED_DATABASE_NAMES:
            raise Problem(
                f"{show(self.database_name)} is reserved by the engine; choose another name", "databaseName"
            )
        if self.engine == "mysql" and len(self.database_name) > 64:
            raise Problem("must be at most 64 characters for mysql", "databaseName")
        return self


class AlarmsSettings(Section):
    """CloudWatch alarms on every named tier, sent to an encrypted SNS topic, and one dashboard."""

    emails: list[Email] = field(
        "Addresses subscribed to the alarm topic (each confirms by email).", default=[]
    )
    webhooks: list[HttpsUrl] = field(
        "HTTPS endpoints subscribed to the alarm topic (PagerDuty, Opsgenie, ...).",
        default=[],
    )
    latency_p99_seconds: float = field(
        "Alarm when a service's p99 target response time exceeds this many seconds.",
        default=1.0,
        gt=0,
        le=4000,
    )
    error_rate_percent: float = field(
        "Alarm when a service's 5xx responses exceed this percentage of requests.", default=5.0, gt=0, le=100
    )
    queue_age_seconds: int = field(
        "Alarm when a queue's oldest message is older than this; below every queue's retention.",
        default=300,
        ge=60,
        le=1209600,
    )

    @field_validator("emails", "webhooks")
    @classmethod
    def _no_duplicates(cls, values: list[str]) -> list[str]:
        return _check_unique(values)


class UsageSettings(Section):
    """Traffic and volumes `tierup cost` assumes; they price the usage-based lines (LCUs, NAT data, SQS, logs)."""

    requests_per_second: float = field(
        "Average requests per second each load balancer serves over the month.",
        default=10,
        ge=0,
        le=1_000_000,
    )
    average_response_kb: float = field(
        "Average KB per request, request and response together: the load balancer's processed bytes.",
        default=50,
        ge=0,
        le=1_000_000,
    )
    requests_per_connection: float = field(
        "Requests each client connection carries (HTTP keep-alive): new connections per second are"
        " requestsPerSecond divided by this.",
        default=10,
        ge=1,
        le=1_000_000,
    )
    nat_gb_per_month: float = field(
        "GB the NAT gateways process per month (image pulls, API calls), shared evenly between them.",
        default=50,
        ge=0,
        le=10_000_000,
    )
    queue_messages_per_month: int = field(
        "Messages sent per month to the work queues (not dead-letter queues), shared evenly between them;"
        " each is sent, received and deleted: 3 requests.",
        default=1_000_000,
        ge=0,
        le=1_000_000_000_000,
    )
    sns_notifications_per_month: int = field(
        "Notifications published per month to each SNS topic, each delivered to every subscription.",
        default=1_000,
        ge=0,
        le=1_000_000_000_000,
    )
    log_gb_per_month: float = field(
        "GB of application logs ingested per month into CloudWatch Logs, shared evenly between the service"
        " and worker log groups.",
        default=5,
        ge=0,
        le=10_000_000,
    )
    flow_log_gb_per_month: float = field(
        "GB of VPC flow logs delivered per month, per flow log.", default=10, ge=0, le=10_000_000
    )
    access_log_gb: float = field(
        "GB of load balancer access logs kept in S3 (steady state under the bucket's lifecycle rule).",
        default=5,
        ge=0,
        le=10_000_000,
    )


# ---------------------------------------------------------------------------------------------
# The whole stack.

CROSS_FIELD_RULES: tuple[str, ...] = (
    "Names of services, queues, worker pools and schedules are lowercase DNS labels (`[a-z][a-z0-9-]*`, at most"
    " 20 characters); a service and a worker pool can't share a name (their log groups and alarms are named after it).",
    "A service sets exactly one of `image` or `build`; a worker pool at most one (neither: the service's, when there"
    " is exactly one service).",
    "`minSize` ≤ `desiredCapacity` ≤ `maxSize` for every service and worker pool.",
    "With several services, each needs `routes`; no two services have the same `priority` or the same routes.",
    "`sendsTo`, a worker pool's `queue` and a schedule's `queue` name queues in `tierup:queues`; a queue has at most"
    " one worker pool (the pool scales on that queue's backlog).",
    "A worker pool's `jobTimeoutSeconds` ≤ its queue's `visibilityTimeoutSeconds`, or a running job reappears on the"
    f" queue and runs twice, and ≤ {JOB_TIMEOUT_MAX} (also when it defaults to the visibility timeout); a consumed"
    " queue's visibility timeout is at least 1.",
    "`env` holds plain strings only: no Pulumi secret (`secure:`), no secret-looking name or value, no variable tierup"
    " sets itself, no NUL or line break, and no name that is also in `secrets`.",
    "`tierup:loadBalancer`: `domain` and `certificateArn` are exclusive; staging and prod need one of them unless"
    " `internal`; `hostedZone` needs `domain` and contains it.",
    "`tierup:loadBalancer.certificateArn` is in the stack's region (`aws:region`): an ALB only uses"
    " certificates from its own region.",
    "With `tierup:network.nat: none` private subnets have no internet route, so every `image` must be an ECR image"
    " in the stack's region (or use `build`, which pushes to ECR); instances reach AWS through VPC endpoints.",
    "`tierup:redis`: `replicas` + 1 ≤ `tierup:network.azCount`, so every node lands in its own AZ;"
    " `engineVersion` is at least 7.2 for `engine: valkey`.",
    "`tierup:database`: `readReplicas` + 1 ≤ `tierup:network.azCount` and need `backupRetentionDays` ≥ 1;"
    " `maxStorageGb` is `storageGb` or at least 10% above it; `engineVersion`"
    " is a version of `engine`; `instanceClass` starts with `db.`; MySQL has no `performanceInsights` on micro and"
    " small burstable classes.",
    "`tierup:alarms.queueAgeSeconds` is below every queue's `retentionDays`, or messages expire before the alarm fires.",
)

_OPTIONAL_TIER = "Built only when present; an empty block (`{}`) builds it with the presets."
_MAP_LIMITS = {"services": (1, 10), "queues": (0, 10), "workers": (0, 10), "schedules": (0, 20)}

#: Old single-object keys and what replaced them.
REPLACED_KEYS: dict[str, str] = {
    "app": "tierup:app: replaced by tierup:services, a map of named services; move this block under tierup:services.web",
    "queue": "tierup:queue: replaced by tierup:queues, a map of named queues; move this block under"
    " tierup:queues.jobs (and set queue: jobs on the worker pool)",
    "workers": "tierup:workers: is now a map of named worker pools, each naming its queue; move this block under"
    " tierup:workers.jobs and add queue: <a name in tierup:queues>",
}


class StackSettings(Model):
    """The validated ``tierup:*`` config of one stack (plus ``aws:region`` and the stack name)."""

    environment: Environment = field("dev, staging or prod: picks the presets and the policy enforcement.")
    region: Region = field("AWS region, from `aws:region`.", default=DEFAULT_REGION)
    stack: str | None = field("Stack name, when known.", default=None, default_text="none")
    network: NetworkSettings = field("Always built.", default_text="the presets")
    load_balancer: LoadBalancerSettings = field("Always built.", default_text="the presets")
    services: dict[TierName, ServiceSettings] = field(
        "Named services (1 to 10), each its own tier behind the load balancer.", min_length=1, max_length=10
    )
    queues: dict[TierName, QueueSettings] = field(
        "Named SQS queues (up to 10).", default={}, default_text="none", max_length=10
    )
    workers: dict[TierName, WorkerSettings] = field(
        "Named worker pools (up to 10), each consuming one queue.",
        default={},
        default_text="none",
        max_length=10,
    )
    schedules: dict[TierName, ScheduleSettings] = field(
        "Named schedules (up to 20), each sending a message to a queue.",
        default={},
        default_text="none",
        max_length=20,
    )
    redis: RedisSettings | None = field(_OPTIONAL_TIER, default=None, default_text="not built")
    database: DatabaseSettings | None = field(_OPTIONAL_TIER, default=None, default_text="not built")
    alarms: AlarmsSettings = field("Always built.", default_text="the presets")
    usage: UsageSettings = field(
        "Read only by `tierup cost`; builds nothing.", default_text="the defaults below"
    )

    ALWAYS_BUILT: ClassVar[tuple[str, ...]] = ("network", "load_balancer", "alarms", "usage")

    @model_validator(mode="before")
    @classmethod
    def _apply_presets(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        filled = dict(data)
        for old, message in REPLACED_KEYS.items():
            if old in filled and (old != "workers" or _single_object(filled[old])):
                raise Problem(message.split(": ", 1)[1], old)
        environment = filled.get("environment")
        if environment not in ENVIRONMENTS:
            return filled
        for spec in iter_fields(cls, recurse=False):
            section = spec.model
            if section is None or not issubclass(section, Section):
                continue
            key = next((k for k in (spec.key, spec.name) if k in filled), None)
            if key is None and spec.name in cls.ALWAYS_BUILT:
                key = spec.key
                filled[key] = {}
            if key is None or not isinstance(filled[key], Mapping):
                continue
            if spec.is_map:
                filled[key] = {
                    name: section.with_presets(entry, environment) if isinstance(entry, Mapping) else entry
                    for name, entry in filled[key].items()
                }
            else:
                filled[key] = section.with_presets(filled[key], environment)
        return filled

    @model_validator(mode="after")
    def _cross_checks(self) -> Self:
        self._check_names()
        self._check_https()
        self._check_certificate_region()
        self._resolve_services()
        self._resolve_workers()
        self._check_sends_to()
        self._check_schedules()
        self._check_images_reachable()
        self._check_replicas()
        self._check_queue_age()
        return self

    def _check_names(self) -> None:
        shared = [name for name in self.workers if name in self.services]
        if shared:
            raise Problem(
                f"a service is also named {shared[0]}; a service and a worker pool can't share a name (their log"
                " groups, alarms and dashboard sections are named after it)",
                "workers",
                shared[0],
            )

    def _check_https(self) -> None:
        lb = self.load_balancer
        if self.environment != "dev" and not lb.https and not lb.internal:
            raise Problem(
                f"{self.environment} must serve HTTPS: set domain (tierup creates and validates the certificate)"
                " or certificateArn (bring your own), or internal: true",
                "loadBalancer",
            )

    def _check_certificate_region(self) -> None:
        match = re.fullmatch(CERT_ARN_RE, self.load_balancer.certificate_arn or "")
        if match and match.group(2) != self.region:
            raise Problem(
                f"is in {match.group(2)} but the stack deploys to {self.region} (aws:region);"
                " an ALB needs a certificate from its own region",
                "loadBalancer",
                "certificateArn",
            )

    def _resolve_services(self) -> None:
        several = len(self.services) > 1
        priorities: dict[int, str] = {}
        routes: dict[tuple[frozenset[str], frozenset[str]], str] = {}
        for name, service in self.services.items():
            if service.image is None and service.build is None:
                raise Problem("set exactly one of image or build (neither is set)", "services", name)
            if service.routes is None:
                if several:
                    raise Problem(
                        "required when there are several services: set paths and/or hosts, e.g. paths: [/api/*]",
                        "services",
                        name,
                        "routes",
                    )
                service.routes = RouteSettings(paths=["/*"])
            if service.priority is not None:
                if service.priority in priorities:
                    raise Problem(
                        f"{service.priority} is also services.{priorities[service.priority]}'s; priorities are unique"
                        " on the listener",
                        "services",
                        name,
                        "priority",
                    )
                priorities[service.priority] = name
            key = service.routes.key()
            if key in routes:
                raise Problem(
                    f"are the same as services.{routes[key]}'s; two services can't take the same requests",
                    "services",
                    name,
                    "routes",
                )
            routes[key] = name

    def _resolve_workers(self) -> None:
        consumers: dict[str, str] = {}
        only = next(iter(self.services.values())) if len(self.services) == 1 else None
        for name, worker in self.workers.items():
            queue = self.queues.get(worker.queue)
            if queue is None:
                raise Problem(_unknown_queue(worker.queue, self.queues), "workers", name, "queue")
            if worker.queue in consumers:
                raise Problem(
                    f"{worker.queue} is already consumed by workers.{consumers[worker.queue]}; a queue has one"
                    " worker pool (it scales on the queue's backlog)",
                    "workers",
                    name,
                    "queue",
                )
            consumers[worker.queue] = name
            if worker.job_timeout_seconds is None:
                if queue.visibility_timeout_seconds < 1:
                    raise Problem(
                        f"must be at least 1 when workers.{name} consumes the queue (got 0);"
                        " set it to the longest job's duration",
                        "queues",
                        worker.queue,
                        "visibilityTimeoutSeconds",
                    )
                worker.job_timeout_seconds = queue.visibility_timeout_seconds
                if worker.job_timeout_seconds > JOB_TIMEOUT_MAX:
                    raise Problem(
                        f"must be set: the default, tierup:queues.{worker.queue}.visibilityTimeoutSeconds"
                        f" ({worker.job_timeout_seconds}), is above {JOB_TIMEOUT_MAX} (AWS holds a terminating"
                        " instance at most 7200 s for its last job)",
                        "workers",
                        name,
                        "jobTimeoutSeconds",
                    )
            if worker.job_timeout_seconds > queue.visibility_timeout_seconds:
                raise Problem(
                    f"must be ≤ tierup:queues.{worker.queue}.visibilityTimeoutSeconds ({worker.job_timeout_seconds}"
                    f" > {queue.visibility_timeout_seconds}), or a running job reappears on the queue and runs twice",
                    "workers",
                    name,
                    "jobTimeoutSeconds",
                )
            if worker.image is None and worker.build is None:
                if only is None:
                    raise Problem(
                        "set image or build: with several services there is no service image to default to",
                        "workers",
                        name,
                    )
                worker.image, worker.build = only.image, only.build

    def _check_sends_to(self) -> None:
        for section, tiers in (("services", self.services), ("workers", self.workers)):
            for name, tier in tiers.items():
                if tier.sends_to is None:
                    tier.sends_to = list(self.queues)
                    continue
                for index, queue in enumerate(tier.sends_to):
                    if queue not in self.queues:
                        raise Problem(_unknown_queue(queue, self.queues), section, name, "sendsTo", index)
                names = [env_name(q) + "_QUEUE_URL" for q in tier.sends_to]
                if len(set(names)) != len(names):
                    raise Problem(
                        "two queues map to the same <QUEUE>_QUEUE_URL variable", section, name, "sendsTo"
                    )

    def _check_schedules(self) -> None:
        for name, schedule in self.schedules.items():
            if schedule.queue not in self.queues:
                raise Problem(_unknown_queue(schedule.queue, self.queues), "schedules", name, "queue")

    def _check_images_reachable(self) -> None:
        if self.network.nat != "none":
            return
        for section, tiers in (("services", self.services), ("workers", self.workers)):
            for name, tier in tiers.items():
                registry = ecr_registry(tier.image) if tier.image is not None else None
                if tier.image is not None and (registry is None or registry[1] != self.region):
                    raise Problem(
                        "can't be pulled with tierup:network.nat none (private subnets have no internet route);"
                        f" use an ECR image in {self.region} or build, or set nat to single or instance",
                        section,
                        name,
                        "image",
                    )

    def _check_replicas(self) -> None:
        azs = self.network.az_count
        for section, count, what in (
            ("redis", self.redis.replicas if self.redis else 0, "replicas"),
            ("database", self.database.read_replicas if self.database else 0, "readReplicas"),
        ):
            if count + 1 > azs:
                raise Problem(
                    f"must be ≤ {azs - 1}: {count} replicas + 1 primary need {count + 1} AZs"
                    f" but tierup:network.azCount is {azs}; lower {what} or raise azCount",
                    section,
                    what,
                )

    def _check_queue_age(self) -> None:
        for name, queue in self.queues.items():
            retention = queue.retention_days * 86400
            if self.alarms.queue_age_seconds >= retention:
                raise Problem(
                    f"must be below tierup:queues.{name}.retentionDays ({self.alarms.queue_age_seconds}"
                    f" ≥ {retention} s), or messages expire before the alarm fires",
                    "alarms",
                    "queueAgeSeconds",
                )

    @classmethod
    def from_pulumi_config(cls) -> StackSettings:
        """The settings of the running Pulumi program (every config key, so unknown ones are caught).

        Secret values are told apart by the stack file's ``secure:`` leaves (``Pulumi.<stack>.yaml`` in the
        project's stackConfigDir); when it can't be read, every value of a key marked secret is secret.
        """
        from tierup.settings.loading import settings_from_pulumi

        return settings_from_pulumi()


def _single_object(value: Any) -> bool:
    """True for revision 1's single worker pool (``{command: [...], minSize: 1}``), not a map of pools: a key
    is one of a pool's fields and holds that field's value rather than a pool (``build: {context: .}``,
    ``env: {RAILS_ENV: x}``, ``minSize: 1``)."""
    if not isinstance(value, Mapping):
        return False
    fields = {spec.key for spec in iter_fields(WorkerSettings, recurse=False)}
    for key, inner in value.items():
        if key not in fields:
            continue
        if not isinstance(inner, Mapping):
            return True
        if (key == "build" and "context" in inner) or (key in ("env", "secrets") and "queue" not in inner):
            return True
    return False


def _unknown_queue(name: str, queues: Mapping[str, Any]) -> str:
    known = ", ".join(queues) if queues else "none defined"
    return f"{name} is not a queue in tierup:queues ({known})"


def section_model(field_name: str) -> type[BaseModel] | None:
    """The model of a ``StackSettings`` field (``"services"`` → ``ServiceSettings``)."""
    return model_in(StackSettings.model_fields[field_name].annotation)
