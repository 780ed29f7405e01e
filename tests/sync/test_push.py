"""Push semantics (DESIGN section 5): nothing dropped, nothing stored twice."""

from __future__ import annotations

import asyncio
import uuid

from sync.models import Device, Event, Quarantine
from tests.sync.conftest import as_user, batch, event, skewed


async def push(http, device, events, user=1, **kw):
    return await http.post("/api/sync/push", json=batch(device, events, **kw), headers=as_user(user))


async def test_accepted_events_get_increasing_server_seq_in_batch_order(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    response = await push(http, device, [event(visit, n) for n in (1, 2, 3)])
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted"] * 3
    seqs = [r["server_seq"] for r in results]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert await Event.all().count() == 3


async def test_pushing_same_batch_twice_creates_no_duplicates(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    body = batch(device, [event(visit, n) for n in (1, 2)])
    first = (await http.post("/api/sync/push", json=body, headers=as_user(1))).json()
    second = (await http.post("/api/sync/push", json=body, headers=as_user(1))).json()
    assert [r["status"] for r in second["results"]] == ["duplicate", "duplicate"]
    assert [r["server_seq"] for r in second["results"]] == [r["server_seq"] for r in first["results"]]
    assert await Event.all().count() == 2


async def test_pushing_same_batch_ten_times_concurrently_stores_each_event_once(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    body = batch(device, [event(visit, n) for n in range(1, 21)])
    responses = await asyncio.gather(*(http.post("/api/sync/push", json=body, headers=as_user(1)) for _ in range(10)))
    assert all(r.status_code == 200 for r in responses)
    statuses = [r["status"] for resp in responses for r in resp.json()["results"]]
    assert statuses.count("accepted") == 20 and statuses.count("duplicate") == 180
    assert await Event.all().count() == 20


async def test_same_id_different_content_is_quarantined_not_overwritten(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    original = event(visit, 1, payload={"text": "first"})
    await push(http, device, [original])
    impostor = {**original, "payload": {"text": "second"}}
    result = (await push(http, device, [impostor])).json()["results"][0]
    assert result["status"] == "collision" and result["code"] == "collision"
    stored = await Event.get(id=original["id"])
    assert stored.payload == {"text": "first"}
    copy = await Quarantine.get(event_id=original["id"])
    assert copy.sent["payload"] == {"text": "second"}
    again = (await push(http, device, [impostor])).json()["results"][0]
    assert again["status"] == "collision" and await Quarantine.all().count() == 1


async def test_invalid_event_is_quarantined_and_acknowledged_never_dropped(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    bad = event(visit, 1, kind="bad.kind")
    response = (await push(http, device, [bad, event(visit, 2)])).json()
    assert [r["status"] for r in response["results"]] == ["quarantined", "accepted"]
    assert response["results"][0]["reason"] == "bad.kind is not known here."
    assert response["device"]["acked_through"] == 2  # a quarantined event is acknowledged
    held = await Quarantine.get(event_id=bad["id"])
    assert held.sent == bad and held.code == "invalid_payload"
    assert (await push(http, device, [bad])).json()["results"][0]["status"] == "quarantined"
    assert await Quarantine.all().count() == 1


async def test_event_with_unreadable_fields_is_quarantined_with_a_reason(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    no_zone = event(visit, 1, occurred_at="2026-11-23T10:00:00")
    no_kind = event(visit, 2)
    del no_kind["kind"]
    results = (await push(http, device, [no_zone, no_kind])).json()["results"]
    assert [r["status"] for r in results] == ["quarantined", "quarantined"]
    assert "time zone" in results[0]["reason"] and "missing kind" in results[1]["reason"]


async def test_event_for_a_visit_the_user_may_not_write_is_quarantined(http, policy):
    device, visit = uuid.uuid4(), uuid.uuid4()
    policy.closed_visits.add(visit)
    result = (await push(http, device, [event(visit, 1)])).json()["results"][0]
    assert result["status"] == "quarantined" and result["code"] == "not_writable"
    assert await Event.all().count() == 0


async def test_malformed_envelope_is_refused_whole_and_nothing_stored(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    without_id = event(visit, 2)
    del without_id["id"]
    response = await push(http, device, [event(visit, 1), without_id])
    assert response.status_code == 400 and response.json()["code"] == "malformed_push"
    bad_seq = await push(http, device, [event(visit, 0)])
    assert bad_seq.status_code == 400
    missing_device = await http.post("/api/sync/push", json={"protocol": 1, "events": []}, headers=as_user(1))
    assert missing_device.status_code == 400 and "device_id" in missing_device.json()["detail"]
    assert await Event.all().count() == 0 and await Quarantine.all().count() == 0


async def test_an_event_that_is_not_an_object_or_has_a_non_text_id_refuses_the_push_naming_it(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    cases = [(["not", "an", "event"], "Event 1 is not an object."), ("text", "Event 1 is not an object."),
             (7, "Event 1 is not an object."), ({**event(visit, 2), "id": 12345}, "Event 1 has no valid id."),
             ({**event(visit, 2), "id": None}, "Event 1 has no valid id.")]
    for second, detail in cases:
        response = await push(http, device, [event(visit, 1), second])
        assert response.status_code == 400 and response.json()["code"] == "malformed_push"
        assert response.json()["detail"] == detail
    not_a_list = await http.post("/api/sync/push", json={"protocol": 1, "device_id": str(device), "batch_id": str(device),
                                                        "sent_at": "2026-01-01T00:00:00Z", "events": {}}, headers=as_user(1))
    assert not_a_list.status_code == 400 and "events" in not_a_list.json()["detail"]
    assert await Event.all().count() == 0 and await Quarantine.all().count() == 0


async def test_more_than_5000_events_is_413_telling_the_client_to_split(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    response = await push(http, device, [event(visit, n, payload={}) for n in range(1, 5002)])
    assert response.status_code == 413 and "split" in response.json()["detail"]
    assert await Event.all().count() == 0


async def test_more_than_5_mb_is_413_telling_the_client_to_split(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    big = [event(visit, n, payload={"text": "x" * 600_000}) for n in range(1, 10)]
    response = await push(http, device, big)
    assert response.status_code == 413 and "split" in response.json()["detail"]


async def test_repeats_inside_one_batch_are_duplicates_or_collisions(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    first = event(visit, 1)
    changed = {**first, "payload": {"text": "changed"}}
    results = (await push(http, device, [first, first, changed, changed])).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "duplicate", "collision", "collision"]
    assert await Event.all().count() == 1 and await Quarantine.all().count() == 1


async def test_device_is_bound_to_its_first_user_and_refused_to_others(http, policy):
    device, visit = uuid.uuid4(), uuid.uuid4()
    assert (await push(http, device, [event(visit, 1)], user=1)).status_code == 200
    refused = await push(http, device, [event(visit, 2)], user=2)
    assert refused.status_code == 403 and refused.json()["code"] == "device_refused"
    assert ("sync.device_refused", "denied", {"device_id": str(device), "code": "device_refused"}) in policy.records
    assert await Event.all().count() == 1


async def test_revoked_device_is_refused_and_told_to_wipe(http):
    from datetime import datetime, timezone

    device, visit = uuid.uuid4(), uuid.uuid4()
    await push(http, device, [event(visit, 1)])
    await Device.filter(id=device).update(revoked_at=datetime.now(timezone.utc))
    refused = await push(http, device, [event(visit, 2)])
    assert refused.status_code == 403 and refused.json()["code"] == "device_revoked"
    assert "wiped" in refused.json()["detail"]


async def test_session_bound_to_one_device_cannot_push_as_another(http):
    mine, other, visit = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    response = await http.post("/api/sync/push", json=batch(other, [event(visit, 1)]), headers=as_user(1, device=mine))
    assert response.status_code == 403 and response.json()["code"] == "session_device_mismatch"


async def test_gaps_are_reported_and_later_events_are_not_blocked(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    response = (await push(http, device, [event(visit, n) for n in (1, 2, 5, 6, 9)])).json()
    assert all(r["status"] == "accepted" for r in response["results"])
    assert response["device"] == {"acked_through": 2, "gaps": [[3, 4], [7, 8]], "wiped": False}
    filled = (await push(http, device, [event(visit, n) for n in (3, 4)])).json()
    assert filled["device"] == {"acked_through": 6, "gaps": [[7, 8]], "wiped": False}


async def test_device_restarting_at_one_is_reported_as_a_wiped_store(http, policy):
    device, visit = uuid.uuid4(), uuid.uuid4()
    await push(http, device, [event(visit, n) for n in (1, 2, 3)])
    restarted = (await push(http, device, [event(visit, 1)])).json()
    assert restarted["results"][0]["status"] == "accepted"  # still never dropped
    assert restarted["device"]["wiped"] is True
    stored = await Event.get(id=restarted["results"][0]["id"])
    assert "device_seq_reused" in stored.flags
    assert (await Device.get(id=device)).wiped_at is not None


async def test_clock_offset_is_estimated_and_future_events_flagged_never_rejected(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    ahead = skewed(+60).isoformat()  # the tablet clock runs an hour fast
    honest = event(visit, 1, occurred_at=ahead, recorded_at=ahead)
    response = (await push(http, device, [honest], sent_at=skewed(+60))).json()
    assert -3_600_500 < response["clock_offset_ms"] < -3_599_000
    assert "future_time" not in (await Event.get(id=honest["id"])).flags  # corrected by the offset
    future = skewed(+30).isoformat()
    typo = event(visit, 2, occurred_at=future, recorded_at=future)
    result = (await push(http, device, [typo])).json()["results"][0]
    assert result["status"] == "accepted"
    assert "future_time" in (await Event.get(id=typo["id"])).flags


async def test_host_projects_touched_visits_in_the_push(http, policy):
    device, a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await push(http, device, [event(a, 1), event(b, 2), event(a, 3), event(c, 4, kind="bad.kind")])
    assert policy.projected == [{a, b, c}]  # c holds only a quarantined entry: the host may flag it


async def test_a_resolving_event_marks_the_quarantined_one_resolved_without_editing_it(http):
    device, visit = uuid.uuid4(), uuid.uuid4()
    bad = event(visit, 1, kind="bad.kind")
    await push(http, device, [bad])
    fix = event(visit, 2, resolves=bad["id"])
    assert (await push(http, device, [fix])).json()["results"][0]["status"] == "accepted"
    held = await Quarantine.get(event_id=bad["id"])
    assert str(held.resolved_by) == fix["id"] and held.sent == bad
    listed = (await http.get("/api/sync/quarantine", headers=as_user(1))).json()["quarantined"]
    assert listed[0]["resolved_by"] == fix["id"] and listed[0]["reason"] == "bad.kind is not known here."
