"""Queue: an SQS job queue with a dead-letter queue, encryption and long polling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from tierup.aws_facts import ENV_NAME, env_name

from ._base import TierComponent, Transforms, tags
from ._tier import Grantee, role_of

DAY = 86400
#: The dead-letter queue keeps messages for the SQS maximum, so failures outlive the source's retention.
DLQ_RETENTION_SECONDS = 14 * DAY
#: Long polling: a receive waits up to 20 s for a message instead of returning empty at once.
RECEIVE_WAIT_SECONDS = 20
CONSUME_ACTIONS = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
]
SEND_ACTIONS = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]


@dataclass
class QueueArgs:
    """Arguments of :class:`Queue`."""

    visibility_timeout_seconds: int = 60
    """Seconds a received message stays hidden while a worker handles it, 0 to 43200 (default 60).
    Set it above the longest job, or jobs run twice."""

    max_receive_count: int = 5
    """Receives before a message moves to the dead-letter queue, 1 to 1000 (default 5)."""

    retention_days: int = 4
    """Days an unprocessed message is kept, 1 to 14 (default 4); the dead-letter queue keeps 14."""

    fifo: bool = False
    """A FIFO queue (exactly-once, ordered per message group, content-based deduplication); both names
    end in ``.fifo`` (default off)."""

    env_name: str | None = None
    """Prefix of the connection variable, ``<ENV_NAME>_QUEUE_URL`` (default: the component name in upper
    snake case, ``image-jobs`` → ``IMAGE_JOBS``), so two queues never share one variable."""

    protect: bool = False
    """Protect and retain on delete both queues (default off; on in prod)."""

    transform: Transforms | None = None
    """Adjust any child's args, keyed by the names in :attr:`Queue.TRANSFORMABLE` (default none)."""


class Queue(TierComponent):
    """An SQS queue for background jobs, with a dead-letter queue that catches poison messages.

    Both queues are encrypted (SSE-SQS) and the source long-polls. A message received
    ``max_receive_count`` times without being deleted moves to the dead-letter queue, which accepts
    messages from this queue only and keeps them 14 days::

        emails = Queue("emails", QueueArgs(visibility_timeout_seconds=300))
        emails.connection_env()              # {"EMAILS_QUEUE_URL": <url>}
        emails.grant_send(api)               # the api tier (or a role, with name=) may send, nothing more
        pool = WorkerPool("emails", WorkerPoolArgs(network=network, queue=emails, image=image))
        # the pool consumes it: WorkerPool calls emails.grant_consume(pool) and sets QUEUE_URL itself

    Prefer ``AppTierArgs(sends_to=[emails])``: the tier gets the grant and ``EMAILS_QUEUE_URL`` before
    its instances start. A grant given afterwards reaches instances that may already run.

    **Cost**: $0.40 per million requests ($0.50 on FIFO) after the first million each month, which
    are free; with long polling an idle worker makes about 130,000 receives a month.
    """

    TRANSFORMABLE = frozenset(
        {"queue", "dead_letter_queue", "redrive_allow_policy", "consume_policy", "send_policy"}
    )

    queue: aws.sqs.Queue
    dead_letter_queue: aws.sqs.Queue
    url: pulumi.Output[str]
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    dlq_arn: pulumi.Output[str]
    dlq_name: pulumi.Output[str]
    visibility_timeout_seconds: int
    fifo: bool
    tier_name: str
    env_name: str
    """The connection variable prefix, e.g. ``EMAILS`` for ``EMAILS_QUEUE_URL``."""

    def __init__(
        self, name: str, args: QueueArgs | None = None, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = args or QueueArgs()
        self._validate(args)
        super().__init__("tierup:queue:Queue", name, args.transform, opts)
        self._args = args
        self.visibility_timeout_seconds = args.visibility_timeout_seconds
        self.fifo = args.fifo
        self.env_name = env_name(args.env_name or name)
        self.tier_name = name
        self._keep = (
            pulumi.ResourceOptions(protect=True, retain_on_delete=True)
            if args.protect
            else pulumi.ResourceOptions()
        )
        self._create_dead_letter_queue()
        self._create_queue()
        self._allow_redrive_from_queue()
        self.url, self.arn, self.name = self.queue.url, self.queue.arn, self.queue.name
        self.dlq_url = self.dead_letter_queue.url
        self.dlq_arn = self.dead_letter_queue.arn
        self.dlq_name = self.dead_letter_queue.name
        self.register_outputs(
            {
                "url": self.url,
                "arn": self.arn,
                "name": self.name,
                "dlqUrl": self.dlq_url,
                "dlqArn": self.dlq_arn,
                "dlqName": self.dlq_name,
                "visibilityTimeoutSeconds": self.visibility_timeout_seconds,
            }
        )

    # ---- steps ---------------------------------------------------------------------------

    @staticmethod
    def _validate(args: QueueArgs) -> None:
        checks = (
            ("visibility_timeout_seconds", args.visibility_timeout_seconds, 0, 43200),
            ("max_receive_count", args.max_receive_count, 1, 1000),
            ("retention_days", args.retention_days, 1, 14),
        )
        for field, value, low, high in checks:
            if not low <= value <= high:
                raise ValueError(f"Queue {field} must be {low} to {high} (got {value})")
        if args.env_name is not None and not ENV_NAME.match(env_name(args.env_name) or "-"):
            raise ValueError(f"Queue env_name '{args.env_name}' gives no valid environment variable name")

    def _fifo_args(self, content_based_deduplication: bool) -> dict[str, Any]:
        """FIFO settings; the provider's autonaming then ends the generated name in ``.fifo``."""
        if not self._args.fifo:
            return {}
        return {"fifo_queue": True, "content_based_deduplication": content_based_deduplication}

    def _create_dead_letter_queue(self) -> None:
        self.dead_letter_queue = self.child(
            "dead_letter_queue",
            aws.sqs.Queue,
            f"{self._name}-dlq",
            {
                "message_retention_seconds": DLQ_RETENTION_SECONDS,
                "sqs_managed_sse_enabled": True,
                "receive_wait_time_seconds": RECEIVE_WAIT_SECONDS,
                **self._fifo_args(content_based_deduplication=False),
                "tags": tags(f"{self._name}-dlq", {"tierup:role": "dead-letter-queue"}),
            },
            self._keep,
        )

    def _create_queue(self) -> None:
        self.queue = self.child(
            "queue",
            aws.sqs.Queue,
            self._name,
            {
                "visibility_timeout_seconds": self._args.visibility_timeout_seconds,
                "message_retention_seconds": self._args.retention_days * DAY,
                "receive_wait_time_seconds": RECEIVE_WAIT_SECONDS,
                "sqs_managed_sse_enabled": True,
                "redrive_policy": pulumi.Output.json_dumps(
                    {
                        "deadLetterTargetArn": self.dead_letter_queue.arn,
                        "maxReceiveCount": self._args.max_receive_count,
                    }
                ),
                **self._fifo_args(content_based_deduplication=True),
                "tags": tags(self._name),
            },
            self._keep,
        )

    def _allow_redrive_from_queue(self) -> None:
        """The dead-letter queue accepts messages from this queue only (a separate resource: no cycle)."""
        self.child(
            "redrive_allow_policy",
            aws.sqs.RedriveAllowPolicy,
            f"{self._name}-dlq",
            {
                "queue_url": self.dead_letter_queue.url,
                "redrive_allow_policy": pulumi.Output.json_dumps(
                    {"redrivePermission": "byQueue", "sourceQueueArns": [self.queue.arn]}
                ),
            },
        )

    # ---- wiring --------------------------------------------------------------------------

    def grant_consume(self, tier: Grantee, *, name: str | None = None) -> aws.iam.RolePolicy:
        """Let ``tier`` (a tier, a role, or a role name with ``name=``) receive, delete and extend
        messages of this queue only. The child is ``<queue>-consume-<name or tier name>``."""
        label, role = role_of(tier, name, f"Queue '{self._name}'", "grant_consume")
        return self._grant("consume_policy", f"{self._name}-consume-{label}", role, CONSUME_ACTIONS)

    def grant_send(self, tier: Grantee, *, name: str | None = None) -> aws.iam.RolePolicy:
        """Let ``tier`` (a tier, a role, or a role name with ``name=``) send messages to this queue only.
        The child is ``<queue>-send-<name or tier name>``."""
        label, role = role_of(tier, name, f"Queue '{self._name}'", "grant_send")
        return self._grant("send_policy", f"{self._name}-send-{label}", role, SEND_ACTIONS)

    def _grant(
        self, key: str, child_name: str, role_name: pulumi.Input[str], actions: list[str]
    ) -> aws.iam.RolePolicy:
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": self.queue.arn}],
        }
        return self.child(
            key,
            aws.iam.RolePolicy,
            child_name,
            {"role": role_name, "policy": pulumi.Output.json_dumps(document)},
        )

    def connection_env(self) -> dict[str, pulumi.Input[str]]:
        """What a producer needs: ``{"<ENV_NAME>_QUEUE_URL": url}`` (namespaced: queues never collide)."""
        return {f"{self.env_name}_QUEUE_URL": self.url}


def sending_env(
    queues: Sequence[Queue], env: Mapping[str, pulumi.Input[str]] | None = None
) -> dict[str, pulumi.Input[str]]:
    """``<QUEUE>_QUEUE_URL`` of every queue a tier sends to, then ``env``; two queues with one variable
    name are refused (a second URL would silently overwrite the first)."""
    merged: dict[str, pulumi.Input[str]] = {}
    owners: dict[str, str] = {}
    for queue in queues:
        for key, value in queue.connection_env().items():
            if key in owners:
                raise ValueError(
                    f"queues '{owners[key]}' and '{queue.tier_name}' both set {key}; give one an env_name"
                )
            owners[key] = queue.tier_name
            merged[key] = value
    return {**merged, **(env or {})}
