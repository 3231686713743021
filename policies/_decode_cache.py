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
memoized. Set ``TIERUP_PACK_DECODE_CACHE=0`` to run the SDK as shipped (tests compare both).

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


def _memo() -> dict[int, tuple[Any, Any]] | None:
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


def _memoized(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn(obj)`` once per object during a request (the object is kept alive, so its id stays its own)."""

    @functools.wraps(fn)
    def cached(obj: Any, *args: Any, **kwargs: Any) -> Any:
        memo = _memo()
        if memo is None or args or kwargs:
            return fn(obj, *args, **kwargs)
        hit = memo.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        value = fn(obj)
        memo[id(obj)] = (obj, value)
        return value

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
    for name in ("Analyze", "AnalyzeStack"):
        setattr(servicer, name, _during_request(getattr(servicer, name)))
    servicer._tierup_decode_cache = True
    return True
