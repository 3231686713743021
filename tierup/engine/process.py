"""Evaluate a project's stack in a child process (the functions ``tierup.engine`` exports).

The child is the program's own interpreter — its virtualenv as ``Pulumi.yaml`` names it, else the
active virtualenv, else this interpreter — running ``engine/child.py`` by path, so tierup need not
be installed there. The request goes to its stdin and the result comes back on a pipe: no temporary
file. The child leads its own process group; whatever happens (an error, ``--timeout``, a signal to
tierup), the whole group is killed, so a program that leaves background processes behind cannot
keep tierup waiting.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tierup.engine.project import Project, StackConfig, load_project, load_stack_config
from tierup.errors import TierupError

if TYPE_CHECKING:
    from tierup.engine.evaluation import Evaluation

CHILD_SCRIPT = Path(__file__).resolve().parent / "child.py"
#: How long a program may evaluate, unless ``--timeout`` says otherwise (DESIGN §6).
DEFAULT_TIMEOUT_SECONDS = 300.0
_settings: dict[str, float] = {"timeout": DEFAULT_TIMEOUT_SECONDS}
#: Every child process tierup started and has not reaped yet (engine children, policy packs).
_LIVE: set[subprocess.Popen[bytes]] = set()
_LIVE_LOCK = threading.Lock()


def set_timeout(seconds: float) -> None:
    """Bound every evaluation started from now on (``tierup … --timeout SECONDS``)."""
    _settings["timeout"] = seconds


def spawn(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """Start a child in its own process group and remember it until :func:`reap` (or :func:`kill_all`)."""
    process = subprocess.Popen(args, start_new_session=True, **kwargs)
    with _LIVE_LOCK:
        _LIVE.add(process)
    return process


def reap(process: subprocess.Popen[bytes]) -> None:
    """Kill the child's whole process group (what it left running too) and wait for the child."""
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL does not wait long
        process.wait(timeout=5)
    with _LIVE_LOCK:
        _LIVE.discard(process)


def kill_all() -> None:
    """Reap every child still running (a signal to tierup ends them all)."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for process in live:
        reap(process)


def _drain(stream: Any, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        try:
            while chunk := stream.read(65536):
                into.append(chunk)
        except (OSError, ValueError):
            pass

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@dataclass
class EvaluationRun:
    """A program evaluating in a child process; :meth:`result` waits for it."""

    project: Project
    config: StackConfig
    process: subprocess.Popen[bytes]
    debug: bool
    timeout: float
    _result: list[bytes] = field(default_factory=list)
    _stderr: list[bytes] = field(default_factory=list)
    _readers: list[threading.Thread] = field(default_factory=list)
    _started: float = field(default_factory=time.monotonic)

    def stop(self) -> None:
        """End the evaluation now (the child and everything it started)."""
        reap(self.process)

    def result(self) -> Evaluation:
        from tierup.engine.evaluation import Evaluation

        try:
            remaining = max(0.0, self.timeout - (time.monotonic() - self._started))
            try:
                self.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                raise TierupError(
                    f"the program did not finish within {self.timeout:g} seconds "
                    "(raise --timeout if it needs longer)",
                    file=self.project.relative(self.project.main),
                ) from None
        finally:
            self.stop()  # background processes the program started die with it
            for reader in self._readers:
                reader.join(timeout=2)  # a grandchild that escaped the group must not hold us
        stderr = b"".join(self._stderr).decode(errors="replace")
        raw = b"".join(self._result)
        payload: dict[str, Any] = json.loads(raw) if raw.strip() else {}
        if "error" in payload:
            if self.debug:
                sys.stderr.write(stderr)
                if payload.get("traceback"):
                    sys.stderr.write(payload["traceback"])
            if payload.get("kind") == "interpreter":
                raise TierupError(payload["error"], file=self.project.relative(self.project.file))
            raise TierupError(payload["error"], file=None)
        if stderr:  # what the program printed, after the evaluation (never before an error line)
            sys.stderr.write(stderr)
        if "evaluation" not in payload:
            last = stderr.strip().splitlines()[-1:] or [f"exit code {self.process.returncode}"]
            raise TierupError(
                f"the program's interpreter stopped before evaluating it ({last[0].strip()})",
                file=self.project.relative(self.project.main),
            )
        evaluation = Evaluation.from_dict(payload["evaluation"])
        for note in evaluation.notes:
            sys.stderr.write(f"note: {note}\n")
        return evaluation


def start_evaluation(
    directory: str | Path, stack: str, *, debug: bool = False, timeout: float | None = None
) -> EvaluationRun:
    """Load the project and stack config (errors raise now) and start the program in a child process."""
    from tierup.engine.fixtures import load_fixtures

    project = load_project(directory)
    config = load_stack_config(project, stack)
    fixtures = load_fixtures(project, stack)
    python = project.python() or Path(sys.executable)
    request = {
        "program": str(project.main.resolve()),
        "root": str(project.root.resolve()),
        "project": project.name,
        "stack": stack,
        "config": config.wire(),
        "secretKeys": sorted(config.secret_keys),
        "fixtures": fixtures,
        "debug": debug,
    }
    env = dict(os.environ)
    read_fd, write_fd = os.pipe()
    try:
        process = spawn(
            [str(python), str(CHILD_SCRIPT), str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(write_fd,),
            env=env,
        )
    except OSError as exc:
        os.close(read_fd)
        raise TierupError(
            f"cannot start the program's interpreter {python}: {exc.strerror}",
            file=project.relative(project.file),
        ) from None
    finally:
        os.close(write_fd)
    run = EvaluationRun(project, config, process, debug, _settings["timeout"] if timeout is None else timeout)
    result_stream = os.fdopen(read_fd, "rb")
    assert process.stderr is not None and process.stdin is not None
    run._readers = [_drain(result_stream, run._result), _drain(process.stderr, run._stderr)]
    try:
        process.stdin.write(json.dumps(request).encode())
        process.stdin.close()
    except OSError:  # the interpreter died at once; result() says why
        pass
    return run


def evaluate(
    directory: str | Path, stack: str, *, debug: bool = False, timeout: float | None = None
) -> Evaluation:
    """Evaluate ``stack`` of the project in ``directory``; bad input raises :class:`TierupError`."""
    return start_evaluation(directory, stack, debug=debug, timeout=timeout).result()
