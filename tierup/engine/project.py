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
import shutil
import subprocess
import sys
from collections.abc import Iterator
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
    #: ``runtime.options.toolchain``: ``pip`` (the default), ``uv`` or ``poetry``.
    toolchain: str = "pip"
    #: Whether Pulumi.yaml names the virtualenv (``options.virtualenv``) or tierup inferred it.
    virtualenv_named: bool = True

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
        """The program's interpreter, found as the Pulumi CLI finds it: the virtualenv Pulumi.yaml
        names (``options.virtualenv``; with ``toolchain: uv`` or ``poetry`` and none named, the
        project's ``.venv``, then for poetry the one ``poetry env info --path`` reports), else the
        active one (``VIRTUAL_ENV``, as ``python3`` on an activated PATH would be); None when none
        exists (tierup's own interpreter runs it)."""
        for venv in self._virtualenvs():
            for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
                if candidate.exists():
                    return candidate
        return None

    def _virtualenvs(self) -> Iterator[Path]:
        """Candidate virtualenvs, most specific first; poetry is asked only if the ones before fail."""
        if self.virtualenv is not None:
            yield self.virtualenv
        if self.toolchain == "poetry" and not self.virtualenv_named:
            poetry_venv = _poetry_virtualenv(self.root)
            if poetry_venv is not None:
                yield poetry_venv
        if os.environ.get("VIRTUAL_ENV"):
            yield Path(os.environ["VIRTUAL_ENV"])


def _poetry_virtualenv(root: Path) -> Path | None:
    """The virtualenv poetry keeps for the project (``poetry env info --path``), if poetry is here."""
    poetry = shutil.which("poetry")
    if poetry is None:
        return None
    try:
        answer = subprocess.run(
            [poetry, "env", "info", "--path"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = answer.stdout.strip()
    return Path(path) if answer.returncode == 0 and path else None


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


#: Limits that keep a hostile or broken YAML file a one-line error instead of minutes and gigabytes.
MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_YAML_NODES = 200_000
MAX_INT = 2**63


class _Unsupported(yaml.YAMLError):
    def __init__(self, reason: str, mark: Any) -> None:
        super().__init__(reason)
        self.problem = reason
        self.problem_mark = mark


class _StrictLoader(yaml.SafeLoader):
    """YAML as Pulumi's config reads it: plain data only, each key once.

    Dates stay strings (``2026-01-01`` is not a datetime), ``!!binary``/``!!set``/``!!timestamp`` and
    non-finite or oversized numbers are errors with their line, as is a key given twice.
    """

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:
                raise _Unsupported("a mapping key must be a plain value", key_node.start_mark) from None
            if duplicate:
                raise _Unsupported(
                    f"'{key}' is given twice (first on line {seen[key] + 1})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: Any) -> int:
        try:
            value = super().construct_yaml_int(node)
        except ValueError:
            raise _Unsupported("the number is too large", node.start_mark) from None
        if abs(value) >= MAX_INT:
            raise _Unsupported("the number is too large (beyond 64 bits)", node.start_mark)
        return value

    def construct_yaml_float(self, node: Any) -> float:
        value = super().construct_yaml_float(node)
        if value != value or value in (float("inf"), float("-inf")):
            raise _Unsupported("NaN and infinity are not config values", node.start_mark)
        return value

    def _refuse(self, node: Any) -> Any:
        raise _Unsupported(f"{node.tag.rsplit(':', 1)[-1]} values are not config values", node.start_mark)


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _StrictLoader.construct_yaml_float)
_StrictLoader.add_constructor("tag:yaml.org,2002:map", _StrictLoader.construct_yaml_map)
for _tag in ("binary", "set", "timestamp", "omap", "pairs"):
    _StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _StrictLoader._refuse)


def _check_tree(value: Any, path: str, ancestors: set[int], budget: list[int]) -> str | None:
    """Why the loaded value is not plain finite data (a recursive alias, an alias bomb), or None."""
    budget[0] -= 1
    if budget[0] < 0:
        return "too large once its aliases are expanded"
    if isinstance(value, dict | list):
        if id(value) in ancestors:
            return f"{path or 'the file'}: a recursive alias"
        ancestors.add(id(value))
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            child = f"{path}.{key}" if isinstance(value, dict) else f"{path}[{key}]"
            problem = _check_tree(item, child.lstrip("."), ancestors, budget)
            if problem:
                return problem
        ancestors.discard(id(value))
    return None


def read_yaml(path: Path, what: str, shown: str | None = None) -> dict[str, Any]:
    """A YAML mapping from ``path``; anything else is a one-line :class:`TierupError` naming the file."""
    shown = shown or str(path)
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_YAML_BYTES:
            raise TierupError(f"{what} is larger than {MAX_YAML_BYTES // 1024 // 1024} MiB", file=shown)
        text = raw.decode("utf-8")
        data = yaml.load(text, Loader=_StrictLoader)
    except OSError as exc:
        raise TierupError(f"cannot read {what}: {exc.strerror}", file=shown) from None
    except UnicodeDecodeError as exc:
        raise TierupError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})", file=shown
        ) from None
    except RecursionError:
        raise TierupError("nested too deeply", file=shown) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        prefix = "" if isinstance(exc, _Unsupported) else "invalid YAML: "
        raise TierupError(f"{where}{prefix}{' '.join(str(problem).split())}", file=shown) from None
    problem = _check_tree(data, "", set(), [MAX_YAML_NODES])
    if problem:
        raise TierupError(problem, file=shown)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TierupError(f"{what} must be a mapping, not {type(data).__name__}", file=shown)
    return data


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def find_project_root(start: Path) -> Path:
    """The folder holding ``Pulumi.yaml``: ``start`` or its nearest parent, as the Pulumi CLI looks."""
    for folder in (start, *start.resolve().parents):
        if any((folder / f).is_file() for f in PROJECT_FILES):
            return folder
    raise TierupError("no Pulumi.yaml here or in any parent folder: not a Pulumi project", file=str(start))


def load_project(directory: str | Path) -> Project:
    """Load ``Pulumi.yaml`` from ``directory``; bad input raises :class:`TierupError`."""
    root = Path(directory)
    if not root.is_dir():
        raise TierupError("not a directory", file=str(root))
    root = find_project_root(root)
    project_file = next(root / f for f in PROJECT_FILES if (root / f).is_file())
    data = read_yaml(project_file, "the project file")
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
    toolchain = str(options.get("toolchain") or "pip")
    named = bool(options.get("virtualenv"))
    venv = options.get("virtualenv") or (".venv" if toolchain in ("uv", "poetry") else None)
    # poetry keeps its virtualenv elsewhere unless in-project: no warning for a missing .venv then
    if venv and not (root / str(venv)).is_dir() and (named or toolchain != "poetry"):
        print(
            f"warning: {shown}: runtime.options.virtualenv: '{venv}' does not exist; running the program"
            f" with tierup's Python ({sys.executable}). Create it: python -m venv {venv} &&"
            f" {venv}/bin/pip install -r requirements.txt",
            file=sys.stderr,
        )

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
        toolchain=toolchain,
        virtualenv_named=named,
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
    data = read_yaml(path, "the stack file", project.relative(path))
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
