"""The ``tierup`` command: orchestration only — the work lives in the modules it calls.

Exit codes: 0 success; 1 ``check`` found a mandatory violation; 2 bad input (unreadable project,
invalid config, a program that raises, bad flags). Errors are one line on stderr, never a
traceback unless ``--debug``.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from tierup.errors import TierupError

app = typer.Typer(
    name="tierup",
    help="From one prototype server to separate production tiers on AWS: plan, check, cost and graph a "
    "Pulumi stack offline, and scaffold new projects.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ENVIRONMENTS = ("dev", "staging", "prod")


class _State:
    debug = False


DirArg = Annotated[Path, typer.Argument(help="Project folder (with a Pulumi.yaml).", show_default=True)]
StackOpt = Annotated[str, typer.Option("--stack", "-s", help="Stack name: reads Pulumi.<stack>.yaml.")]


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _State.debug = debug


def environment_for(config: dict[str, Any], stack: str, override: str | None = None) -> str:
    """``--environment``, else ``tierup:environment``, else the stack name when dev/staging/prod, else prod."""
    if override:
        return override
    configured = config.get("tierup:environment")
    if isinstance(configured, str) and configured in ENVIRONMENTS:
        return configured
    return stack if stack in ENVIRONMENTS else "prod"


def validate_settings(config: dict[str, Any], stack_file: str, stack: str) -> None:
    """Validate ``tierup:`` settings before any resource is declared (programs that use tierup)."""
    if not any(key.startswith("tierup:") for key in config):
        return
    from tierup.settings import load_settings

    load_settings(config, file=stack_file, stack=stack)


def evaluate_project(directory: Path, stack: str) -> tuple[Any, str]:
    """Start the program, validate the settings while it runs, and return (evaluation, environment)."""
    from tierup.engine import start_evaluation

    run = start_evaluation(directory, stack, debug=_State.debug)
    try:
        validate_settings(run.config.values, run.project.relative(run.config.file), stack)
    except BaseException:
        run.process.kill()
        run.process.wait()
        raise
    evaluation = run.result()
    return evaluation, environment_for(run.config.values, stack)


class PlanFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def plan(
    directory: DirArg = Path("."),
    stack: StackOpt = ...,  # type: ignore[assignment]
    format: Annotated[
        PlanFormat, typer.Option("--format", "-f", help="text: the resource tree; json: the plan.")
    ] = PlanFormat.text,
) -> None:
    """Evaluate the stack offline and print the resource tree or the plan JSON."""
    evaluation, environment = evaluate_project(directory, stack)
    if format is PlanFormat.json:
        typer.echo(json.dumps(evaluation.plan(environment), indent=2))
    else:
        from tierup.plan import render_text

        typer.echo(render_text(evaluation, environment))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the stack config file (for editors)."""
    from tierup.settings import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


def main() -> None:
    """Console entry point: every error is one readable line on stderr; bad input exits 2."""
    try:
        result = app(standalone_mode=False)
    except TierupError as exc:
        if _State.debug:
            raise
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(2)
    except typer.exceptions.TyperException as exc:  # bad flags and arguments
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        typer.echo(f"error: {message} (see 'tierup --help')", err=True)
        sys.exit(2)
    except Exception as exc:  # an unexpected failure of tierup itself: still one line, exit 2
        if _State.debug:
            raise
        typer.echo(f"error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
        sys.exit(2)
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
