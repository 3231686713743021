"""String formats, choices and types: what each field accepts and the reason it gives otherwise."""

from __future__ import annotations

import pytest

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"
PREFIX = "stacks/Pulumi.test.yaml: "


def _app(**fields: object) -> dict[str, object]:
    """``tierup:services`` with one service ``web`` (an ECR image unless given)."""
    return {"web": {"image": IMAGE, **fields}}


def _pool(**fields: object) -> dict[str, object]:
    """``tierup:queues`` and ``tierup:workers`` with one pool ``jobs`` on queue ``jobs``."""
    return {"queues": {"jobs": {}}, "workers": {"jobs": {"queue": "jobs", **fields}}}


@pytest.mark.parametrize(
    "value",
    ["t4g.small", "m7g.2xlarge", "c6in.large", "t3.nano", "u-6tb1.112xlarge", "m7i-flex.large", "c7g.metal"],
)
def test_instance_types_accepted(load, value):
    assert load("dev", services=_app(instanceType=value)).services["web"].instance_type == value
    assert load("dev", **_pool(instanceType=value)).workers["jobs"].instance_type == value


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("t4g", ""),
        ("T4g.small", ""),
        ("t4g.huge", ""),
        ("t4g.small ", ""),
        ("cache.t4g.small", "; that is an ElastiCache node type"),
    ],
)
def test_instance_types_refused(error, value, hint):
    reason = f"must be an EC2 instance type family.size, like t4g.small or m7g.2xlarge (got {value!r}){hint}"
    assert (
        error("dev", services=_app(instanceType=value))
        == f"{PREFIX}tierup:services.web.instanceType: {reason}"
    )


@pytest.mark.parametrize("value", ["cache.t4g.micro", "cache.r7g.xlarge", "cache.m6g.large"])
def test_node_types_accepted(load, value):
    assert load("dev", redis={"nodeType": value}).redis.node_type == value


@pytest.mark.parametrize("value", ["t4g.small", "cache.t4g", "elasticache.t4g.small"])
def test_node_types_refused(error, value):
    assert error("dev", redis={"nodeType": value}) == (
        f"{PREFIX}tierup:redis.nodeType: must be an ElastiCache node type starting with 'cache.',"
        f" like cache.t4g.small (got {value!r})"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("10.0.0.0", "needs a prefix length /16 to /23, like 10.0.0.0/16"),
        ("10.0.0.1/16", "has host bits set; did you mean 10.0.0.0/16? (got '10.0.0.1/16')"),
        ("10.0.0.0/33", "must be an IPv4 network like 10.0.0.0/16 (got '10.0.0.0/33')"),
        ("fd00::/48", "must be an IPv4 network like 10.0.0.0/16 (got 'fd00::/48')"),
        ("vpc", "must be an IPv4 network like 10.0.0.0/16 (got 'vpc')"),
    ],
)
def test_cidr_refused(error, value, reason):
    assert error("dev", network={"cidr": value}) == f"{PREFIX}tierup:network.cidr: {reason}"


@pytest.mark.parametrize(
    "value",
    [
        "nginx",
        "nginx:1.27",
        "library/nginx:1.27-alpine",
        "ghcr.io/acme/web@sha256:" + "a" * 64,
        "ghcr.io/acme/web:v2@sha256:" + "0" * 64,
        "localhost:5000/web:dev",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web:1.4.2",
        "public.ecr.aws/docker/library/redis:7",
    ],
)
def test_images_accepted(load, value):
    assert load("dev", services=_app(image=value)).services["web"].image == value


@pytest.mark.parametrize(
    "value", ["Nginx", "nginx:", "web:tag with space", "https://ghcr.io/acme/web", "", "a//b"]
)
def test_images_refused(error, value):
    assert error("dev", services=_app(image=value)).startswith(
        f"{PREFIX}tierup:services.web.image: must be a container image like "
    )


def test_build_needs_a_context(load, error):
    def build(**fields: object) -> dict[str, object]:
        return {"web": {"build": fields}}

    assert error("dev", services=build()) == f"{PREFIX}tierup:services.web.build.context: required"
    assert (
        error("dev", services=build(context=""))
        == f"{PREFIX}tierup:services.web.build.context: must not be empty"
    )
    assert error("dev", services=build(context=".", dockerfile="")) == (
        f"{PREFIX}tierup:services.web.build.dockerfile: must not be empty"
    )
    assert load("dev", services=build(context="app")).services["web"].build.dockerfile == "Dockerfile"


@pytest.mark.parametrize(
    ("path", "ok"), [("/", True), ("/healthz?full=1", True), ("health", False), ("/a b", False)]
)
def test_health_check_path(load, error, path, ok):
    if ok:
        assert load("dev", services=_app(healthCheckPath=path)).services["web"].health_check_path == path
    else:
        assert error("dev", services=_app(healthCheckPath=path)).startswith(
            f"{PREFIX}tierup:services.web.healthCheckPath: must "
        )


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/abc-123",
    ],
)
def test_certificate_arns_accepted(load, arn):
    region = arn.split(":")[3]
    assert (
        load("prod", region=region, loadBalancer={"certificateArn": arn}).load_balancer.certificate_arn == arn
    )


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:server-certificate/web",
        "arn:aws:acm:us-east-1:12345:certificate/abc",
        "arn:aws:acm:us-east-1:123456789012:certificate/",
        "certificate",
    ],
)
def test_certificate_arns_refused(error, arn):
    assert error("prod", loadBalancer={"certificateArn": arn}) == (
        f"{PREFIX}tierup:loadBalancer.certificateArn: must be an ACM certificate ARN like"
        f" arn:aws:acm:us-east-1:123456789012:certificate/<id> (got {arn!r})"
    )


@pytest.mark.parametrize(
    "region", ["us-east-1", "eu-central-2", "ap-southeast-5", "us-gov-west-1", "il-central-1"]
)
def test_regions_accepted(load, region):
    assert load("dev", region=region).region == region


@pytest.mark.parametrize("region", ["useast1", "US-EAST-1", "us-east", ""])
def test_regions_refused(error, region):
    assert (
        error("dev", region=region)
        == f"{PREFIX}aws:region: must be an AWS region like us-east-1 (got {region!r})"
    )


@pytest.mark.parametrize(
    ("section", "key", "choices", "bad"),
    [
        ("network", "nat", ["per-az", "single", "instance", "instance-per-az", "none"], "multi"),
        ("redis", "engine", ["valkey", "redis"], "memcached"),
        (
            "redis",
            "maxmemoryPolicy",
            [
                "volatile-lru",
                "allkeys-lru",
                "volatile-lfu",
                "allkeys-lfu",
                "volatile-random",
                "allkeys-random",
                "volatile-ttl",
                "noeviction",
            ],
            "lru",
        ),
    ],
)
def test_choices(load, error, section, key, choices, bad):
    for choice in choices:
        assert load("dev", **{section: {key: choice}}).model_dump(by_alias=True)[section][key] == choice
    assert error("dev", **{section: {key: bad}}) == (
        f"{PREFIX}tierup:{section}.{key}: must be one of {', '.join(choices)} (got {bad!r})"
    )


@pytest.mark.parametrize("environment", ["Prod", "production", "test"])
def test_environment_choices(error, environment):
    assert (
        error(environment)
        == f"{PREFIX}tierup:environment: must be one of dev, staging, prod (got {environment!r})"
    )


@pytest.mark.parametrize("version", ["6.2", "6.x", "5.0.6", "7.1"])
def test_engine_versions_accepted(load, version):
    assert load("dev", redis={"engine": "redis", "engineVersion": version}).redis.engine_version == version


@pytest.mark.parametrize("version", ["latest", "8", "v8.0", "8.0.0.1"])
def test_engine_versions_refused(error, version):
    assert error("dev", redis={"engineVersion": version}) == (
        f"{PREFIX}tierup:redis.engineVersion: must be a version like 8.0 or 7.1 (got {version!r})"
    )


@pytest.mark.parametrize(
    ("section", "key", "value", "reason"),
    [
        ("services", "port", "http", "must be a whole number (got 'http')"),
        ("services", "port", 80.5, "must be a whole number (got 80.5)"),
        ("network", "flowLogs", "maybe", "must be true or false (got 'maybe')"),
        ("alarms", "latencyP99Seconds", "fast", "must be a number (got 'fast')"),
        ("alarms", "emails", "ops@example.com", "must be a list (got 'ops@example.com')"),
        ("services", "env", ["A=1"], 'must be a mapping of keys to values (got ["A=1"])'),
        ("services", "build", "Dockerfile", "must be a mapping of keys to values (got 'Dockerfile')"),
    ],
)
def test_wrong_types(error, section, key, value, reason):
    sections = {section: _app(**{key: value}) if section == "services" else {key: value}}
    where = f"{section}.web" if section == "services" else section
    assert error("dev", **sections) == f"{PREFIX}tierup:{where}.{key}: {reason}"


def test_lax_scalars_from_pulumi_config_set(load):
    """``pulumi config set --path`` may store numbers and booleans as strings."""
    settings = load("dev", services=_app(port="3000"), network={"flowLogs": "true"})
    assert (settings.services["web"].port, settings.network.flow_logs) == (3000, True)


def test_command(load, error):
    assert load("dev", **_pool(command=["rake", "jobs:work"])).workers["jobs"].command == [
        "rake",
        "jobs:work",
    ]
    assert error("dev", **_pool(command=[])) == f"{PREFIX}tierup:workers.jobs.command: must not be empty"
    assert error("dev", **_pool(command=["a", ""])) == (
        f"{PREFIX}tierup:workers.jobs.command[1]: must not be empty"
    )
    assert error("dev", **_pool(command=["sleep", 5])) == (
        f"{PREFIX}tierup:workers.jobs.command[1]: must be a string (got 5)"
    )


@pytest.mark.parametrize("email", ["ops@example.com", "a.b+alerts@sub.example.co.uk"])
def test_emails_accepted(load, email):
    assert load("dev", alarms={"emails": [email]}).alarms.emails == [email]


@pytest.mark.parametrize("email", ["ops", "ops@example", "ops @example.com", "@example.com"])
def test_emails_refused(error, email):
    assert error("dev", alarms={"emails": ["ok@example.com", email]}) == (
        f"{PREFIX}tierup:alarms.emails[1]: must be an email address (got {email!r})"
    )


@pytest.mark.parametrize(
    "url", ["http://hooks.example.com/x", "https://", "hooks.example.com", "https://a b.com/"]
)
def test_webhooks_refused(error, url):
    assert error("dev", alarms={"webhooks": [url]}) == (
        f"{PREFIX}tierup:alarms.webhooks[0]: must be an https:// URL (got {url!r})"
    )


def test_duplicates_refused(error):
    assert error("dev", alarms={"emails": ["a@example.com", "A@example.com"]}) == (
        f"{PREFIX}tierup:alarms.emails[1]: is listed twice ('A@example.com')"
    )
    assert error("dev", alarms={"webhooks": ["https://x.io/a", "https://x.io/a"]}) == (
        f"{PREFIX}tierup:alarms.webhooks[1]: is listed twice ('https://x.io/a')"
    )


# --- env: plain strings only, and never secrets ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "RAILS_ENV",
        "_private",
        "PORT2",
        "DB_PASSWORD_SECRET_ARN",
        "API_TOKEN_PARAMETER",
        "SECRET_NAME",
        "OAUTH_TOKEN_URL",
        "AWS_ACCESS_KEY_ID",
        "TOKENIZER_MODEL",
        "SECRETARY_EMAIL",
        "KEYCLOAK_REALM",
    ],
)
def test_env_names_accepted(load, name):
    assert load("dev", services=_app(env={name: "x"})).services["web"].env == {name: "x"}


@pytest.mark.parametrize(
    "name",
    [
        "DB_PASSWORD",
        "db_password",
        "PASSWORD",
        "SMTP_PASSWD",
        "SECRET_KEY_BASE",
        "DJANGO_SECRET_KEY",
        "GITHUB_TOKEN",
        "GITHUBTOKEN",
        "SESSION_TOKENS",
        "STRIPE_API_KEY",
        "OPENAI_APIKEY",
        "JWT_PRIVATE_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "GOOGLE_CREDENTIALS",
        "ENCRYPTION_KEY",
        "SECRET_ARN_VALUE",
    ],
)
def test_secret_looking_env_names_refused(error, name):
    message = error("dev", services=_app(env={"RAILS_ENV": "production", name: "hunter2"}))
    assert message.startswith(
        f"{PREFIX}tierup:services.web.env.{name}: looks like a secret; move it to secrets.{name} (a Secrets Manager"
        " or SSM parameter ARN, or a Pulumi secret); plain config is not encrypted"
    )
    assert "hunter2" not in message


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("postgres://app:hunter2@db.internal:5432/app", "a password in a URL"),
        ("redis://:hunter2@cache.internal:6379", "a password in a URL"),
        ("AKIAIOSFODNN7EXAMPLE", "an AWS access key"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE...", "a private key"),
    ],
)
def test_secret_values_refused(error, value, what):
    assert error("dev", services=_app(env={"LEGACY_DB_URL": value})) == (
        f"{PREFIX}tierup:services.web.env.LEGACY_DB_URL: contains {what}; move it to secrets.LEGACY_DB_URL (a Secrets"
        " Manager or SSM parameter ARN, or a Pulumi secret); plain config is not encrypted"
    )


def test_url_without_password_accepted(load):
    assert (
        load("dev", services=_app(env={"LEGACY_DB_URL": "postgres://app@db.internal/app"}))
        .services["web"]
        .env
    )


@pytest.mark.parametrize("name", ["1ST", "MY-VAR", "A B", ""])
def test_env_names_refused(error, name):
    assert error("dev", services=_app(env={name: "x"})) == (
        f"{PREFIX}tierup:services.web.env.{name}: must be an environment variable name: letters, digits and _,"
        " not starting with a digit"
    )


@pytest.mark.parametrize(("value", "shown"), [(8080, "8080"), (True, "true"), (None, "null")])
def test_env_values_must_be_strings(error, value, shown):
    assert error("dev", services=_app(env={"PORT": value})) == (
        f"{PREFIX}tierup:services.web.env.PORT: must be a string (got {shown}); quote it in YAML"
    )


# --- revision 2: names, routes, domains, schedules, database ------------------------------------------------


@pytest.mark.parametrize("name", ["web", "api-v2", "a", "x" * 20, "images2"])
def test_tier_names_accepted(load, name):
    assert list(load("dev", services={name: {"image": IMAGE}}).services) == [name]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Web", "names must be lowercase DNS labels: a letter, then letters, digits and '-' (got 'Web')"),
        ("2web", "names must be lowercase DNS labels: a letter, then letters, digits and '-' (got '2web')"),
        (
            "web_api",
            "names must be lowercase DNS labels: a letter, then letters, digits and '-' (got 'web_api')",
        ),
        ("x" * 21, "names must be at most 20 characters (got 21)"),
        ("web-", "names must not end with '-' or contain '--' (got 'web-')"),
        ("a--b", "names must not end with '-' or contain '--' (got 'a--b')"),
    ],
)
@pytest.mark.parametrize("section", ["services", "queues", "workers", "schedules"])
def test_tier_names_refused(error, section, name, reason):
    entry = {
        "services": {"image": IMAGE},
        "queues": {},
        "workers": {"queue": "jobs"},
        "schedules": {"schedule": "rate(1 day)", "queue": "jobs"},
    }[section]
    sections = {"queues": {"jobs": {}}} if section != "queues" else {}
    sections[section] = {name: entry}
    assert error("dev", **sections) == f"{PREFIX}tierup:{section}.{name}: {reason}"


@pytest.mark.parametrize("path", ["/*", "/api/*", "/img/??.png", "/a-b_c.d/$x~y'z\"@:+&"])
def test_path_patterns_accepted(load, path):
    assert load("dev", services=_app(routes={"paths": [path]})).services["web"].routes.paths == [path]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("api/*", "must start with '/', like /api/* (got 'api/*')"),
        ("/" + "a" * 128, "must be at most 128 characters (got 129)"),
        ("/a b", "may contain only letters, digits"),
        ("/a#b", "may contain only letters, digits"),
    ],
)
def test_path_patterns_refused(error, path, reason):
    message = error("dev", services=_app(routes={"paths": [path]}))
    assert message.startswith(f"{PREFIX}tierup:services.web.routes.paths[0]: {reason}")


@pytest.mark.parametrize(
    "host", ["api.example.com", "*.example.com", "api-?.shop.example.com", "API.Example.COM"]
)
def test_host_patterns_accepted(load, host):
    assert load("dev", services=_app(routes={"hosts": [host]})).services["web"].routes.hosts == [host]


@pytest.mark.parametrize(
    "host", ["localhost", "api example.com", "api.example.com/", "a_b.example.com", "x" * 125 + ".com"]
)
def test_host_patterns_refused(error, host):
    assert error("dev", services=_app(routes={"hosts": [host]})).startswith(
        f"{PREFIX}tierup:services.web.routes.hosts[0]: must be a host name like api.example.com"
    )


@pytest.mark.parametrize("domain", ["shop.example.com", "example.co.uk", "a-b.c.io", "xn--bcher-kva.example"])
def test_domains_accepted(load, domain):
    assert load("dev", loadBalancer={"domain": domain}).load_balancer.domain == domain


@pytest.mark.parametrize(
    ("domain", "hint"),
    [
        ("shop", ""),
        ("https://shop.example.com", ""),
        ("shop.example.com.", ""),
        ("-shop.example.com", ""),
        ("Shop.Example.com", "; write it in lowercase"),
        ("*.example.com", ""),
    ],
)
def test_domains_refused(error, domain, hint):
    assert error("dev", loadBalancer={"domain": domain}) == (
        f"{PREFIX}tierup:loadBalancer.domain: must be a fully qualified domain name like shop.example.com,"
        f" without a trailing dot (got {domain!r}){hint}"
    )


@pytest.mark.parametrize("zone", ["zone", "Z01", "z0123"])
def test_hosted_zones_refused(error, zone):
    assert error("dev", loadBalancer={"domain": "shop.example.com", "hostedZone": zone}).startswith(
        f"{PREFIX}tierup:loadBalancer.hostedZone: must be a Route 53 hosted zone name like example.com or a zone id"
    )


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "cron(0 3 * * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(0 9 ? * MON-FRI *)",
        "cron(30 2 1,15 * ? 2027)",
        "cron(0 12 L * ? *)",
        "cron(0 8 ? * 2#1 *)",
        "cron(0 0 ? JAN-MAR 6L *)",
        "cron(15 10 15W * ? *)",
    ],
)
def test_schedule_expressions_accepted(load, expression):
    schedules = {"s": {"schedule": expression, "queue": "jobs"}}
    assert load("dev", queues={"jobs": {}}, schedules=schedules).schedules["s"].schedule == expression


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        (
            "every day",
            "must be cron(minutes hours day-of-month month day-of-week year) or rate(N minutes|hours|days)",
        ),
        ("rate(0 minutes)", "rate must be at least 1"),
        ("rate(1 minutes)", "write rate(1 minute): EventBridge wants the singular only for 1"),
        ("rate(5 minute)", "write rate(5 minutes): EventBridge wants the singular only for 1"),
        ("rate(2 weeks)", "rate unit must be minute(s), hour(s) or day(s) (got 'weeks')"),
        ("cron(0 3 * * *)", "cron needs 6 fields: minutes hours day-of-month month day-of-week year (got 5)"),
        ("cron(0 3 * * * *)", "cron needs '?' in exactly one of day-of-month and day-of-week"),
        ("cron(0 3 ? * ? *)", "cron needs '?' in exactly one of day-of-month and day-of-week"),
        ("cron(60 3 * * ? *)", "cron minutes field '60' is not valid; values are 0-59"),
        ("cron(0 24 * * ? *)", "cron hours field '24' is not valid; values are 0-23"),
        ("cron(0 3 32 * ? *)", "cron day-of-month field '32' is not valid; values are 1-31"),
        ("cron(0 3 ? FOO * *)", "cron month field 'FOO' is not valid; values are 1-12"),
        ("cron(0 3 ? * 8 *)", "cron day-of-week field '8' is not valid; values are 1-7"),
        ("cron(0 3 * * ? 1969)", "cron year field '1969' is not valid; values are 1970-2199"),
        ("cron(0/0 3 * * ? *)", "cron minutes field '0/0' is not valid (step '0')"),
    ],
)
def test_schedule_expressions_refused(error, expression, reason):
    schedules = {"s": {"schedule": expression, "queue": "jobs"}}
    assert error("dev", queues={"jobs": {}}, schedules=schedules).startswith(
        f"{PREFIX}tierup:schedules.s.schedule: {reason}"
    )


def test_timezones(load, error):
    def schedules(timezone: str) -> dict[str, object]:
        return {
            "queues": {"jobs": {}},
            "schedules": {"s": {"schedule": "rate(1 day)", "queue": "jobs", "timezone": timezone}},
        }

    for timezone in ("UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Asia/Kolkata"):
        assert load("dev", **schedules(timezone)).schedules["s"].timezone == timezone
    assert error("dev", **schedules("Mars/Olympus")) == (
        f"{PREFIX}tierup:schedules.s.timezone: must be an IANA time zone like UTC or Europe/Paris (got 'Mars/Olympus')"
    )
    assert error("dev", **schedules("europe/paris")).endswith("; did you mean Europe/Paris?")


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ([1, 2], "must be a JSON object (a mapping), e.g. {job: nightly-digest} (got [1, 2])"),
        ("digest", "must be a JSON object (a mapping), e.g. {job: nightly-digest} (got 'digest')"),
        (
            {"day": __import__("datetime").date(2026, 1, 1)},
            "must be JSON: quote dates and other non-JSON values in YAML",
        ),
        ({"x": "y" * 9000}, "is 9009 characters as JSON; EventBridge Scheduler takes at most 8192"),
    ],
)
def test_schedule_messages_are_json_objects(error, load, message, reason):
    schedules = {"s": {"schedule": "rate(1 day)", "queue": "jobs", "message": message}}
    assert (
        error("dev", queues={"jobs": {}}, schedules=schedules)
        == f"{PREFIX}tierup:schedules.s.message: {reason}"
    )
    nested = {"job": "digest", "options": {"since": "24h", "limit": 100, "dry": False}, "to": ["a", "b"]}
    schedules = {"s": {"schedule": "rate(1 day)", "queue": "jobs", "message": nested}}
    assert load("dev", queues={"jobs": {}}, schedules=schedules).schedules["s"].message == nested


@pytest.mark.parametrize("value", ["db.t4g.micro", "db.m7g.large", "db.r6gd.4xlarge", "db.x2g.16xlarge"])
def test_database_instance_classes_accepted(load, value):
    assert load("dev", database={"instanceClass": value}).database.instance_class == value


@pytest.mark.parametrize(
    ("value", "hint"), [("t4g.small", "; RDS instance classes start with 'db.'"), ("db.t4g", "")]
)
def test_database_instance_classes_refused(error, value, hint):
    assert error("dev", database={"instanceClass": value}) == (
        f"{PREFIX}tierup:database.instanceClass: must be an RDS instance class like db.t4g.small or db.m7g.large"
        f" (got {value!r}){hint}"
    )


def test_database_names(load, error):
    assert load("dev", database={"databaseName": "shop_2"}).database.database_name == "shop_2"
    assert error("dev", database={"databaseName": "2shop"}).startswith(
        f"{PREFIX}tierup:database.databaseName: must match"
    )


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/stripe-AbCdEf",
        "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/stripe",
        "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x-AbCdEf",
    ],
)
def test_secret_arns_accepted(load, arn):
    assert load("dev", services=_app(secrets={"STRIPE": arn})).services["web"].secrets["STRIPE"].arn == arn


def test_instance_type_hint_for_an_rds_class(error):
    assert error("dev", services=_app(instanceType="db.t4g.small")).endswith(
        "; that is an RDS instance class"
    )


@pytest.mark.parametrize(
    "ami",
    [
        "ami-0123abcd",
        "ami-0123456789abcdef0",
        "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
        "resolve:ssm:golden-ami:3",
    ],
)
def test_ami_ids_accepted(load, ami):
    settings = load("dev", services=_app(amiId=ami), **_pool(amiId=ami))
    assert settings.services["web"].ami_id == ami
    assert settings.workers["jobs"].ami_id == ami


def test_ami_id_defaults_to_the_kept_latest(load):
    settings = load("dev", **_pool())
    assert settings.services["web"].ami_id is None
    assert settings.workers["jobs"].ami_id is None


@pytest.mark.parametrize(
    "ami", ["latest", "ami-0123", "ami-0123456789ABCDEF0", "ami-0123456789abcdef01234", "resolve:ssm:", ""]
)
def test_ami_ids_refused(error, ami):
    reason = f"must be an AMI id (ami-0123456789abcdef0) or resolve:ssm:<parameter> (got {ami!r})"
    assert error("dev", services=_app(amiId=ami)) == f"{PREFIX}tierup:services.web.amiId: {reason}"
    assert error("dev", **_pool(amiId=ami)) == f"{PREFIX}tierup:workers.jobs.amiId: {reason}"


def test_start_up_and_stop_defaults(load, error):
    settings = load("dev", **_pool())
    web, jobs = settings.services["web"], settings.workers["jobs"]
    assert (web.startup_seconds, web.stop_timeout_seconds, jobs.startup_seconds) == (60, 30, 60)
    # A worker's stop timeout is its job timeout (the drain waits for the job), not a setting of its own.
    assert error("dev", **_pool(stopTimeoutSeconds=60)).startswith(
        f"{PREFIX}tierup:workers.jobs.stopTimeoutSeconds: "
    )
