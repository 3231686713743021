"""Structured config (config.require_object): one queue and one alarm per entry."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
queues = config.require_object("queues")
topic = aws.sns.Topic("alerts", kms_master_key_id="alias/aws/sns")
for name, spec in queues.items():
    dlq = aws.sqs.Queue(f"{name}-dlq", message_retention_seconds=1209600, sqs_managed_sse_enabled=True)
    queue = aws.sqs.Queue(
        name,
        visibility_timeout_seconds=spec.get("visibility", 30),
        sqs_managed_sse_enabled=True,
        redrive_policy=dlq.arn.apply(
            lambda arn, n=spec.get("maxReceives", 5): pulumi.Output.json_dumps(
                {"deadLetterTargetArn": arn, "maxReceiveCount": n}
            )
        ),
    )
    aws.cloudwatch.MetricAlarm(
        f"{name}-dlq-depth",
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=1,
        metric_name="ApproximateNumberOfMessagesVisible",
        namespace="AWS/SQS",
        period=300,
        statistic="Maximum",
        threshold=0,
        dimensions={"QueueName": dlq.name},
        alarm_actions=[topic.arn],
    )
pulumi.export("queues", sorted(queues))
