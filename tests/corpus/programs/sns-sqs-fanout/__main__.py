"""SNS fan-out to several SQS queues, each with a DLQ and a subscription filter."""

import pulumi
import pulumi_aws as aws

topic = aws.sns.Topic("orders", kms_master_key_id="alias/aws/sns")
for consumer, types in {"billing": ["paid"], "shipping": ["paid", "refunded"]}.items():
    dlq = aws.sqs.Queue(f"{consumer}-dlq", sqs_managed_sse_enabled=True, message_retention_seconds=1209600)
    queue = aws.sqs.Queue(
        consumer,
        sqs_managed_sse_enabled=True,
        redrive_policy=pulumi.Output.json_dumps({"deadLetterTargetArn": dlq.arn, "maxReceiveCount": 5}),
    )
    aws.sqs.QueuePolicy(
        consumer,
        queue_url=queue.id,
        policy=aws.iam.get_policy_document_output(
            statements=[
                {
                    "actions": ["sqs:SendMessage"],
                    "resources": [queue.arn],
                    "principals": [{"type": "Service", "identifiers": ["sns.amazonaws.com"]}],
                    "conditions": [{"test": "ArnEquals", "variable": "aws:SourceArn", "values": [topic.arn]}],
                }
            ]
        ).json,
    )
    aws.sns.TopicSubscription(
        consumer,
        topic=topic.arn,
        protocol="sqs",
        endpoint=queue.arn,
        filter_policy=pulumi.Output.json_dumps({"type": types}),
    )
pulumi.export("topic", topic.arn)
