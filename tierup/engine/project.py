"""Read a Pulumi project and a stack's config the way the Pulumi CLI does.

- ``Pulumi.yaml``: ``name``, ``runtime`` (``python``, with ``options.virtualenv``), ``main`` (a file
  or a folder, relative to the project), ``stackConfigDir`` (where ``Pulumi.<stack>.yaml`` lives),
  and ``config`` (project-level defaults: ``key: value`` or ``key: {default|value: …}``).
- ``Pulumi.<stack>.yaml``: ``config`` values override the project's. Keys without a namespace
  belong to the project (``size`` → ``<project>:size``). Structured values are passed to the
  program JSON-encoded; ``{secure: …}`` values are secrets, replaced offline by a placeholder that
  is never the real value (there is no passphrase or KMS key here).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tierup.errors import TierupError

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")


@dataclass
class Project:
    """A Pulumi project on disk."""

    root: Path
    file: Path
    name: str
    runtime: str
    main: Path
    stack_config_dir: Path
    virtualenv: Path | None
    config_defaults: dict[str, Any] = field(default_factory=dict)
    secret_defaults: set[str] = field(default_factory=set)

    @property
    def program_dir(self) -> Path:
        """Where the program runs (the CLI changes into ``main`` when it is a folder)."""
        return self.main if self.main.is_dir() else self.main.parent

    def stack_file(self, stack: str) -> Path:
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"

    def relative(self, path: Path) -> str:
        """A path as users see it in messages: relative to the current directory when inside it."""
        try:
            return str(path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(path)

    def python(self) -> Path | None:
        """The program's interpreter: the virtualenv Pulumi.yaml names (``options.virtualenv``, or
        ``.venv`` with ``toolchain: uv``), else the active one (``VIRTUAL_ENV``, as ``python3`` on an
        activated PATH would be); None when neither exists (tierup's own interpreter runs it)."""
        venvs = [self.virtualenv] if self.virtualenv is not None else []
        if os.environ.get("VIRTUAL_ENV"):
            venvs.append(Path(os.environ["VIRTUAL_ENV"]))
        for venv in venvs:
            for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
                if candidate.exists():
                    return candidate
        return None


@dataclass
class StackConfig:
    """A stack's config as the language host passes it to the program."""

    file: Path
    values: dict[str, Any]
    secret_keys: set[str]

    def wire(self) -> dict[str, str]:
        """``PULUMI_CONFIG``: every value a string, structured values JSON-encoded."""
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in self.values.items()}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def _read_yaml(path: Path, what: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TierupError(f"cannot read {what}: {exc.strerror}", file=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise TierupError(f"{where}invalid YAML: {getattr(exc, 'problem', exc)}", file=str(path)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TierupError(f"{what} must be a mapping, not {type(data).__name__}", file=str(path))
    return data


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def load_project(directory: str | Path) -> Project:
    """Load ``Pulumi.yaml`` from ``directory``; bad input raises :class:`TierupError`."""
    root = Path(directory)
    if not root.is_dir():
        raise TierupError("not a directory", file=str(root))
    project_file = next((root / f for f in PROJECT_FILES if (root / f).is_file()), None)
    if project_file is None:
        raise TierupError("no Pulumi.yaml here: not a Pulumi project", file=str(root))
    data = _read_yaml(project_file, "the project file")
    shown = str(project_file)

    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise TierupError("required: the project's name", file=shown, key="name")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise TierupError(
            f"tierup evaluates Python programs only (runtime is {runtime_name!r})", file=shown, key="runtime"
        )
    options = (runtime.get("options") or {}) if isinstance(runtime, dict) else {}
    if not isinstance(options, dict):
        raise TierupError("must be a mapping", file=shown, key="runtime.options")
    venv = options.get("virtualenv") or (".venv" if options.get("toolchain") == "uv" else None)

    main = root / str(data.get("main") or ".")
    if not main.exists():
        raise TierupError(f"the program '{data.get('main')}' does not exist", file=shown, key="main")
    entry = main / "__main__.py" if main.is_dir() else main
    if not entry.is_file():
        raise TierupError(f"no program to run: {entry.relative_to(root)} is missing", file=shown, key="main")

    config_dir = root / str(data.get("stackConfigDir") or ".")
    if not config_dir.is_dir():
        raise TierupError(
            f"'{data.get('stackConfigDir')}' is not a directory", file=shown, key="stackConfigDir"
        )

    defaults: dict[str, Any] = {}
    secret_defaults: set[str] = set()
    for key, spec in (data.get("config") or {}).items():
        qualified = _qualify(str(key), name)
        if isinstance(spec, dict) and ({"default", "value"} & spec.keys() or "type" in spec):
            if "value" in spec:
                defaults[qualified] = spec["value"]
            elif "default" in spec:
                defaults[qualified] = spec["default"]
            if spec.get("secret"):
                secret_defaults.add(qualified)
        else:
            defaults[qualified] = spec
    return Project(
        root=root,
        file=project_file,
        name=name,
        runtime="python",
        main=main,
        stack_config_dir=config_dir,
        virtualenv=(root / venv) if venv else None,
        config_defaults=defaults,
        secret_defaults=secret_defaults,
    )


def secret_placeholder(key: str) -> str:
    """What a ``secure:`` value reads as offline: stable, clearly fake, never the real secret."""
    return f"offline-secret-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _resolve_secure(value: Any, key: str) -> tuple[Any, bool]:
    """Replace ``{secure: …}`` anywhere in a value; report whether any was found."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return secret_placeholder(key), True
        found = False
        out = {}
        for k, v in value.items():
            out[k], inner = _resolve_secure(v, f"{key}.{k}")
            found = found or inner
        return out, found
    if isinstance(value, list):
        items = [_resolve_secure(v, f"{key}[{i}]") for i, v in enumerate(value)]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def load_stack_config(project: Project, stack: str) -> StackConfig:
    """The merged config of ``stack``: project defaults, then the stack file."""
    path = project.stack_file(stack)
    if not path.is_file():
        available = sorted(
            p.name[len("Pulumi.") : -len(".yaml")] for p in project.stack_config_dir.glob("Pulumi.*.yaml")
        )
        hint = f"; stacks here: {', '.join(available)}" if available else ""
        raise TierupError(f"no such stack '{stack}'{hint}", file=project.relative(path))
    data = _read_yaml(path, "the stack file")
    raw = data.get("config") or {}
    if not isinstance(raw, dict):
        raise TierupError("must be a mapping", file=project.relative(path), key="config")
    values = dict(project.config_defaults)
    secret_keys = set(project.secret_defaults)
    for key, value in raw.items():
        qualified = _qualify(str(key), project.name)
        resolved, is_secret = _resolve_secure(value, qualified)
        values[qualified] = resolved
        if is_secret:
            secret_keys.add(qualified)
    return StackConfig(file=path, values=values, secret_keys=secret_keys)
