"""How long `tierup check . --stack prod` takes as a whole process, and the peak RSS it needs.

    .venv/bin/python bench/check_latency.py [--runs 7]

Peak RSS is the whole process tree at once: the CLI, the program's child process and the policy
pack's process (sampled from /proc). Targets on 2 cores: ≤ 2.0 s median, ≤ 400 MB.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import cpu_note, measure, summary

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--stack", default="prod")
    args = parser.parse_args()
    tierup = str(Path(sys.executable).parent / "tierup")
    runs = measure([tierup, "check", ".", "--stack", args.stack], REPO, args.runs)
    print(cpu_note())
    print(summary(f"tierup check . --stack {args.stack}", runs))


if __name__ == "__main__":
    main()
