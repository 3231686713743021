"""Shared test helpers: where the fixtures live and how to run the CLI as a user does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``tierup`` as a separate process, exactly as a user or CI would."""
    return subprocess.run(
        [sys.executable, "-m", "tierup.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=120,
    )
