"""`tierup new --domain`: the staging and prod stacks serve it over HTTPS and prod's check passes offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import run_cli

DOMAIN = "shop.example.com"  # the mocks answer Route 53 zones for example.com


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("new-domain") / "store"  # its placeholder would be store.example.com
    result = run_cli("new", folder, "--domain", DOMAIN, "--no-workers", "--no-redis")
    assert result.returncode == 0, result.stderr
    return folder


def load_balancer(project: Path, environment: str) -> dict:
    data = yaml.safe_load((project / "stacks" / f"Pulumi.{environment}.yaml").read_text())
    return data["config"].get("tierup:loadBalancer") or {}


def test_staging_and_prod_serve_the_domain(project: Path) -> None:
    assert load_balancer(project, "prod")["domain"] == DOMAIN
    assert load_balancer(project, "staging")["domain"] == f"staging.{DOMAIN}"
    for environment in ("staging", "prod"):
        text = (project / "stacks" / f"Pulumi.{environment}.yaml").read_text()
        assert "store.example.com" not in text and "is a placeholder" not in text


def test_prod_check_passes_offline_over_https(project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONPATH"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "tierup.cli", "check", "--stack", "prod", "-f", "json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["mandatory"] == 0, json.dumps(report["violations"], indent=1)
    assert "alb-https" not in {v["policy"] for v in report["violations"]}


def test_a_bad_domain_is_one_line(tmp_path: Path) -> None:
    result = run_cli("new", tmp_path / "x", "--domain", "https://shop.example.com/")
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: --domain: "), line
    assert not (tmp_path / "x").exists()
