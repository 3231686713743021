"""AWS facts that settings, components, cost, graph and the scaffold all rely on, said once.

Pulumi-free and dependency-free, so the CLI can import it without the SDK::

    from tierup.aws_facts import architecture, ecr_registry

    architecture("m7g.large")   # "arm64"
    architecture("a1.medium")   # "arm64" (first-generation Graviton)
    ecr_registry("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/web:1")
    # ("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", "us-east-1")
"""

from __future__ import annotations

import re
from typing import Literal

#: The environments tierup knows; each picks presets and policy enforcement.
ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")
Environment = Literal["dev", "staging", "prod"]

# ---- EC2 instance types --------------------------------------------------------------------------

Architecture = Literal["arm64", "x86_64"]

#: ``family.size``, e.g. ``t4g.small``, ``c7gn.16xlarge``, ``u-6tb1.metal``.
INSTANCE_TYPE = re.compile(r"^(?P<family>[a-z][a-z0-9-]*)\.(?P<size>[a-z0-9][a-z0-9-]*)$")
#: A family with a generation digit: the letters after it are options (``g`` Graviton, ``n``, ``d``…).
_GENERATION_FAMILY = re.compile(r"^[a-z]+\d+(?P<options>[a-z-]*)$")
#: Families on Arm that the ``g`` option rule does not name (the first Graviton generation).
_ARM_FAMILIES = frozenset({"a1"})

#: Public SSM parameters naming the latest Amazon Linux 2023 AMI per architecture.
AL2023_AMI_PARAMETERS: dict[str, str] = {
    "arm64": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
    "x86_64": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
}


def instance_family(instance_type: str) -> str:
    """The family of an EC2 (or ``cache.``/``db.`` prefixed) instance type: ``m7g.large`` → ``m7g``."""
    bare = instance_type.split(".", 1)[1] if instance_type.startswith(("cache.", "db.")) else instance_type
    match = INSTANCE_TYPE.match(bare)
    if not match:
        raise ValueError(f"instance type '{instance_type}' is not of the form family.size (e.g. t4g.small)")
    return match["family"]


def architecture(instance_type: str) -> Architecture:
    """``arm64`` for Graviton types (``a1``, or a generation digit followed by ``g``: t4g, m7g, c7gn,
    r8g…), else ``x86_64``. Raises ``ValueError`` on a malformed type."""
    family = instance_family(instance_type)
    if family in _ARM_FAMILIES:
        return "arm64"
    generation = _GENERATION_FAMILY.match(family)  # u-6tb1 and the like have no generation: x86_64
    options = generation["options"].split("-", 1)[0] if generation else ""
    return "arm64" if "g" in options else "x86_64"


def docker_platform(instance_type: str) -> str:
    """The Docker platform matching the instance type (``linux/arm64`` or ``linux/amd64``)."""
    return "linux/arm64" if architecture(instance_type) == "arm64" else "linux/amd64"


def ami_parameter(instance_type: str) -> str:
    """The public SSM parameter naming the latest AL2023 AMI for this instance type's architecture."""
    return AL2023_AMI_PARAMETERS[architecture(instance_type)]


# ---- ECR -----------------------------------------------------------------------------------------

#: An ECR registry host: standard, FIPS (``dkr.ecr-fips``) and China (``.amazonaws.com.cn``) endpoints.
ECR_REGISTRY = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?P<fips>-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?$"
)


def ecr_registry(image: str) -> tuple[str, str] | None:
    """``(registry host, region)`` when ``image`` lives in ECR (FIPS and China included), else ``None``."""
    host = image.split("/", 1)[0] if "/" in image else ""
    match = ECR_REGISTRY.match(host)
    return (host, match["region"]) if match else None


# ---- containers and processes -----------------------------------------------------------------

#: What a POSIX shell and systemd accept as an environment variable name.
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: An EC2 launch template's image: an AMI id, or ``resolve:ssm:<parameter>`` (resolved at each launch).
AMI_ID = re.compile(r"^(ami-[0-9a-f]{8,17}|resolve:ssm:\S+)$")
#: Seconds the boot takes before the container starts (waiting for egress, installing Docker, pulling the
#: image); the ELB health-check grace period is this plus the service's own ``startup_seconds``.
BOOT_ALLOWANCE_SECONDS = 120


def env_name(name: str) -> str:
    """Upper snake case of a tier name, for connection variables: ``image-jobs`` → ``IMAGE_JOBS``."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


# ---- ElastiCache ----------------------------------------------------------------------------------

#: Eviction policies Redis and Valkey accept for ``maxmemory-policy``.
MAXMEMORY_POLICIES: tuple[str, ...] = (
    "volatile-lru",
    "allkeys-lru",
    "volatile-lfu",
    "allkeys-lfu",
    "volatile-random",
    "allkeys-random",
    "volatile-ttl",
    "noeviction",
)
MaxmemoryPolicy = Literal[
    "volatile-lru",
    "allkeys-lru",
    "volatile-lfu",
    "allkeys-lfu",
    "volatile-random",
    "allkeys-random",
    "volatile-ttl",
    "noeviction",
]
