"""`tierup new` end to end: the projects it writes pass `tierup check --stack prod` and their own tests.

Three projects are generated once for the module (all tiers; --no-workers --no-database; --no-redis) and the slow
offline runs (a `tierup check` and the generated test suite for each) start together in one fixture.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from glob import glob
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.helpers import REPO, run_cli
from tierup.scaffold.renderer import running_tierup_requirement
from tierup.settings import (
    DEFAULT_DATABASE_ENGINE_VERSIONS,
    ServiceSettings,
    StackSettings,
    iter_fields,
    json_schema,
    load_settings,
)

VARIANTS: dict[str, list[str]] = {
    "full": ["--region", "eu-west-1"],
    "no-workers": ["--name", "web.api-2", "--no-workers", "--no-database"],
    "no-redis": ["--no-redis"],
}
FOLDERS = {"full": "shop", "no-workers": "web", "no-redis": "jobs_app"}
NAMES = {"full": "shop", "no-workers": "web.api-2", "no-redis": "jobs_app"}
REGIONS = {"full": "eu-west-1", "no-workers": "us-east-1", "no-redis": "us-east-1"}
ENVIRONMENTS = ("dev", "staging", "prod")

COMMON_FILES = {
    ".github/actions/pulumi/action.yml",
    ".github/workflows/deploy.yml",
    ".github/workflows/infrastructure.yml",
    ".gitignore",
    "Pulumi.yaml",
    "README.md",
    "app/.dockerignore",
    "app/Dockerfile",
    "app/compose.yaml",
    "app/connections.py",
    "app/requirements.txt",
    "app/server.py",
    "requirements-dev.txt",
    "requirements.txt",
    "stacks/Pulumi.dev.yaml",
    "stacks/Pulumi.prod.yaml",
    "stacks/Pulumi.staging.yaml",
    "stacks/__main__.py",
    "tests/test_app.py",
    "tests/test_infrastructure.py",
}
WORKER_FILES = {"app/worker.py", "app/elasticmq.conf"}


@pytest.fixture(scope="module")
def created(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    root = tmp_path_factory.mktemp("new")
    out = {}
    for variant, flags in VARIANTS.items():
        project = root / FOLDERS[variant]
        out[variant] = project, run_cli("new", project, *flags)
    return out


@pytest.fixture(scope="module")
def projects(created: dict[str, tuple[Path, subprocess.CompletedProcess[str]]]) -> dict[str, Path]:
    for variant, (_, result) in created.items():
        assert result.returncode == 0, f"{variant}: {result.stderr}"
    return {variant: project for variant, (project, _) in created.items()}


@pytest.fixture(scope="module")
def offline_runs(projects: dict[str, Path]) -> dict[tuple[str, str], subprocess.CompletedProcess[str]]:
    """`tierup check --stack prod --format json` and the generated tests of every project, run together."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONPATH"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave the projects as generated
    commands = {}
    for variant in projects:
        commands[variant, "check"] = [
            sys.executable,
            "-m",
            "tierup.cli",
            "check",
            "--stack",
            "prod",
            "-f",
            "json",
        ]
        commands[variant, "pytest"] = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests",
        ]
    running = {
        key: subprocess.Popen(
            command, cwd=projects[key[0]], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for key, command in commands.items()
    }
    results = {}
    for key, process in running.items():
        stdout, stderr = process.communicate(timeout=600)
        results[key] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return results


def files_of(project: Path) -> set[str]:
    return {
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def stack_file(project: Path, environment: str) -> dict[str, Any]:
    return yaml.safe_load((project / "stacks" / f"Pulumi.{environment}.yaml").read_text())


# ---- the slow, end-to-end checks ------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_generated_project_passes_tierup_check_prod(
    variant: str, offline_runs: dict[tuple[str, str], subprocess.CompletedProcess[str]]
) -> None:
    result = offline_runs[variant, "check"]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    report = json.loads(result.stdout)
    assert (report["project"], report["stack"], report["environment"]) == (NAMES[variant], "prod", "prod")
    assert report["summary"]["mandatory"] == 0, json.dumps(report["violations"], indent=1)
    assert report["summary"]["resources"] > 50


@pytest.mark.parametrize(("variant", "count"), [("full", 20), ("no-workers", 12), ("no-redis", 18)])
def test_generated_tests_pass_offline(
    variant: str, count: int, offline_runs: dict[tuple[str, str], subprocess.CompletedProcess[str]]
) -> None:
    result = offline_runs[variant, "pytest"]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert re.search(rf"\b{count} passed\b", result.stdout), result.stdout[-500:]


# ---- what is written ------------------------------------------------------------------------


def test_new_lists_what_it_made_and_what_to_run_next(
    created: dict[str, tuple[Path, subprocess.CompletedProcess[str]]],
) -> None:
    project, result = created["full"]
    assert result.returncode == 0 and result.stderr == ""
    first = result.stdout.splitlines()[0]
    assert first == (
        f"Created {project}: project shop in eu-west-1 (network, load balancer, web service, Redis, database,"
        " queue, worker pool and alarms), 22 files."
    )
    assert "tierup check --stack prod" in result.stdout and "pytest tests" in result.stdout


@pytest.mark.parametrize("variant", VARIANTS)
def test_files_per_variant(variant: str, projects: dict[str, Path]) -> None:
    expected = COMMON_FILES | (set() if variant == "no-workers" else WORKER_FILES)
    assert files_of(projects[variant]) == expected
    for path in projects[variant].rglob("*.py"):
        compile(path.read_text(), str(path), "exec")  # every generated Python file parses


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_sample_app_reads_database_url_only_with_a_database(
    variant: str, projects: dict[str, Path]
) -> None:
    app = projects[variant] / "app"
    database = variant != "no-workers"
    server, connections = (app / "server.py").read_text(), (app / "connections.py").read_text()
    assert ('"/health/database"' in server) == database
    assert ('os.environ.get("DATABASE_URL")' in connections) == database
    assert (
        bool(re.search(r"(?m)^psycopg\[binary\]==\d+\.\d+\.\d+$", (app / "requirements.txt").read_text()))
        == database
    )
    compose = yaml.safe_load((app / "compose.yaml").read_text())
    assert ("postgres" in compose["services"]) == database
    assert ("postgres" in compose["services"]["web"].get("depends_on", [])) == database
    if database:  # locally the same variables as on AWS, pointed at the compose service
        env = compose["services"]["web"]["environment"]
        assert (
            env["DATABASE_URL"] == "postgresql://app@postgres:5432/app" and env["DATABASE_HOST"] == "postgres"
        )
        postgres = compose["services"]["postgres"]
        major = DEFAULT_DATABASE_ENGINE_VERSIONS["postgres"]
        assert postgres["image"] == f"postgres:{major}-alpine"  # the engine version RDS runs by default
        assert postgres["ports"] == ["127.0.0.1:5432:5432"]


def test_pulumi_yaml_is_a_python_project_and_a_template(projects: dict[str, Path]) -> None:
    for variant, project in projects.items():
        data = yaml.safe_load((project / "Pulumi.yaml").read_text())
        assert data["name"] == NAMES[variant]
        assert data["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
        assert (data["main"], data["stackConfigDir"]) == ("stacks/", "stacks")
        template = data["template"]
        assert template["description"]
        assert set(template["config"]) == {"aws:region", "appImage"}  # what `pulumi new` prompts for
        assert template["config"]["aws:region"]["default"] == REGIONS[variant]
        assert all(entry["description"] for entry in template["config"].values())
        assert "default" not in template["config"]["appImage"]  # empty answer: build ./app
    requirements = (projects["full"] / "requirements.txt").read_text()
    line, source = running_tierup_requirement()  # this test runs an editable install of the repo
    assert (line, source) == (f"-e {REPO.as_uri()}", "a local folder, editable")
    assert [r for r in requirements.splitlines() if r and not r.startswith("#")] == [line]
    assert line in (projects["full"] / "README.md").read_text()


def test_stack_files_validate_and_show_every_setting_at_its_preset(projects: dict[str, Path]) -> None:
    schema = json_schema()
    for variant, project in projects.items():
        for environment in ENVIRONMENTS:
            data = stack_file(project, environment)
            jsonschema.validate(data, schema)
            config = data["config"]
            settings = load_settings(config, file="x", stack=environment)
            assert (settings.environment, settings.region) == (environment, REGIONS[variant])
            assert (settings.redis is None) == (variant == "no-redis")
            assert (settings.workers == {}) == (settings.queues == {}) == (variant == "no-workers")
            assert (settings.database is None) == (variant == "no-workers")  # --no-database goes with it
            for top in iter_fields(StackSettings, recurse=False):
                key = f"tierup:{top.key}"
                if top.section is None or key not in config or not hasattr(top.section, "presets"):
                    continue
                for entry in config[key].values() if top.is_map else [config[key]]:
                    for field, preset in top.section.presets(environment).items():
                        assert entry[field] == preset, (variant, environment, key, field)
            web = settings.services["web"]
            assert web.build is not None and web.build.context == "app"


def test_every_setting_line_has_a_comment_and_unset_ones_are_shown_commented_out(
    projects: dict[str, Path],
) -> None:
    text = (projects["full"] / "stacks" / "Pulumi.prod.yaml").read_text()
    lines = text.splitlines()
    keys = [i for i, line in enumerate(lines) if re.match(r"^ {4}( {2})?[a-zA-Z]+:", line)]
    assert len(keys) > 40
    for i in keys:
        if lines[i - 1].lstrip().startswith("tierup:"):
            continue  # a tier's name in a map (services.web) is described above the map
        assert lines[i - 1].lstrip().startswith("#"), lines[i]  # the description sits above each key
    for optional in (
        "# certificateArn: arn:aws:acm:eu-west-1:",
        "# hostedZone: ",
        "# requestsPerTarget: 1000",
        "# desiredCapacity: 2",
        "# amiId: ami-0123456789abcdef0",
    ):
        assert optional in text
    for spec in iter_fields(ServiceSettings, recurse=False):
        assert re.search(rf"^ {{6}}(# )?{spec.key}:", text, re.M), spec.key
    no_redis = (projects["no-redis"] / "stacks" / "Pulumi.prod.yaml").read_text()
    assert re.search(r"^\s*tierup:redis:", no_redis, re.M) is None  # left out: only commented
    assert "  # tierup:redis: {}" in no_redis
    assert "add `tierup:redis` to build it" in no_redis.replace("\n  # ", " ")


def test_program_has_one_source_of_wiring(projects: dict[str, Path]) -> None:
    program = (projects["full"] / "stacks" / "__main__.py").read_text()
    assert "StackSettings.from_pulumi_config()" in program
    assert re.search(r"^arch = tierup\.build\(settings\)", program, re.M)  # the one source of wiring
    for component in ("Network", "LoadBalancer", "AppTier", "RedisCache", "Queue", "WorkerPool", "Alarms"):
        assert not re.search(rf"\b{component}\(", program), component  # not restated here
    assert "your own resources" in program  # the marked place for the team's additions
    # one program for every variant: a tier is built exactly when its config section is there
    other = (projects["no-redis"] / "stacks" / "__main__.py").read_text()
    assert program.replace("shop", "jobs_app") == other


def _workflow_schema(name: str) -> dict[str, Any]:
    """SchemaStore's schema as check-jsonschema vendors it (no network)."""
    import check_jsonschema

    vendor = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor"
    return json.loads((vendor / f"{name}.json").read_text())


WORKFLOWS = (".github/workflows/infrastructure.yml", ".github/workflows/deploy.yml")


@pytest.mark.parametrize("variant", VARIANTS)
def test_workflows_and_the_action_validate_against_the_github_schemas(
    variant: str, projects: dict[str, Path]
) -> None:
    from ruamel.yaml import YAML  # YAML 1.2, as GitHub reads workflows (`on` is a key, not True)

    load = YAML(typ="safe").load
    workflows = _workflow_schema("github-workflows")
    for path in WORKFLOWS:
        jsonschema.Draft7Validator(workflows).validate(load((projects[variant] / path).read_text()))
    action = load((projects[variant] / ".github/actions/pulumi/action.yml").read_text())
    jsonschema.Draft7Validator(_workflow_schema("github-actions")).validate(action)


def _steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    jobs = document.get("jobs", {}).values()
    return [s for job in jobs for s in job.get("steps", [])] + document.get("runs", {}).get("steps", [])


def test_third_party_actions_are_pinned_by_sha_and_the_base_image_by_digest(
    projects: dict[str, Path],
) -> None:
    project = projects["full"]
    for path in (*WORKFLOWS, ".github/actions/pulumi/action.yml"):
        text = (project / path).read_text()
        for step in _steps(yaml.safe_load(text)):
            uses = step.get("uses")
            if uses is None or uses.startswith("./"):
                continue
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), (path, uses)
            assert re.search(re.escape(uses) + r"  # v\d+\.\d+\.\d+\n", text), (path, uses)  # the version
        assert "git ls-remote" in text or "how to refresh" in text
    dockerfile = (project / "app" / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.12-slim@sha256:[0-9a-f]{64}$", dockerfile, re.M)
    assert "docker buildx imagetools inspect" in dockerfile


def test_ci_checks_each_stack_uploads_sarif_and_posts_the_cost_diff(projects: dict[str, Path]) -> None:
    workflow = yaml.safe_load((projects["full"] / ".github/workflows/infrastructure.yml").read_text())
    assert workflow[True].keys() >= {"push", "pull_request"}  # YAML 1.1 reads the key `on` as True
    check, cost, preview = (workflow["jobs"][j] for j in ("check", "cost", "preview"))
    assert check["strategy"]["matrix"]["stack"] == ["dev", "staging", "prod"]
    runs = [step.get("run", "") for step in check["steps"]]
    assert any("pip install -r requirements-dev.txt" in r for r in runs)
    assert any(r.strip() == "pytest -q tests" for r in runs)
    assert any("tierup check --stack" in r and "--format sarif" in r for r in runs)
    upload = next(
        s for s in check["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")
    )
    assert "!cancelled()" in upload["if"]  # uploaded even when the check fails the build
    assert check["permissions"]["security-events"] == "write"
    # the cost of prod before and after the change, as one sticky comment on the pull request
    assert "pull_request" in cost["if"] and cost["permissions"]["pull-requests"] == "write"
    base = next(s for s in cost["steps"] if s.get("with", {}).get("path") == ".base")
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    script = "\n".join(s.get("run", "") for s in cost["steps"])
    assert "tierup cost .base --stack prod --format json" in script
    assert "tierup cost . --stack prod --format markdown" in script
    assert "<!-- tierup-cost -->" in script and "--method PATCH" in script
    # the preview: only with credentials, through the shared action (policy pack enforced)
    assert "present == 'true'" in preview["if"] and preview["permissions"]["id-token"] == "write"
    (step,) = [s for s in preview["steps"] if s.get("uses") == "./.github/actions/pulumi"]
    assert step["with"]["command"] == "preview" and step["with"]["stack"] == "${{ matrix.stack }}"


def test_deploys_go_dev_then_staging_then_prod_behind_reviewers(projects: dict[str, Path]) -> None:
    workflow = yaml.safe_load((projects["full"] / ".github/workflows/deploy.yml").read_text())
    assert workflow[True]["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    assert list(jobs) == ["dev", "staging", "prod"]
    assert (
        "needs" not in jobs["dev"]
        and jobs["staging"]["needs"] == "dev"
        and jobs["prod"]["needs"] == "staging"
    )
    assert [jobs[j]["environment"] for j in jobs] == ["dev", "staging", "production"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    for name, job in jobs.items():
        assert job["permissions"]["id-token"] == "write"
        assert job["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"
        (step,) = [s for s in job["steps"] if s.get("uses") == "./.github/actions/pulumi"]
        assert step["with"] == {
            "command": "up",
            "stack": name,
            "role-to-assume": "${{ secrets.AWS_ROLE_TO_ASSUME }}",
            "cloud-url": "${{ secrets.PULUMI_BACKEND_URL }}",
        }
    text = (projects["full"] / ".github/workflows/deploy.yml").read_text()
    assert "Required reviewers" in text


def test_the_pulumi_action_assumes_a_role_and_enforces_the_pack_with_the_waivers(
    projects: dict[str, Path],
) -> None:
    action = yaml.safe_load((projects["full"] / ".github/actions/pulumi/action.yml").read_text())
    steps = action["runs"]["steps"]
    aws = next(s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    assert aws["with"]["aws-region"] == "eu-west-1"
    assert aws["with"]["role-to-assume"] == "${{ inputs.role-to-assume }}"
    assert not {"aws-access-key-id", "aws-secret-access-key"} & aws["with"].keys()  # OIDC only
    pack = next(s for s in steps if s.get("id") == "pack")
    assert 'tierup policy-config --stack "$STACK" --output "policy-config.$STACK.json"' in pack["run"]
    pulumi = next(s for s in steps if s.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi["with"]["policyPacks"] == "${{ steps.pack.outputs.dir }}"
    assert pulumi["with"]["policyPackConfigs"] == "${{ steps.pack.outputs.config }}"
    assert pulumi["with"]["command"] == "${{ inputs.command }}"


def _pairs(value: Any) -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key), item
            yield from _pairs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _pairs(item)


def test_no_secret_is_written_in_plain_text(projects: dict[str, Path]) -> None:
    credential = re.compile(
        r"(AKIA|ASIA)[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY|://[^/\s:@]+:[^/\s@]+@|secure:\s*v1:"
    )
    secret_key = re.compile(r"(?i)password|passwd|(?<!id-)token|secret|private.?key|access.?key")
    for project in projects.values():
        for path in project.rglob("*"):
            if not path.is_file():
                continue
            text = path.read_text()
            assert not credential.search(text), path
            if path.suffix in (".yaml", ".yml"):
                # a secret-looking key only ever holds a reference: ${{ secrets.X }} in CI
                for key, value in _pairs(yaml.safe_load(text)):
                    if secret_key.search(key) and isinstance(value, str):
                        assert re.fullmatch(r"\$\{\{ secrets\.[A-Z_]+ \}\}", value), (path, key, value)


# ---- refusals and bad input -----------------------------------------------------------------


def test_a_non_empty_folder_is_refused_without_force_and_nothing_is_written(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    result = run_cli("new", target)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {target}: is not empty; pick a new folder, or pass --force to write the project's files"
        " into it (files with the same names are replaced)"
    ]
    assert files_of(target) == {"notes.txt"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # no staging folder left behind


def test_force_writes_into_a_non_empty_folder_and_keeps_other_files(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    (target / "README.md").write_text("old readme\n")
    result = run_cli("new", target, "--force", "--no-workers", "--no-redis")
    assert result.returncode == 0, result.stderr
    assert files_of(target) == COMMON_FILES | {"notes.txt"}
    assert (target / "notes.txt").read_text() == "mine\n"
    assert (target / "README.md").read_text().startswith("# taken\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--name", ".hidden"],
            "error: --name: '.hidden' is not a valid Pulumi project name: letters, digits",
        ),
        (["--name", "my app"], "error: --name: 'my app' is not a valid Pulumi project name"),
        (["--name", "a" * 101], "at most 100 characters"),
        (["--region", "mars-1"], "error: --region: must be an AWS region like us-east-1 (got 'mars-1')"),
    ],
)
def test_bad_options_exit_2_with_one_line_and_write_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_cli("new", tmp_path / "app", *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(message) or message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_folder_name_that_is_no_project_name_asks_for_name(tmp_path: Path) -> None:
    result = run_cli("new", tmp_path / "my app")
    assert result.returncode == 2
    assert result.stderr == (
        "error: --name: the folder name 'my app' is not a valid Pulumi project name (letters, digits, '-', '_'"
        " and '.', at most 100 characters, not starting with '.'); pass --name\n"
    )
    assert list(tmp_path.iterdir()) == []


# ---- packaging ------------------------------------------------------------------------------


def test_the_wheel_globs_cover_every_template_file() -> None:
    """setuptools' package-data globs skip dotfiles and dot-folders unless named: every file must match."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["tierup"]
    package = REPO / "tierup"
    matched = {m for pattern in patterns for m in glob(pattern, root_dir=package, recursive=True)}
    templates = {
        p.relative_to(package).as_posix()
        for p in (package / "scaffold" / "template").rglob("*")
        if p.is_file()
    }
    assert templates and templates <= matched, sorted(templates - matched)
