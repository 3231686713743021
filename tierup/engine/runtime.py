"""Run a Pulumi program in this process under the recording mocks.

This is what the child process of :func:`tierup.engine.evaluate` does, and what in-process tests
use directly::

    from tierup.engine.runtime import evaluate_inline

    def program() -> None:
        aws.sqs.Queue("jobs")

    evaluation = evaluate_inline(program, config={"aws:region": "eu-west-1"})
    assert evaluation.one(type="aws:sqs/queue:Queue").outputs["url"].startswith("https://sqs.eu-west-1")

Config is given exactly as the language host passes it: fully qualified keys, string values
(structured values JSON-encoded); ``secret_keys`` lists the keys that are secrets.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import empty_pb2
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.mocks import MockEngine, MockSettings
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from . import sdk_shortcuts
from .evaluation import Evaluation
from .mocks import AwsMocks
from .monitor import RecordingMonitor


class _LogCollector(logging.Handler):
    """Keeps what the program logs through ``pulumi.log`` (the mock engine routes it to logging)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.entries: list[dict[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.INFO:
            self.entries.append({"severity": record.levelname.lower(), "message": record.getMessage()})


@contextlib.contextmanager
def _declaration_order() -> Iterator[dict[tuple[str, str], list[int]]]:
    """Number resources in the order the program declares them.

    The SDK registers resources from worker threads, so the monitor sees them in an order that
    varies from run to run; the declaration order (``Resource.__init__`` calls) does not.
    """
    import pulumi.resource as pulumi_resource

    original = pulumi_resource.register_resource
    counter = itertools.count()
    seen: dict[tuple[str, str], list[int]] = {}

    def numbered(res: Any, ty: str, name: str, *args: Any, **kwargs: Any) -> Any:
        seen.setdefault((ty, name), []).append(next(counter))
        return original(res, ty, name, *args, **kwargs)

    pulumi_resource.register_resource = numbered
    try:
        yield seen
    finally:
        pulumi_resource.register_resource = original


def _in_declaration_order(records: list[Any], order: dict[tuple[str, str], list[int]]) -> list[Any]:
    """Stack, then default providers, then every resource in the order the program declared it."""
    queues = {key: list(seqs) for key, seqs in order.items()}

    def rank(record: Any) -> tuple[int, int]:
        if record.type == "pulumi:pulumi:Stack":
            return (0, 0)
        seqs = queues.get((record.type, record.name))
        if seqs:
            return (2, seqs.pop(0))
        return (1, 0)  # default providers, created by the engine on first use

    ranked = [(rank(r), i, r) for i, r in enumerate(records)]
    return [r for _, _, r in sorted(ranked, key=lambda t: (t[0], t[1]))]


def _location_order(failure: tuple[str, str]) -> tuple[str, int, str]:
    file, _, line = failure[0].rpartition(":")
    return (file, int(line), failure[1]) if line.isdigit() else (failure[0], 0, failure[1])


class CallbackError(Exception):
    """An ``apply`` callback of the program raised (the first one, in the program's order)."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(message)
        setattr(self, LOCATION_ATTR, location)


def _is_tierup_module(name: str) -> bool:
    """tierup's own code (its components, its engine), which a program's source position skips."""
    return name == "tierup" or name.startswith(("tierup.", "_tierup_engine"))


def _program_frame(frame: Any, root: str) -> Any:
    """The innermost frame from ``frame`` outwards that is the program's own code under ``root``."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if (
            filename.startswith(root)
            and "site-packages" not in filename
            and not _is_tierup_module(frame.f_globals.get("__name__", ""))
        ):
            return frame
        frame = frame.f_back
    return None


@contextlib.contextmanager
def _declaring_frames(source_root: Path | None) -> Iterator[None]:
    """Record where the program declared each resource, cheaply.

    The SDK turns every frame of the stack into a URI for each resource it registers (an eighth of
    an evaluation's time); the engine needs one frame: the innermost in the project that is not
    tierup's own code (so a component's children point at the line that created the component).
    """
    import sys

    import pulumi.runtime.resource as sdk_resource
    from pulumi.runtime.proto import source_pb2

    root = f"{source_root.resolve()}{os.sep}" if source_root else None

    def stack_trace() -> Any:
        frame = _program_frame(sys._getframe(1), root) if root else None
        if frame is None:
            return source_pb2.StackTrace()
        position = source_pb2.SourcePosition(uri=Path(frame.f_code.co_filename).as_uri(), line=frame.f_lineno)
        return source_pb2.StackTrace(frames=[source_pb2.StackFrame(pc=position)])

    original = sdk_resource._get_stack_trace
    sdk_resource._get_stack_trace = stack_trace
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = original


#: The attribute a failing ``apply`` callback's exception carries: where in the program it failed.
LOCATION_ATTR = "__tierup_location__"


@contextlib.contextmanager
def _located_callbacks(source_root: Path | None, failures: list[tuple[str, str]]) -> Iterator[None]:
    """Note where in the program each failing ``apply`` callback raised.

    The SDK re-raises a callback's exception from its own task, far from the program's line; the
    wrapper records ``file:line`` while the callback's frames are still on the traceback, and every
    failure, so the one reported does not depend on which task the event loop finished first.
    """
    from pulumi.output import Output

    from .child import program_location

    original = Output.apply

    def apply(self: Any, func: Callable[..., Any], run_with_unknowns: bool = False) -> Any:
        def located(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                if source_root is not None and not hasattr(exc, LOCATION_ATTR):
                    location = program_location(exc.__traceback__, source_root)
                    with contextlib.suppress(AttributeError, TypeError):
                        setattr(exc, LOCATION_ATTR, location)
                    text = " ".join(str(exc).split())
                    failures.append(
                        (location or "~", f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
                    )
                raise

        return original(self, located, run_with_unknowns)

    Output.apply = apply  # type: ignore[method-assign]
    try:
        yield
    finally:
        Output.apply = original  # type: ignore[method-assign]


@contextlib.contextmanager
def _invoke_sites(source_root: Path | None, sites: dict[str, str]) -> Iterator[None]:
    """Note the program's ``file:line`` that first calls each invoke (plain or output form).

    An invoke's answer is computed far from the program (an output-form invoke, in another task);
    an invoke nobody can answer names this line.
    """
    import sys

    import pulumi.runtime as pulumi_runtime

    if source_root is None:
        yield
        return
    root = f"{source_root.resolve()}{os.sep}"
    names = ("invoke", "invoke_output", "invoke_async", "invoke_single", "invoke_output_single")
    originals = {name: getattr(pulumi_runtime, name) for name in names if hasattr(pulumi_runtime, name)}

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def noted(tok: str, *args: Any, **kwargs: Any) -> Any:
            if tok not in sites:
                frame = _program_frame(sys._getframe(1), root)
                if frame is not None:
                    where = Path(frame.f_code.co_filename).relative_to(source_root.resolve())
                    sites[tok] = f"{where}:{frame.f_lineno}"
            return original(tok, *args, **kwargs)

        return noted

    import pulumi.resource as pulumi_resource

    original_read = pulumi_resource.read_resource

    def noted_read(res: Any, ty: str, name: str, *args: Any, **kwargs: Any) -> Any:
        frame = _program_frame(sys._getframe(1), root)
        if frame is not None:
            where = Path(frame.f_code.co_filename).relative_to(source_root.resolve())
            sites[f"read:{ty}::{name}"] = f"{where}:{frame.f_lineno}"
        return original_read(res, ty, name, *args, **kwargs)

    for name, original in originals.items():
        setattr(pulumi_runtime, name, wrap(original))
    pulumi_resource.read_resource = noted_read
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(pulumi_runtime, name, original)
        pulumi_resource.read_resource = original_read


def _settle(loop: asyncio.AbstractEventLoop, seconds: float = 10.0) -> None:
    """Let what is still running finish (bounded), so every failing callback has failed."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=seconds))


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a failed program left running, so the next evaluation starts clean."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    # the evaluation is over (its error already raised): futures it never awaited are not news
    loop.set_exception_handler(lambda _loop, _context: None)


def evaluate_inline(
    program: Callable[[], Any],
    *,
    project: str = "project",
    stack: str = "dev",
    config: Mapping[str, Any] | None = None,
    secret_keys: list[str] | None = None,
    source_root: Path | None = None,
    fixtures: Mapping[str, Any] | None = None,
    preview: bool = False,
) -> Evaluation:
    """Run ``program`` (a callable that declares resources) and return what it declared.

    Exceptions the program raises propagate unchanged (the child process turns them into one line).
    Non-string config values are JSON-encoded, as the language host would. With ``source_root``,
    each resource records the file and line (under that folder) where the program declared it.
    """
    wire_config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (config or {}).items()}
    region = wire_config.get("aws:region", "us-east-1")
    mocks = AwsMocks(region=region, fixtures=fixtures)
    monitor = RecordingMonitor(mocks, project, stack, wire_config, secret_keys, source_root)
    logger = logging.getLogger(f"tierup.program.{id(monitor)}")
    logger.propagate = False
    collector = _LogCollector()
    logger.addHandler(collector)

    pulumi.runtime.set_all_config(wire_config, secret_keys or [])
    pulumi_settings.configure(
        MockSettings(
            monitor=monitor,
            monitor_features=set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures),
            engine=MockEngine(logger),
            project=project,
            stack=stack,
            dry_run=preview,
            organization="organization",
            callbacks=None,
            root_directory=str(source_root) if source_root else os.getcwd(),
        )
    )
    pulumi_settings.ROOT.set(None)  # a fresh stack for every evaluation
    pulumi_settings.SETTINGS.outputs.clear()  # as pulumi.runtime.test does: no outputs of an earlier run
    loop = asyncio.new_event_loop()  # and a fresh loop: a failed program leaves tasks behind
    asyncio.set_event_loop(loop)
    failures: list[tuple[str, str]] = []
    try:
        with (
            _declaration_order() as order,
            _declaring_frames(source_root),
            _located_callbacks(source_root, failures),
            _invoke_sites(source_root, mocks.invoke_sites),
            sdk_shortcuts.installed(),
        ):
            _sync_await(run_in_stack(program))
    except Exception as exc:
        if failures and getattr(exc, LOCATION_ATTR, None) is not None:
            # several callbacks may fail, in an order the event loop picks: let them all run, then
            # report the first in the program's order, the same every run
            _settle(loop)
            first = min(failures, key=_location_order)
            if first[0] != getattr(exc, LOCATION_ATTR):
                raise CallbackError(*first) from exc
        raise
    finally:
        logger.removeHandler(collector)
        _cancel_leftovers(loop)
    return Evaluation(
        project=project,
        stack=stack,
        resources=_in_declaration_order(list(monitor.records.values()), order),
        outputs=monitor.stack_outputs,
        logs=collector.entries,
        notes=monitor.notes,
    )
