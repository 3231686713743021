"""The steps every command shares: start the evaluation, validate the settings, pick the environment."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tierup.aws_facts import ENVIRONMENTS

if TYPE_CHECKING:
    from tierup.engine import EvaluationRun
    from tierup.engine.evaluation import Evaluation


def environment_for(config: Mapping[str, Any], stack: str, override: str | None = None) -> str:
    """``--environment``, else ``tierup:environment``, else the stack name when dev/staging/prod, else prod."""
    if override:
        return override
    configured = config.get("tierup:environment")
    if isinstance(configured, str) and configured in ENVIRONMENTS:
        return configured
    return stack if stack in ENVIRONMENTS else "prod"


def validate_settings(run: EvaluationRun, stack: str) -> None:
    """Validate ``tierup:`` settings (programs that use tierup) before trusting anything the program declared."""
    config = run.config.values
    tierup_keys = {key for key in config if key.startswith("tierup:")}
    if tierup_keys <= {"tierup:usage"}:  # a hand-written stack; `tierup cost` validates its usage block
        return
    from tierup.settings import load_settings

    load_settings(config, file=run.project.relative(run.config.file), stack=stack)


def start(directory: Path, stack: str, *, debug: bool = False, validate: bool = True) -> EvaluationRun:
    """Start the program in its child process and (unless ``validate=False``: call
    :func:`validate_or_stop` yourself) validate the settings while it runs."""
    from tierup.engine import start_evaluation

    run = start_evaluation(directory, stack, debug=debug)
    if validate:
        validate_or_stop(run, stack)
    return run


def validate_or_stop(run: EvaluationRun, stack: str) -> None:
    """Validate the settings; invalid ones stop the child at once: nothing half-done."""
    try:
        validate_settings(run, stack)
    except BaseException:
        run.process.kill()
        run.process.wait()
        raise


def evaluate_project(
    directory: Path, stack: str, *, environment: str | None = None, debug: bool = False
) -> tuple[Evaluation, str]:
    """Evaluate the stack; return the evaluation and the environment that applies."""
    run = start(directory, stack, debug=debug)
    return run.result(), environment_for(run.config.values, stack, environment)
