"""The shared building block of AppTier and WorkerPool: an auto-scaled group of instances running one container.

:class:`InstanceGroup` is not a component of its own: the owning tier (an :class:`~._base.TierComponent`)
passes itself in, and every child is created through the owner's ``child()``, so it is parented to the
tier and adjustable with the tier's ``transform`` under the keys in :data:`INSTANCE_GROUP_KEYS`.

What one group is made of, in creation order:

1. an instance role (SSM Session Manager, ECR pull, writing to its own log group only, reading exactly
   the secrets it is given) and its instance profile;
2. a security group with **no inbound rules** (egress all), which other tiers open with their own rules;
3. a CloudWatch log group, with retention, that the container logs to (``awslogs``);
4. a launch template: Amazon Linux 2023 for the instance type's architecture, IMDSv2 only with hop
   limit 1, encrypted gp3 root volume, no public IP, and a user-data script that waits for the AWS APIs
   (NAT route or endpoints), installs Docker and pulls the image with bounded retries, fetches the
   secrets at boot through the instance role, runs the container under systemd, and reports the
   instance unhealthy when the boot fails or the container stays down (so the group replaces it);
5. the Auto Scaling group across the private subnets (:meth:`InstanceGroup.launch`), with a rolling
   instance refresh on every template change — checkpoints, ``skip_matching`` and an automatic
   rollback when the refresh fails or a given alarm fires — and ``desired_capacity`` left to the
   scaling policies.

User data is readable by anyone who may describe the instance, so it only ever carries the image,
plain environment values and secret **ARNs**; a secret-marked environment value is refused, and user
data that anything secret flowed into is itself marked secret (the ``no-secrets-in-user-data`` policy
refuses it).

**Rolling a new AMI.** The AMI never changes by surprise: without ``ami_id`` the latest Amazon Linux
2023 AMI is looked up when the launch template is *created* and kept afterwards (``image_id`` is in
``ignore_changes``), so a newly published AMI does not touch the template on an unrelated ``pulumi up``.
To roll one, pin it: ``ami_id="ami-0abc..."`` (e.g. from ``aws ssm get-parameter --name
/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64``); the next ``pulumi up`` creates a
template version and the instance refresh replaces the fleet in checkpoints, rolling back on failure or
alarm. ``ami_id="resolve:ssm:<parameter>"`` resolves the AMI at each launch instead, but then AWS cannot
roll a refresh back, so automatic rollback is off for that group.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pulumi
import pulumi_aws as aws

from tierup.aws_facts import (
    AL2023_AMI_PARAMETERS,
    AMI_ID,
    BOOT_ALLOWANCE_SECONDS,
    ENV_NAME,
    architecture,
    ecr_registry,
)

from ._base import tags
from ._context import aws_context
from .network import Network

if TYPE_CHECKING:
    from ._base import TierComponent

#: Transform keys of the children an :class:`InstanceGroup` creates (every owner lists them).
INSTANCE_GROUP_KEYS: frozenset[str] = frozenset(
    {
        "role",
        "role_policy",
        "managed_policy",
        "instance_profile",
        "security_group",
        "egress_rule",
        "log_group",
        "launch_template",
        "auto_scaling_group",
    }
)

#: Public SSM parameters holding the latest Amazon Linux 2023 AMI per architecture.
AMI_PARAMETERS = AL2023_AMI_PARAMETERS
#: AWS managed policies every instance role gets: Session Manager access and pulling from ECR.
SSM_CORE_POLICY = "AmazonSSMManagedInstanceCore"
ECR_PULL_POLICY = "AmazonEC2ContainerRegistryPullOnly"
#: The values CloudWatch Logs accepts for ``retention_in_days``.
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
#: ASG group metrics collected every minute (free); ``GroupInServiceInstances`` drives worker scaling.
GROUP_METRICS = [
    "GroupMinSize",
    "GroupMaxSize",
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupPendingInstances",
    "GroupStandbyInstances",
    "GroupTerminatingInstances",
    "GroupTotalInstances",
]
#: Launch-template user data may not exceed 16 KB before base64 encoding.
USER_DATA_LIMIT = 16 * 1024
ROOT_DEVICE = "/dev/xvda"

#: Instance refresh: replace half the fleet, wait for alarms to judge it, then the rest.
CHECKPOINT_PERCENTAGES = [50, 100]
CHECKPOINT_DELAY_SECONDS = 300
#: How often the drain watcher polls the instance's lifecycle state, and what a terminating instance needs on
#: top of the container's stop timeout (systemd's stop overhead and the complete-lifecycle-action call).
DRAIN_POLL_SECONDS = 5
DRAIN_MARGIN_SECONDS = 30
#: How often the self-health check runs, and after how many failed checks in a row the instance reports
#: itself unhealthy.
HEALTH_CHECK_INTERVAL_SECONDS = 30
HEALTH_CHECK_FAILURES = 3
#: Bounded retries (attempts, first delay in seconds; the delay doubles, capped at 60 s) of boot steps.
RETRY_ATTEMPTS = 6
RETRY_FIRST_DELAY_SECONDS = 5
#: How long the boot waits for the AWS APIs (a NAT route or the interface endpoints) before giving up.
EGRESS_WAIT_SECONDS = 600
#: The ASG tag naming the group uniquely (project/stack/tier); the instance role may report health only
#: for the group carrying it.
GROUP_TAG = "tierup:group"


_SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:(secretsmanager|ssm):[a-z0-9-]+:\d{12}:(secret:|parameter/)[^\s#]+(#[A-Za-z0-9_.-]+)?$"
)
#: ``{NAME}`` in a secret template: another secret of the same container, URL-encoded when filled in.
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Boot-time helpers (python3 ships with Amazon Linux 2023): one key of a JSON secret read from stdin,
# and a template whose {NAME} placeholders become the URL-encoded values of those environment variables.
_JSON_KEY = "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])"
_FILL_TEMPLATE = (
    "import os,re,sys,urllib.parse as u; "
    "print(re.sub(r'[{]([A-Za-z_][A-Za-z0-9_]*)[}]', lambda m: u.quote(os.environ[m[1]], safe=''), sys.argv[1]))"
)


# ---- args ----------------------------------------------------------------------------------------


@dataclass
class Container:
    """What runs on every instance of the group."""

    image: pulumi.Input[str]
    """Image URI; an ECR image (``<account>.dkr.ecr.<region>.amazonaws.com/...``) is pulled after
    logging in through the instance role, any other registry anonymously."""

    command: Sequence[str] | None = None
    """Arguments after the image (default: the image's own CMD)."""

    env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Plain environment values, written into user data (default none). Secret-marked values are refused."""

    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Env var name → Secrets Manager secret ARN (or SSM SecureString parameter ARN), fetched at every
    container start through the instance role, which may read exactly these (default none). A secret
    encrypted with a customer managed KMS key also needs ``kms:Decrypt`` on that key for the role.
    ``<arn>#<key>`` takes one key of a JSON secret (``<rds secret arn>#password``); a value that is not
    an ARN is a template whose ``{NAME}`` placeholders name other secrets here, filled in URL-encoded at
    start (``postgresql://app:{DATABASE_PASSWORD}@host:5432/app``)."""

    port: int | None = None
    """Port the container listens on (host networking); exported to it as ``PORT`` (default none)."""

    stop_timeout_seconds: int = 30
    """Seconds between SIGTERM and SIGKILL when the container is stopped (default 30). A load balancer's
    deregistration delay must be shorter (:attr:`InstanceGroup.deregistration_delay_seconds`)."""

    startup_seconds: int = 60
    """Seconds the service needs after its container starts before it answers health checks (default 60);
    the health-check grace period is :data:`BOOT_ALLOWANCE_SECONDS` plus this."""


@dataclass
class InstanceGroupArgs:
    """Arguments of :class:`InstanceGroup`; the owning tier fills them from its own args."""

    network: Network
    """Where the instances run: the group spans ``network.private_subnet_ids``."""

    container: Container
    """The container every instance runs."""

    instance_type: str = "t4g.small"
    """EC2 instance type ``family.size`` (default ``t4g.small``); Graviton types get the arm64 AMI."""

    min_size: int = 1
    """Fewest instances (default 1)."""

    max_size: int = 2
    """Most instances (default 2)."""

    desired_capacity: int | None = None
    """Instances at creation (default ``min_size``); later deploys never reset it."""

    log_retention_days: int = 30
    """Days the container log group keeps events (default 30)."""

    root_volume_gb: int = 20
    """Size of the encrypted gp3 root volume in GiB (default 20: AL2023 plus a few image layers)."""

    instance_warmup_seconds: int = 120
    """Seconds before a new instance's metrics count for scaling and refresh (default 120)."""

    ami_id: str | None = None
    """AMI: ``"ami-..."`` to pin one (change it to roll the fleet), ``"resolve:ssm:<parameter>"`` to resolve
    at each launch (no automatic rollback then), or none (default): the latest AL2023 AMI for the
    architecture when the template is created, then kept — see "Rolling a new AMI" above."""

    drain_hook_name: str | None = None
    """Name of a termination lifecycle hook the owner adds; when set, every instance watches its own
    lifecycle state, stops the container gracefully (SIGTERM, up to ``stop_timeout_seconds``) and then
    completes the hook (default none)."""


# ---- the group -----------------------------------------------------------------------------------


class InstanceGroup:
    """Role, profile, security group, log group, launch template and ASG of one tier, parented to ``owner``.

    Used by a tier in two steps, so it can add grants to :attr:`role` before instances start::

        group = InstanceGroup(self, name, InstanceGroupArgs(network=..., container=Container(image=...)))
        grant = queue.grant_consume(name, group.role)
        asg = group.launch(depends_on=[grant])
    """

    role: aws.iam.Role
    instance_profile: aws.iam.InstanceProfile
    security_group: aws.ec2.SecurityGroup
    log_group: aws.cloudwatch.LogGroup
    launch_template: aws.ec2.LaunchTemplate
    role_policies: list[aws.iam.RolePolicy]
    asg: aws.autoscaling.Group | None

    def __init__(self, owner: TierComponent, name: str, args: InstanceGroupArgs) -> None:
        self._validate(owner, name, args)
        self._owner = owner
        self._name = name
        self._args = args
        self._label = f"{type(owner).__name__} '{name}'"
        self.architecture = architecture(args.instance_type)
        self.asg = None
        self.role_policies = []
        self._where = aws_context(owner)  # region, account, partition: looked up once per provider
        self._region = self._where.region
        self._partition = self._where.partition
        self.role = self._create_role()
        self._attach_managed_policies()
        self.instance_profile = self._create_instance_profile()
        self.log_group = self._create_log_group()
        self.role_policies.append(self._allow_logs())
        readable = self._allow_secrets()
        if readable is not None:
            self.role_policies.append(readable)
        self.role_policies.append(self._allow_reporting_health())
        self.security_group = self._create_security_group()
        self._allow_egress()
        self.launch_template = self._create_launch_template()

    # ---- validation ------------------------------------------------------------------------

    @staticmethod
    def _validate(owner: TierComponent, name: str, args: InstanceGroupArgs) -> None:
        label = f"{type(owner).__name__} '{name}'"
        architecture(args.instance_type)  # raises on a malformed type
        desired = args.min_size if args.desired_capacity is None else args.desired_capacity
        if not 0 <= args.min_size <= desired <= args.max_size:
            raise ValueError(
                f"{label}: sizes must satisfy 0 ≤ min_size ≤ desired_capacity ≤ max_size "
                f"(got {args.min_size} ≤ {desired} ≤ {args.max_size})"
            )
        if args.max_size < 1:
            raise ValueError(f"{label}: max_size must be at least 1 (got {args.max_size})")
        if args.log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"{label}: log_retention_days {args.log_retention_days} is not a value CloudWatch accepts; "
                f"use one of {', '.join(map(str, sorted(LOG_RETENTION_DAYS)))}"
            )
        for key in [*args.container.env, *args.container.secrets]:
            if not ENV_NAME.match(key):
                raise ValueError(f"{label}: '{key}' is not a valid environment variable name")
        if args.ami_id is not None and not AMI_ID.match(args.ami_id):
            raise ValueError(
                f"{label}: ami_id must be an AMI id (ami-0123456789abcdef0) or resolve:ssm:<parameter> "
                f"(got '{args.ami_id[:40]}')"
            )
        if args.container.stop_timeout_seconds < 1 or args.container.startup_seconds < 0:
            raise ValueError(f"{label}: stop_timeout_seconds must be ≥ 1 and startup_seconds ≥ 0")
        both = sorted(set(args.container.env) & set(args.container.secrets))
        if both:
            raise ValueError(f"{label}: {', '.join(both)} set in both env and secrets; keep one")

    # ---- IAM -------------------------------------------------------------------------------

    def _create_role(self) -> aws.iam.Role:
        assume = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        return self._owner.child(
            "role",
            aws.iam.Role,
            f"{self._name}-role",
            {
                "assume_role_policy": pulumi.Output.json_dumps(assume),
                "description": f"Instances of the tierup tier {self._name}",
                "tags": tags(f"{self._name}-role"),
            },
        )

    def _attach_managed_policies(self) -> None:
        for suffix, policy in (("ssm", SSM_CORE_POLICY), ("ecr", ECR_PULL_POLICY)):
            self._owner.child(
                "managed_policy",
                aws.iam.RolePolicyAttachment,
                f"{self._name}-{suffix}",
                {
                    "role": self.role.name,
                    "policy_arn": pulumi.Output.concat("arn:", self._partition, ":iam::aws:policy/", policy),
                },
            )

    def _create_instance_profile(self) -> aws.iam.InstanceProfile:
        return self._owner.child(
            "instance_profile",
            aws.iam.InstanceProfile,
            f"{self._name}-profile",
            {"role": self.role.name, "tags": tags(f"{self._name}-profile")},
        )

    def _allow_logs(self) -> aws.iam.RolePolicy:
        """Write access to the group's own log group (its streams), nothing else in CloudWatch Logs."""
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ContainerLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": [self.log_group.arn, pulumi.Output.concat(self.log_group.arn, ":*")],
                }
            ],
        }
        return self.add_role_policy("logs", pulumi.Output.json_dumps(document))

    def _allow_secrets(self) -> aws.iam.RolePolicy | None:
        """Read access to exactly the secrets the container is given."""
        if not self._args.container.secrets:
            return None
        arns = pulumi.Output.all(*(self._secret_arn(k, v) for k, v in self._args.container.secrets.items()))
        return self.add_role_policy("secrets", arns.apply(secrets_policy))

    @property
    def group_tag(self) -> str:
        """The value of the ASG's :data:`GROUP_TAG`: unique per project, stack and tier."""
        return f"{pulumi.get_project()}/{pulumi.get_stack()}/{self._name}"

    def _allow_reporting_health(self) -> aws.iam.RolePolicy:
        """``SetInstanceHealth`` on the own group only (matched by its tag, so it exists before the group)."""
        account = self._where.account_id
        groups = pulumi.Output.concat(
            "arn:",
            self._partition,
            ":autoscaling:",
            self._region,
            ":",
            account,
            ":autoScalingGroup:*:autoScalingGroupName/*",
        )
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReportOwnHealth",
                    "Effect": "Allow",
                    "Action": "autoscaling:SetInstanceHealth",
                    "Resource": groups,
                    "Condition": {"StringEquals": {f"autoscaling:ResourceTag/{GROUP_TAG}": self.group_tag}},
                }
            ],
        }
        return self.add_role_policy("health", pulumi.Output.json_dumps(document))

    @property
    def health_check_grace_period_seconds(self) -> int:
        """Boot allowance plus the service's start-up: how long a new instance is not judged."""
        return BOOT_ALLOWANCE_SECONDS + self._args.container.startup_seconds

    @property
    def deregistration_delay_seconds(self) -> int:
        """A target group deregistration delay shorter than the container's stop timeout."""
        return max(0, self._args.container.stop_timeout_seconds - 10)

    @property
    def drain_heartbeat_seconds(self) -> int:
        """A termination lifecycle hook's heartbeat covering the container's stop and the drain watcher."""
        return drain_heartbeat_seconds(self._args.container.stop_timeout_seconds)

    def add_role_policy(self, suffix: str, policy: pulumi.Input[str]) -> aws.iam.RolePolicy:
        """Add an inline policy to the instance role (key ``role_policy``)."""
        return self._owner.child(
            "role_policy",
            aws.iam.RolePolicy,
            f"{self._name}-{suffix}",
            {"role": self.role.id, "policy": policy},
        )

    # ---- network and logs ------------------------------------------------------------------

    def _create_security_group(self) -> aws.ec2.SecurityGroup:
        """No inline rules: inbound stays closed until another tier adds a rule for its own group."""
        return self._owner.child(
            "security_group",
            aws.ec2.SecurityGroup,
            f"{self._name}-sg",
            {
                "vpc_id": self._args.network.vpc_id,
                "description": f"tierup {self._name} instances: no inbound unless a tier allows it",
                "tags": tags(f"{self._name}-sg"),
            },
        )

    def _allow_egress(self) -> aws.vpc.SecurityGroupEgressRule:
        return self._owner.child(
            "egress_rule",
            aws.vpc.SecurityGroupEgressRule,
            f"{self._name}-egress",
            {
                "security_group_id": self.security_group.id,
                "ip_protocol": "-1",
                "cidr_ipv4": "0.0.0.0/0",
                "description": "All outbound (package installs, ECR, AWS APIs through NAT or endpoints)",
                "tags": tags(f"{self._name}-egress"),
            },
        )

    def _create_log_group(self) -> aws.cloudwatch.LogGroup:
        return self._owner.child(
            "log_group",
            aws.cloudwatch.LogGroup,
            f"{self._name}-logs",
            {
                "name": f"/tierup/{pulumi.get_project()}/{pulumi.get_stack()}/{self._name}",
                "retention_in_days": self._args.log_retention_days,
                "tags": tags(f"{self._name}-logs"),
            },
        )

    # ---- launch template -------------------------------------------------------------------

    def _ami_id(self) -> pulumi.Input[str]:
        if self._args.ami_id is not None:
            return self._args.ami_id
        parameter = aws.ssm.get_parameter_output(
            name=AMI_PARAMETERS[self.architecture], opts=pulumi.InvokeOutputOptions(parent=self._owner)
        )
        return parameter.insecure_value

    def _create_launch_template(self) -> aws.ec2.LaunchTemplate:
        name, args = self._name, self._args
        instance_tags = tags(name)
        return self._owner.child(
            "launch_template",
            aws.ec2.LaunchTemplate,
            f"{name}-lt",
            {
                "description": f"tierup {name}: AL2023 {self.architecture}, one container under systemd",
                "image_id": self._ami_id(),
                "instance_type": args.instance_type,
                "iam_instance_profile": {"arn": self.instance_profile.arn},
                "metadata_options": {
                    "http_endpoint": "enabled",
                    "http_tokens": "required",
                    "http_put_response_hop_limit": 1,
                    "instance_metadata_tags": "disabled",
                },
                "block_device_mappings": [
                    {
                        "device_name": ROOT_DEVICE,
                        "ebs": {
                            "volume_size": args.root_volume_gb,
                            "volume_type": "gp3",
                            "encrypted": "true",
                            "delete_on_termination": "true",
                        },
                    }
                ],
                "network_interfaces": [
                    {
                        "device_index": 0,
                        "associate_public_ip_address": "false",
                        "delete_on_termination": "true",
                        "security_groups": [self.security_group.id],
                    }
                ],
                "monitoring": {"enabled": True},
                "user_data": self._user_data(),
                "update_default_version": True,
                "tag_specifications": [
                    {"resource_type": kind, "tags": instance_tags}
                    for kind in ("instance", "volume", "network-interface")
                ],
                "tags": tags(f"{name}-lt"),
            },
            # the looked-up AMI is kept: a newly published one never rolls the fleet by surprise
            pulumi.ResourceOptions(ignore_changes=["imageId"]) if args.ami_id is None else None,
        )

    def _user_data(self) -> pulumi.Output[str]:
        container = self._args.container
        env: dict[str, pulumi.Input[str]] = {"AWS_REGION": self._region, "AWS_DEFAULT_REGION": self._region}
        if container.port is not None:
            env["PORT"] = str(container.port)
        env.update(container.env)
        env_values = _resolve_dict({k: self._plain_env(k, v) for k, v in env.items()})
        secret_arns = _resolve_dict({k: self._secret_arn(k, v) for k, v in container.secrets.items()})

        def render(values: list[Any]) -> str:
            image, region, log_group, env_resolved, secrets_resolved = values
            script = render_user_data(
                name=self._name,
                image=image,
                command=list(container.command or []),
                env=env_resolved,
                secrets=secrets_resolved,
                region=region,
                log_group=log_group,
                stop_timeout_seconds=container.stop_timeout_seconds,
                drain_hook_name=self._args.drain_hook_name,
                health_check_after_seconds=self.health_check_grace_period_seconds,
            )
            if len(script.encode()) > USER_DATA_LIMIT:
                raise ValueError(
                    f"{self._label}: user data is {len(script.encode())} bytes, over EC2's 16 KB; "
                    "move large env values into a secret or a config file in the image"
                )
            return base64.b64encode(script.encode()).decode()

        inputs = [container.image, self._region, self.log_group.name, env_values, secret_arns]
        rendered = pulumi.Output.all(*inputs).apply(render)

        async def any_secret() -> bool:
            return any([await pulumi.Output.from_input(i).is_secret() for i in inputs])

        # anything secret that flowed in keeps the whole script secret (and no-secrets-in-user-data refuses it)
        return pulumi.Output.all(rendered, pulumi.Output.from_input(any_secret())).apply(
            lambda pair: pulumi.Output.secret(pair[0]) if pair[1] else pair[0]
        )

    def _plain_env(self, key: str, value: pulumi.Input[str]) -> pulumi.Output[str]:
        """The value, refused if it is secret-marked (it would be written in clear into user data)."""
        out = pulumi.Output.from_input(value)

        async def secret() -> bool:
            return await out.is_secret()

        def check(pair: list[Any]) -> str:
            text, is_secret = pair
            if is_secret:
                raise ValueError(
                    f"{self._label}: env var {key} holds a secret value, and user data is readable by anyone "
                    "who may describe the instance; store it in Secrets Manager and pass the secret's ARN "
                    f"in secrets={{'{key}': <arn>}} so the instance fetches it at boot"
                )
            return _check_env_value(self._label, key, str(text))

        return pulumi.Output.all(out, pulumi.Output.from_input(secret())).apply(check)

    def _secret_arn(self, key: str, value: pulumi.Input[str]) -> pulumi.Output[str]:
        """A secret's ARN (never its value): validated, and unmarked if an ARN arrived secret-marked."""

        def check(arn: str) -> str:
            if not _SECRET_ARN.match(arn) and not is_secret_template(arn):
                raise ValueError(
                    f"{self._label}: secrets['{key}'] must be a Secrets Manager secret ARN or an SSM "
                    f"parameter ARN (optionally #<json key>), or a template of {{NAME}} placeholders "
                    f"(got '{arn[:60]}')"
                )
            return arn

        return pulumi.Output.unsecret(pulumi.Output.from_input(value).apply(check))

    # ---- Auto Scaling group ----------------------------------------------------------------

    def launch(
        self,
        *,
        target_group_arns: Sequence[pulumi.Input[str]] | None = None,
        health_check_type: Literal["EC2", "ELB"] = "EC2",
        health_check_grace_period_seconds: int | None = None,
        rollback_alarm_names: Sequence[pulumi.Input[str]] = (),
        deregistration_delay_seconds: int | None = None,
        depends_on: Sequence[pulumi.Resource | None] = (),
    ) -> aws.autoscaling.Group:
        """Create the Auto Scaling group (key ``auto_scaling_group``) once the role has all its grants.

        ``health_check_grace_period_seconds`` defaults to :attr:`health_check_grace_period_seconds` (boot
        plus the service's start-up). ``rollback_alarm_names`` are CloudWatch alarms (e.g. the target
        group's unhealthy hosts and 5xx) that fail and roll back an instance refresh when they fire.
        ``deregistration_delay_seconds``, when given (the target group's), must be shorter than the
        container's stop timeout. ``depends_on`` lists what instances need before they boot (grants,
        ingress rules, listener rules); the network's egress (NAT routes, interface endpoints) is always
        among them.
        """
        if self.asg is not None:
            raise AssertionError(f"{self._label}: launch() called twice")
        args = self._args
        name = self._name
        stop = args.container.stop_timeout_seconds
        if deregistration_delay_seconds is not None and deregistration_delay_seconds >= stop:
            raise ValueError(
                f"{self._label}: the target group's deregistration delay ({deregistration_delay_seconds} s) "
                f"must be shorter than the container's stop timeout ({stop} s); use "
                f"{self.deregistration_delay_seconds} or raise stop_timeout_seconds"
            )
        grace = (
            self.health_check_grace_period_seconds
            if health_check_grace_period_seconds is None
            else health_check_grace_period_seconds
        )
        preferences: dict[str, Any] = {
            "min_healthy_percentage": 90,
            # launch replacements before terminating (the difference may be at most 100)
            "max_healthy_percentage": 190,
            "instance_warmup": str(args.instance_warmup_seconds),
            "skip_matching": True,
            "checkpoint_percentages": CHECKPOINT_PERCENTAGES,
            "checkpoint_delay": str(CHECKPOINT_DELAY_SECONDS),
            # AWS cannot roll back to a template whose AMI is an SSM parameter
            "auto_rollback": not (args.ami_id or "").startswith("resolve:ssm:"),
        }
        if rollback_alarm_names:
            preferences["alarm_specification"] = {"alarms": list(rollback_alarm_names)}
        group_args: dict[str, Any] = {
            "vpc_zone_identifiers": args.network.private_subnet_ids,
            "min_size": args.min_size,
            "max_size": args.max_size,
            "desired_capacity": args.min_size if args.desired_capacity is None else args.desired_capacity,
            "launch_template": {
                "id": self.launch_template.id,
                "version": self.launch_template.latest_version.apply(str),
            },
            "health_check_type": health_check_type,
            "health_check_grace_period": grace,
            "default_instance_warmup": args.instance_warmup_seconds,
            "instance_refresh": {"strategy": "Rolling", "preferences": preferences},
            "capacity_rebalance": True,
            "enabled_metrics": GROUP_METRICS,
            "metrics_granularity": "1Minute",
            "termination_policies": ["OldestLaunchTemplate", "Default"],
            "tags": [
                *({"key": k, "value": v, "propagate_at_launch": True} for k, v in tags(name).items()),
                {"key": GROUP_TAG, "value": self.group_tag, "propagate_at_launch": True},
            ],
        }
        if target_group_arns:
            group_args["target_group_arns"] = list(target_group_arns)
        # instances reach ECR, Secrets Manager and CloudWatch through the NAT routes or the network's endpoints
        endpoints = list((getattr(args.network, "interface_endpoints", None) or {}).values())
        egress = list(getattr(args.network, "egress_dependencies", None) or [])
        needs: list[pulumi.Resource] = [
            *self.role_policies,
            *endpoints,
            *egress,
            *(d for d in depends_on if d is not None),
        ]
        self.asg = self._owner.child(
            "auto_scaling_group",
            aws.autoscaling.Group,
            f"{name}-asg",
            group_args,
            pulumi.ResourceOptions(ignore_changes=["desired_capacity"], depends_on=needs),
        )
        if args.drain_hook_name:
            self.role_policies.append(self._allow_completing_hook(self.asg))
        return self.asg

    def _allow_completing_hook(self, asg: aws.autoscaling.Group) -> aws.iam.RolePolicy:
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "CompleteOwnLifecycleHook",
                    "Effect": "Allow",
                    "Action": "autoscaling:CompleteLifecycleAction",
                    "Resource": asg.arn,
                },
                {
                    "Sid": "FindOwnGroup",
                    "Effect": "Allow",
                    "Action": "autoscaling:DescribeAutoScalingInstances",
                    "Resource": "*",
                },
            ],
        }
        return self.add_role_policy("lifecycle", pulumi.Output.json_dumps(document))


# ---- policies and user data (pure functions) ------------------------------------------------------


def secrets_policy(arns: list[str]) -> str:
    """IAM policy reading exactly ``arns``: Secrets Manager secrets and SSM parameters.

    ``#<key>`` selectors are dropped (the whole secret is read) and templates skipped (they read
    through the secrets they name).
    """
    arns = [a.split("#", 1)[0] for a in arns if not is_secret_template(a)]
    secret_arns = sorted({a for a in arns if ":secretsmanager:" in a})
    parameter_arns = sorted({a for a in arns if ":ssm:" in a})
    statements: list[dict[str, Any]] = []
    if secret_arns:
        statements.append(
            {
                "Sid": "ReadContainerSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret_arns,
            }
        )
    if parameter_arns:
        statements.append(
            {
                "Sid": "ReadContainerParameters",
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": parameter_arns,
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def is_secret_template(spec: str) -> bool:
    """True for a secrets entry that is a ``{NAME}`` template rather than an ARN."""
    return not spec.startswith("arn:") and bool(_PLACEHOLDER.search(spec))


def _fetch_secret(spec: str, region: str) -> str:
    """The shell command printing one secret's value (one key of it with ``<arn>#<key>``)."""
    q = shlex.quote
    arn, _, json_key = spec.partition("#")
    if ":ssm:" in arn:
        fetch = (
            f"retry aws ssm get-parameter --region {q(region)} --with-decryption --name {q(arn)}"
            " --query Parameter.Value --output text"
        )
    else:
        fetch = (
            f"retry aws secretsmanager get-secret-value --region {q(region)} --secret-id {q(arn)}"
            " --query SecretString --output text"
        )
    return f"{fetch} | python3 -c {q(_JSON_KEY)} {q(json_key)}" if json_key else fetch


def _secret_lines(name: str, secrets: Mapping[str, str], region: str) -> list[str]:
    """Run-script lines exporting each secret: fetched ones first, then templates filled from them."""
    lines: list[str] = []
    templates = {k: v for k, v in secrets.items() if is_secret_template(v)}
    for key, spec in sorted(secrets.items()):
        if key not in templates:
            lines += [f"{key}=$({_fetch_secret(spec, region)})", f"export {key}"]
    for key, template in sorted(templates.items()):
        for used in _PLACEHOLDER.findall(template):
            if used not in secrets or used in templates:
                raise ValueError(
                    f"{name}: secrets['{key}']: placeholder {{{used}}} must name another secret of this container "
                    f"that is an ARN (secrets: {', '.join(sorted(secrets))})"
                )
        lines += [
            f"{key}=$(python3 -c {shlex.quote(_FILL_TEMPLATE)} {shlex.quote(template)})",
            f"export {key}",
        ]
    return lines


def resources_of(value: Any) -> list[pulumi.Resource]:
    """The resources in what a grant or ``allow_*`` method returned (one, several, or none)."""
    if isinstance(value, pulumi.Resource):
        return [value]
    if isinstance(value, list | tuple):
        return [r for item in value for r in resources_of(item)]
    return []


def _check_env_value(label: str, key: str, value: str) -> str:
    if any(c in value for c in "\n\r\0"):
        raise ValueError(
            f"{label}: env var {key} contains a line break or NUL, which Docker env cannot carry"
        )
    return value


def _resolve_dict(values: Mapping[str, pulumi.Output[str]]) -> pulumi.Output[dict[str, str]]:
    if not values:
        return pulumi.Output.from_input({})
    return pulumi.Output.all(**values)


def unit_name(name: str) -> str:
    """The systemd unit / container name for a tier (``tierup-<name>``)."""
    return "tierup-" + re.sub(r"[^A-Za-z0-9_.-]", "-", name)


def drain_heartbeat_seconds(stop_timeout_seconds: int) -> int:
    """Heartbeat of a termination lifecycle hook that lets the container stop gracefully: the stop timeout,
    plus one poll of the drain watcher, plus :data:`DRAIN_MARGIN_SECONDS` (at least AWS's 30 s)."""
    return max(30, stop_timeout_seconds + DRAIN_POLL_SECONDS + DRAIN_MARGIN_SECONDS)


#: Shell helpers every tierup script starts with: IMDSv2 reads and bounded retries with backoff.
_IMDS = (
    'imds() { local t; t=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60");'
    ' curl -sf -H "X-aws-ec2-metadata-token: $t" "http://169.254.169.254/latest/meta-data/$1"; }'
)
_RETRY = (
    f'retry() {{ local n=1 delay={RETRY_FIRST_DELAY_SECONDS}; until "$@"; do'
    f' if [ "$n" -ge {RETRY_ATTEMPTS} ]; then echo "tierup: gave up after $n attempts: $*" >&2; return 1; fi;'
    ' echo "tierup: attempt $n failed, retrying in ${delay}s: $*" >&2; sleep "$delay"; n=$((n + 1));'
    " delay=$((delay * 2 > 60 ? 60 : delay * 2)); done; }"
)


def _report_unhealthy(region: str) -> str:
    """A shell function marking this instance unhealthy, so its Auto Scaling group replaces it."""
    return (
        'report_unhealthy() { echo "tierup: $1; reporting the instance unhealthy" >&2;'
        f" aws autoscaling set-instance-health --region {shlex.quote(region)}"
        ' --instance-id "$(imds instance-id)" --health-status Unhealthy || true; }'
    )


def render_user_data(
    *,
    name: str,
    image: str,
    command: Sequence[str],
    env: Mapping[str, str],
    secrets: Mapping[str, str],
    region: str,
    log_group: str,
    stop_timeout_seconds: int = 30,
    drain_hook_name: str | None = None,
    health_check_after_seconds: int = BOOT_ALLOWANCE_SECONDS,
) -> str:
    """The boot script: egress wait, Docker, a run script and a systemd unit for the container, a self-health
    timer (and a drain watcher).

    Boot steps that reach the network (package install, ECR login, image pull) retry with backoff a bounded
    number of times; a boot that fails anyway reports the instance unhealthy so the group replaces it. So
    does the health timer once the container has not been running for :data:`HEALTH_CHECK_FAILURES`
    checks in a row while the instance is in service (workers have no load balancer to judge them).

    Secrets are fetched by the run script on every container start, through the instance role, into
    that process's environment, and handed to ``docker run`` by name only: their values are in no file
    or command line the script writes (Docker itself keeps a running container's environment in its
    root-only state, removed with the container by ``--rm``), and the ECR login token lives on tmpfs
    until the image is pulled.
    """
    if re.search(r"\s", image) or not image:
        raise ValueError(f"container image '{image}' is not an image reference")
    unit = unit_name(name)
    q = shlex.quote
    lines = [
        "#!/bin/bash",
        "set -euo pipefail",
        _IMDS,
        _RETRY,
        "INSTANCE_ID=$(imds instance-id)",
        f"export DOCKER_CONFIG=/run/{unit}-docker",
        'rm -rf "$DOCKER_CONFIG"; install -d -m 0700 "$DOCKER_CONFIG"',
    ]
    registry = ecr_registry(image)
    if registry:
        host, registry_region = registry
        lines.append(
            f"retry bash -c {q(f'aws ecr get-login-password --region {q(registry_region)} | docker login --username AWS --password-stdin {q(host)}')}"
        )
    lines += [f"retry docker pull {q(image)}", 'rm -rf "$DOCKER_CONFIG"']
    lines += _secret_lines(name, secrets, region)
    run = [
        "exec docker run --rm",
        f"--name {q(unit)}",
        "--network host",
        f"--stop-timeout {int(stop_timeout_seconds)}",
        "--log-driver awslogs",
        f"--log-opt awslogs-region={q(region)}",
        f"--log-opt awslogs-group={q(log_group)}",
        f'--log-opt "awslogs-stream={unit}/$INSTANCE_ID"',
        "--log-opt mode=non-blocking",
        "--log-opt max-buffer-size=4m",
        *(f"-e {q(f'{key}={value}')}" for key, value in sorted(env.items())),
        *(f"-e {key}" for key in sorted(secrets)),
        " ".join([q(image), *(q(arg) for arg in command)]),
    ]
    lines.append(" \\\n  ".join(run))
    run_script = "\n".join(lines) + "\n"

    service = "\n".join(
        [
            "[Unit]",
            f"Description=tierup container {name}",
            "After=docker.service network-online.target",
            "Wants=network-online.target",
            "Requires=docker.service",
            "",
            "[Service]",
            f"ExecStartPre=-/usr/bin/docker rm -f {unit}",
            f"ExecStart=/usr/local/bin/{unit}",
            f"ExecStop=/usr/bin/docker stop --time {int(stop_timeout_seconds)} {unit}",
            f"TimeoutStopSec={int(stop_timeout_seconds) + 15}",
            "Restart=always",
            "RestartSec=5",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ]
    )
    waits = EGRESS_WAIT_SECONDS // 10
    boot = [
        "#!/bin/bash",
        f"# tierup {name}: rendered by tierup. Carries the image, plain env values and secret ARNs only;",
        "# secret values are fetched at container start through the instance role.",
        "set -euo pipefail",
        _IMDS,
        _RETRY,
        _report_unhealthy(region),
        "trap 'report_unhealthy \"boot failed at line $LINENO\"' ERR",
        "# wait for the AWS APIs: the private route through the NAT, or the interface endpoints",
        f"for _ in $(seq {waits}); do aws sts get-caller-identity --region {q(region)} >/dev/null 2>&1 && break; sleep 10; done",
        f"aws sts get-caller-identity --region {q(region)} >/dev/null",
        "retry dnf install -y docker",
        "systemctl enable --now docker",
        _write_file(f"/usr/local/bin/{unit}", run_script, "0755"),
        _write_file(f"/etc/systemd/system/{unit}.service", service, "0644"),
        *_health_check(unit, region, health_check_after_seconds),
    ]
    units = [f"{unit}.service", f"{unit}-health.timer"]
    if drain_hook_name:
        boot += _drain_watcher(unit, region, drain_hook_name)
        units.append(f"{unit}-drain.service")
    boot += ["systemctl daemon-reload", f"systemctl enable --now {' '.join(units)}", ""]
    return "\n".join(boot)


def _health_check(unit: str, region: str, after_seconds: int) -> list[str]:
    """A timer that marks the instance unhealthy when the container has not been running for
    :data:`HEALTH_CHECK_FAILURES` checks in a row while the instance is in service (not while it drains)."""
    script = "\n".join(
        [
            "#!/bin/bash",
            "set -uo pipefail",
            _IMDS,
            _report_unhealthy(region),
            f"FAILURES=/run/{unit}-health-failures",
            "state=$(imds autoscaling/target-lifecycle-state || echo InService)",
            '[ "$state" = "InService" ] || exit 0',
            f"if [ \"$(docker inspect -f '{{{{.State.Running}}}}' {unit} 2>/dev/null)\" = true ]; then",
            '  rm -f "$FAILURES"; exit 0',
            "fi",
            'n=$(( $(cat "$FAILURES" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$FAILURES"',
            f'[ "$n" -ge {HEALTH_CHECK_FAILURES} ] && report_unhealthy "container {unit} not running for $n checks"',
            "exit 0",
            "",
        ]
    )
    service = "\n".join(
        [
            "[Unit]",
            f"Description=tierup: is {unit} running",
            "",
            "[Service]",
            "Type=oneshot",
            f"ExecStart=/usr/local/bin/{unit}-health",
            "",
        ]
    )
    timer = "\n".join(
        [
            "[Unit]",
            f"Description=tierup: check {unit} every {HEALTH_CHECK_INTERVAL_SECONDS} s after the grace period",
            "",
            "[Timer]",
            f"OnBootSec={int(after_seconds)}",
            f"OnUnitActiveSec={HEALTH_CHECK_INTERVAL_SECONDS}",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ]
    )
    return [
        _write_file(f"/usr/local/bin/{unit}-health", script, "0755"),
        _write_file(f"/etc/systemd/system/{unit}-health.service", service, "0644"),
        _write_file(f"/etc/systemd/system/{unit}-health.timer", timer, "0644"),
    ]


def _write_file(path: str, content: str, mode: str) -> str:
    delimiter = "TIERUP_EOF"
    while delimiter in content:
        delimiter += "_"
    return f"cat > {path} <<'{delimiter}'\n{content}{delimiter}\nchmod {mode} {path}"


def _drain_watcher(unit: str, region: str, hook: str) -> list[str]:
    """A service that, once the instance is marked for termination, stops the container gracefully
    (the worker finishes its job on SIGTERM) and completes the termination lifecycle hook."""
    q = shlex.quote
    script = "\n".join(
        [
            "#!/bin/bash",
            "set -uo pipefail",
            _IMDS,
            "INSTANCE_ID=$(imds instance-id)",
            f'until [ "$(imds autoscaling/target-lifecycle-state)" = "Terminated" ]; do sleep {DRAIN_POLL_SECONDS}; done',
            f"systemctl stop {unit}.service",
            f"ASG=$(aws autoscaling describe-auto-scaling-instances --region {q(region)}"
            ' --instance-ids "$INSTANCE_ID" --query "AutoScalingInstances[0].AutoScalingGroupName" --output text)',
            f"aws autoscaling complete-lifecycle-action --region {q(region)} --lifecycle-hook-name {q(hook)}"
            ' --auto-scaling-group-name "$ASG" --instance-id "$INSTANCE_ID" --lifecycle-action-result CONTINUE',
            "",
        ]
    )
    service = "\n".join(
        [
            "[Unit]",
            f"Description=tierup: drain {unit} before the instance terminates",
            f"After={unit}.service",
            "",
            "[Service]",
            f"ExecStart=/usr/local/bin/{unit}-drain",
            "Restart=on-failure",
            "RestartSec=5",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ]
    )
    return [
        _write_file(f"/usr/local/bin/{unit}-drain", script, "0755"),
        _write_file(f"/etc/systemd/system/{unit}-drain.service", service, "0644"),
    ]
