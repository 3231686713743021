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
from typing import Annotated

import typer

from tierup.errors import TierupError
from tierup.workflow import ENVIRONMENTS, evaluate_project

app = typer.Typer(
    name="tierup",
    help="From one prototype server to separate production tiers on AWS: plan, check, cost and graph a "
    "Pulumi stack offline, and scaffold new projects.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _State:
    debug = False


DirArg = Annotated[Path, typer.Argument(help="Project folder (with a Pulumi.yaml).", show_default=True)]
StackOpt = Annotated[str, typer.Option("--stack", "-s", help="Stack name: reads Pulumi.<stack>.yaml.")]


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _State.debug = debug


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
    evaluation, environment = evaluate_project(directory, stack, debug=_State.debug)
    if format is PlanFormat.json:
        typer.echo(json.dumps(evaluation.plan(environment), indent=2))
    else:
        from tierup.plan import render_text

        typer.echo(render_text(evaluation, environment))


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


@app.command()
def check(
    directory: DirArg = Path("."),
    stack: StackOpt = ...,  # type: ignore[assignment]
    format: Annotated[
        CheckFormat, typer.Option("--format", "-f", help="text scorecard, JSON, or SARIF 2.1.0.")
    ] = CheckFormat.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    policy_packs: Annotated[
        list[Path] | None,
        typer.Option(
            "--policy-pack",
            help="A policy pack folder; adds to the built-in pack, or replaces it if it has its name.",
        ),
    ] = None,
    policy_pack_configs: Annotated[
        list[Path] | None,
        typer.Option(
            "--policy-pack-config", help="A config file for the --policy-pack at the same position."
        ),
    ] = None,
    environment: Annotated[
        str | None,
        typer.Option("--environment", "-e", help="dev, staging or prod: picks the enforcement config."),
    ] = None,
) -> None:
    """Evaluate the stack offline and run the policy packs on it (exit 1 on a mandatory violation)."""
    from tierup.check import run_check

    if environment is not None and environment not in ENVIRONMENTS:
        raise TierupError(
            f"must be one of {', '.join(ENVIRONMENTS)} (got {environment!r})", key="--environment"
        )
    if policy_pack_configs and len(policy_pack_configs) > len(policy_packs or []):
        raise TierupError(
            "more --policy-pack-config files than --policy-pack folders", key="--policy-pack-config"
        )
    report = run_check(
        directory,
        stack,
        extra_packs=list(policy_packs or []),
        extra_configs=list(policy_pack_configs or []),
        environment=environment,
        debug=_State.debug,
    )
    if format is CheckFormat.json:
        text = json.dumps(report.to_json(), indent=2)
    elif format is CheckFormat.sarif:
        text = json.dumps(report.to_sarif(), indent=2)
    else:
        text = report.render_text()
    if output is not None:
        output.write_text(text + "\n")
        if format is not CheckFormat.text:
            typer.echo(report.render_text().splitlines()[-1], err=True)
    else:
        typer.echo(text)
    raise typer.Exit(report.exit_code)


@app.command()
def new(
    directory: Annotated[
        Path, typer.Argument(help="Folder for the project: new, empty, or a fresh git clone (only .git).")
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Pulumi project name (default: the folder's name).")
    ] = None,
    region: Annotated[str, typer.Option("--region", help="AWS region of the stacks.")] = "us-east-1",
    no_workers: Annotated[bool, typer.Option("--no-workers", help="No queue and no worker pool.")] = False,
    no_redis: Annotated[bool, typer.Option("--no-redis", help="No Redis cache.")] = False,
    no_database: Annotated[
        bool, typer.Option("--no-database", help="No database (the sample app then keeps no visit count).")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Write into a non-empty folder (files with the same names are replaced)."
        ),
    ] = False,
) -> None:
    """Scaffold a project: program, dev/staging/prod stacks, sample app, tests and CI workflow."""
    from tierup.scaffold import create_project, next_steps

    created = create_project(
        directory,
        name=name,
        region=region,
        workers=not no_workers,
        redis=not no_redis,
        database=not no_database,
        force=force,
    )
    typer.echo(next_steps(created))


class CostFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command()
def cost(
    directory: DirArg = Path("."),
    stack: StackOpt = ...,  # type: ignore[assignment]
    format: Annotated[
        CostFormat,
        typer.Option("--format", "-f", help="text table, JSON, or a Markdown table for a PR comment."),
    ] = CostFormat.text,
) -> None:
    """Estimate the monthly cost per tier from the evaluated resources and a shipped, dated price table."""
    from tierup.cost import estimate_project

    estimate = estimate_project(directory, stack, debug=_State.debug)
    if format is CostFormat.json:
        typer.echo(json.dumps(estimate.to_json(), indent=2))
    elif format is CostFormat.markdown:
        typer.echo(estimate.render_markdown())
    else:
        typer.echo(estimate.render_text())


class GraphFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"


@app.command()
def graph(
    directory: DirArg = Path("."),
    stack: StackOpt = ...,  # type: ignore[assignment]
    format: Annotated[
        GraphFormat,
        typer.Option("--format", "-f", help="mermaid (renders on GitHub), Graphviz dot, or svg (needs dot)."),
    ] = GraphFormat.mermaid,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the diagram to this file.")
    ] = None,
) -> None:
    """Draw the architecture (tiers per AZ, cache, queues, NAT, alarms) from the evaluated resources."""
    from tierup.graph import graph_project

    text = graph_project(directory, stack, format.value, debug=_State.debug)
    if output is not None:
        output.write_text(text if text.endswith("\n") else text + "\n")
    else:
        typer.echo(text)


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
