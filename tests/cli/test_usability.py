"""The CLI on a user's machine: --version, -h, help that names flags, errors that point to the right help,
the project found upward, --environment everywhere, warnings and errors that name the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.helpers import TESTS, run_cli
from tierup import __version__

RAW = TESTS / "engine" / "projects" / "raw"


def test_version_and_short_help() -> None:
    result = run_cli("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"tierup {__version__}")
    short = run_cli("-h")
    assert short.returncode == 0 and short.stdout == run_cli("--help").stdout
    flags = [line for line in short.stdout.splitlines() if "--debug" in line or "--version" in line]
    assert len(flags) == 2 and not any("<bool>" in line for line in flags)  # flags, not values
    check = run_cli("check", "-h")
    assert check.returncode == 0 and "--policy-pack-config" in check.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["check", "--stak", "prod"],
            "error: No such option: --stak (Possible options: --stack). Try 'tierup check -h'.",
        ),
        (["plan", "--format", "xml", "--stack", "prod"], "Try 'tierup plan -h'."),
        (["policy-config"], "error: Missing option '--stack' / '-s'. Try 'tierup policy-config -h'."),
    ],
)
def test_usage_errors_point_to_the_subcommand_help(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr


def test_the_project_is_found_upward_and_environment_is_taken_by_plan(tmp_path: Path) -> None:
    project = tmp_path / "raw"
    shutil.copytree(RAW, project)
    below = project / "deep" / "down"
    below.mkdir(parents=True)
    result = run_cli("plan", "--stack", "prod", "--environment", "staging", cwd=below)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("raw-engine · stack prod · environment staging")


@pytest.mark.parametrize("command", ["plan", "cost", "graph", "check", "policy-config"])
def test_environment_is_checked_on_every_command(command: str) -> None:
    result = run_cli(command, RAW, "--stack", "prod", "--environment", "qa")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --environment: must be one of dev, staging, prod (got 'qa')"


def hand_written(
    tmp_path: Path, config: dict, program: str = "import pulumi_aws as aws\naws.sqs.Queue('q')\n"
) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: hand\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
    )
    (tmp_path / "__main__.py").write_text(program)
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def test_tierup_environment_alone_picks_the_enforcement_of_a_hand_written_stack(tmp_path: Path) -> None:
    project = hand_written(tmp_path, {"aws:region": "us-east-1", "tierup:environment": "dev"})
    result = run_cli("check", project, "--stack", "prod", "--format", "json")
    report = json.loads(result.stdout)
    assert report["environment"] == "dev"
    assert report["violations"] and {v["enforcement"] for v in report["violations"]} == {"advisory"}
    assert result.returncode == 0
    assert "tierup:app" not in result.stderr and "tierup:services" not in result.stderr
    # the missing virtualenv named in Pulumi.yaml is a warning, not silence
    assert (
        "warning: " in result.stderr and "runtime.options.virtualenv: 'venv' does not exist" in result.stderr
    )


def test_a_bad_environment_in_a_hand_written_stack_names_the_key(tmp_path: Path) -> None:
    project = hand_written(tmp_path, {"tierup:environment": "production"})
    result = run_cli("plan", project, "--stack", "prod", cwd=project)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "error: Pulumi.prod.yaml: tierup:environment: must be one of dev, staging, prod (got 'production')"
    )


def test_a_syntax_error_names_the_program_file_and_line(tmp_path: Path) -> None:
    project = hand_written(tmp_path, {}, program="import lib\n")
    (tmp_path / "lib.py").write_text("x = 1\ndef broken(:\n    pass\n")
    result = run_cli("plan", project, "--stack", "prod")
    assert result.returncode == 2
    line = result.stderr.splitlines()[-1]
    assert line.startswith("error: lib.py:2: SyntaxError: "), line
    assert "frozen" not in result.stderr
