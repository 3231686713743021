"""Outputs through apply chains, Output.all, concat and format — the shapes real programs use."""

import json

import pulumi
import pulumi_aws as aws

bucket = aws.s3.Bucket("uploads")
queue = aws.sqs.Queue("uploads", sqs_managed_sse_enabled=True)
policy = pulumi.Output.all(queue.arn, bucket.arn).apply(
    lambda a: json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": a[0],
                    "Condition": {"ArnEquals": {"aws:SourceArn": a[1]}},
                }
            ],
        }
    )
)
aws.sqs.QueuePolicy("uploads", queue_url=queue.id, policy=policy)
aws.s3.BucketNotification(
    "uploads", bucket=bucket.id, queues=[{"queue_arn": queue.arn, "events": ["s3:ObjectCreated:*"]}]
)
prefix = bucket.bucket.apply(lambda b: b.split("-")[0]).apply(str.upper)
pulumi.export("prefix", prefix)
pulumi.export("console", pulumi.Output.concat("https://s3.console.aws.amazon.com/s3/buckets/", bucket.bucket))
pulumi.export("summary", pulumi.Output.format("{0} -> {1}", bucket.arn, queue.url))
