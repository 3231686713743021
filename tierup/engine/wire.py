"""Pulumi's wire format for property values: secrets, unknowns and resource references.

Inputs are recorded exactly as the SDK sent them (``json_format.MessageToDict`` of the request's
``Struct``), so a secret stays marked as one all the way to the policy analyzer. These helpers turn
that wire form into what a reader sees (secrets masked) and back.
"""

from __future__ import annotations

from typing import Any

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
MASK = "[secret]"
#: How an unknown value (computed at create time, so unknown in a preview) reads in a plan.
UNKNOWN_MASK = "[unknown]"


def secret(value: Any) -> dict[str, Any]:
    """Wrap ``value`` as a wire-format secret."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def _resource_ref(value: dict[str, Any]) -> str:
    """A resource reference reads as its id (custom resources) or URN (components), as providers see it."""
    return value.get("id") or value.get("urn", "")


def is_unknown(value: Any) -> bool:
    return value == UNKNOWN


def mentions_unknown(value: Any) -> bool:
    """Whether an unknown value is in ``value`` (or a string was formatted from one)."""
    if isinstance(value, str):
        return UNKNOWN in value
    if isinstance(value, dict):
        return any(mentions_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(mentions_unknown(v) for v in value)
    return False


def masked(value: Any) -> Any:
    """The readable form: secrets become ``"[secret]"``, unknowns ``"[unknown]"``, resource references
    their id or URN."""
    if value == UNKNOWN:
        return UNKNOWN_MASK
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return MASK
        if sig == RESOURCE_SIG:
            return _resource_ref(value)
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def plain(value: Any) -> Any:
    """The values with secret markers removed (for mocks computing outputs from inputs)."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return plain(value.get("value"))
        if sig == RESOURCE_SIG:
            return _resource_ref(value)
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def contains_secret(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secret(v) for v in value)
    return False


def for_analyzer(value: Any) -> Any:
    """The form the engine sends to analyzers: secrets kept, resource references as ids."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return {SIG_KEY: SECRET_SIG, "value": for_analyzer(value.get("value"))}
        if sig == RESOURCE_SIG:
            return _resource_ref(value)
        return {k: for_analyzer(v) for k, v in value.items()}
    if isinstance(value, list):
        return [for_analyzer(v) for v in value]
    return value
