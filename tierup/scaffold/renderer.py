"""``tierup new``: render a ready project in memory, check it, then write it in one move.

What a project is made of lives in ``template/`` (files ending in ``.tmpl``, rendered by
:func:`render_template`); the stack files ``stacks/Pulumi.<env>.yaml`` are generated from the settings
models instead, every setting at its environment's preset, so they never drift from ``tierup.settings``.

Nothing is half-written: every file is rendered and every stack file validated before anything
touches the disk; the files go to a temporary folder first and are moved into place at the end (a
new folder is renamed into place in one step).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticUndefined

from tierup import __version__
from tierup.errors import TierupError
from tierup.settings import (
    DEFAULT_REGION,
    ENVIRONMENTS,
    DomainName,
    FieldSpec,
    Region,
    StackSettings,
    iter_fields,
    load_settings,
)

TEMPLATE_DIR = Path(__file__).parent / "template"
TEMPLATE_SUFFIX = ".tmpl"

#: Pulumi's rule for project names: letters, digits, ``-``, ``_`` and ``.``, at most 100, no leading dot.
PROJECT_NAME_RE = re.compile(r"^(?!\.)[A-Za-z0-9_.-]{1,100}$")
PROJECT_NAME_RULE = "letters, digits, '-', '_' and '.', at most 100 characters, not starting with '.'"

#: Entries a folder may hold and still count as empty: a fresh ``git init`` or clone.
IGNORED_ENTRIES = frozenset({".git"})

#: The sample app's settings, written into every stack file (the rest are the presets).
APP_PORT = 8080
APP_CONTEXT = "app"
WORKER_COMMAND = ["python", "worker.py"]

_ENV_SUMMARY = {
    "dev": "the cheap shape for development; the resilience policies only advise here",
    "staging": "production's shape at a smaller size; the resilience policies are mandatory",
    "prod": "production; the resilience policies are mandatory",
}


def requirement_for(direct_url: Mapping[str, Any] | None, version: str) -> tuple[str, str]:
    """(the requirement line, where it comes from) for tierup installed as PEP 610's ``direct_url.json`` says.

    No ``direct_url.json``: from a package index (``tierup==X``). A VCS URL is pinned to the installed
    commit; a local folder stays a path (``-e`` when it was installed editable); a wheel or sdist file
    (or URL) is named as it was.
    """
    if not direct_url or not isinstance(direct_url.get("url"), str):
        return f"tierup=={version}", "a package index"
    url: str = direct_url["url"]
    subdirectory = direct_url.get("subdirectory")
    fragment = f"#subdirectory={subdirectory}" if subdirectory else ""
    if isinstance(vcs := direct_url.get("vcs_info"), dict):
        commit = vcs.get("commit_id") or vcs.get("requested_revision")
        revision = f"@{commit}" if commit else ""
        return f"tierup @ {vcs.get('vcs', 'git')}+{url}{revision}{fragment}", f"a {vcs.get('vcs', 'git')} URL"
    if isinstance(archive := direct_url.get("archive_info"), dict):
        hashes = archive.get("hashes") or {}
        digest = f"#sha256={hashes['sha256']}" if "sha256" in hashes and not fragment else ""
        kind = "a wheel" if url.endswith(".whl") else "an archive"
        return f"tierup @ {url}{fragment or digest}", kind
    if isinstance(folder := direct_url.get("dir_info"), dict) and folder.get("editable"):
        return f"-e {url}{fragment}", "a local folder, editable"
    return f"tierup @ {url}{fragment}", "a local folder"


def running_tierup_requirement() -> tuple[str, str]:
    """The requirement that installs the tierup that is running, from its installed distribution."""
    from importlib.metadata import distributions

    # the installed one records how (a source tree's tierup.egg-info on sys.path does not)
    found = [(dist, dist.read_text("direct_url.json")) for dist in distributions(name="tierup")]
    if not found:  # run from a source tree that is not installed
        return requirement_for(None, __version__)
    dist, text = next(((d, t) for d, t in found if t), found[0])
    try:
        direct_url = json.loads(text or "null")
    except json.JSONDecodeError:
        direct_url = None
    return requirement_for(direct_url, dist.version)


@dataclass(frozen=True)
class ScaffoldOptions:
    """What ``tierup new`` builds: the project name, its region and the optional tiers."""

    name: str
    region: str = DEFAULT_REGION
    workers: bool = True
    redis: bool = True
    database: bool = True
    domain: str | None = None  # prod serves it; staging serves staging.<domain>
    requirement: tuple[str, str] = field(default_factory=running_tierup_requirement)

    def context(self) -> dict[str, Any]:
        """The values and flags the templates see."""
        tiers = ["network", "load balancer", "web service"]
        if self.redis:
            tiers.append("Redis")
        if self.database:
            tiers.append("database")
        if self.workers:
            tiers += ["queue", "worker pool"]
        tiers.append("alarms")
        return {
            "project": self.name,
            "region": self.region,
            "tierup_version": __version__,
            "tierup_requirement": self.requirement[0],
            "tierup_source": self.requirement[1],
            "tiers": ", ".join(tiers[:-1]) + " and " + tiers[-1],
            "app_port": str(APP_PORT),
            "redis": self.redis,
            "workers": self.workers,
            "database": self.database,
            "domain": self.base_domain,
        }

    @property
    def base_domain(self) -> str:
        """The domain the stacks serve: ``--domain``, or a placeholder under example.com to replace."""
        if self.domain:
            return self.domain
        label = re.sub(r"[^a-z0-9-]+", "-", self.name.lower()).strip("-")[:63].strip("-") or "app"
        return f"{label}.example.com"

    def domain_for(self, environment: str) -> str:
        """``shop.example.com`` in prod, ``staging.shop.example.com`` in staging, ``dev.…`` in dev."""
        return self.base_domain if environment == "prod" else f"{environment}.{self.base_domain}"


@dataclass
class Created:
    """The result of :func:`create_project`: where, with which options, and the files (relative paths)."""

    directory: Path
    options: ScaffoldOptions
    files: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Validation of the options (each error is one line naming the flag).


def validate_name(name: str, *, from_folder: bool = False) -> str:
    if PROJECT_NAME_RE.fullmatch(name):
        return name
    if from_folder:
        raise TierupError(
            f"the folder name {name!r} is not a valid Pulumi project name ({PROJECT_NAME_RULE}); pass --name",
            key="--name",
        )
    raise TierupError(f"{name!r} is not a valid Pulumi project name: {PROJECT_NAME_RULE}", key="--name")


def validate_domain(domain: str) -> str:
    """``--domain``: a fully qualified name the prod stack serves (staging gets ``staging.<domain>``)."""
    try:
        return TypeAdapter(DomainName).validate_python(domain)
    except ValidationError as exc:
        error = exc.errors()[0]
        reason = error.get("ctx", {}).get("error", error["msg"])
        raise TierupError(str(reason), key="--domain") from None


def validate_region(region: str) -> str:
    try:
        return TypeAdapter(Region).validate_python(region)
    except ValidationError as exc:
        error = exc.errors()[0]
        reason = error.get("ctx", {}).get("error", error["msg"])
        raise TierupError(str(reason), key="--region") from None


# ---------------------------------------------------------------------------------------------
# The template language: ``{{name}}`` placeholders; ``{% if flag %}`` / ``{% else %}`` / ``{% endif %}``
# on lines of their own, or ``{% if flag %}text{% endif %}`` within one line (``not``, ``and``, ``or``
# allowed). ``${{ ... }}`` (GitHub Actions) is left alone.

_PLACEHOLDER = re.compile(r"(?<!\$)\{\{ ?([a-z_]+) ?\}\}")
_DIRECTIVE = re.compile(r"^\s*\{%\s*(if|else|endif)\b\s*(.*?)\s*%\}\s*$")
_INLINE = re.compile(r"\{%\s*if\s+(.*?)\s*%\}(.*?)\{%\s*endif\s*%\}")


def _condition(expression: str, context: Mapping[str, Any]) -> bool:
    def term(text: str) -> bool:
        words = text.split()
        negate = False
        while words and words[0] == "not":
            negate, words = not negate, words[1:]
        if len(words) != 1 or not isinstance(context.get(words[0]), bool):
            raise ValueError(f"bad template condition {expression!r}")
        return context[words[0]] != negate

    return any(all(term(part) for part in alt.split(" and ")) for alt in expression.split(" or "))


def render_template(text: str, context: Mapping[str, Any]) -> str:
    """Render one template: drop the lines of false branches and the directive lines, fill placeholders."""
    out: list[str] = []
    stack: list[tuple[bool, bool]] = []  # (this branch is shown, the enclosing block is shown)
    for line in text.splitlines(keepends=True):
        match = _DIRECTIVE.match(line)
        if match is None:
            if all(shown for shown, _ in stack):
                line = _INLINE.sub(lambda m: m.group(2) if _condition(m.group(1), context) else "", line)
                if "{%" in line:
                    raise ValueError(f"unbalanced template directive in {line.strip()!r}")
                out.append(_PLACEHOLDER.sub(lambda m: str(context[m.group(1)]), line))
            continue
        kind, expression = match.groups()
        if kind == "if":
            outer = all(shown for shown, _ in stack)
            stack.append((_condition(expression, context), outer))
        elif not stack:
            raise ValueError(f"{{% {kind} %}} without {{% if %}}")
        elif kind == "else":
            shown, outer = stack.pop()
            stack.append((not shown, outer))
        else:
            stack.pop()
    if stack:
        raise ValueError("{% if %} without {% endif %}")
    return "".join(out)


def _template_files(options: ScaffoldOptions) -> dict[str, str]:
    """Every file of ``template/``, rendered; a file that renders empty is left out."""
    context = options.context()
    files: dict[str, str] = {}
    for path in sorted(TEMPLATE_DIR.rglob("*")):
        if not path.is_file() or not path.name.endswith(TEMPLATE_SUFFIX):
            continue
        relative = path.relative_to(TEMPLATE_DIR).as_posix().removesuffix(TEMPLATE_SUFFIX)
        text = render_template(path.read_text(encoding="utf-8"), context)
        if text.strip():
            files[relative] = text
    return files


# ---------------------------------------------------------------------------------------------
# Stack files, from the settings models: every field comes from ``iter_fields``, as the JSON Schema and
# docs/configuration.md do, so a new setting, preset or description shows up here by itself.

#: Names of the sample app's tiers in the stack files.
SERVICE = "web"
QUEUE = "jobs"


def _scalar(value: Any) -> str:
    """One value in YAML flow style, quoted only where YAML needs it (``'8.0'``, ``'on'``)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(by_alias=True)
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(text, width=100 - len(indent) - 2)]


#: A pinned AMI as ``tierup new`` shows it (the README's "Rolling a new AMI" says how to get a real one).
EXAMPLE_AMI = "ami-0123456789abcdef0"


def _examples(environment: str, options: ScaffoldOptions) -> dict[tuple[str, str], Any]:
    """Values shown (commented out) for settings that are off by default."""
    image = f"123456789012.dkr.ecr.{options.region}.amazonaws.com/{options.name.lower()}:1.0.0"
    return {
        ("LoadBalancerSettings", "domain"): options.domain_for(environment),
        ("LoadBalancerSettings", "hostedZone"): options.base_domain.split(".", 1)[-1],
        ("LoadBalancerSettings", "certificateArn"): (
            f"arn:aws:acm:{options.region}:123456789012:certificate/<certificate-id>"
        ),
        ("ServiceSettings", "image"): image,
        ("ServiceSettings", "command"): ["python", "server.py"],
        ("ServiceSettings", "priority"): 100,
        ("ServiceSettings", "requestsPerTarget"): 1000,
        ("ServiceSettings", "amiId"): EXAMPLE_AMI,
        ("WorkerSettings", "image"): image,
        ("WorkerSettings", "amiId"): EXAMPLE_AMI,
        ("WorkerSettings", "build"): {"context": APP_CONTEXT},
    }


#: Sections ``tierup new`` leaves out, shown as a commented example of how to add one.
_ABSENT_EXAMPLES: dict[str, dict[str, Any]] = {
    "schedules": {"nightly": {"schedule": "cron(0 3 * * ? *)", "timezone": "UTC", "queue": QUEUE,
                              "message": {"job": "nightly"}}},
}  # fmt: skip


def _chosen(environment: str, options: ScaffoldOptions) -> dict[str, Any]:
    """The values tierup new sets beyond the presets (the sample app's), by section alias."""
    chosen: dict[str, Any] = {
        "services": {
            SERVICE: {"build": {"context": APP_CONTEXT}, "port": APP_PORT, "env": {"APP_ENV": environment}}
        }
    }
    if environment != "dev":  # staging and prod serve HTTPS
        chosen["loadBalancer"] = {"domain": options.domain_for(environment)}
    if options.workers:
        chosen["queues"] = {QUEUE: {}}
        chosen["workers"] = {QUEUE: {"queue": QUEUE, "command": list(WORKER_COMMAND)}}
    return chosen


def _sections(options: ScaffoldOptions) -> list[tuple[FieldSpec, bool]]:
    """Every ``tierup:<section>`` of the stack settings, and whether tierup new writes it."""
    wanted = {
        "redis": options.redis,
        "database": options.database,
        "queues": options.workers,
        "workers": options.workers,
        "schedules": False,
    }
    return [
        (spec, wanted.get(spec.name, spec.name in StackSettings.ALWAYS_BUILT or spec.required))
        for spec in iter_fields(StackSettings, recurse=False)
        if spec.model is not None
    ]


def _entry_lines(
    spec: FieldSpec, value: Any, resolved: Any, indent: str, examples: Mapping[tuple[str, str], Any]
) -> list[str]:
    """``key: value`` for one set field (a nested object or a map of objects over several lines)."""
    nested = spec.section
    if nested is not None and spec.is_map and isinstance(value, Mapping) and value:
        lines = [f"{indent}{spec.key}:"]
        for name, entry in value.items():
            lines.append(f"{indent}  {name}:")
            lines += _render_fields(nested, entry, (resolved or {}).get(name), indent + "    ", examples)
        return lines
    if nested is not None and isinstance(value, Mapping) and not spec.is_map:
        return [f"{indent}{spec.key}:", *_render_fields(nested, value, resolved, indent + "  ", examples)]
    if isinstance(value, Mapping) and value:
        return [f"{indent}{spec.key}:", *(f"{indent}  {_scalar(k)}: {_scalar(v)}" for k, v in value.items())]
    return [f"{indent}{spec.key}: {_scalar(value)}"]


def _render_fields(
    model: type[BaseModel],
    values: Mapping[str, Any],
    resolved: Any,
    indent: str,
    examples: Mapping[tuple[str, str], Any],
) -> list[str]:
    """Every field of ``model``: its description as a comment, then ``key: value`` (commented out when unset)."""
    lines: list[str] = []
    for spec in iter_fields(model, recurse=False):
        lines += _comment(spec.info.description or spec.key, indent)
        current = getattr(resolved, spec.name, None)
        if spec.key in values:
            lines += _entry_lines(spec, values[spec.key], current, indent, examples)
        elif (model.__name__, spec.key) in examples:
            lines.append(f"{indent}# {spec.key}: {_scalar(examples[model.__name__, spec.key])}")
        elif spec.derived and current is not None:
            # derived from other settings (desiredCapacity from minSize, ...): shown at what it resolves to
            lines.append(f"{indent}# {spec.key}: {_scalar(current)}")
        else:
            lines.append(f"{indent}# {spec.key}:")
    return lines


def _section_values(model: type[BaseModel], environment: str, chosen: Mapping[str, Any]) -> dict[str, Any]:
    """The values written for a section: its presets and static defaults, then what tierup new sets."""
    values: dict[str, Any] = {}
    for spec in iter_fields(model, recurse=False):
        nested = spec.section
        given = chosen.get(spec.key)
        if given is not None and nested is not None and isinstance(given, Mapping) and not spec.is_map:
            values[spec.key] = _section_values(nested, environment, given)
        elif spec.key in chosen:
            values[spec.key] = given
        elif (default := spec.default_for(environment)) is not PydanticUndefined and default is not None:
            values[spec.key] = default
    return values


def stack_config(environment: str, options: ScaffoldOptions) -> dict[str, Any]:
    """The ``config:`` mapping of ``stacks/Pulumi.<environment>.yaml`` (no commented-out lines)."""
    chosen = _chosen(environment, options)
    config: dict[str, Any] = {"aws:region": options.region, "tierup:environment": environment}
    for spec, included in _sections(options):
        if not included:
            continue
        given = chosen.get(spec.key, {})
        if spec.is_map:
            value = {name: _section_values(spec.model, environment, entry) for name, entry in given.items()}
        else:
            value = _section_values(spec.model, environment, given)
        config[f"tierup:{spec.key}"] = value
    return config


def render_stack_file(environment: str, options: ScaffoldOptions) -> str:
    """``stacks/Pulumi.<environment>.yaml``: every setting at its preset, each with its description."""
    config = stack_config(environment, options)
    file = f"stacks/Pulumi.{environment}.yaml"
    resolved = load_settings(config, file=file, stack=environment)  # a bug here must never reach a user
    examples = _examples(environment, options)
    environment_spec = next(s for s in iter_fields(StackSettings, recurse=False) if s.name == "environment")
    lines = [
        f"# Stack {environment!r} of {options.name}: {_ENV_SUMMARY.get(environment, environment)}.",
        f"# Every tierup setting is listed at its {environment} preset (tierup {__version__}); change a value",
        "# to override it. Lines starting with '# key:' are off; uncomment one to set it.",
        f"# Check offline: tierup check --stack {environment}   Schema for editors: tierup schema",
        "# Secrets never go in this file in plain text: put them under a tier's `secrets`, as a Secrets",
        "# Manager or SSM parameter ARN, or with `pulumi config set --secret --path` (stored encrypted).",
        "config:",
        "  # AWS region the stack deploys to (tierup and the AWS provider read it).",
        f"  aws:region: {_scalar(options.region)}",
        *_comment(environment_spec.info.description or "", "  "),
        f"  tierup:environment: {environment}",
    ]
    if environment != "dev" and not options.domain:
        lines += _comment(
            f"{options.base_domain} is a placeholder: replace the load balancer's domain with yours (a Route 53"
            " hosted zone must exist for it), or run tierup new with --domain.",
            "  ",
        )
    for spec, included in _sections(options):
        model = spec.model
        assert model is not None
        doc = " ".join(line.strip() for line in (model.__doc__ or "").split("\n") if line.strip())
        lines.append("")
        if not included:
            lines += _comment(
                f"{doc} Not built: `tierup new` leaves it out; add `tierup:{spec.key}` to build it"
                f" with the {environment} presets.",
                "  ",
            )
            example = _ABSENT_EXAMPLES.get(spec.key, {} if not spec.is_map else None)
            if example is not None:
                text = yaml.safe_dump(
                    {f"tierup:{spec.key}": example}, sort_keys=False, default_flow_style=None
                )
                lines += [f"  # {line}" for line in text.rstrip("\n").splitlines()]
            continue
        lines += _comment(f"{doc} {spec.info.description}", "  ")
        value, current = config[f"tierup:{spec.key}"], getattr(resolved, spec.name)
        if spec.is_map:
            lines.append(f"  tierup:{spec.key}:")
            for name, entry in value.items():
                lines.append(f"    {name}:")
                lines += _render_fields(model, entry, current[name], "      ", examples)
        else:
            lines.append(f"  tierup:{spec.key}:")
            lines += _render_fields(model, value, current, "    ", examples)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The whole project.


def render_project(options: ScaffoldOptions) -> dict[str, str]:
    """Every file of the project (relative POSIX path → text), rendered and checked in memory."""
    files = _template_files(options)
    for environment in ENVIRONMENTS:
        path = f"stacks/Pulumi.{environment}.yaml"
        text = render_stack_file(environment, options)
        load_settings(yaml.safe_load(text)["config"], file=path, stack=environment)  # what users will load
        files[path] = text
    for path, text in files.items():
        if path.endswith((".yaml", ".yml")):
            yaml.safe_load(text)  # raises on a template bug, before anything is written
    return dict(sorted(files.items()))


def _is_empty(directory: Path) -> bool:
    return not any(entry.name not in IGNORED_ENTRIES for entry in directory.iterdir())


def _write_tree(root: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if relative.endswith(".sh"):
            path.chmod(0o755)


def _move_into(staging: Path, directory: Path, files: Mapping[str, str]) -> None:
    """Move every staged file into an existing folder; on failure, put back what was there before."""
    for relative in files:  # a folder where a file goes (or a file where a folder goes): refuse first
        for path in (directory / relative, *(directory / relative).parents):
            if path == directory:
                break
            is_target = path == directory / relative
            if (
                (path.is_dir() and not path.is_symlink())
                if is_target
                else (path.exists() and not path.is_dir())
            ):
                what = "a folder" if is_target else "a file"
                raise TierupError(
                    f"{path.relative_to(directory)} is {what} here; the project needs that name"
                )
    moved: list[Path] = []
    made: list[Path] = []
    backups: dict[Path, Path] = {}
    backup_dir = staging.parent / "replaced"
    try:
        for relative in files:
            target = directory / relative
            missing = [p for p in reversed(target.parents) if p.is_relative_to(directory) and not p.exists()]
            target.parent.mkdir(parents=True, exist_ok=True)
            made += missing
            if target.exists() or target.is_symlink():
                backup = backup_dir / relative
                backup.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(target), str(backup))
                backups[target] = backup
            shutil.move(str(staging / relative), str(target))
            moved.append(target)
    except BaseException:
        for target in reversed(moved):
            with contextlib.suppress(OSError):
                target.unlink()
        for target, backup in backups.items():
            with contextlib.suppress(OSError):
                shutil.move(str(backup), str(target))
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def write_project(directory: Path, files: Mapping[str, str], *, force: bool = False) -> None:
    """Write ``files`` under ``directory``: refused when it holds anything unless ``force``; all or nothing."""
    if directory.exists() and not directory.is_dir():
        raise TierupError("exists and is not a folder", file=str(directory))
    existing = directory.is_dir()
    if existing and not force and not _is_empty(directory):
        raise TierupError(
            "is not empty; pick a new folder, or pass --force to write the project's files into it"
            " (files with the same names are replaced)",
            file=str(directory),
        )
    parent = directory.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{directory.resolve().name}.tierup-new-", dir=parent))
    except OSError:
        scratch = Path(tempfile.mkdtemp(prefix="tierup-new-"))
    staging = scratch / "project"
    try:
        staging.mkdir()  # made like any new folder (umask), unlike mkdtemp's private 0700
        _write_tree(staging, files)
        if not existing:
            try:
                os.rename(staging, directory)  # the new folder appears complete, in one step
                return
            except OSError:  # another filesystem: move file by file below
                directory.mkdir(parents=True, exist_ok=True)
        _move_into(staging, directory, files)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def create_project(
    directory: str | Path,
    *,
    name: str | None = None,
    region: str = DEFAULT_REGION,
    workers: bool = True,
    redis: bool = True,
    database: bool = True,
    domain: str | None = None,
    force: bool = False,
) -> Created:
    """Scaffold a tierup project in ``directory`` (see the module docstring); bad input raises TierupError."""
    directory = Path(directory)
    project_name = (
        validate_name(name) if name is not None else validate_name(directory.resolve().name, from_folder=True)
    )
    options = ScaffoldOptions(
        name=project_name,
        region=validate_region(region),
        workers=workers,
        redis=redis,
        database=database,
        domain=validate_domain(domain) if domain is not None else None,
    )
    files = render_project(options)
    write_project(directory, files, force=force)
    return Created(directory=directory, options=options, files=list(files))


def next_steps(created: Created) -> str:
    """What ``tierup new`` prints: what it made and what to run next."""
    options = created.options
    shown = str(created.directory)
    tiers = options.context()["tiers"]
    lines = [
        f"Created {shown}: project {options.name} in {options.region} ({tiers}), {len(created.files)} files.",
        "",
        "Next:",
        *([] if created.directory.resolve() == Path.cwd().resolve() else [f"  cd {shown}"]),
        "  python -m venv .venv && .venv/bin/pip install -r requirements-dev.txt && . .venv/bin/activate",
        "  pytest tests                    # the infrastructure and the app, offline",
        "  tierup check --stack prod       # the resilience policies, offline",
        "  pulumi stack init dev && pulumi up --stack dev    # deploy (AWS credentials, Docker)",
    ]
    return "\n".join(lines)
