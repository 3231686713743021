"""A dynamic provider (pulumi.dynamic) next to AWS resources: the provider runs at deploy time only."""

import pulumi
import pulumi_aws as aws
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class RandomLabelProvider(ResourceProvider):
    def create(self, props):
        return CreateResult(id_=f"label-{props['prefix']}", outs={"label": f"{props['prefix']}-0001"})


class RandomLabel(Resource):
    label: pulumi.Output[str]

    def __init__(self, name, prefix, opts=None):
        super().__init__(RandomLabelProvider(), name, {"prefix": prefix, "label": None}, opts)


label = RandomLabel("release", prefix="blue")
queue = aws.sqs.Queue("events", tags={"release": label.label}, sqs_managed_sse_enabled=True)
pulumi.export("label", label.label)
pulumi.export("queue", queue.url)
