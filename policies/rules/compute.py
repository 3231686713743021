"""Compute tier: launch templates (and launch configurations and bare instances) and Auto Scaling groups."""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from ._graph import StackModel, asg_load_balancing, asg_placement, is_nat
from ._secrets import is_secret
from ._util import (
    ASG,
    INSTANCE,
    LAUNCH_CONFIGURATION,
    LAUNCH_TEMPLATE,
    UNKNOWN,
    Findings,
    as_bool,
    as_int,
    as_str,
    config_int,
    config_list,
    decode_user_data,
    describe,
    elements,
    get,
    lower,
    message,
)

COMPUTE_TYPES = (LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, INSTANCE)
_KIND = {
    LAUNCH_TEMPLATE: "launch template",
    LAUNCH_CONFIGURATION: "launch configuration",
    INSTANCE: "instance",
}


def _subject(args: ResourceValidationArgs) -> str:
    return f"{_KIND.get(args.resource_type, 'resource')} '{args.name}'"


def _uses_launch_template(args: ResourceValidationArgs) -> bool:
    """An instance launched from a template inherits what it doesn't set; the template is checked."""
    return args.resource_type == INSTANCE and get(args.props, "launchTemplate") is not None


# --- launch-template-imdsv2 -----------------------------------------------------------------------

IMDSV2_FIX = (
    "set metadata_options={'http_tokens': 'required', 'http_put_response_hop_limit': 1} so only IMDSv2 "
    "session tokens can read instance credentials"
)


def launch_template_imdsv2(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Instance metadata requires IMDSv2 session tokens."""
    if args.resource_type not in COMPUTE_TYPES:
        return
    findings = Findings(_subject(args))
    options = get(args.props, "metadataOptions")
    if options is UNKNOWN:
        findings.unknown_at("metadataOptions")
    elif options is None:
        if not _uses_launch_template(args):
            findings.problem("metadataOptions is unset, so IMDSv1 stays enabled")
    elif lower(get(options, "httpEndpoint")) != "disabled":
        tokens = get(options, "httpTokens")
        if tokens is UNKNOWN:
            findings.unknown_at("metadataOptions.httpTokens")
        elif lower(tokens) != "required":
            findings.problem(f"metadataOptions.httpTokens is {describe(tokens)}, so IMDSv1 stays enabled")
    findings.emit(report_violation, IMDSV2_FIX)


LAUNCH_TEMPLATE_IMDSV2 = ResourceValidationPolicy(
    name="launch-template-imdsv2",
    description="Launch templates, launch configurations and instances require IMDSv2 (httpTokens 'required').",
    validate=launch_template_imdsv2,
    severity=Severity.HIGH,
    remediation_steps=IMDSV2_FIX,
    tags=["compute", "security"],
)

# --- launch-template-no-public-ip -----------------------------------------------------------------

NO_PUBLIC_IP_FIX = (
    "set associate_public_ip_address to false (launch templates: network_interfaces[].associate_public_ip_address="
    "'false'), launch into private subnets and reach instances through the load balancer or SSM"
)


def launch_template_no_public_ip(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """No network interface associates a public IP (NAT instances excepted)."""
    if args.resource_type not in COMPUTE_TYPES:
        return
    props = args.props
    findings = Findings(_subject(args))
    if args.resource_type == LAUNCH_TEMPLATE and is_nat(args):
        pass  # A NAT instance's template (tagged tierup:nat) needs a public address.
    elif args.resource_type == LAUNCH_TEMPLATE:
        for i, nic in enumerate(elements(get(props, "networkInterfaces"))):
            _check_public_ip(findings, get(nic, "associatePublicIpAddress"), f"networkInterfaces[{i}]")
    elif args.resource_type == INSTANCE and as_bool(get(props, "sourceDestCheck")) is False:
        pass  # A NAT instance forwards traffic for others and needs its public address.
    else:
        _check_public_ip(findings, get(props, "associatePublicIpAddress"), "")
    findings.emit(report_violation, NO_PUBLIC_IP_FIX)


def _check_public_ip(findings: Findings, value: Any, where: str) -> None:
    path = f"{where}.associatePublicIpAddress" if where else "associatePublicIpAddress"
    if value is UNKNOWN:
        findings.unknown_at(path)
    elif as_bool(value) is True:
        findings.problem(f"{path} is {describe(value)}")


LAUNCH_TEMPLATE_NO_PUBLIC_IP = ResourceValidationPolicy(
    name="launch-template-no-public-ip",
    description="Launch templates, launch configurations and instances associate no public IP address.",
    validate=launch_template_no_public_ip,
    severity=Severity.HIGH,
    remediation_steps=NO_PUBLIC_IP_FIX,
    tags=["compute", "security"],
)

# --- launch-template-encrypted-volumes ------------------------------------------------------------

ENCRYPTED_VOLUMES_FIX = (
    "set encrypted=true on every EBS block device (launch templates: block_device_mappings[].ebs.encrypted="
    "'true', optionally with kms_key_id); a gp3 root volume is the usual choice"
)


def launch_template_encrypted_volumes(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    """Every EBS block device that is declared is encrypted."""
    if args.resource_type not in COMPUTE_TYPES:
        return
    props = args.props
    findings = Findings(_subject(args))
    if args.resource_type == LAUNCH_TEMPLATE:
        for i, mapping in enumerate(elements(get(props, "blockDeviceMappings"))):
            ebs = get(mapping, "ebs")
            if ebs is UNKNOWN:
                findings.unknown_at(f"blockDeviceMappings[{i}].ebs")
            elif ebs is not None and as_bool(get(mapping, "noDevice")) is not True:
                _check_encrypted(findings, get(ebs, "encrypted"), f"blockDeviceMappings[{i}].ebs")
    else:
        root = get(props, "rootBlockDevice")
        if root is UNKNOWN:
            findings.unknown_at("rootBlockDevice")
        elif root is not None:
            _check_encrypted(findings, get(root, "encrypted"), "rootBlockDevice")
        for i, device in enumerate(elements(get(props, "ebsBlockDevices"))):
            if device is UNKNOWN:
                findings.unknown_at(f"ebsBlockDevices[{i}]")
            elif as_bool(get(device, "noDevice")) is not True:
                _check_encrypted(findings, get(device, "encrypted"), f"ebsBlockDevices[{i}]")
    findings.emit(report_violation, ENCRYPTED_VOLUMES_FIX)


def _check_encrypted(findings: Findings, value: Any, where: str) -> None:
    if value is UNKNOWN:
        findings.unknown_at(f"{where}.encrypted")
    elif as_bool(value) is not True:
        findings.problem(f"{where}.encrypted is {describe(value)}")


LAUNCH_TEMPLATE_ENCRYPTED_VOLUMES = ResourceValidationPolicy(
    name="launch-template-encrypted-volumes",
    description="Every EBS block device of a launch template, launch configuration or instance is encrypted.",
    validate=launch_template_encrypted_volumes,
    severity=Severity.MEDIUM,
    remediation_steps=ENCRYPTED_VOLUMES_FIX,
    tags=["compute", "security", "encryption"],
)

# --- no-secrets-in-user-data ----------------------------------------------------------------------

NO_SECRETS_FIX = (
    "keep secrets out of user data (any process on the instance, and anyone allowed "
    "ec2:DescribeInstanceAttribute, can read it): store them in Secrets Manager or SSM SecureString and "
    "fetch them at boot with the instance role, passing only the secret's ARN or parameter name"
)

_SECRET_WORDS = r"(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API[_-]?KEY|ACCESS[_-]?KEY|PRIVATE[_-]?KEY|CREDENTIALS?|AUTH)"
# KEY=value, or key: value (YAML) and "key": value (JSON). A word inside an ARN or a path
# ("arn:aws:secretsmanager:...") and "service:Action" strings are no assignments: hence the
# look-behind, and the space a colon needs after it.
_ASSIGNMENT = re.compile(
    rf"(?i)(?<![A-Za-z0-9_.:/-])(?P<key>[A-Za-z0-9_.-]*{_SECRET_WORDS}[A-Za-z0-9_.-]*)[\"']?\s*(?:=|:(?=\s))\s*"
    r"(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s\"'`;|&)]+)"
)
_FLAG = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])--?(?P<key>password|passwd|token|secret|api-key|auth-token|auth|requirepass)"
    r"(?:=|\s+)(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s\"'`;|&)]+)"
)
_DIRECTIVE = re.compile(r"(?im)^\s*(?P<key>requirepass|masterauth)\s+(?P<value>\S+)")
_TOKEN_FORMATS = (
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("a Stripe live key", re.compile(r"\b[rs]k_live_[A-Za-z0-9]{16,}")),
)
# Keys that name a secret rather than hold one (MY_SECRET_ARN=arn:..., TOKEN_TTL=300, ...).
_REFERENCE_KEY = re.compile(
    r"(?i)(?:_|-|\.|^)(?:ARN|NAME|ID|PATH|FILE|URL|URI|PARAM|PARAMETER|REF|ENDPOINT|HEADER|TTL|TIMEOUT|"
    r"LENGTH|SIZE|EXPIRY|EXPIRES|TYPE|REGION|ENABLED|MODE|VERSION|KEY_ID|SOURCE|HOST|PORT|USER|USERNAME)$"
)
_REFERENCE_VALUE = re.compile(
    r"(?i)^(?:\$|\{\{|%|<|@|/|~|arn:|ssm:|secretsmanager:|resolve:|file:|https?://|s3://|env:|vault:|"
    r"true$|false$|yes$|no$|none$|null$|nil$|required$|optional$|disabled$|enabled$|\d+$)"
)


def user_data_findings(text: str, ignore: list[re.Pattern[str]]) -> list[str]:
    """Lines of ``text`` that look like they carry a secret (values are never echoed)."""
    found: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if any(p.search(line) for p in ignore):
            continue
        for label, pattern in _TOKEN_FORMATS:
            if pattern.search(line):
                found.append(f"line {number} contains {label}")
        for pattern in (_ASSIGNMENT, _FLAG, _DIRECTIVE):
            for match in pattern.finditer(line):
                key, value = match.group("key"), match.group("value").strip("\"'")
                if _REFERENCE_KEY.search(key) or len(value) < 4 or _REFERENCE_VALUE.match(value):
                    continue
                found.append(f"line {number} sets {key} to a literal value")
    return list(dict.fromkeys(found))


def no_secrets_in_user_data(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """User data carries no password-, token- or secret-looking literal values and is no Pulumi secret."""
    if args.resource_type not in COMPUTE_TYPES:
        return
    ignore: list[re.Pattern[str]] = []
    for pattern in config_list(args, "ignorePatterns", []):
        try:
            ignore.append(re.compile(str(pattern)))
        except re.error:
            continue
    findings = Findings(_subject(args))
    sources = [("userData", args.resource_type == LAUNCH_TEMPLATE), ("userDataBase64", True)]
    for prop, encoded in sources:
        value = get(args.props, prop)
        if value is UNKNOWN:
            findings.unknown_at(prop)
            continue
        if is_secret(value):
            findings.problem(
                f"{prop} is a Pulumi secret: a secret value flowed into it, and user data is stored and "
                "shown in clear by EC2"
            )
            continue
        text = as_str(value)
        if not text:
            continue
        for finding in user_data_findings(decode_user_data(text, encoded), ignore):
            findings.problem(f"{prop} {finding}")
    findings.emit(report_violation, NO_SECRETS_FIX)


NO_SECRETS_IN_USER_DATA = ResourceValidationPolicy(
    name="no-secrets-in-user-data",
    description="User data carries no password-, token- or secret-looking values and is no Pulumi secret.",
    validate=no_secrets_in_user_data,
    severity=Severity.CRITICAL,
    remediation_steps=NO_SECRETS_FIX,
    config_schema=PolicyConfigSchema(
        properties={
            "ignorePatterns": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Regular expressions; user-data lines matching one are not inspected.",
            }
        }
    ),
    tags=["compute", "security", "secrets"],
)

# --- asg-multi-az -----------------------------------------------------------------------------------

MULTI_AZ_FIX = "set vpc_zone_identifiers to private subnets in at least two Availability Zones (one per AZ)"


def asg_multi_az(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Every ASG spans subnets in at least two AZs."""
    model = StackModel(args.resources)
    for asg in model.of(ASG):
        if is_nat(asg):
            continue  # a NAT instance's group serves one AZ by design
        try:
            where = asg_placement(model, asg)
        except UnknownValueError:
            continue
        single = where.declared == 1 or (where.complete and bool(where.declared) and len(where.azs) <= 1)
        if not single or len(where.azs) >= 2:
            continue
        spot = next(iter(where.azs), None)
        problem = f"it launches only in {spot}" if spot else "it launches into a single subnet"
        report_violation(message(f"ASG '{asg.name}'", [problem], MULTI_AZ_FIX), asg.urn)


ASG_MULTI_AZ = StackValidationPolicy(
    name="asg-multi-az",
    description="Auto Scaling groups span subnets in at least two Availability Zones.",
    validate=asg_multi_az,
    severity=Severity.HIGH,
    remediation_steps=MULTI_AZ_FIX,
    tags=["compute", "resilience"],
)

# --- asg-min-capacity -------------------------------------------------------------------------------

MIN_CAPACITY_FIX = (
    "raise min_size to at least {min} so one instance can fail (or be replaced) while others serve"
)


def asg_min_capacity(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """ASGs behind a load balancer keep at least ``minSize`` instances."""
    minimum = config_int(args, "minSize", 2)
    model = StackModel(args.resources)
    behind = asg_load_balancing(model)
    for asg in model.of(ASG):
        if behind.get(asg.urn) is not True:
            continue
        size = as_int(get(asg.props, "minSize"))
        if size is not None and size < minimum:
            problem = f"it serves a load balancer with minSize {size} (< {minimum})"
            report_violation(
                message(f"ASG '{asg.name}'", [problem], MIN_CAPACITY_FIX.format(min=minimum)), asg.urn
            )


ASG_MIN_CAPACITY = StackValidationPolicy(
    name="asg-min-capacity",
    description="Auto Scaling groups behind a load balancer keep at least two instances (configurable).",
    validate=asg_min_capacity,
    severity=Severity.HIGH,
    remediation_steps=MIN_CAPACITY_FIX.format(min="the configured minSize (2 by default)"),
    config_schema=PolicyConfigSchema(
        properties={
            "minSize": {
                "type": "integer",
                "minimum": 1,
                "default": 2,
                "description": "Smallest minSize allowed for an ASG that serves a load balancer.",
            }
        }
    ),
    tags=["compute", "resilience"],
)

# --- asg-elb-health-check ---------------------------------------------------------------------------

ELB_HEALTH_FIX = (
    "set health_check_type='ELB' so instances failing the load balancer's health check are replaced, and "
    "health_check_grace_period (e.g. 300 s) to cover boot and app start"
)


def asg_elb_health_check(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """ASGs in target groups use ELB health checks with a grace period."""
    minimum = config_int(args, "minGracePeriodSeconds", 1)
    model = StackModel(args.resources)
    behind = asg_load_balancing(model)
    for asg in model.of(ASG):
        if behind.get(asg.urn) is not True:
            continue
        problems: list[str] = []
        kind = get(asg.props, "healthCheckType")
        if kind is not UNKNOWN and lower(kind) != "elb":
            problems.append(f"healthCheckType is {describe(kind if kind is not None else 'EC2')}")
        grace = get(asg.props, "healthCheckGracePeriod")
        seconds = as_int(grace)
        if grace is not None and grace is not UNKNOWN and (seconds is None or seconds < minimum):
            problems.append(f"healthCheckGracePeriod is {describe(grace)} (< {minimum} s)")
        if problems:
            report_violation(message(f"ASG '{asg.name}'", problems, ELB_HEALTH_FIX), asg.urn)


ASG_ELB_HEALTH_CHECK = StackValidationPolicy(
    name="asg-elb-health-check",
    description="Auto Scaling groups in target groups use ELB health checks with a grace period.",
    validate=asg_elb_health_check,
    severity=Severity.MEDIUM,
    remediation_steps=ELB_HEALTH_FIX,
    config_schema=PolicyConfigSchema(
        properties={
            "minGracePeriodSeconds": {
                "type": "integer",
                "minimum": 0,
                "default": 1,
                "description": "Smallest healthCheckGracePeriod allowed (unset means the AWS default, 300 s).",
            }
        }
    ),
    tags=["compute", "resilience"],
)

POLICIES = [
    ASG_MULTI_AZ,
    ASG_MIN_CAPACITY,
    ASG_ELB_HEALTH_CHECK,
    LAUNCH_TEMPLATE_IMDSV2,
    LAUNCH_TEMPLATE_NO_PUBLIC_IP,
    LAUNCH_TEMPLATE_ENCRYPTED_VOLUMES,
    NO_SECRETS_IN_USER_DATA,
]
