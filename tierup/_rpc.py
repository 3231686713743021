"""Pulumi's generated gRPC modules (analyzer, engine, plugin) without importing the whole Pulumi SDK.

``import pulumi.runtime.proto.analyzer_pb2`` first runs ``pulumi/__init__.py``, which imports the
SDK's runtime, the automation API and every proto: over half of ``tierup check``'s own start-up,
though the CLI only needs the analyzer's messages and stubs and the engine's log service. Here the
very same generated files are loaded from the installed ``pulumi`` package as a private package;
the messages register in protobuf's default pool under the same names, so they are the same
classes ``pulumi.runtime.proto`` gives (a process may use both)::

    from tierup._rpc import proto

    analyzer_pb2 = proto("analyzer_pb2")
    request = analyzer_pb2.AnalyzeRequest(type="aws:sqs/queue:Queue")
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path

_PRIVATE = "tierup._pulumi_rpc"


def _private_package() -> bool:
    """Register the private package over pulumi's proto folder; False when it cannot be found."""
    if _PRIVATE in sys.modules:
        return True
    spec = importlib.util.find_spec("pulumi")  # locates the package without running its __init__
    if spec is None or spec.origin is None:
        return False
    folder = Path(spec.origin).parent / "runtime" / "proto"
    if not (folder / "analyzer_pb2.py").is_file():
        return False
    package = types.ModuleType(_PRIVATE, "Pulumi's generated gRPC modules, loaded without the SDK.")
    package.__path__ = [str(folder)]
    sys.modules[_PRIVATE] = package
    return True


def proto(name: str) -> types.ModuleType:
    """``pulumi.runtime.proto.<name>`` (``analyzer_pb2``, ``analyzer_pb2_grpc``, ``engine_pb2_grpc``, …)."""
    if "pulumi.runtime.proto" in sys.modules or not _private_package():
        return importlib.import_module(f"pulumi.runtime.proto.{name}")
    try:
        return importlib.import_module(f"{_PRIVATE}.{name}")
    except ImportError:  # a layout this loader does not know: the SDK's own import
        return importlib.import_module(f"pulumi.runtime.proto.{name}")
