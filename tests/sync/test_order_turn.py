"""The order lock's turn (sync.turns): while a group of this process holds the log's order lock, new
pushes wait before their CPU-heavy steps, so the group's round trips are not queued behind them."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from sync.models import Event
from sync.turns import TURN, OrderTurn
from tests.sync.conftest import as_user, batch, event


async def test_a_push_steps_aside_while_a_group_holds_the_order_lock_and_is_stored_after(sync_app):
    device, visit = uuid.uuid4(), uuid.uuid4()
    transport = httpx.ASGITransport(app=sync_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sync") as client:
        TURN.hold()
        try:
            pushing = asyncio.create_task(client.post("/api/sync/push", json=batch(device, [event(visit, 1)]),
                                                      headers=as_user(1)))
            await asyncio.sleep(0.2)
            assert not pushing.done() and await Event.all().count() == 0
        finally:
            TURN.release()
        response = await asyncio.wait_for(pushing, 10)
    assert response.status_code == 200 and response.json()["results"][0]["status"] == "accepted"
    assert await Event.all().count() == 1


async def test_the_turn_is_free_once_every_group_has_committed(sync_app):
    transport = httpx.ASGITransport(app=sync_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sync") as client:
        responses = await asyncio.gather(*(
            client.post("/api/sync/push", json=batch(uuid.uuid4(), [event(uuid.uuid4(), 1)]), headers=as_user(1))
            for _ in range(20)))
    assert {r.status_code for r in responses} == {200}
    await asyncio.wait_for(TURN.wait(), 0.5)


async def test_a_turn_held_by_an_event_loop_that_has_ended_never_blocks_a_new_one():
    turn = OrderTurn()

    async def hold_and_leave() -> None:
        turn.hold()  # a server stopped mid-group: its loop is gone

    await asyncio.to_thread(asyncio.run, hold_and_leave())
    turn.hold()  # the first call in this loop: it counts afresh, and this hold counts in it
    turn.hold()  # two groups (two lanes) hold it: the first one's release leaves it held
    waiting = asyncio.create_task(turn.wait())
    turn.release()
    await asyncio.sleep(0.05)
    assert not waiting.done()
    turn.release()
    await asyncio.wait_for(waiting, 0.5)
    await asyncio.wait_for(turn.wait(), 0.5)  # and the dead loop's hold holds nothing here
