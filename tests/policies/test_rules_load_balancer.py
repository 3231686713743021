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


def test_alb_https_rev2_internet_facing_alb_without_certificate_is_a_violation() -> None:
    stack = Stack()
    lb = stack.add(LBS[0], "dev", {"arn": "arn:lb/dev"})
    http = stack.add(
        LISTENER, "http", {"loadBalancerArn": "arn:lb/dev", "protocol": "HTTP", "defaultActions": FORWARD}
    )
    reported = stack.check("alb-https")
    assert [u for _, u in reported] == [lb.urn, http.urn]
    assert "ALB 'dev': it is internet-facing and has no HTTPS listener" in reported[0][0]
    assert "tierup:loadBalancer.domain" in reported[0][0]


def test_alb_https_rev2_internal_alb_may_serve_plain_http() -> None:
    stack = Stack()
    stack.add(LBS[0], "inner", {"arn": "arn:lb/in", "internal": True})
    stack.add(
        LISTENER, "http", {"loadBalancerArn": "arn:lb/in", "protocol": "HTTP", "defaultActions": FORWARD}
    )
    assert stack.check("alb-https") == []
    unknown = Stack()
    unknown.add(LBS[1], "maybe", {"arn": "arn:lb/m", "internal": U_BOOL})
    assert unknown.check("alb-https") == []


def test_alb_https_rev2_an_https_listener_alone_is_enough() -> None:
    stack, _ = https_stack()
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
    assert reported == [lb.urn, https.urn, http.urn]
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
    # an HTTP listener with an extra certificate still serves no HTTPS: the ALB is reported too (rev. 2)
    assert other.urns("alb-https") == [lb2.urn, plain.urn]


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


# --- alb-waf (advisory-only) -------------------------------------------------------------------------

ACL = "aws:wafv2/webAcl:WebAcl"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
RATE_RULE = {
    "name": "rate",
    "priority": 0,
    "action": {"block": {}},
    "statement": {"rateBasedStatement": {"limit": 2000, "aggregateKeyType": "IP"}},
}
MANAGED_RULE = {
    "name": "common",
    "priority": 1,
    "statement": {"managedRuleGroupStatement": {"vendorName": "AWS", "name": "AWSManagedRulesCommonRuleSet"}},
}


def waf_stack(rules: object, associate: bool = True, internal: bool = False) -> tuple[Stack, object]:
    stack = Stack()
    lb = stack.add(LBS[0], "web", {"arn": "arn:lb/web", "internal": internal})
    acl = stack.add(ACL, "waf", {"arn": "arn:waf/acl", "scope": "REGIONAL", "rules": rules})
    if associate:
        stack.add(
            ASSOCIATION,
            "waf",
            {"resourceArn": U_STR, "webAclArn": U_STR},
            deps={"resourceArn": [lb], "webAclArn": [acl]},
        )
    return stack, lb


def test_alb_waf_holds_with_an_associated_acl_with_a_rate_rule() -> None:
    stack, _ = waf_stack([MANAGED_RULE, RATE_RULE])
    assert stack.check("alb-waf") == []


def test_alb_waf_reports_a_missing_association_and_an_acl_without_rate_rule() -> None:
    stack, lb = waf_stack([RATE_RULE], associate=False)
    [(msg, urn)] = stack.check("alb-waf")
    assert urn == lb.urn and "no WAF web ACL is associated" in msg and "tierup:loadBalancer.waf" in msg
    stack, lb = waf_stack([MANAGED_RULE])
    [(msg, urn)] = stack.check("alb-waf")
    assert urn == lb.urn and "no rate-based rule" in msg


def test_alb_waf_reads_rule_json_and_skips_internal_and_network_lbs() -> None:
    stack = Stack()
    lb = stack.add(LBS[1], "web", {"arn": "arn:lb/web"})
    rule_json = '[{"Name": "rate", "Priority": 0, "Statement": {"RateBasedStatement": {"Limit": 100}}}]'
    stack.add(ACL, "waf", {"arn": "arn:waf/acl", "ruleJson": rule_json})
    stack.add(ASSOCIATION, "waf", {"resourceArn": "arn:lb/web", "webAclArn": "arn:waf/acl"})
    assert stack.check("alb-waf") == []
    internal, _ = waf_stack([], associate=False, internal=True)
    assert internal.check("alb-waf") == []
    nlb = Stack()
    nlb.add(LBS[0], "nlb", {"arn": "arn:lb/nlb", "loadBalancerType": "network"})
    assert nlb.check("alb-waf") == []
    assert lb.urn


def test_alb_waf_an_acl_outside_the_stack_or_unknown_rules_count_as_guarding() -> None:
    stack = Stack()
    stack.add(LBS[0], "web", {"arn": "arn:lb/web"})
    stack.add(ASSOCIATION, "waf", {"resourceArn": "arn:lb/web", "webAclArn": "arn:waf/shared"})
    assert stack.check("alb-waf") == []
    unknown, _ = waf_stack(U_STR)
    assert unknown.check("alb-waf") == []
