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


def test_two_same_named_registrations_in_flight_together_are_refused() -> None:
    """The second of two concurrent same-URN registrations fails even while the first is still running."""
    import threading

    from tierup.engine.monitor import DuplicateUrnError

    first_inside = threading.Event()
    release_first = threading.Event()

    class BlockingMocks(AwsMocks):
        def new_resource(self, args: Any) -> tuple[str | None, dict]:
            first_inside.set()
            release_first.wait(timeout=5)
            return super().new_resource(args)

    monitor = RecordingMonitor(BlockingMocks(region="us-east-1"), "proj", "dev")
    request = resource_pb2.RegisterResourceRequest(
        type="aws:sqs/queue:Queue", name="orders", custom=True, object=struct_pb2.Struct()
    )
    outcomes: list[str] = []

    def register() -> None:
        try:
            monitor.RegisterResource(request)
            outcomes.append("registered")
        except DuplicateUrnError:
            outcomes.append("duplicate")

    first = threading.Thread(target=register)
    first.start()
    assert first_inside.wait(timeout=5)
    register()  # arrives while the first is still inside the mocks, not yet recorded
    release_first.set()
    first.join(timeout=5)
    assert sorted(outcomes) == ["duplicate", "registered"]
