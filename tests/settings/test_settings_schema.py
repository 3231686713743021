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
    assert config["required"] == ["tierup:environment", "tierup:services"]
    assert set(config["properties"]) == {
        "tierup:environment",
        "aws:region",
        "tierup:network",
        "tierup:loadBalancer",
        "tierup:services",
        "tierup:queues",
        "tierup:workers",
        "tierup:schedules",
        "tierup:redis",
        "tierup:database",
        "tierup:alarms",
        "tierup:usage",
        "tierup:policies",
    }
    services = config["properties"]["tierup:services"]
    assert (services["minProperties"], services["maxProperties"]) == (1, 10)
    assert services["additionalProperties"] == {"$ref": "#/$defs/ServiceSettings"}
    assert services["propertyNames"] == {"pattern": "^[a-z][a-z0-9-]*$", "maxLength": 20}
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
    assert load_settings(document["config"], file="example").workers["images"].job_timeout_seconds == 600


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
    "old app key": _set("tierup:app", {"image": "nginx"}),
    "old queue key": _set("tierup:queue", {}),
    "missing environment": _set("tierup:environment", "-"),
    "missing services": _set("tierup:services", "-"),
    "no services": _set("tierup:services", {}),
    "service name": _set("tierup:services.Web", {"image": "nginx"}),
    "long service name": _set("tierup:services.a-very-long-service-name", {"image": "nginx"}),
    "wrong environment": _set("tierup:environment", "production"),
    "unknown nested key": _set("tierup:services.web.minSise", 3),
    "unknown build key": _set("tierup:workers.images.build.dockerFile", "x"),
    "port out of range": _set("tierup:services.web.port", 70000),
    "port not a number": _set("tierup:services.web.port", "http"),
    "priority out of range": _set("tierup:services.web.priority", 50001),
    "path pattern": _set("tierup:services.web.routes.paths", ["api/*"]),
    "host pattern": _set("tierup:services.api.routes.hosts", ["api example com"]),
    "routes key": _set("tierup:services.api.routes.host", ["a.example.com"]),
    "azCount below": _set("tierup:network.azCount", 1),
    "nat choice": _set("tierup:network.nat", "multi"),
    "cidr prefix": _set("tierup:network.cidr", "10.0.0.0/8"),
    "cidr too small": _set("tierup:network.cidr", "10.0.0.0/24"),
    "instance type": _set("tierup:services.web.instanceType", "cache.t4g.small"),
    "node type": _set("tierup:redis.nodeType", "t4g.small"),
    "db instance class": _set("tierup:database.instanceClass", "t4g.small"),
    "db engine": _set("tierup:database.engine", "aurora"),
    "db storage": _set("tierup:database.storageGb", 10),
    "certificate": _set("tierup:loadBalancer.domain", "https://shop.example.com"),
    "rate limit": _set("tierup:loadBalancer.rateLimitPer5Minutes", 50),
    "service image and build": _set("tierup:services.api.image", "nginx"),
    "health check path": _set("tierup:services.web.healthCheckPath", "up"),
    "env name": _set("tierup:services.web.env", {"MY-VAR": "x"}),
    "env value": _set("tierup:services.web.env", {"PORT": 8080}),
    "secret not an arn": _set("tierup:services.web.secrets", {"STRIPE": "sk_live_x"}),
    "worker without queue": _set("tierup:workers.emails.queue", "-"),
    "schedule expression": _set("tierup:schedules.nightly-digest.schedule", "every day"),
    "schedule message": _set("tierup:schedules.nightly-digest.message", "digest"),
    "email": _set("tierup:alarms.emails", ["oncall"]),
    "webhook": _set("tierup:alarms.webhooks", ["http://hooks.example.com"]),
    "replicas above": _set("tierup:redis.replicas", 6),
    "maxmemory policy": _set("tierup:redis.maxmemoryPolicy", "lru"),
    "empty command": _set("tierup:workers.images.command", []),
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
    """Every preset field may be left out: inside a section only what has no default is required."""
    required = {name: d.get("required", []) for name, d in SCHEMA["$defs"].items()}
    expected = {
        "BuildSettings": ["context"],
        "WorkerSettings": ["queue"],
        "ScheduleSettings": ["schedule", "queue"],
    }
    assert required == {name: expected.get(name, []) for name in SCHEMA["$defs"]}


def test_policies_shape_is_in_the_schema_and_left_to_the_waivers(stack_file):
    """tierup:policies is validated by tierup.waivers, not the settings; the schema still flags a typo."""
    document = copy.deepcopy(stack_file("prod"))
    document["config"]["tierup:policies"]["alb-waf"]["enforcement"] = "off"
    assert _schema_errors(document)
    assert load_settings(document["config"], file="Pulumi.prod.yaml").load_balancer.waf is True
