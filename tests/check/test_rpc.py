"""tierup/_rpc.py: the analyzer client loads Pulumi's stubs without the SDK, as the very same classes."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from tierup import policy_runner
analyzer_pb2, analyzer_pb2_grpc, plugin_pb2 = policy_runner._proto()
log = policy_runner._EngineLog()  # the engine endpoint a pack logs to
log.stop()
request = analyzer_pb2.AnalyzeRequest(type="aws:sqs/queue:Queue", urn="u")
print(sorted(m for m in sys.modules if m == "pulumi" or m.startswith("pulumi.")))
import pulumi.runtime.proto.analyzer_pb2 as sdk
assert sdk.AnalyzeRequest is analyzer_pb2.AnalyzeRequest
assert sdk.AnalyzeRequest.FromString(request.SerializeToString()).urn == "u"
print("same classes")
"""


def test_the_analyzer_client_does_not_import_the_sdk_and_shares_its_classes() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "same classes"]


def test_after_the_sdk_the_sdk_modules_are_used() -> None:
    import pulumi.runtime.proto.analyzer_pb2 as sdk

    from tierup._rpc import proto

    assert proto("analyzer_pb2") is sdk
