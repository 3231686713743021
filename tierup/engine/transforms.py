"""Transforms, run as the Pulumi engine runs them before it registers a resource or answers an invoke.

``pulumi.runtime.register_resource_transform``, the ``transforms`` resource option and
``pulumi.runtime.register_invoke_transform`` register callbacks with the SDK's callback servicer,
which the engine calls over gRPC during ``pulumi preview``. The recording monitor runs the same
callbacks the same way — on the program's event loop, through the servicer's own handlers — so a
transform sees the properties and options the engine would hand it, and what it returns is what
the mocks, the plan and the policies see. Each transform gets what the previous one returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pulumi.runtime.proto import resource_pb2


def transformed_registration(request: Any, callbacks: list[Any]) -> Any:
    """A copy of a ``RegisterResourceRequest`` with its properties and options as ``callbacks`` leave them."""

    def ask(properties: Any, options: Any) -> Any:
        return resource_pb2.TransformRequest(
            type=request.type,
            name=request.name,
            custom=request.custom,
            parent=request.parent,
            properties=properties,
            options=options,
        )

    properties, options = _through(callbacks, ask, "properties", request.object, _options_of(request))
    transformed = type(request)()
    transformed.CopyFrom(request)
    transformed.object.CopyFrom(properties)
    _write_options(transformed, options)
    return transformed


def transformed_invoke(request: Any, callbacks: list[Any]) -> Any:
    """A copy of a ``ResourceInvokeRequest`` with its arguments and options as ``callbacks`` leave them."""

    def ask(args: Any, options: Any) -> Any:
        return resource_pb2.TransformInvokeRequest(token=request.tok, args=args, options=options)

    options = resource_pb2.TransformInvokeOptions(
        provider=request.provider, plugin_download_url=request.pluginDownloadURL, version=request.version
    )
    args, options = _through(callbacks, ask, "args", request.args, options)
    transformed = type(request)()
    transformed.CopyFrom(request)
    transformed.args.CopyFrom(args)
    transformed.provider = options.provider
    transformed.version = options.version
    transformed.pluginDownloadURL = options.plugin_download_url
    return transformed


def _through(
    callbacks: list[Any], ask: Callable[[Any, Any], Any], field: str, payload: Any, options: Any
) -> tuple[Any, Any]:
    """Run each callback on what the previous one returned: (payload, options) at the end."""
    for callback in callbacks:
        response = _run_callback(callback, ask(payload, options))
        if response is None:  # a callback this process does not know (not the program's)
            continue
        payload = getattr(response, field)
        if response.HasField("options"):
            options = response.options
    return payload, options


def _run_callback(callback: Any, message: Any) -> Any:
    """Run a program's callback on the program's event loop (from a monitor thread); its response."""
    from pulumi.runtime._callbacks import _CallbackServicer

    for servicer in list(_CallbackServicer._servicers):
        function = servicer._callbacks.get(callback.token)
        if function is not None:
            future = asyncio.run_coroutine_threadsafe(function(message.SerializeToString()), servicer._loop)
            return future.result()
    return None


def _options_of(request: Any) -> Any:
    """A registration's options as the engine hands them to a transform."""
    options = resource_pb2.TransformResourceOptions(
        depends_on=list(request.dependencies),
        ignore_changes=list(request.ignoreChanges),
        replace_on_changes=list(request.replaceOnChanges),
        version=request.version,
        aliases=list(request.aliases),
        provider=request.provider,
        plugin_download_url=request.pluginDownloadURL,
        deleted_with=request.deletedWith,
        additional_secret_outputs=list(request.additionalSecretOutputs),
        providers=dict(request.providers),
    )
    if request.HasField("protect"):
        options.protect = request.protect
    if request.HasField("retainOnDelete"):
        options.retain_on_delete = request.retainOnDelete
    if request.deleteBeforeReplaceDefined or request.deleteBeforeReplace:
        options.delete_before_replace = request.deleteBeforeReplace
    if request.HasField("customTimeouts"):
        options.custom_timeouts.CopyFrom(request.customTimeouts)
    if request.importId:
        setattr(options, "import", request.importId)  # a Python keyword: set by name
    return options


def _write_options(request: Any, options: Any) -> None:
    """Write what a transform returned as options back onto the registration."""
    del request.dependencies[:]
    request.dependencies.extend(options.depends_on)
    del request.ignoreChanges[:]
    request.ignoreChanges.extend(options.ignore_changes)
    del request.replaceOnChanges[:]
    request.replaceOnChanges.extend(options.replace_on_changes)
    del request.additionalSecretOutputs[:]
    request.additionalSecretOutputs.extend(options.additional_secret_outputs)
    request.version = options.version
    request.provider = options.provider
    request.deletedWith = options.deleted_with
    request.pluginDownloadURL = options.plugin_download_url
    if options.HasField("protect"):
        request.protect = options.protect
    else:
        request.ClearField("protect")
    if options.HasField("retain_on_delete"):
        request.retainOnDelete = options.retain_on_delete
    else:
        request.ClearField("retainOnDelete")
    request.deleteBeforeReplace = (
        options.delete_before_replace if options.HasField("delete_before_replace") else False
    )
    request.deleteBeforeReplaceDefined = options.HasField("delete_before_replace")
    request.providers.clear()
    request.providers.update(dict(options.providers))
