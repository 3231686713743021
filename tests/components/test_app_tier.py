"""AppTier: target group, route, ALB-only ingress, ELB health checks, scaling policies, transforms."""

from __future__ import annotations

import base64
import contextlib
import gc
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from tierup.components.alarms import Alarms, AlarmsArgs
from tierup.components.app_tier import AppTier, AppTierArgs, rollback_alarm_names
from tierup.components.compute import INSTANCE_GROUP_KEYS
from tierup.components.load_balancer import LoadBalancer, LoadBalancerArgs
from tierup.components.network import Network, NetworkArgs
from tierup.components.queue import Queue

from tierup.engine import wire
from tierup.engine.evaluation import Evaluation
from tierup.engine.runtime import evaluate_inline

APP = "tierup:app_tier:AppTier"
ASG = "aws:autoscaling/group:Group"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
TG = "aws:lb/targetGroup:TargetGroup"
RULE = "aws:lb/listenerRule:ListenerRule"
POLICY = "aws:autoscaling/policy:Policy"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ALB = "aws:lb/loadBalancer:LoadBalancer"

SENTINEL = "app-s3ntinel-never-in-plain-sight"


def evaluate(build: Callable[[Network, LoadBalancer], Any]) -> Evaluation:
    def program() -> None:
        network = Network("net", NetworkArgs(az_count=2))
        build(network, LoadBalancer("lb", LoadBalancerArgs(network=network)))

    return evaluate_inline(program, project="t", stack="prod", config={"aws:region": "us-east-1"})


def refused(build: Callable[[Network, LoadBalancer], Any], match: str) -> None:
    """The program fails with ``match``; one empty evaluation then absorbs the failed run's leftovers."""
    with pytest.raises(ValueError, match=match):
        evaluate(build)
    with contextlib.suppress(Exception):
        evaluate_inline(lambda: None)
    gc.collect()  # report the failed run's orphaned futures now, inside this test's captured output


def of(ev: Evaluation, type_: str, tier: str = "web") -> list[Any]:
    """Resources of ``type_`` that the tier ``tier`` owns."""
    app = ev.one(type=APP, name=tier)
    return [r for r in ev.children(app.urn) if r.type == type_]


@pytest.fixture(scope="module")
def web() -> Evaluation:
    """A default tier with requests-per-target scaling and a secret, plus a second tier on a host."""

    def build(network: Network, lb: LoadBalancer) -> None:
        secret = aws.secretsmanager.Secret("api-key")
        aws.secretsmanager.SecretVersion("api-key", secret_id=secret.id, secret_string=SENTINEL)
        pulumi.export("secretArn", secret.arn)
        app = AppTier(
            "web",
            AppTierArgs(
                network=network,
                load_balancer=lb,
                image="public.ecr.aws/acme/shop:1.4",
                env={"RAILS_ENV": "production"},
                secrets={"API_KEY": secret.arn},
                requests_per_target=300,
            ),
        )
        AppTier(
            "admin",
            AppTierArgs(
                network=network,
                load_balancer=lb,
                image="acme/admin:2",
                port=3000,
                health_check_path="/up",
                instance_type="m7i.large",
                min_size=1,
                max_size=3,
                desired_capacity=2,
                cpu_target=70,
                host_patterns=["admin.example.com"],
                priority=10,
                health_check_grace_period_seconds=120,
            ),
        )
        pulumi.export("webAsg", app.asg.name)
        pulumi.export("webRole", app.role.arn)
        pulumi.export("webTargetGroup", app.target_group.arn)

    return evaluate(build)


# ---- target group and routing ----------------------------------------------------------------


def test_target_group_checks_health_on_the_path(web: Evaluation) -> None:
    (tg,) = of(web, TG)
    assert (tg.inputs["port"], tg.inputs["protocol"], tg.inputs["targetType"]) == (8080, "HTTP", "instance")
    assert tg.inputs["deregistrationDelay"] == 20  # the container's stop timeout (30 s) less 10
    check = tg.inputs["healthCheck"]
    assert check["enabled"] is True
    assert (check["path"], check["matcher"], check["port"]) == ("/health", "200-399", "traffic-port")
    assert tg.inputs["vpcId"] == web.one(type="aws:ec2/vpc:Vpc").id


def test_tier_args_reach_the_target_group(web: Evaluation) -> None:
    (tg,) = of(web, TG, "admin")
    assert tg.inputs["port"] == 3000
    assert tg.inputs["healthCheck"]["path"] == "/up"


def test_routes_forward_to_the_tier(web: Evaluation) -> None:
    rules = {r.name: r for r in web.find(type=RULE)}
    (web_tg,), (admin_tg,) = of(web, TG), of(web, TG, "admin")
    web_rule, admin_rule = rules["lb-web"], rules["lb-admin"]
    assert web_rule.inputs["actions"] == [{"type": "forward", "targetGroupArn": web_tg.id}]
    assert web_rule.inputs["conditions"] == [{"pathPattern": {"values": ["/*"]}}]
    assert web_rule.inputs["priority"] == 40000  # assigned: the catch-all goes last
    # a host pattern alone routes that host (the default "/*" applies only without hosts)
    assert admin_rule.inputs["conditions"] == [{"hostHeader": {"values": ["admin.example.com"]}}]
    assert admin_rule.inputs["priority"] == 10
    assert admin_rule.inputs["actions"][0]["targetGroupArn"] == admin_tg.id


def test_app_port_is_open_to_the_alb_security_group_only(web: Evaluation) -> None:
    (app_sg,) = of(web, SG)
    (alb_sg,) = web.find(type=SG, parent_type="tierup:load_balancer:LoadBalancer")
    into_app = [r for r in web.find(type=INGRESS) if r.inputs["securityGroupId"] == app_sg.id]
    assert len(into_app) == 1
    (rule,) = into_app
    assert rule.inputs["referencedSecurityGroupId"] == alb_sg.id
    assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", 8080, 8080)
    assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs
    assert not app_sg.inputs.get("ingress")


# ---- Auto Scaling group --------------------------------------------------------------------------


def test_group_is_in_the_target_group_with_elb_health_checks(web: Evaluation) -> None:
    (asg,), (tg,) = of(web, ASG), of(web, TG)
    assert asg.inputs["targetGroupArns"] == [tg.id]
    assert asg.inputs["healthCheckType"] == "ELB"
    assert asg.inputs["healthCheckGracePeriod"] == 180  # boot allowance 120 s + start-up 60 s
    (admin,) = of(web, ASG, "admin")
    assert admin.inputs["healthCheckGracePeriod"] == 120  # given


def test_sizes_and_desired_capacity(web: Evaluation) -> None:
    (asg,), (admin,) = of(web, ASG), of(web, ASG, "admin")
    assert (asg.inputs["minSize"], asg.inputs["desiredCapacity"], asg.inputs["maxSize"]) == (2, 2, 4)
    assert (admin.inputs["minSize"], admin.inputs["desiredCapacity"], admin.inputs["maxSize"]) == (1, 2, 3)
    assert asg.ignore_changes == admin.ignore_changes == ["desiredCapacity"]


def test_instances_launch_after_their_route_and_ingress(web: Evaluation) -> None:
    (asg,) = of(web, ASG)
    rule = web.one(type=RULE, name="lb-web")
    ingress = web.one(type=INGRESS, name="lb-web-from-alb")
    assert rule.urn in asg.dependencies and ingress.urn in asg.dependencies


def test_rolling_refresh_and_a_hardened_template(web: Evaluation) -> None:
    (asg,), (lt,) = of(web, ASG), of(web, LT)
    assert asg.inputs["instanceRefresh"]["strategy"] == "Rolling"
    assert asg.inputs["instanceRefresh"]["preferences"]["minHealthyPercentage"] == 90
    assert lt.inputs["metadataOptions"]["httpTokens"] == "required"
    assert lt.inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1
    assert lt.inputs["networkInterfaces"][0]["associatePublicIpAddress"] == "false"
    assert lt.inputs["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"
    assert lt.inputs["instanceType"] == "t4g.small"
    (admin_lt,) = of(web, LT, "admin")
    assert admin_lt.inputs["instanceType"] == "m7i.large"
    assert admin_lt.inputs["imageId"] != lt.inputs["imageId"]  # x86_64 vs arm64 AMI


# ---- scaling -------------------------------------------------------------------------------------


def test_cpu_target_tracking(web: Evaluation) -> None:
    (asg,) = of(web, ASG)
    cpu = web.one(type=POLICY, name="web-cpu")
    assert cpu.inputs["autoscalingGroupName"] == asg.id
    assert cpu.inputs["policyType"] == "TargetTrackingScaling"
    config = cpu.inputs["targetTrackingConfiguration"]
    assert config["predefinedMetricSpecification"] == {"predefinedMetricType": "ASGAverageCPUUtilization"}
    assert config["targetValue"] == 50
    assert web.one(type=POLICY, name="admin-cpu").inputs["targetTrackingConfiguration"]["targetValue"] == 70


def test_requests_per_target_tracking_uses_the_alb_and_target_group_suffixes(web: Evaluation) -> None:
    alb = web.one(type=ALB)
    (tg,) = of(web, TG)
    config = web.one(type=POLICY, name="web-requests").inputs["targetTrackingConfiguration"]
    spec = config["predefinedMetricSpecification"]
    assert spec["predefinedMetricType"] == "ALBRequestCountPerTarget"
    assert spec["resourceLabel"] == f"{alb.outputs['arnSuffix']}/{tg.outputs['arnSuffix']}"
    assert spec["resourceLabel"].startswith("app/") and "/targetgroup/" in spec["resourceLabel"]
    assert config["targetValue"] == 300


def test_no_requests_policy_unless_asked(web: Evaluation) -> None:
    assert [p.name for p in of(web, POLICY, "admin")] == ["admin-cpu"]
    assert sorted(p.name for p in of(web, POLICY)) == ["web-cpu", "web-requests"]


# ---- container and secrets -------------------------------------------------------------------------


def test_user_data_has_image_env_and_secret_arn_but_no_secret(web: Evaluation) -> None:
    (lt,) = of(web, LT)
    script = base64.b64decode(wire.plain(lt.inputs["userData"])).decode()
    assert "docker pull public.ecr.aws/acme/shop:1.4" in script
    assert "-e RAILS_ENV=production" in script and "-e PORT=8080" in script
    assert web.outputs["secretArn"] in script
    assert SENTINEL not in script
    for record in web.resources:
        assert SENTINEL not in json.dumps(wire.masked(record.inputs)), record.urn


def test_role_reads_exactly_its_secret(web: Evaluation) -> None:
    policy = json.loads(web.one(type="aws:iam/rolePolicy:RolePolicy", name="web-secrets").inputs["policy"])
    assert policy["Statement"][0]["Resource"] == [web.outputs["secretArn"]]
    assert not web.find(type="aws:iam/rolePolicy:RolePolicy", name="admin-secrets")


# ---- the component -----------------------------------------------------------------------------------


def test_children_are_parented_and_outputs_registered(web: Evaluation) -> None:
    app = web.one(type=APP, name="web")
    types = {r.type for r in web.children(app.urn)}
    assert {ASG, LT, TG, POLICY, SG, "aws:iam/role:Role", "aws:cloudwatch/logGroup:LogGroup"} <= types
    assert app.outputs["asgName"] == web.outputs["webAsg"]
    assert app.outputs["roleArn"] == web.outputs["webRole"]
    assert app.outputs["targetGroupArn"] == web.outputs["webTargetGroup"]
    assert set(app.outputs) >= {"launchTemplateId", "securityGroupId", "logGroupName"}


def test_attributes_are_typed() -> None:
    hints = AppTier.__annotations__
    for attribute in (
        "asg",
        "launch_template",
        "role",
        "instance_profile",
        "security_group",
        "target_group",
        "log_group",
        "scaling_policies",
    ):
        assert attribute in hints


def test_transformable_keys_cover_the_shared_block() -> None:
    assert INSTANCE_GROUP_KEYS | {"target_group", "scaling_policy"} == AppTier.TRANSFORMABLE


def test_transform_dict_and_callable() -> None:
    def slow_start(args: dict[str, Any], opts: pulumi.ResourceOptions) -> dict[str, Any]:
        return {**args, "slow_start": 60}

    def build(network: Network, lb: LoadBalancer) -> None:
        AppTier(
            "web",
            AppTierArgs(
                network=network,
                load_balancer=lb,
                image="nginx",
                transform={
                    "target_group": slow_start,
                    "auto_scaling_group": {
                        "instance_refresh": {"preferences": {"min_healthy_percentage": 100}}
                    },
                    "security_group": {"tags": {"team": "shop"}},
                },
            ),
        )

    ev = evaluate(build)
    assert ev.one(type=TG).inputs["slowStart"] == 60
    preferences = ev.one(type=ASG).inputs["instanceRefresh"]["preferences"]
    assert preferences["minHealthyPercentage"] == 100
    assert preferences["maxHealthyPercentage"] == 190  # deep-merged, not replaced
    assert ev.one(type=SG, name="web-sg").inputs["tags"]["team"] == "shop"


def test_unknown_transform_key_is_an_error() -> None:
    def build(network: Network, lb: LoadBalancer) -> None:
        AppTier("web", AppTierArgs(network=network, load_balancer=lb, image="nginx", transform={"asg": {}}))

    refused(build, r"AppTier 'web': unknown transform key\(s\) asg; valid keys: auto_scaling_group")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"port": 0}, "port must be 1 to 65535"),
        ({"health_check_path": "health"}, "must start with '/'"),
        ({"cpu_target": 0}, "cpu_target"),
        ({"requests_per_target": 0}, "requests_per_target must be > 0"),
        ({"priority": 0}, "priority must be 1 to 50000"),
        ({"min_size": 5, "max_size": 4}, "min_size ≤ desired_capacity ≤ max_size"),
        ({"instance_type": "huge"}, r"family\.size"),
    ],
)
def test_bad_args_are_refused(changes: dict[str, Any], message: str) -> None:
    def build(network: Network, lb: LoadBalancer) -> None:
        AppTier("web", AppTierArgs(network=network, load_balancer=lb, image="nginx", **changes))

    refused(build, message)


# ---- sending to queues, priorities ------------------------------------------------------------


@pytest.fixture(scope="module")
def senders() -> Evaluation:
    """Two tiers on one ALB without priorities; ``api`` sends to ``emails`` only."""

    def build(network: Network, lb: LoadBalancer) -> None:
        emails, images = Queue("emails"), Queue("images")
        api = AppTier(
            "api",
            AppTierArgs(
                network=network,
                load_balancer=lb,
                image="acme/api:1",
                host_patterns=["api.example.com"],
                sends_to=[emails],
            ),
        )
        site = AppTier("site", AppTierArgs(network=network, load_balancer=lb, image="acme/site:1"))
        images.grant_send(site)  # by hand, after the tier: named after it
        pulumi.export("priorities", [api.priority, site.priority])
        pulumi.export("tiers", [api.tier_name, site.tier_name])

    return evaluate(build)


def test_sends_to_adds_the_namespaced_url_and_the_grant_before_instances(senders: Evaluation) -> None:
    (lt,) = of(senders, "aws:ec2/launchTemplate:LaunchTemplate", "api")
    script = base64.b64decode(lt.inputs["userData"]).decode()
    emails = senders.one(type="aws:sqs/queue:Queue", name="emails")
    assert f"EMAILS_QUEUE_URL={emails.outputs['url']}" in script
    assert "IMAGES_QUEUE_URL" not in script and " QUEUE_URL=" not in script
    grant = senders.one(type="aws:iam/rolePolicy:RolePolicy", name="emails-send-api")
    (api_role,) = of(senders, "aws:iam/role:Role", "api")
    assert grant.inputs["role"] == api_role.outputs["name"]
    (asg,) = of(senders, "aws:autoscaling/group:Group", "api")
    assert grant.urn in asg.dependencies


def test_grant_by_hand_is_named_after_the_tier(senders: Evaluation) -> None:
    grant = senders.one(type="aws:iam/rolePolicy:RolePolicy", name="images-send-site")
    (site_role,) = of(senders, "aws:iam/role:Role", "site")
    assert grant.inputs["role"] == site_role.outputs["name"]
    assert senders.find(type="aws:iam/rolePolicy:RolePolicy", name="emails-send-site") == []


def test_priorities_are_assigned_by_specificity(senders: Evaluation) -> None:
    api, site = senders.outputs["priorities"]
    assert api < site == 40000
    rules = {r.name: r.inputs["priority"] for r in senders.find(type=RULE)}
    assert rules == {"lb-api": api, "lb-site": site}
    assert senders.outputs["tiers"] == ["api", "site"]


def test_two_tiers_with_one_priority_are_refused() -> None:
    def build(network: Network, lb: LoadBalancer) -> None:
        for name, path in (("a", "/a/*"), ("b", "/b/*")):
            AppTier(
                name,
                AppTierArgs(
                    network=network, load_balancer=lb, image="x:1", path_patterns=[path], priority=100
                ),
            )

    refused(build, "routes 'a' and 'b' both have priority 100")


def test_two_tiers_with_the_same_routes_are_refused() -> None:
    def build(network: Network, lb: LoadBalancer) -> None:
        for name in ("a", "b"):
            AppTier(name, AppTierArgs(network=network, load_balancer=lb, image="x:1"))

    refused(build, "routes 'a' and 'b' match the same requests")


# ---- deploys that roll back --------------------------------------------------------------------------

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@pytest.fixture(scope="module")
def watched() -> Evaluation:
    """Two tiers watched by one Alarms component (created after them, as tierup.build does), one with a
    slow start and a long stop timeout, plus an unwatched tier that opts out of alarm rollback."""

    def build(network: Network, lb: LoadBalancer) -> None:
        web = AppTier("web", AppTierArgs(network=network, load_balancer=lb, image="nginx"))
        api = AppTier(
            "api",
            AppTierArgs(
                network=network,
                load_balancer=lb,
                image="acme/api:2",
                host_patterns=["api.example.com"],
                startup_seconds=200,
                stop_timeout_seconds=90,
                ami_id="ami-0123456789abcdef0",
            ),
        )
        AppTier(
            "lonely",
            AppTierArgs(
                network=network,
                load_balancer=lb,
                image="nginx",
                host_patterns=["lonely.example.com"],
                rollback_on_alarms=False,
            ),
        )
        Alarms("ops", AlarmsArgs(emails=["oncall@example.com"], app_tiers=[web, api]))

    return evaluate(build)


def _refresh(ev: Evaluation, tier: str) -> dict[str, Any]:
    (asg,) = of(ev, ASG, tier)
    return asg.inputs["instanceRefresh"]["preferences"]


def _target_groups(alarm: Any) -> set[str]:
    """The TargetGroup dimension(s) an alarm reads, directly or in its metric queries."""
    found = {alarm.inputs.get("dimensions", {}).get("TargetGroup")}
    for query in alarm.inputs.get("metricQueries", []):
        found.add(query.get("metric", {}).get("dimensions", {}).get("TargetGroup"))
    return found - {None}


def test_refresh_skips_matching_pauses_at_checkpoints_and_rolls_back(watched: Evaluation) -> None:
    for tier in ("web", "api"):
        preferences = _refresh(watched, tier)
        assert preferences["autoRollback"] is True
        assert preferences["skipMatching"] is True
        assert preferences["checkpointPercentages"] == [50, 100]
        assert int(preferences["checkpointDelay"]) > 0


@pytest.mark.parametrize("tier", ["web", "api"])
def test_refresh_rolls_back_on_its_own_target_groups_alarms(watched: Evaluation, tier: str) -> None:
    names = _refresh(watched, tier)["alarmSpecification"]["alarms"]
    assert names == [f"t-prod-{tier}-5xx-rate", f"t-prod-{tier}-unhealthy-hosts"]
    assert names == list(rollback_alarm_names("t", "prod", tier))
    (tg,) = of(watched, TG, tier)
    alarms = {a.inputs.get("name"): a for a in watched.find(type=ALARM)}
    topic = watched.one(type="aws:sns/topic:Topic")
    for name in names:
        alarm = alarms[name]  # exists in the stack, under exactly that name
        assert _target_groups(alarm) == {tg.outputs["arnSuffix"]}  # on this service's target group only
        assert alarm.inputs["alarmActions"] == [topic.id]  # and it pages (alarm-has-actions)
    metrics = json.dumps(alarms[names[0]].inputs["metricQueries"])
    assert "HTTPCode_Target_5XX_Count" in metrics
    assert alarms[names[1]].inputs["metricName"] == "UnHealthyHostCount"


def test_each_rollback_name_is_one_alarm_and_others_keep_auto_names(watched: Evaluation) -> None:
    names = [a.inputs["name"] for a in watched.find(type=ALARM)]
    fixed = [*rollback_alarm_names("t", "prod", "web"), *rollback_alarm_names("t", "prod", "api")]
    assert all(names.count(name) == 1 for name in fixed)
    assert not any(name.startswith("t-prod-lonely-") for name in names)  # unwatched: no alarm claimed
    assert len([n for n in names if n.startswith("t-prod-")]) == 4


def test_a_tier_may_opt_out_of_alarm_rollback(watched: Evaluation) -> None:
    preferences = _refresh(watched, "lonely")
    assert "alarmSpecification" not in preferences
    assert preferences["autoRollback"] is True  # a failed refresh still rolls back


def test_deregistration_delay_ends_before_the_container_is_killed(watched: Evaluation) -> None:
    for tier, stop in (("web", 30), ("api", 90)):
        (tg,), (lt,) = of(watched, TG, tier), of(watched, LT, tier)
        script = base64.b64decode(wire.plain(lt.inputs["userData"])).decode()
        assert f"--stop-timeout {stop}" in script
        assert 0 <= tg.inputs["deregistrationDelay"] < stop
        assert tg.inputs["deregistrationDelay"] == stop - 10


def test_health_check_grace_follows_the_service_start_up(watched: Evaluation) -> None:
    (web,), (api,) = of(watched, ASG, "web"), of(watched, ASG, "api")
    assert web.inputs["healthCheckGracePeriod"] == 120 + 60
    assert api.inputs["healthCheckGracePeriod"] == 120 + 200


def test_a_pinned_ami_is_the_templates(watched: Evaluation) -> None:
    (api,), (web,) = of(watched, LT, "api"), of(watched, LT, "web")
    assert api.inputs["imageId"] == "ami-0123456789abcdef0"
    assert web.inputs["imageId"].startswith("ami-") and web.inputs["imageId"] != api.inputs["imageId"]


def test_a_stop_timeout_too_short_for_any_delay_is_refused() -> None:
    def build(network: Network, lb: LoadBalancer) -> None:
        AppTier("web", AppTierArgs(network=network, load_balancer=lb, image="nginx", stop_timeout_seconds=0))

    refused(build, "stop_timeout_seconds must be ≥ 1")
