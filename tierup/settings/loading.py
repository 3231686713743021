"""Loading: a flat Pulumi config (``{"tierup:services": {...} or "<json>", "aws:region": ...}``) becomes
validated :class:`StackSettings`, or one :class:`SettingsError`.

Secrets: the leaves of the config that are Pulumi secrets (``secure:`` in the stack file) are wrapped as
:class:`PulumiSecret` before validation, so ``secrets`` entries become ``SecretSource(value=SecretStr)``,
one in ``env`` is refused, and no message shows one. Which leaves are secret is known from

- the stack file's ``secure:`` leaves (``secret_paths``, read by :func:`secure_paths`; or the
  ``{secure: ...}`` mappings themselves when the stack file's YAML is validated as is),
- offline, the engine's placeholder for each ``secure:`` leaf (:func:`tierup.engine.project.secret_placeholder`),
- otherwise, for a key the language host marks secret (``secret_keys``), every value under it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tierup.settings.fields import Problem, iter_fields
from tierup.settings.formats import PulumiSecret
from tierup.settings.messages import SettingsError, first_error, redact, unknown_key_reason
from tierup.settings.models import REPLACED_KEYS, StackSettings, UsageSettings

__all__ = [
    "TOP_LEVEL_KEYS",
    "environment_of",
    "load_settings",
    "load_usage",
    "secure_paths",
    "settings_from_pulumi",
]

#: tierup:<alias> → StackSettings field name (tierup:policies is read by tierup.waivers, not here).
TIERUP_FIELDS: dict[str, str] = {
    spec.key: spec.name
    for spec in iter_fields(StackSettings, recurse=False)
    if spec.name not in ("region", "stack")
}
IGNORED_KEYS: tuple[str, ...] = ("tierup:policies",)
TOP_LEVEL_KEYS: tuple[str, ...] = tuple(f"tierup:{alias}" for alias in TIERUP_FIELDS)
#: What users coming from other tools write for a key, and tierup's name for it.
SYNONYMS: dict[str, str] = {
    "apps": "services", "service": "services", "web": "services", "api": "services",
    "worker": "workers", "jobs": "workers", "schedule": "schedules", "cron": "schedules",
    "db": "database", "rds": "database", "postgres": "database", "mysql": "database",
    "alb": "loadBalancer", "lb": "loadBalancer", "vpc": "network", "cache": "redis", "valkey": "redis",
}  # fmt: skip


def normalize_key(key: str) -> str:
    """Pulumi's legacy ``ns:config:key`` spelling is the same key as ``ns:key``."""
    namespace, _, rest = key.partition(":")
    return f"{namespace}:{rest.removeprefix('config:')}" if rest.startswith("config:") else key


def environment_of(config: Mapping[str, Any]) -> str | None:
    """The raw ``tierup:environment`` value of a flat Pulumi config, or None when unset."""
    for key, value in config.items():
        if normalize_key(key) == "tierup:environment" and isinstance(value, str):
            return value
    return None


def _decode(key: str, value: Any, file: str) -> Any:
    """A structured value as Python: the language host passes them as JSON strings."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("{", "[")) or text == "null":
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise SettingsError(
                    f"is not valid JSON ({exc.msg} at column {exc.colno})", file=file, key=key
                ) from None
        elif not text:
            value = None
    if value is None:
        hint = (
            "name at least one service"
            if key == "tierup:services"
            else "remove the key, or write {} to use the defaults"
        )
        raise SettingsError(f"is empty; {hint}", file=file, key=key)
    return value


def _is_secure(value: Any) -> bool:
    """A stack file's ``{secure: <ciphertext>}`` leaf, as read from the YAML itself."""
    return isinstance(value, Mapping) and set(value) == {"secure"}


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if _is_secure(value):
        yield path, value
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _leaves(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _leaves(inner, f"{path}[{index}]")
    else:
        yield path, value


def _wrap(value: Any, path: str, secret: Any, *, certain: bool = True) -> Any:
    """``value`` with each leaf for which ``secret(path, leaf)`` holds replaced by a :class:`PulumiSecret`."""
    if _is_secure(value):
        return PulumiSecret(value["secure"])
    if isinstance(value, Mapping):
        return {key: _wrap(inner, f"{path}.{key}", secret, certain=certain) for key, inner in value.items()}
    if isinstance(value, list):
        return [
            _wrap(inner, f"{path}[{index}]", secret, certain=certain) for index, inner in enumerate(value)
        ]
    return PulumiSecret(value, certain=certain) if secret(path, value) else value


def _mark_secrets(
    key: str, value: Any, secret_keys: Collection[str], secret_paths: Collection[str] | None
) -> tuple[Any, list[str]]:
    """``value`` with its secret leaves wrapped, and the secret strings (to keep out of messages)."""
    from tierup.engine.project import secret_placeholder

    known = set(secret_paths or ())

    def exact(path: str, leaf: Any) -> bool:
        return (
            path in known or _is_secure(leaf) or (isinstance(leaf, str) and leaf == secret_placeholder(path))
        )

    found = [path for path, leaf in _leaves(value, key) if exact(path, leaf)]
    if found or key not in secret_keys:
        real = [
            str(leaf) for path, leaf in _leaves(value, key) if path in known
        ]  # placeholders reveal nothing
        return _wrap(value, key, exact), real
    # Marked secret as a whole with no leaf known: every value under it is secret.
    everything = [str(leaf) for _, leaf in _leaves(value, key) if leaf is not None]
    if not isinstance(value, Mapping | list):
        return PulumiSecret(value), everything
    return _wrap(
        value, key, lambda path, leaf: ".env." in path or ".secrets." in path, certain=False
    ), everything


def load_settings(
    config: Mapping[str, Any],
    *,
    file: str,
    stack: str | None = None,
    secret_keys: Collection[str] = (),
    secret_paths: Collection[str] | None = None,
) -> StackSettings:
    """Validate the flat Pulumi config of a stack. Keys of other namespaces are ignored.

    ``secret_keys``: the keys the language host marks secret; ``secret_paths``: the secret leaves
    (``tierup:services.web.secrets.STRIPE_KEY``) when the stack file was read. Raises ``SettingsError``
    naming the first problem; it never shows a secret value.
    """
    config = {normalize_key(key): value for key, value in config.items()}
    secret_keys = {normalize_key(key) for key in secret_keys}
    secret_values: list[str] = []
    for key in sorted(config):
        if key.startswith("tierup:") and key not in TOP_LEVEL_KEYS and key not in IGNORED_KEYS:
            name = key.removeprefix("tierup:")
            if name in REPLACED_KEYS and (name != "workers"):
                raise SettingsError(REPLACED_KEYS[name].split(": ", 1)[1], file=file, key=key)
            if name.lower() in SYNONYMS:
                reason = f"unknown key; did you mean 'tierup:{SYNONYMS[name.lower()]}'?"
            else:
                reason = unknown_key_reason(name, list(TIERUP_FIELDS), "tierup:")
            raise SettingsError(reason, file=file, key=key)
    data: dict[str, Any] = {}
    for key in TOP_LEVEL_KEYS:
        if key not in config:
            continue
        value = config[key] if key == "tierup:environment" else _decode(key, config[key], file)
        value, found = _mark_secrets(key, value, secret_keys, secret_paths)
        secret_values += found
        data[key.removeprefix("tierup:")] = value
    if "aws:region" in config:
        data["region"] = config["aws:region"]
    data["stack"] = stack
    try:
        return StackSettings.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as exc:
        key, reason = first_error(exc)
        raise SettingsError(redact(reason, secret_values), file=file, key=key) from None
    except Problem as problem:  # raised before pydantic wraps it (a replaced key)
        raise SettingsError(problem.reason, file=file, key=f"tierup:{problem.path[0]}") from None


def load_usage(config: Mapping[str, Any], *, file: str) -> UsageSettings:
    """The ``tierup:usage`` block of a flat Pulumi config alone (defaults when absent), for ``tierup cost``.

    Raises ``SettingsError`` naming the first problem, as :func:`load_settings` does.
    """
    config = {normalize_key(key): value for key, value in config.items()}
    if "tierup:usage" not in config:
        return UsageSettings()
    value = _decode("tierup:usage", config["tierup:usage"], file)
    try:
        return UsageSettings.model_validate(value, by_alias=True, by_name=False)
    except ValidationError as exc:
        key, reason = first_error(exc, prefix=("usage",))
        raise SettingsError(reason, file=file, key=key) from None


def secure_paths(stack_file: Path, project: str) -> set[str]:
    """The ``secure:`` leaves of a stack file, as ``<namespace>:<key>.<path>`` (``[i]`` for list items).

    Raises ``OSError`` or ``yaml.YAMLError`` when the file can't be read.
    """
    data = yaml.safe_load(stack_file.read_text()) or {}
    config = data.get("config") or {}
    found: set[str] = set()

    def visit(value: Any, path: str) -> None:
        if isinstance(value, Mapping):
            if set(value) == {"secure"}:
                found.add(path)
                return
            for key, inner in value.items():
                visit(inner, f"{path}.{key}")
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                visit(inner, f"{path}[{index}]")

    for key, value in config.items():
        qualified = normalize_key(str(key) if ":" in str(key) else f"{project}:{key}")
        visit(value, qualified)
    return found


def _stack_file(stack: str) -> tuple[Path, str] | None:
    """The running program's ``Pulumi.<stack>.yaml`` and project name, from ``Pulumi.yaml``."""
    import pulumi

    try:
        root = Path(pulumi.get_root_directory())
    except Exception:
        root = Path.cwd()
    for directory in (root, Path.cwd(), Path.cwd().parent):
        project_file = directory / "Pulumi.yaml"
        if project_file.is_file():
            try:
                project = yaml.safe_load(project_file.read_text()) or {}
            except (OSError, yaml.YAMLError):
                return None
            config_dir = directory / str(project.get("stackConfigDir") or ".")
            return config_dir / f"Pulumi.{stack}.yaml", str(project.get("name") or "")
    return None


def settings_from_pulumi() -> StackSettings:
    """The settings of the running Pulumi program (every config key, so unknown ones are caught)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    config: dict[str, Any] = dict(runtime_config.get_config_env())
    config.update(runtime_config.CONFIG.get())
    for key in (*TOP_LEVEL_KEYS, "aws:region"):  # PULUMI_CONFIG_<KEY> variables, as pulumi.Config reads
        if key not in config and (value := runtime_config.get_config(key)) is not None:
            config[key] = value
    if "aws:region" not in config:  # the AWS provider falls back to these too
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if region:
            config["aws:region"] = region
    secret_keys = {key for key in config if runtime_config.is_config_secret(key)}
    secret_keys |= set(runtime_config.get_config_secret_keys_env())
    stack = pulumi.get_stack()
    located = _stack_file(stack)
    paths: set[str] | None = None
    file = f"Pulumi.{stack}.yaml"
    if located is not None:
        path, project = located
        try:
            paths = secure_paths(path, project)
            file = os.path.relpath(path)
        except (OSError, yaml.YAMLError):
            paths = None
    return load_settings(config, file=file, stack=stack, secret_keys=secret_keys, secret_paths=paths)
