"""InstanceGroup, the building block of AppTier and WorkerPool: IAM, security group, launch template, ASG, user data."""

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
from tierup.components._base import TierComponent, Transforms
from tierup.components.compute import (
    AMI_PARAMETERS,
    INSTANCE_GROUP_KEYS,
    Container,
    InstanceGroup,
    InstanceGroupArgs,
    render_user_data,
)
from tierup.components.network import Network, NetworkArgs

from tierup.aws_facts import ami_parameter, architecture, docker_platform, ecr_registry
from tierup.engine import wire
from tierup.engine.evaluation import Evaluation, ResourceRecord
from tierup.engine.mocks import AwsMocks
from tierup.engine.runtime import evaluate_inline

LT = "aws:ec2/launchTemplate:LaunchTemplate"
ASG = "aws:autoscaling/group:Group"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
SG = "aws:ec2/securityGroup:SecurityGroup"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS_TYPES = (
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
)
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
PROFILE = "aws:iam/instanceProfile:InstanceProfile"

ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:v1"
SENTINEL = "s3ntinel-V4LUE-never-in-user-data"


class Owner(TierComponent):
    """A minimal tier owning one InstanceGroup, as AppTier and WorkerPool do."""

    TRANSFORMABLE = INSTANCE_GROUP_KEYS

    def __init__(
        self,
        name: str,
        network: Network,
        container: Container,
        transform: Transforms | None = None,
        **group: Any,
    ) -> None:
        super().__init__("tierup:test:Owner", name, transform)
        self.group = InstanceGroup(
            self, name, InstanceGroupArgs(network=network, container=container, **group)
        )
        self.asg = self.group.launch()
        self.register_outputs({})


def evaluate(build: Callable[[Network], Any]) -> Evaluation:
    def program() -> None:
        build(Network("net", NetworkArgs(az_count=2)))

    return evaluate_inline(program, project="t", stack="prod", config={"aws:region": "us-east-1"})


def refused(build: Callable[[Network], Any], match: str) -> None:
    """The program fails with ``match``; then the failed run's leftover tasks are flushed.

    ``evaluate_inline`` leaves a failed program's pending outputs on the event loop, where they would
    fail the next evaluation; one empty evaluation absorbs them.
    """
    with pytest.raises(ValueError, match=match):
        evaluate(build)
    with contextlib.suppress(Exception):
        evaluate_inline(lambda: None)
    gc.collect()  # report the failed run's orphaned futures now, inside this test's captured output


def user_data(ev: Evaluation, name: str | None = None) -> str:
    lt = ev.one(type=LT, name=name)
    return base64.b64decode(wire.plain(lt.inputs["userData"])).decode()


def policies(ev: Evaluation) -> dict[str, dict[str, Any]]:
    return {r.name: json.loads(wire.plain(r.inputs["policy"])) for r in ev.find(type=ROLE_POLICY)}


@pytest.fixture(scope="module")
def arm() -> Evaluation:
    """A Graviton group with an ECR image, plain env, a Secrets Manager secret holding a sentinel."""

    def build(net: Network) -> None:
        secret = aws.secretsmanager.Secret("db-password")
        aws.secretsmanager.SecretVersion("db-password", secret_id=secret.id, secret_string=SENTINEL)
        pulumi.export("secretArn", secret.arn)
        Owner(
            "web",
            net,
            Container(
                image=ECR_IMAGE,
                command=["bin/server", "--port", "8080"],
                env={
                    "RAILS_ENV": "production",
                    "GREETING": "it's $(not) run",
                    "QUEUE_URL": secret.arn.apply(lambda _: "https://q"),
                },
                secrets={"DATABASE_PASSWORD": secret.arn},
                port=8080,
            ),
            instance_type="t4g.small",
            min_size=2,
            max_size=6,
            log_retention_days=14,
        )

    return evaluate(build)


@pytest.fixture(scope="module")
def intel() -> Evaluation:
    """An x86 group with a Docker Hub image and no secrets."""

    def build(net: Network) -> None:
        Owner("api", net, Container(image="nginx:1.27"), instance_type="m7i.large", min_size=1, max_size=2)

    return evaluate(build)


# ---- instance types and AMIs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("instance_type", "arch"),
    [
        ("t4g.small", "arm64"),
        ("m7g.large", "arm64"),
        ("c7gn.xlarge", "arm64"),
        ("r6gd.2xlarge", "arm64"),
        ("g5g.xlarge", "arm64"),
        ("m7i.large", "x86_64"),
        ("m7i-flex.large", "x86_64"),
        ("t3.micro", "x86_64"),
        ("g5.xlarge", "x86_64"),
        ("c6a.large", "x86_64"),
        ("u-6tb1.metal", "x86_64"),
        ("im4gn.large", "arm64"),
    ],
)
def test_architecture_follows_the_instance_family(instance_type: str, arch: str) -> None:
    assert architecture(instance_type) == arch
    assert ami_parameter(instance_type) == AMI_PARAMETERS[arch]
    assert docker_platform(instance_type) == ("linux/arm64" if arch == "arm64" else "linux/amd64")


@pytest.mark.parametrize("bad", ["small", "t4g", "T4G.small", "t4g..small", "t4g.", ""])
def test_malformed_instance_types_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"family\.size"):
        architecture(bad)


def _ami(parameter: str) -> str:
    call = pulumi.runtime.MockCallArgs("aws:ssm/getParameter:getParameter", {"name": parameter}, "")
    return AwsMocks("us-east-1").call(call)["value"]


def test_graviton_gets_the_arm64_al2023_ami(arm: Evaluation) -> None:
    lt = arm.one(type=LT)
    assert AMI_PARAMETERS["arm64"].endswith("al2023-ami-kernel-default-arm64")
    assert lt.inputs["imageId"] == _ami(AMI_PARAMETERS["arm64"])
    assert lt.inputs["instanceType"] == "t4g.small"


def test_intel_gets_the_x86_64_al2023_ami(intel: Evaluation) -> None:
    lt = intel.one(type=LT)
    assert AMI_PARAMETERS["x86_64"].endswith("al2023-ami-kernel-default-x86_64")
    assert lt.inputs["imageId"] == _ami(AMI_PARAMETERS["x86_64"])
    assert lt.inputs["imageId"] != _ami(AMI_PARAMETERS["arm64"])


# ---- launch template ---------------------------------------------------------------------------


def test_launch_template_requires_imdsv2_with_hop_limit_one(arm: Evaluation) -> None:
    options = arm.one(type=LT).inputs["metadataOptions"]
    assert options["httpTokens"] == "required"
    assert options["httpPutResponseHopLimit"] == 1
    assert options["httpEndpoint"] == "enabled"


def test_root_volume_is_encrypted_gp3(arm: Evaluation) -> None:
    (device,) = arm.one(type=LT).inputs["blockDeviceMappings"]
    assert device["deviceName"] == "/dev/xvda"
    assert device["ebs"]["volumeType"] == "gp3"
    assert device["ebs"]["encrypted"] == "true"
    assert device["ebs"]["deleteOnTermination"] == "true"


def test_no_public_ip_and_the_group_security_group(arm: Evaluation) -> None:
    lt = arm.one(type=LT)
    (nic,) = lt.inputs["networkInterfaces"]
    assert nic["associatePublicIpAddress"] == "false"
    assert nic["securityGroups"] == [arm.one(type=SG).id]
    assert "vpcSecurityGroupIds" not in lt.inputs  # not both: EC2 refuses groups on template and NIC


def test_template_updates_its_default_version_and_tags_what_it_launches(arm: Evaluation) -> None:
    lt = arm.one(type=LT)
    assert lt.inputs["updateDefaultVersion"] is True
    kinds = {spec["resourceType"]: spec["tags"] for spec in lt.inputs["tagSpecifications"]}
    assert set(kinds) == {"instance", "volume", "network-interface"}
    assert kinds["instance"]["Name"] == "web"
    assert lt.inputs["iamInstanceProfile"]["arn"] == arm.one(type=PROFILE).outputs["arn"]


# ---- Auto Scaling group --------------------------------------------------------------------------


def test_group_spans_the_private_subnets(arm: Evaluation) -> None:
    asg = arm.one(type=ASG)
    private = {r.id for r in arm.find(type="aws:ec2/subnet:Subnet") if "-private-" in r.name}
    assert len(private) == 2
    assert set(asg.inputs["vpcZoneIdentifiers"]) == private


def test_group_uses_the_latest_template_version(arm: Evaluation) -> None:
    asg, lt = arm.one(type=ASG), arm.one(type=LT)
    assert asg.inputs["launchTemplate"] == {"id": lt.id, "version": str(lt.outputs["latestVersion"])}


def test_template_changes_roll_out_by_instance_refresh(arm: Evaluation) -> None:
    refresh = arm.one(type=ASG).inputs["instanceRefresh"]
    assert refresh["strategy"] == "Rolling"
    assert refresh["preferences"]["minHealthyPercentage"] == 90
    assert (
        refresh["preferences"]["maxHealthyPercentage"] - refresh["preferences"]["minHealthyPercentage"] <= 100
    )


def test_a_deploy_never_resets_desired_capacity(arm: Evaluation) -> None:
    asg = arm.one(type=ASG)
    assert asg.ignore_changes == ["desiredCapacity"]
    assert (asg.inputs["minSize"], asg.inputs["desiredCapacity"], asg.inputs["maxSize"]) == (2, 2, 6)


def test_group_collects_metrics_rebalances_and_propagates_tags(arm: Evaluation) -> None:
    asg = arm.one(type=ASG)
    assert "GroupInServiceInstances" in asg.inputs["enabledMetrics"]
    assert asg.inputs["metricsGranularity"] == "1Minute"
    assert asg.inputs["capacityRebalance"] is True
    assert {"key": "Name", "value": "web", "propagateAtLaunch": True} in asg.inputs["tags"]
    assert all(t["propagateAtLaunch"] for t in asg.inputs["tags"])


def test_instances_start_only_once_their_permissions_exist(arm: Evaluation) -> None:
    asg = arm.one(type=ASG)
    for policy in arm.find(type=ROLE_POLICY):
        assert policy.urn in asg.dependencies


def test_every_child_is_parented_to_the_owning_tier(arm: Evaluation) -> None:
    owner = arm.one(type="tierup:test:Owner")
    children = {r.type for r in arm.children(owner.urn)}
    assert {LT, ASG, ROLE, ROLE_POLICY, ATTACHMENT, PROFILE, SG, EGRESS, LOG_GROUP} <= children


# ---- IAM -------------------------------------------------------------------------------------------


def test_role_is_for_ec2_with_ssm_and_ecr_pull(arm: Evaluation) -> None:
    role = arm.one(type=ROLE)
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    attached = sorted(r.inputs["policyArn"] for r in arm.find(type=ATTACHMENT))
    assert attached == [
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    ]
    assert all(r.inputs["role"] == role.outputs["name"] for r in arm.find(type=ATTACHMENT))


def test_logs_are_written_to_the_own_log_group_only(arm: Evaluation) -> None:
    group = arm.one(type=LOG_GROUP)
    assert group.inputs["retentionInDays"] == 14
    assert group.inputs["name"] == "/tierup/t/prod/web"
    (statement,) = policies(arm)["web-logs"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    arn = group.outputs["arn"]
    assert statement["Resource"] == [arn, f"{arn}:*"]


def test_secrets_are_readable_exactly_as_listed(arm: Evaluation) -> None:
    (statement,) = policies(arm)["web-secrets"]["Statement"]
    assert statement["Action"] == "secretsmanager:GetSecretValue"
    assert statement["Resource"] == [arm.outputs["secretArn"]]


def test_no_secrets_policy_without_secrets(intel: Evaluation) -> None:
    assert set(policies(intel)) == {"api-logs", "api-health"}


def test_every_role_policy_names_its_resources(arm: Evaluation) -> None:
    for name, document in policies(arm).items():
        for statement in document["Statement"]:
            if statement["Resource"] == "*":
                pytest.fail(f"{name} grants {statement['Action']} on every resource")


# ---- security group -----------------------------------------------------------------------------


def test_security_group_has_no_inbound_rule_and_all_egress(arm: Evaluation) -> None:
    sg = arm.one(type=SG)
    assert not sg.inputs.get("ingress")
    assert not sg.inputs.get("egress")  # rules are separate resources, so others can add theirs
    assert not [r for t in INGRESS_TYPES for r in arm.find(type=t)]
    (egress,) = arm.find(type=EGRESS)
    assert egress.inputs["securityGroupId"] == sg.id
    assert (egress.inputs["ipProtocol"], egress.inputs["cidrIpv4"]) == ("-1", "0.0.0.0/0")


# ---- user data --------------------------------------------------------------------------------------


def test_user_data_runs_the_image_under_systemd_with_awslogs(arm: Evaluation) -> None:
    script = user_data(arm)
    assert script.startswith("#!/bin/bash\n")
    assert "dnf install -y docker" in script
    assert f"docker pull {ECR_IMAGE}" in script
    assert "aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin " \
        "123456789012.dkr.ecr.us-east-1.amazonaws.com" in script  # fmt: skip
    assert "Restart=always" in script
    assert "systemctl enable --now tierup-web.service" in script
    assert "--log-driver awslogs" in script
    assert "--log-opt awslogs-group=/tierup/t/prod/web" in script
    assert script.rstrip().count(ECR_IMAGE) >= 2
    assert "bin/server --port 8080" in script


def test_user_data_carries_env_values_quoted_and_secret_arns(arm: Evaluation) -> None:
    script = user_data(arm)
    assert "-e RAILS_ENV=production" in script
    assert """-e 'GREETING=it'"'"'s $(not) run'""" in script  # quoted: never executed by the shell
    assert "-e QUEUE_URL=https://q" in script
    assert "-e PORT=8080" in script and "-e AWS_REGION=us-east-1" in script
    arn = arm.outputs["secretArn"]
    assert f"aws secretsmanager get-secret-value --region us-east-1 --secret-id {arn}" in script
    assert (
        "\nDATABASE_PASSWORD=$(retry aws secretsmanager" in script
    )  # not `export X=$(...)`: that hides a failure
    assert "-e DATABASE_PASSWORD \\" in script  # passed by name: the value is in no argv and no file


def test_no_secret_value_appears_anywhere(arm: Evaluation) -> None:
    assert SENTINEL not in user_data(arm)
    for record in arm.resources:
        assert SENTINEL not in json.dumps(wire.masked(record.inputs)), record.urn
        if record.type != "aws:secretsmanager/secretVersion:SecretVersion":
            assert SENTINEL not in json.dumps(wire.plain(record.inputs)), record.urn


def test_the_ecr_token_never_stays_on_disk(arm: Evaluation) -> None:
    script = user_data(arm)
    login = script.index("docker login")
    assert (
        script.index("export DOCKER_CONFIG=/run/") < login < script.index('rm -rf "$DOCKER_CONFIG"\n', login)
    )


def test_docker_hub_images_are_pulled_without_ecr_login(intel: Evaluation) -> None:
    script = user_data(intel)
    assert "docker pull nginx:1.27" in script
    assert "ecr get-login-password" not in script
    assert "secretsmanager" not in script


def test_a_secret_marked_env_value_is_refused() -> None:
    def build(net: Network) -> None:
        Owner("web", net, Container(image="nginx", env={"API_TOKEN": pulumi.Output.secret(SENTINEL)}))

    refused(build, r"env var API_TOKEN holds a secret value.*secrets=\{'API_TOKEN'")


def test_a_secret_that_is_not_an_arn_is_refused() -> None:
    def build(net: Network) -> None:
        Owner("web", net, Container(image="nginx", secrets={"DB": SENTINEL}))

    refused(build, r"secrets\['DB'\] must be a Secrets Manager secret ARN")


def test_ssm_parameter_secrets_are_read_with_decryption() -> None:
    arn = "arn:aws:ssm:us-east-1:123456789012:parameter/shop/token"
    script = render_user_data(
        name="web",
        image="nginx",
        command=[],
        env={},
        secrets={"TOKEN": arn},
        region="us-east-1",
        log_group="/g",
    )
    assert f"aws ssm get-parameter --region us-east-1 --with-decryption --name {arn}" in script


def test_user_data_heredocs_cannot_be_closed_by_a_value() -> None:
    script = render_user_data(
        name="web",
        image="nginx",
        command=["echo", "TIERUP_EOF"],
        env={},
        secrets={},
        region="us-east-1",
        log_group="/g",
    )
    assert "<<'TIERUP_EOF_'" in script


@pytest.mark.parametrize(
    ("image", "registry"),
    [
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1", ("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "eu-west-1")),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app@sha256:ab", ("123456789012.dkr.ecr.us-east-1.amazonaws.com", "us-east-1")),
        ("nginx:1.27", None),
        ("ghcr.io/acme/app:1", None),
    ],
)  # fmt: skip
def test_ecr_registries_are_recognised(image: str, registry: tuple[str, str] | None) -> None:
    assert ecr_registry(image) == registry


# ---- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("container", "group", "message"),
    [
        (
            Container(image="nginx"),
            {"min_size": 3, "max_size": 2},
            r"0 ≤ min_size ≤ desired_capacity ≤ max_size",
        ),
        (Container(image="nginx"), {"min_size": 1, "desired_capacity": 5, "max_size": 2}, "desired_capacity"),
        (Container(image="nginx"), {"log_retention_days": 10}, "log_retention_days 10"),
        (Container(image="nginx"), {"instance_type": "large"}, r"family\.size"),
        (Container(image="nginx", env={"1BAD": "x"}), {}, "not a valid environment variable name"),
        (Container(image="nginx", env={"A": "1"}, secrets={"A": "arn"}), {}, "A set in both env and secrets"),
    ],
)
def test_bad_group_args_are_refused_early(container: Container, group: dict[str, Any], message: str) -> None:
    def build(net: Network) -> None:
        Owner("web", net, container, **group)

    refused(build, message)


def test_env_values_with_line_breaks_are_refused() -> None:
    def build(net: Network) -> None:
        Owner("web", net, Container(image="nginx", env={"MOTD": "a\nb"}))

    refused(build, "line break")


# ---- transform ------------------------------------------------------------------------------------


def test_transform_dict_and_callable_reach_the_children() -> None:
    def bigger_disk(args: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        args["block_device_mappings"][0]["ebs"]["volume_size"] = 64

    def build(net: Network) -> None:
        Owner(
            "web",
            net,
            Container(image="nginx"),
            transform={
                "launch_template": bigger_disk,
                "auto_scaling_group": {"max_instance_lifetime": 604800},
                "log_group": {"retention_in_days": 90},
            },
        )

    ev = evaluate(build)
    assert ev.one(type=LT).inputs["blockDeviceMappings"][0]["ebs"]["volumeSize"] == 64
    assert ev.one(type=ASG).inputs["maxInstanceLifetime"] == 604800
    assert ev.one(type=LOG_GROUP).inputs["retentionInDays"] == 90


def test_unknown_transform_key_names_the_valid_ones() -> None:
    def build(net: Network) -> None:
        Owner("web", net, Container(image="nginx"), transform={"launch_templates": {}})

    refused(build, r"unknown transform key\(s\) launch_templates; valid keys: .*launch_template")


def test_records_are_realistic(arm: Evaluation) -> None:
    record: ResourceRecord = arm.one(type=ASG)
    assert record.urn == "urn:pulumi:prod::t::tierup:test:Owner$aws:autoscaling/group:Group::web-asg"


def test_without_a_nat_instances_wait_for_the_interface_endpoints() -> None:
    def program() -> None:
        network = Network("net", NetworkArgs(az_count=2, nat="none"))
        Owner("web", network, Container(image="nginx"))

    ev = evaluate_inline(program, project="t", stack="prod", config={"aws:region": "us-east-1"})
    endpoints = {
        r.urn
        for r in ev.find(type="aws:ec2/vpcEndpoint:VpcEndpoint")
        if r.inputs["vpcEndpointType"] == "Interface"
    }
    assert endpoints and endpoints <= set(ev.one(type=ASG).dependencies)


# ---- production safety: rollback, AMIs, healing (issue 10) -----------------------------------------


class LaunchingOwner(TierComponent):
    """An owner passing launch() options, as AppTier does for its target group and alarms."""

    TRANSFORMABLE = INSTANCE_GROUP_KEYS

    def __init__(
        self, name: str, network: Network, container: Container, launch: dict[str, Any], **group: Any
    ):
        super().__init__("tierup:test:Owner", name)
        self.group = InstanceGroup(
            self, name, InstanceGroupArgs(network=network, container=container, **group)
        )
        self.asg = self.group.launch(**launch)
        self.register_outputs({})


def test_refresh_rolls_back_on_failure_with_checkpoints_and_skips_matching(arm: Evaluation) -> None:
    preferences = arm.one(type=ASG).inputs["instanceRefresh"]["preferences"]
    assert preferences["autoRollback"] is True
    assert preferences["skipMatching"] is True
    assert preferences["checkpointPercentages"] == [50, 100]
    assert preferences["checkpointDelay"] == "300"
    assert preferences["minHealthyPercentage"] == 90
    assert "alarmSpecification" not in preferences


def test_refresh_rolls_back_when_a_given_alarm_fires() -> None:
    def build(net: Network) -> None:
        alarm = aws.cloudwatch.MetricAlarm(
            "web-unhealthy", comparison_operator="GreaterThanThreshold", evaluation_periods=1, threshold=0
        )
        LaunchingOwner(
            "web",
            net,
            Container(image="nginx", stop_timeout_seconds=40),
            {"rollback_alarm_names": [alarm.name, "web-5xx"], "deregistration_delay_seconds": 30},
        )

    ev = evaluate(build)
    alarm_name = ev.one(type="aws:cloudwatch/metricAlarm:MetricAlarm").outputs["name"]
    preferences = ev.one(type=ASG).inputs["instanceRefresh"]["preferences"]
    assert preferences["alarmSpecification"] == {"alarms": [alarm_name, "web-5xx"]}


def test_deregistration_delay_must_be_shorter_than_the_stop_timeout() -> None:
    def build(net: Network) -> None:
        LaunchingOwner("web", net, Container(image="nginx"), {"deregistration_delay_seconds": 30})

    refused(
        build, r"deregistration delay \(30 s\) must be shorter than the container's stop timeout \(30 s\)"
    )

    def check(net: Network) -> None:
        owner = LaunchingOwner("ok", net, Container(image="nginx"), {})
        assert owner.group.deregistration_delay_seconds == 20

    evaluate(check)


def test_grace_period_is_boot_plus_the_service_start_up(arm: Evaluation) -> None:
    assert arm.one(type=ASG).inputs["healthCheckGracePeriod"] == 120 + 60

    def build(net: Network) -> None:
        Owner("slow", net, Container(image="nginx", startup_seconds=240))

    assert evaluate(build).one(type=ASG).inputs["healthCheckGracePeriod"] == 360


def test_the_looked_up_ami_is_kept_so_a_new_ami_never_rolls_the_fleet(arm: Evaluation) -> None:
    lt = arm.one(type=LT)
    assert lt.inputs["imageId"].startswith("ami-")
    assert lt.ignore_changes == ["imageId"]


def test_a_pinned_ami_rolls_when_changed_and_resolve_ssm_disables_rollback() -> None:
    def build(net: Network) -> None:
        Owner("pinned", net, Container(image="nginx"), ami_id="ami-0123456789abcdef0")
        Owner("live", net, Container(image="nginx"), ami_id="resolve:ssm:/aws/service/x/y")

    ev = evaluate(build)
    pinned, live = ev.one(type=LT, name="pinned-lt"), ev.one(type=LT, name="live-lt")
    assert pinned.inputs["imageId"] == "ami-0123456789abcdef0" and pinned.ignore_changes == []
    assert live.inputs["imageId"] == "resolve:ssm:/aws/service/x/y"
    groups = {g.name: g.inputs["instanceRefresh"]["preferences"] for g in ev.find(type=ASG)}
    assert groups["pinned-asg"]["autoRollback"] is True
    assert groups["live-asg"]["autoRollback"] is False  # AWS cannot roll back to an SSM-parameter AMI
    refused(
        lambda net: Owner("bad", net, Container(image="nginx"), ami_id="latest"), "ami_id must be an AMI id"
    )


def test_boot_waits_for_egress_retries_installs_and_pulls_and_reports_failure(arm: Evaluation) -> None:
    script = user_data(arm)
    assert "retry() {" in script and "delay * 2 > 60 ? 60" in script and "-ge 6 ]" in script
    trap = script.index("trap 'report_unhealthy")
    wait = script.index("aws sts get-caller-identity --region us-east-1 >/dev/null 2>&1 && break")
    install = script.index("retry dnf install -y docker")
    assert trap < wait < install
    assert "set-instance-health --region us-east-1" in script and "--health-status Unhealthy" in script
    assert f"retry docker pull {ECR_IMAGE}" in script
    assert "retry bash -c 'aws ecr get-login-password" in script


def test_a_container_that_stays_down_marks_the_instance_unhealthy(arm: Evaluation) -> None:
    script = user_data(arm)
    assert "/etc/systemd/system/tierup-web-health.timer" in script
    assert "OnBootSec=180" in script and "OnUnitActiveSec=30" in script
    assert "docker inspect -f '{{.State.Running}}' tierup-web" in script
    assert '[ "$state" = "InService" ] || exit 0' in script  # never while draining or terminating
    assert '[ "$n" -ge 3 ] && report_unhealthy' in script
    assert "systemctl enable --now tierup-web.service tierup-web-health.timer" in script


def test_the_role_may_report_health_of_its_own_group_only(arm: Evaluation) -> None:
    (statement,) = policies(arm)["web-health"]["Statement"]
    assert statement["Action"] == "autoscaling:SetInstanceHealth"
    assert statement["Resource"] == (
        "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/*"
    )
    assert statement["Condition"] == {"StringEquals": {"autoscaling:ResourceTag/tierup:group": "t/prod/web"}}
    tags = arm.one(type=ASG).inputs["tags"]
    assert {"key": "tierup:group", "value": "t/prod/web", "propagateAtLaunch": True} in tags


def test_instances_wait_for_the_nat_routes() -> None:
    def program() -> None:
        network = Network("net", NetworkArgs(az_count=2, nat="per-az"))
        Owner("web", network, Container(image="nginx"))

    ev = evaluate_inline(program, project="t", stack="prod", config={"aws:region": "us-east-1"})
    routes = {r.urn for r in ev.find(type="aws:ec2/route:Route") if r.name.endswith("-nat")}
    assert len(routes) == 2 and routes <= set(ev.one(type=ASG).dependencies)


def test_user_data_built_from_a_secret_is_marked_secret() -> None:
    def build(net: Network) -> None:
        Owner("web", net, Container(image=pulumi.Output.secret("registry.example.com/private:v1")))
        Owner("plain", net, Container(image="nginx"))

    ev = evaluate(build)
    assert wire.is_secret(ev.one(type=LT, name="web-lt").inputs["userData"])
    assert not wire.is_secret(ev.one(type=LT, name="plain-lt").inputs["userData"])


def test_drain_heartbeat_exceeds_the_stop_timeout_plus_a_poll() -> None:
    from tierup.components.compute import DRAIN_POLL_SECONDS, drain_heartbeat_seconds

    for stop in (1, 30, 600, 3600):
        assert drain_heartbeat_seconds(stop) > stop + DRAIN_POLL_SECONDS
    assert drain_heartbeat_seconds(1) >= 30  # AWS's minimum


def test_retry_is_bounded_and_backs_off() -> None:
    import itertools
    import subprocess

    from tierup.components.compute import _RETRY

    program = (
        f'{_RETRY}\nsleep() {{ echo "slept $1"; }}\n'
        "tries=0; fail() { tries=$((tries + 1)); return 1; }\n"
        'retry fail; echo "rc=$? tries=$tries"\n'
        'ok() { return 0; }; retry ok && echo "ok"\n'
    )
    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=10)
    lines = result.stdout.split()
    assert "rc=1" in lines and "tries=6" in lines and "ok" in lines
    assert [int(n) for a, n in itertools.pairwise(lines) if a == "slept"] == [5, 10, 20, 40, 60]
