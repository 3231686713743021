"""Cross-region S3 replication with an explicit provider for the replica region."""

import json

import pulumi
import pulumi_aws as aws

replica_region = aws.Provider("replica", region="us-west-2")
source = aws.s3.Bucket("source")
replica = aws.s3.Bucket("replica", opts=pulumi.ResourceOptions(provider=replica_region))
for name, bucket, opts in (
    ("source", source, None),
    ("replica", replica, pulumi.ResourceOptions(provider=replica_region)),
):
    aws.s3.BucketVersioning(name, bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=opts)
role = aws.iam.Role(
    "replication",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "s3.amazonaws.com"}}
            ],
        }
    ),
)
aws.s3.BucketReplicationConfig(
    "source",
    bucket=source.id,
    role=role.arn,
    rules=[
        {
            "id": "all",
            "status": "Enabled",
            "destination": {"bucket": replica.arn, "storage_class": "STANDARD_IA"},
        }
    ],
)
pulumi.export("replica", replica.bucket)
