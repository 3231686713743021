"""RedisCache: an encrypted ElastiCache (Valkey or Redis OSS) replication group with an AUTH token secret."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from tierup.aws_facts import MAXMEMORY_POLICIES

from ._base import TierComponent, Transforms, tags
from ._context import aws_context
from ._tier import Client, Grantee, role_of, security_group_of
from .network import Network

REDIS_PORT = 6379
#: The special characters ElastiCache accepts in an AUTH token (no space, ``/``, ``"`` or ``@``).
AUTH_TOKEN_SPECIALS = "!&#$^<>-"
AUTH_TOKEN_LENGTH = 64
SNAPSHOT_WINDOW = "03:00-04:00"
MAINTENANCE_WINDOW = "sun:05:00-sun:06:00"


@dataclass
class RedisCacheArgs:
    """Arguments of :class:`RedisCache`."""

    network: Network
    """The network; nodes go into its private subnets, one AZ per node while AZs last."""

    engine: Literal["valkey", "redis"] = "valkey"
    """``valkey`` (default; about 20% cheaper per node) or ``redis`` (Redis OSS)."""

    engine_version: str = "8.0"
    """Engine version (default ``8.0``): Valkey 7.x/8.x, Redis 5.x/6.x/7.x. Picks the parameter family."""

    node_type: pulumi.Input[str] = "cache.t4g.micro"
    """Node instance type (default ``cache.t4g.micro``)."""

    replicas: int = 0
    """Read replicas besides the primary, 0 to 5 (default 0). With 1 or more the group is Multi-AZ and
    fails over automatically."""

    snapshot_retention_days: pulumi.Input[int] = 0
    """Days of daily snapshots to keep, 0 to 35 (default 0: no backups). Taken in 03:00-04:00 UTC."""

    maxmemory_policy: pulumi.Input[str] = "volatile-lru"
    """Eviction policy when memory is full (default ``volatile-lru``: only keys with a TTL are evicted).
    Job queues such as Sidekiq and BullMQ want ``noeviction``."""

    auth_secret_store: Literal["secretsmanager", "ssm"] = "secretsmanager"
    """Where the AUTH token is kept: Secrets Manager (default, $0.40/month) or an SSM SecureString (free)."""

    protect: bool = False
    """Protect and retain on delete the replication group and its token (default off; on in prod)."""

    log_retention_days: int = 30
    """Days the slow-log group keeps events (default 30)."""

    transform: Transforms | None = None
    """Adjust any child's args, keyed by the names in :attr:`RedisCache.TRANSFORMABLE` (default none)."""


class RedisCache(TierComponent):
    """A Valkey/Redis replication group (cluster mode disabled) that Sidekiq/BullMQ-style clients use as is.

    Encrypted at rest and in transit, with a generated AUTH token kept in Secrets Manager (or an SSM
    SecureString): apps get the secret's ARN, never the token. Nodes spread over distinct AZs; with
    replicas the group is Multi-AZ with automatic failover. Its security group admits nobody until
    :meth:`allow_from`::

        cache = RedisCache("cache", RedisCacheArgs(network=network, replicas=1, snapshot_retention_days=7))
        cache.allow_from(app)        # the app tier (or a group, with name=) reaches 6379
        cache.grant_read_auth(app)   # its role may read the AUTH token, nothing more
        env = {**cache.connection_env(), "RAILS_ENV": "production"}

    **Cost**: each node bills by the hour: a cache.t4g.micro is about $9/month on Valkey ($12 on
    Redis OSS), so ``replicas=1`` doubles it. Snapshots beyond one free copy per node cost
    $0.085/GB-month; the Secrets Manager secret $0.40/month; slow logs CloudWatch ingestion.
    """

    TRANSFORMABLE = frozenset(
        {
            "auth_token",
            "auth_secret",
            "auth_secret_version",
            "auth_parameter",
            "security_group",
            "ingress_rule",
            "subnet_group",
            "parameter_group",
            "slow_log_group",
            "replication_group",
            "grant_policy",
        }
    )

    replication_group: aws.elasticache.ReplicationGroup
    replication_group_id: pulumi.Output[str]
    security_group: aws.ec2.SecurityGroup
    primary_endpoint: pulumi.Output[str]
    reader_endpoint: pulumi.Output[str]
    port: int
    auth_secret_arn: pulumi.Output[str]
    member_cluster_ids: pulumi.Output[list[str]]
    engine: str
    slow_log_group: aws.cloudwatch.LogGroup

    def __init__(self, name: str, args: RedisCacheArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        self._family = self._validate(args)
        super().__init__("tierup:redis_cache:RedisCache", name, args.transform, opts)
        self._args = args
        self.engine = args.engine
        self.port = REDIS_PORT
        self._keep = (
            pulumi.ResourceOptions(protect=True, retain_on_delete=True)
            if args.protect
            else pulumi.ResourceOptions()
        )
        self._create_auth_token()
        self._store_auth_token()
        self._create_security_group()
        self._create_subnet_group()
        self._create_parameter_group()
        self._create_slow_log_group()
        self._create_replication_group()
        self.register_outputs(
            {
                "replicationGroupId": self.replication_group_id,
                "primaryEndpoint": self.primary_endpoint,
                "readerEndpoint": self.reader_endpoint,
                "port": self.port,
                "authSecretArn": self.auth_secret_arn,
                "memberClusterIds": self.member_cluster_ids,
                "securityGroupId": self.security_group.id,
                "engine": self.engine,
            }
        )

    # ---- steps ---------------------------------------------------------------------------

    @staticmethod
    def _validate(args: RedisCacheArgs) -> str:
        if not 0 <= args.replicas <= 5:
            raise ValueError(f"RedisCache replicas must be 0 to 5 (got {args.replicas})")
        if args.auth_secret_store not in ("secretsmanager", "ssm"):
            raise ValueError(
                f"RedisCache auth_secret_store '{args.auth_secret_store}' is not 'secretsmanager' or 'ssm'"
            )
        if isinstance(args.maxmemory_policy, str) and args.maxmemory_policy not in MAXMEMORY_POLICIES:
            raise ValueError(
                f"RedisCache maxmemory_policy '{args.maxmemory_policy}' is not one of "
                f"{', '.join(sorted(MAXMEMORY_POLICIES))}"
            )
        days = args.snapshot_retention_days
        if isinstance(days, int) and not 0 <= days <= 35:
            raise ValueError(f"RedisCache snapshot_retention_days must be 0 to 35 (got {days})")
        return parameter_group_family(args.engine, args.engine_version)

    def _create_auth_token(self) -> None:
        self._auth_token = self.child(
            "auth_token",
            random.RandomPassword,
            f"{self._name}-auth-token",
            {
                "length": AUTH_TOKEN_LENGTH,
                "special": True,
                "override_special": AUTH_TOKEN_SPECIALS,
                "min_lower": 4,
                "min_upper": 4,
                "min_numeric": 4,
            },
        )

    def _store_auth_token(self) -> None:
        """Keep the token where apps can fetch it with IAM; only its ARN leaves the component."""
        self.auth_secret: aws.secretsmanager.Secret | None = None
        self.auth_parameter: aws.ssm.Parameter | None = None
        description = f"AUTH token of the {self._args.engine} cache {self._name} (managed by tierup)"
        if self._args.auth_secret_store == "ssm":
            self.auth_parameter = self.child(
                "auth_parameter",
                aws.ssm.Parameter,
                f"{self._name}-auth-token",
                {
                    "type": "SecureString",
                    "value": self._auth_token.result,
                    "description": description,
                    "tags": tags(f"{self._name}-auth-token"),
                },
                self._keep,
            )
            self.auth_secret_arn = self.auth_parameter.arn
            return
        self.auth_secret = self.child(
            "auth_secret",
            aws.secretsmanager.Secret,
            f"{self._name}-auth-token",
            {"description": description, "tags": tags(f"{self._name}-auth-token")},
            self._keep,
        )
        self.child(
            "auth_secret_version",
            aws.secretsmanager.SecretVersion,
            f"{self._name}-auth-token",
            {"secret_id": self.auth_secret.id, "secret_string": self._auth_token.result},
            self._keep,
        )
        self.auth_secret_arn = self.auth_secret.arn

    def _create_security_group(self) -> None:
        """No rules at all: clients are admitted one by one with :meth:`allow_from`."""
        self.security_group = self.child(
            "security_group",
            aws.ec2.SecurityGroup,
            f"{self._name}-cache",
            {
                "vpc_id": self._args.network.vpc_id,
                "description": f"tierup cache {self._name}: {REDIS_PORT} from allowed tiers only",
                "tags": tags(f"{self._name}-cache"),
            },
        )

    def _create_subnet_group(self) -> None:
        self._subnet_group = self.child(
            "subnet_group",
            aws.elasticache.SubnetGroup,
            f"{self._name}-cache",
            {
                "description": f"private subnets of cache {self._name}",
                "subnet_ids": self._args.network.private_subnet_ids,
                "tags": tags(f"{self._name}-cache"),
            },
        )

    def _create_parameter_group(self) -> None:
        self._parameter_group = self.child(
            "parameter_group",
            aws.elasticache.ParameterGroup,
            f"{self._name}-cache",
            {
                "family": self._family,
                "description": f"parameters of cache {self._name}",
                "parameters": [{"name": "maxmemory-policy", "value": self._args.maxmemory_policy}],
                "tags": tags(f"{self._name}-cache"),
            },
        )

    def _create_slow_log_group(self) -> None:
        self.slow_log_group = self.child(
            "slow_log_group",
            aws.cloudwatch.LogGroup,
            f"{self._name}-slow-log",
            {"retention_in_days": self._args.log_retention_days, "tags": tags(f"{self._name}-slow-log")},
        )

    def _create_replication_group(self) -> None:
        args = self._args
        nodes = args.replicas + 1
        azs = args.network.azs
        highly_available = args.replicas >= 1
        self.replication_group = self.child(
            "replication_group",
            aws.elasticache.ReplicationGroup,
            self._name,
            {
                "description": f"tierup {args.engine} cache {self._name}",
                "engine": args.engine,
                "engine_version": args.engine_version,
                "node_type": args.node_type,
                "port": REDIS_PORT,
                "cluster_mode": "disabled",
                "num_cache_clusters": nodes,
                # the primary in AZ 0, each replica in the next AZ (wrapping only past the last AZ)
                "preferred_cache_cluster_azs": [azs[i % len(azs)] for i in range(nodes)],
                "subnet_group_name": self._subnet_group.name,
                "security_group_ids": [self.security_group.id],
                "parameter_group_name": self._parameter_group.name,
                "at_rest_encryption_enabled": True,
                "transit_encryption_enabled": True,
                "auth_token": self._auth_token.result,
                "multi_az_enabled": highly_available,
                "automatic_failover_enabled": highly_available,
                "snapshot_retention_limit": args.snapshot_retention_days,
                "snapshot_window": SNAPSHOT_WINDOW,
                "maintenance_window": MAINTENANCE_WINDOW,
                "auto_minor_version_upgrade": True,
                "log_delivery_configurations": [
                    {
                        "destination": self.slow_log_group.name,
                        "destination_type": "cloudwatch-logs",
                        "log_format": "json",
                        "log_type": "slow-log",
                    }
                ],
                "tags": tags(self._name),
            },
            self._keep,
        )
        self.replication_group_id = self.replication_group.id
        self.primary_endpoint = self.replication_group.primary_endpoint_address
        self.reader_endpoint = self.replication_group.reader_endpoint_address
        self.member_cluster_ids = self.replication_group.member_clusters

    # ---- wiring --------------------------------------------------------------------------

    def allow_from(self, tier: Client, *, name: str | None = None) -> aws.vpc.SecurityGroupIngressRule:
        """Admit ``tier`` (a tier, a security group, or a group id with ``name=``) on port 6379, and
        nobody else. The child is ``<cache>-from-<name or tier name>``."""
        label, source = security_group_of(tier, name, f"RedisCache '{self._name}'", "allow_from")
        return self.child(
            "ingress_rule",
            aws.vpc.SecurityGroupIngressRule,
            f"{self._name}-from-{label}",
            {
                "security_group_id": self.security_group.id,
                "referenced_security_group_id": source,
                "ip_protocol": "tcp",
                "from_port": REDIS_PORT,
                "to_port": REDIS_PORT,
                "description": f"{self._args.engine} from {label}",
            },
        )

    def grant_read_auth(self, tier: Grantee, *, name: str | None = None) -> aws.iam.RolePolicy:
        """Let ``tier`` (a tier, a role, or a role name with ``name=``) read the AUTH token, and nothing
        more. The child is ``<cache>-read-auth-<name or tier name>``."""
        label, role_name = role_of(tier, name, f"RedisCache '{self._name}'", "grant_read_auth")
        return self.child(
            "grant_policy",
            aws.iam.RolePolicy,
            f"{self._name}-read-auth-{label}",
            {"role": role_name, "policy": pulumi.Output.json_dumps(self._read_auth_policy())},
        )

    def _read_auth_policy(self) -> dict[str, Any]:
        if self.auth_parameter is None:
            statements: list[dict[str, Any]] = [
                {
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": self.auth_secret_arn,
                }
            ]
        else:
            where = aws_context(self)
            region, account, partition = where.region, where.account_id, where.partition
            statements = [
                {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": self.auth_secret_arn},
                {
                    # the SecureString's key (aws/ssm unless transformed), only when SSM decrypts this parameter
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": f"arn:{partition}:kms:{region}:{account}:key/*",
                    "Condition": {
                        "StringEquals": {
                            "kms:ViaService": f"ssm.{region}.amazonaws.com",
                            "kms:EncryptionContext:PARAMETER_ARN": self.auth_secret_arn,
                        }
                    },
                },
            ]
        return {"Version": "2012-10-17", "Statement": statements}

    def connection_env(self) -> dict[str, pulumi.Input[str]]:
        """What an app needs to connect: host, port, TLS on, and the ARN of the AUTH token secret."""
        return {
            "REDIS_HOST": self.primary_endpoint,
            "REDIS_PORT": str(self.port),
            "REDIS_TLS": "true",
            "REDIS_AUTH_SECRET_ARN": self.auth_secret_arn,
        }


def parameter_group_family(engine: str, version: str) -> str:
    """The ElastiCache parameter group family of an engine version (``valkey`` 8.0 → ``valkey8``)."""
    major = version.split(".", 1)[0]
    families = {
        "valkey": {"7": "valkey7", "8": "valkey8"},
        "redis": {"5": "redis5.0", "6": "redis6.x", "7": "redis7"},
    }
    if engine not in families:
        raise ValueError(f"RedisCache engine '{engine}' is not 'valkey' or 'redis'")
    if major not in families[engine]:
        raise ValueError(
            f"RedisCache engine_version '{version}' is not a supported {engine} version "
            f"(majors {', '.join(sorted(families[engine]))}; e.g. {'8.0' if engine == 'valkey' else '7.1'})"
        )
    return families[engine][major]
