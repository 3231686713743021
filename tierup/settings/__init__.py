"""Validated stack settings: the ``tierup:*`` keys of ``stacks/Pulumi.<stack>.yaml`` (DESIGN §3, revision 2).

A stack file names its environment (dev, staging or prod); every field the user leaves out takes
that environment's preset. Everything is checked before any resource is declared, and the first
problem becomes one line: ``stacks/Pulumi.prod.yaml: tierup:services.web.minSize: must be ≤ maxSize (3 > 2)``.

One job per module: ``formats`` (string formats, secret-looking names), ``fields`` (documented fields,
presets and the one field iterator), ``models`` (the sections and cross-field rules), ``loading``
(flat Pulumi config → settings, secrets), ``messages`` (error rendering), ``reference`` (JSON Schema
and ``docs/configuration.md``). Importing this package stays cheap: Pulumi is imported only by
``StackSettings.from_pulumi_config``.

Usage::

    settings = load_settings({"tierup:environment": "prod", "tierup:services": {...}}, file="Pulumi.prod.yaml")
    for name, service in settings.services.items():
        print(name, service.routes.paths, service.min_size)
"""

from __future__ import annotations

from tierup.aws_facts import ENVIRONMENTS
from tierup.settings.fields import FieldSpec, iter_fields
from tierup.settings.formats import DomainName, PulumiSecret, Region
from tierup.settings.loading import environment_of, load_settings, load_usage, secure_paths
from tierup.settings.messages import SettingsError
from tierup.settings.models import (
    CROSS_FIELD_RULES,
    DEFAULT_DATABASE_ENGINE_VERSIONS,
    DEFAULT_ENGINE_VERSIONS,
    DEFAULT_REGION,
    AlarmsSettings,
    BuildSettings,
    DatabaseSettings,
    LoadBalancerSettings,
    NetworkSettings,
    QueueSettings,
    RedisSettings,
    RouteSettings,
    ScheduleSettings,
    SecretSource,
    ServiceSettings,
    StackSettings,
    UsageSettings,
    WorkerSettings,
)
from tierup.settings.reference import EXAMPLE_CONFIG, SCHEMA_DIALECT, json_schema, render_reference_markdown

__all__ = [
    "CROSS_FIELD_RULES",
    "DEFAULT_DATABASE_ENGINE_VERSIONS",
    "DEFAULT_ENGINE_VERSIONS",
    "DEFAULT_REGION",
    "ENVIRONMENTS",
    "EXAMPLE_CONFIG",
    "SCHEMA_DIALECT",
    "AlarmsSettings",
    "BuildSettings",
    "DatabaseSettings",
    "DomainName",
    "FieldSpec",
    "LoadBalancerSettings",
    "NetworkSettings",
    "PulumiSecret",
    "QueueSettings",
    "RedisSettings",
    "Region",
    "RouteSettings",
    "ScheduleSettings",
    "SecretSource",
    "ServiceSettings",
    "SettingsError",
    "StackSettings",
    "UsageSettings",
    "WorkerSettings",
    "environment_of",
    "iter_fields",
    "json_schema",
    "load_settings",
    "load_usage",
    "render_reference_markdown",
    "secure_paths",
]
