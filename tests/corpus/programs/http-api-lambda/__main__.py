"""An HTTP API (API Gateway v2) proxying to a Lambda function, with a log group per function."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
memory = config.get_int("memory") or 256
role = aws.iam.Role(
    "fn-role",
    assume_role_policy=aws.iam.get_policy_document(
        statements=[
            {
                "actions": ["sts:AssumeRole"],
                "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
            }
        ]
    ).json,
)
fn = aws.lambda_.Function(
    "fn",
    runtime="nodejs20.x",
    handler="index.handler",
    role=role.arn,
    memory_size=memory,
    code=pulumi.AssetArchive(
        {"index.js": pulumi.StringAsset("exports.handler = async () => ({statusCode: 200});")}
    ),
    environment={"variables": {"STAGE": pulumi.get_stack()}},
)
logs = aws.cloudwatch.LogGroup(
    "fn-logs", name=fn.name.apply(lambda n: f"/aws/lambda/{n}"), retention_in_days=14
)
api = aws.apigatewayv2.Api("http", protocol_type="HTTP")
integration = aws.apigatewayv2.Integration(
    "fn", api_id=api.id, integration_type="AWS_PROXY", integration_uri=fn.arn, payload_format_version="2.0"
)
route = aws.apigatewayv2.Route(
    "default", api_id=api.id, route_key="$default", target=integration.id.apply(lambda i: f"integrations/{i}")
)
stage = aws.apigatewayv2.Stage("default", api_id=api.id, name="$default", auto_deploy=True)
aws.lambda_.Permission(
    "invoke",
    action="lambda:InvokeFunction",
    function=fn.name,
    principal="apigateway.amazonaws.com",
    source_arn=api.execution_arn.apply(lambda a: f"{a}/*/*"),
)
pulumi.export("endpoint", api.api_endpoint)
pulumi.export("logGroup", logs.name)
