"""Load balancer rules: ALBs (aws:lb and aws:alb tokens), listeners, listener rules, target groups."""

from __future__ import annotations

import pytest
from pulumi_policy.proxy import UnknownValueError

from ._pack_testkit import U_BOOL, U_STR, Stack, check_resource

LBS = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"]
LISTENER = "aws:lb/listener:Listener"
ALB_LISTENER = "aws:alb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TG = "aws:lb/targetGroup:TargetGroup"
REDIRECT = [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]
FORWARD = [{"type": "forward", "targetGroupArn": "arn:tg"}]


@pytest.mark.parametrize("type_", LBS)
@pytest.mark.parametrize(
    ("policy", "prop"),
    [
        ("alb-deletion-protection", "enableDeletionProtection"),
        ("alb-drop-invalid-headers", "dropInvalidHeaderFields"),
    ],
)
def test_alb_boolean_settings(type_: str, policy: str, prop: str) -> None:
    assert check_resource(policy, type_, {prop: True}) == []
    assert check_resource(policy, type_, {prop: True, "loadBalancerType": "application"}) == []
    [msg] = check_resource(policy, type_, {prop: False}, name="web")
    assert f"ALB 'web': {prop} is False" in msg and "Fix:" in msg
    assert check_resource(policy, type_, {}) != []
    assert check_resource(policy, type_, {"loadBalancerType": "network"}) == []
    with pytest.raises(UnknownValueError):
        check_resource(policy, type_, {prop: U_BOOL})


@pytest.mark.parametrize("type_", LBS)
def test_alb_access_logs(type_: str) -> None:
    ok = {"accessLogs": {"bucket": "logs", "enabled": True, "prefix": "web"}}
    assert check_resource("alb-access-logs", type_, ok) == []
    assert "accessLogs is unset" in check_resource("alb-access-logs", type_, {})[0]
    [msg] = check_resource("alb-access-logs", type_, {"accessLogs": {"bucket": "logs"}})
    assert "defaults to false" in msg
    [msg] = check_resource("alb-access-logs", type_, {"accessLogs": {"enabled": True}})
    assert "accessLogs.bucket is unset" in msg
    assert check_resource("alb-access-logs", type_, {"accessLogs": {"enabled": True, "bucket": U_STR}}) == []
    with pytest.raises(UnknownValueError):
        check_resource("alb-access-logs", type_, {"accessLogs": U_STR})


def test_target_group_health_check() -> None:
    ok = {"protocol": "HTTP", "healthCheck": {"enabled": True, "path": "/healthz", "matcher": "200"}}
    assert check_resource("target-group-health-check", TG, ok) == []
    assert (
        check_resource("target-group-health-check", TG, {"protocol": "HTTP", "healthCheck": {"path": "/up"}})
        == []
    )
    assert check_resource("target-group-health-check", TG, {"targetType": "lambda"}) == []
    assert check_resource("target-group-health-check", TG, {"protocol": "TCP"}) == []
    tcp = {"protocol": "TCP", "healthCheck": {"protocol": "TCP"}}
    assert check_resource("target-group-health-check", TG, tcp) == []
    assert "healthCheck is unset" in check_resource("target-group-health-check", TG, {"protocol": "HTTP"})[0]
    [msg] = check_resource(
        "target-group-health-check", TG, {"protocol": "HTTPS", "healthCheck": {"enabled": False}}
    )
    assert "healthCheck.enabled is false" in msg and "healthCheck.path is unset" in msg
    tcp_check_on_http = {"protocol": "HTTP", "healthCheck": {"protocol": "TCP"}}
    assert check_resource("target-group-health-check", TG, tcp_check_on_http) == []
    assert check_resource(
        "target-group-health-check", "aws:alb/targetGroup:TargetGroup", {"protocol": "HTTP"}
    )
    with pytest.raises(UnknownValueError):
        check_resource("target-group-health-check", TG, {"protocol": "HTTP", "healthCheck": {"path": U_STR}})


def test_listener_tls_policy() -> None:
    modern = {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}
    assert check_resource("alb-listener-tls-policy", LISTENER, modern) == []
    fs = {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-FS-1-2-Res-2020-10"}
    assert check_resource("alb-listener-tls-policy", ALB_LISTENER, fs) == []
    assert check_resource("alb-listener-tls-policy", LISTENER, {"protocol": "HTTP"}) == []
    [msg] = check_resource("alb-listener-tls-policy", LISTENER, {"protocol": "HTTPS"})
    assert "ELBSecurityPolicy-2016-08" in msg and "TLS13-1-2" in msg
    old = {"protocol": "TLS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-0-2021-06"}
    assert check_resource("alb-listener-tls-policy", LISTENER, old)
    allowed = {"allowedPolicies": ["ELBSecurityPolicy-TLS13-1-0-2021-06"]}
    assert check_resource("alb-listener-tls-policy", LISTENER, old, config=allowed) == []
    with pytest.raises(UnknownValueError):
        check_resource("alb-listener-tls-policy", LISTENER, {"protocol": "HTTPS", "sslPolicy": U_STR})


def https_stack(lb_type: str = LBS[0], listener_type: str = LISTENER) -> tuple[Stack, object]:
    stack = Stack()
    lb = stack.add(lb_type, "web", {"arn": "arn:lb/web", "arnSuffix": "app/web/1"})
    stack.add(
        listener_type,
        "https",
        {"loadBalancerArn": "arn:lb/web", "protocol": "HTTPS", "defaultActions": FORWARD},
    )
    return stack, lb


@pytest.mark.parametrize(("lb_type", "listener_type"), [(LBS[0], LISTENER), (LBS[1], ALB_LISTENER)])
def test_alb_https_redirect_ok(lb_type: str, listener_type: str) -> None:
    stack, _ = https_stack(lb_type, listener_type)
    stack.add(
        listener_type,
        "http",
        {"loadBalancerArn": "arn:lb/web", "protocol": "HTTP", "defaultActions": REDIRECT},
    )
    assert stack.check("alb-https") == []


def test_alb_https_forwarding_http_listener_and_rule() -> None:
    stack, _ = https_stack()
    http = stack.add(
        LISTENER,
        "http",
        {"arn": "arn:listener/http", "loadBalancerArn": "arn:lb/web", "defaultActions": FORWARD},
    )
    rule = stack.add(RULE, "api", {"listenerArn": "arn:listener/http", "actions": FORWARD})
    stack.add(RULE, "moved", {"listenerArn": "arn:listener/http", "actions": REDIRECT})
    reported = stack.check("alb-https")
    assert [u for _, u in reported] == [http.urn, rule.urn]
    assert "listener 'http'" in reported[0][0] and "'protocol': 'HTTPS'" in reported[0][0]


def test_alb_https_redirect_to_http_is_not_enough() -> None:
    stack, _ = https_stack()
    same = [{"type": "redirect", "redirect": {"port": "8080"}}]
    http = stack.add(
        LISTENER, "http", {"loadBalancerArn": "arn:lb/web", "protocol": "HTTP", "defaultActions": same}
    )
    assert stack.urns("alb-https") == [http.urn]


def test_alb_https_without_certificate_allows_plain_http() -> None:
    stack = Stack()
    stack.add(LBS[0], "dev", {"arn": "arn:lb/dev"})
    stack.add(
        LISTENER, "http", {"loadBalancerArn": "arn:lb/dev", "protocol": "HTTP", "defaultActions": FORWARD}
    )
    assert stack.check("alb-https") == []


def test_alb_https_links_through_dependencies_and_listener_certificates() -> None:
    stack = Stack()
    lb = stack.add(LBS[0], "web", {"arn": U_STR})
    https = stack.add(
        LISTENER,
        "tls",
        {"loadBalancerArn": U_STR, "protocol": "HTTP", "certificateArn": "arn:acm"},
        deps={"loadBalancerArn": [lb]},
    )
    http = stack.add(
        LISTENER,
        "http",
        {"loadBalancerArn": U_STR, "defaultActions": FORWARD},
        deps={"loadBalancerArn": [lb]},
    )
    reported = stack.urns("alb-https")
    assert reported == [https.urn, http.urn]
    other = Stack()
    lb2 = other.add(LBS[0], "web", {"arn": "arn:lb/x"})
    plain = other.add(
        LISTENER,
        "http",
        {"arn": "arn:l/1", "loadBalancerArn": "arn:lb/x", "protocol": "HTTP", "defaultActions": FORWARD},
    )
    other.add(
        "aws:lb/listenerCertificate:ListenerCertificate",
        "extra",
        {"listenerArn": "arn:l/1", "certificateArn": "arn:acm"},
    )
    assert other.urns("alb-https") == [plain.urn]
    assert lb2.urn not in other.urns("alb-https")


def test_alb_https_ignores_network_load_balancers_and_external_albs() -> None:
    stack = Stack()
    stack.add(LBS[0], "nlb", {"arn": "arn:lb/nlb", "loadBalancerType": "network"})
    stack.add(
        LISTENER, "tls", {"loadBalancerArn": "arn:lb/nlb", "protocol": "TLS", "certificateArn": "arn:acm"}
    )
    stack.add(
        LISTENER, "tcp", {"loadBalancerArn": "arn:lb/nlb", "protocol": "TCP", "defaultActions": FORWARD}
    )
    stack.add(LISTENER, "ext-https", {"loadBalancerArn": "arn:external", "protocol": "HTTPS"})
    ext_http = stack.add(
        LISTENER,
        "ext-http",
        {"loadBalancerArn": "arn:external", "protocol": "HTTP", "defaultActions": FORWARD},
    )
    assert stack.urns("alb-https") == [ext_http.urn]
