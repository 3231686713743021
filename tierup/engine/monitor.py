"""A resource monitor that records what a program declares, with engine-style URNs.

The Pulumi SDK's ``MockMonitor`` answers registrations but keeps only the mocked state, and forms
URNs its own way (the parent's last type only, and ``pulumi:pulumi:Stack$`` for top-level
resources). This monitor forms URNs the way the Pulumi engine does — the full chain of parent types
joined by ``$``, the stack itself left out — and records each registration's parent,
dependencies, property dependencies, options and provider, plus the stack's outputs.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, MockResourceArgs, _resolve_callbacks
from pulumi.runtime.proto import provider_pb2, resource_pb2
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from . import transforms, wire
from .evaluation import STACK_TYPE, ResourceRecord
from .mocks import AwsMocks


def qualified_type(urn: str) -> str:
    """``urn:pulumi:s::p::a$b::n`` → ``a$b``."""
    return urn.split("::")[2]


def provider_package(type_: str) -> str:
    return type_.split(":")[0]


class RecordingMonitor(MockMonitor):
    """A MockMonitor that forms engine URNs and keeps a full record of every registration."""

    def __init__(
        self,
        mocks: AwsMocks,
        project: str,
        stack: str,
        config: dict[str, str] | None = None,
        secret_keys: list[str] | None = None,
        source_root: Path | None = None,
    ) -> None:
        super().__init__(mocks)
        self.source_root = source_root.resolve() if source_root else None
        self.project = project
        self.stack = stack
        self.config = config or {}
        self.secret_keys = set(secret_keys or [])
        self.records: dict[str, ResourceRecord] = {}
        #: What the reader of every report must know about this evaluation (multi-language components).
        self.notes: list[str] = []
        self.stack_outputs: dict[str, Any] = {}
        self._default_providers: dict[str, str] = {}
        self._mocks_lock = threading.Lock()
        #: URNs claimed by a registration in flight or done; claimed under a lock, since the SDK
        #: registers from several threads and two same-named resources may arrive together.
        self._claimed_urns: set[str] = set()
        self._claim_lock = threading.Lock()
        #: Transform callbacks (``pulumi.runtime.register_resource_transform``), in registration order.
        self._stack_transform_callbacks: list[Any] = []
        #: Invoke transform callbacks (``pulumi.runtime.register_invoke_transform``), in order.
        self._invoke_transform_callbacks: list[Any] = []
        #: Explicit AWS providers' regions, by provider reference (``<urn>::<id>``).
        self._provider_regions: dict[str, str] = {}
        #: Per URN, the ``transforms`` option callbacks of the resource and its ancestors, for its children.
        self._inherited_transforms: dict[str, list[Any]] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        if parent and qualified_type(parent) != STACK_TYPE:
            type_ = f"{qualified_type(parent)}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{type_}::{name}"

    def _default_provider(self, type_: str, version: str) -> str:
        """The engine's default provider for a package, registered on first use, as a provider reference."""
        pkg = provider_package(type_)
        if pkg not in self._default_providers:
            name = "default" + (f"_{version.replace('.', '_')}" if version else "")
            urn = f"urn:pulumi:{self.stack}::{self.project}::pulumi:providers:{pkg}::{name}"
            provider_id = str(uuid.uuid5(uuid.NAMESPACE_URL, urn))
            # A default provider is configured from the stack's config of its package (aws:region, ...).
            inputs: dict[str, Any] = {
                k.split(":", 1)[1]: wire.secret(v) if k in self.secret_keys else v
                for k, v in self.config.items()
                if k.startswith(f"{pkg}:")
            }
            if version:
                inputs["version"] = version
            self.records[urn] = ResourceRecord(
                urn=urn,
                type=f"pulumi:providers:{pkg}",
                name=name,
                custom=True,
                id=provider_id,
                inputs=inputs,
                outputs=dict(inputs),
            )
            self._default_providers[pkg] = f"{urn}::{provider_id}"
        return self._default_providers[pkg]

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            self.records[urn] = ResourceRecord(urn=urn, type=STACK_TYPE, name=request.name, custom=False)
            return resource_pb2.RegisterResourceResponse(urn=urn)

        _ensure_event_loop()
        request = self._transformed(request, urn)
        raw_inputs = _jsonable(json_format.MessageToDict(request.object))
        if request.remote:
            self.notes.append(
                f"{request.type} '{request.name}' is a multi-language component of the "
                f"'{provider_package(request.type)}' package: its children are not evaluated offline "
                "and its outputs are unknown"
            )
        with self._claim_lock:  # Pulumi refuses a second resource with the same URN
            duplicate = urn in self._claimed_urns
            self._claimed_urns.add(urn)
        if duplicate:
            raise DuplicateUrnError(urn, self._source(request))
        inputs = _unknowns_as_wire(
            rpc.deserialize_properties(_inert_resource_refs(request.object, raw_inputs))
        )
        # the SDK registers from several threads; current_urn seeds generated names, and a resource
        # of an explicit provider lives in that provider's region
        with self._mocks_lock, self._in_region_of(request.provider):
            self.mocks.current_urn = urn
            resource_id, state = self.mocks.new_resource(
                MockResourceArgs(
                    typ=request.type,
                    name=request.name,
                    inputs=inputs,
                    provider=request.provider,
                    resource_id=request.importId,
                    custom=request.custom or False,
                    transforms=_resolve_callbacks(request.transforms),
                )
            )
        if request.type == "pulumi:providers:aws" and isinstance(wire.plain(inputs).get("region"), str):
            self._provider_regions[f"{urn}::{resource_id}"] = wire.plain(inputs)["region"]
        obj_proto = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, resource_id, state)

        provider = request.provider
        if request.custom and not provider and not request.type.startswith("pulumi:providers:"):
            provider = self._default_provider(request.type, request.version)
        autonamed = {
            k: v
            for k, v in state.items()
            if k not in inputs
            and k in ("name", "bucket", "replicationGroupId", "clusterId")
            and request.custom
        }
        secret_outputs = list(request.additionalSecretOutputs)
        self.records[urn] = ResourceRecord(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent if request.parent else "",
            id=resource_id or "",
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            inputs={**raw_inputs, **autonamed},
            outputs={
                k: (
                    wire.secret(_jsonable(v))
                    if k in secret_outputs and not wire.is_secret(v)
                    else _jsonable(v)
                )
                for k, v in state.items()
            },
            protect=bool(request.protect) if request.HasField("protect") else False,
            retain_on_delete=bool(request.retainOnDelete) if request.HasField("retainOnDelete") else False,
            ignore_changes=list(request.ignoreChanges),
            delete_before_replace=bool(request.deleteBeforeReplace),
            additional_secret_outputs=secret_outputs,
            provider=provider,
            source=self._source(request),
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id or "", object=obj_proto)

    def Invoke(self, request: Any) -> Any:
        request = self._invoke_transformed(_with_inert_refs(request, "args"))
        if self._provider_regions.get(request.provider, self.mocks.region) == self.mocks.region:
            return super().Invoke(request)
        with self._mocks_lock, self._in_region_of(request.provider):  # aws.get_region(opts=...east)
            return super().Invoke(request)

    @contextlib.contextmanager
    def _in_region_of(self, provider: str) -> Iterator[None]:
        """The mocks answer in the region of ``provider`` (an explicit ``aws.Provider(region=...)``)
        while held; the stack's ``aws:region`` otherwise. Call with ``_mocks_lock`` held."""
        region = self._provider_regions.get(provider)
        if region is None or region == self.mocks.region:
            yield
            return
        stack_region, self.mocks.region = self.mocks.region, region
        try:
            yield
        finally:
            self.mocks.region = stack_region

    def RegisterStackTransform(self, request: Any) -> Any:
        self._stack_transform_callbacks.append(request)
        return super().RegisterStackTransform(request)

    def RegisterStackInvokeTransform(self, request: Any) -> Any:
        self._invoke_transform_callbacks.append(request)
        return super().RegisterStackInvokeTransform(request)

    def _invoke_transformed(self, request: Any) -> Any:
        """``request`` after the stack's invoke transforms (``register_invoke_transform``), in order."""
        if not self._invoke_transform_callbacks or request.tok == "pulumi:pulumi:getResource":
            return request
        return transforms.transformed_invoke(request, list(self._invoke_transform_callbacks))

    def _transformed(self, request: Any, urn: str) -> Any:
        """``request`` after its transforms, as the engine runs them before registering a resource:
        the resource's own ``transforms`` option first, then each ancestor's (a component's
        transforms reach all its children), then the stack transforms registered so far."""
        inherited = [*request.transforms, *self._inherited_transforms.get(request.parent, [])]
        self._inherited_transforms[urn] = inherited
        callbacks = [*inherited, *self._stack_transform_callbacks]
        return transforms.transformed_registration(request, callbacks) if callbacks else request

    def Call(self, request: Any) -> Any:
        """A resource method (``cluster.get_kubeconfig()``): its package's provider runs it, and that
        provider is not here, so the result is unknown, as a multi-language component's outputs are."""
        note = (
            f"{request.tok} is a method of the '{provider_package(request.tok)}' package, run by its "
            "provider: its result is unknown offline"
        )
        if note not in self.notes:
            self.notes.append(note)
        result = struct_pb2.Struct()
        result.update({"result": wire.UNKNOWN})
        return provider_pb2.CallResponse(**{"return": result})

    def ReadResource(self, request: Any) -> Any:
        """``Resource.get`` and stack references; a stack reference's outputs come from the fixtures."""
        if request.type != STACK_REFERENCE_TYPE:
            return super().ReadResource(_with_inert_refs(request, "properties"))
        fixtures = self.mocks.fixtures or {}
        outputs = (fixtures.get("stackReferences") or {}).get(request.id)
        if outputs is None:
            site = self.mocks.invoke_sites.get(f"read:{request.type}::{request.name}")
            raise UnansweredStackReference(request.id, site, self.mocks.fixtures_file)
        urn = self.make_urn(request.parent, request.type, request.name)
        state = {"name": request.id, "outputs": outputs, "secretOutputNames": []}
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, request.id, state)
        props = _sync_await(rpc.serialize_properties(state, {}))
        return resource_pb2.ReadResourceResponse(urn=urn, properties=props)

    def _source(self, request: Any) -> dict[str, Any] | None:
        """Where the program declared the resource (the runtime keeps only that frame), project-relative."""
        if self.source_root is None or not request.stackTrace.frames:
            return None
        frame = request.stackTrace.frames[0]
        path = Path(unquote(urlparse(frame.pc.uri).path))
        if not path.is_relative_to(self.source_root):
            return None
        return {"file": str(path.relative_to(self.source_root)), "line": frame.pc.line}

    def RegisterResourceOutputs(self, request: Any) -> Any:
        outputs = _jsonable(json_format.MessageToDict(request.outputs))
        if qualified_type(request.urn) == STACK_TYPE:
            self.stack_outputs = outputs
        elif request.urn in self.records:
            self.records[request.urn].outputs = outputs
        return empty_pb2.Empty()


STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


class UnansweredStackReference(Exception):
    """A stack reference the fixtures do not answer: where, and how to answer it."""

    def __init__(self, stack: str, site: str | None, fixtures_file: str) -> None:
        super().__init__(
            f"no offline outputs for the stack reference '{stack}': add them to {fixtures_file} "
            f"(stackReferences: {{{stack}: {{<output>: <value>}}}}; see docs/fixtures.md)"
        )
        if site:
            self.__tierup_location__ = site


class DuplicateUrnError(Exception):
    """Two resources with one URN: Pulumi's own message, at the second declaration."""

    def __init__(self, urn: str, source: dict[str, Any] | None) -> None:
        super().__init__(f"Duplicate resource URN '{urn}'; try giving it a unique name")
        if source:  # the child names the program's line of the second declaration
            self.__tierup_location__ = f"{source['file']}:{source['line']}"


def _inert_resource_refs(struct: Any, as_dict: dict[str, Any] | None = None) -> Any:
    """``struct`` with each resource reference replaced by the resource's ID (a component's: its URN).

    The SDK deserializes a reference by constructing the resource (``Role.get``-style), whose
    ``getResource`` invoke it tracks among the program's RPCs but schedules on the loop of the
    thread deserializing — the monitor's worker thread, whose loop never runs again: the program
    would wait for it forever. The mocks need the value, not the object; the records keep the
    reference as the program sent it. This is also what the SDK gives for a type it cannot
    construct.
    """
    raw = json_format.MessageToDict(struct) if as_dict is None else as_dict
    if not _mentions_resource_ref(raw):
        return struct
    inert = struct_pb2.Struct()
    inert.update(_ref_as_value(raw))
    return inert


def _with_inert_refs(request: Any, field: str) -> Any:
    """A copy of ``request`` whose ``field`` (a Struct) holds no resource references, or ``request``."""
    original = getattr(request, field)
    inert = _inert_resource_refs(original)
    if inert is original:
        return request
    copy = type(request)()
    copy.CopyFrom(request)
    getattr(copy, field).CopyFrom(inert)
    return copy


def _mentions_resource_ref(value: Any) -> bool:
    if isinstance(value, dict):
        return value.get(wire.SIG_KEY) == wire.RESOURCE_SIG or any(
            _mentions_resource_ref(v) for v in value.values()
        )
    if isinstance(value, list):
        return any(_mentions_resource_ref(v) for v in value)
    return False


def _ref_as_value(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(wire.SIG_KEY) == wire.RESOURCE_SIG:
            if "id" in value:  # a custom resource: its ID, unknown while it has none
                return value["id"] or wire.UNKNOWN
            return value.get("urn", "")
        return {k: _ref_as_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ref_as_value(v) for v in value]
    return value


def _unknowns_as_wire(value: Any) -> Any:
    """The SDK's ``Unknown`` (a dry run's inputs computed from unknown outputs) as the wire sentinel."""
    from pulumi.output import Unknown

    if isinstance(value, Unknown):
        return wire.UNKNOWN
    if isinstance(value, dict):
        return {k: _unknowns_as_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknowns_as_wire(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    """Values as JSON: integral numbers as ints, anything else the mocks made as its string."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf numbers are doubles; the engine shows 3, not 3.0
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
