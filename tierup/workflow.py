"""The steps every command shares: start the evaluation, validate the settings, pick the environment."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tierup.aws_facts import ENVIRONMENTS
from tierup.errors import TierupError

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


WAIVERS_KEY = "tierup:policies"

#: ``tierup:`` keys a hand-written stack may carry: they do not make it a ``tierup.build`` stack.
HAND_WRITTEN_KEYS = frozenset({"tierup:environment", "tierup:usage", WAIVERS_KEY})


def validate_settings(run: EvaluationRun, stack: str) -> None:
    """Validate ``tierup:`` settings (programs that use tierup) before trusting anything the program declared.

    ``tierup:policies`` (waivers) is validated here in shape and by ``tierup check`` against the packs;
    a stack with only :data:`HAND_WRITTEN_KEYS` is a hand-written one: no ``tierup:services`` needed.
    """
    config = run.config.values
    file = run.project.relative(run.config.file)
    if WAIVERS_KEY in config:
        from tierup import waivers

        waivers.parse(config, file=file)
    tierup_keys = {key for key in config if key.startswith("tierup:")}
    if tierup_keys <= HAND_WRITTEN_KEYS:  # `tierup cost` validates its usage block
        environment = config.get("tierup:environment")
        if environment is not None and environment not in ENVIRONMENTS:
            raise TierupError(
                f"must be one of {', '.join(ENVIRONMENTS)} (got {environment!r})",
                file=file,
                key="tierup:environment",
            )
        return
    from tierup.settings import load_settings

    built = {key: value for key, value in config.items() if key != WAIVERS_KEY}  # tierup.waivers reads it
    load_settings(built, file=file, stack=stack)


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
