"""The scaffold renderer in process: the template language, validation, and all-or-nothing writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tierup.errors import TierupError
from tierup.scaffold import ScaffoldOptions, create_project, render_project, renderer
from tierup.scaffold.renderer import render_template, validate_name, validate_region

FLAGS = {"redis": True, "workers": False, "name": "shop"}


def test_placeholders_and_conditional_lines() -> None:
    text = (
        "a {{name}}\n"
        "{% if redis %}\n"
        "redis\n"
        "{% if workers %}\n"
        "both\n"
        "{% else %}\n"
        "redis only\n"
        "{% endif %}\n"
        "{% endif %}\n"
        "  {% if not workers and redis %}\n"
        "no workers\n"
        "{% endif %}\n"
        "{% if workers or not redis %}\n"
        "hidden\n"
        "{% endif %}\n"
        "run: ${{ secrets.TOKEN }} and ${{ matrix.stack }}\n"
    )
    assert render_template(text, FLAGS) == (
        "a shop\nredis\nredis only\nno workers\nrun: ${{ secrets.TOKEN }} and ${{ matrix.stack }}\n"
    )


@pytest.mark.parametrize(
    "text",
    ["{% if redis %}\nx\n", "{% endif %}\n", "{% else %}\n", "{% if nope %}\n{% endif %}\n", "{{missing}}\n"],
)
def test_template_mistakes_raise(text: str) -> None:
    with pytest.raises((ValueError, KeyError)):
        render_template(text, FLAGS)


@pytest.mark.parametrize("name", ["shop", "web.api-2", "a_b", "A1", "x" * 100])
def test_valid_project_names(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize("name", ["", ".dot", "my app", "x" * 101, "über", "a/b", "a:b"])
def test_invalid_project_names(name: str) -> None:
    with pytest.raises(TierupError, match="not a valid Pulumi project name"):
        validate_name(name)


def test_regions() -> None:
    assert validate_region("ap-southeast-2") == "ap-southeast-2"
    with pytest.raises(
        TierupError, match=r"^--region: must be an AWS region like us-east-1 \(got 'US-EAST-1'\)$"
    ):
        validate_region("US-EAST-1")


def test_every_rendered_yaml_file_parses_and_the_region_flows_everywhere() -> None:
    files = render_project(ScaffoldOptions(name="shop", region="ap-southeast-2"))
    for path, text in files.items():
        if path.endswith((".yaml", ".yml")):
            assert yaml.safe_load(text) is not None, path
        assert "{{" not in text.replace("${{", ""), path  # no placeholder left unfilled
        assert "{%" not in text, path
    for environment in ("dev", "staging", "prod"):
        config = yaml.safe_load(files[f"stacks/Pulumi.{environment}.yaml"])["config"]
        assert config["aws:region"] == "ap-southeast-2"
    assert "default: ap-southeast-2" in files["Pulumi.yaml"]


def test_a_new_folder_appears_complete_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = renderer._write_tree

    def fail_halfway(root: Path, files: dict[str, str]) -> None:
        real_write(root, dict(list(files.items())[:3]))
        raise OSError("disk full")

    monkeypatch.setattr(renderer, "_write_tree", fail_halfway)
    with pytest.raises(OSError, match="disk full"):
        create_project(tmp_path / "shop")
    assert list(tmp_path.iterdir()) == []  # neither the project nor the staging folder


def test_a_failed_move_into_an_existing_folder_puts_everything_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "shop"
    target.mkdir()
    (target / "README.md").write_text("mine\n")
    (target / "notes.txt").write_text("notes\n")
    real_move = shutil.move
    calls = {"n": 0}

    def flaky_move(src: str, dst: str) -> str:
        calls["n"] += 1
        if calls["n"] == 8:
            raise OSError("no space left")
        return real_move(src, dst)

    monkeypatch.setattr(renderer.shutil, "move", flaky_move)
    with pytest.raises(OSError, match="no space left"):
        create_project(target, force=True)
    assert sorted(p.name for p in target.rglob("*")) == ["README.md", "notes.txt"]
    assert (target / "README.md").read_text() == "mine\n"
    assert [p.name for p in tmp_path.iterdir()] == ["shop"]


def test_an_empty_folder_or_a_fresh_git_clone_is_fine(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    create_project(tmp_path / "empty")
    assert (tmp_path / "empty" / "Pulumi.yaml").is_file()
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    created = create_project(tmp_path / "repo", name="repo-app", workers=False)
    assert created.options.name == "repo-app" and not created.options.workers
    assert (tmp_path / "repo" / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert not (tmp_path / "repo" / "app" / "worker.py").exists()


def test_a_folder_where_a_file_goes_is_refused_before_anything_moves(tmp_path: Path) -> None:
    (tmp_path / "README.md").mkdir()
    (tmp_path / "other").write_text("x")
    with pytest.raises(TierupError, match=r"README\.md is a folder here"):
        create_project(tmp_path, name="shop", force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", "other"]


def test_the_smallest_project_renders_and_validates() -> None:
    files = render_project(ScaffoldOptions(name="tiny", workers=False, redis=False, database=False))
    assert "app/worker.py" not in files and "app/elasticmq.conf" not in files
    for path, text in files.items():
        if path.endswith(".py"):
            compile(text, path, "exec")
    for environment in ("dev", "staging", "prod"):
        config = yaml.safe_load(files[f"stacks/Pulumi.{environment}.yaml"])["config"]
        assert not {
            "tierup:redis",
            "tierup:database",
            "tierup:queues",
            "tierup:workers",
            "tierup:schedules",
        } & (config.keys())
    requirements = files["app/requirements.txt"]
    assert "boto3" not in requirements and "redis" not in requirements and "psycopg" not in requirements
    assert "DATABASE" not in files["app/connections.py"] + files["app/server.py"] + files["app/compose.yaml"]
    assert "postgres" not in files["app/compose.yaml"] and "database" not in files["tests/test_app.py"]


@pytest.mark.parametrize(("workers", "redis"), [(True, True), (False, False)])
def test_a_database_reaches_the_stacks_and_the_sample_app(workers: bool, redis: bool) -> None:
    files = render_project(ScaffoldOptions(name="shop", workers=workers, redis=redis))
    for environment in ("dev", "staging", "prod"):
        assert "tierup:database" in yaml.safe_load(files[f"stacks/Pulumi.{environment}.yaml"])["config"]
    for path in ("app/connections.py", "app/server.py", "tests/test_app.py"):
        compile(files[path], path, "exec")
    assert "import psycopg" in files["app/connections.py"]
    assert "/health/database" in files["app/server.py"] and "DATABASE_URL" in files["tests/test_app.py"]
    compose = yaml.safe_load(files["app/compose.yaml"])
    assert compose["services"]["postgres"]["environment"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
    assert compose["services"]["web"]["depends_on"] == [
        *(["redis"] if redis else []),
        "postgres",
        *(["sqs"] if workers else []),
    ]
