"""Queue tier: SQS queues, their dead-letter queues and redrive policies."""

from __future__ import annotations

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._graph import StackModel, queue_model
from ._util import QUEUE, UNKNOWN, Findings, as_bool, as_str, describe, get, message

# --- sqs-encryption ---------------------------------------------------------------------------------

SQS_ENCRYPTION_FIX = (
    "set sqs_managed_sse_enabled=True (SSE-SQS, no key to manage) or kms_master_key_id to a KMS key the "
    "producers and consumers may use"
)


def sqs_encryption(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """SSE-SQS or KMS encryption is on."""
    if args.resource_type != QUEUE:
        return
    findings = Findings(f"queue '{args.name}'")
    kms = get(args.props, "kmsMasterKeyId")
    sse = get(args.props, "sqsManagedSseEnabled")
    if kms is UNKNOWN or as_str(kms):
        pass
    elif sse is UNKNOWN:
        findings.unknown_at("sqsManagedSseEnabled")
    elif as_bool(sse) is not True:
        findings.problem(f"sqsManagedSseEnabled is {describe(sse)} and kmsMasterKeyId is unset")
    findings.emit(report_violation, SQS_ENCRYPTION_FIX)


SQS_ENCRYPTION = ResourceValidationPolicy(
    name="sqs-encryption",
    description="SQS queues encrypt messages with SSE-SQS or KMS.",
    validate=sqs_encryption,
    severity=Severity.MEDIUM,
    remediation_steps=SQS_ENCRYPTION_FIX,
    tags=["queue", "security", "encryption"],
)

# --- sqs-dead-letter-queue --------------------------------------------------------------------------

DLQ_FIX = (
    "create a dead-letter queue and set redrive_policy=json.dumps({'deadLetterTargetArn': dlq.arn, "
    "'maxReceiveCount': 5}) (or an aws.sqs.RedrivePolicy), so poison messages stop cycling; give the DLQ "
    "a redrive-allow policy naming this queue"
)


def sqs_dead_letter_queue(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every queue that is not itself a dead-letter queue has a redrive policy."""
    model = StackModel(args.resources)
    queues = queue_model(model)
    for queue in model.of(QUEUE):
        if queue.urn in queues.dead_letter_queues or queues.has_redrive.get(queue.urn) is not False:
            continue
        problem = queues.malformed.get(queue.urn, "it has no redrive policy (and no queue names it as a DLQ)")
        report_violation(message(f"queue '{queue.name}'", [problem], DLQ_FIX), queue.urn)


SQS_DEAD_LETTER_QUEUE = StackValidationPolicy(
    name="sqs-dead-letter-queue",
    description="Every SQS queue that is not itself a dead-letter queue has a redrive policy.",
    validate=sqs_dead_letter_queue,
    severity=Severity.MEDIUM,
    remediation_steps=DLQ_FIX,
    tags=["queue", "resilience"],
)

POLICIES = [SQS_DEAD_LETTER_QUEUE, SQS_ENCRYPTION]
