"""tierup.build on config: one isolated tier per named service, queue, worker pool and schedule.

The reference prod stack (web on /*, api on a host; emails and images queue + pool pairs; a nightly
schedule) and a small project with secrets and build contexts, evaluated offline.
"""

from __future__ import annotations

import base64
import json
import shutil

import pytest

import tierup.testing
from tests.helpers import REPO
from tierup.engine import wire

APP = "tierup:app_tier:AppTier"
POOL = "tierup:worker_pool:WorkerPool"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SG = "aws:ec2/securityGroup:SecurityGroup"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
QUEUE = "aws:sqs/queue:Queue"
RULE = "aws:lb/listenerRule:ListenerRule"


@pytest.fixture(scope="module")
def prod() -> tierup.testing.Stack:
    return tierup.testing.evaluate_stack("prod", project_dir=REPO)


def user_data(stack: tierup.testing.Stack, tier: str) -> str:
    lt = stack.one(type=LT, component=tier)
    return base64.b64decode(wire.plain(lt.unwrap("userData"))).decode()


def queue_url(stack: tierup.testing.Stack, name: str) -> str:
    return stack.one(type=QUEUE, name=name, component="tierup:queue:Queue").outputs["url"]


def test_one_component_per_named_tier(prod: tierup.testing.Stack) -> None:
    names = {t: sorted(c.name for c in prod.components(t)) for t in (APP, POOL)}
    assert names == {APP: ["api", "web"], POOL: ["emails", "images"]}
    assert sorted(c.name for c in prod.components("tierup:queue:Queue")) == ["emails", "images"]
    assert [c.name for c in prod.components("tierup:schedule:Schedule")] == ["nightly-digest"]


def test_each_tier_has_its_own_security_group_role_and_log_group(prod: tierup.testing.Stack) -> None:
    for kind in (SG, ROLE, "aws:cloudwatch/logGroup:LogGroup"):
        owned = {t: prod.resources(type=kind, component=t) for t in ("web", "api", "emails", "images")}
        ids = [
            r.urn
            for found in owned.values()
            for r in found
            if r.component and r.component.type in (APP, POOL)
        ]
        assert len(ids) == len(set(ids)) >= 4, kind


def test_routes_and_priorities(prod: tierup.testing.Stack) -> None:
    rules = {r.name: r.inputs for r in prod.resources(type=RULE)}
    web, api = rules["prod-lb-web"], rules["prod-lb-api"]
    assert web["conditions"] == [{"pathPattern": {"values": ["/*"]}}]
    assert api["conditions"] == [{"hostHeader": {"values": ["api.shop.example.com"]}}]
    assert api["priority"] < web["priority"]  # the host rule is evaluated before the catch-all


def test_queue_urls_are_namespaced_per_sends_to(prod: tierup.testing.Stack) -> None:
    emails, images = queue_url(prod, "emails"), queue_url(prod, "images")
    web, api = user_data(prod, "web"), user_data(prod, "api")
    assert f"EMAILS_QUEUE_URL={emails}" in web and f"IMAGES_QUEUE_URL={images}" in web
    assert f"IMAGES_QUEUE_URL={images}" in api and "EMAILS_QUEUE_URL" not in api
    for script in (web, api):
        assert " QUEUE_URL=" not in script and "-e QUEUE_URL=" not in script
    mailer, imager = user_data(prod, "emails"), user_data(prod, "images")
    assert f"-e QUEUE_URL={emails}" in mailer and images not in mailer
    assert f"-e QUEUE_URL={images}" in imager and emails not in imager


def test_each_role_sends_only_to_its_sends_to_queues(prod: tierup.testing.Stack) -> None:
    grants = sorted(
        r.name for r in prod.resources(type=ROLE_POLICY) if "-send-" in r.name or "-consume-" in r.name
    )
    assert grants == [
        "emails-consume-emails",
        "emails-send-web",
        "images-consume-images",
        "images-send-api",
        "images-send-web",
    ]
    for grant in ("emails-send-web", "images-send-api"):
        policy = prod.one(type=ROLE_POLICY, name=grant)
        tier = grant.rsplit("-", 1)[1]
        assert policy.inputs["role"] == prod.one(type=ROLE, component=tier).outputs["name"]
        asg = prod.one(type="aws:autoscaling/group:Group", component=tier)
        assert policy in asg.dependencies  # the grant exists before instances start


def test_each_pool_scales_on_its_own_queue_only(prod: tierup.testing.Stack) -> None:
    for pool in ("emails", "images"):
        backlog = prod.one(type="aws:autoscaling/policy:Policy", name=f"{pool}-backlog")
        text = json.dumps(backlog.inputs)
        own = prod.one(type=QUEUE, name=pool, component="tierup:queue:Queue").outputs["name"]
        other = prod.one(
            type=QUEUE, name="images" if pool == "emails" else "emails", component="tierup:queue:Queue"
        ).outputs["name"]
        assert own in text and other not in text


def test_schedule_sends_to_its_queue(prod: tierup.testing.Stack) -> None:
    schedule = prod.one(type="aws:scheduler/schedule:Schedule")
    emails = prod.one(type=QUEUE, name="emails", component="tierup:queue:Queue")
    assert schedule.inputs["target"]["arn"] == emails.outputs["arn"]
    assert json.loads(schedule.inputs["target"]["input"]) == {"job": "nightly-digest"}
    assert prod.one(type=QUEUE, name="nightly-digest-dlq").protect


def test_redis_admits_every_tier_and_each_reads_the_token(prod: tierup.testing.Stack) -> None:
    rules = prod.resources(
        type="aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", component="prod-redis"
    )
    sources = {r.inputs["referencedSecurityGroupId"] for r in rules}
    tiers = {prod.one(type=SG, component=t).id for t in ("web", "api", "emails", "images")}
    assert sources == tiers
    token_arn = prod.one(type="aws:secretsmanager/secret:Secret", component="prod-redis").outputs["arn"]
    for tier in ("web", "api", "emails", "images"):
        assert "REDIS_AUTH_TOKEN" in user_data(prod, tier)
        secrets = prod.one(type=ROLE_POLICY, name=f"{tier}-secrets")
        assert token_arn in json.dumps(secrets.inputs)


def test_alarms_per_tier(prod: tierup.testing.Stack) -> None:
    names = {
        r.name for r in prod.resources(type="aws:cloudwatch/metricAlarm:MetricAlarm", component="prod-alarms")
    }
    for expected in (
        "prod-alarms-web-5xx-rate",
        "prod-alarms-api-5xx-rate",
        "prod-alarms-api-p99-latency",
        "prod-alarms-images-cpu-high",
        "prod-alarms-images-oldest-message",
        "prod-alarms-emails-dlq-not-empty",
        "prod-alarms-nightly-digest-schedule-failed",
    ):
        assert expected in names


def test_exports_are_maps_by_tier(prod: tierup.testing.Stack) -> None:
    out = prod.outputs
    assert out["serviceUrls"]["api"] == "https://api.shop.example.com"
    assert out["serviceUrls"]["web"] == out["url"]
    assert out["queueUrls"] == {"emails": queue_url(prod, "emails"), "images": queue_url(prod, "images")}


def test_reference_prod_passes_the_policies(prod: tierup.testing.Stack) -> None:
    report = prod.check()
    assert not report.mandatory, report.render_text()


# ---- secrets and build contexts ---------------------------------------------------------------------

SECRETS_STACK = """\
config:
  aws:region: us-east-1
  tierup:environment: dev
  tierup:services:
    web:
      build: {context: app}
      instanceType: t4g.small
      routes: {paths: [/*]}
      secrets:
        STRIPE_KEY:
          secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBB
    api:
      image: acme/api:1
      routes: {hosts: [api.example.com]}
      secrets:
        PARTNER_TOKEN: arn:aws:secretsmanager:us-east-1:123456789012:secret:partner-AbCdEf
  tierup:queues:
    jobs: {}
    other: {}
  tierup:workers:
    same-cpu:
      queue: jobs
      build: {context: app}
      instanceType: m7g.large
    other-cpu:
      queue: other
      build: {context: app}
      instanceType: c7i.large
"""


def config_stack(tmp_path_factory: pytest.TempPathFactory, name: str, stack: str) -> tierup.testing.Stack:
    """The dev stack of a project built from config only: the repository's program, ``stack`` as its file."""
    project = tmp_path_factory.mktemp(name)
    (project / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime: python\nmain: stacks/\nstackConfigDir: stacks\n"
    )
    (project / "stacks").mkdir()
    shutil.copy(REPO / "stacks" / "__main__.py", project / "stacks" / "__main__.py")
    (project / "app").mkdir()
    (project / "app" / "Dockerfile").write_text('FROM python:3.12-slim\nCMD ["python", "-V"]\n')
    (project / "stacks" / "Pulumi.dev.yaml").write_text(stack)
    return tierup.testing.evaluate_stack("dev", project_dir=project)


@pytest.fixture(scope="module")
def secrets_stack(tmp_path_factory: pytest.TempPathFactory) -> tierup.testing.Stack:
    return config_stack(tmp_path_factory, "secrets", SECRETS_STACK)


def test_a_secret_value_is_stored_in_secrets_manager_and_read_by_its_tier_only(
    secrets_stack: tierup.testing.Stack,
) -> None:
    secret = secrets_stack.one(type="aws:secretsmanager/secret:Secret", name="web-stripe-key")
    version = secrets_stack.one(type="aws:secretsmanager/secretVersion:SecretVersion", name="web-stripe-key")
    assert version.is_secret("secretString")
    assert version.inputs["secretId"] == secret.id
    web = json.dumps(secrets_stack.one(type=ROLE_POLICY, name="web-secrets").inputs)
    api = json.dumps(secrets_stack.one(type=ROLE_POLICY, name="api-secrets").inputs)
    partner = "arn:aws:secretsmanager:us-east-1:123456789012:secret:partner-AbCdEf"
    assert secret.outputs["arn"] in web and partner not in web
    assert partner in api and secret.outputs["arn"] not in api
    script = user_data(secrets_stack, "web")
    assert secret.outputs["arn"] in script and version.unwrap("secretString") not in script


def test_images_are_reused_per_source_and_cpu_with_relative_contexts(
    secrets_stack: tierup.testing.Stack,
) -> None:
    images = secrets_stack.components("tierup:image:ContainerImage")
    assert sorted(i.name for i in images) == ["other-cpu-image", "web-image"]  # m7g reuses web's arm64 build
    builds = {r.name: r.inputs["build"] for r in secrets_stack.resources(type="docker:index/image:Image")}
    # relative to the program's folder (stacks/), never absolute: the same on a laptop and in CI
    assert builds["web-image-image"]["context"] == "../app"
    assert builds["web-image-image"]["dockerfile"] == "../app/Dockerfile"
    assert builds["web-image-image"]["platform"] == "linux/arm64"
    assert builds["other-cpu-image-image"]["platform"] == "linux/amd64"
    web_image = secrets_stack.one(type="docker:index/image:Image", name="web-image-image")
    assert web_image.outputs["repoDigest"] in user_data(secrets_stack, "same-cpu")


# ---- AMI, start-up and shutdown from config -------------------------------------------------------------

LIFECYCLE_STACK = """\
config:
  aws:region: us-east-1
  tierup:environment: dev
  tierup:services:
    web:
      image: acme/web:1
      routes: {paths: [/*]}
      amiId: ami-0123456789abcdef0
      startupSeconds: 200
      stopTimeoutSeconds: 90
    api:
      image: acme/api:1
      routes: {hosts: [api.example.com]}
  tierup:queues:
    jobs: {}
  tierup:workers:
    jobs:
      queue: jobs
      image: acme/jobs:1
      amiId: resolve:ssm:/golden/al2023-arm64
      startupSeconds: 30
"""
ASG = "aws:autoscaling/group:Group"
TG = "aws:lb/targetGroup:TargetGroup"


@pytest.fixture(scope="module")
def lifecycle_stack(tmp_path_factory: pytest.TempPathFactory) -> tierup.testing.Stack:
    return config_stack(tmp_path_factory, "lifecycle", LIFECYCLE_STACK)


def test_a_service_pins_its_ami_start_up_and_stop_from_config(lifecycle_stack: tierup.testing.Stack) -> None:
    web_lt = lifecycle_stack.one(type=LT, component="web")
    api_lt = lifecycle_stack.one(type=LT, component="api")
    assert web_lt.inputs["imageId"] == "ami-0123456789abcdef0"
    assert (
        api_lt.inputs["imageId"].startswith("ami-") and api_lt.inputs["imageId"] != web_lt.inputs["imageId"]
    )
    grace = {
        t: lifecycle_stack.one(type=ASG, component=t).inputs["healthCheckGracePeriod"] for t in ("web", "api")
    }
    assert grace == {"web": 120 + 200, "api": 120 + 60}
    delay = {
        t: lifecycle_stack.one(type=TG, component=t).inputs["deregistrationDelay"] for t in ("web", "api")
    }
    assert delay == {"web": 90 - 10, "api": 30 - 10}
    assert "--stop-timeout 90" in user_data(lifecycle_stack, "web")
    assert "--stop-timeout 30" in user_data(lifecycle_stack, "api")


def test_a_worker_pins_its_ami_and_start_up_from_config(lifecycle_stack: tierup.testing.Stack) -> None:
    assert (
        lifecycle_stack.one(type=LT, component="jobs").inputs["imageId"] == "resolve:ssm:/golden/al2023-arm64"
    )
    assert "OnBootSec=150" in user_data(lifecycle_stack, "jobs")  # boot allowance 120 s + start-up 30 s


TWO_ARCHITECTURES = """\
import pulumi

import tierup
from tierup.settings import StackSettings

settings = StackSettings.from_pulumi_config()
for region in ("eu", "us"):
    pulumi.export(f"url-{region}", tierup.build(settings, name=region).load_balancer.url)
"""


def test_named_builds_share_one_stack(tmp_path_factory: pytest.TempPathFactory) -> None:
    """``build(settings, name=...)`` prefixes every named tier, so two architectures fit one stack."""
    project = tmp_path_factory.mktemp("two-architectures")
    (project / "Pulumi.yaml").write_text("name: two\nruntime: python\n")
    (project / "__main__.py").write_text(TWO_ARCHITECTURES)
    shutil.copy(REPO / "stacks" / "Pulumi.dev.yaml", project / "Pulumi.dev.yaml")
    stack = tierup.testing.evaluate_stack("dev", project_dir=project)
    assert sorted(c.name for c in stack.components(APP)) == ["eu-api", "eu-web", "us-api", "us-web"]
    assert sorted(c.name for c in stack.components(POOL)) == [
        "eu-emails",
        "eu-images",
        "us-emails",
        "us-images",
    ]
    assert sorted(c.name for c in stack.components("tierup:queue:Queue")) == [
        "eu-emails",
        "eu-images",
        "us-emails",
        "us-images",
    ]
    for region in ("eu", "us"):  # the connection variable keeps the queue's own name, the URL its own queue
        images = stack.one(type=QUEUE, name=f"{region}-images", component="tierup:queue:Queue").outputs["url"]
        assert f"IMAGES_QUEUE_URL={images}" in user_data(stack, f"{region}-api")
