"""docs/configuration.md is generated from the models and must not drift from them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tierup.settings import (
    EXAMPLE_CONFIG,
    StackSettings,
    iter_fields,
    load_settings,
    render_reference_markdown,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_checked_in_reference_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == render_reference_markdown(), (
        "docs/configuration.md is stale; regenerate it: python -m tierup.settings > docs/configuration.md"
    )


def test_reference_lists_every_key_with_its_presets():
    text = render_reference_markdown()
    for top in iter_fields(StackSettings, recurse=False):
        if top.model is None:
            continue
        assert f"## `tierup:{top.key}`" in text
        for spec in iter_fields(top.model):
            assert f"| `{spec.path}` |" in text, f"tierup:{top.key}.{spec.path} is not documented"
            assert spec.description, spec.path
    assert "| `azCount` | integer | 2\N{EN DASH}6 | `2` | `2` | `3` |" in text
    assert (
        "| `nat` | enum | `per-az`, `single`, `instance`, `instance-per-az`, `none` | `instance` | `single`"
        " | `per-az` |" in text
    )
    assert "| `replicas` | integer | 0\N{EN DASH}5 | `0` | `1` | `2` |" in text
    assert "| `build.dockerfile` | string |  | `Dockerfile` |" in text
    assert "| `routes.paths` | list of strings | ALB path pattern, e.g. `/api/*` |" in text
    assert (
        "| `instanceClass` | string | `db.` + family.size, e.g. `db.t4g.small` | `db.t4g.micro` | `db.t4g.small`"
        in text
    )
    assert "| `waf` | boolean | `true`, `false` | `false` | `false` | `true` |" in text
    assert "| `rateLimitPer5Minutes` | integer | 100\N{EN DASH}2,000,000 | `2000` |" in text
    assert "`tierup:services.<name>`" in text and "`tierup:policies`" in text


def test_regenerating_is_one_command():
    assert (
        "python -m tierup.settings > docs/configuration.md" in DOC.read_text(encoding="utf-8").splitlines()[2]
    )


def test_the_example_is_valid_and_shows_the_bulkheads():
    config = yaml.safe_load(EXAMPLE_CONFIG)["config"]
    settings = load_settings(config, file="example", secret_paths={"tierup:services.web.secrets.STRIPE_KEY"})
    assert list(settings.services) == ["web", "api"] and len(settings.workers) == 2 and settings.schedules
    assert settings.services["web"].secrets["STRIPE_KEY"].value is not None


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
@pytest.mark.parametrize(
    "section", ["network", "loadBalancer", "queues", "redis", "database", "alarms", "usage"]
)
def test_every_default_is_read_from_one_place(environment, section):
    """iter_fields gives the value each field takes when left out; the loaded model agrees (derived ones aside)."""
    top = next(spec for spec in iter_fields(StackSettings, recurse=False) if spec.key == section)
    loaded = top.section.for_environment(environment)
    for spec in iter_fields(top.section, recurse=False):
        if not spec.derived:
            assert getattr(loaded, spec.name) == spec.default_for(environment), spec.path


def test_the_readme_config_example_is_valid():
    import re

    text = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### The stack config.*?```yaml\n(.*?)```", text, re.S)
    assert block is not None
    settings = load_settings(yaml.safe_load(block.group(1))["config"], file="README.md")
    assert list(settings.services) == ["web", "api"] and settings.services["api"].sends_to == ["images"]
    assert settings.services["web"].secrets["STRIPE_KEY"].value is not None
