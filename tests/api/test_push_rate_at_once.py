"""The push rate's bucket is taken in one statement (sync.rate; on PostgreSQL outside the push's
transaction, issue #19): pushes sent at the same moment still take one token each, never the same one."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from sync.models import Event
from tests.api.events import one_event

BURST = 6


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, push_burst=BURST, push_per_min=1)  # no token comes back during the test


async def test_pushes_sent_at_the_same_moment_take_one_token_each(tablet_ana, scheduled_visit):
    pushes = [[one_event(scheduled_visit.id, seq, "note", {"text": f"note {seq}"})] for seq in range(1, 2 * BURST + 1)]

    answers = await asyncio.gather(*(tablet_ana.push(events) for events in pushes))

    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200] * BURST + [429] * BURST
    assert all(a.json()["code"] == "push_rate" for a in answers if a.status_code == 429)
    assert await Event.filter(device_id=tablet_ana.device_id).count() == BURST
