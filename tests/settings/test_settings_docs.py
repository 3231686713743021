"""docs/configuration.md is generated from the models and must not drift from them."""

from __future__ import annotations

from pathlib import Path

from tierup.settings import (
    AlarmsSettings,
    AppSettings,
    LoadBalancerSettings,
    NetworkSettings,
    QueueSettings,
    RedisSettings,
    WorkersSettings,
    render_reference_markdown,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_checked_in_reference_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == render_reference_markdown(), (
        "docs/configuration.md is stale; regenerate it: python -m tierup.settings > docs/configuration.md"
    )


def test_reference_lists_every_key_with_its_presets():
    text = render_reference_markdown()
    for section, model in {
        "network": NetworkSettings,
        "loadBalancer": LoadBalancerSettings,
        "app": AppSettings,
        "redis": RedisSettings,
        "queue": QueueSettings,
        "workers": WorkersSettings,
        "alarms": AlarmsSettings,
    }.items():
        assert f"## `tierup:{section}`" in text
        for name, info in model.model_fields.items():
            assert f"| `{info.alias}` |" in text, f"tierup:{section}.{info.alias} is not documented"
            assert info.description, name
    assert "| `azCount` | integer | 2\N{EN DASH}6 | `2` | `2` | `3` |" in text
    assert (
        "| `nat` | enum | `per-az`, `single`, `instance`, `none` | `instance` | `single` | `per-az` |" in text
    )
    assert "| `replicas` | integer | 0\N{EN DASH}5 | `0` | `1` | `2` |" in text
    assert "| `build.dockerfile` | string |  | `Dockerfile` |" in text


def test_regenerating_is_one_command():
    assert (
        "python -m tierup.settings > docs/configuration.md" in DOC.read_text(encoding="utf-8").splitlines()[2]
    )
