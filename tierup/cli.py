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
    context_settings={"help_option_names": ["-h", "--help"]},
)


class _State:
    debug = False


DirArg = Annotated[Path, typer.Argument(help="Project folder (with a Pulumi.yaml).", show_default=True)]
StackOpt = Annotated[str, typer.Option("--stack", "-s", help="Stack name: reads Pulumi.<stack>.yaml.")]
TimeoutOpt = Annotated[
    float,
    typer.Option("--timeout", min=1, help="Seconds the program may take to evaluate (exit 2 past them)."),
]


def _bound(timeout: float) -> None:
    from tierup.engine.process import set_timeout

    set_timeout(timeout)


EnvironmentOpt = Annotated[
    str | None,
    typer.Option(
        "--environment",
        "-e",
        help="dev, staging or prod (default: tierup:environment, else the stack name, else prod).",
    ),
]


def _environment(value: str | None) -> str | None:
    if value is not None and value not in ENVIRONMENTS:
        raise TierupError(f"must be one of {', '.join(ENVIRONMENTS)} (got {value!r})", key="--environment")
    return value


def _show_version(value: bool) -> None:
    if value:
        from tierup import __version__

        typer.echo(f"tierup {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks on errors.", metavar="", show_default=False)
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_show_version,
            help="Print tierup's version.",
            metavar="",
            show_default=False,
        ),
    ] = False,
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
    environment: EnvironmentOpt = None,
    timeout: TimeoutOpt = 300.0,
) -> None:
    """Evaluate the stack offline and print the resource tree or the plan JSON."""
    _bound(timeout)
    evaluation, environment = evaluate_project(
        directory, stack, environment=_environment(environment), debug=_State.debug
    )
    from tierup.plan import render_json, render_text

    typer.echo((render_json if format is PlanFormat.json else render_text)(evaluation, environment))


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
    environment: EnvironmentOpt = None,
    timeout: TimeoutOpt = 300.0,
) -> None:
    """Evaluate the stack offline and run the policy packs on it (exit 1 on a mandatory violation).

    Waivers in the stack's tierup:policies apply and are listed with their reasons. A
    --policy-pack-config merges over the environment's preset (config/<environment>.json).
    """
    _bound(timeout)
    from tierup.check import run_check

    environment = _environment(environment)
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
    no_workers: Annotated[
        bool, typer.Option("--no-workers", help="No queue and no worker pool.", metavar="")
    ] = False,
    no_redis: Annotated[bool, typer.Option("--no-redis", help="No Redis cache.", metavar="")] = False,
    no_database: Annotated[
        bool,
        typer.Option(
            "--no-database", help="No database (the sample app then keeps no visit count).", metavar=""
        ),
    ] = False,
    domain: Annotated[
        str | None,
        typer.Option(
            "--domain",
            help="Domain prod serves over HTTPS, e.g. shop.example.com (staging: staging.<domain>); "
            "its Route 53 zone must exist. Default: a placeholder under example.com to replace.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into a non-empty folder (files with the same names are replaced).",
            metavar="",
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
        domain=domain,
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
    environment: EnvironmentOpt = None,
    prices: Annotated[
        Path | None,
        typer.Option(
            "--prices",
            help="JSON price file laid over the shipped table (same shape) to override or extend it.",
        ),
    ] = None,
    timeout: TimeoutOpt = 300.0,
) -> None:
    """Estimate the monthly cost per tier from the evaluated resources and a shipped, dated price table."""
    _bound(timeout)
    from tierup.cost import estimate_project

    _environment(environment)  # accepted on every command (DESIGN §6); the estimate does not depend on it

    estimate = estimate_project(directory, stack, debug=_State.debug, prices_file=prices)
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
    environment: EnvironmentOpt = None,
    timeout: TimeoutOpt = 300.0,
) -> None:
    """Draw the architecture (tiers per AZ, cache, queues, NAT, alarms) from the evaluated resources."""
    _bound(timeout)
    from tierup.graph import graph_project

    _environment(environment)  # accepted on every command (DESIGN §6); the diagram does not depend on it

    text = graph_project(directory, stack, format.value, debug=_State.debug)
    if output is not None:
        output.write_text(text if text.endswith("\n") else text + "\n")
    else:
        typer.echo(text)


@app.command("policy-config")
def policy_config(
    directory: DirArg = Path("."),
    stack: StackOpt = ...,  # type: ignore[assignment]
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the config to this file.")
    ] = None,
    environment: EnvironmentOpt = None,
) -> None:
    """Write the --policy-pack-config for `pulumi preview`: the environment's preset with the stack's waivers.

    Waivers limited to named resources cannot be expressed in a policy pack config: they are left
    out, with a note on stderr (tierup check applies them).
    """
    from tierup.engine.project import load_project, load_stack_config
    from tierup.waivers import builtin_levels, load, policy_pack_config
    from tierup.workflow import environment_for

    project = load_project(directory)
    config = load_stack_config(project, stack)
    env = environment_for(config.values, stack, _environment(environment))
    waivers = load(config.values, file=project.relative(config.file), levels=builtin_levels(env))
    result, notes = policy_pack_config(env, waivers)
    text = json.dumps(result, indent=2)
    if output is not None:
        output.write_text(text + "\n")
    else:
        typer.echo(text)
    for note in notes:
        typer.echo(f"note: {note}", err=True)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the stack config file (for editors)."""
    from tierup.settings import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


class _Terminated(BaseException):
    """SIGTERM, SIGINT or SIGHUP arrived: unwind, so every child goes with tierup (not a
    KeyboardInterrupt, which click turns into a silent exit code)."""


def _on_signal(signum: int, _frame: object) -> None:
    raise _Terminated(signum)


def main() -> None:
    """Console entry point: every error is one readable line on stderr; bad input exits 2."""
    import signal

    from tierup.engine.process import kill_all

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    try:
        result = app(standalone_mode=False, prog_name="tierup")
    except _Terminated as exc:
        kill_all()  # the engine child, the policy packs and what they started
        number = exc.args[0]
        typer.echo(f"error: interrupted by {signal.Signals(number).name}", err=True)
        sys.exit(128 + number)
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
        context = getattr(exc, "ctx", None)
        where = context.command_path if context is not None else "tierup"
        typer.echo(f"error: {message.rstrip('.')}. Try '{where} -h'.", err=True)
        sys.exit(2)
    except Exception as exc:  # an unexpected failure of tierup itself: still one line, exit 2
        if _State.debug:
            raise
        typer.echo(f"error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
        sys.exit(2)
    finally:
        kill_all()
    sys.exit(result if isinstance(result, int) else 0)


if __name__ == "__main__":
    main()
