"""Rule: one user may push only so fast (a token bucket in the database, shared by every server
process and every tablet of the user); past it the push is refused whole (429 `push_rate`, with
Retry-After), nothing of it stored, and the tablet sends it again.

Penetration test, issue 16 item 9: an unassigned nurse sent 200 pushes in 1.4 s.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timezone

import pytest

from server.db.models import Session
from sync.models import Event, PushRate, Quarantine
from tests.api.conftest import scheduled_visit, tablet_ana  # noqa: F401 (fixtures)
from tests.api.events import one_event

BURST = 10


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, push_burst=BURST, push_per_min=6)  # then one every 10 s


async def test_past_the_burst_a_push_is_refused_429_with_retry_after_and_stored_when_sent_again(tablet_ana, scheduled_visit):
    for seq in range(1, BURST + 1):
        answer = await tablet_ana.push([one_event(scheduled_visit.id, seq, "note", {"text": f"note {seq}"})])
        assert answer.status_code == 200, seq
    late = one_event(scheduled_visit.id, BURST + 1, "note", {"text": "one too many"})

    refused = await tablet_ana.push([late])

    assert refused.status_code == 429 and refused.json()["code"] == "push_rate"
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    assert not await Event.filter(id=late["id"]).exists() and not await Quarantine.filter(event_id=late["id"]).exists()
    await PushRate.all().update(full_at=0)  # the bucket refilled meanwhile
    again = await tablet_ana.push([late])
    assert again.status_code == 200 and again.json()["results"][0]["status"] == "accepted"


async def test_every_tablet_of_the_user_draws_on_the_same_bucket(client_factory, nurse_ana, tablet_ana, scheduled_visit):
    for seq in range(1, BURST + 1):
        await tablet_ana.push([one_event(scheduled_visit.id, seq, "note", {"text": "a"})])
    other_id = uuid.uuid4()
    other = await client_factory(nurse_ana, device_id=str(other_id), device_label="second tablet")
    from tests.api.events import push_body

    answer = await other.post("/api/sync/push", json=push_body(other_id, [one_event(scheduled_visit.id, 1, "note", {"text": "b"})]))
    assert answer.status_code == 429 and answer.json()["code"] == "push_rate"


async def test_another_user_is_not_slowed_by_a_flooding_colleague(client_factory, nurse_ben, tablet_ana, scheduled_visit):
    device_id = uuid.uuid4()
    ben = await client_factory(nurse_ben, device_id=str(device_id), device_label="ben")
    from tests.api.events import push_body

    flood = [await ben.post("/api/sync/push", json=push_body(device_id, [one_event(scheduled_visit.id, seq, "note", {"text": "x"})]))
             for seq in range(1, 3 * BURST)]
    assert sum(a.status_code == 429 for a in flood) >= BURST
    answer = await tablet_ana.push([one_event(scheduled_visit.id, 1, "note", {"text": "her own"})])
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "accepted"


async def test_a_push_on_an_ended_session_takes_nothing_from_its_users_bucket(tablet_ana, nurse_ana, scheduled_visit):
    assert (await tablet_ana.push([one_event(scheduled_visit.id, 1, "note", {"text": "hers"})])).status_code == 200
    full_at = (await PushRate.get(user_id=nurse_ana.id)).full_at
    await Session.filter(user_id=nurse_ana.id).update(revoked_at=datetime.now(timezone.utc))  # logged out, say

    refused = [await tablet_ana.push([one_event(scheduled_visit.id, seq, "note", {"text": "a copied cookie's"})])
               for seq in range(2, 2 + 2 * BURST)]

    assert {answer.status_code for answer in refused} == {401}
    assert (await PushRate.get(user_id=nurse_ana.id)).full_at == full_at  # her next tablet's push is not slowed
