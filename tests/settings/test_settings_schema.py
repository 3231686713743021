"""The JSON Schema of the stack file: valid 2020-12, accepts the reference configs, refuses bad ones."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
import yaml

from tierup.settings import EXAMPLE_CONFIG, SettingsError, json_schema, load_settings

SCHEMA = json_schema()
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def _schema_errors(document: dict[str, Any]) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(document)]


def test_schema_is_valid_draft_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert json.loads(json.dumps(SCHEMA)) == SCHEMA == json_schema()


def test_required_and_tierup_keys():
    config = SCHEMA["properties"]["config"]
    assert config["required"] == ["tierup:environment", "tierup:app"]
    assert set(config["properties"]) == {
        "tierup:environment",
        "aws:region",
        "tierup:network",
        "tierup:loadBalancer",
        "tierup:app",
        "tierup:redis",
        "tierup:queue",
        "tierup:workers",
        "tierup:alarms",
        "tierup:usage",
    }
    for name, definition in SCHEMA["$defs"].items():
        assert definition["additionalProperties"] is False, name
        for key, prop in definition["properties"].items():
            assert prop["description"].endswith(".") and (
                "Default: " in prop["description"] or "Required." in prop["description"]
            ), (name, key)
            assert not any(k.startswith("x-") for k in prop), (name, key)


@pytest.mark.parametrize("name", ["dev", "staging", "prod"])
def test_reference_configs_validate(stack_file, name):
    document = stack_file(name)
    assert _schema_errors(document) == []
    load_settings(document["config"], file=f"Pulumi.{name}.yaml")


def test_the_documented_example_validates():
    document = yaml.safe_load(EXAMPLE_CONFIG)
    assert _schema_errors(document) == []
    assert load_settings(document["config"], file="example").workers.job_timeout_seconds == 600


def test_other_namespaces_and_stack_file_keys_are_allowed(stack_file):
    document = stack_file("dev")
    document["config"] |= {"myapp:size": 3, "aws:profile": "prod", "unqualified": {"any": ["thing"]}}
    document |= {"secretsprovider": "passphrase", "environment": ["shared-esc-env"]}
    assert _schema_errors(document) == []


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation of the prod config: set ``tierup:app.port``-style paths (``-`` as value deletes)."""

    def mutate(config: dict[str, Any]) -> None:
        key, *rest = path.split(".")
        target = config
        for part in [key, *rest][:-1]:
            target = target[part]
        if value == "-":
            del target[[key, *rest][-1]]
        else:
            target[[key, *rest][-1]] = value

    return mutate


BAD = {
    "unknown top-level key": _set("tierup:netwrok", {}),
    "missing environment": _set("tierup:environment", "-"),
    "missing app": _set("tierup:app", "-"),
    "wrong environment": _set("tierup:environment", "production"),
    "unknown nested key": _set("tierup:app.minSise", 3),
    "unknown build key": _set("tierup:workers.build.dockerFile", "x"),
    "port out of range": _set("tierup:app.port", 70000),
    "port not a number": _set("tierup:app.port", "http"),
    "azCount below": _set("tierup:network.azCount", 1),
    "nat choice": _set("tierup:network.nat", "multi"),
    "cidr prefix": _set("tierup:network.cidr", "10.0.0.0/8"),
    "instance type": _set("tierup:app.instanceType", "cache.t4g.small"),
    "node type": _set("tierup:redis.nodeType", "t4g.small"),
    "certificate": _set(
        "tierup:loadBalancer.certificateArn", "arn:aws:iam::123456789012:server-certificate/x"
    ),
    "app image and build": _set("tierup:app.build", {"context": "."}),
    "app neither image nor build": _set("tierup:app.image", "-"),
    "workers image and build": _set("tierup:workers.image", "nginx"),
    "health check path": _set("tierup:app.healthCheckPath", "up"),
    "env name": _set("tierup:app.env", {"MY-VAR": "x"}),
    "env value": _set("tierup:app.env", {"PORT": 8080}),
    "email": _set("tierup:alarms.emails", ["oncall"]),
    "webhook": _set("tierup:alarms.webhooks", ["http://hooks.example.com"]),
    "replicas above": _set("tierup:redis.replicas", 6),
    "maxmemory policy": _set("tierup:redis.maxmemoryPolicy", "lru"),
    "empty command": _set("tierup:workers.command", []),
    "region": _set("aws:region", "Europe"),
    "error rate": _set("tierup:alarms.errorRatePercent", 0),
}


@pytest.mark.parametrize("mutate", BAD.values(), ids=BAD.keys())
def test_bad_configs_are_refused_by_schema_and_loader(stack_file, mutate):
    document = copy.deepcopy(stack_file("prod"))
    mutate(document["config"])
    assert _schema_errors(document), "the schema accepted it"
    with pytest.raises(SettingsError):
        load_settings(document["config"], file="Pulumi.prod.yaml")


def test_schema_leaves_presets_optional():
    """Every preset field may be left out: nothing but build.context is required inside a section."""
    required = {name: d.get("required", []) for name, d in SCHEMA["$defs"].items()}
    assert required == {name: (["context"] if name == "BuildSettings" else []) for name in SCHEMA["$defs"]}
