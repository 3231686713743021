"""How `tierup plan` and `tierup check` scale: N copies of the reference architecture in one stack.

    .venv/bin/python bench/scale.py [--copies 1 5 10 20] [--runs 3] [--commands plan check]

For each N a throwaway project is written whose program calls ``tierup.build`` N times with
distinct names over the reference prod settings (``stacks/Pulumi.prod.yaml`` copied as is, read
through the public ``StackSettings``, so the bench follows the config schema wherever it goes).
Each command runs as a user runs it; reported per command and N: median wall time, median CPU
time of the whole process tree (CLI + program child + policy pack; ``RUSAGE_CHILDREN`` deltas,
the steady figure on a shared machine), the spread of both, and the peak RSS of the tree.

Also reported: the floor — ``python -c "import pulumi, pulumi_aws"`` plus the ``pulumi_aws``
classes the reference stack uses, which any offline evaluation pays — and, when ``checkov`` is
importable (optional, not a dependency), Checkov over a Terraform file with N copies of an
equivalent architecture (see ``bench/_terraform.py``).

Targets (issue 12): 20 copies checked in ≤ 10 s CPU, growing no worse than linearly in resources;
the prod check ≤ 1.6 times the floor; peak RSS of the tree ≤ 400 MB at 20 copies.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import Run, cpu_note, measure

REPO = Path(__file__).resolve().parents[1]
STACK_FILE = REPO / "stacks" / "Pulumi.prod.yaml"

PROGRAM = '''\
"""{copies} copies of the reference architecture in one stack (written by bench/scale.py)."""

import pulumi

import tierup
from tierup.settings import StackSettings

settings = StackSettings.from_pulumi_config()
for i in range({copies}):
    arch = tierup.build(settings, name=f"c{{i:02d}}")
    pulumi.export(f"url{{i:02d}}", arch.load_balancer.url)
'''


def write_project(root: Path, copies: int) -> Path:
    """A project folder with the N-copy program and the reference prod stack file."""
    folder = root / f"scale-{copies}"
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text(
        f"name: tierup-scale-{copies}\nruntime: python\ndescription: bench/scale.py, {copies} copies\n"
    )
    (folder / "__main__.py").write_text(PROGRAM.format(copies=copies))
    shutil.copy(STACK_FILE, folder / "Pulumi.prod.yaml")
    return folder


def floor_command(project: Path) -> list[str]:
    """``import pulumi, pulumi_aws`` plus every pulumi_aws class the stack declares."""
    tierup = str(Path(sys.executable).parent / "tierup")
    plan = subprocess.run(
        [tierup, "plan", str(project), "--stack", "prod", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    )
    classes: dict[str, set[str]] = {}
    for resource in json.loads(plan.stdout)["resources"]:
        package, module, name = [*resource["type"].split(":"), "", ""][:3]
        if package == "aws" and resource["custom"] and module != "index" and "/" in module:
            classes.setdefault(module.split("/")[0], set()).add(name)
    imports = "; ".join(
        f"from pulumi_aws.{module} import {', '.join(sorted(names))}"
        for module, names in sorted(classes.items())
    )
    return [sys.executable, "-c", f"import pulumi, pulumi_aws; {imports}"]


def describe(name: str, runs: list[Run]) -> dict[str, float | str]:
    walls = sorted(r.seconds for r in runs)
    cpus = sorted(r.cpu_seconds for r in runs)
    return {
        "name": name,
        "wall": statistics.median(walls),
        "wall_spread": walls[-1] - walls[0],
        "cpu": statistics.median(cpus),
        "cpu_spread": cpus[-1] - cpus[0],
        "rss": max(r.peak_rss_mb for r in runs),
        "exits": ",".join(str(c) for c in sorted({r.exit_code for r in runs})),
    }


def line(row: dict[str, float | str]) -> str:
    return (
        f"{row['name']:<28} wall {row['wall']:6.2f} s (±{row['wall_spread'] / 2:.2f})  "
        f"CPU {row['cpu']:6.2f} s (±{row['cpu_spread'] / 2:.2f})  peak RSS {row['rss']:5.0f} MB  "
        f"exit {row['exits']}"
    )


def checkov_rows(root: Path, copies: list[int], runs: int) -> list[dict[str, float | str]]:
    from _terraform import write_terraform

    checkov = Path(sys.executable).parent / "checkov"
    command = [str(checkov)] if checkov.exists() else [sys.executable, "-m", "checkov.main"]
    rows = []
    for n in copies:
        folder = root / f"terraform-{n}"
        resources = write_terraform(folder, n)
        args = [*command, "-d", str(folder), "--framework", "terraform", "--quiet", "--compact"]
        rows.append(describe(f"checkov {n}x ({resources} res)", measure(args, folder, runs)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commands", nargs="+", default=["plan", "check"], choices=["plan", "check"])
    parser.add_argument("--warmups", type=int, default=1, help="unmeasured runs before each measured set")
    parser.add_argument("--no-floor", action="store_true", help="skip the import floor")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    tierup = str(Path(sys.executable).parent / "tierup")
    print(cpu_note())
    rows: list[dict[str, float | str]] = []
    with tempfile.TemporaryDirectory(prefix="tierup-scale-") as tmp:
        root = Path(tmp)
        projects = {n: write_project(root, n) for n in args.copies}
        if not args.no_floor:
            rows.append(
                describe(
                    "floor (imports)", measure(floor_command(projects[min(args.copies)]), root, args.runs)
                )
            )
            print(line(rows[-1]), flush=True)
        for n in args.copies:
            for command in args.commands:
                argv = [tierup, command, str(projects[n]), "--stack", "prod"]
                runs = measure(argv, root, args.runs, args.warmups)
                rows.append(describe(f"{command} {n}x", runs))
                print(line(rows[-1]), flush=True)
                if any(r.exit_code not in (0, 1) for r in runs):  # an error's time is not a measurement
                    raise SystemExit(f"{' '.join(argv)} failed (exit 2): run it to see why")
        if importlib.util.find_spec("checkov") is not None:
            for row in checkov_rows(root, args.copies, args.runs):
                rows.append(row)
                print(line(row), flush=True)
        else:
            print("checkov is not installed: no comparison (pip install checkov to add it)")
    by_name = {str(r["name"]): r for r in rows}
    if "floor (imports)" in by_name and "check 1x" in by_name:
        floor = float(by_name["floor (imports)"]["cpu"])
        print(f"check 1x / floor (CPU): {float(by_name['check 1x']['cpu']) / floor:.2f}x (target ≤ 1.6x)")
    for command in args.commands:
        sizes = [n for n in args.copies if f"{command} {n}x" in by_name]
        if len(sizes) >= 2:
            small, large = sizes[0], sizes[-1]
            a, b = float(by_name[f"{command} {small}x"]["cpu"]), float(by_name[f"{command} {large}x"]["cpu"])
            print(
                f"{command}: {large}x / {small}x CPU = {b / a:.2f} for {large / small:.0f}x the resources; "
                f"marginal {(b - a) / (large - small):.3f} s CPU per copy"
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
