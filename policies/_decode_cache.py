"""Decode each resource's properties once per request, not once per policy.

``pulumi_policy``'s analyzer turns a resource's ``Struct`` into Python (``MessageToDict``, then
``deserialize_properties``) inside its loop over policies: ``Analyze`` decodes the same resource
for every resource policy, ``AnalyzeStack`` decodes every resource for every stack policy. At a
few thousand resources that decoding is most of the pack's time. :func:`install` memoizes both
steps for the duration of one ``Analyze``/``AnalyzeStack`` call: the first policy decodes, the
others reuse the result.

The read-checking proxies the policies get (``unknown_checking_proxy``) are built once per
resource and request too: each call gets its own top-level mapping over the shared nested
proxies, so what every policy reads is what the SDK would have given it, and a policy that sets a
top-level key changes only its own view (the rules only read: a policy writing into a nested value
of its arguments would be seen by the policies after it). Outside those two calls (``Configure``, ``Remediate``, …) nothing is
memoized. A resource's options and provider are built once per request as well, and
``AnalyzeStack`` reads each resource's protobuf fields once, then gives every stack policy its own
``PolicyResource`` objects (own top-level props, parent and dependency links) over that reading,
instead of re-reading the request for every policy. Set ``TIERUP_PACK_DECODE_CACHE=0`` to run the
SDK as shipped (tests compare both).

Only ``pulumi_policy`` and ``protobuf`` are needed: the pack still runs as
``python -m pulumi.policy <addr> <pack dir>`` without tierup installed.
"""

from __future__ import annotations

import functools
import os
import threading
import types
from collections.abc import Callable
from typing import Any

_state = threading.local()  # per gRPC worker thread: the memo of the request it is serving


def _memo() -> dict[tuple[str, int], tuple[Any, Any]] | None:
    return getattr(_state, "memo", None)


def _during_request(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``method`` with a fresh memo for this thread; drop it afterwards."""

    @functools.wraps(method)
    def serve(self: Any, request: Any, context: Any) -> Any:
        outer = _memo()
        _state.memo = {}
        try:
            return method(self, request, context)
        finally:
            _state.memo = outer

    return serve


def _once(
    memo: dict[tuple[str, int], tuple[Any, Any]], tag: str, obj: Any, compute: Callable[[], Any]
) -> Any:
    """``compute()`` the first time ``(tag, obj)`` is asked in this request; its answer afterwards (the
    object is kept alive in the memo, so its id stays its own)."""
    key = (tag, id(obj))
    hit = memo.get(key)
    if hit is not None and hit[0] is obj:
        return hit[1]
    value = compute()
    memo[key] = (obj, value)
    return value


def _memoized(fn: Callable[..., Any], tag: str | None = None) -> Callable[..., Any]:
    """``fn(obj)`` once per object during a request; ``tag`` (default: the function's name) keeps the
    answers of different functions apart."""
    tag = tag or getattr(fn, "__qualname__", repr(fn))

    @functools.wraps(fn)
    def cached(obj: Any, *args: Any, **kwargs: Any) -> Any:
        memo = _memo()
        if memo is None or args or kwargs:
            return fn(obj, *args, **kwargs)
        return _once(memo, tag, obj, lambda: fn(obj))

    return cached


def _fresh_top(shared_proxy: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The proxy tree built once per request, under a top level of each call's own (a policy that sets
    ``props[key]`` changes only its own view, as with the SDK's fresh proxies)."""
    from pulumi_policy.proxy import _DictProxy

    @functools.wraps(shared_proxy)
    def proxy(props: Any) -> Any:
        tree = shared_proxy(props)
        if _memo() is None or not isinstance(tree, _DictProxy):
            return tree
        return _DictProxy(dict(tree["__target"]), [])

    return proxy


def install() -> bool:
    """Memoize the analyzer's decoding (idempotent); False when disabled or the SDK's shape is unknown."""
    if os.environ.get("TIERUP_PACK_DECODE_CACHE", "1") == "0":
        return False
    from pulumi_policy import policy as sdk

    servicer = getattr(sdk, "_PolicyAnalyzerServicer", None)
    json_format = getattr(sdk, "json_format", None)
    deserialize = getattr(sdk, "deserialize_properties", None)
    if servicer is None or json_format is None or deserialize is None:
        return False  # another pulumi_policy layout: run it as shipped
    if getattr(servicer, "_tierup_decode_cache", False):
        return True
    # The SDK module's own view of ``json_format`` and ``deserialize_properties``: a namespace whose
    # MessageToDict memoizes (the Struct wrappers protobuf hands out are stable while referenced).
    memo_json = types.SimpleNamespace(**{k: getattr(json_format, k) for k in dir(json_format) if k[0] != "_"})
    memo_json.MessageToDict = _memoized(json_format.MessageToDict)
    sdk.json_format = memo_json  # type: ignore[assignment]
    sdk.deserialize_properties = _memoized(deserialize)
    proxy = getattr(sdk, "unknown_checking_proxy", None)
    if proxy is not None:
        sdk.unknown_checking_proxy = _fresh_top(_memoized(proxy))
    for name in ("_get_resource_options", "_get_provider_resource"):
        if callable(getattr(servicer, name, None)):
            setattr(servicer, name, _memoized_method(getattr(servicer, name), tag=name))
    if callable(getattr(sdk, "signature", None)):  # asked per request, always of one class
        sdk.signature = functools.lru_cache(maxsize=None)(sdk.signature)
    if callable(getattr(servicer, "_configure_runtime_settings", None)):
        servicer._configure_runtime_settings = _when_environment_changes(servicer._configure_runtime_settings)
    if set(vars(sdk)) >= _STACK_NAMES:
        servicer.AnalyzeStack = _reading_once(servicer.AnalyzeStack)
    for name in ("Analyze", "AnalyzeStack"):
        setattr(servicer, name, _during_request(getattr(servicer, name)))
    servicer._tierup_decode_cache = True
    return True


#: What the SDK's ``_configure_runtime_settings`` reads: the pack process's environment.
_RUNTIME_ENVIRONMENT = (
    "PULUMI_CONFIG",
    "PULUMI_PROJECT",
    "PULUMI_STACK",
    "PULUMI_DRY_RUN",
    "PULUMI_ORGANIZATION",
)


def _when_environment_changes(configure: Callable[..., Any]) -> Callable[..., Any]:
    """The SDK configures its runtime from the environment on every request (parsing the config JSON
    each time); run it again only when that environment is not what it was the last time."""
    last: list[tuple[str | None, ...]] = []

    @functools.wraps(configure)
    def configure_if_changed(self: Any) -> None:
        now = tuple(os.environ.get(name) for name in _RUNTIME_ENVIRONMENT)
        if last == [now]:
            return
        configure(self)
        last[:] = [now]

    return configure_if_changed


def _memoized_method(method: Callable[..., Any], tag: str) -> Callable[..., Any]:
    """``self.method(request)`` once per request object during a request (see :func:`_memoized`)."""

    @functools.wraps(method)
    def cached(self: Any, request: Any) -> Any:
        memo = _memo()
        if memo is None:
            return method(self, request)
        return _once(memo, tag, request, lambda: method(self, request))

    return cached


#: What :func:`_analyze_stack_reading_once` takes from the SDK's module; without them, the SDK's own runs.
_STACK_NAMES = {
    "EnforcementLevel",
    "StackValidationPolicy",
    "PolicyResource",
    "StackValidationArgs",
    "UnknownValueError",
    "_NotApplicableError",
    "proto",
    "isawaitable",
}


class _Reading:
    """One resource of an ``AnalyzeStackRequest``, its protobuf fields read once."""

    __slots__ = (
        "dependencies",
        "name",
        "parent",
        "properties",
        "property_dependencies",
        "request",
        "type",
        "urn",
    )

    def __init__(self, r: Any) -> None:
        self.type, self.urn, self.name, self.request, self.properties = r.type, r.urn, r.name, r, r.properties
        self.parent: str = r.parent
        self.dependencies = list(r.dependencies)
        self.property_dependencies = {k: list(v.urns) for k, v in r.propertyDependencies.items()}


def _stack_resources(servicer: Any, readings: list[_Reading]) -> list[Any]:
    """Fresh ``PolicyResource`` objects for one stack policy, linked as the SDK links them."""
    from pulumi_policy import policy as sdk

    resources = [
        sdk.PolicyResource(
            x.type,
            sdk.unknown_checking_proxy(
                sdk.deserialize_properties(sdk.json_format.MessageToDict(x.properties))
            ),
            x.urn,
            x.name,
            servicer._get_resource_options(x.request),
            servicer._get_provider_resource(x.request),
            None,
            [],
            {},
        )
        for x in readings
    ]
    by_urn = {r.urn: r for r in resources}
    for x, resource in zip(readings, resources, strict=True):
        if x.parent in by_urn:
            resource.parent = by_urn[x.parent]
        resource.dependencies.extend(by_urn[d] for d in x.dependencies if d in by_urn)
        for key, urns in x.property_dependencies.items():
            resource.property_dependencies[key] = [by_urn[d] for d in urns if d in by_urn]
    return resources


def _reading_once(shipped: Callable[..., Any]) -> Callable[..., Any]:
    """:func:`_analyze_stack_reading_once`, or the SDK's own on a servicer without the 1.x fields it reads."""

    @functools.wraps(shipped)
    def analyze_stack(self: Any, request: Any, context: Any) -> Any:
        if not all(hasattr(self, f"_PolicyAnalyzerServicer__{f}") for f in _SERVICER_FIELDS):
            return shipped(self, request, context)
        return _analyze_stack_reading_once(self, request, context)

    return analyze_stack


_SERVICER_FIELDS = ("policies", "stack_tags", "policy_pack_name", "policy_pack_version")


def _analyze_stack_reading_once(self: Any, request: Any, _context: Any) -> Any:
    """The SDK's ``AnalyzeStack`` (pulumi_policy 1.x), reading the request once for all stack policies."""
    import asyncio

    from pulumi_policy import policy as sdk

    self._configure_runtime_settings()
    response = sdk.proto.AnalyzeResponse()
    readings: list[_Reading] | None = None
    for policy in self._PolicyAnalyzerServicer__policies:
        level = self._get_enforcement_level(policy)
        if level == sdk.EnforcementLevel.DISABLED or not isinstance(policy, sdk.StackValidationPolicy):
            continue
        if level == sdk.EnforcementLevel.REMEDIATE:  # stack policies cannot remediate: mandatory
            level = sdk.EnforcementLevel.MANDATORY
        report = self._create_report_violation(
            response, policy.name, policy.description, level, policy.severity
        )
        if readings is None:
            readings = [_Reading(r) for r in request.resources]
        args = sdk.StackValidationArgs(
            _stack_resources(self, readings),
            self._get_policy_config(policy.name),
            self._PolicyAnalyzerServicer__stack_tags,
        )
        try:
            result = policy.validate(args, report)
            if sdk.isawaitable(result):
                loop = asyncio.new_event_loop()
                loop.run_until_complete(asyncio.Task(result, loop=loop))
                loop.close()
        except sdk.UnknownValueError as e:
            response.diagnostics.append(
                sdk.proto.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=self._PolicyAnalyzerServicer__policy_pack_name,
                    policyPackVersion=self._PolicyAnalyzerServicer__policy_pack_version,
                    message=(
                        f"can't run policy '{policy.name}' from policy pack "
                        f"'{self._PolicyAnalyzerServicer__policy_pack_name}"
                        f"@v{self._PolicyAnalyzerServicer__policy_pack_version}' during preview: {e.message}"
                    ),
                    urn="",
                    description=policy.description,
                    enforcementLevel=self._map_enforcement_level(sdk.EnforcementLevel.ADVISORY),
                )
            )
        except sdk._NotApplicableError as e:
            response.not_applicable.append(
                sdk.proto.PolicyNotApplicable(policy_name=policy.name, reason=e.reason or "")
            )
    return response
