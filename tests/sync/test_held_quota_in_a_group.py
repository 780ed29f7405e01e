"""The held quota (sync.quota) inside a group commit: pushes decided in the same transaction count
each other's held rows, and a push refused for its quota stores nothing while its neighbours are
stored (it is refused before its rows join the group, not rolled back with them)."""

from __future__ import annotations

import uuid

from sync import engine, writer
from sync.models import Event, Quarantine
from sync.quota import HeldQuota
from tests.sync.conftest import batch, event
from tests.sync.test_group_commit import _rush

ROWS = 10


async def test_pushes_in_one_group_count_each_others_held_rows_and_neighbours_are_stored(sync_app, policy):
    policy.held_quota = HeldQuota(rows=ROWS)
    closed = uuid.uuid4()
    policy.closed_visits.add(closed)
    *stuffers, honest_device = [uuid.uuid4() for _ in range(5)]  # one writer takes what queues (sync.writer)
    stuffing = [batch(device, [event(closed, n) for n in range(1, 5)]) for device in stuffers]
    open_visit = uuid.uuid4()
    honest = batch(honest_device, [event(open_visit, n) for n in range(1, 4)])
    commits_before = engine.WRITER.commits

    responses = await _rush(sync_app, [(body, 1) for body in stuffing] + [(honest, 2)])

    statuses = [r.status_code for r in responses]
    assert statuses[-1] == 200 and statuses[:-1].count(200) == 2 and statuses[:-1].count(429) == 2
    assert {r.json()["code"] for r in responses[:-1] if r.status_code == 429} == {"held_quota"}
    assert await Quarantine.filter(author_id=1).count() == 8  # two pushes of 4 fit in 10; a third would not
    assert await Event.filter(device_id=honest_device).count() == 3
    assert engine.WRITER.commits - commits_before < len(responses)  # they did share a group


async def test_one_users_pushes_decided_by_different_writers_still_share_her_quota(sync_app, policy, monkeypatch):
    """On PostgreSQL a process decides groups side by side (sync.writer); a push that keeps entries
    aside counts them under the order lock, so concurrent groups never both pass on counts missing the other's."""
    policy.held_quota = HeldQuota(rows=ROWS)
    closed = uuid.uuid4()
    policy.closed_visits.add(closed)
    monkeypatch.setattr(writer, "STALL_S", 0)  # every busy writer counts as stalled: the pushes spread over them
    devices = [uuid.uuid4() for _ in range(4)]
    stuffing = [batch(device, [event(closed, n) for n in range(1, 5)]) for device in devices]

    responses = await _rush(sync_app, [(body, 1) for body in stuffing])

    assert sorted(r.status_code for r in responses) == [200, 200, 429, 429]
    assert await Quarantine.filter(author_id=1).count() == 8
