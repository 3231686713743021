"""``tierup:policies``: waivers of policies, each with its reason, read from the stack file.

A waiver sets a policy's enforcement (``advisory``, ``mandatory`` or ``disabled``) for one stack,
optionally only for named resources; lowering it below the environment's level needs a ``reason``.
``tierup check`` applies waivers to the violations it reports (and lists every waiver with its
reason); :func:`policy_pack_config` writes the equivalent ``--policy-pack-config`` for
``pulumi preview`` — where a waiver limited to resources cannot be expressed.

```yaml
config:
  tierup:policies:
    alb-waf:
      enforcement: disabled
      reason: the CDN in front of the ALB filters requests (ticket OPS-12)
    asg-min-capacity:
      enforcement: advisory
      reason: the admin tier runs one instance by design
      resources: [prod-admin]
```
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tierup.errors import TierupError
from tierup.workflow import WAIVERS_KEY

KEY = WAIVERS_KEY

#: Enforcement levels from the strongest down; a waiver "lowers" a policy when it moves right.
LEVELS = ("mandatory", "advisory", "disabled")

Enforcement = Literal["advisory", "mandatory", "disabled"]


class WaiverSettings(BaseModel):
    """One entry of ``tierup:policies``: ``enforcement``, its ``reason`` and the ``resources`` it covers."""

    model_config = ConfigDict(extra="forbid")

    enforcement: Enforcement = Field(description="advisory, mandatory or disabled, for this stack.")
    reason: str | None = Field(
        default=None, description="Why; required whenever enforcement is lowered below the environment's."
    )
    resources: list[str] | None = Field(
        default=None,
        min_length=1,
        description="Logical resource names the waiver is limited to (default: every resource).",
    )

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value.strip() if value is not None else None


@dataclass(frozen=True)
class Waiver:
    """A validated waiver of ``policy``."""

    policy: str
    enforcement: str
    reason: str
    resources: tuple[str, ...] = ()

    def covers(self, resource_name: str) -> bool:
        return not self.resources or resource_name in self.resources

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "enforcement": self.enforcement,
            "reason": self.reason,
            "resources": list(self.resources) or None,
        }


def suggest(word: str, known: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for the closest of ``known``, or ``""``."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def lowers(enforcement: str, below: str) -> bool:
    """Whether ``enforcement`` is weaker than ``below`` (``advisory`` lowers ``mandatory``)."""
    rank = {level: i for i, level in enumerate(LEVELS)}
    return rank.get(enforcement, 0) > rank.get(below, 0)


def _decode(value: Any, file: str) -> Any:
    if isinstance(value, str):  # the language host passes structured values JSON-encoded
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise TierupError(f"is not valid JSON ({exc.msg})", file=file, key=KEY) from None
    return value


def parse(config: Mapping[str, Any], *, file: str) -> dict[str, WaiverSettings]:
    """The shape of ``tierup:policies`` (policy names are checked by :func:`load`); ``{}`` when absent."""
    if KEY not in config:
        return {}
    value = _decode(config[KEY], file)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TierupError(
            "must be a map of policy name → {enforcement, reason, resources}", file=file, key=KEY
        )
    parsed: dict[str, WaiverSettings] = {}
    for name, entry in value.items():
        key = f"{KEY}.{name}"
        if not isinstance(entry, dict):
            raise TierupError("must be a map with enforcement, reason and resources", file=file, key=key)
        try:
            parsed[str(name)] = WaiverSettings.model_validate(entry)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            if error["type"] == "extra_forbidden":
                reason = "unknown key" + (
                    suggest(str(error["loc"][-1]), WaiverSettings.model_fields)
                    or "; expected enforcement, reason or resources"
                )
            elif error["type"] == "missing":
                reason = "required"
            elif error["type"] == "literal_error":
                reason = f"must be one of {', '.join(sorted(LEVELS))} (got {error['input']!r})"
            else:
                reason = error.get("ctx", {}).get("error") or error["msg"]
                reason = str(reason).removeprefix("Value error, ")
            raise TierupError(str(reason), file=file, key=f"{key}.{where}" if where else key) from None
    return parsed


def load(config: Mapping[str, Any], *, file: str, levels: Mapping[str, str]) -> list[Waiver]:
    """The waivers of a stack, checked against ``levels`` (policy name → the environment's enforcement).

    Unknown policy names and a lowered enforcement without a reason are one-line errors naming the key.
    """
    waivers = []
    for name, entry in parse(config, file=file).items():
        key = f"{KEY}.{name}"
        if name not in levels:
            hint = suggest(name, levels) or "; `tierup check` lists the policies in its report"
            raise TierupError(f"unknown policy{hint}", file=file, key=key)
        if entry.reason is None and lowers(entry.enforcement, levels[name]):
            raise TierupError(
                f"a reason is required to lower {name} from {levels[name]} to {entry.enforcement}",
                file=file,
                key=f"{key}.reason",
            )
        waivers.append(Waiver(name, entry.enforcement, entry.reason or "", tuple(entry.resources or ())))
    return waivers


# ---- the built-in pack, in process (no pack process needed) -----------------------------------


def builtin_levels(environment: str) -> dict[str, str]:
    """Each built-in policy's enforcement in ``environment``: its own level, then ``config/<env>.json``."""
    from tierup.policies.rules import ALL_POLICIES
    from tierup.policy_runner import apply_config, load_policy_config

    levels = {
        p.name: {"enforcementLevel": p.enforcement_level.value if p.enforcement_level else "mandatory"}
        for p in ALL_POLICIES
    }
    preset = builtin_preset(environment)
    if preset is not None:
        apply_config(levels, load_policy_config(preset))
    return {name: cfg["enforcementLevel"] for name, cfg in levels.items()}


def builtin_preset(environment: str) -> Path | None:
    """The built-in pack's ``config/<environment>.json``, when it ships one."""
    import tierup.policies

    path = Path(tierup.policies.__file__).parent / "config" / f"{environment}.json"
    return path if path.is_file() else None


def policy_pack_config(environment: str, waivers: Iterable[Waiver]) -> tuple[dict[str, Any], list[str]]:
    """The ``--policy-pack-config`` equivalent of the environment's preset with the waivers applied.

    Returns the config and notes on what it cannot express (waivers limited to resources).
    """
    from tierup.policy_runner import load_policy_config

    preset = builtin_preset(environment)
    config: dict[str, Any] = {}
    if preset is not None:
        for name, cfg in load_policy_config(preset).items():
            props = cfg.get("properties") or {}
            level = cfg.get("enforcementLevel")
            config[name] = {**({"enforcementLevel": level} if level else {}), **props} if props else level
    notes = []
    for waiver in waivers:
        if waiver.resources:
            notes.append(
                f"{waiver.policy}: the waiver limited to {', '.join(waiver.resources)} cannot be expressed in a"
                " policy pack config (it applies to whole policies); pulumi preview keeps the environment's"
                " enforcement for it"
            )
            continue
        current = config.get(waiver.policy)
        if isinstance(current, dict):
            config[waiver.policy] = {**current, "enforcementLevel": waiver.enforcement}
        else:
            config[waiver.policy] = waiver.enforcement
    return config, notes


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``tierup:policies`` (for ``tierup schema``): policy name → waiver."""
    return {
        "type": "object",
        "description": (
            "Waivers: policy name → enforcement (advisory, mandatory, disabled), the reason (required"
            " when lowered below the environment's) and optionally the resources it is limited to."
        ),
        "additionalProperties": WaiverSettings.model_json_schema(),
    }
