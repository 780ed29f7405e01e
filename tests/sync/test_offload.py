"""Push bodies read with a worker process's verdicts: the same reading as in the server process,
refusals included, and a worker that dies loses nothing (sync.offload)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import uuid
from datetime import datetime, timezone

import orjson
import pytest

from server.sync_check import check
from sync.errors import SyncError
from sync.offload import Reader
from sync.policy import Refusal
from sync.reading import read_body


def body(events: list[dict]) -> bytes:
    return orjson.dumps({"protocol": 1, "device_id": str(uuid.uuid4()), "batch_id": str(uuid.uuid4()),
                         "sent_at": datetime.now(timezone.utc).isoformat(), "events": events})


def vitals(visit: uuid.UUID, seq: int, payload: dict) -> dict:
    now = datetime.now(timezone.utc).isoformat()
    return {"id": str(uuid.uuid4()), "visit_id": str(visit), "device_seq": seq, "kind": "vitals", "schema": 1,
            "occurred_at": now, "recorded_at": now, "payload": payload}


def mixed_batch() -> bytes:
    """Valid vitals, invalid vitals, an unreadable envelope and an unknown kind."""
    visit = uuid.uuid4()
    events = [vitals(visit, seq, {"hr": 60 + seq, "sbp": 120, "dbp": 80}) for seq in range(1, 40)]
    events.append(vitals(visit, 40, {"temp_c": 53}))
    events.append({**vitals(visit, 41, {"hr": 70}), "occurred_at": "yesterday"})
    events.append({**vitals(visit, 42, {"hr": 70}), "kind": "teleport"})
    return body(events)


@pytest.fixture
def reader():
    started = Reader(workers=1, min_bytes=0)
    started.others = {child.pid for child in multiprocessing.active_children()}  # e.g. the app's own reader's
    started.start(check)
    yield started
    started.stop()


def same_reading(first, second) -> None:
    assert first.request == second.request and first.ids == second.ids
    assert first.prepared.digests == second.prepared.digests
    assert first.prepared.readings == second.prepared.readings


async def test_a_body_read_with_the_workers_verdicts_is_the_reading_made_here(reader):
    sent = mixed_batch()
    read = await reader.read(sent, check)
    assert reader.offloaded == 1
    same_reading(read, read_body(sent, check))
    refusals = [reading.code for reading in read.prepared.readings if isinstance(reading, Refusal)]
    assert refusals == ["invalid_payload", "invalid_envelope", "unknown_kind"]


async def test_a_malformed_body_is_refused_with_the_error_it_gets_here(reader):
    unreadable = body([{"visit_id": str(uuid.uuid4()), "device_seq": 1}])
    with pytest.raises(SyncError) as here:
        read_body(unreadable, check)
    with pytest.raises(SyncError) as offloaded:
        await reader.read(unreadable, check)
    assert (offloaded.value.status, offloaded.value.code, offloaded.value.message) == (
        here.value.status, here.value.code, here.value.message) == (400, "malformed_push", "Event 0 has no valid id.")


async def test_when_the_worker_is_killed_the_push_is_read_here_and_a_new_worker_reads_the_next(reader):
    sent = mixed_batch()
    await reader.read(sent, check)
    for worker in [child for child in multiprocessing.active_children() if child.pid not in reader.others]:
        os.kill(worker.pid, signal.SIGKILL)
        worker.join()
    same_reading(await reader.read(sent, check), read_body(sent, check))
    assert reader.offloaded == 1  # read here
    same_reading(await reader.read(sent, check), read_body(sent, check))
    assert reader.offloaded == 2  # by the new worker


async def test_small_bodies_and_checks_that_cannot_travel_are_read_here():
    reader = Reader(workers=1)  # the default threshold
    reader.start(check)
    try:
        small = body([vitals(uuid.uuid4(), 1, {"hr": 60})])
        same_reading(await reader.read(small, check), read_body(small, check))

        def local_check(candidate):
            return Refusal("local", "A check defined in a function cannot be imported by the worker.")

        large = mixed_batch()
        assert all(isinstance(reading, Refusal) for reading in (await reader.read(large, local_check)).prepared.readings)
        assert reader.offloaded == 0
    finally:
        reader.stop()
