"""A KMS key with rotation, a bucket encrypted with it, versioning, lifecycle and a TLS-only policy."""

import pulumi
import pulumi_aws as aws

identity = aws.get_caller_identity()
key = aws.kms.Key("data", description="data bucket key", enable_key_rotation=True, deletion_window_in_days=30)
aws.kms.Alias("data", name="alias/data", target_key_id=key.key_id)
bucket = aws.s3.Bucket("data", force_destroy=False)
aws.s3.BucketVersioning("data", bucket=bucket.id, versioning_configuration={"status": "Enabled"})
aws.s3.BucketServerSideEncryptionConfiguration(
    "data",
    bucket=bucket.id,
    rules=[
        {
            "apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms",
                "kms_master_key_id": key.arn,
            },
            "bucket_key_enabled": True,
        }
    ],
)
aws.s3.BucketLifecycleConfiguration(
    "data",
    bucket=bucket.id,
    rules=[
        {"id": "expire-old", "status": "Enabled", "filter": {"prefix": "tmp/"}, "expiration": {"days": 30}}
    ],
)
tls_only = aws.iam.get_policy_document_output(
    statements=[
        {
            "effect": "Deny",
            "actions": ["s3:*"],
            "resources": [bucket.arn, bucket.arn.apply(lambda a: f"{a}/*")],
            "principals": [{"type": "*", "identifiers": ["*"]}],
            "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
        }
    ]
)
aws.s3.BucketPolicy("data", bucket=bucket.id, policy=tls_only.json)
pulumi.export("keyArn", key.arn)
pulumi.export("owner", identity.account_id)
