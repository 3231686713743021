"""Compute rules: launch templates, launch configurations, instances and ASGs."""

from __future__ import annotations

import base64
import gzip

import pytest
from pulumi_policy.proxy import UnknownValueError

from ._pack_testkit import U_BOOL, U_LIST, U_STR, Stack, check_resource, urn

LT = "aws:ec2/launchTemplate:LaunchTemplate"
LC = "aws:ec2/launchConfiguration:LaunchConfiguration"
INSTANCE = "aws:ec2/instance:Instance"
ASG = "aws:autoscaling/group:Group"
SUBNET = "aws:ec2/subnet:Subnet"
TG = "aws:lb/targetGroup:TargetGroup"
ATTACHMENT = "aws:autoscaling/attachment:Attachment"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# --- launch-template-imdsv2 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "props"),
    [
        (LT, {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}}),
        (LC, {"metadataOptions": {"httpTokens": "required"}}),
        (INSTANCE, {"metadataOptions": {"httpTokens": "REQUIRED"}}),
        (INSTANCE, {"launchTemplate": {"id": "lt-1"}}),
        (LT, {"metadataOptions": {"httpEndpoint": "disabled"}}),
    ],
)
def test_imdsv2_compliant(type_: str, props: dict) -> None:
    assert check_resource("launch-template-imdsv2", type_, props) == []


@pytest.mark.parametrize(
    ("props", "fragment"),
    [
        ({"metadataOptions": {"httpTokens": "optional"}}, "httpTokens is 'optional'"),
        ({"metadataOptions": {}}, "httpTokens is unset"),
        ({}, "metadataOptions is unset"),
        ({"metadataOptions": None}, "metadataOptions is unset"),
    ],
)
def test_imdsv2_violations_name_the_fix(props: dict, fragment: str) -> None:
    [msg] = check_resource("launch-template-imdsv2", LT, props, name="app")
    assert "launch template 'app'" in msg and fragment in msg and "http_tokens': 'required'" in msg


def test_imdsv2_unknown_tokens_raise_unknown() -> None:
    with pytest.raises(UnknownValueError):
        check_resource("launch-template-imdsv2", LT, {"metadataOptions": {"httpTokens": U_STR}})


def test_imdsv2_ignores_other_types() -> None:
    assert check_resource("launch-template-imdsv2", "aws:s3/bucket:Bucket", {}) == []
    assert check_resource("launch-template-imdsv2", "aws:foo/bar:Baz", {"metadataOptions": 3}) == []


# --- launch-template-no-public-ip -----------------------------------------------------------------


def test_no_public_ip() -> None:
    ok = {"networkInterfaces": [{"associatePublicIpAddress": "false"}, {}]}
    assert check_resource("launch-template-no-public-ip", LT, ok) == []
    bad = {"networkInterfaces": [{"associatePublicIpAddress": "false"}, {"associatePublicIpAddress": "true"}]}
    [msg] = check_resource("launch-template-no-public-ip", LT, bad)
    assert "networkInterfaces[1].associatePublicIpAddress is 'true'" in msg
    assert check_resource("launch-template-no-public-ip", LC, {"associatePublicIpAddress": True})
    assert check_resource("launch-template-no-public-ip", INSTANCE, {"associatePublicIpAddress": True})
    assert check_resource("launch-template-no-public-ip", INSTANCE, {"associatePublicIpAddress": False}) == []


def test_no_public_ip_exempts_nat_instances() -> None:
    nat = {"associatePublicIpAddress": True, "sourceDestCheck": False}
    assert check_resource("launch-template-no-public-ip", INSTANCE, nat) == []


def test_no_public_ip_unknown() -> None:
    with pytest.raises(UnknownValueError):
        check_resource(
            "launch-template-no-public-ip", LT, {"networkInterfaces": [{"associatePublicIpAddress": U_STR}]}
        )
    assert check_resource("launch-template-no-public-ip", LT, {"networkInterfaces": U_LIST}) == []


# --- launch-template-encrypted-volumes ------------------------------------------------------------


def test_encrypted_volumes_launch_template() -> None:
    ok = {
        "blockDeviceMappings": [
            {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeType": "gp3"}}
        ]
    }
    assert check_resource("launch-template-encrypted-volumes", LT, ok) == []
    store = {"blockDeviceMappings": [{"deviceName": "/dev/sdb", "virtualName": "ephemeral0"}]}
    assert check_resource("launch-template-encrypted-volumes", LT, store) == []
    bad = {"blockDeviceMappings": [{"ebs": {"encrypted": "true"}}, {"ebs": {"volumeSize": 20}}]}
    [msg] = check_resource("launch-template-encrypted-volumes", LT, bad)
    assert "blockDeviceMappings[1].ebs.encrypted is unset" in msg


def test_encrypted_volumes_instance_and_launch_configuration() -> None:
    ok = {"rootBlockDevice": {"encrypted": True}, "ebsBlockDevices": [{"encrypted": True}]}
    assert check_resource("launch-template-encrypted-volumes", INSTANCE, ok) == []
    assert check_resource("launch-template-encrypted-volumes", INSTANCE, {}) == []
    bad = {
        "rootBlockDevice": {"encrypted": False},
        "ebsBlockDevices": [{"encrypted": False}, {"noDevice": True}],
    }
    [msg] = check_resource("launch-template-encrypted-volumes", LC, bad)
    assert "rootBlockDevice.encrypted is False" in msg and "ebsBlockDevices[0]" in msg
    assert "ebsBlockDevices[1]" not in msg


def test_encrypted_volumes_unknown() -> None:
    with pytest.raises(UnknownValueError):
        check_resource(
            "launch-template-encrypted-volumes", LT, {"blockDeviceMappings": [{"ebs": {"encrypted": U_BOOL}}]}
        )


# --- no-secrets-in-user-data ----------------------------------------------------------------------


CLEAN = """#!/bin/bash
set -euo pipefail
export REDIS_AUTH_PARAMETER=/app/redis/auth-token
export DB_SECRET_ARN=arn:aws:secretsmanager:us-east-1:123456789012:secret:db
export API_TOKEN="$(aws ssm get-parameter --name /app/token --with-decryption --query Parameter.Value)"
export TOKEN_TTL=300
aws ec2 modify-instance-metadata-options --http-tokens required
TOKEN=$(aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:us-east-1:1:secret:x --output text)
docker run -e TOKEN -e REDIS_AUTH_SECRET_ARN=arn:aws:secretsmanager:us-east-1:1:secret:x image
cat > /etc/app/policy.json <<'JSON'
{"Statement": [{"Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:*:*:secret:x"}]}
JSON
"""


def test_user_data_clean() -> None:
    assert check_resource("no-secrets-in-user-data", LT, {"userData": b64(CLEAN)}) == []
    assert check_resource("no-secrets-in-user-data", INSTANCE, {"userData": CLEAN}) == []
    assert check_resource("no-secrets-in-user-data", LT, {}) == []


@pytest.mark.parametrize(
    "line",
    [
        "export REDIS_PASSWORD=hunter2-hunter2",
        "DB_PASSWORD: 'correct horse battery'",
        "redis-cli --pass x -a y --password s3cr3tvalue ping",
        "requirepass sup3rs3cret",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN RSA PRIVATE KEY-----",
        "export GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    ],
)
def test_user_data_secret_lines(line: str) -> None:
    [msg] = check_resource(
        "no-secrets-in-user-data", LT, {"userData": b64(f"#!/bin/bash\n{line}\n")}, name="w"
    )
    assert "launch template 'w'" in msg and "line 2" in msg and "Secrets Manager" in msg
    assert "hunter2" not in msg and "s3cr3t" not in msg, "the secret itself must never be echoed"


def test_user_data_gzip_and_base64_variants() -> None:
    zipped = base64.b64encode(gzip.compress(b"export API_KEY=abcdef123456\n")).decode()
    assert check_resource("no-secrets-in-user-data", LT, {"userData": zipped})
    assert check_resource("no-secrets-in-user-data", INSTANCE, {"userDataBase64": zipped})
    assert check_resource("no-secrets-in-user-data", LT, {"userData": "not base64 !!"}) == []


def test_user_data_ignore_patterns_config() -> None:
    data = {"userData": b64("export SESSION_SECRET=dev-only-value\n")}
    assert check_resource("no-secrets-in-user-data", LT, data)
    config = {"ignorePatterns": ["SESSION_SECRET", "(unbalanced"]}
    assert check_resource("no-secrets-in-user-data", LT, data, config=config) == []


def test_user_data_unknown() -> None:
    with pytest.raises(UnknownValueError):
        check_resource("no-secrets-in-user-data", LT, {"userData": U_STR})


# --- ASG stack rules ------------------------------------------------------------------------------


def network(stack: Stack, azs: tuple[str, ...] = ("a", "b", "c")) -> list:
    return [
        stack.add(SUBNET, f"private-{az}", {"id": f"subnet-{az}", "availabilityZone": f"us-east-1{az}"})
        for az in azs
    ]


def test_asg_multi_az() -> None:
    stack = Stack()
    network(stack)
    stack.add(ASG, "spread", {"vpcZoneIdentifiers": ["subnet-a", "subnet-b"], "minSize": 2})
    single = stack.add(ASG, "single", {"vpcZoneIdentifiers": ["subnet-a"], "minSize": 2})
    same = stack.add(SUBNET, "private-a2", {"id": "subnet-a2", "availabilityZone": "us-east-1a"})
    pinned = stack.add(ASG, "pinned", {"vpcZoneIdentifiers": ["subnet-a", "subnet-a2"]}, deps={})
    stack.add(ASG, "azs", {"availabilityZones": ["us-east-1a", "us-east-1b"], "vpcZoneIdentifiers": []})
    one_az = stack.add(ASG, "one-az", {"availabilityZones": ["us-east-1a"]})
    external = stack.add(ASG, "external", {"vpcZoneIdentifiers": ["subnet-x", "subnet-y"]})
    lone_external = stack.add(ASG, "lone-external", {"vpcZoneIdentifiers": ["subnet-x"]})
    reported = stack.check("asg-multi-az")
    assert [u for _, u in reported] == [single.urn, pinned.urn, one_az.urn, lone_external.urn]
    assert external.urn not in [u for _, u in reported]
    assert "us-east-1a" in reported[0][0] and "vpc_zone_identifiers" in reported[0][0]
    assert same.urn not in [u for _, u in reported]


def test_asg_multi_az_follows_property_dependencies_when_unknown() -> None:
    stack = Stack()
    a, b, _ = network(stack)
    stack.add(ASG, "spread", {"vpcZoneIdentifiers": [U_STR, U_STR]}, deps={"vpcZoneIdentifiers": [a, b]})
    one = stack.add(ASG, "one", {"vpcZoneIdentifiers": [U_STR]}, deps={"vpcZoneIdentifiers": [a]})
    stack.add(ASG, "whole", {"vpcZoneIdentifiers": U_LIST})
    assert stack.urns("asg-multi-az") == [one.urn]


def lb_stack() -> tuple[Stack, dict]:
    stack = Stack()
    subnets = network(stack)
    tg = stack.add(TG, "app", {"arn": "arn:tg/app", "arnSuffix": "targetgroup/app/1"})
    return stack, {"subnets": subnets, "tg": tg}


def test_asg_min_capacity() -> None:
    stack, _ = lb_stack()
    ok = stack.add(ASG, "ok", {"minSize": 2, "targetGroupArns": ["arn:tg/app"], "name": "ok"})
    low = stack.add(ASG, "low", {"minSize": 1.0, "targetGroupArns": ["arn:tg/app"], "name": "low"})
    stack.add(ASG, "worker", {"minSize": 0, "name": "worker"})
    attached = stack.add(ASG, "attached", {"minSize": 1, "name": "attached-asg"})
    stack.add(
        ATTACHMENT, "attach", {"autoscalingGroupName": "attached-asg", "lbTargetGroupArn": "arn:tg/app"}
    )
    stack.add(ASG, "unknown-min", {"minSize": U_STR, "targetGroupArns": ["arn:tg/app"]})
    reported = stack.check("asg-min-capacity")
    assert [u for _, u in reported] == [low.urn, attached.urn]
    assert "minSize 1 (< 2)" in reported[0][0] and "min_size" in reported[0][0]
    assert stack.urns("asg-min-capacity", {"minSize": 3}) == [ok.urn, low.urn, attached.urn]


def test_asg_min_capacity_traffic_sources_and_unknown_groups() -> None:
    stack = Stack()
    ts = stack.add(ASG, "ts", {"minSize": 1, "trafficSources": [{"identifier": "arn:tg", "type": "elbv2"}]})
    stack.add(ASG, "maybe", {"minSize": 1, "targetGroupArns": U_LIST})
    elem = stack.add(ASG, "elem", {"minSize": 1, "targetGroupArns": [U_STR]})
    assert stack.urns("asg-min-capacity") == [ts.urn, elem.urn]


def test_asg_elb_health_check() -> None:
    stack, _ = lb_stack()
    base = {"targetGroupArns": ["arn:tg/app"], "minSize": 2}
    stack.add(ASG, "ok", {**base, "healthCheckType": "ELB", "healthCheckGracePeriod": 300})
    stack.add(ASG, "default-grace", {**base, "healthCheckType": "elb"})
    ec2 = stack.add(ASG, "ec2", {**base, "healthCheckType": "EC2"})
    unset = stack.add(ASG, "unset", {**base, "healthCheckGracePeriod": 300})
    zero = stack.add(ASG, "zero", {**base, "healthCheckType": "ELB", "healthCheckGracePeriod": 0})
    stack.add(ASG, "worker", {"healthCheckType": "EC2"})
    stack.add(ASG, "unknown", {**base, "healthCheckType": U_STR, "healthCheckGracePeriod": U_STR})
    reported = stack.check("asg-elb-health-check")
    assert [u for _, u in reported] == [ec2.urn, unset.urn, zero.urn]
    assert "healthCheckType is 'EC2'" in reported[1][0]
    assert "healthCheckGracePeriod is 0" in reported[2][0]


def test_asg_elb_health_check_min_grace_config() -> None:
    stack, _ = lb_stack()
    short = stack.add(
        ASG,
        "short",
        {"targetGroupArns": ["arn:tg/app"], "healthCheckType": "ELB", "healthCheckGracePeriod": 30},
    )
    assert stack.urns("asg-elb-health-check") == []
    assert stack.urns("asg-elb-health-check", {"minGracePeriodSeconds": 120}) == [short.urn]


def test_urn_helper_matches_stack() -> None:
    assert urn(ASG, "x") == Stack().add(ASG, "x").urn


def test_user_data_that_is_a_pulumi_secret_is_flagged_without_echoing_it() -> None:
    from tierup.policies.rules._secrets import SECRET_SIG, SIG_KEY, SecretText, is_secret, mark_secrets

    wire = {"userData": {SIG_KEY: SECRET_SIG, "value": "ZWNobyBoaQ=="}, "tags": {"a": "b"}}
    marked = mark_secrets(wire)
    assert is_secret(marked["userData"]) and marked["userData"] == "ZWNobyBoaQ=="
    assert repr(marked["userData"]) == "[secret]" and not is_secret(marked["tags"]["a"])
    lt = "aws:ec2/launchTemplate:LaunchTemplate"
    [msg] = check_resource("no-secrets-in-user-data", lt, marked, name="app")
    assert "userData is a Pulumi secret" in msg and "ZWNobyBoaQ" not in msg
    assert check_resource("no-secrets-in-user-data", lt, {"userData": "ZWNobyBoaQ=="}) == []
    instance = "aws:ec2/instance:Instance"
    [msg] = check_resource("no-secrets-in-user-data", instance, {"userDataBase64": SecretText("eA==")})
    assert "userDataBase64 is a Pulumi secret" in msg


def test_the_pack_server_deserializes_secret_strings_as_marked() -> None:
    from pulumi_policy import policy as server
    from tierup.policies.rules._secrets import SECRET_SIG, SIG_KEY, is_secret

    props = server.deserialize_properties({"userData": {SIG_KEY: SECRET_SIG, "value": "x"}, "n": 1})
    assert is_secret(props["userData"]) and props["n"] == 1
