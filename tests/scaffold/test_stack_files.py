"""The stack files `tierup new` writes: generated from the settings models through ``iter_fields``,
every setting at its environment's preset, HTTPS in staging and prod, optional tiers left out on request."""

from __future__ import annotations

import re

import jsonschema
import pytest
import yaml

from tierup.errors import TierupError
from tierup.scaffold.renderer import ScaffoldOptions, render_stack_file, stack_config, validate_domain
from tierup.settings import ENVIRONMENTS, StackSettings, iter_fields, json_schema, load_settings

FULL = ScaffoldOptions(name="shop", region="eu-west-1")


def _config(environment: str, options: ScaffoldOptions = FULL) -> dict:
    return yaml.safe_load(render_stack_file(environment, options))["config"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_stack_files_validate_with_every_preset(environment):
    config = _config(environment)
    jsonschema.validate({"config": config}, json_schema())
    settings = load_settings(config, file="x", stack=environment)
    assert (settings.environment, settings.region) == (environment, "eu-west-1")
    assert list(settings.services) == ["web"] and settings.services["web"].build.context == "app"
    assert settings.workers["jobs"].queue == "jobs" and settings.workers["jobs"].command == [
        "python",
        "worker.py",
    ]
    assert settings.database is not None and settings.redis is not None and settings.schedules == {}
    for top in iter_fields(StackSettings, recurse=False):
        key = f"tierup:{top.key}"
        if top.section is None or key not in config:
            continue
        entries = config[key].values() if top.is_map else [config[key]]
        for entry in entries:
            for spec in iter_fields(top.section, recurse=False):
                if spec.presets is not None:
                    assert entry[spec.key] == spec.presets[environment], (key, spec.key)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_field_is_shown_with_its_description(environment):
    text = render_stack_file(environment, FULL)
    lines = text.splitlines()
    for top in iter_fields(StackSettings, recurse=False):
        if top.section is None or top.key == "schedules":
            continue
        indent = " " * (6 if top.is_map else 4)
        for spec in iter_fields(top.section, recurse=False):
            found = [i for i, line in enumerate(lines) if re.match(rf"^{indent}(# )?{spec.key}:", line)]
            assert found, (top.key, spec.key)
            assert lines[found[0] - 1].lstrip().startswith("#"), lines[found[0]]


def test_staging_and_prod_serve_https_on_a_domain():
    assert "tierup:loadBalancer" in _config("dev") and "domain" not in _config("dev")["tierup:loadBalancer"]
    assert _config("staging")["tierup:loadBalancer"]["domain"] == "staging.shop.example.com"
    assert _config("prod")["tierup:loadBalancer"]["domain"] == "shop.example.com"
    assert "shop.example.com is a placeholder" in render_stack_file("prod", FULL).replace("\n  # ", " ")
    mine = ScaffoldOptions(name="shop", domain="shop.acme.io")
    assert _config("prod", mine)["tierup:loadBalancer"]["domain"] == "shop.acme.io"
    assert _config("staging", mine)["tierup:loadBalancer"]["domain"] == "staging.shop.acme.io"
    assert "placeholder" not in render_stack_file("prod", mine)
    assert "# domain: dev.shop.acme.io" in render_stack_file("dev", mine)


def test_a_project_name_that_is_no_dns_label_still_gives_a_valid_domain():
    options = ScaffoldOptions(name="My_App.v2")
    assert _config("prod", options)["tierup:loadBalancer"]["domain"] == "my-app-v2.example.com"


def test_optional_tiers_are_left_out_on_request():
    options = ScaffoldOptions(name="tiny", workers=False, redis=False, database=False)
    for environment in ENVIRONMENTS:
        config = stack_config(environment, options)
        assert not {"tierup:redis", "tierup:database", "tierup:queues", "tierup:workers"} & config.keys()
        text = render_stack_file(environment, options)
        assert "add `tierup:database` to build it" in text.replace("\n  # ", " ")


def test_the_schedule_example_loads_when_uncommented():
    text = render_stack_file("prod", FULL)
    block = re.search(r"^  # tierup:schedules:\n((?:  #   .*\n)+)", text, re.M)
    assert block is not None
    example = yaml.safe_load("tierup:schedules:\n" + re.sub(r"^  # ", "", block.group(1), flags=re.M))
    config = {**_config("prod"), **example}
    assert load_settings(config, file="x").schedules["nightly"].queue == "jobs"


@pytest.mark.parametrize(
    "domain", ["https://shop.example.com", "shop", "Shop.Example.com", "shop.example.com."]
)
def test_bad_domains_are_refused_naming_the_flag(domain):
    with pytest.raises(TierupError) as caught:
        validate_domain(domain)
    assert caught.value.key == "--domain" and "fully qualified domain name" in caught.value.reason
