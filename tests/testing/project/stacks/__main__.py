"""Two tiers of raw pulumi_aws resources, one nested in the other, with options and a secret."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
team = config.require("team")
password = config.require_secret("dbPassword")


class Jobs(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fixture:jobs:Jobs", name, None, opts)
        self.dlq = aws.sqs.Queue(f"{name}-dlq", opts=pulumi.ResourceOptions(parent=self, protect=True))
        self.queue = aws.sqs.Queue(
            name,
            visibility_timeout_seconds=120,
            redrive_policy=pulumi.Output.json_dumps(
                {"deadLetterTargetArn": self.dlq.arn, "maxReceiveCount": 5}
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})


class Web(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fixture:web:Web", name, None, opts)
        self.param = aws.ssm.Parameter(
            f"{name}-db-password",
            type="SecureString",
            value=password,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        self.jobs = Jobs(f"{name}-jobs", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


web = Web("web")
vpc = aws.ec2.Vpc(
    "main",
    cidr_block="10.0.0.0/16",
    tags={"team": team},
    opts=pulumi.ResourceOptions(ignore_changes=["tags"], depends_on=[web.param]),
)
standalone = aws.sqs.Queue("standalone")

pulumi.export("vpcId", vpc.id)
pulumi.export("password", password)
