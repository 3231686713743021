"""Test your own stacks offline, in your own pytest suite: no AWS account, no Pulumi CLI.

:func:`evaluate_stack` runs the project's program under tierup's offline engine (the same evaluation
``tierup plan`` and ``tierup check`` use: the stack's config validated first, the program in a child
process, mocks that answer like AWS) and returns a :class:`Stack` to query::

    import pytest
    import tierup.testing

    ASG = "aws:autoscaling/group:Group"

    @pytest.fixture(scope="module")          # one evaluation (~1-2 s) shared by the module's tests
    def prod():
        return tierup.testing.evaluate_stack("prod", project_dir=".")

    def test_app_survives_losing_an_az(prod):
        group = prod.one(type=ASG, component="tierup:app_tier:AppTier")
        assert group.inputs["minSize"] >= 2
        assert len(group.inputs["vpcZoneIdentifiers"]) >= 2
        assert "desiredCapacity" in group.ignore_changes

    def test_redis_token_stays_secret(prod):
        cache = prod.one(type="aws:elasticache/replicationGroup:ReplicationGroup")
        assert cache.inputs["authToken"] == tierup.testing.SECRET   # masked
        assert cache.is_secret("authToken")
        assert cache.protect

    def test_prod_passes_the_policies(prod):
        report = prod.check()                 # the tierup-resilience pack, as `tierup check` runs it
        assert not report.mandatory, report.render_text()

Queries match on the type token (``type=``), the logical name (``name=``) and the enclosing
component (``component=``: a component's type token such as ``"tierup:app_tier:AppTier"``, or its
logical name such as ``"prod-app"``; any ancestor counts, so a resource inside a component inside
``prod-app`` matches too). Inputs use Pulumi's camelCase wire names. Secrets are masked as
``"[secret]"`` in :attr:`Resource.inputs` and :attr:`Resource.outputs`; read the real (offline) value
only when you mean to, with :meth:`Resource.unwrap`. Resource options are attributes: ``protect``,
``retain_on_delete``, ``ignore_changes``, ``delete_before_replace``, ``provider``, ``parent``,
``dependencies``.

A config that tierup rejects, or a program that raises, raises :class:`tierup.errors.TierupError`
with the one-line message the CLI would print.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tierup.engine import wire
from tierup.engine.evaluation import Evaluation, ResourceRecord

if TYPE_CHECKING:
    from tierup.check import CheckReport

__all__ = ["SECRET", "Resource", "Stack", "evaluate_stack"]

#: What a secret value reads as in :attr:`Resource.inputs` and :attr:`Resource.outputs`.
SECRET = wire.MASK

_STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True, eq=False)
class Resource:
    """One resource the program registered: its inputs, outputs and options."""

    record: ResourceRecord
    stack: Stack = field(repr=False)

    def __repr__(self) -> str:
        return f"Resource({self.type!r}, {self.name!r})"

    # ---- identity ------------------------------------------------------------------------

    @property
    def urn(self) -> str:
        return self.record.urn

    @property
    def type(self) -> str:
        """The type token, e.g. ``aws:autoscaling/group:Group`` or ``tierup:app_tier:AppTier``."""
        return self.record.type

    @property
    def name(self) -> str:
        """The logical name given in the program, e.g. ``prod-app``."""
        return self.record.name

    @property
    def custom(self) -> bool:
        """True for a resource a provider manages; False for components (and the stack)."""
        return self.record.custom

    @property
    def id(self) -> str:
        """The mocked physical id."""
        return self.record.id

    # ---- values --------------------------------------------------------------------------

    @property
    def inputs(self) -> dict[str, Any]:
        """The inputs under their camelCase wire names; secrets read as :data:`SECRET`."""
        return wire.masked(self.record.inputs)

    @property
    def outputs(self) -> dict[str, Any]:
        """The (mocked) outputs; secrets read as :data:`SECRET`."""
        return wire.masked(self.record.outputs)

    def is_secret(self, key: str) -> bool:
        """True when input ``key`` is, or holds, a secret."""
        return wire.contains_secret(self.record.inputs.get(key))

    def unwrap(self, key: str | None = None, *, outputs: bool = False) -> Any:
        """The inputs (or input ``key``; the outputs with ``outputs=True``) with secrets unwrapped:
        explicitly, for assertions on them. Offline, a secret read from config is a placeholder, and a
        generated one (a random password) is the mock's value, never a real one.
        """
        values = wire.plain(self.record.outputs if outputs else self.record.inputs)
        return values if key is None else values.get(key)

    # ---- options -------------------------------------------------------------------------

    @property
    def protect(self) -> bool:
        return self.record.protect

    @property
    def retain_on_delete(self) -> bool:
        return self.record.retain_on_delete

    @property
    def ignore_changes(self) -> list[str]:
        return list(self.record.ignore_changes)

    @property
    def delete_before_replace(self) -> bool:
        return self.record.delete_before_replace

    @property
    def provider(self) -> str:
        """The provider reference (``<provider urn>::<id>``), or "" for a component."""
        return self.record.provider

    @property
    def dependencies(self) -> list[Resource]:
        """The resources this one depends on (explicitly, or through its inputs)."""
        return [self.stack.by_urn(urn) for urn in self.record.dependencies if self.stack.has_urn(urn)]

    # ---- place in the tree ---------------------------------------------------------------

    @property
    def parent(self) -> Resource | None:
        """The parent resource (a component, or the stack), or None for the stack itself."""
        parent = self.record.parent
        return self.stack.by_urn(parent) if parent and self.stack.has_urn(parent) else None

    def ancestors(self) -> Iterator[Resource]:
        """The parent, its parent, ... up to and including the stack."""
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    @property
    def component(self) -> Resource | None:
        """The nearest enclosing component (not the stack), or None at the top level."""
        return next((a for a in self.ancestors() if not a.custom and a.type != _STACK_TYPE), None)

    def children(self) -> list[Resource]:
        return [r for r in self.stack.all() if r.record.parent == self.urn]

    def in_component(self, component: str | Resource) -> bool:
        """True when an ancestor is ``component`` (a Resource, a type token or a logical name)."""
        for ancestor in self.ancestors():
            if ancestor.type == _STACK_TYPE:
                continue
            if isinstance(component, Resource):
                if ancestor.urn == component.urn:
                    return True
            elif component in (ancestor.type, ancestor.name):
                return True
        return False


class Stack:
    """An evaluated stack: query its resources with :meth:`resources` and :meth:`one`."""

    def __init__(self, evaluation: Evaluation, environment: str, project_dir: Path) -> None:
        self.evaluation = evaluation
        self.environment = environment
        self.project_dir = project_dir
        self._resources = [Resource(record, self) for record in evaluation.resources]
        self._by_urn = {r.urn: r for r in self._resources}
        self._report: CheckReport | None = None

    def __repr__(self) -> str:
        return f"Stack({self.project!r}, {self.name!r}, {len(self._resources)} resources)"

    @property
    def name(self) -> str:
        """The stack name (``prod``)."""
        return self.evaluation.stack

    @property
    def project(self) -> str:
        return self.evaluation.project

    @property
    def outputs(self) -> dict[str, Any]:
        """The stack outputs (``pulumi.export``); secrets read as :data:`SECRET`."""
        return wire.masked(self.evaluation.outputs)

    def all(self) -> list[Resource]:
        """Every registered resource in order, including the stack, components and providers."""
        return list(self._resources)

    def has_urn(self, urn: str) -> bool:
        return urn in self._by_urn

    def by_urn(self, urn: str) -> Resource:
        return self._by_urn[urn]

    def resources(
        self,
        type: str | None = None,
        *,
        name: str | None = None,
        component: str | Resource | None = None,
        custom: bool | None = None,
    ) -> list[Resource]:
        """The resources matching every filter given: type token, logical name, enclosing component
        (type token, logical name or Resource; any ancestor) and custom (provider-managed) or not.
        Providers and the stack are left out unless asked for by type."""

        def matches(r: Resource) -> bool:
            if type is None and (r.type == _STACK_TYPE or r.type.startswith("pulumi:providers:")):
                return False
            if type is not None and r.type != type:
                return False
            if name is not None and r.name != name:
                return False
            if custom is not None and r.custom != custom:
                return False
            return component is None or r.in_component(component)

        return [r for r in self._resources if matches(r)]

    def one(
        self,
        type: str | None = None,
        *,
        name: str | None = None,
        component: str | Resource | None = None,
    ) -> Resource:
        """The single resource matching the filters; LookupError (listing the candidates) otherwise."""
        found = self.resources(type, name=name, component=component)
        if len(found) == 1:
            return found[0]
        filters = ", ".join(
            f"{key}={value!r}"
            for key, value in (("type", type), ("name", name), ("component", component))
            if value is not None
        )
        listing = "; ".join(f"{r.type} {r.name}" for r in found[:10])
        raise LookupError(
            f"expected one resource with {filters or 'no filter'}, found {len(found)}"
            + (f": {listing}" if found else "")
        )

    def components(self, type: str | None = None) -> list[Resource]:
        """The component resources (optionally of one type)."""
        return self.resources(type, custom=False)

    def check(self, *, environment: str | None = None) -> CheckReport:
        """The policy report of ``tierup check`` for this stack (the program is evaluated again, with
        the packs running beside it). ``report.mandatory`` lists the violations that fail a build."""
        from tierup.check import run_check

        if environment is not None and environment != self.environment:
            return run_check(self.project_dir, self.name, environment=environment)
        if self._report is None:
            self._report = run_check(self.project_dir, self.name)
        return self._report


def evaluate_stack(stack: str, project_dir: str | Path = ".") -> Stack:
    """Evaluate ``stack`` (``Pulumi.<stack>.yaml``) of the project in ``project_dir`` offline.

    Takes a second or two; share the result through a module- or session-scoped fixture.
    """
    from tierup.workflow import evaluate_project

    directory = Path(project_dir)
    evaluation, environment = evaluate_project(directory, stack)
    return Stack(evaluation, environment, directory)
