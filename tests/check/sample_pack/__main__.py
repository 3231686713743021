"""A tiny pack: one resource policy with config, one stack policy. Used to test tierup's runner."""

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationPolicy,
    StackValidationPolicy,
)


def queue_retention(args, report_violation):
    if args.resource_type == "aws:sqs/queue:Queue":
        minimum = args.get_config()["minRetentionSeconds"]
        retention = args.props.get("messageRetentionSeconds") or 345600
        if retention < minimum:
            report_violation(f"retention {retention}s is below {minimum}s")


def no_public_bucket(args, report_violation):
    for r in args.resources:
        if r.resource_type == "aws:s3/bucket:Bucket" and r.props.get("acl") == "public-read":
            report_violation("public bucket", r.urn)
    if not any(r.resource_type == "aws:sqs/queue:Queue" for r in args.resources):
        report_violation("the stack has no queue")


PolicyPack(
    name="sample-pack",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="queue-retention",
            description="Queues keep messages long enough.",
            validate=queue_retention,
            config_schema=PolicyConfigSchema(
                properties={"minRetentionSeconds": {"type": "integer", "default": 86400, "minimum": 60}}
            ),
        ),
        StackValidationPolicy(
            name="no-public-bucket",
            description="No bucket is public; the stack has a queue.",
            validate=no_public_bucket,
            enforcement_level=EnforcementLevel.ADVISORY,
        ),
    ],
)
