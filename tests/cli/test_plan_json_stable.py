"""`tierup plan --format json` is the same bytes on every run of the same stack (reviewable diffs in CI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import REPO


def plan_json(hash_seed: str) -> str:
    """The reference prod plan, from a CLI (and a program child) with the given ``PYTHONHASHSEED``."""
    result = subprocess.run(
        [sys.executable, "-m", "tierup.cli", "plan", str(REPO), "--stack", "prod", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def runs() -> list[str]:
    # different string hashing in each run: what made set-ordered dependency lists differ between runs
    return [plan_json("1"), plan_json("2")]


def test_two_runs_give_the_same_bytes(runs: list[str]) -> None:
    assert runs[0] == runs[1]


def test_dependency_lists_are_sorted_and_not_empty(runs: list[str]) -> None:
    resources = json.loads(runs[0])["resources"]
    with_deps = [r["dependencies"] for r in resources if len(r["dependencies"]) > 1]
    assert with_deps, "the reference stack has resources with several dependencies"
    assert all(deps == sorted(deps) for deps in with_deps)
