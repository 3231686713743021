"""Secrets from stack config (secure values) stored in Secrets Manager and SSM, never in plain text."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
api_key = config.require_secret("apiKey")
db_password = config.require_secret("dbPassword")
secret = aws.secretsmanager.Secret("api", recovery_window_in_days=7)
aws.secretsmanager.SecretVersion(
    "api",
    secret_id=secret.id,
    secret_string=pulumi.Output.all(api_key, db_password).apply(
        lambda v: json.dumps({"apiKey": v[0], "dbPassword": v[1]})
    ),
)
aws.ssm.Parameter("db-password", type="SecureString", value=db_password)
pulumi.export("secretArn", secret.arn)
pulumi.export("apiKey", api_key)
