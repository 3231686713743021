"""Documented fields with per-environment presets, the base models, and the one iterator over fields
that the JSON Schema, ``docs/configuration.md`` and ``tierup new``'s stack files all read.

A field is declared with :func:`field`: a description, and a static ``default``, a ``preset`` per
environment (dev, staging, prod), a ``derived`` default a validator fills in, or none (required).
The default is written once, here, and every reader takes it from :func:`iter_fields`::

    for spec in iter_fields(ServiceSettings):
        print(spec.path, spec.default_for("prod"))
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from tierup.aws_facts import ENVIRONMENTS
from tierup.settings.formats import plain

__all__ = ["FieldSpec", "Model", "Problem", "Section", "field", "iter_fields", "model_in"]

DEFAULT_KEY = "x-tierup-default"  # presets dict or a derivation text; stripped from the JSON Schema
DERIVED_KEY = "x-tierup-derived"  # the model default is None and a validator fills the value in


class Problem(ValueError):
    """A validation failure at ``path`` (camelCase keys / list indexes) below where it is raised."""

    def __init__(self, reason: str, *path: str | int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path


def default_phrase(default: Any, meta: Any) -> str:
    """The sentence appended to a description: ``Required.`` or ``Default: ...``."""
    if isinstance(meta, dict):
        values = [meta[env] for env in ENVIRONMENTS]
        if len(set(map(plain, values))) == 1:
            return f"Default: {plain(values[0])}."
        return "Default: " + ", ".join(f"{env} {plain(meta[env])}" for env in ENVIRONMENTS) + "."
    if isinstance(meta, str):
        return f"Default: {meta}."
    if default is PydanticUndefined:
        return "Required."
    return f"Default: {plain(default)}."


def field(
    description: str,
    *,
    default: Any = PydanticUndefined,
    preset: tuple[Any, Any, Any] | None = None,
    derived: str | None = None,
    default_text: str | None = None,
    schema: dict[str, Any] | None = None,
    **constraints: Any,
) -> Any:
    """A documented field: a static ``default``, a per-environment ``preset`` (dev, staging, prod),
    a ``derived`` default filled in by a validator, or none (required)."""
    extra: dict[str, Any] = dict(schema or {})
    meta: Any = None
    if preset is not None:
        meta = dict(zip(ENVIRONMENTS, preset, strict=True))
    elif derived is not None:
        meta, default = derived, None
        extra[DERIVED_KEY] = True
    elif default_text is not None:
        meta = default_text
    if meta is not None:
        extra[DEFAULT_KEY] = meta
    text = f"{description} {default_phrase(default, meta)}"
    return Field(default, description=text, json_schema_extra=extra or None, **constraints)


def extra_of(info: FieldInfo) -> dict[str, Any]:
    return info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation like ``RedisSettings | None`` or ``dict[str, QueueSettings]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        if (model := model_in(arg)) is not None:
            return model
    return None


def is_map(annotation: Any) -> bool:
    """True for ``dict[str, <model>]`` (optionally inside ``Annotated``/``Optional``)."""
    if typing.get_origin(annotation) is dict:
        return model_in(typing.get_args(annotation)[1]) is not None
    return any(is_map(arg) for arg in typing.get_args(annotation) if arg is not type(None))


@dataclass(frozen=True)
class FieldSpec:
    """One field as every generated artefact sees it."""

    path: str  # camelCase dotted key below the model iterated, e.g. ``routes.paths``
    name: str  # the Python attribute
    key: str  # the camelCase key
    info: FieldInfo
    owner: type[BaseModel]
    depth: int

    @property
    def model(self) -> type[BaseModel] | None:
        """The nested model (of an object, or of each entry of a map of objects)."""
        return model_in(self.info.annotation)

    @property
    def section(self) -> type[Model] | None:
        """The nested model when it is a documented settings model (not an internal shape like SecretSource)."""
        model = self.model
        return model if model is not None and issubclass(model, Model) else None

    @property
    def is_map(self) -> bool:
        return is_map(self.info.annotation)

    @property
    def meta(self) -> Any:
        return extra_of(self.info).get(DEFAULT_KEY)

    @property
    def presets(self) -> dict[str, Any] | None:
        """``{"dev": ..., "staging": ..., "prod": ...}`` for a preset field, else None."""
        return self.meta if isinstance(self.meta, dict) else None

    @property
    def derived(self) -> bool:
        return bool(extra_of(self.info).get(DERIVED_KEY))

    @property
    def required(self) -> bool:
        return self.info.default is PydanticUndefined and self.meta is None

    def default_for(self, environment: str) -> Any:
        """The value the field takes in ``environment`` when left out (``PydanticUndefined``: required)."""
        if self.presets is not None:
            return self.presets[environment]
        return self.info.default

    @property
    def default_phrase(self) -> str:
        return default_phrase(self.info.default, self.meta)

    @property
    def description(self) -> str:
        """The description without its default sentence."""
        return (self.info.description or "").removesuffix(" " + self.default_phrase)


def iter_fields(
    model: type[BaseModel], prefix: str = "", *, recurse: bool = True, depth: int = 0
) -> Iterator[FieldSpec]:
    """Every field of ``model`` in declaration order, then (``recurse``) the fields of nested models
    right after their parent; entries of a map of models appear under ``<name>``."""
    for name, info in model.model_fields.items():
        key = info.alias or name
        spec = FieldSpec(path=f"{prefix}{key}", name=name, key=key, info=info, owner=model, depth=depth)
        yield spec
        nested = spec.section
        if recurse and nested is not None:
            inner = f"{spec.path}.<name>." if spec.is_map else f"{spec.path}."
            yield from iter_fields(nested, inner, depth=depth + 1)


def finish_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Per-model JSON Schema clean-up: preset and derived fields are optional, no pydantic titles."""
    required = schema.get("required", [])
    for spec in iter_fields(model, recurse=False):
        prop = schema.get("properties", {}).get(spec.key)
        if prop is None:
            continue
        prop.pop("title", None)
        meta = prop.pop(DEFAULT_KEY, None)
        if prop.pop(DERIVED_KEY, False):
            prop.pop("default", None)
        if isinstance(meta, dict) and spec.key in required:
            required.remove(spec.key)
    if "required" in schema and not required:
        del schema["required"]
    schema.update(getattr(model, "schema_rules", {}))


class Model(BaseModel):
    """camelCase keys, unknown keys refused, documented schema."""

    schema_rules: ClassVar[dict[str, Any]] = {}  # cross-field rules JSON Schema can express

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        json_schema_extra=finish_schema,
    )


class Section(Model):
    """A ``tierup:<section>`` value (or a map entry) whose unset fields take the environment's presets."""

    @classmethod
    def presets(cls, environment: str) -> dict[str, Any]:
        """The preset values (by camelCase key) of ``environment``."""
        return {
            spec.key: spec.presets[environment]
            for spec in iter_fields(cls, recurse=False)
            if spec.presets is not None
        }

    @classmethod
    def with_presets(cls, data: Mapping[str, Any], environment: str) -> dict[str, Any]:
        """``data`` with every preset field it leaves out (under either name) filled in."""
        filled = dict(data)
        for spec in iter_fields(cls, recurse=False):
            if spec.presets is not None and spec.key not in filled and spec.name not in filled:
                filled[spec.key] = spec.presets[environment]
        return filled

    @classmethod
    def for_environment(cls, environment: str, /, **values: Any) -> Self:
        """Build the section with ``environment``'s presets, e.g. ``QueueSettings.for_environment("prod")``."""
        return cls.model_validate(cls.with_presets(values, environment))
