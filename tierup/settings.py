"""Validated stack settings: the ``tierup:*`` keys of ``stacks/Pulumi.<stack>.yaml`` (DESIGN §3).

A stack file names its environment (dev, staging or prod); every field the user leaves out takes
that environment's preset. Everything is checked before any resource is declared, and the first
problem becomes one line: ``stacks/Pulumi.prod.yaml: tierup:app.minSize: must be ≤ maxSize (3 > 2)``.

The JSON Schema (``tierup schema``) and ``docs/configuration.md`` are generated from these models;
regenerate the doc with ``python -m tierup.settings > docs/configuration.md``.

Importing this module must stay cheap: Pulumi is imported only by ``StackSettings.from_pulumi_config``.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
import sys
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Self
from urllib.parse import urlsplit

from annotated_types import Ge, Gt, Le, Lt, MinLen
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo
from pydantic.json_schema import models_json_schema
from pydantic_core import PydanticUndefined

from tierup.aws_facts import ECR_REGISTRY, ENV_NAME, ENVIRONMENTS, Environment, MaxmemoryPolicy
from tierup.errors import TierupError

__all__ = [
    "ENVIRONMENTS",
    "AlarmsSettings",
    "AppSettings",
    "BuildSettings",
    "LoadBalancerSettings",
    "NetworkSettings",
    "QueueSettings",
    "RedisSettings",
    "SettingsError",
    "StackSettings",
    "UsageSettings",
    "WorkersSettings",
    "environment_of",
    "json_schema",
    "load_settings",
    "load_usage",
    "render_reference_markdown",
]

DEFAULT_REGION = "us-east-1"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

NatMode = Literal["per-az", "single", "instance", "none"]
RedisEngine = Literal["valkey", "redis"]
DEFAULT_ENGINE_VERSIONS: dict[str, str] = {"valkey": "8.0", "redis": "7.1"}


class SettingsError(TierupError):
    """An invalid stack config; renders as ``<file>: <key>: <reason>``."""


class _Problem(ValueError):
    """A validation failure at ``path`` (camelCase keys / list indexes) below where it is raised."""

    def __init__(self, reason: str, *path: str | int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path


@dataclass(frozen=True)
class _Allowed:
    """How the generated reference describes a string format (kept in ``Annotated`` metadata)."""

    text: str


def _show(value: Any) -> str:
    """A value as the user wrote it in YAML: strings quoted, booleans lowercase, long values cut."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, Mapping | list):
        text = json.dumps(value, default=str)
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _plain(value: Any) -> str:
    """A default as documentation shows it (strings unquoted)."""
    return value if isinstance(value, str) else _show(value)


# ---------------------------------------------------------------------------------------------
# String formats. Each check raises ValueError with the reason users see; the same regex goes
# into the JSON Schema so editors flag the value too.

_SIZE = r"(?:nano|micro|small|medium|large|xlarge|[1-9][0-9]*xlarge|metal(?:-[1-9][0-9]*xl)?)"
_INSTANCE_TYPE_RE = rf"^[a-z][a-z0-9-]*\.{_SIZE}$"
_NODE_TYPE_RE = rf"^cache\.[a-z][a-z0-9-]*\.{_SIZE}$"
_CIDR_RE = r"^([0-9]{1,3}\.){3}[0-9]{1,3}/(1[6-9]|2[0-4])$"
_REGION_RE = r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$"
_CERT_ARN_RE = r"^arn:aws(-[a-z]+)*:acm:([a-z]{2}(-[a-z]+)+-[0-9]{1,2}):[0-9]{12}:certificate/[A-Za-z0-9-]+$"
_ENGINE_VERSION_RE = r"^[0-9]+\.([0-9]+|x)(\.[0-9]+)?$"
_ENV_NAME_RE = ENV_NAME.pattern
_EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_HTTPS_URL_RE = r"^https://[^\s/?#@]+[^\s]*$"
_HEALTH_PATH_RE = r"^/[^\s]*$"
# Docker reference grammar (distribution/reference), ASCII only.
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE_RE = (
    rf"^(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?/)?{_PATH_PART}(?:/{_PATH_PART})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)
_ECR_IMAGE_RE = ECR_REGISTRY.pattern.rstrip("$") + "/"


def _check_cidr(value: str) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        raise ValueError(f"must be an IPv4 network like 10.0.0.0/16 (got {_show(value)})") from None
    if "/" not in value:
        raise ValueError(f"needs a prefix length /16 to /24, like {value}/16")
    if not 16 <= network.prefixlen <= 24:
        raise ValueError(f"prefix must be between /16 and /24 (got /{network.prefixlen})")
    if str(network) != value:
        raise ValueError(f"has host bits set; did you mean {network}? (got {_show(value)})")
    return value


def _check_instance_type(value: str) -> str:
    if re.fullmatch(_INSTANCE_TYPE_RE, value):
        return value
    hint = "; that is an ElastiCache node type" if value.startswith("cache.") else ""
    raise ValueError(
        f"must be an EC2 instance type family.size, like t4g.small or m7g.2xlarge (got {_show(value)}){hint}"
    )


def _check_node_type(value: str) -> str:
    if re.fullmatch(_NODE_TYPE_RE, value):
        return value
    raise ValueError(
        f"must be an ElastiCache node type starting with 'cache.', like cache.t4g.small (got {_show(value)})"
    )


def _check_region(value: str) -> str:
    if re.fullmatch(_REGION_RE, value):
        return value
    raise ValueError(f"must be an AWS region like us-east-1 (got {_show(value)})")


def _check_certificate_arn(value: str) -> str:
    if re.fullmatch(_CERT_ARN_RE, value):
        return value
    raise ValueError(
        "must be an ACM certificate ARN like arn:aws:acm:us-east-1:123456789012:certificate/<id>"
        f" (got {_show(value)})"
    )


def _check_image(value: str) -> str:
    if re.fullmatch(_IMAGE_RE, value):
        return value
    raise ValueError(
        "must be a container image like 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"
        f" or ghcr.io/acme/web@sha256:<digest> (got {_show(value)})"
    )


def _check_engine_version(value: str) -> str:
    if re.fullmatch(_ENGINE_VERSION_RE, value):
        return value
    raise ValueError(f"must be a version like 8.0 or 7.1 (got {_show(value)})")


def _check_health_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f"must start with '/' (got {_show(value)})")
    if re.search(r"\s", value):
        raise ValueError(f"must not contain spaces (got {_show(value)})")
    if len(value) > 1024:
        raise ValueError(f"must be at most 1024 characters (got {len(value)})")
    return value


def _check_email(value: str) -> str:
    if re.fullmatch(_EMAIL_RE, value):
        return value
    raise ValueError(f"must be an email address (got {_show(value)})")


def _check_https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or re.search(r"\s", value):
        raise ValueError(f"must be an https:// URL (got {_show(value)})")
    return value


def _string(check: Any, pattern: str, allowed: str, **schema: Any) -> Any:
    """A string type checked by ``check``, with ``pattern`` in its JSON Schema."""
    return Annotated[
        str,
        AfterValidator(check),
        WithJsonSchema({"type": "string", "pattern": pattern, **schema}),
        _Allowed(allowed),
    ]


Ipv4Cidr = _string(_check_cidr, _CIDR_RE, "IPv4 CIDR, /16 to /24")
InstanceType = _string(_check_instance_type, _INSTANCE_TYPE_RE, "EC2 `family.size`, e.g. `t4g.small`")
NodeType = _string(_check_node_type, _NODE_TYPE_RE, "`cache.` + family.size, e.g. `cache.t4g.small`")
Region = _string(_check_region, _REGION_RE, "AWS region, e.g. `eu-west-1`")
CertificateArn = _string(_check_certificate_arn, _CERT_ARN_RE, "ACM certificate ARN in the stack's region")
ImageUri = _string(_check_image, _IMAGE_RE, "container image `[registry/]repo[:tag][@digest]`")
EngineVersion = _string(_check_engine_version, _ENGINE_VERSION_RE, "`major.minor`, e.g. `8.0`")
HealthCheckPath = _string(_check_health_path, _HEALTH_PATH_RE, "starts with `/`", maxLength=1024)
Email = _string(_check_email, _EMAIL_RE, "email address", format="email")
HttpsUrl = _string(_check_https_url, _HTTPS_URL_RE, "`https://` URL", format="uri")
NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]


# ---------------------------------------------------------------------------------------------
# Fields: every default is written into the description, and presets live beside the field.

_DEFAULT_KEY = "x-tierup-default"  # presets dict or a derivation text; stripped from the JSON Schema
_DERIVED_KEY = "x-tierup-derived"  # the model default is None and a validator fills the value in


def _default_phrase(default: Any, meta: Any) -> str:
    """The sentence appended to a description: ``Required.`` or ``Default: ...``."""
    if isinstance(meta, dict):
        values = [meta[env] for env in ENVIRONMENTS]
        if len(set(map(_plain, values))) == 1:
            return f"Default: {_plain(values[0])}."
        return "Default: " + ", ".join(f"{env} {_plain(meta[env])}" for env in ENVIRONMENTS) + "."
    if isinstance(meta, str):
        return f"Default: {meta}."
    if default is PydanticUndefined:
        return "Required."
    return f"Default: {_plain(default)}."


def _field(
    description: str,
    *,
    default: Any = PydanticUndefined,
    preset: tuple[Any, Any, Any] | None = None,
    derived: str | None = None,
    default_text: str | None = None,
    schema: dict[str, Any] | None = None,
    **constraints: Any,
) -> Any:
    """A documented field: a static ``default``, a per-environment ``preset`` (dev, staging, prod),
    a ``derived`` default filled in by a validator, or none (required)."""
    extra: dict[str, Any] = dict(schema or {})
    meta: Any = None
    if preset is not None:
        meta = dict(zip(ENVIRONMENTS, preset, strict=True))
    elif derived is not None:
        meta, default = derived, None
        extra[_DERIVED_KEY] = True
    elif default_text is not None:
        meta = default_text
    if meta is not None:
        extra[_DEFAULT_KEY] = meta
    text = f"{description} {_default_phrase(default, meta)}"
    return Field(default, description=text, json_schema_extra=extra or None, **constraints)


def _finish_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Per-model JSON Schema clean-up: preset and derived fields are optional, no pydantic titles."""
    required = schema.get("required", [])
    for name, info in model.model_fields.items():
        prop = schema.get("properties", {}).get(info.alias or name)
        if prop is None:
            continue
        prop.pop("title", None)
        meta = prop.pop(_DEFAULT_KEY, None)
        if prop.pop(_DERIVED_KEY, False):
            prop.pop("default", None)
        if isinstance(meta, dict) and (info.alias or name) in required:
            required.remove(info.alias or name)
    if "required" in schema and not required:
        del schema["required"]
    schema.update(getattr(model, "schema_rules", {}))


class _Model(BaseModel):
    schema_rules: ClassVar[dict[str, Any]] = {}  # cross-field rules JSON Schema can express

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        json_schema_extra=_finish_schema,
    )


def _extra(info: FieldInfo) -> dict[str, Any]:
    return info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}


class _Section(_Model):
    """A ``tierup:<section>`` value whose unset fields take the environment's presets."""

    @classmethod
    def presets(cls, environment: str) -> dict[str, Any]:
        """The preset values (by camelCase key) of ``environment``."""
        out = {}
        for name, info in cls.model_fields.items():
            meta = _extra(info).get(_DEFAULT_KEY)
            if isinstance(meta, dict):
                out[info.alias or name] = meta[environment]
        return out

    @classmethod
    def with_presets(cls, data: Mapping[str, Any], environment: str) -> dict[str, Any]:
        """``data`` with every preset field it leaves out (under either name) filled in."""
        filled = dict(data)
        for name, info in cls.model_fields.items():
            alias = info.alias or name
            meta = _extra(info).get(_DEFAULT_KEY)
            if isinstance(meta, dict) and alias not in filled and name not in filled:
                filled[alias] = meta[environment]
        return filled

    @classmethod
    def for_environment(cls, environment: str, /, **values: Any) -> Self:
        """Build the section with ``environment``'s presets, e.g. ``AppSettings.for_environment("prod", image=...)``."""
        return cls.model_validate(cls.with_presets(values, environment))


# ---------------------------------------------------------------------------------------------
# Secrets never go in plain config.

_SECRET_WORD = re.compile(
    r"^[A-Z0-9]*(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|APIKEY|PRIVATEKEY)S?$"
)
_SECRET_PAIRS = {
    "API_KEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "SECRET_KEY",
    "AUTH_KEY",
    "SIGNING_KEY",
    "ENCRYPTION_KEY",
}
_REFERENCE_SUFFIXES = {
    "ARN", "NAME", "PARAM", "PARAMETER", "PATH", "FILE", "ID", "URL", "URI", "ENDPOINT",
    "TTL", "TIMEOUT", "EXPIRY", "EXPIRES", "LENGTH", "HEADER", "REGION",
}  # fmt: skip
_SECRET_VALUES = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@\s]*:[^/@\s]+@"), "a password in a URL"),
)
_SECRETS_ADVICE = "keep it in Secrets Manager or SSM Parameter Store (SecureString) and pass its ARN instead"


def _secret_looking(key: str) -> bool:
    """True for names like DB_PASSWORD, STRIPE_API_KEY, GITHUB_TOKEN; not for DB_PASSWORD_SECRET_ARN."""
    words = key.upper().split("_")
    hits = [i for i, word in enumerate(words) if _SECRET_WORD.match(word)]
    hits += [i + 1 for i in range(len(words) - 1) if f"{words[i]}_{words[i + 1]}" in _SECRET_PAIRS]
    if not hits:
        return False
    return not (words[-1] in _REFERENCE_SUFFIXES and max(hits) < len(words) - 1)


def _check_env(env: dict[str, str]) -> dict[str, str]:
    for key, value in env.items():
        if not re.fullmatch(_ENV_NAME_RE, key):
            raise _Problem(
                "must be an environment variable name: letters, digits and _, not starting with a digit", key
            )
        if _secret_looking(key):
            raise _Problem(
                f"looks like a secret; {_SECRETS_ADVICE} (e.g. {key.upper()}_SECRET_ARN); plain config is not encrypted",
                key,
            )
        for pattern, what in _SECRET_VALUES:
            if pattern.search(value):
                raise _Problem(f"contains {what}; {_SECRETS_ADVICE}; plain config is not encrypted", key)
    return env


def _check_unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value.lower() in seen:
            raise _Problem(f"is listed twice ({_show(value)})", index)
        seen.add(value.lower())
    return values


def _check_capacity(min_size: int, desired: int, max_size: int) -> None:
    """min ≤ desired ≤ max, blamed on the field the user most likely got wrong."""
    if min_size > max_size:
        raise _Problem(f"must be ≤ maxSize ({min_size} > {max_size})", "minSize")
    if desired < min_size:
        raise _Problem(f"must be ≥ minSize ({desired} < {min_size})", "desiredCapacity")
    if desired > max_size:
        raise _Problem(f"must be ≤ maxSize ({desired} > {max_size})", "desiredCapacity")


# ---------------------------------------------------------------------------------------------
# The sections, in the order of DESIGN §3.


class BuildSettings(_Model):
    """Build the container image from a Dockerfile (pulumi-docker) and push it to ECR."""

    context: NonEmptyStr = _field(
        "Build context directory, relative to the project directory (where Pulumi.yaml is)."
    )
    dockerfile: NonEmptyStr = _field("Dockerfile path, relative to the context.", default="Dockerfile")


class NetworkSettings(_Section):
    """The VPC: public and private subnets in `azCount` AZs, NAT, flow logs."""

    cidr: Ipv4Cidr = _field(
        "IPv4 range of the VPC (/16 to /24); subnets take fixed slots of it per AZ, so raising azCount"
        " never renumbers them.",
        default="10.0.0.0/16",
    )
    az_count: int = _field(
        "Availability zones the subnets, and so every tier, span.", preset=(2, 2, 3), ge=2, le=6
    )
    nat: NatMode = _field(
        "How private subnets reach the internet: per-az (a NAT gateway per AZ, survives losing an AZ),"
        " single (one NAT gateway), instance (one small NAT instance, cheapest), none (no internet route:"
        " images must come from ECR in the stack's region, reached through VPC endpoints).",
        preset=("instance", "single", "per-az"),
    )
    flow_logs: bool = _field("VPC flow logs to CloudWatch Logs.", preset=(False, True, True))


class LoadBalancerSettings(_Section):
    """The Application Load Balancer in the public subnets, in front of the app tier."""

    certificate_arn: CertificateArn | None = _field(
        "ACM certificate, in the stack's region: the ALB then serves HTTPS on 443 and redirects 80 to it.",
        default=None,
        default_text="none (plain HTTP on 80)",
    )
    idle_timeout_seconds: int = _field(
        "Seconds a connection may stay idle before the ALB closes it.", default=60, ge=1, le=4000
    )
    deletion_protection: bool = _field(
        "Refuse to delete the ALB until this is turned off.", preset=(False, False, True)
    )
    access_logs: bool = _field(
        "Access logs to an encrypted, lifecycle-managed S3 bucket.", preset=(False, True, True)
    )
    internal: bool = _field(
        "An internal ALB, reachable only inside the VPC, instead of an internet-facing one.", default=False
    )


class AppSettings(_Section):
    """The web tier: an Auto Scaling group of instances running one container behind the ALB."""

    schema_rules: ClassVar[dict[str, Any]] = {"oneOf": [{"required": ["image"]}, {"required": ["build"]}]}

    image: ImageUri | None = _field(
        "Container image to run, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2."
        " Set exactly one of image or build.",
        default=None,
        default_text="none",
    )
    build: BuildSettings | None = _field(
        "Build the image from a Dockerfile and push it to ECR, instead of naming an image.",
        default=None,
        default_text="none",
    )
    port: int = _field("Port the container listens on; the ALB forwards to it.", default=8080, ge=1, le=65535)
    health_check_path: HealthCheckPath = _field(
        "Path the ALB health check requests; it must answer 200.", default="/health"
    )
    instance_type: InstanceType = _field(
        "EC2 instance type; Graviton types (t4g, m7g, ...) need an arm64 image.",
        preset=("t4g.micro", "t4g.small", "t4g.small"),
    )
    min_size: int = _field("Fewest instances.", preset=(1, 2, 2), ge=0, le=1000)
    max_size: int = _field("Most instances autoscaling may run.", preset=(2, 4, 10), ge=1, le=1000)
    desired_capacity: int = _field(
        "Instances at the first deploy; later deploys leave the capacity to autoscaling.",
        derived="minSize",
        ge=0,
        le=1000,
    )
    cpu_target: int = _field(
        "Average CPU percent that target tracking keeps the tier at.", default=50, ge=10, le=90
    )
    requests_per_target: int | None = _field(
        "Also scale to keep this many requests per minute per instance (ALBRequestCountPerTarget).",
        default=None,
        default_text="none (scale on CPU only)",
        gt=0,
    )
    env: dict[Annotated[str, _Allowed("names like `RAILS_ENV`; string values")], str] = _field(
        "Environment variables of the container (plain strings). Names that look like secrets"
        " (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ...) are refused: keep secrets in Secrets Manager"
        " or SSM and pass their ARN.",
        default={},
        schema={"propertyNames": {"pattern": _ENV_NAME_RE}},
    )

    @field_validator("env")
    @classmethod
    def _valid_env(cls, env: dict[str, str]) -> dict[str, str]:
        return _check_env(env)

    @model_validator(mode="after")
    def _resolve(self) -> Self:
        if (self.image is None) == (self.build is None):
            state = "neither is set" if self.image is None else "both are set"
            raise _Problem(f"set exactly one of image or build ({state})")
        if self.desired_capacity is None:
            self.desired_capacity = self.min_size
        _check_capacity(self.min_size, self.desired_capacity, self.max_size)
        return self


class RedisSettings(_Section):
    """An ElastiCache replication group (Valkey or Redis OSS), encrypted, with an AUTH token."""

    engine: RedisEngine = _field("valkey (cheaper on ElastiCache) or redis (Redis OSS).", default="valkey")
    engine_version: EngineVersion = _field(
        "Engine version; valkey starts at 7.2.", derived="8.0 for valkey, 7.1 for redis"
    )
    node_type: NodeType = _field(
        "ElastiCache node type.", preset=("cache.t4g.micro", "cache.t4g.small", "cache.t4g.small")
    )
    replicas: int = _field(
        "Replicas besides the primary, each in its own AZ; 1 or more turns on Multi-AZ with automatic failover.",
        preset=(0, 1, 2),
        ge=0,
        le=5,
    )
    snapshot_retention_days: int = _field(
        "Days daily snapshots are kept; 0 turns snapshots off.", preset=(0, 1, 7), ge=0, le=35
    )
    maxmemory_policy: MaxmemoryPolicy = _field(
        "What the cache evicts when memory is full; job queues (Sidekiq, BullMQ) want noeviction.",
        default="volatile-lru",
    )

    @model_validator(mode="after")
    def _resolve(self) -> Self:
        if self.engine_version is None:
            self.engine_version = DEFAULT_ENGINE_VERSIONS[self.engine]
        major, minor = self.engine_version.split(".")[:2]
        if self.engine == "valkey" and (int(major), 0 if minor == "x" else int(minor)) < (7, 2):
            raise _Problem(
                f"valkey on ElastiCache starts at 7.2 (got {_show(self.engine_version)}); use 7.2 or later,"
                " or engine: redis",
                "engineVersion",
            )
        return self


class QueueSettings(_Section):
    """An SQS queue with a dead-letter queue (which keeps messages 14 days)."""

    visibility_timeout_seconds: int = _field(
        "Seconds a received message stays hidden from other consumers; at least the longest job.",
        default=60,
        ge=0,
        le=43200,
    )
    max_receive_count: int = _field(
        "Receives before a message moves to the dead-letter queue.", default=5, ge=1, le=1000
    )
    retention_days: int = _field("Days a message is kept.", default=4, ge=1, le=14)
    fifo: bool = _field("A FIFO queue (ordered per message group, exactly-once processing).", default=False)


class WorkersSettings(_Section):
    """A worker pool consuming `tierup:queue`: an Auto Scaling group that scales on backlog per instance."""

    schema_rules: ClassVar[dict[str, Any]] = {"not": {"required": ["image", "build"]}}

    image: ImageUri | None = _field(
        "Container image of the workers; set neither image nor build to run the app's.",
        default=None,
        default_text="the app's image",
    )
    build: BuildSettings | None = _field(
        "Build the workers' image from a Dockerfile instead.",
        default=None,
        default_text="the app's build",
    )
    command: Annotated[list[NonEmptyStr], MinLen(1)] | None = _field(
        "Command run instead of the image's CMD, e.g. [bundle, exec, sidekiq].",
        default=None,
        default_text="the image's CMD",
    )
    instance_type: InstanceType = _field(
        "EC2 instance type; Graviton types need an arm64 image.",
        preset=("t4g.micro", "t4g.small", "t4g.small"),
    )
    min_size: int = _field(
        "Fewest instances; 0 lets the pool scale in to nothing when the queue is empty.",
        preset=(0, 1, 1),
        ge=0,
        le=1000,
    )
    max_size: int = _field("Most instances autoscaling may run.", preset=(1, 4, 10), ge=1, le=1000)
    desired_capacity: int = _field(
        "Instances at the first deploy; later deploys leave the capacity to autoscaling.",
        derived="minSize",
        ge=0,
        le=1000,
    )
    backlog_per_instance: int = _field(
        "Visible messages per in-service instance that scaling keeps the pool at.", default=10, gt=0
    )
    job_timeout_seconds: int = _field(
        "Longest a job runs; instances being terminated wait this long for in-flight jobs."
        " At most the queue's visibilityTimeoutSeconds.",
        derived="the queue's visibilityTimeoutSeconds",
        ge=1,
        le=43200,
    )

    @model_validator(mode="after")
    def _resolve(self) -> Self:
        if self.image is not None and self.build is not None:
            raise _Problem("set image or build, not both")
        if self.desired_capacity is None:
            self.desired_capacity = self.min_size
        _check_capacity(self.min_size, self.desired_capacity, self.max_size)
        return self


class AlarmsSettings(_Section):
    """CloudWatch alarms on every tier, sent to an encrypted SNS topic, and one dashboard."""

    emails: list[Email] = _field(
        "Addresses subscribed to the alarm topic (each confirms by email).", default=[]
    )
    webhooks: list[HttpsUrl] = _field(
        "HTTPS endpoints subscribed to the alarm topic (PagerDuty, Opsgenie, ...).",
        default=[],
    )
    latency_p99_seconds: float = _field(
        "Alarm when the ALB's p99 target response time exceeds this many seconds.", default=1.0, gt=0, le=4000
    )
    error_rate_percent: float = _field(
        "Alarm when 5xx responses exceed this percentage of requests.", default=5.0, gt=0, le=100
    )
    queue_age_seconds: int = _field(
        "Alarm when the queue's oldest message is older than this; below the queue's retention.",
        default=300,
        ge=60,
        le=1209600,
    )

    @field_validator("emails", "webhooks")
    @classmethod
    def _no_duplicates(cls, values: list[str]) -> list[str]:
        return _check_unique(values)


class UsageSettings(_Section):
    """Traffic and volumes `tierup cost` assumes; they price the usage-based lines (LCUs, NAT data, SQS, logs)."""

    requests_per_second: float = _field(
        "Average requests per second each load balancer serves over the month.",
        default=10,
        ge=0,
        le=1_000_000,
    )
    average_response_kb: float = _field(
        "Average KB per request, request and response together: the load balancer's processed bytes.",
        default=50,
        ge=0,
        le=1_000_000,
    )
    requests_per_connection: float = _field(
        "Requests each client connection carries (HTTP keep-alive): new connections per second are"
        " requestsPerSecond divided by this.",
        default=10,
        ge=1,
        le=1_000_000,
    )
    nat_gb_per_month: float = _field(
        "GB the NAT gateways process per month (image pulls, API calls), shared evenly between them.",
        default=50,
        ge=0,
        le=10_000_000,
    )
    queue_messages_per_month: int = _field(
        "Messages sent per month to the work queues (not dead-letter queues), shared evenly between them;"
        " each is sent, received and deleted: 3 requests.",
        default=1_000_000,
        ge=0,
        le=1_000_000_000_000,
    )
    sns_notifications_per_month: int = _field(
        "Notifications published per month to each SNS topic, each delivered to every subscription.",
        default=1_000,
        ge=0,
        le=1_000_000_000_000,
    )
    log_gb_per_month: float = _field(
        "GB of application logs ingested per month into CloudWatch Logs, shared evenly between the app"
        " and worker log groups.",
        default=5,
        ge=0,
        le=10_000_000,
    )
    flow_log_gb_per_month: float = _field(
        "GB of VPC flow logs delivered per month, per flow log.", default=10, ge=0, le=10_000_000
    )
    access_log_gb: float = _field(
        "GB of load balancer access logs kept in S3 (steady state under the bucket's lifecycle rule).",
        default=5,
        ge=0,
        le=10_000_000,
    )


# ---------------------------------------------------------------------------------------------
# The whole stack.

CROSS_FIELD_RULES: tuple[str, ...] = (
    "`tierup:app` sets exactly one of `image` or `build`; `tierup:workers` sets at most one (neither: the app's).",
    "`minSize` ≤ `desiredCapacity` ≤ `maxSize` for `tierup:app` and `tierup:workers`.",
    "`tierup:loadBalancer.certificateArn` is in the stack's region (`aws:region`): an ALB only uses"
    " certificates from its own region.",
    "With `tierup:network.nat: none` private subnets have no internet route, so `tierup:app.image` and"
    " `tierup:workers.image` must be ECR images in the stack's region (or use `build`, which pushes to ECR);"
    " the instances reach ECR, SSM and CloudWatch Logs through VPC endpoints.",
    "`tierup:redis`: `replicas` + 1 ≤ `tierup:network.azCount`, so every node lands in its own AZ.",
    "`tierup:redis.engineVersion` is at least 7.2 for `engine: valkey`.",
    "`tierup:workers` requires `tierup:queue`.",
    "`tierup:workers.jobTimeoutSeconds` ≤ `tierup:queue.visibilityTimeoutSeconds`, or a running job"
    " reappears on the queue and runs twice; with workers the visibility timeout is at least 1.",
    "`tierup:alarms.queueAgeSeconds` is below `tierup:queue.retentionDays`, or messages expire before the"
    " alarm fires.",
)


_OPTIONAL_TIER = "Built only when present; {} builds it with the presets."


class StackSettings(_Model):
    """The validated ``tierup:*`` config of one stack (plus ``aws:region`` and the stack name)."""

    environment: Environment = _field("dev, staging or prod: picks the presets and the policy enforcement.")
    region: Region = _field("AWS region, from `aws:region`.", default=DEFAULT_REGION)
    stack: str | None = _field("Stack name, when known.", default=None, default_text="none")
    network: NetworkSettings = _field("Always built.", default_text="the presets")
    load_balancer: LoadBalancerSettings = _field("Always built.", default_text="the presets")
    app: AppSettings = _field("Always built.")
    redis: RedisSettings | None = _field(_OPTIONAL_TIER, default=None, default_text="not built")
    queue: QueueSettings | None = _field(_OPTIONAL_TIER, default=None, default_text="not built")
    workers: WorkersSettings | None = _field(_OPTIONAL_TIER, default=None, default_text="not built")
    alarms: AlarmsSettings = _field("Always built.", default_text="the presets")
    usage: UsageSettings = _field(
        "Read only by `tierup cost`; builds nothing.", default_text="the defaults below"
    )

    ALWAYS_BUILT: ClassVar[tuple[str, ...]] = ("network", "load_balancer", "alarms", "usage")

    @model_validator(mode="before")
    @classmethod
    def _apply_presets(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or data.get("environment") not in ENVIRONMENTS:
            return data
        filled = dict(data)
        for name, info in cls.model_fields.items():
            section = _model_in(info.annotation)
            if section is None or not issubclass(section, _Section):
                continue
            key = next((k for k in (info.alias, name) if k in filled), None)
            if key is None and name in cls.ALWAYS_BUILT:
                key = info.alias or name
                filled[key] = {}
            if key is not None and isinstance(filled[key], Mapping):
                filled[key] = section.with_presets(filled[key], filled["environment"])
        return filled

    @model_validator(mode="after")
    def _cross_checks(self) -> Self:
        self._check_certificate_region()
        if self.workers is not None:
            self._resolve_workers()
        self._check_images_reachable()
        self._check_redis_azs()
        self._check_queue_age()
        return self

    def _check_certificate_region(self) -> None:
        arn = self.load_balancer.certificate_arn
        match = re.fullmatch(_CERT_ARN_RE, arn or "")
        if match and match.group(2) != self.region:
            raise _Problem(
                f"is in {match.group(2)} but the stack deploys to {self.region} (aws:region);"
                " an ALB needs a certificate from its own region",
                "loadBalancer",
                "certificateArn",
            )

    def _resolve_workers(self) -> None:
        workers, queue = self.workers, self.queue
        assert workers is not None
        if queue is None:
            raise _Problem("requires tierup:queue (the workers consume it); add tierup:queue: {}", "workers")
        if workers.job_timeout_seconds is None:
            if queue.visibility_timeout_seconds < 1:
                raise _Problem(
                    "must be at least 1 when tierup:workers consume the queue (got 0);"
                    " set it to the longest job's duration",
                    "queue",
                    "visibilityTimeoutSeconds",
                )
            workers.job_timeout_seconds = queue.visibility_timeout_seconds
        if workers.job_timeout_seconds > queue.visibility_timeout_seconds:
            raise _Problem(
                f"must be ≤ tierup:queue.visibilityTimeoutSeconds ({workers.job_timeout_seconds}"
                f" > {queue.visibility_timeout_seconds}), or a running job reappears on the queue and runs twice",
                "workers",
                "jobTimeoutSeconds",
            )
        if workers.image is None and workers.build is None:
            workers.image, workers.build = self.app.image, self.app.build

    def _check_images_reachable(self) -> None:
        if self.network.nat != "none":
            return
        for section, tier in (("app", self.app), ("workers", self.workers)):
            image = tier.image if tier is not None else None
            match = re.match(_ECR_IMAGE_RE, image or "")
            if image is not None and (match is None or match["region"] != self.region):
                raise _Problem(
                    "can't be pulled with tierup:network.nat none (private subnets have no internet route);"
                    f" use an ECR image in {self.region} or build, or set nat to single or instance",
                    section,
                    "image",
                )

    def _check_redis_azs(self) -> None:
        if self.redis is None:
            return
        nodes, azs = self.redis.replicas + 1, self.network.az_count
        if nodes > azs:
            raise _Problem(
                f"must be ≤ {azs - 1}: {self.redis.replicas} replicas + 1 primary need {nodes} AZs"
                f" but tierup:network.azCount is {azs}; lower replicas or raise azCount",
                "redis",
                "replicas",
            )

    def _check_queue_age(self) -> None:
        if self.queue is None:
            return
        retention = self.queue.retention_days * 86400
        if self.alarms.queue_age_seconds >= retention:
            raise _Problem(
                f"must be below tierup:queue.retentionDays ({self.alarms.queue_age_seconds}"
                f" ≥ {retention} s), or messages expire before the alarm fires",
                "alarms",
                "queueAgeSeconds",
            )

    @classmethod
    def from_pulumi_config(cls) -> StackSettings:
        """The settings of the running Pulumi program (every config key, so unknown ones are caught)."""
        import pulumi
        from pulumi.runtime import config as runtime_config

        config: dict[str, Any] = dict(runtime_config.get_config_env())
        config.update(runtime_config.CONFIG.get())
        for key in (*_TOP_LEVEL_KEYS, "aws:region"):  # PULUMI_CONFIG_<KEY> variables, as pulumi.Config reads
            if key not in config and (value := runtime_config.get_config(key)) is not None:
                config[key] = value
        if "aws:region" not in config:  # the AWS provider falls back to these too
            region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
            if region:
                config["aws:region"] = region
        stack = pulumi.get_stack()
        return load_settings(config, file=f"Pulumi.{stack}.yaml", stack=stack)


_TIERUP_FIELDS: dict[str, str] = {  # tierup:<alias> -> StackSettings field
    info.alias or name: name
    for name, info in StackSettings.model_fields.items()
    if name not in ("region", "stack")
}
_TOP_LEVEL_KEYS: tuple[str, ...] = tuple(f"tierup:{alias}" for alias in _TIERUP_FIELDS)


# ---------------------------------------------------------------------------------------------
# Loading and error messages.


def _normalize_key(key: str) -> str:
    """Pulumi's legacy ``ns:config:key`` spelling is the same key as ``ns:key``."""
    namespace, _, rest = key.partition(":")
    return f"{namespace}:{rest.removeprefix('config:')}" if rest.startswith("config:") else key


def environment_of(config: Mapping[str, Any]) -> str | None:
    """The raw ``tierup:environment`` value of a flat Pulumi config, or None when unset."""
    for key, value in config.items():
        if _normalize_key(key) == "tierup:environment" and isinstance(value, str):
            return value
    return None


def _decode(key: str, value: Any, file: str) -> Any:
    """A structured value as Python: the language host passes them as JSON strings."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("{", "[")) or text == "null":
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise SettingsError(
                    f"is not valid JSON ({exc.msg} at column {exc.colno})", file=file, key=key
                ) from None
        elif not text:
            value = None
    if value is None:
        hint = (
            "set image or build" if key == "tierup:app" else "remove the key, or write {} to use the defaults"
        )
        raise SettingsError(f"is empty; {hint}", file=file, key=key)
    return value


def load_settings(config: Mapping[str, Any], *, file: str, stack: str | None = None) -> StackSettings:
    """Validate the flat Pulumi config of a stack (``{"tierup:app": {...} or "<json>", "aws:region": ...}``).

    Keys of other namespaces are ignored. Raises ``SettingsError`` naming the first problem.
    """
    config = {_normalize_key(key): value for key, value in config.items()}
    for key in sorted(config):
        if key.startswith("tierup:") and key not in _TOP_LEVEL_KEYS:
            reason = _unknown_key_reason(key.removeprefix("tierup:"), list(_TIERUP_FIELDS), "tierup:")
            raise SettingsError(reason, file=file, key=key)
    data: dict[str, Any] = {}
    for key in _TOP_LEVEL_KEYS:
        if key in config:
            value = config[key]
            data[key.removeprefix("tierup:")] = (
                value if key == "tierup:environment" else _decode(key, value, file)
            )
    if "aws:region" in config:
        data["region"] = config["aws:region"]
    data["stack"] = stack
    try:
        return StackSettings.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as exc:
        key, reason = _first_error(exc)
        raise SettingsError(reason, file=file, key=key) from None


def load_usage(config: Mapping[str, Any], *, file: str) -> UsageSettings:
    """The ``tierup:usage`` block of a flat Pulumi config alone (defaults when absent), for ``tierup cost``.

    Raises ``SettingsError`` naming the first problem, as :func:`load_settings` does.
    """
    config = {_normalize_key(key): value for key, value in config.items()}
    if "tierup:usage" not in config:
        return UsageSettings()
    value = _decode("tierup:usage", config["tierup:usage"], file)
    try:
        return UsageSettings.model_validate(value, by_alias=True, by_name=False)
    except ValidationError as exc:
        errors = [{**error, "loc": ("usage", *error["loc"])} for error in exc.errors()]
        unknown = [error for error in errors if error["type"] == "extra_forbidden"]
        loc, reason = _reason((unknown or errors)[0])
        raise SettingsError(reason, file=file, key=_key_path(loc)) from None


def _unknown_key_reason(key: str, known: list[str], prefix: str = "") -> str:
    """``unknown key; did you mean 'minSize'?`` (or the keys there are, when none is close)."""
    close = [k for k in known if k == to_camel(key)] or difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean '{prefix}{close[0]}'?"
    return "unknown key; expected one of " + ", ".join(prefix + k for k in known)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation like ``RedisSettings | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        if (model := _model_in(arg)) is not None:
            return model
    return None


def _walk(loc: tuple[str | int, ...]) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model at ``loc`` and the field ``loc`` ends on, following camelCase keys from StackSettings."""
    model: type[BaseModel] | None = StackSettings
    info: FieldInfo | None = None
    for part in loc:
        if model is None:
            return None, None
        info = next((f for n, f in model.model_fields.items() if part in (f.alias, n)), None)
        if info is None:
            return None, None
        model = _model_in(info.annotation)
    return model, info


def _key_path(loc: tuple[str | int, ...]) -> str:
    if not loc:
        return "tierup"
    head = "aws:region" if loc[0] == "region" else f"tierup:{loc[0]}"
    return head + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[1:])


def _bounds_phrase(info: FieldInfo | None, ctx: dict[str, Any]) -> str:
    """``between 1 and 65535``, ``greater than 0``, ... from the field's constraints."""
    lower = upper = None
    for item in info.metadata if info is not None else []:
        if isinstance(item, Ge):
            lower = f"at least {item.ge}"
        elif isinstance(item, Gt):
            lower = f"greater than {item.gt}"
        elif isinstance(item, Le):
            upper = f"at most {item.le}"
        elif isinstance(item, Lt):
            upper = f"less than {item.lt}"
    if lower is None and upper is None:  # not found through the walk: use what pydantic reports
        key, value = next(iter(ctx.items()))
        return {"ge": "at least", "gt": "greater than", "le": "at most", "lt": "less than"}[key] + f" {value}"
    if lower and upper and lower.startswith("at least") and upper.startswith("at most"):
        return f"between {lower.removeprefix('at least ')} and {upper.removeprefix('at most ')}"
    return " and ".join(p for p in (lower, upper) if p)


def _reason(error: Any) -> tuple[tuple[str | int, ...], str]:
    """The location and one human sentence for one pydantic error."""
    loc, kind, value, ctx = tuple(error["loc"]), error["type"], error.get("input"), error.get("ctx", {})
    got = f"(got {_show(value)})"
    if kind == "value_error" and isinstance(ctx.get("error"), _Problem):
        problem = ctx["error"]
        return loc + problem.path, problem.reason
    if kind == "value_error":
        return loc, str(ctx.get("error", error["msg"]))
    if kind == "missing":
        return loc, "required"
    if kind == "extra_forbidden":
        model, _ = _walk(loc[:-1])
        known = [f.alias or n for n, f in model.model_fields.items()] if model else []
        return loc, _unknown_key_reason(str(loc[-1]), known)
    if kind == "literal_error":
        _, info = _walk(loc)
        choices = typing.get_args(info.annotation) if info is not None else ()
        allowed = ", ".join(map(str, choices)) if choices else ctx.get("expected", "")
        return loc, f"must be one of {allowed} {got}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return loc, f"must be {_bounds_phrase(_walk(loc)[1], ctx)} {got}"
    if kind in ("too_short", "string_too_short") and ctx.get("min_length") == 1:
        return loc, "must not be empty"
    if kind == "string_type":
        hint = "; quote it in YAML" if len(loc) >= 2 and loc[-2] == "env" else ""
        return loc, f"must be a string {got}{hint}"
    simple = {
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "list_type": "must be a list",
        "dict_type": "must be a mapping of keys to values",
        "model_type": "must be a mapping of keys to values",
        "model_attributes_type": "must be a mapping of keys to values",
    }
    if kind in simple:
        return loc, f"{simple[kind]} {got}"
    message = str(error["msg"])
    return loc, f"{message[:1].lower()}{message[1:]} {got}"


def _first_error(exc: ValidationError) -> tuple[str, str]:
    """The (key path, reason) of the error to show: unknown keys first (a typo explains the rest)."""
    errors = exc.errors()
    unknown = sorted(
        (e for e in errors if e["type"] == "extra_forbidden"), key=lambda e: tuple(map(str, e["loc"]))
    )
    loc, reason = _reason((unknown or errors)[0])
    return _key_path(loc), reason


# ---------------------------------------------------------------------------------------------
# JSON Schema and the generated reference.

_SECTION_MODELS: tuple[type[_Model], ...] = (
    NetworkSettings,
    LoadBalancerSettings,
    AppSettings,
    RedisSettings,
    QueueSettings,
    WorkersSettings,
    AlarmsSettings,
    UsageSettings,
)


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a ``Pulumi.<stack>.yaml`` file, for editors and ``tierup schema``."""
    _, top = models_json_schema(
        [(model, "validation") for model in _SECTION_MODELS], by_alias=True, ref_template="#/$defs/{model}"
    )
    fields = StackSettings.model_fields
    properties: dict[str, Any] = {
        "tierup:environment": {"enum": list(ENVIRONMENTS), "description": fields["environment"].description},
        "aws:region": {
            "type": "string",
            "pattern": _REGION_RE,
            "default": DEFAULT_REGION,
            "description": f"AWS region the stack deploys to. Default: {DEFAULT_REGION}.",
        },
    }
    for alias, name in _TIERUP_FIELDS.items():
        model = _model_in(fields[name].annotation)
        if model is not None:
            properties[f"tierup:{alias}"] = {
                "$ref": f"#/$defs/{model.__name__}",
                "description": f"{model.__doc__} {fields[name].description}",
            }
    known = "|".join(re.escape(alias) for alias in _TIERUP_FIELDS)
    config = {
        "type": "object",
        "description": "Stack configuration: tierup:* keys are validated; other namespaces are passed through.",
        "properties": properties,
        "patternProperties": {rf"^tierup:(?!({known})$)": False},
        "required": ["tierup:environment", "tierup:app"],
    }
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "tierup stack configuration (Pulumi.<stack>.yaml)",
        "type": "object",
        "properties": {
            "config": config,
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
        },
        "required": ["config"],
        "$defs": top["$defs"],
    }


EXAMPLE_CONFIG = """\
config:
  aws:region: eu-west-1
  tierup:environment: prod
  tierup:network:
    cidr: 10.20.0.0/16
  tierup:loadBalancer:
    certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b
  tierup:app:
    build:
      context: .
    port: 3000
    minSize: 3
    maxSize: 12
    requestsPerTarget: 1000
    env:
      RAILS_ENV: production
      DB_PASSWORD_SECRET_ARN: arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf
  tierup:redis:
    maxmemoryPolicy: noeviction
  tierup:queue:
    visibilityTimeoutSeconds: 900
  tierup:workers:
    command: [bundle, exec, sidekiq]
    maxSize: 20
    jobTimeoutSeconds: 600
  tierup:alarms:
    emails: [oncall@example.com]
    webhooks: [https://events.pagerduty.com/integration/0123456789abcdef/enqueue]
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _type_name(annotation: Any) -> str:
    """A field's type in words: ``integer``, ``list of strings``, ``object``..."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Literal:
        return "enum"
    if origin is Annotated:
        return _type_name(args[0])
    if args and type(None) in args:
        return _type_name(next(a for a in args if a is not type(None)))
    if origin is list:
        return f"list of {_type_name(args[0])}s"
    if origin is dict:
        return "map of strings"
    if _model_in(annotation) is not None:
        return "object"
    return {int: "integer", float: "number", bool: "boolean", str: "string"}.get(annotation, str(annotation))


def _metadata_in(annotation: Any) -> list[Any]:
    """``Annotated`` metadata anywhere inside an annotation (optional values, list items, dict keys)."""
    found = list(getattr(annotation, "__metadata__", ()))
    for arg in typing.get_args(annotation):
        found += _metadata_in(arg)
    return found


def _allowed_text(info: FieldInfo) -> str:
    """Bounds, choices or format of a field, for the reference table."""
    annotation = info.annotation
    if typing.get_args(annotation) and type(None) in typing.get_args(annotation):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is Literal:
        return ", ".join(f"`{choice}`" for choice in typing.get_args(annotation))
    formats = [m.text for m in [*info.metadata, *_metadata_in(info.annotation)] if isinstance(m, _Allowed)]
    if formats:
        return formats[0]
    if any(isinstance(m, Ge | Gt | Le | Lt) for m in info.metadata):
        lower = next((f"{m.ge}" for m in info.metadata if isinstance(m, Ge)), None)
        upper = next((f"{m.le}" for m in info.metadata if isinstance(m, Le)), None)
        exclusive = next((f"> {m.gt}" for m in info.metadata if isinstance(m, Gt)), None)
        if lower is not None and upper is not None:
            return f"{lower}\N{EN DASH}{upper}"
        return " and ".join(p for p in (exclusive or (lower and f"≥ {lower}"), upper and f"≤ {upper}") if p)
    if info.annotation is bool:
        return "`true`, `false`"
    return ""


def _defaults_cells(info: FieldInfo) -> list[str]:
    meta = _extra(info).get(_DEFAULT_KEY)
    if isinstance(meta, dict):
        return [f"`{_plain(meta[env])}`" for env in ENVIRONMENTS]
    if isinstance(meta, str):
        return [meta] * 3
    if info.default is PydanticUndefined:
        return ["required"] * 3
    return [f"`{_plain(info.default)}`"] * 3


def _field_rows(model: type[BaseModel], prefix: str = "") -> list[str]:
    rows = []
    for name, info in model.model_fields.items():
        key = f"{prefix}{info.alias or name}"
        phrase = _default_phrase(info.default, _extra(info).get(_DEFAULT_KEY))
        description = (info.description or "").removesuffix(" " + phrase)
        cells = [
            f"`{key}`",
            _type_name(info.annotation),
            _allowed_text(info),
            *_defaults_cells(info),
            description,
        ]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        nested = _model_in(info.annotation)
        if nested is not None:
            rows += _field_rows(nested, prefix=f"{key}.")
    return rows


def render_reference_markdown() -> str:
    """``docs/configuration.md``: every key, type, bound, per-environment default and description."""
    header = "| key | type | allowed | dev | staging | prod | description |\n|---|---|---|---|---|---|---|"
    fields = StackSettings.model_fields
    out = [
        "# Configuration reference",
        "",
        "<!-- Generated from tierup/settings.py; do not edit. Regenerate with:"
        " python -m tierup.settings > docs/configuration.md -->",
        "",
        "A stack's settings live in `stacks/Pulumi.<stack>.yaml` under `config:`, as structured values with"
        " camelCase keys. `tierup:environment` picks the presets: every field left out takes the dev, staging"
        ' or prod default shown below. Unknown keys are errors, with a "did you mean" hint. `tierup:network`,'
        " `tierup:loadBalancer` and `tierup:alarms` always exist; `tierup:redis`, `tierup:queue` and"
        " `tierup:workers` are built only when present (`{}` builds one with all defaults).",
        "",
        "`tierup schema` prints the JSON Schema of this format; to have an editor complete and check the file,"
        " put `# yaml-language-server: $schema=<path to the saved schema>` at its top.",
        "",
        "An invalid config stops before any resource is declared, with one line naming the file and key:",
        "",
        "```",
        "error: stacks/Pulumi.prod.yaml: tierup:app.minSize: must be ≤ maxSize (3 > 2)",
        "```",
        "",
        "## Example",
        "",
        "```yaml",
        EXAMPLE_CONFIG.rstrip("\n"),
        "```",
        "",
        "## Top-level keys",
        "",
        "| key | type | allowed | dev | staging | prod | description |",
        "|---|---|---|---|---|---|---|",
        "| `tierup:environment` | enum | "
        + ", ".join(f"`{e}`" for e in ENVIRONMENTS)
        + " | required | required | required | "
        + _cell((fields["environment"].description or "").removesuffix(" Required."))
        + " |",
        f"| `aws:region` | string | AWS region, e.g. `eu-west-1` | `{DEFAULT_REGION}` | `{DEFAULT_REGION}`"
        f" | `{DEFAULT_REGION}` | AWS region the stack deploys to (read by tierup and the AWS provider). |",
    ]
    for alias, name in _TIERUP_FIELDS.items():
        info = fields[name]
        if alias == "environment":
            continue
        phrase = _default_phrase(info.default, _extra(info).get(_DEFAULT_KEY))
        model = _model_in(info.annotation)
        description = (
            f"{model.__doc__ if model else ''} {(info.description or '').removesuffix(' ' + phrase)}"
        )
        cells = [
            f"[`tierup:{alias}`](#tierup{alias.lower()})",
            "object",
            "",
            *_defaults_cells(info),
            description,
        ]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    for alias, name in _TIERUP_FIELDS.items():
        model = _model_in(fields[name].annotation)
        if model is None:
            continue
        out += ["", f"## `tierup:{alias}`", "", model.__doc__ or "", "", header, *_field_rows(model)]
    out += ["", "## Cross-field rules", "", "Checked after every field is valid; each is an error.", ""]
    out += [f"- {rule}" for rule in CROSS_FIELD_RULES]
    out += [
        "",
        "## Secrets",
        "",
        "Plain config is stored unencrypted, so `tierup:app.env` refuses names that look like secrets"
        " (words such as PASSWORD, PASSWD, PASSPHRASE, SECRET, TOKEN, CREDENTIAL, APIKEY, PRIVATEKEY, and"
        " "
        + ", ".join(sorted(_SECRET_PAIRS))
        + ") and values that contain a private key, an AWS access key or"
        " a password in a URL. Keep the secret in Secrets Manager or SSM Parameter Store and pass a reference:"
        " a name ending in "
        + ", ".join(sorted(_REFERENCE_SUFFIXES))
        + " is allowed (`DB_PASSWORD_SECRET_ARN`).",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render_reference_markdown())
