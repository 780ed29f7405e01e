"""Issue #19: only the numbering of the log is serial. A push still being decided (its access
judged, its times checked) holds back no other tablet's push, and numbers still follow commit order."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from server.audit import CHAIN_LOCK_KEY
from sync import group
from sync.models import Event
from tests.databases import on_postgres
from tests.sync.conftest import as_user, batch, event


def test_the_log_is_numbered_under_the_audit_chains_lock():
    """The host audits while judging a push, inside its transaction: one key for both orders means
    no two transactions wait for each other's lock in opposite order (no deadlock)."""
    assert group.ORDER_LOCK_KEY == CHAIN_LOCK_KEY


@pytest.mark.skipif(not on_postgres(), reason="SQLite has one writer and one connection: its pushes take turns")
async def test_a_push_still_being_judged_does_not_hold_back_another_tablets_push(sync_app, policy):
    slow_visit, release = uuid.uuid4(), asyncio.Event()
    policy.slow_visits[slow_visit] = release
    slow_device = uuid.uuid4()
    quick_device = uuid.uuid4()  # queued behind the slow push, then handed to a second writer
    transport = httpx.ASGITransport(app=sync_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sync") as client:
        slow = asyncio.create_task(client.post("/api/sync/push", json=batch(slow_device, [event(slow_visit, 1)]),
                                               headers=as_user(1)))
        await asyncio.wait_for(policy.judging.wait(), 10)
        quick = await asyncio.wait_for(client.post(
            "/api/sync/push", json=batch(quick_device, [event(uuid.uuid4(), 1)]), headers=as_user(2)), 10)
        assert quick.status_code == 200 and not slow.done()  # answered while the other is still judged
        pulled = (await client.get("/api/sync/pull?after=0", headers=as_user(1))).json()
        assert [e["device_id"] for e in pulled["events"]] == [str(quick_device)]
        release.set()
        slow_answer = (await slow).json()
    assert quick.json()["results"][0]["server_seq"] == 1
    assert slow_answer["results"][0]["server_seq"] == 2  # committed second, numbered second
    assert await Event.all().order_by("server_seq").values_list("device_id", flat=True) == [quick_device, slow_device]
