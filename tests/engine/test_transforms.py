"""Resource transforms run as the engine runs them: own, then each ancestor's, then the stack's."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from tierup.engine import wire
from tierup.engine.evaluation import Evaluation
from tierup.engine.runtime import evaluate_inline


def _run(program: Any) -> Evaluation:
    return evaluate_inline(program, config={"aws:region": "eu-west-1"})


def _tag(marker: str) -> Any:
    """A transform that appends ``marker`` to the ``trail`` tag of every resource that takes tags."""

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if not args.type_.startswith("aws:"):
            return None
        tags = dict(args.props.get("tags") or {})
        tags["trail"] = f"{tags.get('trail', '')}{marker}"
        return pulumi.ResourceTransformResult(props={**args.props, "tags": tags}, opts=args.opts)

    return transform


def test_a_stack_transform_reaches_every_later_resource_and_keeps_secrets_secret() -> None:
    def program() -> None:
        aws.sqs.Queue("before", tags={"team": "a"})
        pulumi.runtime.register_resource_transform(_tag("s"))
        aws.sqs.Queue("after", tags={"team": "a"})
        aws.rds.Instance(
            "db",
            engine="postgres",
            instance_class="db.t4g.micro",
            allocated_storage=20,
            username="app",
            password=pulumi.Output.secret("hunter2-hunter2"),
            skip_final_snapshot=True,
        )

    evaluation = _run(program)
    assert evaluation.one(name="before").inputs["tags"] == {"team": "a"}
    assert evaluation.one(name="after").inputs["tags"] == {"team": "a", "trail": "s"}
    database = evaluation.one(name="db")
    assert database.inputs["tags"] == {"trail": "s"}
    assert wire.is_secret(database.inputs["password"])
    assert database.outputs["tags"] == {"trail": "s"}  # the mocks answered the transformed inputs


def test_own_then_ancestors_then_stack_and_only_for_the_component_children() -> None:
    class Tier(pulumi.ComponentResource):
        def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
            super().__init__("test:index:Tier", name, None, opts)
            inner = Inner(f"{name}-inner", pulumi.ResourceOptions(parent=self, transforms=[_tag("i")]))
            aws.sqs.Queue(f"{name}-q", opts=pulumi.ResourceOptions(parent=inner, transforms=[_tag("o")]))

    class Inner(pulumi.ComponentResource):
        def __init__(self, name: str, opts: pulumi.ResourceOptions) -> None:
            super().__init__("test:index:Inner", name, None, opts)

    def program() -> None:
        pulumi.runtime.register_resource_transform(_tag("s"))
        Tier("web", pulumi.ResourceOptions(transforms=[_tag("t")]))
        aws.sqs.Queue("sibling")

    evaluation = _run(program)
    assert evaluation.one(name="web-q").inputs["tags"] == {"trail": "oits"}
    assert evaluation.one(name="sibling").inputs["tags"] == {"trail": "s"}


def test_a_transform_can_set_options_and_be_async() -> None:
    async def protect_databases(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ != "aws:dynamodb/table:Table":
            return None
        opts = pulumi.ResourceOptions.merge(
            args.opts, pulumi.ResourceOptions(protect=True, ignore_changes=["tags"])
        )
        return pulumi.ResourceTransformResult(props=args.props, opts=opts)

    def program() -> None:
        pulumi.runtime.register_resource_transform(protect_databases)
        aws.dynamodb.Table(
            "orders",
            attributes=[{"name": "id", "type": "S"}],
            hash_key="id",
            billing_mode="PAY_PER_REQUEST",
        )
        aws.sqs.Queue("jobs")

    evaluation = _run(program)
    table = evaluation.one(name="orders")
    assert table.protect is True
    assert table.ignore_changes == ["tags"]
    assert evaluation.one(name="jobs").protect is False


def test_without_transforms_a_registration_is_recorded_as_sent() -> None:
    def program() -> None:
        aws.sqs.Queue("jobs", tags={"team": "a"}, opts=pulumi.ResourceOptions(protect=True))

    queue = _run(program).one(name="jobs")
    assert queue.inputs["tags"] == {"team": "a"}
    assert queue.protect is True


def test_invoke_transforms_rewrite_the_arguments_of_later_lookups() -> None:
    def only_available(args: pulumi.InvokeTransformArgs) -> pulumi.InvokeTransformResult | None:
        if args.token != "aws:index/getAvailabilityZones:getAvailabilityZones":
            return None
        return pulumi.InvokeTransformResult(args={**args.args, "state": "available"}, opts=args.opts)

    def program() -> None:
        pulumi.export("before", aws.get_availability_zones(state="impaired").state)
        pulumi.runtime.register_invoke_transform(only_available)
        pulumi.export("after", aws.get_availability_zones(state="impaired").state)
        pulumi.export("region", aws.get_region().region)

    assert _run(program).outputs == {"before": "impaired", "after": "available", "region": "eu-west-1"}
