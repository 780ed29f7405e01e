"""Rule: a user and a tablet may have only so much kept aside in a day; past it the push is refused
whole (429, Retry-After, code `held_quota`) and stored later, never accepted and discarded.

Penetration test, issue 16 item 9: an unassigned nurse pushed 200 entries in 1.4 s and three of
4.9 MB at a visit she may not write; all 19 MB were kept. Nothing a device sends may be dropped,
so the bound makes the tablet wait (its outbox keeps every entry) instead of losing anything.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from tortoise.functions import Length, Sum

from server.db.models import Order, Visit
from sync.models import Device, Event, Quarantine
from tests.api.conftest import Tablet, scheduled_visit  # noqa: F401 (a fixture)
from tests.api.events import one_event

ROWS = 30


@pytest.fixture
def settings(settings):
    """The same server with a small row quota, so the test pushes little to reach it."""
    return dataclasses.replace(settings, held_max_rows=ROWS)


@pytest.fixture
async def ben(client_factory, nurse_ben) -> Tablet:
    device_id = uuid.uuid4()
    return Tablet(await client_factory(nurse_ben, device_id=str(device_id), device_label="ben"), device_id)


async def stuff(tablet: Tablet, visit_id, count: int, text: str = "stuffing") -> list:
    answers = []
    for _ in range(count):
        answers.append(await tablet.push([one_event(visit_id, tablet.next_seq, "note", {"text": text})]))
        tablet.next_seq += 1
    return answers


async def test_past_the_quota_a_push_is_refused_429_with_retry_after_and_nothing_of_it_is_stored(ben, scheduled_visit):
    kept = await stuff(ben, scheduled_visit.id, ROWS)
    assert {a.json()["results"][0]["status"] for a in kept} == {"quarantined"}

    refused = (await stuff(ben, scheduled_visit.id, 1))[0]

    assert refused.status_code == 429 and refused.json()["code"] == "held_quota"
    assert int(refused.headers["Retry-After"]) > 0
    assert "keeps every entry" in refused.json()["detail"]
    assert await Quarantine.filter(author_id=(await Device.get(id=ben.device_id)).user_id).count() == ROWS
    assert (await Device.get(id=ben.device_id)).acked_through == ROWS  # the refused seq is not marked as stored


async def test_a_refused_push_is_stored_whole_when_sent_again_after_the_window(ben, scheduled_visit):
    await stuff(ben, scheduled_visit.id, ROWS)
    again = one_event(scheduled_visit.id, ROWS + 1, "note", {"text": "sent again later"})
    assert (await ben.push([again])).status_code == 429

    await Quarantine.all().update(received_at=datetime.now(timezone.utc) - timedelta(hours=25))  # a day later

    answer = await ben.push([again])
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "quarantined"
    assert await Quarantine.filter(event_id=again["id"]).count() == 1


async def test_over_the_quota_a_nurse_still_stores_entries_for_her_own_patients(ben, nurse_ben, patient_sam, scheduled_visit):
    await stuff(ben, scheduled_visit.id, ROWS)
    own = await Visit.create(id=uuid.uuid4(), organization_id=patient_sam.organization_id, patient=patient_sam,
                             order=await Order.get(patient=patient_sam), nurse=nurse_ben,
                             scheduled_at=datetime.now(timezone.utc))
    entry = one_event(own.id, ROWS + 1, "note", {"text": "pump checked"})
    answer = await ben.push([entry])
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "accepted"
    assert await Event.filter(id=entry["id"]).exists()


async def test_the_quota_counts_every_tablet_of_the_user(client_factory, nurse_ben, ben, scheduled_visit):
    await stuff(ben, scheduled_visit.id, ROWS)
    second_id = uuid.uuid4()
    second = Tablet(await client_factory(nurse_ben, device_id=str(second_id), device_label="ben 2"), second_id)
    assert (await stuff(second, scheduled_visit.id, 1))[0].status_code == 429


async def test_the_reported_attack_keeps_at_most_the_size_quota_and_every_view_stays_small(
    ben, scheduled_visit, settings, client_factory, pharmacist_pia
):
    """200 quick pushes and three of 4.9 MB (ROWS entries at most here; the size quota is the default)."""
    answers = await stuff(ben, scheduled_visit.id, 200)
    answers += await stuff(ben, scheduled_visit.id, 3, text="x" * int(4.9 * 1000 * 1000))
    assert {a.status_code for a in answers} == {200, 429}
    held = Quarantine.filter(visit_id=scheduled_visit.id)
    assert await held.count() <= ROWS
    size = int((await held.annotate(chars=Sum(Length("sent_json"))).values("chars"))[0]["chars"])
    assert size <= settings.held_max_mb * 1024 * 1024
    visit = await (await client_factory(pharmacist_pia)).get(f"/api/visits/{scheduled_visit.id}")
    page = await (await client_factory(pharmacist_pia)).get("/quarantine")
    assert len(visit.content) < 400_000 and len(page.content) < 400_000


async def test_the_size_quota_refuses_a_second_large_push(client_factory, nurse_ben, scheduled_visit):
    device_id = uuid.uuid4()
    tablet = Tablet(await client_factory(nurse_ben, device_id=str(device_id), device_label="ben"), device_id)
    big = "x" * int(4.9 * 1000 * 1000)
    first, second = await stuff(tablet, scheduled_visit.id, 2, text=big)
    assert first.status_code == 200 and second.status_code == 429 and second.json()["code"] == "held_quota"
