"""The child process that runs a project's program under the recording mocks.

tierup starts it with the *program's* interpreter, by path — ``<venv>/bin/python …/engine/child.py
RESULT_FD`` — so it works whether or not tierup is installed in the program's virtualenv: the
engine's own modules (this folder, which imports nothing of tierup outside it) are loaded as the
private package ``_tierup_engine``; ``pulumi`` and ``pulumi_aws`` are the program's own.

The request (program path, project, stack, config) arrives as JSON on stdin; the evaluation — or the
program's error as one line — is written as JSON to the file descriptor RESULT_FD. The program runs
as the Python language host runs it (``runpy`` on ``main``, the working directory and ``sys.path[0]``
set to the program's folder); whatever it prints goes to stderr. No temporary file is involved.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import os
import runpy
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

ENGINE_PACKAGE = "_tierup_engine"
#: The oldest Pulumi SDK whose mock and runtime internals the engine drives.
MIN_PULUMI = (3, 200)


def _is_user_error(exc: BaseException) -> bool:
    """Errors meant for users as they are: tierup's own bad-input errors, Pulumi's run errors."""
    name = type(exc).__name__
    return name in (
        "TierupError",
        "RunError",
        "ConfigMissingError",
        "InputPropertyError",
        "CallbackError",
        "DuplicateUrnError",
        "UnansweredInvoke",
        "UnansweredStackReference",
    )


def describe_failure(exc: BaseException, project_root: Path) -> str:
    """One line: the program's own file and line (not the engine's), the exception and its message."""
    text = " ".join(str(exc).split())  # one line, whatever the exception's message looks like
    if type(exc).__name__ == "TierupError":
        return text
    message = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if _is_user_error(exc) and text:
        message = text
    root = project_root.resolve()
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).resolve().is_relative_to(root):
        # the file that does not compile, not the import machinery that tried to
        return (
            f"{Path(exc.filename).resolve().relative_to(root)}:{exc.lineno}: {type(exc).__name__}: {exc.msg}"
        )
    location = getattr(exc, "__tierup_location__", None) or program_location(exc.__traceback__, project_root)
    if location and not text.startswith(location):
        return f"{location}: {message}"
    return message


def program_location(tb: Any, project_root: Path) -> str | None:
    """``file:line`` (relative to the project) of the innermost frame of the program in a traceback."""
    root = project_root.resolve()
    user_frames = []
    for frame in traceback.extract_tb(tb):
        path = Path(frame.filename)
        if not path.is_absolute():
            continue
        path = path.resolve()
        if path.is_relative_to(root) and "site-packages" not in path.parts and ".venv" not in path.parts:
            user_frames.append((path, frame.lineno))
    if not user_frames:
        return None
    path, line = user_frames[-1]
    return f"{path.relative_to(root)}:{line}"


def _pulumi_problem(python: str) -> str | None:
    """Why the program's interpreter cannot run the engine (no or too old a Pulumi SDK), or None."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - Python < 3.8
        return None
    try:
        installed = version("pulumi")
    except PackageNotFoundError:
        return (
            f"the program's interpreter {python} has no Pulumi SDK (no module named 'pulumi'): "
            "install the program's requirements into its virtualenv"
        )
    parts = tuple(int(p) for p in installed.split(".")[:2] if p.isdigit())
    if parts < MIN_PULUMI:
        wanted = ".".join(map(str, MIN_PULUMI))
        return f"the program's virtualenv has pulumi {installed}; tierup's engine needs pulumi >= {wanted}"
    return None


def main(result_fd: int) -> int:
    gc.disable()  # a short-lived process that allocates a lot and frees it all at exit: no need to collect
    request: dict[str, Any] = json.loads(sys.stdin.buffer.read())
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # the program's prints must not mix with anything we report
    program = Path(request["program"])
    project_root = Path(request["root"])
    program_dir = program if program.is_dir() else program.parent
    os.chdir(program_dir)
    sys.path.insert(0, str(program_dir))  # as the language host: the program's own modules import
    os.environ.update(
        {"PULUMI_PROJECT": request["project"], "PULUMI_STACK": request["stack"], "PULUMI_DRY_RUN": "true"}
    )
    result: dict[str, Any]
    try:
        problem = _pulumi_problem(sys.executable)
        if problem:
            result = {"error": problem, "kind": "interpreter"}
        else:
            result = _evaluate(request, program, project_root)
    except BaseException as exc:
        result = {"error": describe_failure(exc, project_root)}
        if request.get("debug"):
            result["traceback"] = "".join(traceback.format_exception(exc))
    with os.fdopen(result_fd, "w") as out:
        out.write(json.dumps(result))  # json.dump would use the pure-Python encoder: 3x slower
    sys.stdout = real_stdout
    return 0


def _evaluate(request: dict[str, Any], program: Path, project_root: Path) -> dict[str, Any]:
    from . import lazy_providers
    from .runtime import evaluate_inline

    lazy_providers.install()
    evaluation = evaluate_inline(
        lambda: runpy.run_path(str(program), run_name="__main__"),
        project=request["project"],
        stack=request["stack"],
        config=request["config"],
        secret_keys=request["secretKeys"],
        source_root=project_root,
        fixtures=request.get("fixtures"),
        preview=True,
    )
    errors = [log["message"] for log in evaluation.logs if log["severity"] == "error"]
    if errors:
        return {"error": repr(errors)}
    return {"evaluation": evaluation.to_dict()}


def _load_engine() -> ModuleType:
    """This folder as the package ``_tierup_engine`` (its modules import each other relatively)."""
    here = Path(__file__).resolve().parent
    spec = importlib.util.spec_from_file_location(
        ENGINE_PACKAGE, here / "__init__.py", submodule_search_locations=[str(here)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[ENGINE_PACKAGE] = package
    spec.loader.exec_module(package)
    return importlib.import_module(f"{ENGINE_PACKAGE}.child")


if __name__ == "__main__":
    del sys.path[0]  # this folder: its modules are not top-level modules of the program
    exit_code = _load_engine().main(int(sys.argv[1]))
    sys.stdout.flush()
    sys.stderr.flush()
    # The result is written: skip the interpreter's teardown (joining the SDK's gRPC and executor
    # threads, collecting every Output), which adds a tenth of a second and changes nothing.
    os._exit(exit_code)
