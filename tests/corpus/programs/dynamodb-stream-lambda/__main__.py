"""A DynamoDB table with a stream consumed by a Lambda function (event source mapping)."""

import json

import pulumi
import pulumi_aws as aws

table = aws.dynamodb.Table(
    "events",
    billing_mode="PAY_PER_REQUEST",
    hash_key="pk",
    range_key="sk",
    attributes=[{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}],
    stream_enabled=True,
    stream_view_type="NEW_AND_OLD_IMAGES",
    point_in_time_recovery={"enabled": True},
    server_side_encryption={"enabled": True},
)
role = aws.iam.Role(
    "consumer",
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
aws.iam.RolePolicy(
    "consumer",
    role=role.id,
    policy=table.stream_arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Resource": arn,
                        "Action": [
                            "dynamodb:GetRecords",
                            "dynamodb:GetShardIterator",
                            "dynamodb:DescribeStream",
                            "dynamodb:ListStreams",
                        ],
                    }
                ],
            }
        )
    ),
)
fn = aws.lambda_.Function(
    "consumer",
    runtime="python3.12",
    handler="main.handler",
    role=role.arn,
    code=pulumi.AssetArchive(
        {"main.py": pulumi.StringAsset("def handler(e, c):\n    return len(e['Records'])\n")}
    ),
)
aws.lambda_.EventSourceMapping(
    "consumer",
    event_source_arn=table.stream_arn,
    function_name=fn.arn,
    starting_position="LATEST",
    batch_size=100,
)
pulumi.export("table", table.name)
