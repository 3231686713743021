"""Regenerate the instance prices of ``tierup/data/prices.json`` from AWS Price List bulk offer files.

Needs a network only to download the offer files (tierup's tests never run it):

    curl -O https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/us-east-1/index.json
    ...  (one file per service and region: AmazonEC2, AmazonElastiCache, AmazonRDS)
    python scripts/update_prices.py --ec2 ec2-us-east-1.json --elasticache cache-us-east-1.json \\
        --rds rds-us-east-1.json --as-of 2026-01-01

It keeps the on-demand hourly price of every current instance type: EC2 Linux, shared tenancy, no
pre-installed software, capacity "Used"; ElastiCache node types per engine (redis, valkey); RDS
Single-AZ instance classes per engine (postgres, mysql, aurora-postgresql, aurora-mysql; tierup
doubles Multi-AZ itself). The other rates (NAT, load balancers, storage...) are maintained by hand.
Regions already in the table are updated, others are added; ``asOf`` becomes ``--as-of`` (default:
the offer files' publication date).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TABLE = Path(__file__).resolve().parent.parent / "tierup" / "data" / "prices.json"

_RDS_ENGINES = {
    "PostgreSQL": "postgres",
    "MySQL": "mysql",
    "Aurora PostgreSQL": "aurora-postgresql",
    "Aurora MySQL": "aurora-mysql",
}
_CACHE_ENGINES = {"Redis": "redis", "Valkey": "valkey"}


def on_demand_hourly(offer: dict[str, Any], sku: str) -> float | None:
    """The on-demand price per hour of ``sku`` (the first hourly dimension with a USD price)."""
    for term in offer.get("terms", {}).get("OnDemand", {}).get(sku, {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            if dimension.get("unit") in ("Hrs", "Hours", "hours") and "USD" in dimension.get(
                "pricePerUnit", {}
            ):
                return float(dimension["pricePerUnit"]["USD"])
    return None


def _products(offer: dict[str, Any], family: str) -> Iterator[tuple[str, dict[str, str]]]:
    for sku, product in offer.get("products", {}).items():
        if product.get("productFamily") == family:
            yield sku, product.get("attributes", {})


def parse_ec2(offer: dict[str, Any]) -> dict[str, dict[str, float]]:
    """region → instance type → $/hour (Linux, shared tenancy, no pre-installed software, used capacity)."""
    out: dict[str, dict[str, float]] = {}
    for sku, a in _products(offer, "Compute Instance"):
        wanted = (
            a.get("operatingSystem") == "Linux"
            and a.get("tenancy") == "Shared"
            and a.get("preInstalledSw") == "NA"
            and a.get("capacitystatus", "Used") == "Used"
            and a.get("licenseModel", "No License required") == "No License required"
        )
        price = on_demand_hourly(offer, sku) if wanted else None
        if price:  # reserved-capacity SKUs and retired types come at 0
            out.setdefault(a["regionCode"], {})[a["instanceType"]] = price
    return out


def parse_elasticache(offer: dict[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """region → engine (redis, valkey) → node type → $/hour."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for sku, a in _products(offer, "Cache Instance"):
        engine = _CACHE_ENGINES.get(a.get("cacheEngine", ""))
        price = on_demand_hourly(offer, sku) if engine else None
        if engine and price:
            out.setdefault(a["regionCode"], {}).setdefault(engine, {})[a["instanceType"]] = price
    return out


def parse_rds(offer: dict[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """region → engine → instance class → $/hour, Single-AZ instance deployments only."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for sku, a in _products(offer, "Database Instance"):
        engine = _RDS_ENGINES.get(a.get("databaseEngine", ""))
        if engine is None or a.get("deploymentOption") != "Single-AZ":
            continue
        price = on_demand_hourly(offer, sku)
        if price:
            out.setdefault(a["regionCode"], {}).setdefault(engine, {})[a["instanceType"]] = price
    return out


def update(
    table: dict[str, Any],
    *,
    ec2: dict[str, dict[str, float]] | None = None,
    elasticache: dict[str, dict[str, dict[str, float]]] | None = None,
    rds: dict[str, dict[str, dict[str, float]]] | None = None,
    as_of: str,
) -> dict[str, Any]:
    """The table with the parsed prices laid in (sorted), dated ``as_of``."""
    regions = table.setdefault("regions", {})
    template_rates = dict(regions.get("us-east-1", {}).get("rates", {}))
    for section, parsed in (("ec2", ec2), ("elasticache", elasticache), ("rds", rds)):
        for region, prices in (parsed or {}).items():
            entry = regions.setdefault(region, {"name": region, "rates": dict(template_rates)})
            if section == "ec2":
                entry["ec2"] = dict(sorted(prices.items()))
            else:
                entry[section] = {engine: dict(sorted(p.items())) for engine, p in sorted(prices.items())}
    table["asOf"] = as_of
    return table


def _load(path: str | None) -> dict[str, Any] | None:
    return json.loads(Path(path).read_text(encoding="utf-8")) if path else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ec2", help="AmazonEC2 offer file (JSON)")
    parser.add_argument("--elasticache", help="AmazonElastiCache offer file (JSON)")
    parser.add_argument("--rds", help="AmazonRDS offer file (JSON)")
    parser.add_argument("--table", default=str(TABLE), help="price table to update (default: tierup's)")
    parser.add_argument("--as-of", help="date of the prices (default: the offer files' publicationDate)")
    args = parser.parse_args(argv)
    offers = {name: _load(getattr(args, name)) for name in ("ec2", "elasticache", "rds")}
    if not any(offers.values()):
        parser.error("give at least one of --ec2, --elasticache, --rds")
    dates = [o.get("publicationDate", "")[:10] for o in offers.values() if o]
    as_of = args.as_of or max(dates)
    table_path = Path(args.table)
    table = json.loads(table_path.read_text(encoding="utf-8"))
    update(
        table,
        ec2=parse_ec2(offers["ec2"]) if offers["ec2"] else None,
        elasticache=parse_elasticache(offers["elasticache"]) if offers["elasticache"] else None,
        rds=parse_rds(offers["rds"]) if offers["rds"] else None,
        as_of=as_of,
    )
    table_path.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    print(f"updated {table_path} (as of {as_of})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
