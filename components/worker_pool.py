"""WorkerPool: background workers consuming a queue, scaled on backlog per instance, from zero."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ._base import TierComponent, Transforms
from .compute import (
    DRAIN_MARGIN_SECONDS,
    DRAIN_POLL_SECONDS,
    INSTANCE_GROUP_KEYS,
    Container,
    InstanceGroup,
    InstanceGroupArgs,
    drain_heartbeat_seconds,
)
from .network import Network
from .queue import Queue, sending_env

#: Name of the termination lifecycle hook (unique per group, so a fixed name is enough).
DRAIN_HOOK_NAME = "drain"
#: The range AWS accepts for a lifecycle hook's heartbeat timeout, in seconds.
HEARTBEAT_RANGE = (30, 7200)
#: Backlog-per-instance expression: visible messages ÷ in-service instances, guarded for zero instances.
BACKLOG_EXPRESSION = "IF(m2 > 0, m1 / m2, m1)"
#: Scale-out-from-zero expression: 1 while messages wait and the group wants no instance at all.
FROM_ZERO_EXPRESSION = "IF(m1 > 0 AND FILL(m2, 0) == 0, 1, 0)"


@dataclass
class WorkerPoolArgs:
    """Arguments of :class:`WorkerPool`."""

    network: Network
    """The network; workers run in its private subnets."""

    queue: Queue
    """The queue the workers consume; they get exactly the consume permissions on it, and ``QUEUE_URL``.
    The pool scales on this queue's backlog only."""

    image: pulumi.Input[str]
    """Container image URI (often the app's image with another ``command``)."""

    command: Sequence[str] | None = None
    """Container arguments after the image, e.g. ``["bundle", "exec", "sidekiq"]`` (default: image CMD)."""

    instance_type: str = "t4g.small"
    """EC2 instance type (default ``t4g.small``, Graviton)."""

    min_size: int = 0
    """Fewest workers (default 0: none run while the queue is empty)."""

    max_size: int = 4
    """Most workers (default 4)."""

    backlog_per_instance: int = 10
    """Visible messages per worker the target-tracking policy holds (default 10)."""

    job_timeout_seconds: int | None = None
    """Longest a job may run (default: the queue's visibility timeout). A terminating worker gets this
    long to finish (termination lifecycle hook heartbeat and container stop timeout); at most the
    visibility timeout, so a job is never handed to a second worker while the first still runs it."""

    env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Plain environment values (default none); ``QUEUE_URL`` (its own queue) and ``JOB_TIMEOUT_SECONDS``
    are added."""

    sends_to: Sequence[Queue] = ()
    """Other queues the workers may send to (e.g. a follow-up job): each grants ``sqs:SendMessage`` on that
    queue only and adds ``<QUEUE>_QUEUE_URL``, before any worker starts (default none)."""

    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Env var name → Secrets Manager secret ARN, fetched at boot (default none)."""

    log_retention_days: int = 30
    """Days the container log group keeps events (default 30)."""

    startup_seconds: int = 60
    """Seconds the worker needs after its container starts (default 60); a worker whose container is not
    running after the boot allowance plus this marks itself unhealthy."""

    ami_id: str | None = None
    """``"ami-..."`` pins the AMI (change it to roll the pool), ``"resolve:ssm:<parameter>"`` resolves at
    each launch (no automatic rollback then); default: the latest AL2023 AMI when the template is created,
    then kept."""

    transform: Transforms | None = None
    """Adjust any child's args, keyed by the names in :attr:`WorkerPool.TRANSFORMABLE` (default none)."""


class WorkerPool(TierComponent):
    """Workers for a queue: an Auto Scaling group like AppTier's, without a load balancer or inbound rules.

    Capacity follows the backlog: a target-tracking policy holds visible messages ÷ in-service workers
    at ``backlog_per_instance``, and because that ratio means nothing at zero workers, a step policy
    adds the first worker as soon as a message waits while the group is empty. When a worker is
    chosen for termination, a lifecycle hook holds it for up to the job timeout: the instance stops
    its container with SIGTERM (finish the current job, take no new one) and then lets termination
    continue::

        images = WorkerPool("images", WorkerPoolArgs(
            network=network,
            queue=image_jobs,                    # QUEUE_URL + consume grant on this queue only
            image=image.image_uri,
            command=["python", "-m", "app.worker"],
            sends_to=[emails],                   # EMAILS_QUEUE_URL + send grant
            env=cache.connection_env(),
            max_size=10,
        ))
        cache.allow_from(images)

    **Cost**: nothing while idle at ``min_size=0`` beyond the scale-out alarm ($0.20/month: it reads two
    metrics); each running t4g.small about $12.25/month plus 20 GB gp3 ($1.60) and detailed monitoring
    ($2.10). The ASG, hook, roles and policies are free.
    """

    TRANSFORMABLE = INSTANCE_GROUP_KEYS | {"scaling_policy", "scale_out_alarm", "lifecycle_hook"}

    asg: aws.autoscaling.Group
    launch_template: aws.ec2.LaunchTemplate
    role: aws.iam.Role
    instance_profile: aws.iam.InstanceProfile
    security_group: aws.ec2.SecurityGroup
    log_group: aws.cloudwatch.LogGroup
    scaling_policies: list[aws.autoscaling.Policy]
    scale_out_alarm: aws.cloudwatch.MetricAlarm
    lifecycle_hook: aws.autoscaling.LifecycleHook
    queue: Queue
    tier_name: str
    job_timeout_seconds: int
    min_size: int
    max_size: int

    def __init__(self, name: str, args: WorkerPoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        self.job_timeout_seconds = _job_timeout(name, args)
        super().__init__("tierup:worker_pool:WorkerPool", name, args.transform, opts)
        self._args = args
        self.queue = args.queue
        self.tier_name = name
        self.min_size, self.max_size = args.min_size, args.max_size
        group = self._create_instances()
        grants = [args.queue.grant_consume(self), *(queue.grant_send(self) for queue in args.sends_to)]
        self.asg = group.launch(health_check_type="EC2", depends_on=grants)
        self.lifecycle_hook = self._create_lifecycle_hook()
        self.scaling_policies = [self._track_backlog(), self._scale_out_from_zero()]
        self.scale_out_alarm = self._alarm_on_waiting_messages(self.scaling_policies[1])
        self.register_outputs(
            {
                "asgName": self.asg.name,
                "launchTemplateId": self.launch_template.id,
                "roleArn": self.role.arn,
                "securityGroupId": self.security_group.id,
                "logGroupName": self.log_group.name,
                "jobTimeoutSeconds": self.job_timeout_seconds,
            }
        )

    # ---- steps ---------------------------------------------------------------------------

    def _create_instances(self) -> InstanceGroup:
        args = self._args
        env: dict[str, pulumi.Input[str]] = {
            **sending_env(args.sends_to),
            "QUEUE_URL": args.queue.url,
            "JOB_TIMEOUT_SECONDS": str(self.job_timeout_seconds),
            **args.env,
        }
        group = InstanceGroup(
            self,
            self._name,
            InstanceGroupArgs(
                network=args.network,
                container=Container(
                    image=args.image,
                    command=args.command,
                    env=env,
                    secrets=args.secrets,
                    stop_timeout_seconds=self.job_timeout_seconds,
                    startup_seconds=args.startup_seconds,
                ),
                instance_type=args.instance_type,
                ami_id=args.ami_id,
                min_size=args.min_size,
                max_size=args.max_size,
                log_retention_days=args.log_retention_days,
                drain_hook_name=DRAIN_HOOK_NAME,
            ),
        )
        self.role = group.role
        self.instance_profile = group.instance_profile
        self.security_group = group.security_group
        self.log_group = group.log_group
        self.launch_template = group.launch_template
        return group

    def _create_lifecycle_hook(self) -> aws.autoscaling.LifecycleHook:
        """Hold a terminating worker while its job finishes: the heartbeat exceeds the container's stop timeout
        (the job timeout) plus the drain watcher's poll; continue termination when time is up."""
        return self.child(
            "lifecycle_hook",
            aws.autoscaling.LifecycleHook,
            f"{self._name}-drain",
            {
                "name": DRAIN_HOOK_NAME,
                "autoscaling_group_name": self.asg.name,
                "lifecycle_transition": "autoscaling:EC2_INSTANCE_TERMINATING",
                "heartbeat_timeout": drain_heartbeat_seconds(self.job_timeout_seconds),
                "default_result": "CONTINUE",
            },
        )

    def _metric(
        self, id_: str, namespace: str, metric: str, dimension: str, value: Any, stat: str
    ) -> dict[str, Any]:
        return {
            "id": id_,
            "metric_stat": {
                "metric": {
                    "namespace": namespace,
                    "metric_name": metric,
                    "dimensions": [{"name": dimension, "value": value}],
                },
                "stat": stat,
            },
            "return_data": False,
        }

    def _track_backlog(self) -> aws.autoscaling.Policy:
        """Target tracking on visible messages ÷ in-service workers (metric math)."""
        queue_name = self._args.queue.name
        return self.child(
            "scaling_policy",
            aws.autoscaling.Policy,
            f"{self._name}-backlog",
            {
                "autoscaling_group_name": self.asg.name,
                "policy_type": "TargetTrackingScaling",
                "target_tracking_configuration": {
                    "target_value": float(self._args.backlog_per_instance),
                    "customized_metric_specification": {
                        "metrics": [
                            self._metric(
                                "m1",
                                "AWS/SQS",
                                "ApproximateNumberOfMessagesVisible",
                                "QueueName",
                                queue_name,
                                "Sum",
                            ),
                            self._metric(
                                "m2",
                                "AWS/AutoScaling",
                                "GroupInServiceInstances",
                                "AutoScalingGroupName",
                                self.asg.name,
                                "Average",
                            ),
                            {
                                "id": "backlog",
                                "expression": BACKLOG_EXPRESSION,
                                "label": "Visible messages per in-service worker",
                                "return_data": True,
                            },
                        ]
                    },
                },
            },
        )

    def _scale_out_from_zero(self) -> aws.autoscaling.Policy:
        """Add one worker when the alarm fires; target tracking takes over once it is in service."""
        return self.child(
            "scaling_policy",
            aws.autoscaling.Policy,
            f"{self._name}-from-zero",
            {
                "autoscaling_group_name": self.asg.name,
                "policy_type": "StepScaling",
                "adjustment_type": "ChangeInCapacity",
                "metric_aggregation_type": "Maximum",
                "step_adjustments": [{"scaling_adjustment": 1, "metric_interval_lower_bound": "0"}],
            },
        )

    def _alarm_on_waiting_messages(self, policy: aws.autoscaling.Policy) -> aws.cloudwatch.MetricAlarm:
        """In alarm while messages are visible and the group's desired capacity is zero."""
        queue_name = self._args.queue.name
        return self.child(
            "scale_out_alarm",
            aws.cloudwatch.MetricAlarm,
            f"{self._name}-messages-waiting",
            {
                "alarm_description": pulumi.Output.concat(
                    "Messages wait in ", queue_name, " and no worker runs: scale out from zero"
                ),
                "comparison_operator": "GreaterThanOrEqualToThreshold",
                "threshold": 1,
                "evaluation_periods": 1,
                "treat_missing_data": "notBreaching",
                "metric_queries": [
                    {
                        "id": "m1",
                        "metric": {
                            "namespace": "AWS/SQS",
                            "metric_name": "ApproximateNumberOfMessagesVisible",
                            "dimensions": {"QueueName": queue_name},
                            "stat": "Maximum",
                            "period": 60,
                        },
                    },
                    {
                        "id": "m2",
                        "metric": {
                            "namespace": "AWS/AutoScaling",
                            "metric_name": "GroupDesiredCapacity",
                            "dimensions": {"AutoScalingGroupName": self.asg.name},
                            "stat": "Maximum",
                            "period": 60,
                        },
                    },
                    {
                        "id": "waiting",
                        "expression": FROM_ZERO_EXPRESSION,
                        "label": "Messages waiting with no worker",
                        "return_data": True,
                    },
                ],
                "alarm_actions": [policy.arn],
            },
        )


def _job_timeout(name: str, args: WorkerPoolArgs) -> int:
    """The job timeout (default the visibility timeout), checked against the queue and AWS's limits."""
    label = f"WorkerPool '{name}'"
    visibility = int(args.queue.visibility_timeout_seconds)
    timeout = visibility if args.job_timeout_seconds is None else int(args.job_timeout_seconds)
    if timeout <= 0:
        raise ValueError(f"{label}: job_timeout_seconds must be > 0 (got {timeout})")
    if timeout > visibility:
        raise ValueError(
            f"{label}: job_timeout_seconds ({timeout}) exceeds the queue's visibility timeout ({visibility}); "
            "another worker would receive the message while the first still runs it — raise the queue's "
            "visibility_timeout_seconds or shorten the job timeout"
        )
    longest = HEARTBEAT_RANGE[1] - DRAIN_POLL_SECONDS - DRAIN_MARGIN_SECONDS
    if drain_heartbeat_seconds(timeout) > HEARTBEAT_RANGE[1]:
        raise ValueError(
            f"{label}: a terminating worker can be held at most {HEARTBEAT_RANGE[1]} s, job included; "
            f"set job_timeout_seconds ≤ {longest} (got {timeout})"
        )
    if args.backlog_per_instance <= 0:
        raise ValueError(f"{label}: backlog_per_instance must be > 0 (got {args.backlog_per_instance})")
    return timeout
