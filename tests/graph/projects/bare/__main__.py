"""A stack with no tier tierup recognises (no load balancer, ASG, cache, database or queue)."""

import json

import pulumi_aws as aws

assets = aws.s3.BucketV2("assets")
role = aws.iam.Role("fn", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
aws.iam.RolePolicyAttachment(
    "fn-logs", role=role.name, policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
)
aws.lambda_.Function(
    "resize",
    role=role.arn,
    runtime="python3.12",
    handler="app.handler",
    s3_bucket="artifacts",
    s3_key="r.zip",
)
