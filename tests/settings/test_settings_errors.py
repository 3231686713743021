"""Loading a flat Pulumi config: JSON strings, namespaces, unknown keys, the one-line error format."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tierup.errors import TierupError
from tierup.settings import SettingsError, environment_of, load_settings

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"
WEB = {"web": {"image": IMAGE}}
PREFIX = "stacks/Pulumi.test.yaml: "


def _refuse(config: dict[str, object], file: str = "stacks/Pulumi.test.yaml") -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        load_settings(config, file=file)
    return caught.value


def test_error_format_and_attributes():
    config = {
        "tierup:environment": "dev",
        "tierup:services": {"web": {"image": IMAGE, "minSize": 3, "maxSize": 2}},
    }
    problem = _refuse(config, file="stacks/Pulumi.prod.yaml")
    assert str(problem) == "stacks/Pulumi.prod.yaml: tierup:services.web.minSize: must be ≤ maxSize (3 > 2)"
    assert (problem.file, problem.key, problem.reason) == (
        "stacks/Pulumi.prod.yaml",
        "tierup:services.web.minSize",
        "must be ≤ maxSize (3 > 2)",
    )
    assert isinstance(problem, TierupError) and problem.exit_code == 2
    assert "\n" not in str(problem) and problem.__cause__ is None and problem.__suppress_context__


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"tierup:services": WEB}, "tierup:environment: required"),
        ({"tierup:environment": "dev"}, "tierup:services: required"),
        (
            {"tierup:environment": "dev", "tierup:services": {}},
            "tierup:services: must not be empty",
        ),
        (
            {"tierup:environment": "dev", "tierup:services": {f"s{i}": {"image": IMAGE} for i in range(11)}},
            "tierup:services: must have at most 10 entries (got 11)",
        ),
        (
            {"tierup:environment": 3, "tierup:services": WEB},
            "tierup:environment: must be one of dev, staging, prod (got 3)",
        ),
    ],
)
def test_required_keys(config, message):
    assert str(_refuse(config)) == PREFIX + message


def test_json_strings_are_accepted(stack_file):
    """The language host passes structured values JSON-encoded (PULUMI_CONFIG): same settings."""
    config = stack_file("prod")["config"]
    as_host_passes = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    assert any(isinstance(v, str) and v.startswith("{") for v in as_host_passes.values())
    parsed = load_settings(config, file="Pulumi.prod.yaml", stack="prod")
    assert load_settings(as_host_passes, file="Pulumi.prod.yaml", stack="prod") == parsed
    assert parsed.workers["images"].build.context == "workers" and parsed.redis.replicas == 2


def test_invalid_json_string(error):
    assert error("dev", redis='{"replicas": 1,}') == (
        f"{PREFIX}tierup:redis: is not valid JSON (Expecting property name enclosed in double quotes at column 16)"
    )


@pytest.mark.parametrize("value", [None, "", "null"])
def test_empty_sections(error, value):
    assert (
        error("dev", redis=value)
        == f"{PREFIX}tierup:redis: is empty; remove the key, or write {{}} to use the defaults"
    )
    assert error("dev", services=value) == f"{PREFIX}tierup:services: is empty; name at least one service"


def test_a_scalar_section(error):
    assert error("dev", network="10.0.0.0/16") == (
        f"{PREFIX}tierup:network: must be a mapping of keys to values (got '10.0.0.0/16')"
    )


def test_other_namespaces_are_ignored(load):
    config = {
        "tierup:environment": "dev",
        "tierup:services": WEB,
        "myapp:tierup": "not ours",
        "aws:profile": "prod",
        "random:anything": {"deep": [1, 2]},
    }
    assert load_settings(config, file="x").services["web"].image == IMAGE


def test_legacy_config_key_spelling():
    config = {"tierup:config:environment": "dev", "tierup:config:services": WEB}
    assert load_settings(config, file="x").environment == "dev"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("tierup:netwrok", "tierup:netwrok: unknown key; did you mean 'tierup:network'?"),
        ("tierup:loadbalancer", "tierup:loadbalancer: unknown key; did you mean 'tierup:loadBalancer'?"),
        ("tierup:load_balancer", "tierup:load_balancer: unknown key; did you mean 'tierup:loadBalancer'?"),
        ("tierup:worker", "tierup:worker: unknown key; did you mean 'tierup:workers'?"),
        ("tierup:apps", "tierup:apps: unknown key; did you mean 'tierup:services'?"),
        (
            "tierup:cdn",
            "tierup:cdn: unknown key; expected one of tierup:environment, tierup:network,"
            " tierup:loadBalancer, tierup:services, tierup:queues, tierup:workers, tierup:schedules, tierup:redis,"
            " tierup:database, tierup:alarms, tierup:usage",
        ),
    ],
)
def test_unknown_top_level_keys(key, message):
    config = {"tierup:environment": "dev", "tierup:services": WEB, key: {}}
    assert str(_refuse(config)) == PREFIX + message


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            {"services": {"web": {"image": IMAGE, "minSise": 3}}},
            "tierup:services.web.minSise: unknown key; did you mean 'minSize'?",
        ),
        (
            {"services": {"web": {"image": IMAGE, "min_size": 3}}},
            "tierup:services.web.min_size: unknown key; did you mean 'minSize'?",
        ),
        (
            {"services": {"web": {"build": {"context": ".", "dockerFile": "x"}}}},
            "tierup:services.web.build.dockerFile: unknown key; did you mean 'dockerfile'?",
        ),
        (
            {"services": {"web": {"image": IMAGE, "routes": {"host": ["a.example.com"]}}}},
            "tierup:services.web.routes.host: unknown key; did you mean 'hosts'?",
        ),
        (
            {"services": {"web": {"image": IMAGE, "hostPatterns": ["a.example.com"]}}},
            "tierup:services.web.hostPatterns: unknown key; did you mean 'routes.hosts'?",
        ),
        (
            {"queues": {"jobs": {"visibility": 3}}},
            "tierup:queues.jobs.visibility: unknown key; did you mean 'visibilityTimeoutSeconds'?",
        ),
        (
            {"queues": {"jobs": {}}, "schedules": {"n": {"cron": "x", "queue": "jobs"}}},
            "tierup:schedules.n.cron: unknown key; did you mean 'schedule'?",
        ),
        (
            {"database": {"multiAZ": True}},
            "tierup:database.multiAZ: unknown key; did you mean 'multiAz'?",
        ),
        (
            {"loadBalancer": {"wafEnabled": True}},
            "tierup:loadBalancer.wafEnabled: unknown key; did you mean 'waf'?",
        ),
        (
            {"network": {"azs": 3}},
            "tierup:network.azs: unknown key; expected one of cidr, azCount, nat, flowLogs",
        ),
        ({"redis": {"replica": 1}}, "tierup:redis.replica: unknown key; did you mean 'replicas'?"),
        (
            {"alarms": {"email": ["a@example.com"]}},
            "tierup:alarms.email: unknown key; did you mean 'emails'?",
        ),
        (
            {"queues": {"jobs": {}}, "workers": {"jobs": {"queue": "jobs", "jobTimeout": 5}}},
            "tierup:workers.jobs.jobTimeout: unknown key; did you mean 'jobTimeoutSeconds'?",
        ),
    ],
)
def test_unknown_nested_keys(error, sections, message):
    assert error("dev", **sections) == PREFIX + message


def test_unknown_keys_are_reported_before_other_problems(error):
    """A typo explains the errors that follow it (here: minSize is not set, maxSize 0 is out of range)."""
    assert error("dev", services={"web": {"image": IMAGE, "maxSize": 0, "minSise": 3}}) == (
        f"{PREFIX}tierup:services.web.minSise: unknown key; did you mean 'minSize'?"
    )


def test_errors_are_deterministic(flat_config):
    sections = {
        "services": {"web": {"image": IMAGE, "zeta": 1, "alpha": 2}},
        "queues": {"jobs": {"retention": 3}},
        "network": {"bogus": 1},
    }
    config = flat_config("dev", **sections)

    def flip(value: object) -> object:
        return {k: flip(v) for k, v in reversed(value.items())} if isinstance(value, dict) else value

    reversed_config = flip(config)
    messages = {
        str(_refuse(config)),
        str(_refuse(reversed_config)),
        str(_refuse(json.loads(json.dumps(config)))),
    }
    assert messages == {
        f"{PREFIX}tierup:network.bogus: unknown key; expected one of cidr, azCount, nat, flowLogs"
    }
    del config["tierup:network"]
    assert (
        str(_refuse(config))
        == f"{PREFIX}tierup:queues.jobs.retention: unknown key; did you mean 'retentionDays'?"
    )
    del config["tierup:queues"]
    assert str(_refuse(config)) == f"{PREFIX}tierup:services.web.alpha: unknown key; expected one of " + ", ".join(
        ["image", "build", "command", "env", "secrets", "sendsTo", "amiId", "startupSeconds", "port",
         "healthCheckPath", "routes", "priority", "instanceType", "minSize", "maxSize", "desiredCapacity",
         "cpuTarget", "requestsPerTarget", "stopTimeoutSeconds"]
    )  # fmt: skip
    two_top_level = {**config, "tierup:zzz": 1, "tierup:aaa": 1}
    assert str(_refuse(two_top_level)).startswith(f"{PREFIX}tierup:aaa: unknown key")


def test_first_of_several_field_errors_follows_the_model_order(error):
    assert error("dev", network={"azCount": 9}, services={"web": {"image": IMAGE, "port": 0}}) == (
        f"{PREFIX}tierup:network.azCount: must be between 2 and 6 (got 9)"
    )


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"tierup:environment": "staging"}, "staging"),
        ({"tierup:config:environment": "dev"}, "dev"),
        ({"tierup:environment": "qa", "other:environment": "prod"}, "qa"),
        ({"other:environment": "prod"}, None),
        ({"tierup:environment": 1}, None),
        ({}, None),
    ],
)
def test_environment_of(config, expected):
    assert environment_of(config) == expected


def test_importing_settings_does_not_import_pulumi():
    code = "import sys, tierup.settings; print(sorted(m for m in sys.modules if m.split('.')[0] == 'pulumi'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_list_where_a_map_of_tiers_belongs(error):
    assert error("dev", services=[{"image": IMAGE}]) == (
        f"{PREFIX}tierup:services: must be a map of names to settings, e.g. services: {{web: {{...}}}}"
        f' (got [{{"image": "{IMAGE}"}}])'
    )
