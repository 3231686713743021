"""The repository's reference stacks (stacks/Pulumi.<env>.yaml) are in revision 2's shape and show its point."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from tierup.engine.project import load_project, load_stack_config
from tierup.settings import ENVIRONMENTS, json_schema, load_settings

REPO = Path(__file__).resolve().parents[2]


def _settings(environment: str):
    config = load_stack_config(load_project(REPO), environment)
    return load_settings(
        config.values, file=f"stacks/Pulumi.{environment}.yaml", secret_keys=config.secret_keys
    )


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_reference_stacks_validate(environment):
    import yaml

    document = yaml.safe_load((REPO / "stacks" / f"Pulumi.{environment}.yaml").read_text())
    jsonschema.validate(document, json_schema())
    settings = _settings(environment)
    assert settings.environment == environment
    assert (settings.database is not None) == (environment != "dev")
    for worker in settings.workers.values():
        assert worker.command is None  # the workers consume SQS: no Sidekiq command
        assert worker.image is not None


def test_the_reference_prod_shows_the_bulkheads():
    settings = _settings("prod")
    web, api = settings.services["web"], settings.services["api"]
    assert web.routes.paths == ["/*"] and api.routes.hosts == ["api.shop.example.com"]
    assert set(settings.queues) == set(settings.workers) == {"emails", "images"}
    emails, images = settings.workers["emails"], settings.workers["images"]
    assert emails.instance_type != images.instance_type
    assert (emails.max_size, emails.backlog_per_instance) != (images.max_size, images.backlog_per_instance)
    assert [s.queue for s in settings.schedules.values()] == ["emails"]
    assert settings.database.engine == "postgres" and settings.database.multi_az
    assert settings.load_balancer.https and settings.load_balancer.waf
