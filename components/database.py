"""Database: an RDS PostgreSQL or MySQL instance that survives an AZ loss, with its password kept by RDS."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from ._base import TierComponent, Transforms, tags
from ._context import aws_context
from .compute import LOG_RETENTION_DAYS
from .network import Network

Engine = Literal["postgres", "mysql"]

#: Each engine's port, default version, supported majors (version prefix → parameter family), the
#: parameter turning TLS on for every connection, and the logs it exports to CloudWatch.
ENGINE_PORTS: dict[str, int] = {"postgres": 5432, "mysql": 3306}
DEFAULT_VERSIONS: dict[str, str] = {"postgres": "16", "mysql": "8.0"}
ENGINE_FAMILIES: dict[str, dict[str, str]] = {
    "postgres": {major: f"postgres{major}" for major in ("13", "14", "15", "16", "17")},
    "mysql": {"5.7": "mysql5.7", "8.0": "mysql8.0", "8.4": "mysql8.4"},
}
ENGINE_PARAMETERS: dict[str, list[dict[str, str]]] = {
    "postgres": [{"name": "rds.force_ssl", "value": "1"}],
    "mysql": [
        {"name": "require_secure_transport", "value": "ON"},
        {"name": "slow_query_log", "value": "1"},
        {"name": "long_query_time", "value": "2"},
    ],
}
LOG_EXPORTS: dict[str, list[str]] = {"postgres": ["postgresql", "upgrade"], "mysql": ["error", "slowquery"]}
URL_SCHEMES: dict[str, str] = {"postgres": "postgresql", "mysql": "mysql"}

#: Daily backups in 03:00-04:00 UTC; maintenance on Sunday 05:00-06:00 UTC: they never overlap.
BACKUP_WINDOW = "03:00-04:00"
MAINTENANCE_WINDOW = "sun:05:00-sun:06:00"
#: Performance Insights' free retention (days); longer retention is billed.
PERFORMANCE_INSIGHTS_FREE_DAYS = 7
MONITORING_INTERVALS = frozenset({0, 1, 5, 10, 15, 30, 60})
#: Classes on which RDS for MySQL has no Performance Insights (PostgreSQL has it on every class).
MYSQL_NO_INSIGHTS = frozenset(
    {"db.t2.micro", "db.t2.small", "db.t3.micro", "db.t3.small", "db.t4g.micro", "db.t4g.small"}
)
MAX_READ_REPLICAS = 5

_IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")
_SQL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_CLASS = re.compile(r"^db\.(?P<family>[a-z][a-z0-9-]*)\.(?P<size>[a-z0-9]+)$")
_BURSTABLE_GIB = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}


@dataclass
class DatabaseArgs:
    """Arguments of :class:`Database`; the first eleven map one to one onto ``tierup:database``."""

    network: Network
    """The network: the instance and its replicas live in its private subnets (a DB subnet group)."""

    engine: Engine = "postgres"
    """``postgres`` (default) or ``mysql``."""

    engine_version: str | None = None
    """Engine version (default: PostgreSQL ``16``, MySQL ``8.0``); a major (``16``) lets minor upgrades
    apply in the maintenance window. Picks the parameter group family (``postgres16``, ``mysql8.0``)."""

    instance_class: pulumi.Input[str] = "db.t4g.micro"
    """Instance class, ``db.`` prefixed (default ``db.t4g.micro``: 2 vCPU burstable, 1 GiB)."""

    storage_gb: int = 20
    """Allocated gp3 storage in GiB, 20 to 65536 (default 20)."""

    max_storage_gb: int | None = None
    """Storage autoscaling ceiling in GiB, at least 10% above ``storage_gb`` (default: twice ``storage_gb``,
    at least 100); equal to ``storage_gb`` turns autoscaling off."""

    multi_az: bool = False
    """Keep a synchronous standby in another AZ that RDS fails over to in about a minute (default off;
    on in staging and prod). Doubles the instance and storage price."""

    backup_retention_days: int = 7
    """Days of automated backups (point-in-time restore), 0 to 35 (default 7); at least 1 with read replicas."""

    deletion_protection: bool = True
    """Refuse deletion while on (default on; off in dev). A final snapshot is taken on delete either way."""

    performance_insights: bool = True
    """Performance Insights with its free 7-day retention (default on). RDS for MySQL has none on
    db.t*.micro/small: turn it off there."""

    read_replicas: int = 0
    """Read replicas, 0 to 5 (default 0), each in another AZ than the primary's; needs 2+ AZs."""

    database_name: str = "app"
    """The database created at launch (default ``app``): letters, digits and ``_``, starting with a letter."""

    master_username: str = "dbadmin"
    """The master user (default ``dbadmin``); its password is generated and rotated by RDS in Secrets Manager."""

    kms_key_id: pulumi.Input[str] | None = None
    """KMS key ARN encrypting storage, snapshots and Performance Insights (default: a key created here, with
    rotation, $1/month)."""

    monitoring_interval: int = 60
    """Enhanced Monitoring (OS metrics) every N seconds: 0 (off), 1, 5, 10, 15, 30 or 60 (default 60, a few
    cents a month of CloudWatch Logs)."""

    log_retention_days: int = 30
    """Days the exported engine logs are kept in CloudWatch Logs (default 30)."""

    identifier: str | None = None
    """The RDS instance identifier, unique in the account and region (default: ``<project>-<stack>-<name>``,
    lower-cased, so two stacks or projects in one account never collide); replicas add ``-replica-N`` and
    the final snapshot ``-final``."""

    protect: bool = False
    """Protect and retain on delete the instance, its replicas and its KMS key (default off; on in staging
    and prod)."""

    transform: Transforms | None = None
    """Adjust any child's args, keyed by the names in :attr:`Database.TRANSFORMABLE` (default none)."""


class Database(TierComponent):
    """A managed PostgreSQL or MySQL database for the app and worker tiers.

    Encrypted storage (KMS), gp3 with autoscaling, automated backups, deletion protection and a final
    snapshot, TLS required by the parameter group, Performance Insights, Enhanced Monitoring and engine
    logs in CloudWatch. The master password is generated, kept and rotated by RDS in Secrets Manager:
    apps get the secret's ARN, never the password. Its security group admits nobody until
    :meth:`allow_from`::

        db = Database("db", DatabaseArgs(network=network, multi_az=True, backup_retention_days=14, protect=True))
        app = AppTier("web", AppTierArgs(..., env=db.connection_env(), secrets=db.connection_secrets()))
        db.allow_from(app)                 # the engine port from the app tier's security group only

    ``connection_env()`` gives ``DATABASE_HOST/PORT/NAME/USER`` and ``DATABASE_SECRET_ARN``; ``connection_secrets()`` gives
    ``DATABASE_PASSWORD`` (the ``password`` key of the RDS-managed secret) and ``DATABASE_URL``, both
    composed at container start on the instance, through the tier's own role. RDS rotates the password
    every 7 days: open connections stay up, but a client opening new ones after that must re-read the
    secret (its ARN is ``DATABASE_SECRET_ARN``; the tier's role may read it) or its container restart.

    **Cost** (us-east-1): a db.t4g.micro PostgreSQL is about $12/month, $24 Multi-AZ; a db.t4g.small $24
    ($47 Multi-AZ). gp3 storage $0.115/GB-month ($0.23 Multi-AZ): 20 GB is $2.30. Backups up to the
    storage size are free, beyond $0.095/GB-month. Each read replica costs one more instance plus its
    storage. The KMS key is $1/month, the master secret $0.40/month; Performance Insights' 7 days are free.
    """

    TRANSFORMABLE = frozenset(
        {
            "kms_key",
            "security_group",
            "ingress_rule",
            "subnet_group",
            "parameter_group",
            "log_group",
            "monitoring_role",
            "monitoring_policy",
            "instance",
            "replica",
            "grant_policy",
        }
    )

    instance: aws.rds.Instance
    replicas: list[aws.rds.Instance]
    security_group: aws.ec2.SecurityGroup
    subnet_group: aws.rds.SubnetGroup
    parameter_group: aws.rds.ParameterGroup
    kms_key: aws.kms.Key | None
    monitoring_role: aws.iam.Role | None
    log_groups: list[aws.cloudwatch.LogGroup]
    engine: str
    engine_version: str
    family: str
    port: int
    identifier: str
    replica_identifiers: list[str]
    address: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    replica_addresses: list[pulumi.Output[str]]
    database_name: str
    username: str
    master_user_secret_arn: pulumi.Output[str]
    storage_gb: int
    memory_gib: float | None
    max_connections: int | None

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        self.engine_version = args.engine_version or DEFAULT_VERSIONS.get(args.engine, "")
        self.identifier = args.identifier or default_identifier(
            f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}"
        )
        self.family = _validate(name, args, self.engine_version, self.identifier)
        super().__init__("tierup:database:Database", name, args.transform, opts)
        self._args = args
        self.engine = args.engine
        self.port = ENGINE_PORTS[args.engine]
        self.database_name = args.database_name
        self.username = args.master_username
        self.storage_gb = args.storage_gb
        self.memory_gib = instance_memory_gib(args.instance_class)
        self.max_connections = estimated_max_connections(args.engine, self.memory_gib)
        self.replica_identifiers = [f"{self.identifier}-replica-{i + 1}" for i in range(args.read_replicas)]
        self._keep = (
            pulumi.ResourceOptions(protect=True, retain_on_delete=True)
            if args.protect
            else pulumi.ResourceOptions()
        )
        self._create_kms_key()
        self._create_security_group()
        self._create_subnet_group()
        self._create_parameter_group()
        self._create_log_groups()
        self._create_monitoring_role()
        self._create_instance()
        self._create_replicas()
        self.register_outputs(
            {
                "identifier": self.identifier,
                "address": self.address,
                "endpoint": self.endpoint,
                "port": self.port,
                "databaseName": self.database_name,
                "username": self.username,
                "masterUserSecretArn": self.master_user_secret_arn,
                "replicaAddresses": self.replica_addresses,
                "securityGroupId": self.security_group.id,
                "engine": self.engine,
            }
        )

    # ---- steps ---------------------------------------------------------------------------

    def _create_kms_key(self) -> None:
        """A key of its own unless one is given: snapshots stay readable only while it exists."""
        self.kms_key = None
        if self._args.kms_key_id is not None:
            self._kms_key_arn: pulumi.Input[str] = self._args.kms_key_id
            return
        self.kms_key = self.child(
            "kms_key",
            aws.kms.Key,
            f"{self._name}-db-key",
            {
                "description": f"tierup database {self._name}: storage, snapshots, Performance Insights",
                "enable_key_rotation": True,
                "deletion_window_in_days": 30,
                "tags": tags(f"{self._name}-db-key"),
            },
            self._keep,
        )
        self._kms_key_arn = self.kms_key.arn

    def _create_security_group(self) -> None:
        """No rules at all: clients are admitted one by one with :meth:`allow_from`."""
        self.security_group = self.child(
            "security_group",
            aws.ec2.SecurityGroup,
            f"{self._name}-db",
            {
                "vpc_id": self._args.network.vpc_id,
                "description": f"tierup database {self._name}: {self.port} from allowed tiers only",
                "tags": tags(f"{self._name}-db"),
            },
        )

    def _create_subnet_group(self) -> None:
        self.subnet_group = self.child(
            "subnet_group",
            aws.rds.SubnetGroup,
            f"{self._name}-db",
            {
                "description": f"private subnets of database {self._name}",
                "subnet_ids": self._args.network.private_subnet_ids,
                "tags": tags(f"{self._name}-db"),
            },
        )

    def _create_parameter_group(self) -> None:
        self.parameter_group = self.child(
            "parameter_group",
            aws.rds.ParameterGroup,
            f"{self._name}-db",
            {
                "family": self.family,
                "description": f"parameters of database {self._name}: TLS required",
                "parameters": ENGINE_PARAMETERS[self.engine],
                "tags": tags(f"{self._name}-db"),
            },
        )

    def _create_log_groups(self) -> None:
        """The groups RDS exports to, created first so they have a retention (RDS's own never expire)."""
        self.log_groups = [
            self.child(
                "log_group",
                aws.cloudwatch.LogGroup,
                f"{ident}-{log}",
                {
                    "name": f"/aws/rds/instance/{ident}/{log}",
                    "retention_in_days": self._args.log_retention_days,
                    "tags": tags(f"{ident}-{log}"),
                },
            )
            for ident in [self.identifier, *self.replica_identifiers]
            for log in LOG_EXPORTS[self.engine]
        ]

    def _create_monitoring_role(self) -> None:
        self.monitoring_role = None
        if self._args.monitoring_interval == 0:
            return
        partition = aws_context(self).partition
        self.monitoring_role = self.child(
            "monitoring_role",
            aws.iam.Role,
            f"{self._name}-db-monitoring",
            {
                "description": f"RDS Enhanced Monitoring of database {self._name}",
                "assume_role_policy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                ),
                "tags": tags(f"{self._name}-db-monitoring"),
            },
        )
        self.child(
            "monitoring_policy",
            aws.iam.RolePolicyAttachment,
            f"{self._name}-db-monitoring",
            {
                "role": self.monitoring_role.name,
                "policy_arn": pulumi.Output.concat(
                    "arn:", partition, ":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
                ),
            },
        )

    def _common(self) -> dict[str, Any]:
        """What the primary and its replicas share."""
        args = self._args
        common: dict[str, Any] = {
            "instance_class": args.instance_class,
            "storage_type": "gp3",
            "max_allocated_storage": _max_storage(args),
            "storage_encrypted": True,
            "publicly_accessible": False,
            "vpc_security_group_ids": [self.security_group.id],
            "parameter_group_name": self.parameter_group.name,
            "port": self.port,
            "deletion_protection": args.deletion_protection,
            "copy_tags_to_snapshot": True,
            "auto_minor_version_upgrade": True,
            "enabled_cloudwatch_logs_exports": LOG_EXPORTS[self.engine],
            "performance_insights_enabled": args.performance_insights,
            "monitoring_interval": args.monitoring_interval,
        }
        if args.performance_insights:
            common["performance_insights_retention_period"] = PERFORMANCE_INSIGHTS_FREE_DAYS
            common["performance_insights_kms_key_id"] = self._kms_key_arn
        if self.monitoring_role is not None:
            common["monitoring_role_arn"] = self.monitoring_role.arn
        return common

    def _create_instance(self) -> None:
        args = self._args
        spec = {
            **self._common(),
            "identifier": self.identifier,
            "engine": self.engine,
            "engine_version": self.engine_version,
            "allocated_storage": args.storage_gb,
            "kms_key_id": self._kms_key_arn,  # replicas in the region always use their source's key
            "db_name": args.database_name,
            "username": args.master_username,
            "manage_master_user_password": True,
            "db_subnet_group_name": self.subnet_group.name,
            "multi_az": args.multi_az,
            "backup_retention_period": args.backup_retention_days,
            "backup_window": BACKUP_WINDOW,
            "maintenance_window": MAINTENANCE_WINDOW,
            "delete_automated_backups": False,
            "skip_final_snapshot": False,
            "final_snapshot_identifier": f"{self.identifier}-final",
            "tags": tags(self._name),
        }
        if not args.multi_az:
            spec["availability_zone"] = args.network.azs[0]  # replicas then go to the other AZs
        depends = pulumi.ResourceOptions(depends_on=self.log_groups[: len(LOG_EXPORTS[self.engine])])
        self.instance = self.child(
            "instance", aws.rds.Instance, self._name, spec, pulumi.ResourceOptions.merge(self._keep, depends)
        )
        self.address = self.instance.address
        self.endpoint = self.instance.endpoint
        self.master_user_secret_arn = self.instance.master_user_secrets.apply(_first_secret_arn)

    def _create_replicas(self) -> None:
        """Each replica in the next AZ after the primary's, wrapping past the last one but never onto AZ 0."""
        azs = self._args.network.azs
        exports = len(LOG_EXPORTS[self.engine])
        self.replicas = []
        for index, ident in enumerate(self.replica_identifiers):
            depends = pulumi.ResourceOptions(
                depends_on=self.log_groups[exports * (index + 1) : exports * (index + 2)]
            )
            replica = self.child(
                "replica",
                aws.rds.Instance,
                f"{self._name}-replica-{index + 1}",
                {
                    **self._common(),
                    "identifier": ident,
                    "replicate_source_db": self.instance.identifier,
                    "availability_zone": azs[1 + index % (len(azs) - 1)],
                    "multi_az": False,
                    # a replica holds no data of its own: deleting it needs no snapshot
                    "skip_final_snapshot": True,
                    "tags": tags(f"{self._name}-replica-{index + 1}"),
                },
                pulumi.ResourceOptions.merge(self._keep, depends),
            )
            self.replicas.append(replica)
        self.replica_addresses = [r.address for r in self.replicas]

    # ---- wiring --------------------------------------------------------------------------

    def allow_from(self, client: Any, name: str | None = None) -> aws.vpc.SecurityGroupIngressRule:
        """Admit ``client`` on the engine port, and nobody else.

        ``client`` is a tier (anything with a ``security_group``), an ``aws.ec2.SecurityGroup`` or a
        security group id (then ``name`` is required: it names the rule).
        """
        group = getattr(client, "security_group", client)
        source = group.id if isinstance(group, aws.ec2.SecurityGroup) else group
        label = name or _resource_name(client) or _resource_name(group)
        if label is None:
            raise ValueError(f"Database '{self._name}': allow_from(<security group id>) needs name=")
        return self.child(
            "ingress_rule",
            aws.vpc.SecurityGroupIngressRule,
            f"{self._name}-db-from-{label}",
            {
                "security_group_id": self.security_group.id,
                "referenced_security_group_id": source,
                "ip_protocol": "tcp",
                "from_port": self.port,
                "to_port": self.port,
                "description": f"{self.engine} from {label}",
            },
        )

    def grant_read_password(self, client: Any, name: str | None = None) -> aws.iam.RolePolicy:
        """Let ``client`` read the RDS-managed master secret, and nothing more.

        ``client`` is a tier (anything with a ``role``), an ``aws.iam.Role`` or a role name (then ``name``
        is required). Tiers given ``connection_secrets()`` already read it through their own role.
        """
        role = getattr(client, "role", client)
        role_name = role.name if isinstance(role, aws.iam.Role) else role
        label = name or _resource_name(client) or _resource_name(role)
        if label is None:
            raise ValueError(f"Database '{self._name}': grant_read_password(<role name>) needs name=")
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": self.master_user_secret_arn,
                }
            ],
        }
        return self.child(
            "grant_policy",
            aws.iam.RolePolicy,
            f"{self._name}-read-password-{label}",
            {"role": role_name, "policy": pulumi.Output.json_dumps(policy)},
        )

    def connection_env(self) -> dict[str, pulumi.Input[str]]:
        """The plain connection values: host, port, database name, user, and the ARN of the secret RDS
        keeps the password in (to re-read it after a rotation); no secret among them."""
        return {
            "DATABASE_HOST": self.address,
            "DATABASE_PORT": str(self.port),
            "DATABASE_NAME": self.database_name,
            "DATABASE_USER": self.username,
            "DATABASE_SECRET_ARN": self.master_user_secret_arn,
        }

    def connection_secrets(self) -> dict[str, pulumi.Input[str]]:
        """Secret references for a tier's ``secrets``, resolved at container start through its role.

        ``DATABASE_PASSWORD`` is ``<secret arn>#password`` (the ``password`` key of the JSON secret RDS
        keeps); ``DATABASE_URL`` is a URL template whose ``{DATABASE_PASSWORD}`` is filled in, URL-encoded,
        on the instance — neither value is ever in user data or the plan.
        """
        query = "?sslmode=require" if self.engine == "postgres" else ""
        url = pulumi.Output.concat(
            f"{URL_SCHEMES[self.engine]}://{self.username}:{{DATABASE_PASSWORD}}@",
            self.address,
            f":{self.port}/{self.database_name}{query}",
        )
        return {
            "DATABASE_PASSWORD": pulumi.Output.concat(self.master_user_secret_arn, "#password"),
            "DATABASE_URL": url,
        }


# ---- facts and validation (pure functions) -------------------------------------------------------


def parameter_group_family(engine: str, version: str) -> str:
    """The RDS parameter group family of an engine version (``postgres`` 16.4 → ``postgres16``)."""
    if engine not in ENGINE_FAMILIES:
        raise ValueError(f"Database engine '{engine}' is not 'postgres' or 'mysql'")
    families = ENGINE_FAMILIES[engine]
    parts = version.split(".")
    key = parts[0] if engine == "postgres" else ".".join(parts[:2])
    if key not in families or not all(p.isdigit() for p in parts):
        raise ValueError(
            f"Database engine_version '{version}' is not a supported {engine} version "
            f"(majors {', '.join(families)}; e.g. {DEFAULT_VERSIONS[engine]})"
        )
    return families[key]


def default_identifier(name: str) -> str:
    """An RDS identifier from a name: lower case, letters/digits/single hyphens, starting with a letter, at
    most 50 characters (a longer name keeps its head and a hash of the whole, so it stays distinct)."""
    ident = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", name.lower())).strip("-")
    if not ident or not ident[0].isalpha():
        ident = f"db-{ident}".rstrip("-")
    if len(ident) > 50:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        ident = f"{ident[:41].rstrip('-')}-{digest}"
    return ident


def instance_memory_gib(instance_class: Any) -> float | None:
    """Memory of a DB instance class (burstable t*, general purpose m*, memory optimized r*), else None."""
    match = _CLASS.match(instance_class) if isinstance(instance_class, str) else None
    if not match:
        return None
    family, size = match["family"], match["size"]
    if family.startswith("t"):
        return _BURSTABLE_GIB.get(size)
    per_large = {"m": 8, "r": 16}.get(family[0])
    if per_large is None:
        return None
    if size == "large":
        return per_large
    multiple = re.fullmatch(r"(\d*)xlarge", size)
    if not multiple:
        return None
    return per_large * 2 * int(multiple[1] or 1)


def estimated_max_connections(engine: str, memory_gib: float | None) -> int | None:
    """RDS's default ``max_connections`` for the class memory (PostgreSQL: memory/9531392, at most 5000;
    MySQL: memory/12582880), before the OS reservation; None when the memory is unknown."""
    if memory_gib is None:
        return None
    memory = memory_gib * 1024**3
    if engine == "postgres":
        return int(min(memory // 9531392, 5000))
    return int(memory // 12582880)


def _max_storage(args: DatabaseArgs) -> int:
    """``max_allocated_storage``: the ceiling, or 0 (autoscaling off) when it equals the storage."""
    ceiling = args.max_storage_gb if args.max_storage_gb is not None else default_max_storage(args.storage_gb)
    return 0 if ceiling == args.storage_gb else ceiling


def default_max_storage(storage_gb: int) -> int:
    """The default autoscaling ceiling: twice the storage, at least 100 GiB, at most 65536."""
    return min(max(100, 2 * storage_gb), 65536)


def _validate(name: str, args: DatabaseArgs, version: str, identifier: str) -> str:
    """Refuse what RDS would refuse (or accept wrongly), saying what to change; the parameter family."""
    label = f"Database '{name}'"
    family = parameter_group_family(args.engine, version)
    if isinstance(args.instance_class, str) and not _CLASS.match(args.instance_class):
        raise ValueError(f"{label}: instance_class '{args.instance_class}' is not like db.t4g.micro")
    if not 20 <= args.storage_gb <= 65536:
        raise ValueError(f"{label}: storage_gb must be 20 to 65536 (got {args.storage_gb})")
    ceiling = args.max_storage_gb
    if ceiling is not None:
        if not args.storage_gb <= ceiling <= 65536:
            raise ValueError(
                f"{label}: max_storage_gb must be storage_gb ({args.storage_gb}) to 65536 (got {ceiling})"
            )
        if args.storage_gb < ceiling and ceiling * 10 < args.storage_gb * 11:  # integers: 55 is 10% above 50
            raise ValueError(
                f"{label}: max_storage_gb must be at least 10% above storage_gb "
                f"({args.storage_gb * 1.1:g}), or equal to it to turn storage autoscaling off (got {ceiling})"
            )
    if not 0 <= args.backup_retention_days <= 35:
        raise ValueError(f"{label}: backup_retention_days must be 0 to 35 (got {args.backup_retention_days})")
    if not 0 <= args.read_replicas <= MAX_READ_REPLICAS:
        raise ValueError(
            f"{label}: read_replicas must be 0 to {MAX_READ_REPLICAS} (got {args.read_replicas})"
        )
    if args.read_replicas and len(args.network.azs) < 2:
        raise ValueError(f"{label}: read_replicas need a network of 2 or more AZs (raise az_count)")
    if args.read_replicas and args.backup_retention_days < 1:
        raise ValueError(f"{label}: read_replicas need backup_retention_days of 1 or more (got 0)")
    limit = 63 if args.engine == "postgres" else 64
    if not _SQL_NAME.match(args.database_name) or len(args.database_name) > limit:
        raise ValueError(
            f"{label}: database_name '{args.database_name}' must be letters, digits and _, starting with a "
            f"letter, at most {limit} characters"
        )
    if (
        not _SQL_NAME.match(args.master_username)
        or len(args.master_username) > 16
        or args.master_username.lower().startswith("rds")
    ):
        raise ValueError(
            f"{label}: master_username '{args.master_username}' must be letters, digits and _, starting with "
            "a letter, at most 16 characters, not starting with 'rds'"
        )
    if not _IDENTIFIER.match(identifier):
        raise ValueError(
            f"{label}: identifier '{identifier}' must be lower-case letters, digits and single hyphens, "
            "starting with a letter, at most 63 characters"
        )
    if len(identifier) > 50:
        raise ValueError(
            f"{label}: identifier '{identifier}' must be at most 50 characters (replicas add a suffix)"
        )
    if args.monitoring_interval not in MONITORING_INTERVALS:
        raise ValueError(
            f"{label}: monitoring_interval must be one of {', '.join(map(str, sorted(MONITORING_INTERVALS)))} "
            f"(got {args.monitoring_interval})"
        )
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"{label}: log_retention_days {args.log_retention_days} is not a CloudWatch retention "
            "(1, 3, 5, 7, 14, 30, 60, 90, 180, 365, ...)"
        )
    if args.engine == "mysql" and args.performance_insights and args.instance_class in MYSQL_NO_INSIGHTS:
        raise ValueError(
            f"{label}: RDS for MySQL has no Performance Insights on {args.instance_class}; set "
            "performance_insights=False or use db.t4g.medium or larger"
        )
    return family


def _first_secret_arn(secrets: Any) -> str:
    """``master_user_secrets[0].secret_arn`` (RDS fills it in once it has created the secret)."""
    first = secrets[0] if secrets else None
    if first is None:
        raise ValueError("RDS reported no master user secret (manage_master_user_password must be on)")
    value = getattr(first, "secret_arn", None)
    return value if value is not None else first["secret_arn" if "secret_arn" in first else "secretArn"]


def _resource_name(obj: Any) -> str | None:
    """The logical name of a tier component or a resource, when it has one."""
    name = getattr(obj, "_name", None)
    return name if isinstance(name, str) else None
