"""How long `tierup plan . --stack prod` takes as a whole process, against a bare Pulumi import.

    .venv/bin/python bench/plan_latency.py [--runs 7]

The baseline `python -c "import pulumi, pulumi_aws"` is the floor any offline evaluation pays;
the ratio says what the engine, the program and the components add on top. Target: plan ≤ 1.5 s
median on 2 cores for the full reference prod stack.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import cpu_note, measure, summary

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    tierup = str(Path(sys.executable).parent / "tierup")
    baseline = measure([sys.executable, "-c", "import pulumi, pulumi_aws"], REPO, args.runs)
    plan = measure([tierup, "plan", ".", "--stack", "prod"], REPO, args.runs)
    print(cpu_note())
    print(summary("import pulumi, pulumi_aws", baseline))
    print(summary("tierup plan . --stack prod", plan))
    ratio = statistics.median(r.seconds for r in plan) / statistics.median(r.seconds for r in baseline)
    print(f"ratio plan / bare import: {ratio:.1f}x")


if __name__ == "__main__":
    main()
