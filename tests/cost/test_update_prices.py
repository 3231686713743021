"""``scripts/update_prices.py`` on a tiny fabricated excerpt of the AWS Price List bulk offer files.

The excerpts in ``offers/`` have the real files' shape (products with attributes, OnDemand terms with
price dimensions) and fabricated figures; each holds SKUs the script must skip (Windows, unused
capacity reservations, Multi-AZ, other engines, non-instance products).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import REPO, TESTS

OFFERS = TESTS / "cost" / "offers"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_prices", REPO / "scripts" / "update_prices.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def offer(name: str) -> dict:
    return json.loads((OFFERS / name).read_text())


def test_ec2_keeps_linux_shared_used_capacity_only(script):
    assert script.parse_ec2(offer("AmazonEC2.json")) == {
        "us-east-1": {"m9g.large": 0.0912},
        "il-central-1": {"t4g.small": 0.0202},
    }


def test_elasticache_per_engine_and_rds_single_az_per_engine(script):
    assert script.parse_elasticache(offer("AmazonElastiCache.json")) == {
        "us-east-1": {"redis": {"cache.r9g.large": 0.25}, "valkey": {"cache.r9g.large": 0.2}}
    }
    assert script.parse_rds(offer("AmazonRDS.json")) == {
        "us-east-1": {"postgres": {"db.m9g.large": 0.18}, "aurora-mysql": {"db.r9g.large": 0.3}}
    }


def test_main_updates_a_copy_of_the_table_and_the_result_prices(script, tmp_path: Path):
    table = tmp_path / "prices.json"
    shutil.copy(REPO / "tierup" / "data" / "prices.json", table)
    code = script.main(
        [
            "--ec2", str(OFFERS / "AmazonEC2.json"),
            "--elasticache", str(OFFERS / "AmazonElastiCache.json"),
            "--rds", str(OFFERS / "AmazonRDS.json"),
            "--table", str(table),
        ]
    )  # fmt: skip
    assert code == 0
    data = json.loads(table.read_text())
    assert data["asOf"] == "2026-11-21"  # the newest publication date
    assert data["regions"]["us-east-1"]["ec2"] == {"m9g.large": 0.0912}
    assert data["regions"]["il-central-1"]["ec2"] == {"t4g.small": 0.0202}  # a new region, with rates
    assert data["regions"]["il-central-1"]["rates"] == data["regions"]["us-east-1"]["rates"]
    assert data["regions"]["us-east-1"]["rds"]["postgres"] == {"db.m9g.large": 0.18}
    from tierup.cost import PriceTable

    prices = PriceTable(data)
    assert prices.ec2("il-central-1", "t4g.small") == 0.0202
    assert prices.database("us-east-1", "postgres", "db.m9g.large") == 0.18
    assert prices.cache_node("us-east-1", "valkey", "cache.r9g.large") == 0.2
