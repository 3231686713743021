"""The mocks answer like AWS: the shapes policies and the cost/graph commands rely on."""

from __future__ import annotations

import json
import re

import pulumi
import pulumi_aws as aws
import pulumi_random as random
import pytest

from tierup.engine import wire
from tierup.engine.evaluation import Evaluation
from tierup.engine.runtime import evaluate_inline


def program() -> None:
    vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
    aws.lb.LoadBalancer("web", subnets=[], internal=False)
    aws.lb.TargetGroup("app", port=8080, protocol="HTTP", vpc_id=vpc.id)
    aws.sqs.Queue("jobs")
    aws.elasticache.ReplicationGroup(
        "cache", description="c", num_cache_clusters=3, transit_encryption_enabled=True
    )
    aws.autoscaling.Group("workers", min_size=0, max_size=2, vpc_zone_identifiers=[])
    aws.iam.Role("role", assume_role_policy="{}")
    aws.secretsmanager.Secret("token")
    aws.s3.Bucket("logs")
    aws.ecr.Repository("app")
    password = random.RandomPassword("auth", length=40, special=False)
    pulumi.export("password", password.result)
    azs = aws.get_availability_zones()
    pulumi.export("azs", azs.names)
    pulumi.export("identity", aws.get_caller_identity().account_id)
    pulumi.export(
        "ami",
        aws.ssm.get_parameter(
            name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
        ).value,
    )
    doc = aws.iam.get_policy_document(
        statements=[
            aws.iam.GetPolicyDocumentStatementArgs(
                actions=["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                resources=["arn:aws:sqs:us-east-1:123456789012:jobs"],
                principals=[
                    aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                        type="Service", identifiers=["ec2.amazonaws.com"]
                    )
                ],
            )
        ]
    )
    pulumi.export("doc", doc.json)


@pytest.fixture(scope="module")
def ev() -> Evaluation:
    return evaluate_inline(program, project="m", stack="prod", config={"aws:region": "us-east-1"})


def test_alb_outputs(ev: Evaluation) -> None:
    out = ev.one(name="web").outputs
    assert re.fullmatch(r"app/web-[0-9a-f]{7}/[0-9a-f]{16}", out["arnSuffix"])
    assert (
        out["arn"] == f"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/{out['arnSuffix']}"
    )
    assert re.fullmatch(r"web-[0-9a-f]{7}-\d+\.us-east-1\.elb\.amazonaws\.com", out["dnsName"])
    assert out["zoneId"] == "Z35SXDOTRQ7X7K"
    tg = ev.one(type="aws:lb/targetGroup:TargetGroup", name="app").outputs
    assert tg["arnSuffix"].startswith("targetgroup/app-")


def test_queue_and_cache_outputs(ev: Evaluation) -> None:
    queue = ev.one(name="jobs").outputs
    assert queue["url"] == f"https://sqs.us-east-1.amazonaws.com/123456789012/{queue['name']}"
    assert queue["arn"] == f"arn:aws:sqs:us-east-1:123456789012:{queue['name']}"
    cache = ev.one(name="cache").outputs
    rg = cache["replicationGroupId"]
    assert cache["memberClusters"] == [f"{rg}-001", f"{rg}-002", f"{rg}-003"]
    assert cache["primaryEndpointAddress"].startswith(f"master.{rg}.")
    assert cache["port"] == 6379


def test_names_arns_and_ids(ev: Evaluation) -> None:
    assert re.fullmatch(r"vpc-0[0-9a-f]{16}", ev.one(name="vpc").id)
    assert ev.one(name="workers").id == ev.one(name="workers").outputs["name"]
    assert (
        ev.one(name="role").outputs["arn"]
        == f"arn:aws:iam::123456789012:role/{ev.one(name='role').outputs['name']}"
    )
    assert (
        ev.one(name="token")
        .outputs["arn"]
        .startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:token-")
    )
    assert ev.one(name="logs").outputs["arn"] == f"arn:aws:s3:::{ev.one(name='logs').outputs['bucket']}"
    assert (
        ev.one(name="app", type="aws:ecr/repository:Repository")
        .outputs["repositoryUrl"]
        .startswith("123456789012.dkr.ecr.us-east-1.amazonaws.com/app-")
    )


def test_random_password_is_a_secret_of_the_asked_length(ev: Evaluation) -> None:
    result = ev.one(name="auth").outputs["result"]
    assert wire.is_secret(result) and len(result["value"]) == 40
    assert ev.plan()["outputs"]["password"] == "[secret]"


def test_invokes(ev: Evaluation) -> None:
    assert ev.outputs["azs"][:3] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert ev.outputs["identity"] == "123456789012"
    assert re.fullmatch(r"ami-0[0-9a-f]{16}", ev.outputs["ami"])
    doc = json.loads(ev.outputs["doc"])
    assert doc["Statement"][0]["Action"] == ["sqs:DeleteMessage", "sqs:ReceiveMessage"]
    assert doc["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}


def test_an_unknown_invoke_is_a_clear_error() -> None:
    def uses_unmocked() -> None:
        aws.rds.get_engine_version(engine="postgres")

    with pytest.raises(
        Exception, match="no offline answer for the invoke 'aws:rds/getEngineVersion:getEngineVersion'"
    ):
        evaluate_inline(uses_unmocked)


def test_outputs_are_deterministic() -> None:
    a = evaluate_inline(program, stack="prod")
    b = evaluate_inline(program, stack="prod")
    assert [r.outputs for r in a.resources] == [r.outputs for r in b.resources]
