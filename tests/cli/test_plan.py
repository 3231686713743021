"""`tierup plan` and `tierup schema` as a user runs them: output, exit codes 0 and 2, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import TESTS, run_cli

RAW = TESTS / "engine" / "projects" / "raw"


def project(
    tmp_path: Path, stack_yaml: str, program: str = "import pulumi_aws as aws\naws.sqs.Queue('q')\n"
) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: bad\nruntime: python\nmain: stacks/\nstackConfigDir: stacks\n"
    )
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "__main__.py").write_text(program)
    (tmp_path / "stacks" / "Pulumi.prod.yaml").write_text(stack_yaml)
    return tmp_path


def test_plan_text_is_a_tree_grouped_by_component() -> None:
    result = run_cli("plan", RAW, "--stack", "prod")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "raw-engine · stack prod · environment prod — 12 resources in 2 components"
    assert "├─ raw:app:Tier  web  (2 resources)" in lines
    assert "│  └─ raw:net:Rules  web-rules  (1 resource)" in lines
    assert any("aws:sqs/queue:Queue  orders  [protected]" in line for line in lines)
    assert "  password: [secret]" in lines


def test_plan_json_masks_secrets() -> None:
    result = run_cli("plan", RAW, "--stack", "prod", "--format", "json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert (plan["project"], plan["stack"], plan["environment"]) == ("raw-engine", "prod", "prod")
    param = next(r for r in plan["resources"] if r["type"] == "aws:ssm/parameter:Parameter")
    assert param["inputs"]["value"] == "[secret]"
    assert "offline-secret" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", str(RAW)], "error: Missing option '--stack'"),
        (["plan", str(RAW), "--stack", "prod", "--format", "xml"], "error: Invalid value for '--format'"),
        (["plan", str(RAW), "--stack", "qa"], "no such stack 'qa'; stacks here: dev, prod"),
        (["plan", "/nonexistent", "--stack", "prod"], "error: /nonexistent: not a directory"),
        (
            ["plan", str(TESTS / "engine" / "projects" / "broken"), "--stack", "dev"],
            "error: lib.py:4: KeyError: 'maximum'",
        ),
        (["nosuchcommand"], "error: No such command 'nosuchcommand'"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        (
            "config:\n  tierup:environment: prod\n  tierup:loadBalancer:\n    internal: true\n"
            "  tierup:services:\n    web:\n      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1\n"
            "      minSize: 3\n      maxSize: 2\n",
            "error: stacks/Pulumi.prod.yaml: tierup:services.web.minSize: must be ≤ maxSize (3 > 2)",
        ),
        (
            "config:\n  tierup:environment: prod\n  tierup:loadBalancer:\n    internal: true\n"
            "  tierup:services:\n    web:\n      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1\n"
            "      minSise: 3\n",
            "error: stacks/Pulumi.prod.yaml: tierup:services.web.minSise: unknown key; did you mean 'minSize'?",
        ),
        (
            "config:\n  tierup:enviroment: prod\n",
            "error: stacks/Pulumi.prod.yaml: tierup:enviroment: unknown key; did you mean",
        ),
    ],
)
def test_invalid_settings_are_one_line_naming_file_and_key(tmp_path: Path, yaml: str, expected: str) -> None:
    result = run_cli("plan", ".", "--stack", "prod", cwd=project(tmp_path, yaml))
    assert result.returncode == 2
    assert result.stderr.startswith(expected)
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback() -> None:
    result = run_cli("--debug", "plan", TESTS / "engine" / "projects" / "broken", "--stack", "dev")
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_schema_is_json_schema_of_the_stack_file() -> None:
    result = run_cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "tierup:services" in json.dumps(schema)
