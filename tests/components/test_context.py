"""components/_context.py: region, account, partition and AZs asked once per provider and evaluation."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from tierup.components import LoadBalancer, LoadBalancerArgs, Network, NetworkArgs
from tierup.components._context import availability_zones, aws_context

from tierup.engine.mocks import AwsMocks
from tierup.engine.runtime import evaluate_inline

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f5e8a3b-1c2d-4e6f-8a9b-0c1d2e3f4a5b"


@pytest.fixture
def invokes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every invoke token the mocks answer, counted."""
    counted: Counter[str] = Counter()
    original = AwsMocks.call

    def call(self: AwsMocks, args: Any) -> Any:
        counted[args.token] += 1
        return original(self, args)

    monkeypatch.setattr(AwsMocks, "call", call)
    return counted


def test_many_components_ask_each_lookup_once(invokes: Counter[str]) -> None:
    def program() -> None:
        for i in range(3):
            network = Network(f"net{i}", NetworkArgs(az_count=2, nat="single", flow_logs=True))
            LoadBalancer(f"lb{i}", LoadBalancerArgs(network=network, certificate_arn=CERT, access_logs=True))

    evaluation = evaluate_inline(program, config={"aws:region": "eu-west-1"})
    assert len(evaluation.find(type="aws:ec2/vpc:Vpc")) == 3
    for token in (
        "aws:index/getRegion:getRegion",
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:index/getPartition:getPartition",
        "aws:index/getAvailabilityZones:getAvailabilityZones",
        "aws:elb/getServiceAccount:getServiceAccount",
    ):
        assert invokes[token] == 1, (token, invokes)
    # the answers are the region's: every S3 endpoint names eu-west-1
    endpoints = evaluation.find(type="aws:ec2/vpcEndpoint:VpcEndpoint")
    assert {e.inputs["serviceName"] for e in endpoints} == {"com.amazonaws.eu-west-1.s3"}


def test_another_provider_is_asked_on_its_own(invokes: Counter[str]) -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        eu = aws.Provider("eu", region="eu-central-1")
        here = pulumi.ComponentResource("test:index:Here", "here")
        there = pulumi.ComponentResource(
            "test:index:There", "there", opts=pulumi.ResourceOptions(providers=[eu])
        )
        seen["here"], seen["there"] = aws_context(here), aws_context(there)
        seen["again"] = aws_context(pulumi.ComponentResource("test:index:Again", "again"))
        seen["azs"] = availability_zones(there, state="available")

    evaluate_inline(program, config={"aws:region": "us-west-2"})
    assert seen["here"] is seen["again"]  # the default provider: asked once
    assert seen["there"] is not seen["here"]  # the explicit provider: asked on its own
    assert seen["here"].region == "us-west-2"
    assert seen["azs"] and all(isinstance(n, str) for n in seen["azs"])
    assert invokes["aws:index/getRegion:getRegion"] == 2
    assert invokes["aws:index/getAvailabilityZones:getAvailabilityZones"] == 1


def test_a_new_evaluation_asks_again(invokes: Counter[str]) -> None:
    regions = []
    for region in ("us-east-1", "ap-southeast-2"):
        evaluate_inline(
            lambda: regions.append(aws_context(pulumi.ComponentResource("test:index:C", "c")).region),
            config={"aws:region": region},
        )
    assert regions == ["us-east-1", "ap-southeast-2"]
    assert invokes["aws:index/getRegion:getRegion"] == 2
