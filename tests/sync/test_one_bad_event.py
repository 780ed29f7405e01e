"""One unusable event never fails the whole push: a push that fails fails again on every retry,
and the rest of the tablet's batch (a whole visit) would never be stored. The event is kept
aside with a reason, or, when the envelope itself cannot be used, the push is refused with a
400 naming the field, before anything is written."""

from __future__ import annotations

import uuid
from sync.models import Event, Quarantine
from tests.sync.conftest import as_user, batch, event


async def push(http, device, events, user=1, **kw):
    return await http.post("/api/sync/push", json=batch(device, events, **kw), headers=as_user(user))


async def test_a_content_check_that_fails_keeps_that_event_aside_and_stores_the_rest_on_every_retry(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    events = [event(visit, 1), event(visit, 2, kind="crash.kind"), event(visit, 3)]
    for attempt in ("first", "retry"):
        response = await push(http, device, events)
        assert response.status_code == 200, attempt
        statuses = [r["status"] for r in response.json()["results"]]
        assert statuses == (["accepted", "quarantined", "accepted"] if attempt == "first"
                            else ["duplicate", "quarantined", "duplicate"])
        assert response.json()["results"][1]["code"] == "check_failed"
    assert await Event.all().count() == 2 and await Quarantine.all().count() == 1


async def test_an_unreadable_resolves_keeps_that_event_aside_instead_of_failing_the_push(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    events = [event(visit, 1), event(visit, 2, resolves="not-an-id"), event(visit, 3, resolves=17)]
    results = (await push(http, device, events)).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "quarantined", "quarantined"]
    assert {r["reason"] for r in results[1:]} == {"resolves must be the id of the entry this one corrects."}


async def test_a_time_with_no_utc_equivalent_keeps_that_event_aside(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    early = event(visit, 1, occurred_at="0001-01-01T00:00:00+01:00")
    late = event(visit, 2, recorded_at="9999-12-31T23:59:59-01:00")
    results = (await push(http, device, [early, late, event(visit, 3)])).json()["results"]
    assert [r["status"] for r in results] == ["quarantined", "quarantined", "accepted"]
    assert "in the years 2 to 9998" in results[0]["reason"]


async def test_a_sent_at_with_no_utc_equivalent_refuses_the_push_naming_it(http):
    body = batch(uuid.uuid4(), [event(uuid.uuid4(), 1)])
    body["sent_at"] = "0001-01-01T00:00:00+01:00"
    response = await http.post("/api/sync/push", json=body, headers=as_user(1))
    assert response.status_code == 400 and "sent_at" in response.json()["detail"]
    assert await Event.all().count() == 0


async def test_a_device_seq_beyond_64_bits_refuses_the_push_naming_the_event(http):
    response = await push(http, uuid.uuid4(), [event(uuid.uuid4(), 1), event(uuid.uuid4(), 2**63)])
    assert response.status_code == 400
    assert response.json()["detail"] == "Event 1 has no valid device_seq (a whole number from 1 to 9223372036854775807)."
    assert await Event.all().count() == 0


async def test_a_correction_resolves_only_its_own_authors_held_entry(http):
    visit, device = uuid.uuid4(), uuid.uuid4()
    held = event(visit, 1, kind="bad.kind")
    await push(http, device, [held], user=1)
    other = await push(http, uuid.uuid4(), [event(visit, 1, resolves=held["id"])], user=2)
    assert other.json()["results"][0]["status"] == "accepted"
    assert (await Quarantine.get(event_id=held["id"])).resolved_by is None  # user 2 cannot close user 1's entry
    own = event(visit, 2, resolves=held["id"])
    await push(http, device, [own], user=1)
    assert str((await Quarantine.get(event_id=held["id"])).resolved_by) == own["id"]


async def test_correcting_a_held_entry_of_another_visit_refreshes_that_visits_projection(http, policy):
    device, held_visit, visit = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    held = event(held_visit, 1, kind="bad.kind")
    await push(http, device, [held])
    await push(http, device, [event(visit, 2, resolves=held["id"])])
    assert policy.projected[-1] == {visit, held_visit}
