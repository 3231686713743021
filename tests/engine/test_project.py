"""Loading a project and a stack's config the way the Pulumi CLI does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tierup.engine.project import load_project, load_stack_config, secret_placeholder
from tierup.errors import TierupError

RAW = Path(__file__).parent / "projects" / "raw"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_main_and_stack_config_dir_are_honoured() -> None:
    project = load_project(RAW)
    assert project.name == "raw-engine"
    assert project.main == RAW / "src/"
    assert project.program_dir == RAW / "src"
    assert project.stack_file("prod") == RAW / "config" / "Pulumi.prod.yaml"


def test_stack_values_override_project_defaults_and_keys_are_qualified() -> None:
    config = load_stack_config(load_project(RAW), "prod")
    assert config.values["raw-engine:queueCount"] == 3  # the stack's short key overrides the default
    assert config.values["aws:region"] == "eu-west-1"  # a namespaced project value
    assert config.values["raw-engine:labels"] == {"team": "web", "tiers": ["app", "worker"]}
    dev = load_stack_config(load_project(RAW), "dev")
    assert dev.values["raw-engine:queueCount"] == 2  # the project default


def test_structured_values_are_json_encoded_on_the_wire() -> None:
    wire = load_stack_config(load_project(RAW), "prod").wire()
    assert json.loads(wire["raw-engine:labels"]) == {"team": "web", "tiers": ["app", "worker"]}
    assert wire["raw-engine:queueCount"] == "3"


def test_secure_values_become_secret_placeholders() -> None:
    config = load_stack_config(load_project(RAW), "prod")
    assert config.secret_keys == {"raw-engine:dbPassword"}
    value = config.values["raw-engine:dbPassword"]
    assert value == secret_placeholder("raw-engine:dbPassword")
    assert "AAAA" not in value


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, "no Pulumi.yaml here"),
        ({"Pulumi.yaml": "name: x\nruntime: nodejs\n"}, "runtime: tierup evaluates Python programs only"),
        ({"Pulumi.yaml": "runtime: python\n"}, "name: required"),
        (
            {"Pulumi.yaml": "name: x\nruntime: python\nmain: nowhere/\n"},
            "main: the program 'nowhere/' does not exist",
        ),
        ({"Pulumi.yaml": "name: x\nruntime: python\n"}, "main: no program to run: __main__.py is missing"),
        (
            {"Pulumi.yaml": "name: x\nruntime: python\nstackConfigDir: cfg\n", "__main__.py": ""},
            "stackConfigDir: 'cfg' is not a directory",
        ),
        ({"Pulumi.yaml": "name: [x\n"}, "invalid YAML"),
    ],
)
def test_bad_projects_are_one_clear_error(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    for name, text in files.items():
        write(tmp_path / name, text)
    with pytest.raises(TierupError) as err:
        load_project(tmp_path)
    assert expected in str(err.value)
    assert str(tmp_path) in str(err.value)


def test_unknown_stack_lists_the_stacks_there() -> None:
    with pytest.raises(TierupError, match=r"no such stack 'qa'; stacks here: dev, prod"):
        load_stack_config(load_project(RAW), "qa")


def test_a_stack_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "Pulumi.yaml", "name: x\nruntime: python\n")
    write(tmp_path / "__main__.py", "")
    write(tmp_path / "Pulumi.dev.yaml", "config: [1, 2]\n")
    with pytest.raises(TierupError, match="config: must be a mapping"):
        load_stack_config(load_project(tmp_path), "dev")


def _venv(folder: Path) -> Path:
    python = write(folder / "bin" / "python", "#!/bin/sh\n")
    python.chmod(0o755)
    return python


@pytest.mark.parametrize("toolchain", ["uv", "poetry"])
def test_uv_and_poetry_projects_run_with_their_dot_venv(
    tmp_path: Path, toolchain: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    write(
        tmp_path / "Pulumi.yaml",
        f"name: p\nruntime:\n  name: python\n  options:\n    toolchain: {toolchain}\n",
    )
    write(tmp_path / "__main__.py", "")
    python = _venv(tmp_path / ".venv")
    assert load_project(tmp_path).python() == python


def test_a_poetry_project_without_dot_venv_runs_with_the_env_poetry_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    python = _venv(tmp_path / "cache" / "p-py3.11")
    poetry = write(
        tmp_path / "bin" / "poetry",
        f'#!/bin/sh\n[ "$*" = "env info --path" ] && echo {python.parent.parent}\n',
    )
    poetry.chmod(0o755)
    monkeypatch.setenv("PATH", f"{poetry.parent}:/usr/bin:/bin")
    project_dir = tmp_path / "project"
    write(
        project_dir / "Pulumi.yaml", "name: p\nruntime:\n  name: python\n  options:\n    toolchain: poetry\n"
    )
    write(project_dir / "__main__.py", "")
    assert load_project(project_dir).python() == python
    assert capsys.readouterr().err == ""  # no "create the virtualenv" warning: poetry keeps it elsewhere


def test_a_pip_project_without_a_named_virtualenv_runs_with_the_active_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = _venv(tmp_path / "active")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "active"))
    write(tmp_path / "p" / "Pulumi.yaml", "name: p\nruntime: python\n")
    write(tmp_path / "p" / "__main__.py", "")
    _venv(tmp_path / "p" / ".venv")  # not named, not uv or poetry: not used
    assert load_project(tmp_path / "p").python() == python
