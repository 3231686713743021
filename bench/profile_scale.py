"""Profile `tierup plan` / `tierup check` on N copies of the reference architecture (cProfile).

    .venv/bin/python bench/profile_scale.py [--copies 20] [--out /tmp/tierup-profile] [--top 25]

Writes three profiles and prints the top functions of each by cumulative and internal time:
``program.prof`` (the engine's child process evaluating the program), ``cli.prof`` (the ``tierup
check`` process: settings, request bodies, gRPC) and ``pack.prof`` (the policy pack process, its
decoding and the policies). Open them with ``python -m pstats`` or snakeviz for more.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from scale import write_project

#: Runs ``python -m pulumi.policy`` under cProfile; SIGTERM (how tierup stops a pack) ends it cleanly.
PACK_WRAPPER = """\
import cProfile, runpy, signal, sys, threading
out = sys.argv.pop(1)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
sys.argv[0] = "pulumi.policy"
startup, requests, lock = cProfile.Profile(), cProfile.Profile(), threading.Lock()
from pulumi_policy import policy as sdk  # the analyzer serves from gRPC threads: profile each request

def profiled(method):
    def serve(self, request, context):
        with lock:
            requests.enable()
            try:
                return method(self, request, context)
            finally:
                requests.disable()
    return serve

for name in ("Analyze", "AnalyzeStack"):
    setattr(sdk._PolicyAnalyzerServicer, name, profiled(getattr(sdk._PolicyAnalyzerServicer, name)))
startup.enable()
try:
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
finally:
    startup.disable()
    startup.dump_stats(out.replace(".prof", "-startup.prof"))
    requests.dump_stats(out)
"""


def profile_program(project: Path, out: Path) -> None:
    """The child's work, in this process: the program under the recording mocks."""
    from tierup.engine.project import load_project, load_stack_config

    loaded = load_project(project)
    config = load_stack_config(loaded, "prod")
    request = {
        "program": str(loaded.main.resolve()),
        "root": str(loaded.root.resolve()),
        "project": loaded.name,
        "stack": "prod",
        "config": config.wire(),
        "secretKeys": sorted(config.secret_keys),
        "debug": True,
    }
    result_file = out / "result.json"
    code = (  # as tierup runs the child: the request on stdin, the result written to a descriptor
        "import cProfile, os, sys\n"
        "from tierup.engine import child\n"
        "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\n"
        "cProfile.run('child.main(fd)', sys.argv[2])\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(result_file), str(out / "program.prof")],
        input=json.dumps(request).encode(),
        check=True,
        cwd=project,
    )
    result = json.loads(result_file.read_text())
    if "error" in result:
        raise SystemExit(f"the program failed: {result['error']}")


def profile_check(project: Path, out: Path) -> None:
    """``tierup check`` in this process, its pack process under the wrapper above."""
    wrapper = out / "pack_wrapper.py"
    wrapper.write_text(PACK_WRAPPER)
    original = subprocess.Popen

    def popen(args: list[str], *rest: object, **kwargs: object) -> subprocess.Popen[bytes]:
        if len(args) > 2 and args[1:3] == ["-m", "pulumi.policy"]:
            args = [args[0], str(wrapper), str(out / "pack.prof"), *args[3:]]
        return original(args, *rest, **kwargs)  # type: ignore[call-overload, no-any-return]

    subprocess.Popen = popen  # type: ignore[assignment, misc]
    sys.argv = ["tierup", "check", str(project), "--stack", "prod"]
    from tierup import cli

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        with open(os.devnull, "w") as sink:
            stdout, sys.stdout = sys.stdout, sink
            try:
                cli.main()
            except SystemExit:
                pass
            finally:
                sys.stdout = stdout
    finally:
        profiler.disable()
        subprocess.Popen = original  # type: ignore[misc]
    profiler.dump_stats(out / "cli.prof")


def show(path: Path, top: int) -> None:
    if not path.exists():
        print(f"(no {path.name})")
        return
    print(f"==== {path.name}")
    stats = pstats.Stats(str(path))
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "tierup-profile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", choices=["program", "check"])
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tierup-profile-") as tmp:
        project = write_project(Path(tmp), args.copies)
        if args.only in (None, "program"):
            profile_program(project, args.out)
        if args.only in (None, "check"):
            profile_check(project, args.out)
    for name in ("program.prof", "cli.prof", "pack.prof"):
        show(args.out / name, args.top)


if __name__ == "__main__":
    main()
