"""A resource or invoke of an explicit ``aws.Provider(region=...)`` is answered in that provider's region."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from tierup.engine.runtime import evaluate_inline


def test_explicit_providers_place_resources_and_lookups_in_their_region() -> None:
    class Site(pulumi.ComponentResource):
        def __init__(self, name: str, opts: pulumi.ResourceOptions) -> None:
            super().__init__("acme:web:Site", name, None, opts)
            aws.sqs.Queue(f"{name}-q", opts=pulumi.ResourceOptions(parent=self))

    def program() -> None:
        east = aws.Provider("east", region="us-east-1")
        aws.acm.Certificate(
            "cdn",
            domain_name="www.example.com",
            validation_method="DNS",
            opts=pulumi.ResourceOptions(provider=east),
        )
        Site("site", pulumi.ResourceOptions(providers={"aws": east}))
        aws.sqs.Queue("home")
        pulumi.export("eastRegion", aws.get_region(opts=pulumi.InvokeOptions(provider=east)).region)
        pulumi.export("stackRegion", aws.get_region().region)

    evaluation = evaluate_inline(program, config={"aws:region": "eu-west-1"})
    assert evaluation.one(name="cdn").outputs["arn"].startswith("arn:aws:acm:us-east-1:")
    assert evaluation.one(name="site-q").outputs["url"].startswith("https://sqs.us-east-1.amazonaws.com/")
    assert evaluation.one(name="home").outputs["url"].startswith("https://sqs.eu-west-1.amazonaws.com/")
    assert evaluation.outputs == {"eastRegion": "us-east-1", "stackRegion": "eu-west-1"}
