"""Helpers for the settings tests, as fixtures: build a flat Pulumi config, load it, read its error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tierup.settings import SettingsError, StackSettings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
FILE = "stacks/Pulumi.test.yaml"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


def stack_file(name: str) -> dict[str, Any]:
    """A whole stack file from ``fixtures/Pulumi.<name>.yaml``."""
    return yaml.safe_load((FIXTURES / f"Pulumi.{name}.yaml").read_text())


def flat_config(environment: str | None = "prod", **sections: Any) -> dict[str, Any]:
    """A flat Pulumi config: ``services=`` → ``tierup:services`` (default: ``web`` on an ECR image),
    ``region=`` → ``aws:region``; staging and prod get a certificate unless ``loadBalancer=`` is given."""
    config: dict[str, Any] = {"tierup:services": {"web": {"image": IMAGE}}}
    if environment is not None:
        config["tierup:environment"] = environment
    if environment in ("staging", "prod"):
        config["tierup:loadBalancer"] = {"certificateArn": CERT}
    for key, value in sections.items():
        config["aws:region" if key == "region" else f"tierup:{key}"] = value
    return config


@pytest.fixture
def load() -> Callable[..., StackSettings]:
    def _load(environment: str | None = "prod", **sections: Any) -> StackSettings:
        return load_settings(flat_config(environment, **sections), file=FILE, stack="test")

    return _load


@pytest.fixture
def error() -> Callable[..., str]:
    """The one-line error of a config that must be refused (``file: key: reason``)."""

    def _error(environment: str | None = "prod", **sections: Any) -> str:
        with pytest.raises(SettingsError) as caught:
            load_settings(flat_config(environment, **sections), file=FILE, stack="test")
        return str(caught.value)

    return _error


@pytest.fixture(name="stack_file")
def _stack_file() -> Callable[[str], dict[str, Any]]:
    return stack_file


@pytest.fixture(name="flat_config")
def _flat_config() -> Callable[..., dict[str, Any]]:
    return flat_config
