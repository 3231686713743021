"""The child process that runs a project's program under the recording mocks.

``python -m tierup.engine.child REQUEST RESULT`` reads the request JSON (program path, project,
stack, config), runs the program as the Python language host would (``runpy`` on ``main`` with the
working directory set to the program's folder), and writes the evaluation — or the program's
error as one line — to RESULT. Whatever the program prints goes to stderr.
"""

from __future__ import annotations

import gc
import json
import os
import runpy
import sys
import traceback
from pathlib import Path
from typing import Any


def describe_failure(exc: BaseException, project_root: Path) -> str:
    """One line: the program's own file and line (not the engine's), the exception and its message."""
    from tierup.errors import TierupError

    if isinstance(exc, TierupError):
        return str(exc)
    text = " ".join(str(exc).split())  # one line, whatever the exception's message looks like
    message = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if type(exc).__name__ in ("RunError", "ConfigMissingError"):  # messages meant for users as they are
        message = text
    root = project_root.resolve()
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).resolve().is_relative_to(root):
        # the file that does not compile, not the import machinery that tried to
        return (
            f"{Path(exc.filename).resolve().relative_to(root)}:{exc.lineno}: {type(exc).__name__}: {exc.msg}"
        )
    user_frames = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith("<"):  # <frozen importlib._bootstrap>, <string>: not a file
            continue
        path = Path(frame.filename).resolve()
        if path.is_relative_to(root) and "site-packages" not in path.parts and ".venv" not in path.parts:
            user_frames.append((path, frame.lineno))
    if user_frames:
        path, line = user_frames[-1]
        return f"{path.relative_to(root)}:{line}: {message}"
    return message


def main(request_path: str, result_path: str) -> int:
    gc.disable()  # a short-lived process that allocates a lot and frees it all at exit: no need to collect
    request: dict[str, Any] = json.loads(Path(request_path).read_text())
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # the program's prints must not mix with anything we report
    program = Path(request["program"])
    project_root = Path(request["root"])
    os.chdir(program if program.is_dir() else program.parent)
    os.environ.update(
        {"PULUMI_PROJECT": request["project"], "PULUMI_STACK": request["stack"], "PULUMI_DRY_RUN": "false"}
    )
    result: dict[str, Any]
    try:
        from tierup.engine import lazy_providers
        from tierup.engine.runtime import evaluate_inline

        lazy_providers.install()

        evaluation = evaluate_inline(
            lambda: runpy.run_path(str(program), run_name="__main__"),
            project=request["project"],
            stack=request["stack"],
            config=request["config"],
            secret_keys=request["secretKeys"],
            source_root=project_root,
        )
        result = {"evaluation": evaluation.to_dict()}
        errors = [log["message"] for log in evaluation.logs if log["severity"] == "error"]
        if errors:
            result = {"error": errors[0].strip().splitlines()[0]}
    except BaseException as exc:
        result = {"error": describe_failure(exc, project_root)}
        if request.get("debug"):
            result["traceback"] = "".join(traceback.format_exception(exc))
    Path(result_path).write_text(json.dumps(result))
    sys.stdout = real_stdout
    return 0


if __name__ == "__main__":
    exit_code = main(sys.argv[1], sys.argv[2])
    sys.stdout.flush()
    sys.stderr.flush()
    # The result is written: skip the interpreter's teardown (joining the SDK's gRPC and executor
    # threads, collecting every Output), which adds a tenth of a second and changes nothing.
    os._exit(exit_code)
