"""A corpus of ordinary Pulumi Python programs for AWS — none written for tierup — evaluated from a
virtualenv that has pulumi and pulumi_aws but not tierup, as their users would run them.

Every program goes through plan, check, cost and graph, and ends in the exit class ``expected.json``
records: 0 or 1 (``check`` found a mandatory violation), or 2 with the documented one-line error.
To stay cheap on one core, each program is evaluated once (a child process with the bare
virtualenv, as ``tierup plan`` runs it) and cost, graph and check run in-process on that evaluation
against one policy-pack server; ``test_the_cli_end_to_end`` runs the four commands through the CLI for a
few programs, so the command path is covered too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tierup.check import builtin_pack_dir
from tierup.cost import estimate
from tierup.engine import evaluate, load_project, load_stack_config
from tierup.engine.evaluation import Evaluation
from tierup.errors import TierupError
from tierup.graph import build_diagram, render
from tierup.policy_runner import PolicyPack
from tierup.settings import load_usage

PROGRAMS = Path(__file__).parent / "programs"
EXPECTED: dict[str, dict[str, object]] = json.loads((Path(__file__).parent / "expected.json").read_text())
NAMES = sorted(p.name for p in PROGRAMS.iterdir() if (p / "Pulumi.yaml").is_file())


@pytest.fixture(scope="module")
def bare(bare_venv: Path) -> Iterator[Path]:
    """Run every evaluation of this module with the bare virtualenv active."""
    saved = os.environ.get("VIRTUAL_ENV")
    os.environ["VIRTUAL_ENV"] = str(bare_venv)
    yield bare_venv
    if saved is None:
        os.environ.pop("VIRTUAL_ENV", None)
    else:
        os.environ["VIRTUAL_ENV"] = saved


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPack]:
    started = PolicyPack(builtin_pack_dir(), project="corpus", stack="dev", config={}, secret_keys=[])
    started.configure(builtin_pack_dir() / "config" / "prod.json")  # mandatory: exit 1 is possible
    yield started
    started.close()


def test_the_corpus_is_large_and_every_program_has_an_expectation() -> None:
    assert len(NAMES) >= 25
    assert set(EXPECTED) == set(NAMES)


def outcome(name: str, pack: PolicyPack) -> tuple[int, str, Evaluation | None]:
    root = PROGRAMS / name
    try:
        evaluation = evaluate(root, "dev", timeout=120)
    except TierupError as exc:
        message = str(exc).replace(str(root), "<program>").replace(os.path.relpath(root), "<program>")
        return 2, message, None
    config = load_stack_config(load_project(root), "dev")
    usage = load_usage(config.values, file="Pulumi.dev.yaml")
    region = config.values.get("aws:region")
    report = estimate(evaluation, usage, region=region).to_json()
    assert report["stack"] == "dev" and isinstance(report["tiers"], list)
    diagram = render(build_diagram(evaluation, region=region), "mermaid")
    assert diagram.startswith(("flowchart", "graph", "%%"))
    violations = pack.analyze(evaluation)
    return (1 if any(v.enforcement == "mandatory" for v in violations) else 0), "", evaluation


@pytest.mark.parametrize("name", NAMES)
def test_program(name: str, bare: Path, pack: PolicyPack) -> None:
    code, error, evaluation = outcome(name, pack)
    if os.environ.get("TIERUP_CORPUS_RECORD"):  # refresh expected.json after a deliberate change
        recorded = {"exit": code, **({"error": error} if error else {})}
        if evaluation is not None and evaluation.notes:
            recorded["notes"] = evaluation.notes
        EXPECTED[name] = recorded
        (PROGRAMS.parent / "expected.json").write_text(json.dumps(EXPECTED, indent=2, sort_keys=True) + "\n")
    expected = EXPECTED[name]
    assert code == expected["exit"], error
    if code == 2:
        assert error == expected["error"] and "\n" not in error
    else:
        assert evaluation is not None and evaluation.custom_resources()
        assert evaluation.notes == expected.get("notes", [])


@pytest.mark.parametrize("name", ["static-site", "fixture-lookups", "unanswered-lookup"])
def test_the_cli_end_to_end(name: str, bare_venv: Path) -> None:
    env = {**os.environ, "VIRTUAL_ENV": str(bare_venv)}
    for command in (["plan", "--format", "json"], ["check"], ["cost"], ["graph"]):
        result = subprocess.run(
            [sys.executable, "-m", "tierup.cli", command[0], str(PROGRAMS / name), "-s", "dev", *command[1:]],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        expected = EXPECTED[name]
        if expected["exit"] == 2:
            assert result.returncode == 2, result.stderr
            assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
        else:
            allowed = {0, 1} if command[0] == "check" else {0}
            assert result.returncode in allowed, result.stderr
            assert "Traceback" not in result.stderr


def test_a_multi_language_component_is_noted_in_every_report(bare_venv: Path, tmp_path: Path) -> None:
    """Its children are not evaluated offline: plan JSON, check JSON and SARIF say so, and so does stderr."""
    env = {**os.environ, "VIRTUAL_ENV": str(bare_venv)}
    program = str(PROGRAMS / "apigateway-remote")
    sarif = tmp_path / "check.sarif"
    runs = {
        "plan": ["plan", program, "-s", "dev", "--format", "json"],
        "check": ["check", program, "-s", "dev", "--format", "json"],
        "sarif": ["check", program, "-s", "dev", "--format", "sarif", "--output", str(sarif)],
    }
    documents = {}
    for label, args in runs.items():
        result = subprocess.run(
            [sys.executable, "-m", "tierup.cli", *args], capture_output=True, text=True, env=env, timeout=120
        )
        assert result.returncode in (0, 1), result.stderr
        assert "note: aws-apigateway:index:RestAPI" in result.stderr
        documents[label] = json.loads(sarif.read_text() if label == "sarif" else result.stdout)
    for notes in (
        documents["plan"]["notes"],
        documents["check"]["notes"],
        documents["sarif"]["runs"][0]["properties"]["notes"],
    ):
        assert len(notes) == 1 and "children are not evaluated offline" in notes[0]


def test_asg_tag_entries_keep_their_key(bare: Path) -> None:
    """Issue 11 item 9: each ``tags`` entry of an ASG reaches the plan (and so the pack) with its ``key``."""
    evaluation = evaluate(PROGRAMS / "ec2-asg-web", "dev", timeout=120)
    asg = evaluation.one(type="aws:autoscaling/group:Group")
    assert asg.inputs["tags"] == [{"key": "Name", "value": "web", "propagateAtLaunch": True}]
