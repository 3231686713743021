"""Error rendering: one pydantic error (or :class:`Problem`) becomes one line,
``<file>: <key.path>: <reason>``, e.g. ``stacks/Pulumi.prod.yaml: tierup:services.web.minSize: must be ≤ maxSize (3 > 2)``.

A reason never shows a value of a secret: :func:`tierup.settings.formats.show` hides Pulumi secrets,
and :func:`redact` withholds any reason that still holds a piece of a secret value.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo

from tierup.errors import TierupError
from tierup.settings.fields import Problem, is_map, model_in
from tierup.settings.formats import PulumiSecret, show
from tierup.settings.models import StackSettings

__all__ = ["SettingsError", "first_error", "key_path", "redact", "unknown_key_reason"]

#: Shortest piece of a secret value that :func:`redact` looks for in a message.
SECRET_PIECE = 8


class SettingsError(TierupError):
    """An invalid stack config; renders as ``<file>: <key>: <reason>``."""


#: Keys users write for a field that lives elsewhere (the first part of the target must be a known key).
MOVED_KEYS: dict[str, str] = {
    "hostPatterns": "routes.hosts", "pathPatterns": "routes.paths", "hosts": "routes.hosts",
    "paths": "routes.paths", "host": "routes.hosts", "path": "routes.paths", "secret": "secrets",
    "environment": "env", "queueName": "queue", "cron": "schedule", "rate": "schedule",
}  # fmt: skip


def unknown_key_reason(key: str, known: list[str], prefix: str = "") -> str:
    """``unknown key; did you mean 'minSize'?`` (or the keys there are, when none is close)."""
    moved = MOVED_KEYS.get(key)
    if moved is not None and moved.split(".")[0] in known:
        return f"unknown key; did you mean '{prefix}{moved}'?"
    lower = key.lower()
    exact = [k for k in known if k == to_camel(key)]
    starts = [
        k for k in known if len(key) >= 4 and k.lower().startswith(lower)
    ]  # visibility → visibilityTimeout…
    extends = [k for k in known if len(k) >= 3 and lower.startswith(k.lower())]  # wafEnabled → waf
    close = (
        exact
        or (starts if len(starts) == 1 else [])
        or (extends if len(extends) == 1 else [])
        or difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    )
    if close:
        return f"unknown key; did you mean '{prefix}{close[0]}'?"
    return "unknown key; expected one of " + ", ".join(prefix + k for k in known)


def walk(loc: tuple[str | int, ...]) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model at ``loc`` and the field ``loc`` ends on, following camelCase keys (and map entry names)
    from StackSettings."""
    model: type[BaseModel] | None = StackSettings
    info: FieldInfo | None = None
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if model is None:
            return None, None
        info = next((f for n, f in model.model_fields.items() if part in (f.alias, n)), None)
        if info is None:
            return None, None
        model = model_in(info.annotation)
        if is_map(info.annotation) and parts:
            parts.pop(0)  # the entry's name
    return model, info


def key_path(loc: tuple[str | int, ...]) -> str:
    if not loc:
        return "tierup"
    head = "aws:region" if loc[0] == "region" else f"tierup:{loc[0]}"
    return head + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[1:])


def _bounds_phrase(info: FieldInfo | None, ctx: dict[str, Any]) -> str:
    """``between 1 and 65535``, ``greater than 0``, ... from the field's constraints."""
    lower = upper = None
    for item in info.metadata if info is not None else []:
        if isinstance(item, Ge):
            lower = f"at least {item.ge}"
        elif isinstance(item, Gt):
            lower = f"greater than {item.gt}"
        elif isinstance(item, Le):
            upper = f"at most {item.le}"
        elif isinstance(item, Lt):
            upper = f"less than {item.lt}"
    if lower is None and upper is None:  # not found through the walk: use what pydantic reports
        key, value = next(iter(ctx.items()))
        return {"ge": "at least", "gt": "greater than", "le": "at most", "lt": "less than"}[key] + f" {value}"
    if lower and upper and lower.startswith("at least") and upper.startswith("at most"):
        return f"between {lower.removeprefix('at least ')} and {upper.removeprefix('at most ')}"
    return " and ".join(p for p in (lower, upper) if p)


_SIMPLE = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
}


def reason(error: Any) -> tuple[tuple[str | int, ...], str]:
    """The location and one human sentence for one pydantic error."""
    loc, kind, value, ctx = tuple(error["loc"]), error["type"], error.get("input"), error.get("ctx", {})
    if loc and loc[-1] == "[key]":  # a map's key (an entry name) was refused
        loc = loc[:-1]
    got = f"(got {show(value)})"
    if kind == "value_error" and isinstance(ctx.get("error"), Problem):
        problem = ctx["error"]
        return loc + problem.path, problem.reason
    if isinstance(value, PulumiSecret):
        return loc, "is a Pulumi secret, and only values under secrets may be secret"
    if kind == "value_error":
        return loc, str(ctx.get("error", error["msg"]))
    if kind == "missing":
        return loc, "required"
    if kind == "extra_forbidden":
        model, _ = walk(loc[:-1])
        known = [f.alias or n for n, f in model.model_fields.items()] if model else []
        return loc, unknown_key_reason(str(loc[-1]), known)
    if kind == "literal_error":
        _, info = walk(loc)
        choices = typing.get_args(info.annotation) if info is not None else ()
        allowed = ", ".join(map(str, choices)) if choices else ctx.get("expected", "")
        return loc, f"must be one of {allowed} {got}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return loc, f"must be {_bounds_phrase(walk(loc)[1], ctx)} {got}"
    if kind in ("too_short", "string_too_short") and ctx.get("min_length") == 1:
        return loc, "must not be empty"
    if kind == "too_long" and "max_length" in ctx:
        count = len(value) if isinstance(value, dict | list) else ctx.get("actual_length")
        return loc, f"must have at most {ctx['max_length']} entries (got {count})"
    if kind == "too_short" and "min_length" in ctx:
        count = len(value) if isinstance(value, dict | list) else ctx.get("actual_length")
        return loc, f"must have at least {ctx['min_length']} entries (got {count})"
    if kind == "string_pattern_mismatch":
        return loc, f"must match {ctx.get('pattern')} {got}"
    if kind == "string_type":
        hint = "; quote it in YAML" if len(loc) >= 2 and loc[-2] == "env" else ""
        return loc, f"must be a string {got}{hint}"
    if kind == "dict_type" and (info := walk(loc)[1]) is not None and is_map(info.annotation):
        return loc, f"must be a map of names to settings, e.g. {loc[-1]}: {{web: {{...}}}} {got}"
    if kind in _SIMPLE:
        return loc, f"{_SIMPLE[kind]} {got}"
    message = str(error["msg"])
    return loc, f"{message[:1].lower()}{message[1:]} {got}"


def first_error(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> tuple[str, str]:
    """The (key path, reason) of the error to show: unknown keys first (a typo explains the rest)."""
    errors = [{**error, "loc": (*prefix, *error["loc"])} for error in exc.errors()]
    unknown = sorted(
        (e for e in errors if e["type"] == "extra_forbidden"), key=lambda e: tuple(map(str, e["loc"]))
    )
    loc, text = reason((unknown or errors)[0])
    return key_path(loc), text


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text``, or a reason that shows nothing when it holds any piece of a secret value."""
    for secret in secrets:
        size = min(len(secret), SECRET_PIECE)
        if size < 4:
            continue
        if any(secret[i : i + size] in text for i in range(len(secret) - size + 1)):
            return "is not valid (the reason is withheld: it would show part of a secret value)"
    return text
