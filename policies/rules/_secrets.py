"""Let rules see which property values are Pulumi secrets.

The engine sends secret property values to an analyzer marked as secrets (Pulumi's wire signature
``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": ...}``), but
``pulumi_policy`` unwraps them before ``Analyze`` and ``AnalyzeStack`` call a policy, so a rule sees a
plain value and cannot tell that a secret flowed into it. :func:`install` wraps the pack server's
deserializer so that a secret **string** reaches the rules as a :class:`SecretText` — still a ``str``,
so every rule reads it as before — and :func:`is_secret` tells them apart. Remediations (which keep
secrets through pulumi_policy's own proxy) are left as they are.
"""

from __future__ import annotations

from typing import Any

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


class SecretText(str):
    """A string property value that arrived marked as a Pulumi secret. Never echo it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "[secret]"


def is_secret(value: Any) -> bool:
    """Whether ``value`` arrived as a Pulumi secret string."""
    return isinstance(value, SecretText)


def mark_secrets(value: Any) -> Any:
    """The wire value with each secret string replaced by a :class:`SecretText` (other secrets unwrapped
    as pulumi_policy would)."""
    if isinstance(value, list):
        return [mark_secrets(v) for v in value]
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG and "value" in value:
            inner = mark_secrets(value["value"])
            return SecretText(inner) if isinstance(inner, str) else inner
        return {k: mark_secrets(v) for k, v in value.items()}
    return value


def install() -> None:
    """Make the pack server deserialize secret strings as :class:`SecretText` (idempotent)."""
    from pulumi_policy import policy as server

    current = server.deserialize_properties
    if getattr(current, "_tierup_marks_secrets", False):
        return

    def deserialize_properties(props: dict[str, Any], proxy_secrets: bool = False) -> dict[str, Any]:
        return current(props, True) if proxy_secrets else current(mark_secrets(props))

    deserialize_properties._tierup_marks_secrets = True  # type: ignore[attr-defined]
    server.deserialize_properties = deserialize_properties
