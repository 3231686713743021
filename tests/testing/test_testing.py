"""tierup.testing: evaluate a project offline and query its resources, inputs, secrets and options."""

from __future__ import annotations

import json

import pytest

import tierup.testing
from tests.helpers import TESTS
from tierup.check import CheckReport
from tierup.errors import TierupError
from tierup.testing import SECRET, Stack

PROJECT = TESTS / "testing" / "project"
QUEUE = "aws:sqs/queue:Queue"


@pytest.fixture(scope="module")
def stack() -> Stack:
    return tierup.testing.evaluate_stack("prod", project_dir=PROJECT)


def test_the_stack_knows_its_project_stack_and_environment(stack: Stack) -> None:
    assert (stack.project, stack.name, stack.environment) == ("testing-fixture", "prod", "prod")
    assert stack.outputs["password"] == SECRET
    assert stack.outputs["vpcId"].startswith("vpc-")


def test_resources_filter_by_type_name_and_component(stack: Stack) -> None:
    assert [r.name for r in stack.resources(QUEUE)] == ["web-jobs-dlq", "web-jobs", "standalone"]
    assert [r.name for r in stack.resources(QUEUE, name="standalone")] == ["standalone"]
    # any enclosing component counts, by type token or logical name
    assert [r.name for r in stack.resources(QUEUE, component="fixture:web:Web")] == [
        "web-jobs-dlq",
        "web-jobs",
    ]
    assert [r.name for r in stack.resources(QUEUE, component="web-jobs")] == ["web-jobs-dlq", "web-jobs"]
    assert stack.resources(QUEUE, component="fixture:nope:Nope") == []
    web = stack.one("fixture:web:Web")
    assert [r.type for r in stack.resources(component=web, custom=True)] == [
        "aws:ssm/parameter:Parameter",
        QUEUE,
        QUEUE,
    ]
    assert [r.name for r in stack.components()] == ["web", "web-jobs"]
    # no filter: everything but the stack and the providers
    assert {r.type for r in stack.resources()} >= {"fixture:web:Web", "aws:ec2/vpc:Vpc"}
    assert not any(r.type.startswith("pulumi:") for r in stack.resources())


def test_one_returns_the_single_match_or_says_what_it_found(stack: Stack) -> None:
    assert stack.one(QUEUE, name="web-jobs").inputs["visibilityTimeoutSeconds"] == 120
    with pytest.raises(
        LookupError, match=r"expected one resource with type='aws:sqs/queue:Queue', found 3: "
    ):
        stack.one(QUEUE)
    with pytest.raises(LookupError, match=r"name='nope', found 0$"):
        stack.one(QUEUE, name="nope")


def test_inputs_use_wire_names_and_mask_secrets(stack: Stack) -> None:
    param = stack.one("aws:ssm/parameter:Parameter")
    assert param.inputs["type"] == "SecureString"
    assert param.inputs["value"] == SECRET
    assert param.is_secret("value") and not param.is_secret("type")
    unwrapped = param.unwrap("value")  # explicit: the offline placeholder, never a real secret
    assert unwrapped.startswith("offline-secret-")
    assert param.unwrap()["value"] == unwrapped
    assert unwrapped not in json.dumps(param.inputs)
    queue = stack.one(QUEUE, name="web-jobs")
    dlq = stack.one(QUEUE, name="web-jobs-dlq")
    assert json.loads(queue.inputs["redrivePolicy"])["deadLetterTargetArn"] == dlq.outputs["arn"]
    assert queue.unwrap(outputs=True)["url"] == queue.outputs["url"]


def test_options_and_place_in_the_tree(stack: Stack) -> None:
    dlq = stack.one(QUEUE, name="web-jobs-dlq")
    assert dlq.protect and not dlq.retain_on_delete
    assert stack.one("aws:ssm/parameter:Parameter").retain_on_delete
    vpc = stack.one("aws:ec2/vpc:Vpc")
    assert vpc.ignore_changes == ["tags"]
    assert [d.name for d in vpc.dependencies] == ["web-db-password"]
    assert vpc.provider.startswith("urn:pulumi:prod::testing-fixture::pulumi:providers:aws::")
    assert vpc.component is None and vpc.parent is not None and vpc.parent.type == "pulumi:pulumi:Stack"
    assert dlq.component is not None and dlq.component.name == "web-jobs"
    assert [a.name for a in dlq.ancestors()] == ["web-jobs", "web", "testing-fixture-prod"]
    assert dlq.in_component("web") and not vpc.in_component("web")
    assert [c.name for c in stack.one("fixture:jobs:Jobs").children()] == ["web-jobs-dlq", "web-jobs"]
    assert repr(dlq) == "Resource('aws:sqs/queue:Queue', 'web-jobs-dlq')"


def test_check_returns_the_policy_report(stack: Stack) -> None:
    report = stack.check()
    assert isinstance(report, CheckReport)
    assert stack.check() is report  # run once per stack
    assert {p.name for p in report.packs} == {"tierup-resilience"}
    assert report.environment == "prod"
    flagged = {(v.policy, v.name) for v in report.mandatory}
    assert ("sqs-dead-letter-queue", "standalone") in flagged
    assert ("sqs-dead-letter-queue", "web-jobs") not in flagged


@pytest.mark.parametrize(
    ("stack_name", "message"),
    [
        ("invalid", "stacks/Pulumi.invalid.yaml: tierup:services.web.minSize: must be ≤ maxSize (3 > 2)"),
        ("broken", "Missing required configuration variable 'testing-fixture:team'"),
        ("qa", "no such stack 'qa'"),
    ],
)
def test_bad_input_raises_the_clis_error(stack_name: str, message: str) -> None:
    with pytest.raises(TierupError) as error:
        tierup.testing.evaluate_stack(stack_name, project_dir=PROJECT)
    assert message in str(error.value).splitlines()[0]
