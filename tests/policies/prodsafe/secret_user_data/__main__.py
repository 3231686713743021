"""A compliant launch template, except that its user data embeds a secret config value.

No secret-looking word is in the script (the literal scan alone would pass it): only the secretness of the
value tells. Config ``secret-user-data:viaArn`` (bool) renders the compliant twin, which passes only the
secret's ARN.
"""

import base64

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-config-AbCdEf"


def script(value: str) -> str:
    return base64.b64encode(f"#!/bin/bash\necho '{value}' > /etc/app/app.conf\n".encode()).decode()


user_data = (
    pulumi.Output.from_input(script(ARN))
    if config.get_bool("viaArn")
    else config.require_secret("appConfig").apply(script)
)
aws.ec2.LaunchTemplate(
    "app",
    image_id="resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
    instance_type="t4g.small",
    metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
        http_endpoint="enabled", http_tokens="required"
    ),
    user_data=user_data,
)
