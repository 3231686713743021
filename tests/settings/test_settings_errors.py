"""Loading a flat Pulumi config: JSON strings, namespaces, unknown keys, the one-line error format."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tierup.errors import TierupError
from tierup.settings import SettingsError, StackSettings, environment_of, load_settings

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"
PREFIX = "stacks/Pulumi.test.yaml: "


def _refuse(config: dict[str, object], file: str = "stacks/Pulumi.test.yaml") -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        load_settings(config, file=file)
    return caught.value


def test_error_format_and_attributes():
    config = {"tierup:environment": "prod", "tierup:app": {"image": IMAGE, "minSize": 3, "maxSize": 2}}
    problem = _refuse(config, file="stacks/Pulumi.prod.yaml")
    assert str(problem) == "stacks/Pulumi.prod.yaml: tierup:app.minSize: must be ≤ maxSize (3 > 2)"
    assert (problem.file, problem.key, problem.reason) == (
        "stacks/Pulumi.prod.yaml",
        "tierup:app.minSize",
        "must be ≤ maxSize (3 > 2)",
    )
    assert isinstance(problem, TierupError) and problem.exit_code == 2
    assert "\n" not in str(problem) and problem.__cause__ is None and problem.__suppress_context__


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"tierup:app": {"image": IMAGE}}, "tierup:environment: required"),
        ({"tierup:environment": "dev"}, "tierup:app: required"),
        (
            {"tierup:environment": 3, "tierup:app": {"image": IMAGE}},
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
    assert parsed.workers.build.context == "workers" and parsed.redis.replicas == 2


def test_invalid_json_string(error):
    assert error("dev", redis='{"replicas": 1,}') == (
        f"{PREFIX}tierup:redis: is not valid JSON (Expecting property name enclosed in double quotes at column 16)"
    )


@pytest.mark.parametrize("value", [None, "", "null"])
def test_empty_sections(error, value):
    assert (
        error("dev", queue=value)
        == f"{PREFIX}tierup:queue: is empty; remove the key, or write {{}} to use the defaults"
    )
    assert error("dev", app=value) == f"{PREFIX}tierup:app: is empty; set image or build"


def test_a_scalar_section(error):
    assert error("dev", network="10.0.0.0/16") == (
        f"{PREFIX}tierup:network: must be a mapping of keys to values (got '10.0.0.0/16')"
    )


def test_other_namespaces_are_ignored(load):
    config = {
        "tierup:environment": "dev",
        "tierup:app": {"image": IMAGE},
        "myapp:tierup": "not ours",
        "aws:profile": "prod",
        "random:anything": {"deep": [1, 2]},
    }
    assert load_settings(config, file="x").app.image == IMAGE


def test_legacy_config_key_spelling():
    config = {"tierup:config:environment": "dev", "tierup:config:app": {"image": IMAGE}}
    assert load_settings(config, file="x").environment == "dev"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("tierup:netwrok", "tierup:netwrok: unknown key; did you mean 'tierup:network'?"),
        ("tierup:loadbalancer", "tierup:loadbalancer: unknown key; did you mean 'tierup:loadBalancer'?"),
        ("tierup:load_balancer", "tierup:load_balancer: unknown key; did you mean 'tierup:loadBalancer'?"),
        ("tierup:worker", "tierup:worker: unknown key; did you mean 'tierup:workers'?"),
        (
            "tierup:database",
            "tierup:database: unknown key; expected one of tierup:environment, tierup:network,"
            " tierup:loadBalancer, tierup:app, tierup:redis, tierup:queue, tierup:workers, tierup:alarms,"
            " tierup:usage",
        ),
    ],
)
def test_unknown_top_level_keys(key, message):
    config = {"tierup:environment": "dev", "tierup:app": {"image": IMAGE}, key: {}}
    assert str(_refuse(config)) == PREFIX + message


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ({"app": {"image": IMAGE, "minSise": 3}}, "tierup:app.minSise: unknown key; did you mean 'minSize'?"),
        (
            {"app": {"image": IMAGE, "min_size": 3}},
            "tierup:app.min_size: unknown key; did you mean 'minSize'?",
        ),
        (
            {"app": {"build": {"context": ".", "dockerFile": "x"}}},
            "tierup:app.build.dockerFile: unknown key; did you mean 'dockerfile'?",
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
            {"queue": {}, "workers": {"jobTimeout": 5}},
            "tierup:workers.jobTimeout: unknown key; did you mean 'jobTimeoutSeconds'?",
        ),
    ],
)
def test_unknown_nested_keys(error, sections, message):
    assert error("dev", **sections) == PREFIX + message


def test_unknown_keys_are_reported_before_other_problems(error):
    """A typo explains the errors that follow it (here: minSize is not set, maxSize 0 is out of range)."""
    assert error("dev", app={"image": IMAGE, "maxSize": 0, "minSise": 3}) == (
        f"{PREFIX}tierup:app.minSise: unknown key; did you mean 'minSize'?"
    )


def test_errors_are_deterministic(flat_config):
    sections = {
        "app": {"image": IMAGE, "zeta": 1, "alpha": 2},
        "queue": {"retention": 3},
        "network": {"bogus": 1},
    }
    config = flat_config("dev", **sections)
    reversed_config = {
        k: dict(reversed(v.items())) if isinstance(v, dict) else v for k, v in reversed(config.items())
    }
    messages = {
        str(_refuse(config)),
        str(_refuse(reversed_config)),
        str(_refuse(json.loads(json.dumps(config)))),
    }
    assert messages == {f"{PREFIX}tierup:app.alpha: unknown key; expected one of " + ", ".join(
        ["image", "build", "port", "healthCheckPath", "instanceType", "minSize", "maxSize", "desiredCapacity",
         "cpuTarget", "requestsPerTarget", "env"]
    )}  # fmt: skip
    two_top_level = {**config, "tierup:zzz": 1, "tierup:aaa": 1}
    assert str(_refuse(two_top_level)).startswith(f"{PREFIX}tierup:aaa: unknown key")


def test_first_of_several_field_errors_follows_the_model_order(error):
    assert error("dev", network={"azCount": 9}, app={"image": IMAGE, "port": 0}) == (
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


# --- inside a Pulumi program ----------------------------------------------------------------------------------


@pytest.fixture
def pulumi_config(monkeypatch):
    """Set the running program's config as the language host (PULUMI_CONFIG) or the SDK (CONFIG) does."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    monkeypatch.setattr(pulumi, "get_stack", lambda: "prod")
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    token = runtime_config.CONFIG.set({})

    def _set(env: dict[str, str] | None = None, explicit: dict[str, str] | None = None) -> None:
        if env is not None:
            monkeypatch.setenv("PULUMI_CONFIG", json.dumps(env))
        runtime_config.CONFIG.set(dict(explicit or {}))

    yield _set
    runtime_config.CONFIG.reset(token)


def test_from_pulumi_config_reads_the_language_host_config(pulumi_config):
    pulumi_config(
        env={
            "tierup:environment": "prod",
            "tierup:app": json.dumps({"image": IMAGE, "minSize": 3}),
            "aws:region": "us-east-1",
            "myapp:other": "x",
        }
    )
    settings = StackSettings.from_pulumi_config()
    assert (settings.stack, settings.region, settings.app.min_size) == ("prod", "us-east-1", 3)


def test_from_pulumi_config_prefers_explicit_config_and_catches_unknown_keys(pulumi_config):
    pulumi_config(
        env={"tierup:environment": "dev", "tierup:app": json.dumps({"image": IMAGE})},
        explicit={"tierup:environment": "prod", "tierup:netwrk": "{}"},
    )
    with pytest.raises(SettingsError) as caught:
        StackSettings.from_pulumi_config()
    assert str(caught.value) == "Pulumi.prod.yaml: tierup:netwrk: unknown key; did you mean 'tierup:network'?"


def test_from_pulumi_config_region_falls_back_like_the_aws_provider(pulumi_config, monkeypatch):
    pulumi_config(explicit={"tierup:environment": "dev", "tierup:app": json.dumps({"image": IMAGE})})
    monkeypatch.setenv("AWS_REGION", "eu-north-1")
    assert StackSettings.from_pulumi_config().region == "eu-north-1"


def test_importing_settings_does_not_import_pulumi():
    code = "import sys, tierup.settings; print(sorted(m for m in sys.modules if m.split('.')[0] == 'pulumi'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
