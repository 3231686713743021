"""The recording monitor is called from the SDK's worker threads: each registration keeps its own URN."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime.proto import resource_pb2

from tierup.engine.mocks import AwsMocks
from tierup.engine.monitor import RecordingMonitor


class SlowMocks(AwsMocks):
    """Records the URN each registration was answered for, after a pause that lets threads interleave."""

    def __init__(self) -> None:
        super().__init__(region="us-east-1")
        self.answered_for: dict[str, str | None] = {}

    def new_resource(self, args: Any) -> tuple[str | None, dict]:
        time.sleep(0.002)
        self.answered_for[args.name] = self.current_urn
        return super().new_resource(args)


def test_concurrent_registrations_are_answered_for_their_own_urn() -> None:
    mocks = SlowMocks()
    monitor = RecordingMonitor(mocks, "proj", "prod")

    def register(i: int) -> None:
        request = resource_pb2.RegisterResourceRequest(
            type="aws:sqs/queue:Queue", name=f"q{i}", custom=True, object=struct_pb2.Struct()
        )
        monitor.RegisterResource(request)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(register, range(40)))
    assert mocks.answered_for == {
        f"q{i}": f"urn:pulumi:prod::proj::aws:sqs/queue:Queue::q{i}" for i in range(40)
    }
    names = {
        r.name: r.inputs.get("name") for r in monitor.records.values() if r.type == "aws:sqs/queue:Queue"
    }
    assert len(set(names.values())) == 40  # each generated physical name seeded by its own URN
