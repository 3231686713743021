"""String formats of the stack config: each check raises ``ValueError`` with the reason users see, and
the same regex goes into the JSON Schema so editors flag the value too.

Also here: how values are shown in messages (:func:`show`, which never shows a secret) and the rules
for environment variables and secret-looking names.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, StringConstraints, WithJsonSchema

from tierup.aws_facts import AMI_ID, ENV_NAME

__all__ = [
    "AmiId",
    "CertificateArn",
    "DatabaseEngineVersion",
    "DatabaseInstanceClass",
    "DomainName",
    "Email",
    "EngineVersion",
    "HealthCheckPath",
    "HostPattern",
    "HostedZone",
    "HttpsUrl",
    "ImageUri",
    "InstanceType",
    "Ipv4Cidr",
    "NodeType",
    "NonEmptyStr",
    "PathPattern",
    "PulumiSecret",
    "Region",
    "ScheduleExpression",
    "SecretArn",
    "TierName",
    "Timezone",
    "show",
]


class PulumiSecret:
    """A leaf of the config that is a Pulumi secret (``secure:`` in the stack file). Its repr and
    :func:`show` never reveal the value; pydantic refuses it wherever a plain value is expected."""

    __slots__ = ("certain", "value")

    def __init__(self, value: Any, *, certain: bool = True) -> None:
        self.value = value
        self.certain = certain  # False: under a key marked secret whose secret leaves could not be told apart

    def __repr__(self) -> str:
        return "[secret]"

    __str__ = __repr__


@dataclass(frozen=True)
class Allowed:
    """How the generated reference describes a string format (kept in ``Annotated`` metadata)."""

    text: str


def show(value: Any) -> str:
    """A value as the user wrote it in YAML: strings quoted, booleans lowercase, long values cut;
    a Pulumi secret (or anything holding one) is never shown."""
    if holds_secret(value):
        return "a secret value"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, Mapping | list):
        text = json.dumps(value, default=str)
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def holds_secret(value: Any) -> bool:
    """True when ``value`` is, or contains, a :class:`PulumiSecret`."""
    if isinstance(value, PulumiSecret):
        return True
    if isinstance(value, Mapping):
        return any(holds_secret(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(holds_secret(v) for v in value)
    return False


def plain(value: Any) -> str:
    """A default as documentation shows it (strings unquoted)."""
    return value if isinstance(value, str) else show(value)


# ---------------------------------------------------------------------------------------------
# Patterns (also written into the JSON Schema).

_SIZE = r"(?:nano|micro|small|medium|large|xlarge|[1-9][0-9]*xlarge|metal(?:-[1-9][0-9]*xl)?)"
INSTANCE_TYPE_RE = rf"^[a-z][a-z0-9-]*\.{_SIZE}$"
NODE_TYPE_RE = rf"^cache\.[a-z][a-z0-9-]*\.{_SIZE}$"
DB_INSTANCE_CLASS_RE = rf"^db\.[a-z][a-z0-9-]*\.{_SIZE}$"
CIDR_RE = r"^([0-9]{1,3}\.){3}[0-9]{1,3}/(1[6-9]|2[0-3])$"
REGION_RE = r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$"
CERT_ARN_RE = r"^arn:aws(-[a-z]+)*:acm:([a-z]{2}(-[a-z]+)+-[0-9]{1,2}):[0-9]{12}:certificate/[A-Za-z0-9-]+$"
SECRET_ARN_RE = (
    r"^arn:aws(-[a-z]+)*:(secretsmanager:([a-z]{2}(-[a-z]+)+-[0-9]{1,2}):[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+"
    r"|ssm:([a-z]{2}(-[a-z]+)+-[0-9]{1,2}):[0-9]{12}:parameter/[A-Za-z0-9/_.-]+)$"
)
ENGINE_VERSION_RE = r"^[0-9]+\.([0-9]+|x)(\.[0-9]+)?$"
DB_ENGINE_VERSION_RE = r"^[0-9]+(\.[0-9]+){0,2}$"
ENV_NAME_RE = ENV_NAME.pattern
EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
HTTPS_URL_RE = r"^https://[^\s/?#@]+[^\s]*$"
HEALTH_PATH_RE = r"^/[^\s]*$"
TIER_NAME_RE = r"^[a-z][a-z0-9-]*$"
TIER_NAME_MAX = 20
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN_RE = rf"^(?=.{{1,253}}$)({_LABEL}\.)+[a-z]{{2,63}}$"
HOSTED_ZONE_RE = rf"^(Z[A-Z0-9]{{8,31}}|({_LABEL}\.)+[a-z]{{2,63}}\.?)$"
PATH_PATTERN_RE = r"^/[A-Za-z0-9_\-.$/~\"'@:+&*?]{0,127}$"
HOST_PATTERN_RE = r"^(?=.{1,128}$)[A-Za-z0-9*?-]+(\.[A-Za-z0-9*?-]+)+$"
SCHEDULE_RE = r"^(cron\([^()]+\)|rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\))$"
# Docker reference grammar (distribution/reference), ASCII only.
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_RE = (
    rf"^(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?/)?{_PATH_PART}(?:/{_PATH_PART})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)


# ---------------------------------------------------------------------------------------------
# Checks.


def check_cidr(value: str) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        raise ValueError(f"must be an IPv4 network like 10.0.0.0/16 (got {show(value)})") from None
    if "/" not in value:
        raise ValueError(f"needs a prefix length /16 to /23, like {value}/16")
    if not 16 <= network.prefixlen <= 23:
        raise ValueError(
            f"prefix must be between /16 and /23 (got /{network.prefixlen}); smaller VPCs give subnets"
            " too small for a load balancer"
        )
    if str(network) != value:
        raise ValueError(f"has host bits set; did you mean {network}? (got {show(value)})")
    return value


def check_instance_type(value: str) -> str:
    if re.fullmatch(INSTANCE_TYPE_RE, value):
        return value
    hint = ""
    if value.startswith("cache."):
        hint = "; that is an ElastiCache node type"
    elif value.startswith("db."):
        hint = "; that is an RDS instance class"
    raise ValueError(
        f"must be an EC2 instance type family.size, like t4g.small or m7g.2xlarge (got {show(value)}){hint}"
    )


def check_node_type(value: str) -> str:
    if re.fullmatch(NODE_TYPE_RE, value):
        return value
    raise ValueError(
        f"must be an ElastiCache node type starting with 'cache.', like cache.t4g.small (got {show(value)})"
    )


def check_db_instance_class(value: str) -> str:
    if re.fullmatch(DB_INSTANCE_CLASS_RE, value):
        return value
    hint = "; RDS instance classes start with 'db.'" if not value.startswith("db.") else ""
    raise ValueError(
        f"must be an RDS instance class like db.t4g.small or db.m7g.large (got {show(value)}){hint}"
    )


def check_region(value: str) -> str:
    if re.fullmatch(REGION_RE, value):
        return value
    raise ValueError(f"must be an AWS region like us-east-1 (got {show(value)})")


def check_certificate_arn(value: str) -> str:
    if re.fullmatch(CERT_ARN_RE, value):
        return value
    raise ValueError(
        "must be an ACM certificate ARN like arn:aws:acm:us-east-1:123456789012:certificate/<id>"
        f" (got {show(value)})"
    )


def check_ami_id(value: str) -> str:
    if AMI_ID.match(value):
        return value
    raise ValueError(
        f"must be an AMI id (ami-0123456789abcdef0) or resolve:ssm:<parameter> (got {show(value)})"
    )


def check_secret_arn(value: str) -> str:
    """A Secrets Manager secret or SSM parameter ARN. The value is never echoed: a string here that is
    not an ARN is most likely a secret pasted in plain text."""
    if re.fullmatch(SECRET_ARN_RE, value):
        return value
    raise ValueError(
        "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>),"
        " an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) or a Pulumi secret"
        " (pulumi config set --secret --path ...); a plain value here would be stored unencrypted"
    )


def check_image(value: str) -> str:
    if re.fullmatch(IMAGE_RE, value):
        return value
    raise ValueError(
        "must be a container image like 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"
        f" or ghcr.io/acme/web@sha256:<digest> (got {show(value)})"
    )


def check_engine_version(value: str) -> str:
    if re.fullmatch(ENGINE_VERSION_RE, value):
        return value
    raise ValueError(f"must be a version like 8.0 or 7.1 (got {show(value)})")


def check_db_engine_version(value: str) -> str:
    if re.fullmatch(DB_ENGINE_VERSION_RE, value):
        return value
    raise ValueError(f"must be a version like 16, 16.4 or 8.0.39 (got {show(value)})")


def check_health_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f"must start with '/' (got {show(value)})")
    if re.search(r"\s", value):
        raise ValueError(f"must not contain spaces (got {show(value)})")
    if len(value) > 1024:
        raise ValueError(f"must be at most 1024 characters (got {len(value)})")
    return value


def check_email(value: str) -> str:
    if re.fullmatch(EMAIL_RE, value):
        return value
    raise ValueError(f"must be an email address (got {show(value)})")


def check_https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or re.search(r"\s", value):
        raise ValueError(f"must be an https:// URL (got {show(value)})")
    return value


def check_tier_name(value: str) -> str:
    """Names of services, queues, worker pools and schedules: lowercase DNS labels of at most 20 chars."""
    if not re.fullmatch(TIER_NAME_RE, value):
        raise ValueError(
            f"names must be lowercase DNS labels: a letter, then letters, digits and '-' (got {show(value)})"
        )
    if len(value) > TIER_NAME_MAX:
        raise ValueError(f"names must be at most {TIER_NAME_MAX} characters (got {len(value)})")
    if value.endswith("-") or "--" in value:
        raise ValueError(f"names must not end with '-' or contain '--' (got {show(value)})")
    return value


def check_domain(value: str) -> str:
    if re.fullmatch(DOMAIN_RE, value):
        return value
    hint = "; write it in lowercase" if re.fullmatch(DOMAIN_RE, value.lower()) else ""
    raise ValueError(
        f"must be a fully qualified domain name like shop.example.com, without a trailing dot"
        f" (got {show(value)}){hint}"
    )


def check_hosted_zone(value: str) -> str:
    if re.fullmatch(HOSTED_ZONE_RE, value):
        return value
    raise ValueError(
        f"must be a Route 53 hosted zone name like example.com or a zone id like Z0123456789ABC (got {show(value)})"
    )


def check_path_pattern(value: str) -> str:
    """An ALB path-pattern condition value: starts with '/', ≤ 128 chars, wildcards * and ?."""
    if not value.startswith("/"):
        raise ValueError(f"must start with '/', like /api/* (got {show(value)})")
    if len(value) > 128:
        raise ValueError(f"must be at most 128 characters (got {len(value)})")
    if not re.fullmatch(PATH_PATTERN_RE, value):
        raise ValueError(
            "may contain only letters, digits, _ - . $ / ~ \" ' @ : + & and the wildcards * and ?"
            f" (got {show(value)})"
        )
    return value


def check_host_pattern(value: str) -> str:
    """An ALB host-header condition value: ≤ 128 chars of letters, digits, - . and wildcards, one dot."""
    if not re.fullmatch(HOST_PATTERN_RE, value):
        raise ValueError(
            "must be a host name like api.example.com or *.example.com (letters, digits, '-', '.',"
            f" wildcards * and ?; at most 128 characters) (got {show(value)})"
        )
    return value


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_CRON_FIELDS = (  # name, range, names, extra characters allowed
    ("minutes", (0, 59), {}, ""),
    ("hours", (0, 23), {}, ""),
    ("day-of-month", (1, 31), {}, "?LW"),
    (
        "month",
        (1, 12),
        {m: i + 1 for i, m in enumerate(_MONTHS)},
        "",
    ),
    ("day-of-week", (1, 7), {d: i + 1 for i, d in enumerate(_DAYS)}, "?L#"),
    ("year", (1970, 2199), {}, ""),
)


def _cron_value(text: str, low: int, high: int, names: Mapping[str, int]) -> int | None:
    number = names.get(text.upper()) if text.isalpha() else int(text) if text.isdigit() else None
    return number if number is not None and low <= number <= high else None


def _check_cron_field(
    text: str, name: str, bounds: tuple[int, int], names: Mapping[str, int], extra: str
) -> None:
    low, high = bounds
    bad = f"cron {name} field {text!r} is not valid"
    if text in ("*", "?") and (text == "*" or "?" in extra):
        return
    if name == "day-of-month" and re.fullmatch(r"(L|LW|[0-9]{1,2}W|L-[0-9]{1,2})", text):
        return
    if name == "day-of-week" and re.fullmatch(r"([1-7]|[A-Za-z]{3})(L|#[1-5])", text):
        return
    for item in text.split(","):
        base, _, step = item.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            raise ValueError(f"{bad} (step {step!r})")
        if base == "*" or (step and base.isdigit() and _cron_value(base, low, high, names) is not None):
            continue
        start, dash, end = base.partition("-")
        if _cron_value(start, low, high, names) is None or (
            dash and _cron_value(end, low, high, names) is None
        ):
            raise ValueError(f"{bad}; values are {low}-{high}")
    return


def check_schedule(value: str) -> str:
    """``cron(min hour day-of-month month day-of-week year)`` or ``rate(N unit)`` as EventBridge Scheduler takes them."""
    rate = re.fullmatch(r"rate\((\d+) ([a-z]+)\)", value)
    if rate:
        count, unit = int(rate.group(1)), rate.group(2)
        if count < 1:
            raise ValueError("rate must be at least 1")
        singular = unit.rstrip("s")
        if singular not in ("minute", "hour", "day"):
            raise ValueError(f"rate unit must be minute(s), hour(s) or day(s) (got {unit!r})")
        if (count == 1) != (unit == singular):
            want = singular if count == 1 else singular + "s"
            raise ValueError(f"write rate({count} {want}): EventBridge wants the singular only for 1")
        return value
    cron = re.fullmatch(r"cron\((.+)\)", value)
    if cron is None:
        raise ValueError(
            "must be cron(minutes hours day-of-month month day-of-week year) or rate(N minutes|hours|days),"
            f" e.g. cron(0 3 * * ? *) or rate(5 minutes) (got {show(value)})"
        )
    parts = cron.group(1).split()
    if len(parts) != 6:
        raise ValueError(
            f"cron needs 6 fields: minutes hours day-of-month month day-of-week year (got {len(parts)}),"
            " e.g. cron(0 3 * * ? *)"
        )
    for text, (name, bounds, names, extra) in zip(parts, _CRON_FIELDS, strict=True):
        _check_cron_field(text, name, bounds, names, extra)
    if (parts[2] == "?") == (parts[4] == "?"):
        raise ValueError(
            "cron needs '?' in exactly one of day-of-month and day-of-week, e.g. cron(0 3 * * ? *)"
        )
    return value


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(value: str) -> str:
    if value in _timezones():
        return value
    close = [tz for tz in _timezones() if tz.lower() == value.lower()]
    hint = f"; did you mean {close[0]}?" if close else ""
    raise ValueError(f"must be an IANA time zone like UTC or Europe/Paris (got {show(value)}){hint}")


def string(check: Any, pattern: str, allowed: str, **schema: Any) -> Any:
    """A string type checked by ``check``, with ``pattern`` in its JSON Schema."""
    return Annotated[
        str,
        AfterValidator(check),
        WithJsonSchema({"type": "string", "pattern": pattern, **schema}),
        Allowed(allowed),
    ]


Ipv4Cidr = string(check_cidr, CIDR_RE, "IPv4 CIDR, /16 to /23")
InstanceType = string(check_instance_type, INSTANCE_TYPE_RE, "EC2 `family.size`, e.g. `t4g.small`")
NodeType = string(check_node_type, NODE_TYPE_RE, "`cache.` + family.size, e.g. `cache.t4g.small`")
DatabaseInstanceClass = string(
    check_db_instance_class, DB_INSTANCE_CLASS_RE, "`db.` + family.size, e.g. `db.t4g.small`"
)
Region = string(check_region, REGION_RE, "AWS region, e.g. `eu-west-1`")
CertificateArn = string(check_certificate_arn, CERT_ARN_RE, "ACM certificate ARN in the stack's region")
AmiId = string(check_ami_id, AMI_ID.pattern, "`ami-` + 8 to 17 hex digits, or `resolve:ssm:<parameter>`")
SecretArn = string(check_secret_arn, SECRET_ARN_RE, "Secrets Manager secret or SSM parameter ARN")
ImageUri = string(check_image, IMAGE_RE, "container image `[registry/]repo[:tag][@digest]`")
EngineVersion = string(check_engine_version, ENGINE_VERSION_RE, "`major.minor`, e.g. `8.0`")
DatabaseEngineVersion = string(
    check_db_engine_version, DB_ENGINE_VERSION_RE, "major or full version, e.g. `16`, `16.4`, `8.0.39`"
)
HealthCheckPath = string(check_health_path, HEALTH_PATH_RE, "starts with `/`", maxLength=1024)
Email = string(check_email, EMAIL_RE, "email address", format="email")
HttpsUrl = string(check_https_url, HTTPS_URL_RE, "`https://` URL", format="uri")
TierName = string(
    check_tier_name, TIER_NAME_RE, "lowercase DNS label, ≤ 20 characters", maxLength=TIER_NAME_MAX
)
DomainName = string(check_domain, DOMAIN_RE, "fully qualified domain name, e.g. `shop.example.com`")
HostedZone = string(check_hosted_zone, HOSTED_ZONE_RE, "Route 53 zone name or id")
PathPattern = string(check_path_pattern, PATH_PATTERN_RE, "ALB path pattern, e.g. `/api/*`", maxLength=128)
HostPattern = string(check_host_pattern, HOST_PATTERN_RE, "ALB host pattern, e.g. `api.example.com`")
ScheduleExpression = string(check_schedule, SCHEDULE_RE, "`cron(...)` (6 fields) or `rate(N unit)`")
Timezone = string(check_timezone, r"^[A-Za-z0-9_+\-/]+$", "IANA time zone, e.g. `Europe/Paris`")
NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]


# ---------------------------------------------------------------------------------------------
# Environment variables: names, values, and names that look like secrets.

SECRET_WORD = re.compile(
    r"^[A-Z0-9]*(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|APIKEY|PRIVATEKEY)S?$"
)
SECRET_PAIRS = frozenset(
    {"API_KEY", "PRIVATE_KEY", "ACCESS_KEY", "SECRET_KEY", "AUTH_KEY", "SIGNING_KEY", "ENCRYPTION_KEY"}
)
REFERENCE_SUFFIXES = frozenset({
    "ARN", "NAME", "PARAM", "PARAMETER", "PATH", "FILE", "ID", "URL", "URI", "ENDPOINT",
    "TTL", "TIMEOUT", "EXPIRY", "EXPIRES", "LENGTH", "HEADER", "REGION",
})  # fmt: skip
SECRET_VALUES = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@\s]*:[^/@\s]+@"), "a password in a URL"),
)
#: Environment variables tierup sets itself (the connection contract); ``*_QUEUE_URL`` too.
RESERVED_ENV = frozenset({
    "QUEUE_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_TLS", "REDIS_AUTH_TOKEN", "DATABASE_HOST",
    "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER", "DATABASE_PASSWORD", "DATABASE_URL",
    "DATABASE_SECRET_ARN",
})  # fmt: skip
#: Total size of one tier's plain env (names and values): it travels in user data, limited to 16 KB.
ENV_MAX_BYTES = 8192


def secret_looking(key: str) -> bool:
    """True for names like DB_PASSWORD, STRIPE_API_KEY, GITHUB_TOKEN; not for DB_PASSWORD_SECRET_ARN."""
    words = key.upper().split("_")
    hits = [i for i, word in enumerate(words) if SECRET_WORD.match(word)]
    hits += [i + 1 for i in range(len(words) - 1) if f"{words[i]}_{words[i + 1]}" in SECRET_PAIRS]
    if not hits:
        return False
    return not (words[-1] in REFERENCE_SUFFIXES and max(hits) < len(words) - 1)


def reserved_env(key: str) -> bool:
    """True for the names tierup sets itself (``REDIS_HOST``, ``EMAILS_QUEUE_URL``, ...)."""
    return key in RESERVED_ENV or key.endswith("_QUEUE_URL")
