"""`tierup:database` refuses, with a one-line error, every config the Database component would raise on.

The settings and the component each check the database's rules (the settings for the user's file, the
component for hand-written programs); the parity test runs both on one grid of values and compares.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import pytest

from components.database import DatabaseArgs, _validate
from tests.settings.conftest import FILE, flat_config
from tierup.settings import SettingsError, load_settings

PREFIX = f"{FILE}: tierup:database."


@pytest.mark.parametrize(
    ("database", "network", "problem"),
    [
        (
            {"storageGb": 100, "maxStorageGb": 105},
            {},
            "maxStorageGb: must be at least 10% above storageGb (105 < 110), or equal to it (100) to turn"
            " storage autoscaling off",
        ),
        (
            {"readReplicas": 1, "backupRetentionDays": 0},
            {"azCount": 3},
            "readReplicas: need automated backups (RDS makes replicas from them); set backupRetentionDays to 1"
            " or more, or readReplicas to 0",
        ),
        (
            {"engine": "mysql", "instanceClass": "db.t4g.small", "performanceInsights": True},
            {},
            "performanceInsights: RDS for MySQL has no Performance Insights on db.t4g.small; use db.t4g.medium"
            " or larger, or performanceInsights: false",
        ),
        (
            {"engineVersion": "12.19"},
            {},
            "engineVersion: PostgreSQL versions on RDS start with 13, 14, 15, 16, 17 (got '12.19')",
        ),
    ],
)
def test_component_rules_are_settings_errors(
    error: Any, database: dict[str, Any], network: dict[str, Any], problem: str
) -> None:
    assert error("prod", database=database, network=network) == PREFIX + problem


def test_exactly_ten_percent_is_enough(load: Any) -> None:
    assert load("dev", database={"storageGb": 50, "maxStorageGb": 55}).database.max_storage_gb == 55
    assert load("dev", database={"storageGb": 100, "maxStorageGb": 110}).database.max_storage_gb == 110


@pytest.mark.parametrize(
    ("storage", "expected"),
    [(20, 100), (10000, 50000), (59578, 65536), (59579, 59579), (65536, 65536)],
)
def test_the_default_ceiling_leaves_ten_percent_or_turns_autoscaling_off(
    load: Any, storage: int, expected: int
) -> None:
    """5 times storageGb capped at 65536, unless the cap leaves under 10% headroom: then storageGb (off)."""
    assert load("dev", database={"storageGb": storage}).database.max_storage_gb == expected


def test_database_secret_arn_is_a_name_tierup_sets(error: Any) -> None:
    services = {"web": {"image": "acme/web:1", "env": {"DATABASE_SECRET_ARN": "x"}}}
    assert "DATABASE_SECRET_ARN" in error("dev", services=services)


# ---- parity: one grid, both validators ------------------------------------------------------------

GRID: list[dict[str, Any]] = [
    {"engine": engine, "engineVersion": version, "instanceClass": klass, "performanceInsights": insights}
    for engine, version, klass, insights in itertools.product(
        ("postgres", "mysql"),
        ("12", "13.4", "16", "17.1", "5.7", "8.0", "8.0.39", "8.4"),
        ("db.t4g.micro", "db.t3.small", "db.t4g.medium", "db.r7g.large"),
        (False, True),
    )
]
GRID += [{"storageGb": s} for s in (20, 59000, 59578, 59579, 60000, 65536)]
GRID += [
    {"readReplicas": r, "backupRetentionDays": b, "_azs": azs}
    for r, b, azs in itertools.product((0, 1, 2, 5), (0, 1, 35), (2, 3, 6))
]


def _settings(database: dict[str, Any], azs: int = 2) -> Any:
    """The validated ``tierup:database``, or None when the settings refuse it."""
    config = flat_config("dev", database=database, network={"azCount": azs})
    try:
        return load_settings(config, file=FILE, stack="test").database
    except SettingsError:
        return None


def _component_accepts(settings: Any, azs: int = 2) -> bool:
    """Whether the Database component takes the values ``tierup.build`` passes it."""
    args = DatabaseArgs(
        network=SimpleNamespace(azs=[f"us-east-1{c}" for c in "abcdef"[:azs]]),  # type: ignore[arg-type]
        engine=settings.engine,
        engine_version=settings.engine_version,
        instance_class=settings.instance_class,
        storage_gb=settings.storage_gb,
        max_storage_gb=settings.max_storage_gb,
        multi_az=settings.multi_az,
        backup_retention_days=settings.backup_retention_days,
        deletion_protection=settings.deletion_protection,
        performance_insights=settings.performance_insights,
        read_replicas=settings.read_replicas,
        database_name=settings.database_name,
    )
    try:
        _validate("db", args, settings.engine_version, "shop-dev-db")
    except ValueError:
        return False
    return True


def test_every_database_the_settings_accept_the_component_accepts() -> None:
    accepted = refused = 0
    for database in GRID:
        database = dict(database)
        azs = database.pop("_azs", 2)
        settings = _settings(database, azs)
        if settings is None:
            refused += 1
            continue
        accepted += 1
        assert _component_accepts(settings, azs), database
    assert accepted > 50 and refused > 20  # the grid crosses both sides of every rule


@pytest.mark.parametrize("storage", [20, 100, 999])
def test_the_storage_ceiling_rule_is_the_components_exactly(storage: int) -> None:
    """Settings and component agree both ways on every ceiling from storageGb to 1.3 times storageGb."""
    for ceiling in range(storage, int(storage * 1.3) + 2):
        settings = _settings({"storageGb": storage, "maxStorageGb": ceiling})
        component = _component_accepts(
            SimpleNamespace(**{**_settings({}).__dict__, "storage_gb": storage, "max_storage_gb": ceiling})
        )
        assert (settings is not None) == component, ceiling
