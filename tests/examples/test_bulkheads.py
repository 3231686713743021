"""examples/bulkheads: a hand-composed program is as isolated as a config-built one, and passes the pack."""

from __future__ import annotations

import base64
import json

import pytest

import tierup.testing
from tests.helpers import REPO, run_cli
from tierup.engine import wire

EXAMPLE = REPO / "examples" / "bulkheads"
TIERS = ("web", "api", "mailer", "resizer")
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
QUEUE = "aws:sqs/queue:Queue"


@pytest.fixture(scope="module")
def stack() -> tierup.testing.Stack:
    return tierup.testing.evaluate_stack("prod", project_dir=EXAMPLE)


def user_data(stack: tierup.testing.Stack, tier: str) -> str:
    lt = stack.one(type="aws:ec2/launchTemplate:LaunchTemplate", component=tier)
    return base64.b64decode(wire.plain(lt.unwrap("userData"))).decode()


def url(stack: tierup.testing.Stack, queue: str) -> str:
    return stack.one(type=QUEUE, name=queue, component="tierup:queue:Queue").outputs["url"]


def test_each_tier_has_its_own_security_group_and_role(stack: tierup.testing.Stack) -> None:
    groups = {t: stack.one(type="aws:ec2/securityGroup:SecurityGroup", component=t).id for t in TIERS}
    roles = {t: stack.one(type="aws:iam/role:Role", component=t).id for t in TIERS}
    assert len(set(groups.values())) == len(set(roles.values())) == len(TIERS)


def test_each_role_has_only_its_own_queue_grants(stack: tierup.testing.Stack) -> None:
    by_role: dict[str, set[str]] = {}
    for policy in stack.resources(type=ROLE_POLICY):
        if "-send-" in policy.name or "-consume-" in policy.name:
            by_role.setdefault(policy.inputs["role"], set()).add(policy.name)
    role = {t: stack.one(type="aws:iam/role:Role", component=t).outputs["name"] for t in TIERS}
    assert by_role == {
        role["web"]: {"emails-send-web", "images-send-web"},
        role["api"]: {"images-send-api"},
        role["mailer"]: {"emails-consume-mailer"},
        role["resizer"]: {"images-consume-resizer"},
    }


def test_listener_priorities_are_distinct_and_host_first(stack: tierup.testing.Stack) -> None:
    rules = {r.name: r.inputs["priority"] for r in stack.resources(type="aws:lb/listenerRule:ListenerRule")}
    assert rules["lb-api"] < rules["lb-web"]
    assert len(set(rules.values())) == len(rules) == 2
    assert stack.outputs["priorities"] == {"web": rules["lb-web"], "api": rules["lb-api"]}


def test_connection_env_is_namespaced(stack: tierup.testing.Stack) -> None:
    emails, images = url(stack, "emails"), url(stack, "images")
    web, api = user_data(stack, "web"), user_data(stack, "api")
    assert f"EMAILS_QUEUE_URL={emails}" in web and f"IMAGES_QUEUE_URL={images}" in web
    assert f"IMAGES_QUEUE_URL={images}" in api and "EMAILS_QUEUE_URL" not in api
    assert f"-e QUEUE_URL={emails}" in user_data(stack, "mailer")
    assert f"-e QUEUE_URL={images}" in user_data(stack, "resizer")
    for tier in TIERS:
        assert "REDIS_AUTH_TOKEN" in user_data(stack, tier)


def test_redis_admits_each_tier_by_its_own_group(stack: tierup.testing.Stack) -> None:
    rules = stack.resources(
        type="aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", component="cache"
    )
    assert sorted(r.name for r in rules) == sorted(f"cache-from-{t}" for t in TIERS)


def test_schedule_and_alarms_per_tier(stack: tierup.testing.Stack) -> None:
    schedule = stack.one(type="aws:scheduler/schedule:Schedule")
    assert schedule.inputs["target"]["arn"] == stack.one(type=QUEUE, name="emails").outputs["arn"]
    names = {r.name for r in stack.resources(type="aws:cloudwatch/metricAlarm:MetricAlarm", component="ops")}
    for tier in TIERS:
        assert f"ops-{tier}-cpu-high" in names
    assert {"ops-web-5xx-rate", "ops-api-5xx-rate", "ops-nightly-digest-schedule-failed"} <= names
    assert {"ops-emails-oldest-message", "ops-images-dlq-not-empty"} <= names


def test_the_example_passes_tierup_check() -> None:
    result = run_cli("check", EXAMPLE, "--stack", "prod", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["violations"] == []
    assert report["summary"]["resources"] > 150
