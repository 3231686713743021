"""Load balancer tier: ALBs, listeners, listener rules and target groups (``aws:lb/*`` and ``aws:alb/*``)."""

from __future__ import annotations

import json
import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._graph import StackModel, is_application_lb
from ._util import (
    LISTENER_CERTIFICATES,
    LISTENER_RULES,
    LISTENERS,
    LOAD_BALANCERS,
    TARGET_GROUPS,
    UNKNOWN,
    WEB_ACL,
    WEB_ACL_ASSOCIATION,
    Findings,
    as_bool,
    as_str,
    config_list,
    describe,
    elements,
    get,
    lower,
    message,
)


def _alb_subject(args: ResourceValidationArgs) -> str | None:
    """'ALB <name>' for application load balancers, None for anything else."""
    if args.resource_type not in LOAD_BALANCERS:
        return None
    kind = get(args.props, "loadBalancerType")
    if kind is UNKNOWN or lower(kind) not in (None, "application"):
        return None
    return f"ALB '{args.name}'"


def _require_true(
    args: ResourceValidationArgs, prop: str, report_violation: ReportViolation, fix: str
) -> None:
    subject = _alb_subject(args)
    if subject is None:
        return
    findings = Findings(subject)
    value = get(args.props, prop)
    if value is UNKNOWN:
        findings.unknown_at(prop)
    elif as_bool(value) is not True:
        findings.problem(f"{prop} is {describe(value)}")
    findings.emit(report_violation, fix)


# --- alb-deletion-protection ------------------------------------------------------------------------

DELETION_PROTECTION_FIX = (
    "set enable_deletion_protection=True so a stray destroy or replacement can't drop production traffic"
)


def alb_deletion_protection(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """ALBs have deletion protection."""
    _require_true(args, "enableDeletionProtection", report_violation, DELETION_PROTECTION_FIX)


ALB_DELETION_PROTECTION = ResourceValidationPolicy(
    name="alb-deletion-protection",
    description="Application load balancers have deletion protection enabled.",
    validate=alb_deletion_protection,
    severity=Severity.MEDIUM,
    remediation_steps=DELETION_PROTECTION_FIX,
    tags=["load-balancer", "resilience"],
)

# --- alb-drop-invalid-headers -----------------------------------------------------------------------

DROP_INVALID_HEADERS_FIX = "set drop_invalid_header_fields=True so malformed headers (a request-smuggling vector) never reach the app"


def alb_drop_invalid_headers(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """ALBs drop invalid header fields."""
    _require_true(args, "dropInvalidHeaderFields", report_violation, DROP_INVALID_HEADERS_FIX)


ALB_DROP_INVALID_HEADERS = ResourceValidationPolicy(
    name="alb-drop-invalid-headers",
    description="Application load balancers drop invalid HTTP header fields.",
    validate=alb_drop_invalid_headers,
    severity=Severity.MEDIUM,
    remediation_steps=DROP_INVALID_HEADERS_FIX,
    tags=["load-balancer", "security"],
)

# --- alb-access-logs --------------------------------------------------------------------------------

ACCESS_LOGS_FIX = (
    "set access_logs={'bucket': <bucket>, 'enabled': True} with an SSE-S3 encrypted, lifecycle-managed bucket "
    "whose policy lets Elastic Load Balancing write to it"
)


def alb_access_logs(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """ALBs write access logs to a bucket."""
    subject = _alb_subject(args)
    if subject is None:
        return
    findings = Findings(subject)
    logs = get(args.props, "accessLogs")
    if logs is UNKNOWN:
        findings.unknown_at("accessLogs")
    elif logs is None:
        findings.problem("accessLogs is unset")
    else:
        enabled, bucket = get(logs, "enabled"), get(logs, "bucket")
        if enabled is UNKNOWN:
            findings.unknown_at("accessLogs.enabled")
        elif as_bool(enabled) is not True:
            findings.problem(f"accessLogs.enabled is {describe(enabled)} (it defaults to false)")
        if bucket is not UNKNOWN and not as_str(bucket):
            findings.problem("accessLogs.bucket is unset")
    findings.emit(report_violation, ACCESS_LOGS_FIX)


ALB_ACCESS_LOGS = ResourceValidationPolicy(
    name="alb-access-logs",
    description="Application load balancers write access logs to S3.",
    validate=alb_access_logs,
    severity=Severity.LOW,
    remediation_steps=ACCESS_LOGS_FIX,
    tags=["load-balancer", "observability"],
)

# --- target-group-health-check ----------------------------------------------------------------------

HEALTH_CHECK_FIX = (
    "set health_check={'enabled': True, 'path': '/healthz', 'matcher': '200', ...} pointing at an endpoint "
    "that fails when the instance can't serve"
)
_HTTP = ("http", "https")


def target_group_health_check(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Target groups define an enabled health check (with a path for HTTP/HTTPS)."""
    if args.resource_type not in TARGET_GROUPS:
        return
    props = args.props
    target_type = get(props, "targetType")
    if target_type is UNKNOWN or lower(target_type) in ("lambda", "alb"):
        return  # Lambda targets need no health check; ALB targets are checked by the inner ALB.
    findings = Findings(f"target group '{args.name}'")
    check = get(props, "healthCheck")
    protocol = lower(get(props, "protocol"))
    if check is UNKNOWN:
        findings.unknown_at("healthCheck")
    elif check is None:
        if protocol in (*_HTTP, None):
            findings.problem("healthCheck is unset, so the default check on path '/' decides health")
    else:
        enabled = get(check, "enabled")
        if enabled is UNKNOWN:
            findings.unknown_at("healthCheck.enabled")
        elif as_bool(enabled) is False:
            findings.problem("healthCheck.enabled is false")
        check_protocol = lower(get(check, "protocol")) or protocol
        path = get(check, "path")
        if check_protocol in _HTTP or (check_protocol is None and protocol is None):
            if path is UNKNOWN:
                findings.unknown_at("healthCheck.path")
            elif not (as_str(path) or "").startswith("/"):
                findings.problem(f"healthCheck.path is {describe(path)}")
    findings.emit(report_violation, HEALTH_CHECK_FIX)


TARGET_GROUP_HEALTH_CHECK = ResourceValidationPolicy(
    name="target-group-health-check",
    description="Target groups define an enabled health check with a path.",
    validate=target_group_health_check,
    severity=Severity.HIGH,
    remediation_steps=HEALTH_CHECK_FIX,
    tags=["load-balancer", "resilience"],
)

# --- alb-listener-tls-policy (advisory) -------------------------------------------------------------

TLS_POLICY_FIX = (
    "set ssl_policy to a TLS 1.2+ policy such as 'ELBSecurityPolicy-TLS13-1-2-2021-06' (the API default, "
    "'ELBSecurityPolicy-2016-08', still accepts TLS 1.0 and 1.1)"
)
_MODERN_TLS = re.compile(r"-1-[23]-")


def alb_listener_tls_policy(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """HTTPS/TLS listeners use a security policy that refuses TLS 1.0 and 1.1."""
    if args.resource_type not in LISTENERS:
        return
    protocol = get(args.props, "protocol")
    if protocol is UNKNOWN or lower(protocol) not in ("https", "tls"):
        return
    allowed = {str(p) for p in config_list(args, "allowedPolicies", [])}
    findings = Findings(f"listener '{args.name}'")
    policy = get(args.props, "sslPolicy")
    if policy is UNKNOWN:
        findings.unknown_at("sslPolicy")
    else:
        name = as_str(policy) or "ELBSecurityPolicy-2016-08"
        if name not in allowed and not _MODERN_TLS.search(name):
            shown = describe(policy) if policy is not None else "unset (ELBSecurityPolicy-2016-08)"
            findings.problem(f"sslPolicy is {shown}, which accepts TLS versions below 1.2")
    findings.emit(report_violation, TLS_POLICY_FIX)


ALB_LISTENER_TLS_POLICY = ResourceValidationPolicy(
    name="alb-listener-tls-policy",
    description="HTTPS and TLS listeners use a security policy that refuses TLS 1.0 and 1.1.",
    validate=alb_listener_tls_policy,
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps=TLS_POLICY_FIX,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedPolicies": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Extra ELB security policy names to accept (e.g. for legacy clients).",
            }
        }
    ),
    tags=["load-balancer", "security", "advisory-only"],
)

# --- alb-https --------------------------------------------------------------------------------------

HTTPS_FIX = (
    "serve the application from an HTTPS listener on 443 (tierup: set tierup:loadBalancer.domain, or "
    "certificateArn; LoadBalancerArgs.domain / certificate_arn), make every HTTP listener's default action a redirect to HTTPS "
    "(type='redirect', redirect={'protocol': 'HTTPS', 'port': '443', 'status_code': 'HTTP_301'}) and serve "
    "the application only from the HTTPS listener (move forward rules there)"
)


def _redirects_to_https(actions: Any) -> bool:
    items = elements(actions)
    if not items:
        return False
    for action in items:
        if lower(get(action, "type")) != "redirect" or lower(get(action, "redirect", "protocol")) != "https":
            return False
    return True


def alb_https(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """An internet-facing ALB serves HTTPS and its HTTP listeners (and their rules) only redirect to HTTPS,
    whether or not it has a certificate; any other ALB with HTTPS (or a certificate) only redirects HTTP."""
    model = StackModel(args.resources)
    by_lb: dict[str, list[Any]] = {}
    serves_https: set[str] = set()
    secure: set[str] = set()
    for listener in model.of(LISTENERS):
        lb = _load_balancer_key(model, listener)
        if lb is None:
            continue
        by_lb.setdefault(lb, []).append(listener)
        protocol = get(listener.props, "protocol")
        if protocol is UNKNOWN or lower(protocol) == "https":
            serves_https.add(lb)  # an unknown protocol can't be held against the ALB
        if lower(protocol) == "https" or as_str(get(listener.props, "certificateArn")):
            secure.add(lb)
    for attached in model.of(LISTENER_CERTIFICATES):
        for listener in model.resolve(attached, ("listenerArn",), LISTENERS, ("arn", "id")).targets:
            lb = _load_balancer_key(model, listener)
            if lb is not None:
                secure.add(lb)
    for alb in model.of(LOAD_BALANCERS):
        if not is_application_lb(alb) or not _internet_facing(alb):
            continue
        secure.add(alb.urn)
        if alb.urn not in serves_https:
            problem = "it is internet-facing and has no HTTPS listener, so clients send data in clear text"
            report_violation(message(f"ALB '{alb.name}'", [problem], HTTPS_FIX), alb.urn)
    rules = model.of(LISTENER_RULES)
    for lb in sorted(secure):
        for listener in by_lb.get(lb, []):
            protocol = get(listener.props, "protocol")
            if protocol is UNKNOWN or (lower(protocol) or "http") != "http":
                continue
            actions = get(listener.props, "defaultActions")
            if actions is not UNKNOWN and not _redirects_to_https(actions):
                problem = "it is an HTTP listener and its default action doesn't redirect to HTTPS"
                report_violation(message(f"listener '{listener.name}'", [problem], HTTPS_FIX), listener.urn)
            for rule in rules:
                targets = model.resolve(rule, ("listenerArn",), LISTENERS, ("arn", "id")).targets
                actions = get(rule.props, "actions")
                if listener in targets and actions is not UNKNOWN and not _redirects_to_https(actions):
                    problem = f"it serves traffic on HTTP listener '{listener.name}' instead of redirecting to HTTPS"
                    report_violation(message(f"listener rule '{rule.name}'", [problem], HTTPS_FIX), rule.urn)


def _internet_facing(alb: Any) -> bool:
    """True unless ``internal`` is true (or unknown: can't tell, so not held against it)."""
    internal = get(alb.props, "internal")
    return internal is not UNKNOWN and as_bool(internal) is not True


def _load_balancer_key(model: StackModel, listener: Any) -> str | None:
    """The URN of the listener's load balancer, or its literal ARN when it isn't in the stack."""
    resolved = model.resolve(listener, ("loadBalancerArn",), LOAD_BALANCERS, ("arn", "id"))
    for lb in resolved.targets:
        return lb.urn if is_application_lb(lb) else None
    return resolved.unmatched[0] if resolved.unmatched else None


ALB_HTTPS = StackValidationPolicy(
    name="alb-https",
    description=(
        "An internet-facing ALB serves HTTPS, and HTTP listeners (of any ALB with HTTPS) only redirect to HTTPS."
    ),
    validate=alb_https,
    severity=Severity.HIGH,
    remediation_steps=HTTPS_FIX,
    tags=["load-balancer", "security"],
)

# --- alb-waf (advisory-only) ------------------------------------------------------------------------

WAF_FIX = (
    "associate a regional WAF web ACL with the ALB (aws.wafv2.WebAclAssociation) whose rules include a "
    "rate-based rule per client IP (tierup: tierup:loadBalancer.waf: true and rateLimitPer5Minutes; "
    "LoadBalancerArgs.waf / rate_limit_per_5_minutes)"
)


def _has_rate_rule(acl: Any) -> bool | None:
    """Whether the web ACL has a rate-based rule in ``rules`` or ``ruleJson`` (``None``: can't tell)."""
    rules = get(acl.props, "rules")
    if rules is UNKNOWN:
        return None
    unknown = False
    for rule in elements(rules):
        statement = get(rule, "statement", "rateBasedStatement")
        if statement is UNKNOWN:
            unknown = True
        elif statement is not None:
            return True
    text = get(acl.props, "ruleJson")
    if text is UNKNOWN:
        return None
    if isinstance(text, str) and text.strip():
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = []
        for rule in parsed if isinstance(parsed, list) else []:
            if isinstance(rule, dict) and "RateBasedStatement" in (rule.get("Statement") or {}):
                return True
    return None if unknown else False


def alb_waf(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """An internet-facing ALB is associated with a WAF web ACL that has a rate-based rule."""
    model = StackModel(args.resources)
    guarded: dict[str, list[bool | None]] = {}
    for association in model.of((WEB_ACL_ASSOCIATION,)):
        albs = model.resolve(association, ("resourceArn",), LOAD_BALANCERS, ("arn", "id")).targets
        acls = model.resolve(association, ("webAclArn",), (WEB_ACL,), ("arn", "id"))
        # an ACL outside the stack (or not known yet) can't be read: it counts as guarding
        verdicts = [_has_rate_rule(acl) for acl in acls.targets] or [None]
        for alb in albs:
            guarded.setdefault(alb.urn, []).extend(verdicts)
    for alb in model.of(LOAD_BALANCERS):
        if not is_application_lb(alb) or not _internet_facing(alb):
            continue
        verdicts = guarded.get(alb.urn)
        if verdicts is None:
            problem = "it is internet-facing and no WAF web ACL is associated with it"
        elif any(v is not False for v in verdicts):
            continue
        else:
            problem = "its WAF web ACL has no rate-based rule, so one client can flood the application"
        report_violation(message(f"ALB '{alb.name}'", [problem], WAF_FIX), alb.urn)


ALB_WAF = StackValidationPolicy(
    name="alb-waf",
    description="An internet-facing ALB is associated with a WAF web ACL that has a rate-based rule.",
    validate=alb_waf,
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps=WAF_FIX,
    tags=["load-balancer", "security", "advisory-only"],
)

POLICIES = [
    ALB_DELETION_PROTECTION,
    ALB_DROP_INVALID_HEADERS,
    ALB_ACCESS_LOGS,
    ALB_HTTPS,
    TARGET_GROUP_HEALTH_CHECK,
    ALB_LISTENER_TLS_POLICY,
    ALB_WAF,
]
