"""The engine's child process: the program's own virtualenv, a preview's unknowns, errors located in the
program, and nothing left behind (timeouts, background processes, signals, temporary files)."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tierup.engine import evaluate
from tierup.errors import TierupError

from ._projects import project


def cli(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tierup.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def private_tmp(tmp_path: Path) -> dict[str, str]:
    """A temporary folder of tierup's own (others' runs on this machine don't write there)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    return {"TMPDIR": str(folder)}


def temp_files(env: dict[str, str]) -> list[str]:
    return sorted(glob.glob(f"{env['TMPDIR']}/*"))


# ---- the program's own virtualenv ---------------------------------------------------------------


def test_a_virtualenv_without_tierup_runs_the_program_with_its_own_interpreter(
    tmp_path: Path, bare_venv: Path
) -> None:
    root = project(
        tmp_path / "p",
        """
        import sys
        import pulumi
        import pulumi_aws as aws

        queue = aws.sqs.Queue("jobs")
        pulumi.export("prefix", sys.prefix)
        pulumi.export("tierup", "tierup" in sys.modules)
        pulumi.export("url", queue.url)
        """,
    )
    result = cli("plan", root, "-s", "dev", "--format", "json", env={"VIRTUAL_ENV": str(bare_venv)})
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)["outputs"]
    assert outputs["prefix"] == str(bare_venv)
    assert outputs["tierup"] is False, "the engine comes in without importing tierup"
    assert outputs["url"] == "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-" + outputs["url"][-7:]


def test_pulumi_yaml_virtualenv_is_used_before_the_active_one(tmp_path: Path, bare_venv: Path) -> None:
    root = project(tmp_path / "p", "import sys, pulumi\npulumi.export('prefix', sys.prefix)\n")
    (root / "Pulumi.yaml").write_text(
        f"name: probe\nruntime:\n  name: python\n  options:\n    virtualenv: {bare_venv}\n"
    )
    assert evaluate(root, "dev").outputs["prefix"] == str(bare_venv)


def test_an_interpreter_without_pulumi_is_one_line_naming_pulumi_yaml(tmp_path: Path) -> None:
    venv = tmp_path / "empty-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    root = project(tmp_path / "p", "import pulumi\n")
    result = cli("plan", root, "-s", "dev", env={"VIRTUAL_ENV": str(venv)})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {root / 'Pulumi.yaml'}: the program's interpreter ")
    assert "has no Pulumi SDK" in result.stderr


# ---- evaluated as `pulumi preview` does ---------------------------------------------------------


PREVIEW = """
import pulumi
import pulumi_aws as aws

pulumi.export("dryRun", pulumi.runtime.is_dry_run())
site = aws.s3.Bucket("site", website={"index_document": "index.html"})
ran = []
pulumi.export("endpoint", site.website_endpoint)
pulumi.export("upper", site.website_endpoint.apply(lambda e: ran.append(e) or e.upper()))
pulumi.export("arn", site.arn)
queue = aws.sqs.Queue("q", name=site.website_endpoint.apply(lambda e: e[:10]), tags={"bucket": site.bucket})
pulumi.export("queueUrl", queue.url)
pulumi.export("ran", pulumi.Output.from_input(site.arn).apply(lambda _: len(ran)))
"""


def test_a_preview_leaves_what_the_mocks_cannot_know_unknown(tmp_path: Path) -> None:
    evaluation = evaluate(project(tmp_path / "p", PREVIEW), "dev")
    plan = evaluation.plan("dev")
    outputs = plan["outputs"]
    assert outputs["dryRun"] is True
    assert outputs["endpoint"] == "[unknown]" and outputs["upper"] == "[unknown]"
    assert outputs["ran"] == 0, "apply callbacks on unknowns do not run"
    assert outputs["arn"].startswith("arn:aws:s3:::site-"), "what the mocks know stays known"
    queue = next(r for r in plan["resources"] if r["name"] == "q")
    assert queue["inputs"]["name"] == "[unknown]"
    assert queue["inputs"]["tags"]["bucket"].startswith("site-")
    assert outputs["queueUrl"] == "[unknown]", "an output derived from an unknown input is unknown"


# ---- errors name the program's line --------------------------------------------------------------


def test_an_error_in_an_apply_callback_names_the_program_line_every_run(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        """
        import warnings
        import pulumi
        import pulumi_aws as aws

        warnings.warn("noise before the error")
        queue = aws.sqs.Queue("q")
        topic = aws.sns.Topic("t")


        def second(arn):
            raise ValueError("second")


        def first(url):
            return url["x"]

        pulumi.export("b", topic.arn.apply(second))
        pulumi.export("a", queue.url.apply(first))
        """,
    )
    results = [cli("plan", root, "-s", "dev") for _ in range(2)]
    for result in results:
        assert result.returncode == 2
        assert result.stderr == "error: __main__.py:12: ValueError: second\n", "no warning before the error"


def test_duplicate_urns_are_refused_with_pulumis_message(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        """
        import pulumi_aws as aws

        aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
        aws.sqs.Queue("jobs")
        """,
    )
    with pytest.raises(TierupError) as caught:
        evaluate(root, "dev")
    assert str(caught.value) == (
        "__main__.py:5: Duplicate resource URN 'urn:pulumi:dev::probe::aws:sqs/queue:Queue::jobs'; "
        "try giving it a unique name"
    )


# ---- nothing left behind -------------------------------------------------------------------------


def test_timeout_stops_a_program_that_loops(tmp_path: Path) -> None:
    root = project(tmp_path / "p", "while True:\n    pass\n")
    started = time.monotonic()
    result = cli("plan", root, "-s", "dev", "--timeout", "2")
    assert time.monotonic() - started < 20
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {root}: the program did not finish within 2 seconds (raise --timeout if it needs longer)\n"
    )


def test_a_background_process_holding_stderr_does_not_hang_tierup(tmp_path: Path) -> None:
    marker = tmp_path / "still-running"
    root = project(
        tmp_path / "p",
        f"""
        import subprocess, sys
        import pulumi_aws as aws

        subprocess.Popen([sys.executable, "-c", "import time, pathlib\\ntime.sleep(30)\\npathlib.Path({str(marker)!r}).touch()"])
        aws.sqs.Queue("q")
        """,
    )
    started = time.monotonic()
    result = cli("plan", root, "-s", "dev")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 20
    # the background process went with the program: it never wakes up to touch the marker
    assert not marker.exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_tierup_ends_the_engine_child(tmp_path: Path, signum: int) -> None:
    pidfile = tmp_path / "child.pid"
    root = project(
        tmp_path / "p",
        f"import os, pathlib, time\npathlib.Path({str(pidfile)!r}).write_text(str(os.getpid()))\ntime.sleep(60)\n",
    )
    env = private_tmp(tmp_path)
    tierup = subprocess.Popen(
        [sys.executable, "-m", "tierup.cli", "plan", str(root), "-s", "dev"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    child = int(pidfile.read_text())
    tierup.send_signal(signum)
    _, err = tierup.communicate(timeout=20)
    assert tierup.returncode == 128 + signum
    assert err == f"error: interrupted by {signal.Signals(signum).name}\n"
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
    assert temp_files(env) == []


def test_no_temporary_file_outlives_a_run_even_a_failed_one(tmp_path: Path) -> None:
    env = private_tmp(tmp_path)
    ok = project(tmp_path / "ok", "import pulumi_aws as aws\naws.sqs.Queue('q')\n")
    bad = project(tmp_path / "bad", "raise RuntimeError('boom')\n")
    assert cli("plan", ok, "-s", "dev", env=env).returncode == 0
    assert cli("check", ok, "-s", "dev", env=env).returncode in (0, 1)
    failed = cli("plan", bad, "-s", "dev", env=env)
    assert failed.returncode == 2 and failed.stderr == "error: __main__.py:1: RuntimeError: boom\n"
    assert temp_files(env) == []


def test_sigterm_to_check_ends_the_engine_child_and_the_policy_servers(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(Path(__file__).parents[1] / "check" / "sample_pack", pack)
    pidfile = tmp_path / "child.pid"
    root = project(
        tmp_path / "p",
        f"import os, pathlib, time\npathlib.Path({str(pidfile)!r}).write_text(str(os.getpid()))\ntime.sleep(60)\n",
    )
    tierup = subprocess.Popen(
        [sys.executable, "-m", "tierup.cli", "check", str(root), "-s", "dev", "--policy-pack", str(pack)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def pack_servers() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    cmdline = (entry / "cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                if b"pulumi.policy" in cmdline and str(pack).encode() in cmdline:
                    found.append(int(entry.name))
        return found

    deadline = time.monotonic() + 30
    while not (pidfile.exists() and pack_servers()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pack_servers(), "the pack server started while the program evaluates"
    tierup.send_signal(signal.SIGTERM)
    _, err = tierup.communicate(timeout=20)
    assert tierup.returncode == 128 + signal.SIGTERM and err == "error: interrupted by SIGTERM\n"
    time.sleep(0.3)
    assert pack_servers() == []
    with pytest.raises(ProcessLookupError):
        os.kill(int(pidfile.read_text()), 0)
