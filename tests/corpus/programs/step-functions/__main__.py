"""A Step Functions state machine calling a Lambda function, with its IAM role."""

import json

import pulumi
import pulumi_aws as aws

lambda_role = aws.iam.Role(
    "task",
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
task = aws.lambda_.Function(
    "task",
    runtime="python3.12",
    handler="t.handler",
    role=lambda_role.arn,
    code=pulumi.AssetArchive({"t.py": pulumi.StringAsset("def handler(e, c):\n    return e\n")}),
)
sfn_role = aws.iam.Role(
    "machine",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "states.amazonaws.com"},
                }
            ],
        }
    ),
)
aws.iam.RolePolicy(
    "machine",
    role=sfn_role.id,
    policy=task.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arn}],
            }
        )
    ),
)
machine = aws.sfn.StateMachine(
    "machine",
    role_arn=sfn_role.arn,
    definition=task.arn.apply(
        lambda arn: json.dumps(
            {
                "StartAt": "Work",
                "States": {
                    "Work": {
                        "Type": "Task",
                        "Resource": arn,
                        "End": True,
                        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}],
                    }
                },
            }
        )
    ),
)
pulumi.export("machine", machine.arn)
