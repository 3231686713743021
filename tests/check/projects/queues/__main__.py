"""Two queues (one with short retention) and a public bucket: food for the sample pack."""

import pulumi_aws as aws

aws.sqs.Queue("short", message_retention_seconds=3600)
aws.sqs.Queue("long", message_retention_seconds=1209600)
aws.s3.Bucket("site", acl="public-read")
