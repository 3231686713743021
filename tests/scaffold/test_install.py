"""A generated project installs on a fresh machine: `requirements.txt` names the tierup that ran `tierup new`.

The end-to-end test is offline: tierup is built into a wheel without build isolation, installed by pip
from that file into a "user's" virtualenv (so PEP 610 records it), and `tierup new` run there. The
project's own `.venv` is then made with `pip install --no-index -r requirements.txt`; both virtualenvs
borrow only tierup's dependencies (pulumi, pulumi_aws, …, pytest) from this environment through a
`.pth` file, as tests/test_wheel.py does. The generated tests then pass in the project's `.venv`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from tests.helpers import REPO
from tierup.scaffold.renderer import requirement_for


@pytest.mark.parametrize(
    ("direct_url", "line", "source"),
    [
        (None, "tierup==0.1.0", "a package index"),
        (
            {"url": "file:///home/ada/tierup", "dir_info": {"editable": True}},
            "-e file:///home/ada/tierup",
            "a local folder, editable",
        ),
        (
            {"url": "file:///home/ada/tierup", "dir_info": {}},
            "tierup @ file:///home/ada/tierup",
            "a local folder",
        ),
        (
            {
                "url": "file:///tmp/tierup-0.1.0-py3-none-any.whl",
                "archive_info": {"hashes": {"sha256": "ab12"}},
            },
            "tierup @ file:///tmp/tierup-0.1.0-py3-none-any.whl#sha256=ab12",
            "a wheel",
        ),
        (
            {
                "url": "https://github.com/acme/tierup.git",
                "vcs_info": {"vcs": "git", "commit_id": "0f" * 20, "requested_revision": "main"},
            },
            f"tierup @ git+https://github.com/acme/tierup.git@{'0f' * 20}",
            "a git URL",
        ),
        (
            {
                "url": "https://github.com/acme/mono.git",
                "vcs_info": {"vcs": "git", "commit_id": "ab" * 20},
                "subdirectory": "tools/tierup",
            },
            f"tierup @ git+https://github.com/acme/mono.git@{'ab' * 20}#subdirectory=tools/tierup",
            "a git URL",
        ),
    ],
)
def test_the_requirement_follows_how_tierup_was_installed(
    direct_url: dict | None, line: str, source: str
) -> None:
    assert requirement_for(direct_url, "0.1.0") == (line, source)


def test_the_wheel_lists_every_package_of_the_source_tree() -> None:
    """A package missing from [tool.setuptools].packages is silently left out of the wheel (0.2: settings)."""
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {Path(folder): package for package, folder in setuptools["package-dir"].items()}
    found = set()
    for folder, package in folders.items():
        for init in (REPO / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO / folder)
            if "template" not in relative.parts:
                found.add(".".join([package, *relative.parts]))
    assert found - set(setuptools["packages"]) == set()


def _dependencies_only(root: Path) -> Path:
    """A folder of links to this environment's packages, tierup's own files left out."""
    deps = root / "deps"
    deps.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if entry.name.startswith(("tierup", "__editable__", "_tierup")) or entry.suffix == ".pth":
            continue
        (deps / entry.name).symlink_to(entry)
    return deps


def _venv(path: Path, deps: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", path], check=True)
    python = path / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "dependencies.pth").write_text(f"{deps}\n")
    return python


def _pip(python: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """This environment's pip, installing into ``python``'s environment, never touching the network."""
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", *map(str, args)],
        capture_output=True, text=True, env=env, timeout=300, cwd="/",  # not this repository's tierup
    )  # fmt: skip


def test_a_generated_project_installs_offline_and_its_tests_pass(tmp_path: Path) -> None:
    source = tmp_path / "source"
    ignored = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", "bench")
    shutil.copytree(REPO, source, ignore=ignored)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path / "dist", source],
        capture_output=True, text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("tierup-*.whl"))
    deps = _dependencies_only(tmp_path)

    user = _venv(tmp_path / "user-venv", deps)
    installed = _pip(user, wheel)
    assert installed.returncode == 0, installed.stderr
    project = tmp_path / "shop"
    new = subprocess.run(
        [user, "-m", "tierup.cli", "new", project, "--no-redis"], capture_output=True, text=True, cwd=tmp_path
    )
    assert new.returncode == 0, new.stderr
    assert (
        project / ".github" / "actions" / "pulumi" / "action.yml"
    ).is_file()  # the wheel ships dot-folders
    requirement = f"tierup @ {wheel.as_uri()}#sha256="
    assert requirement in (project / "requirements.txt").read_text()

    python = _venv(project / ".venv", deps)  # the virtualenv Pulumi.yaml names
    result = _pip(python, "-r", project / "requirements.txt")
    assert result.returncode == 0, result.stderr
    where = subprocess.run(
        [python, "-c", "import tierup; print(tierup.__file__)"], capture_output=True, text=True, cwd="/"
    )
    assert Path(where.stdout.strip()).is_relative_to(project / ".venv"), where.stdout + where.stderr

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONPATH"))}
    tests = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist", "tests"],
        capture_output=True, text=True, cwd=project, env={**env, "PYTHONDONTWRITEBYTECODE": "1"}, timeout=600,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "warning: " not in tests.stderr
