"""LoadBalancer: locked-down security group, HTTPS + redirect, access logs, routes, connections."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from tierup.components.load_balancer import LoadBalancer, LoadBalancerArgs
from tierup.components.network import Network, NetworkArgs

from tierup.engine.evaluation import Evaluation, ResourceRecord
from tierup.engine.runtime import evaluate_inline

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789012"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
BUCKET = "aws:s3/bucket:Bucket"


def evaluate(make_args: Any, wire: Any = None, az_count: int = 2) -> Evaluation:
    """Evaluate a network + load balancer; ``wire(lb, network)`` may add routes and connections."""

    def program() -> None:
        network = Network("net", NetworkArgs(nat="none", az_count=az_count))
        lb = LoadBalancer("web", make_args(network))
        if wire:
            wire(lb, network)
        pulumi.export("url", lb.url)
        pulumi.export("arnSuffix", lb.arn_suffix)
        pulumi.export("dnsName", lb.dns_name)
        pulumi.export("zoneId", lb.zone_id)
        pulumi.export("listenerArn", lb.listener.arn)
        pulumi.export("httpListenerArn", lb.http_listener.arn)
        pulumi.export("hasHttpsListener", lb.https_listener is not None)
        pulumi.export("hasBucket", lb.access_logs_bucket is not None)
        pulumi.export("securityGroupId", lb.security_group.id)

    return evaluate_inline(program, project="t", stack="prod", config={"aws:region": "us-east-1"})


@pytest.fixture(scope="module")
def prod() -> Evaluation:
    """HTTPS, access logs, deletion protection, protect; two app tiers by host and path."""

    def wire(lb: LoadBalancer, network: Network) -> None:
        api_sg = aws.ec2.SecurityGroup("api", vpc_id=network.vpc_id, description="api")
        api_tg = aws.lb.TargetGroup("api", port=8080, protocol="HTTP", vpc_id=network.vpc_id)
        site_tg = aws.lb.TargetGroup("site", port=3000, protocol="HTTP", vpc_id=network.vpc_id)
        lb.add_route("api", api_tg, host_patterns=["api.example.com"], priority=10)
        lb.add_route("site", site_tg, path_patterns=["/app/*", "/static/*"], priority=20)
        lb.allow_to("api", api_sg, 8080)

    return evaluate(
        lambda network: LoadBalancerArgs(
            network=network,
            certificate_arn=CERT,
            deletion_protection=True,
            access_logs=True,
            access_log_retention_days=30,
            idle_timeout_seconds=120,
            protect=True,
        ),
        wire,
    )


@pytest.fixture(scope="module")
def dev() -> Evaluation:
    """Defaults: plain HTTP, no logs, no deletion protection, nothing allowed out."""
    return evaluate(lambda network: LoadBalancerArgs(network=network))


@pytest.fixture(scope="module")
def internal() -> Evaluation:
    return evaluate(lambda network: LoadBalancerArgs(network=network, internal=True, access_logs=True))


def ingress_of(ev: Evaluation, group_id: str) -> set[tuple[Any, ...]]:
    return {
        (
            r.inputs["ipProtocol"],
            r.inputs.get("fromPort"),
            r.inputs.get("toPort"),
            r.inputs.get("cidrIpv4") or r.inputs.get("cidrIpv6") or r.inputs.get("referencedSecurityGroupId"),
        )
        for r in ev.find(type=INGRESS)
        if r.inputs["securityGroupId"] == group_id
    }


def egress_of(ev: Evaluation, group_id: str) -> list[ResourceRecord]:
    return [r for r in ev.find(type=EGRESS) if r.inputs["securityGroupId"] == group_id]


def listener(ev: Evaluation, port: int) -> ResourceRecord:
    (found,) = [r for r in ev.find(type=LISTENER) if r.inputs["port"] == port]
    return found


# ---- security group -------------------------------------------------------------------------


def test_security_group_admits_only_http_and_https_from_the_internet(prod: Evaluation) -> None:
    group = prod.one(type=SG, name="web-alb")
    assert "ingress" not in group.inputs and "egress" not in group.inputs
    assert ingress_of(prod, group.id) == {
        ("tcp", 80, 80, "0.0.0.0/0"),
        ("tcp", 80, 80, "::/0"),
        ("tcp", 443, 443, "0.0.0.0/0"),
        ("tcp", 443, 443, "::/0"),
    }


def test_without_certificate_only_port_80_is_open(dev: Evaluation) -> None:
    group = dev.one(type=SG, name="web-alb")
    assert ingress_of(dev, group.id) == {("tcp", 80, 80, "0.0.0.0/0"), ("tcp", 80, 80, "::/0")}


def test_no_egress_until_a_target_is_allowed(dev: Evaluation) -> None:
    group = dev.one(type=SG, name="web-alb")
    assert dev.outputs["securityGroupId"] == group.id
    assert egress_of(dev, group.id) == []
    assert dev.find(type=EGRESS) == []


def test_allow_to_opens_both_sides_on_that_port_only(prod: Evaluation) -> None:
    lb_group = prod.one(type=SG, name="web-alb")
    api_group = prod.one(type=SG, name="api")
    (egress,) = egress_of(prod, lb_group.id)
    assert (egress.inputs["ipProtocol"], egress.inputs["fromPort"], egress.inputs["toPort"]) == (
        "tcp",
        8080,
        8080,
    )
    assert egress.inputs["referencedSecurityGroupId"] == api_group.id
    assert ingress_of(prod, api_group.id) == {("tcp", 8080, 8080, lb_group.id)}
    component = prod.one(type="tierup:load_balancer:LoadBalancer")
    assert egress.parent == component.urn


def test_internal_alb_sits_in_private_subnets_and_admits_the_vpc_only(internal: Evaluation) -> None:
    alb = internal.one(type=LB)
    private = [r.id for r in internal.find(type="aws:ec2/subnet:Subnet") if "-private-" in r.name]
    assert alb.inputs["internal"] is True
    assert alb.inputs["subnets"] == private
    group = internal.one(type=SG, name="web-alb")
    assert ingress_of(internal, group.id) == {("tcp", 80, 80, "10.0.0.0/16")}


# ---- load balancer --------------------------------------------------------------------------


def test_alb_in_public_subnets_drops_invalid_headers(dev: Evaluation) -> None:
    alb = dev.one(type=LB)
    public = [r.id for r in dev.find(type="aws:ec2/subnet:Subnet") if "-public-" in r.name]
    assert alb.inputs["loadBalancerType"] == "application"
    assert alb.inputs["internal"] is False
    assert alb.inputs["subnets"] == public
    assert alb.inputs["securityGroups"] == [dev.one(type=SG, name="web-alb").id]
    assert alb.inputs["dropInvalidHeaderFields"] is True
    assert alb.inputs["idleTimeout"] == 60
    assert (
        alb.urn
        == "urn:pulumi:prod::t::tierup:load_balancer:LoadBalancer$aws:lb/loadBalancer:LoadBalancer::web"
    )


def test_deletion_protection_follows_args(dev: Evaluation, prod: Evaluation) -> None:
    assert dev.one(type=LB).inputs["enableDeletionProtection"] is False
    assert prod.one(type=LB).inputs["enableDeletionProtection"] is True
    assert prod.one(type=LB).inputs["idleTimeout"] == 120


def test_outputs_come_from_the_alb(prod: Evaluation, dev: Evaluation) -> None:
    alb = prod.one(type=LB).outputs
    assert prod.outputs["url"] == f"https://{alb['dnsName']}"
    assert prod.outputs["arnSuffix"] == alb["arnSuffix"] and alb["arnSuffix"].startswith("app/")
    assert prod.outputs["zoneId"] == alb["zoneId"]
    assert dev.outputs["url"] == f"http://{dev.one(type=LB).outputs['dnsName']}"


def test_an_alb_needs_two_azs() -> None:
    with pytest.raises(ValueError, match="at least 2 AZs"):
        evaluate(lambda network: LoadBalancerArgs(network=network), az_count=1)


# ---- listeners ------------------------------------------------------------------------------


def test_certificate_gives_tls13_https_listener_with_404_default(prod: Evaluation) -> None:
    https = listener(prod, 443)
    assert https.inputs["protocol"] == "HTTPS"
    assert https.inputs["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https.inputs["certificateArn"] == CERT
    assert https.inputs["loadBalancerArn"] == prod.one(type=LB).id
    (action,) = https.inputs["defaultActions"]
    assert action["type"] == "fixed-response" and action["fixedResponse"]["statusCode"] == "404"
    assert prod.outputs["listenerArn"] == https.id
    assert prod.outputs["hasHttpsListener"] is True


def test_http_listener_only_redirects_to_https_with_301(prod: Evaluation) -> None:
    http = listener(prod, 80)
    assert http.inputs["protocol"] == "HTTP"
    assert http.inputs["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]
    assert prod.outputs["httpListenerArn"] == http.id
    assert all(r.inputs["listenerArn"] != http.id for r in prod.find(type=RULE))


def test_without_certificate_a_single_http_listener_answers_404(dev: Evaluation) -> None:
    (http,) = dev.find(type=LISTENER)
    assert (http.inputs["port"], http.inputs["protocol"]) == (80, "HTTP")
    assert "sslPolicy" not in http.inputs and "certificateArn" not in http.inputs
    (action,) = http.inputs["defaultActions"]
    assert action["fixedResponse"]["statusCode"] == "404"
    assert dev.outputs["listenerArn"] == dev.outputs["httpListenerArn"] == http.id
    assert dev.outputs["hasHttpsListener"] is False


# ---- routes ---------------------------------------------------------------------------------


def test_two_app_tiers_are_routed_by_host_and_by_path(prod: Evaluation) -> None:
    https = listener(prod, 443)
    target_groups = {r.name: r.id for r in prod.find(type="aws:lb/targetGroup:TargetGroup")}
    rules = {r.name: r.inputs for r in prod.find(type=RULE)}
    assert set(rules) == {"web-api", "web-site"}
    api, site = rules["web-api"], rules["web-site"]
    assert api["listenerArn"] == site["listenerArn"] == https.id
    assert api["priority"] == 10 and site["priority"] == 20
    assert api["conditions"] == [{"hostHeader": {"values": ["api.example.com"]}}]
    assert site["conditions"] == [{"pathPattern": {"values": ["/app/*", "/static/*"]}}]
    assert api["actions"] == [{"type": "forward", "targetGroupArn": target_groups["api"]}]
    assert site["actions"] == [{"type": "forward", "targetGroupArn": target_groups["site"]}]


def test_host_and_path_together_and_plain_listener() -> None:
    def wire(lb: LoadBalancer, network: Network) -> None:
        tg = aws.lb.TargetGroup("admin", port=80, protocol="HTTP", vpc_id=network.vpc_id)
        lb.add_route("admin", tg, host_patterns=["admin.example.com"], path_patterns=["/ops/*"], priority=5)

    ev = evaluate(lambda network: LoadBalancerArgs(network=network), wire)
    rule = ev.one(type=RULE).inputs
    assert rule["listenerArn"] == ev.outputs["httpListenerArn"]
    assert rule["conditions"] == [
        {"hostHeader": {"values": ["admin.example.com"]}},
        {"pathPattern": {"values": ["/ops/*"]}},
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"priority": 1}, "host patterns or path patterns"),
        ({"priority": 0, "path_patterns": ["/"]}, "priority"),
    ],
)
def test_bad_routes_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    def wire(lb: LoadBalancer, network: Network) -> None:
        tg = aws.lb.TargetGroup("x", port=80, protocol="HTTP", vpc_id=network.vpc_id)
        lb.add_route("x", tg, **kwargs)

    with pytest.raises(ValueError, match=message):
        evaluate(lambda network: LoadBalancerArgs(network=network), wire)


# ---- access logs ----------------------------------------------------------------------------


def test_no_access_logs_bucket_by_default(dev: Evaluation) -> None:
    assert dev.find(type=BUCKET) == []
    assert "accessLogs" not in dev.one(type=LB).inputs
    assert dev.outputs["hasBucket"] is False


def test_access_logs_bucket_is_encrypted_private_owned_and_expiring(prod: Evaluation) -> None:
    bucket = prod.one(type=BUCKET)
    name = bucket.outputs["bucket"]
    for type_ in (
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketPolicy:BucketPolicy",
    ):
        assert prod.one(type=type_).inputs["bucket"] == name, type_
    sse = prod.one(
        type="aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    assert sse.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    block = prod.one(type="aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(
        block[k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    ownership = prod.one(type="aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    (rule,) = prod.one(type="aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs[
        "rules"
    ]
    assert rule["status"] == "Enabled" and rule["expiration"] == {"days": 30}


def test_bucket_policy_lets_elb_deliver_logs_and_nothing_else(prod: Evaluation) -> None:
    bucket = prod.one(type=BUCKET).outputs
    policy = json.loads(prod.one(type="aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    principals = [s["Principal"] for s in allows]
    assert {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"} in principals
    assert {"AWS": "arn:aws:iam::127311923021:root"} in principals  # us-east-1's ELB account
    for statement in allows:
        assert statement["Action"] == "s3:PutObject"
        assert statement["Resource"] == f"{bucket['arn']}/AWSLogs/123456789012/*"
    denies = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert denies and denies[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_alb_logs_to_the_bucket_after_its_policy_exists(prod: Evaluation) -> None:
    alb = prod.one(type=LB)
    assert alb.inputs["accessLogs"] == {"bucket": prod.one(type=BUCKET).outputs["bucket"], "enabled": True}
    assert prod.one(type="aws:s3/bucketPolicy:BucketPolicy").urn in alb.dependencies
    assert prod.outputs["hasBucket"] is True


def test_protect_keeps_the_log_bucket(prod: Evaluation, internal: Evaluation) -> None:
    kept = prod.one(type=BUCKET)
    assert kept.protect and kept.retain_on_delete and kept.inputs["forceDestroy"] is False
    dev_bucket = internal.one(type=BUCKET)
    assert (
        not dev_bucket.protect
        and not dev_bucket.retain_on_delete
        and dev_bucket.inputs["forceDestroy"] is True
    )
    (rule,) = internal.one(type="aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs[
        "rules"
    ]
    assert rule["expiration"] == {"days": 90}


# ---- transforms -----------------------------------------------------------------------------


def test_transforms_merge_dicts_and_run_callables() -> None:
    def fixed_priority(args: dict[str, Any], opts: pulumi.ResourceOptions) -> dict[str, Any]:
        return {**args, "priority": args["priority"] + 1000}

    def wire(lb: LoadBalancer, network: Network) -> None:
        tg = aws.lb.TargetGroup("api", port=80, protocol="HTTP", vpc_id=network.vpc_id)
        lb.add_route("api", tg, path_patterns=["/api/*"], priority=1)

    ev = evaluate(
        lambda network: LoadBalancerArgs(
            network=network,
            transform={
                "load_balancer": {"enable_http2": False, "tags": {"team": "web"}},
                "listener_rule": fixed_priority,
            },
        ),
        wire,
    )
    alb = ev.one(type=LB).inputs
    assert alb["enableHttp2"] is False and alb["dropInvalidHeaderFields"] is True
    assert alb["tags"] == {"Name": "web", "managed-by": "tierup", "team": "web"}
    assert ev.one(type=RULE).inputs["priority"] == 1001


def test_unknown_transform_key_raises() -> None:
    with pytest.raises(ValueError, match=r"unknown transform key\(s\) alb; valid keys: .*load_balancer"):
        evaluate(lambda network: LoadBalancerArgs(network=network, transform={"alb": {}}))


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        (
            [
                ("a", {"path_patterns": ["/a/*"], "priority": 100}),
                ("b", {"path_patterns": ["/b/*"], "priority": 100}),
            ],
            "LoadBalancer 'web': routes 'a' and 'b' both have priority 100",
        ),
        (
            [("a", {"host_patterns": ["x.example.com"]}), ("b", {"host_patterns": ["x.example.com"]})],
            "routes 'a' and 'b' match the same requests",
        ),
    ],
)
def test_add_route_refuses_duplicate_priorities_and_identical_routes(
    routes: list[tuple[str, dict[str, Any]]], message: str
) -> None:
    def wire(lb: LoadBalancer, network: Network) -> None:
        tg = aws.lb.TargetGroup("x", port=80, protocol="HTTP", vpc_id=network.vpc_id)
        for name, kwargs in routes:
            lb.add_route(name, tg, **kwargs)

    with pytest.raises(ValueError, match=message):
        evaluate(lambda network: LoadBalancerArgs(network=network), wire)


def test_add_route_assigns_priorities_by_specificity() -> None:
    def wire(lb: LoadBalancer, network: Network) -> None:
        tg = aws.lb.TargetGroup("x", port=80, protocol="HTTP", vpc_id=network.vpc_id)
        lb.add_route("site", tg, path_patterns=["/*"])
        lb.add_route("api", tg, path_patterns=["/api/*"])
        lb.add_route("v1", tg, path_patterns=["/api/v1/*"])
        lb.add_route("admin", tg, host_patterns=["admin.example.com"])
        lb.add_route("ops", tg, host_patterns=["admin.example.com"], path_patterns=["/ops/*"])
        lb.add_route("mine", tg, path_patterns=["/mine/*"], priority=7)

    ev = evaluate(lambda network: LoadBalancerArgs(network=network), wire)
    p = {r.name.removeprefix("web-"): r.inputs["priority"] for r in ev.find(type=RULE)}
    assert p["mine"] == 7
    assert p["ops"] < p["admin"] < p["v1"] < p["api"] < p["site"] == 40000
    assert len(set(p.values())) == len(p)


# ---- HTTPS with a domain, WAF (production-safe by default) ----------------------------------

CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"


@pytest.fixture(scope="module")
def domain() -> Evaluation:
    """A domain in the parent zone found by name, and WAF with a custom rate limit."""
    return evaluate(
        lambda network: LoadBalancerArgs(
            network=network, domain="shop.example.com", waf=True, rate_limit_per_5_minutes=500
        )
    )


def test_domain_gets_a_dns_validated_certificate_in_the_longest_parent_zone(domain: Evaluation) -> None:
    cert = domain.one(type=CERTIFICATE)
    assert cert.inputs["domainName"] == "shop.example.com"
    assert cert.inputs["validationMethod"] == "DNS"
    records = {r.inputs["type"]: r for r in domain.find(type=RECORD)}
    assert set(records) == {"CNAME", "A", "AAAA"}
    option = cert.outputs["domainValidationOptions"][0]
    cname = records["CNAME"].inputs
    assert cname["name"] == option["resourceRecordName"]
    assert cname["records"] == [option["resourceRecordValue"]]
    assert cname["allowOverwrite"] is True and cname["ttl"] == 60
    # example.com is one of the offline account's zones: the longest existing parent of the domain
    from tierup.engine.mocks import _zone_id

    assert cname["zoneId"] == _zone_id("example.com") == records["A"].inputs["zoneId"]
    validation = domain.one(type=VALIDATION)
    assert validation.inputs["certificateArn"] == cert.outputs["arn"]
    assert validation.inputs["validationRecordFqdns"] == [records["CNAME"].outputs["fqdn"]]


def test_https_listener_waits_for_the_validated_certificate(domain: Evaluation) -> None:
    https = listener(domain, 443)
    assert https.inputs["certificateArn"] == domain.one(type=CERTIFICATE).outputs["arn"]
    assert https.inputs["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert domain.one(type=VALIDATION).urn in https.dependencies
    assert listener(domain, 80).inputs["defaultActions"][0]["type"] == "redirect"
    group = domain.one(type=SG, name="web-alb")
    assert ("tcp", 443, 443, "0.0.0.0/0") in ingress_of(domain, group.id)
    assert domain.outputs["url"] == "https://shop.example.com"


def test_alias_a_and_aaaa_records_point_at_the_alb(domain: Evaluation) -> None:
    alb = domain.one(type=LB).outputs
    aliases = [r.inputs for r in domain.find(type=RECORD) if r.inputs["type"] in ("A", "AAAA")]
    assert len(aliases) == 2
    for record in aliases:
        assert record["name"] == "shop.example.com"
        assert record["aliases"] == [
            {"name": alb["dnsName"], "zoneId": alb["zoneId"], "evaluateTargetHealth": True}
        ]
        assert "records" not in record and "ttl" not in record


def test_hosted_zone_by_id_is_used_as_given() -> None:
    ev = evaluate(
        lambda network: LoadBalancerArgs(network=network, domain="example.com", hosted_zone="Z0ABCDEF123")
    )
    assert {r.inputs["zoneId"] for r in ev.find(type=RECORD)} == {"Z0ABCDEF123"}


def test_a_domain_without_a_zone_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match=r"no public Route 53 hosted zone for 'shop.acme.io' or a parent"):
        evaluate(lambda network: LoadBalancerArgs(network=network, domain="shop.acme.io"))


def test_hosted_zone_by_name_is_looked_up() -> None:
    ev = evaluate(
        lambda network: LoadBalancerArgs(network=network, domain="shop.acme.io", hosted_zone="acme.io")
    )
    (alias,) = [r.inputs for r in ev.find(type=RECORD) if r.inputs["type"] == "A"]
    assert alias["zoneId"].startswith("Z") and alias["name"] == "shop.acme.io"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"domain": "shop.example.com", "certificate_arn": CERT}, "not both"),
        ({"domain": "not a domain"}, "not a fully qualified domain name"),
        ({"hosted_zone": "example.com"}, "only used with domain"),
        ({"waf": True, "rate_limit_per_5_minutes": 99}, "rate_limit_per_5_minutes must be 100"),
    ],
)
def test_bad_https_args_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate(lambda network: LoadBalancerArgs(network=network, **kwargs))


def test_parent_zones_longest_first() -> None:
    from tierup.components.load_balancer import parent_zones

    assert parent_zones("a.b.Example.com.") == ["a.b.example.com", "b.example.com", "example.com"]


def test_waf_has_a_per_ip_rate_limit_and_managed_rules_and_guards_the_alb(domain: Evaluation) -> None:
    acl = domain.one(type=WEB_ACL).inputs
    assert acl["scope"] == "REGIONAL" and acl["defaultAction"] == {"allow": {}}
    assert acl["visibilityConfig"]["cloudwatchMetricsEnabled"] is True
    rules = {r["name"]: r for r in acl["rules"]}
    rate = rules["rate-limit-per-ip"]
    assert rate["statement"]["rateBasedStatement"]["limit"] == 500
    assert rate["statement"]["rateBasedStatement"]["aggregateKeyType"] == "IP"
    assert rate["action"] == {"block": {}} and rate["priority"] == 0
    for group in ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"):
        assert rules[group]["statement"]["managedRuleGroupStatement"] == {"vendorName": "AWS", "name": group}
        assert rules[group]["overrideAction"] == {"none": {}}
        assert rules[group]["visibilityConfig"]["sampledRequestsEnabled"] is True
    assert len({r["priority"] for r in acl["rules"]}) == 3
    association = domain.one(type=WEB_ACL_ASSOCIATION).inputs
    assert association["resourceArn"] == domain.one(type=LB).id
    assert association["webAclArn"] == domain.one(type=WEB_ACL).outputs["arn"]


def test_no_waf_no_certificate_by_default(dev: Evaluation) -> None:
    for type_ in (WEB_ACL, WEB_ACL_ASSOCIATION, CERTIFICATE, RECORD):
        assert dev.find(type=type_) == []
