"""aws-apigateway's RestAPI (a multi-language component) fronting a Lambda: the note, unknown url."""

import json

import pulumi
import pulumi_aws as aws


class RestAPI(pulumi.ComponentResource):
    """What ``pulumi_aws_apigateway.RestAPI`` declares: a remote component of the aws-apigateway plugin."""

    url: pulumi.Output[str]

    def __init__(self, name, routes, opts=None):
        super().__init__(
            "aws-apigateway:index:RestAPI",
            name,
            {"routes": routes, "url": None, "api": None},
            opts,
            remote=True,
        )


role = aws.iam.Role(
    "fn",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                }
            ],
        }
    ),
)
fn = aws.lambda_.Function(
    "fn",
    runtime="python3.12",
    handler="h.handler",
    role=role.arn,
    code=pulumi.AssetArchive(
        {"h.py": pulumi.StringAsset("def handler(e, c):\n    return {'statusCode': 200}\n")}
    ),
)
api = RestAPI("api", routes=[{"path": "/", "method": "GET", "eventHandlerArn": fn.arn}])
pulumi.export("url", api.url)
