"""The wheel: built from the repo, installed into a fresh venv, it gives the CLI, the components and the pack.

No network: the wheel is built without build isolation, and the fresh venv borrows only the
dependencies (pulumi, pulumi_aws, …) from this environment through a .pth file — tierup itself comes
from the wheel alone.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO, TESTS


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(python of a fresh venv with the wheel installed, its site-packages)."""
    root = tmp_path_factory.mktemp("wheel")
    # build from a copy: setuptools writes build/ and *.egg-info into the source tree, and parallel
    # test workers must not share them
    source = root / "source"
    ignored = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__")
    shutil.copytree(REPO, source, ignore=ignored)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            root / "dist",
            source,
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((root / "dist").glob("tierup-*.whl"))
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python, site


def run(python: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, *map(str, args)], capture_output=True, text=True, cwd="/", timeout=120)


def test_the_wheel_maps_components_and_policies_into_tierup(fresh: tuple[Path, Path]) -> None:
    python, site = fresh
    result = run(
        python,
        "-c",
        "import tierup.components as c, tierup.policies as p; print(c.__file__); print(p.__file__); print(c.AppTier.__name__)",
    )
    assert result.returncode == 0, result.stderr
    components, policies, name = result.stdout.split()
    assert Path(components) == site / "tierup" / "components" / "__init__.py"
    assert Path(policies) == site / "tierup" / "policies" / "__init__.py"
    assert name == "AppTier"
    assert run(python, "-c", "import components").returncode != 0  # never needed, never there


def test_the_console_script_is_declared_and_help_works(fresh: tuple[Path, Path]) -> None:
    python, site = fresh
    entry_points = next(site.glob("tierup-*.dist-info")) / "entry_points.txt"
    assert "tierup = tierup.cli:main" in entry_points.read_text()
    result = run(python, "-m", "tierup.cli", "--help")
    assert result.returncode == 0 and "check" in result.stdout


def test_the_installed_pack_directory_works_with_policy_pack(fresh: tuple[Path, Path]) -> None:
    python, site = fresh
    pack = site / "tierup" / "policies"
    assert (pack / "PulumiPolicy.yaml").is_file() and (pack / "config" / "prod.json").is_file()
    result = run(
        python,
        "-m",
        "tierup.cli",
        "check",
        TESTS / "policies" / "raw_project",
        "--stack",
        "prod",
        "--format",
        "json",
        "--policy-pack",
        pack,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["packs"][0]["name"] == "tierup-resilience"
    assert report["summary"]["policies"] >= 26
