"""Evaluate a project's stack in a child process (the functions ``tierup.engine`` exports).

The child runs ``python -m tierup.engine.child`` with the project's virtualenv when ``Pulumi.yaml``
names one that exists, else this interpreter; Pulumi is imported only there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tierup.engine.project import Project, StackConfig, load_project, load_stack_config
from tierup.errors import TierupError

if TYPE_CHECKING:
    from tierup.engine.evaluation import Evaluation


@dataclass
class EvaluationRun:
    """A program evaluating in a child process; :meth:`result` waits for it."""

    project: Project
    config: StackConfig
    process: subprocess.Popen[bytes]
    result_file: Path
    request_file: Path
    debug: bool

    def result(self) -> Evaluation:
        from tierup.engine.evaluation import Evaluation

        _, stderr = self.process.communicate()
        try:
            payload = json.loads(self.result_file.read_text()) if self.result_file.stat().st_size else {}
        finally:
            self.result_file.unlink(missing_ok=True)
            self.request_file.unlink(missing_ok=True)
        if stderr:
            sys.stderr.write(stderr.decode(errors="replace"))
        if "error" in payload:
            if self.debug and payload.get("traceback"):
                sys.stderr.write(payload["traceback"])
            raise TierupError(payload["error"], file=None)
        if "evaluation" not in payload:
            raise TierupError(
                f"the program's interpreter exited with code {self.process.returncode} before evaluating it"
            )
        return Evaluation.from_dict(payload["evaluation"])


def start_evaluation(directory: str | Path, stack: str, *, debug: bool = False) -> EvaluationRun:
    """Load the project and stack config (errors raise now) and start the program in a child process."""
    project = load_project(directory)
    config = load_stack_config(project, stack)
    python = project.python() or Path(sys.executable)
    request = {
        "program": str(project.main.resolve()),
        "root": str(project.root.resolve()),
        "project": project.name,
        "stack": stack,
        "config": config.wire(),
        "secretKeys": sorted(config.secret_keys),
        "debug": debug,
    }
    fd, request_path = tempfile.mkstemp(prefix="tierup-request-", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump(request, handle)
    fd, result_path = tempfile.mkstemp(prefix="tierup-result-", suffix=".json")
    os.close(fd)
    env = dict(os.environ)
    if project.python() is not None:  # the project's venv may not have tierup: let it find this one
        tierup_home = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), tierup_home) if p)
    process = subprocess.Popen(
        [str(python), "-m", "tierup.engine.child", request_path, result_path],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    return EvaluationRun(project, config, process, Path(result_path), Path(request_path), debug)


def evaluate(directory: str | Path, stack: str, *, debug: bool = False) -> Evaluation:
    """Evaluate ``stack`` of the project in ``directory``; bad input raises :class:`TierupError`."""
    return start_evaluation(directory, stack, debug=debug).result()
