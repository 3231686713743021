"""Everything an account-aware program looks up: identity, partition, region, AZs, AMIs, SSM."""

import pulumi
import pulumi_aws as aws

identity = aws.get_caller_identity()
partition = aws.get_partition()
region = aws.get_region()
azs = aws.get_availability_zones()
ami = aws.ssm.get_parameter(name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
kms = aws.kms.get_key(key_id="alias/aws/ebs")
bucket = aws.s3.Bucket("audit", bucket=f"audit-{identity.account_id}-{region.name}")
template = aws.ec2.LaunchTemplate(
    "web",
    image_id=ami.value,
    instance_type="t3.small",
    metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
    block_device_mappings=[
        {"device_name": "/dev/xvda", "ebs": {"volume_size": 20, "encrypted": "true", "kms_key_id": kms.arn}}
    ],
)
pulumi.export("account", identity.account_id)
pulumi.export("arnPrefix", f"arn:{partition.partition}:s3:::")
pulumi.export("zones", azs.names)
pulumi.export("bucket", bucket.bucket)
