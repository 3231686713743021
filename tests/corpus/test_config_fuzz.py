"""A seeded fuzz of stack configs: the reference project's dev stack, mutated the ways hand-edited YAML
goes wrong (wrong types, deleted and duplicated keys, odd YAML), run through ``tierup plan``.

Whatever the mutation, tierup exits 0, 1 or 2; a 2 is one line starting ``error:`` that names the
stack file (or the program's line), and never a traceback.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

SEED = 20261201
CASES = 14

#: Replacement values of every kind a typo or a confused editor produces.
ODD_VALUES = [
    '"x"',
    "-1",
    "0",
    "99999999999999999999",
    "9" * 5000,
    "true",
    "null",
    "[]",
    "{}",
    "[1, [2, {a: b}]]",
    "2026-01-01",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    ".nan",
    "'\\u0000'",
    '"line\\nbreak"',
    "*nowhere",
    "&a [*a]",
    "~",
    "{secure: AAABAG5vdA==}",
    "\t1",
]


def mutate(text: str, rng: random.Random) -> bytes:
    lines = text.splitlines()
    keyed = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("#")]
    i = rng.choice(keyed)
    kind = rng.choice(["value", "delete", "duplicate", "indent", "bytes", "value", "value"])
    if kind == "value":
        key = lines[i].split(":", 1)[0] if not lines[i].rstrip().endswith(":") or i == 0 else lines[i][:-1]
        lines[i] = f"{key}: {rng.choice(ODD_VALUES)}"
    elif kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i + 1, lines[i])
    elif kind == "indent":
        lines[i] = "   " + lines[i]
    body = ("\n".join(lines) + "\n").encode()
    if kind == "bytes":
        cut = rng.randrange(len(body))
        body = body[:cut] + bytes([rng.choice([0xFF, 0xC3, 0x00, 0x80])]) + body[cut:]
    return body


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reference")
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    shutil.copytree(REPO / "stacks", root / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.mark.parametrize("case", range(CASES))
def test_a_mutated_stack_config_is_handled(reference: Path, case: int) -> None:
    rng = random.Random(SEED + case)
    stack = f"fuzz{case}"
    text = (reference / "stacks" / "Pulumi.dev.yaml").read_text()
    (reference / "stacks" / f"Pulumi.{stack}.yaml").write_bytes(mutate(text, rng))
    result = subprocess.run(
        [sys.executable, "-m", "tierup.cli", "plan", str(reference), "-s", stack, "--timeout", "120"],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=180,
    )
    assert result.returncode in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr
    if result.returncode == 2:
        last = result.stderr.splitlines()[-1]
        assert result.stderr.endswith("\n") and last.startswith("error: "), result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert errors == [last], "one error line, last"
        assert f"Pulumi.{stack}.yaml" in last or ".py:" in last, last
