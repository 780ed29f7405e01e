"""Group commit (sync.group): pushes waiting together share one transaction, yet each one
stands alone: a push that fails rolls back by itself and its neighbours are stored."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from sync import engine, writer
from sync.models import Device, Event, Quarantine
from tests.sync.conftest import as_user, batch, event


async def _rush(app, bodies_and_users):
    """Every push at the same moment, through the ASGI app; a host failure comes back as a 500."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://sync") as client:
        return await asyncio.gather(*(client.post("/api/sync/push", json=body, headers=as_user(user))
                                      for body, user in bodies_and_users))


def _tablet_batch(events_each: int = 5):
    device, visit = uuid.uuid4(), uuid.uuid4()
    return device, batch(device, [event(visit, n) for n in range(1, events_each + 1)])


async def _seqs() -> list[int]:
    return sorted(await Event.all().values_list("server_seq", flat=True))


async def test_concurrent_pushes_share_commits_and_store_each_event_once(sync_app):
    tablets = [_tablet_batch() for _ in range(30)]
    commits_before = engine.WRITER.commits
    responses = await _rush(sync_app, [(body, 1) for _, body in tablets])
    assert [r.status_code for r in responses] == [200] * 30
    assert all(r["status"] == "accepted" for resp in responses for r in resp.json()["results"])
    assert await _seqs() == list(range(1, 151))  # contiguous: no seq lost, none given twice
    assert engine.WRITER.commits - commits_before < 30


async def test_one_writer_takes_every_push_that_queued_while_none_is_slow(sync_app, monkeypatch):
    """sync.writer: pushes go to the first writer while its groups are quick, whatever their device
    (three writers by device committed three times as many small groups, each taking the order lock)."""
    monkeypatch.setattr(writer, "STALL_S", 10.0)
    responses = await _rush(sync_app, [(body, 1) for _, body in (_tablet_batch() for _ in range(30))])
    assert [r.status_code for r in responses] == [200] * 30
    first, *others = [lane.groups for lane in engine.WRITER.lanes]
    assert first >= 1 and others == [0] * len(others)


async def test_a_groups_pushes_are_judged_against_one_read_ahead_of_every_author_and_visit(sync_app, policy):
    tablets = [_tablet_batch() for _ in range(30)]
    responses = await _rush(sync_app, [(body, 1 + n % 3) for n, (_, body) in enumerate(tablets)])
    assert [r.status_code for r in responses] == [200] * 30
    asked = [(principal.user_id, visits) for asks in policy.read_aheads for principal, visits in asks]
    assert sorted(user for user, _ in asked) == sorted(1 + n % 3 for n in range(30))  # each push asked once
    assert {visit for _, visits in asked for visit in visits} == {
        uuid.UUID(body["events"][0]["visit_id"]) for _, body in tablets}
    assert len(policy.read_aheads) < 30  # groups of several pushes shared one read
    assert sorted(policy.judged_ahead) == sorted(n for n, asks in enumerate(policy.read_aheads, 1) for _ in asks)


async def test_a_push_that_fails_inside_a_group_rolls_back_alone(sync_app, policy):
    tablets = [_tablet_batch() for _ in range(12)]
    broken_device, broken_body = tablets[5]
    policy.failing_devices.add(str(broken_device))
    responses = await _rush(sync_app, [(body, 1) for _, body in tablets])
    assert responses[5].status_code == 500
    assert all(r.status_code == 200 for i, r in enumerate(responses) if i != 5)
    assert await _seqs() == list(range(1, 56))  # its seqs were handed to the next push, not skipped
    assert not await Event.filter(device_id=broken_device).exists()
    assert not await Device.filter(id=broken_device).exists()  # the row its push created is gone too

    policy.failing_devices.clear()
    retried = await _rush(sync_app, [(broken_body, 1)])
    assert [r["status"] for r in retried[0].json()["results"]] == ["accepted"] * 5
    assert await _seqs() == list(range(1, 61))


@pytest.mark.parametrize("pushes_each", [1, 3])
async def test_a_new_tablet_pushed_by_two_users_at_once_is_bound_to_one(sync_app, pushes_each):
    device, visit = uuid.uuid4(), uuid.uuid4()
    bodies = [(batch(device, [event(visit, n)]), user) for user in (1, 2) for n in range(1, pushes_each + 1)]
    responses = await _rush(sync_app, bodies)
    owner = (await Device.get(id=device)).user_id
    for (body, user), response in zip(bodies, responses):
        assert response.status_code == (200 if user == owner else 403), response.text
    stored = await Event.filter(device_id=device).values_list("author_id", flat=True)
    assert stored == [owner] * pushes_each


async def test_one_tablets_pushes_written_together_see_each_other(sync_app, http):
    """A tablet's retry and its next batch land in the same group as the first push: the retry is
    a duplicate, a changed copy a collision kept once, and the mark moves over all of them."""
    device, visit = uuid.uuid4(), uuid.uuid4()
    first = [event(visit, n) for n in range(1, 6)]
    changed = {**first[0], "payload": {"text": "changed after sending"}}
    bodies = [batch(device, first), batch(device, first), batch(device, [event(visit, n) for n in range(6, 11)]),
              batch(device, [changed]), batch(device, [changed])]
    commits_before = engine.WRITER.commits
    responses = await _rush(sync_app, [(body, 1) for body in bodies])
    assert [r.status_code for r in responses] == [200] * 5
    statuses = [[r["status"] for r in response.json()["results"]] for response in responses]
    assert sorted(statuses[:2]) == [["accepted"] * 5, ["duplicate"] * 5]
    assert statuses[2] == ["accepted"] * 5 and statuses[3:] == [["collision"], ["collision"]]
    assert engine.WRITER.commits - commits_before < 5  # at least two of them were written together
    assert await _seqs() == list(range(1, 11))
    assert (await Device.get(id=device)).acked_through == 10
    assert await Quarantine.filter(device_id=device).count() == 1
    final = (await http.post("/api/sync/push", json=batch(device, first), headers=as_user(1))).json()
    assert final["device"] == {"acked_through": 10, "gaps": [], "wiped": False}


async def test_a_gap_left_by_one_push_is_closed_by_the_next_pushed_at_the_same_moment(sync_app):
    device, visit = uuid.uuid4(), uuid.uuid4()
    late, early = batch(device, [event(visit, n) for n in (4, 5)]), batch(device, [event(visit, n) for n in (1, 2, 3)])
    first, second = await _rush(sync_app, [(late, 1), (early, 1)])
    assert first.json()["device"] == {"acked_through": 0, "gaps": [[1, 3]], "wiped": False}
    assert second.json()["device"] == {"acked_through": 5, "gaps": [], "wiped": False}
    assert (await Device.get(id=device)).acked_through == 5
