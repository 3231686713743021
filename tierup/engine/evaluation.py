"""The result of evaluating a program offline: its resources, options and outputs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import wire

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass
class ResourceRecord:
    """One registered resource, as the engine knows it after registration."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str = ""
    id: str = ""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    additional_secret_outputs: list[str] = field(default_factory=list)
    provider: str = ""
    #: Where the program declared it: ``{"file": <path relative to the project>, "line": n}``, or None.
    source: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResourceRecord:
        return cls(**data)


@dataclass
class Evaluation:
    """Everything a program declared, in registration order.

    ``resources`` holds the stack, the default providers and every resource the program
    registered; inputs and outputs are in Pulumi's wire form (secrets still marked).
    """

    project: str
    stack: str
    resources: list[ResourceRecord]
    outputs: dict[str, Any] = field(default_factory=dict)
    logs: list[dict[str, str]] = field(default_factory=list)
    #: What every report must tell its reader (e.g. multi-language components not evaluated offline).
    notes: list[str] = field(default_factory=list)

    # ---- queries ------------------------------------------------------------------------

    @property
    def stack_urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{STACK_TYPE}::{self.project}-{self.stack}"

    def by_urn(self, urn: str) -> ResourceRecord:
        for r in self.resources:
            if r.urn == urn:
                return r
        raise KeyError(urn)

    def find(
        self, type: str | None = None, name: str | None = None, parent_type: str | None = None
    ) -> list[ResourceRecord]:
        """Resources matching a type token, a logical name and/or the type of their parent component."""

        def matches(r: ResourceRecord) -> bool:
            if type is not None and r.type != type:
                return False
            if name is not None and r.name != name:
                return False
            return not (
                parent_type is not None
                and (not r.parent or r.parent.split("::")[2].split("$")[-1] != parent_type)
            )

        return [r for r in self.resources if matches(r)]

    def one(self, type: str | None = None, name: str | None = None) -> ResourceRecord:
        found = self.find(type, name)
        if len(found) != 1:
            raise LookupError(f"expected one resource of type={type} name={name}, found {len(found)}")
        return found[0]

    def children(self, urn: str) -> list[ResourceRecord]:
        return [r for r in self.resources if r.parent == urn]

    def descendants(self, urn: str) -> Iterator[ResourceRecord]:
        for child in self.children(urn):
            yield child
            yield from self.descendants(child.urn)

    def custom_resources(self) -> list[ResourceRecord]:
        """The resources a provider manages (no stack, components or providers)."""
        return [r for r in self.resources if r.custom and not r.type.startswith("pulumi:providers:")]

    # ---- serialization ------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [r.to_dict() for r in self.resources],
            "outputs": self.outputs,
            "logs": self.logs,
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        return cls(
            project=data["project"],
            stack=data["stack"],
            resources=[ResourceRecord.from_dict(r) for r in data["resources"]],
            outputs=data.get("outputs", {}),
            logs=data.get("logs", []),
            notes=data.get("notes", []),
        )

    def plan(self, environment: str | None = None) -> dict[str, Any]:
        """The ``plan --format json`` document of DESIGN §6: secrets masked, engine URNs."""
        return {
            "project": self.project,
            "stack": self.stack,
            "environment": environment,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "custom": r.custom,
                    "parent": r.parent or None,
                    "dependencies": r.dependencies,
                    "inputs": wire.masked(r.inputs),
                    "protect": r.protect,
                    "retainOnDelete": r.retain_on_delete,
                    "ignoreChanges": r.ignore_changes,
                    "provider": r.provider or None,
                }
                for r in self.resources
            ],
            "outputs": wire.masked(self.outputs),
            "notes": self.notes,
        }
