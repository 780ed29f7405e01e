"""A big group's events go to PostgreSQL before the order lock (sync.append.stage) and are numbered
there: the same numbers in the same order as a small group's, every payload stored as sent, and a
push that fails after staging leaves nothing behind for its neighbours' insert."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from tortoise.transactions import in_transaction

from sync import append
from sync.models import Event
from sync.writer import WRITER_CONNECTION
from tests.databases import on_postgres
from tests.sync.conftest import batch, event
from tests.sync.test_group_commit import _rush, _seqs

pytestmark = pytest.mark.skipif(not on_postgres(), reason="the stage is PostgreSQL's (SQLite has one writer)")


def _big_push(events: int) -> tuple[uuid.UUID, dict]:
    device, visit = uuid.uuid4(), uuid.uuid4()
    return device, batch(device, [event(visit, n, payload={"text": f"entry {n} ✓ \"quoted\" \\ {visit}"})
                                  for n in range(1, events + 1)])


async def test_a_staged_group_is_numbered_in_its_order_and_stored_as_sent(sync_app):
    pushes = [_big_push(append.STAGE_MIN) for _ in range(3)]
    responses = await _rush(sync_app, [(body, 1) for _, body in pushes])
    assert [r.status_code for r in responses] == [200] * 3
    assert await _seqs() == list(range(1, 3 * append.STAGE_MIN + 1))
    for (device, body), response in zip(pushes, responses):
        numbers = [result["server_seq"] for result in response.json()["results"]]
        assert numbers == sorted(numbers) and len(numbers) == append.STAGE_MIN  # in the push's order
        stored = await Event.filter(device_id=device).order_by("server_seq").values("id", "device_seq", "payload")
        assert [(str(row["id"]), row["device_seq"], row["payload"]) for row in stored] == [
            (sent["id"], sent["device_seq"], sent["payload"]) for sent in body["events"]]


async def test_a_failing_push_among_staged_ones_rolls_back_alone_and_nothing_is_inserted_twice(sync_app, policy):
    pushes = [_big_push(append.STAGE_MIN) for _ in range(4)]
    broken_device = pushes[1][0]
    policy.failing_devices.add(str(broken_device))
    responses = await _rush(sync_app, [(body, 1) for _, body in pushes])
    assert [r.status_code for r in responses] == [200, 500, 200, 200]
    assert await _seqs() == list(range(1, 3 * append.STAGE_MIN + 1))  # each staged push inserted once
    assert not await Event.filter(device_id=broken_device).exists()


async def test_a_big_groups_rows_pass_through_the_stage_and_leave_it_empty(sync_app):
    """The mechanism itself: the rows are in event_stage before the lock, none after the insert."""
    now = datetime.now(timezone.utc)
    device, visit = uuid.uuid4(), uuid.uuid4()
    events = [{"id": uuid.uuid4(), "organization_id": 1, "visit_id": visit, "device_id": device, "device_seq": n,
               "kind": "note", "schema": 1, "occurred_at": now, "recorded_at": now, "received_at": now,
               "server_seq": None, "author_id": 1, "payload": {"text": f"entry {n}"}, "content_sha256": "0" * 64,
               "flags": []} for n in range(1, append.STAGE_MIN + 1)]
    async with in_transaction(WRITER_CONNECTION) as connection:
        prepared = append.prepare(connection, events)
        await append.stage(connection, prepared)
        staged = await connection.execute_query_dict("SELECT count(*) AS n FROM event_stage")
        await append.write(connection, prepared, 41, None)
        left = await connection.execute_query_dict("SELECT count(*) AS n FROM event_stage")
    assert prepared.staged and staged == [{"n": append.STAGE_MIN}] and left == [{"n": 0}]
    stored = await Event.filter(device_id=device).order_by("server_seq").values_list("device_seq", "server_seq")
    assert stored == [(n, 40 + n) for n in range(1, append.STAGE_MIN + 1)]
