"""Account-specific lookups answered from the stack's fixtures file (a shared VPC by tag, a secret)."""

import json

import pulumi
import pulumi_aws as aws

vpc = aws.ec2.get_vpc(tags={"Name": "shared"})
secret = aws.secretsmanager.get_secret_version(secret_id="prod/app/config")
settings = json.loads(secret.secret_string)
queue = aws.sqs.Queue(
    "work", visibility_timeout_seconds=settings["visibilityTimeout"], sqs_managed_sse_enabled=True
)
sg = aws.ec2.SecurityGroup("work", vpc_id=vpc.id)
pulumi.export("vpc", vpc.id)
pulumi.export("visibility", queue.visibility_timeout_seconds)
