"""AppTier: the web application's instances behind the load balancer, scaled on CPU (and requests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pulumi
import pulumi_aws as aws

from tierup.routing import Route

from ._base import TierComponent, Transforms, tags
from .compute import INSTANCE_GROUP_KEYS, Container, InstanceGroup, InstanceGroupArgs, resources_of
from .load_balancer import LoadBalancer
from .network import Network
from .queue import Queue, sending_env


@dataclass
class AppTierArgs:
    """Arguments of :class:`AppTier`."""

    network: Network
    """The network; instances run in its private subnets."""

    load_balancer: LoadBalancer
    """The ALB that fronts the tier; the tier adds a listener rule and opens its port to the ALB only."""

    image: pulumi.Input[str]
    """Container image URI, e.g. ``ContainerImage(...).image_uri`` or ``"nginx:1.27"``."""

    port: int = 8080
    """Port the container listens on, and the target group's port (default 8080). Exported as ``PORT``."""

    health_check_path: str = "/health"
    """Path the ALB health check requests; 200-399 is healthy (default ``/health``)."""

    instance_type: str = "t4g.small"
    """EC2 instance type (default ``t4g.small``, Graviton: the AMI and image platform follow)."""

    min_size: int = 2
    """Fewest instances (default 2: one per AZ survives an AZ loss)."""

    max_size: int = 4
    """Most instances (default 4)."""

    desired_capacity: int | None = None
    """Instances at creation (default ``min_size``); later deploys never reset what scaling chose."""

    cpu_target: float = 50
    """Average CPU % the target-tracking policy holds (default 50)."""

    requests_per_target: int | None = None
    """When set, a second target-tracking policy holds ALB requests per instance per minute at this value
    (default none)."""

    env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Plain environment values for the container, e.g. ``queue.connection_env()`` (default none).
    Secret values are refused: use ``secrets``."""

    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Env var name → Secrets Manager secret ARN; fetched at boot, the role may read exactly these
    (default none)."""

    command: Sequence[str] | None = None
    """Container arguments after the image (default: the image's CMD)."""

    host_patterns: Sequence[str] | None = None
    """Host headers routed to this tier, e.g. ``["api.example.com"]`` (default: any host)."""

    path_patterns: Sequence[str] | None = None
    """Paths routed to this tier (default ``["/*"]`` when no host pattern is given)."""

    priority: int | None = None
    """Listener-rule priority, 1 to 50000, unique per listener; lower wins (default: assigned by the load
    balancer so that more specific routes win, see :meth:`LoadBalancer.add_route`)."""

    sends_to: Sequence[Queue] = ()
    """Queues this tier may send to: each grants its role ``sqs:SendMessage`` on that queue only and adds
    ``<QUEUE>_QUEUE_URL`` to the env, before any instance starts (default none)."""

    startup_seconds: int = 60
    """Seconds the service needs after its container starts before it answers health checks (default 60);
    the health-check grace period is the boot allowance plus this."""

    stop_timeout_seconds: int = 30
    """Seconds between SIGTERM and SIGKILL when the container stops (default 30); the target group's
    deregistration delay is shorter, so in-flight requests finish before the container is killed."""

    health_check_grace_period_seconds: int | None = None
    """Seconds after launch before ELB health checks can mark an instance unhealthy (default: the boot
    allowance, 120 s, plus ``startup_seconds``)."""

    ami_id: str | None = None
    """``"ami-..."`` pins the AMI (change it to roll the fleet), ``"resolve:ssm:<parameter>"`` resolves at
    each launch (no automatic rollback then); default: the latest AL2023 AMI when the template is created,
    then kept."""

    rollback_on_alarms: bool = True
    """An instance refresh fails and rolls back when the tier's target-group alarms
    (:attr:`AppTier.rollback_alarm_names`) fire (default on). They are created by the
    :class:`~tierup.components.Alarms` that watches this tier: turn this off for a tier no ``Alarms``
    watches, or AWS refuses to start the refresh."""

    log_retention_days: int = 30
    """Days the container log group keeps events (default 30)."""

    transform: Transforms | None = None
    """Adjust any child's args, keyed by the names in :attr:`AppTier.TRANSFORMABLE` (default none)."""


class RollbackAlarmNames(NamedTuple):
    """The CloudWatch alarm names an app tier's instance refresh rolls back on (deterministic, known
    before any alarm exists)."""

    error_rate: str
    """The target group's 5xx responses (``HTTPCode_Target_5XX_Count``) as a % of requests."""

    unhealthy_hosts: str
    """The target group's ``UnHealthyHostCount``."""


def rollback_alarm_names(project: str, stack: str, tier: str) -> RollbackAlarmNames:
    """Names unique per account and region: ``<project>-<stack>-<tier>-5xx-rate`` / ``-unhealthy-hosts``."""
    prefix = f"{project}-{stack}-{tier}"
    return RollbackAlarmNames(f"{prefix}-5xx-rate", f"{prefix}-unhealthy-hosts")


class AppTier(TierComponent):
    """The application tier: an Auto Scaling group of instances running one container behind the ALB.

    Instances run in the private subnets with no public IP and IMDSv2 only; the ALB reaches them on
    ``port`` through a rule on the tier's security group that admits the ALB's group only. Health is
    judged by the ALB (``ELB`` health checks after a grace period); a change to the image, env or
    instance type rolls new instances in before old ones leave, and scaling policies own the
    capacity between ``min_size`` and ``max_size``::

        image = ContainerImage("api-image", ContainerImageArgs(context="./app"))
        api = AppTier("api", AppTierArgs(
            network=network,
            load_balancer=alb,
            image=image.image_uri,
            host_patterns=["api.example.com"],  # priority assigned: host rules before "/*"
            sends_to=[emails],                  # EMAILS_QUEUE_URL + send grant, before instances start
            env=cache.connection_env(),
            secrets={"REDIS_AUTH_TOKEN": cache.auth_secret_arn, "STRIPE_KEY": stripe_key_arn},
            requests_per_target=500,
        ))
        cache.allow_from(api)                   # its own security group reaches Redis, nobody else's

    **Deploys roll back.** A change to the launch template starts an instance refresh that skips
    instances already matching, pauses at checkpoints and rolls back automatically when it fails or
    when one of the tier's own alarms fires: the 5xx rate and the unhealthy hosts of *its* target group.
    The Auto Scaling group needs those alarm names when it is created, but the ``Alarms`` component is
    created after the tiers (it takes them), so the names are fixed in advance instead of read from
    it: :attr:`rollback_alarm_names` is ``<project>-<stack>-<tier>-5xx-rate`` and
    ``...-unhealthy-hosts``, and ``Alarms`` gives exactly these names to the two alarms it creates on
    this tier's target group (the ones that page, so no second pair of alarms and every alarm notifies).
    The target group's deregistration delay (``stop_timeout_seconds`` - 10) ends before the container's
    stop timeout, and the ELB health-check grace is the boot allowance plus ``startup_seconds``.

    **Cost**: two t4g.small instances about $24.50/month (on demand, us-east-1) plus 20 GB gp3 each
    ($1.60/month), detailed monitoring ($2.10/month per instance) and CloudWatch Logs ingestion
    ($0.50/GB). The target group, listener rule, ASG, roles and scaling policies are free.
    """

    TRANSFORMABLE = INSTANCE_GROUP_KEYS | {"target_group", "scaling_policy"}

    asg: aws.autoscaling.Group
    launch_template: aws.ec2.LaunchTemplate
    role: aws.iam.Role
    instance_profile: aws.iam.InstanceProfile
    security_group: aws.ec2.SecurityGroup
    target_group: aws.lb.TargetGroup
    listener_rule: aws.lb.ListenerRule
    log_group: aws.cloudwatch.LogGroup
    scaling_policies: list[aws.autoscaling.Policy]
    load_balancer: LoadBalancer
    tier_name: str
    rollback_alarm_names: RollbackAlarmNames
    """The alarms an instance refresh rolls back on (created by the ``Alarms`` watching this tier)."""
    route: Route
    """Its route on the listener: hosts, paths and the priority (given or assigned)."""
    priority: int
    min_size: int
    max_size: int
    port: int

    def __init__(self, name: str, args: AppTierArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        _validate(name, args)
        super().__init__("tierup:app_tier:AppTier", name, args.transform, opts)
        self._args = args
        self.load_balancer = args.load_balancer
        self.tier_name = name
        self.min_size, self.max_size, self.port = args.min_size, args.max_size, args.port
        self.rollback_alarm_names = rollback_alarm_names(pulumi.get_project(), pulumi.get_stack(), name)
        group = self._create_instances()
        self.target_group = self._create_target_group(group.deregistration_delay_seconds)
        self.listener_rule = self._route()
        ingress = self._admit_load_balancer()
        grants = [queue.grant_send(self) for queue in args.sends_to]
        self.asg = group.launch(
            target_group_arns=[self.target_group.arn],
            health_check_type="ELB",
            health_check_grace_period_seconds=args.health_check_grace_period_seconds,
            rollback_alarm_names=list(self.rollback_alarm_names) if args.rollback_on_alarms else (),
            deregistration_delay_seconds=group.deregistration_delay_seconds,
            depends_on=[self.listener_rule, *ingress, *grants],
        )
        self.scaling_policies = self._create_scaling_policies()
        self.register_outputs(
            {
                "asgName": self.asg.name,
                "launchTemplateId": self.launch_template.id,
                "roleArn": self.role.arn,
                "securityGroupId": self.security_group.id,
                "targetGroupArn": self.target_group.arn,
                "logGroupName": self.log_group.name,
            }
        )

    # ---- steps ---------------------------------------------------------------------------

    def _create_instances(self) -> InstanceGroup:
        args = self._args
        group = InstanceGroup(
            self,
            self._name,
            InstanceGroupArgs(
                network=args.network,
                container=Container(
                    image=args.image,
                    command=args.command,
                    env=sending_env(args.sends_to, args.env),
                    secrets=args.secrets,
                    port=args.port,
                    stop_timeout_seconds=args.stop_timeout_seconds,
                    startup_seconds=args.startup_seconds,
                ),
                instance_type=args.instance_type,
                ami_id=args.ami_id,
                min_size=args.min_size,
                max_size=args.max_size,
                desired_capacity=args.desired_capacity,
                log_retention_days=args.log_retention_days,
            ),
        )
        self._group = group
        self.role = group.role
        self.instance_profile = group.instance_profile
        self.security_group = group.security_group
        self.log_group = group.log_group
        self.launch_template = group.launch_template
        return group

    def _create_target_group(self, deregistration_delay_seconds: int) -> aws.lb.TargetGroup:
        args = self._args
        return self.child(
            "target_group",
            aws.lb.TargetGroup,
            f"{self._name}-tg",
            {
                "vpc_id": args.network.vpc_id,
                "port": args.port,
                "protocol": "HTTP",
                "target_type": "instance",
                "deregistration_delay": deregistration_delay_seconds,
                "health_check": {
                    "enabled": True,
                    "protocol": "HTTP",
                    "port": "traffic-port",
                    "path": args.health_check_path,
                    "matcher": "200-399",
                    "interval": 15,
                    "timeout": 5,
                    "healthy_threshold": 2,
                    "unhealthy_threshold": 3,
                },
                "tags": tags(f"{self._name}-tg"),
            },
        )

    def _route(self) -> aws.lb.ListenerRule:
        args = self._args
        hosts = list(args.host_patterns) if args.host_patterns else None
        paths = list(args.path_patterns) if args.path_patterns else None
        rule = args.load_balancer.add_route(
            self._name,
            self.target_group,
            host_patterns=hosts,
            path_patterns=paths if paths or hosts else ["/*"],
            priority=args.priority,
        )
        self.route = args.load_balancer.routes.routes[-1]
        self.priority = self.route.priority
        return rule

    def _admit_load_balancer(self) -> list[pulumi.Resource]:
        """The app's port, from the ALB's security group only (the rules belong to the load balancer)."""
        rules = self._args.load_balancer.allow_to(self._name, self.security_group, self._args.port)
        return resources_of(rules)

    def _create_scaling_policies(self) -> list[aws.autoscaling.Policy]:
        args = self._args
        policies = [
            self._target_tracking(
                "cpu",
                {"predefined_metric_type": "ASGAverageCPUUtilization"},
                args.cpu_target,
            )
        ]
        if args.requests_per_target is not None:
            label = pulumi.Output.concat(args.load_balancer.arn_suffix, "/", self.target_group.arn_suffix)
            policies.append(
                self._target_tracking(
                    "requests",
                    {"predefined_metric_type": "ALBRequestCountPerTarget", "resource_label": label},
                    args.requests_per_target,
                )
            )
        return policies

    def _target_tracking(self, suffix: str, metric: dict[str, Any], target: float) -> aws.autoscaling.Policy:
        return self.child(
            "scaling_policy",
            aws.autoscaling.Policy,
            f"{self._name}-{suffix}",
            {
                "autoscaling_group_name": self.asg.name,
                "policy_type": "TargetTrackingScaling",
                "target_tracking_configuration": {
                    "predefined_metric_specification": metric,
                    "target_value": float(target),
                },
            },
        )


def _validate(name: str, args: AppTierArgs) -> None:
    label = f"AppTier '{name}'"
    if not 1 <= args.port <= 65535:
        raise ValueError(f"{label}: port must be 1 to 65535 (got {args.port})")
    if not args.health_check_path.startswith("/"):
        raise ValueError(f"{label}: health_check_path must start with '/' (got '{args.health_check_path}')")
    if not 1 <= args.cpu_target <= 100:
        raise ValueError(f"{label}: cpu_target is a CPU percentage, 1 to 100 (got {args.cpu_target})")
    if args.requests_per_target is not None and args.requests_per_target <= 0:
        raise ValueError(f"{label}: requests_per_target must be > 0 (got {args.requests_per_target})")
    if args.priority is not None and not 1 <= args.priority <= 50000:
        raise ValueError(f"{label}: priority must be 1 to 50000 (got {args.priority})")
