"""One visit holds at most `MAX_VISIT_EVENTS` entries (penetration test: a nurse pushed 20,000 notes into her
own visit; its review page took 8 s, its FHIR 7 s, and the single process stalled for everyone meanwhile).
Entries past the bound are kept aside with the reason, never dropped; a retry gets the same answers."""

from __future__ import annotations

import time

from sync.models import Event, Quarantine
from sync.protocol import MAX_VISIT_EVENTS
from tests.api.events import one_event


def notes(visit_id, first_seq: int, count: int) -> list[dict]:
    return [one_event(visit_id, first_seq + n, "note", {"text": f"Note {first_seq + n}"}) for n in range(count)]


async def test_entries_past_the_most_a_visit_holds_are_kept_aside_and_a_retry_gets_the_same_answers(
        tablet_for, nurse_ana, scheduled_visit_for_desk, desk):
    tablet_ana, scheduled_visit = await tablet_for(nurse_ana), scheduled_visit_for_desk
    first = await tablet_ana.push(notes(scheduled_visit.id, 1, MAX_VISIT_EVENTS - 2))
    assert {r["status"] for r in first.json()["results"]} == {"accepted"}
    batch = notes(scheduled_visit.id, MAX_VISIT_EVENTS - 1, 5)
    answers = [(await tablet_ana.push(batch)).json()["results"] for _ in range(2)]  # the second is a retry
    for results, stored in zip(answers, ("accepted", "duplicate")):
        assert [r["status"] for r in results] == [stored, stored, "quarantined", "quarantined", "quarantined"]
        assert {r["code"] for r in results[2:]} == {"visit_full"}
        assert f"This visit holds {MAX_VISIT_EVENTS:,} entries, the most one visit may hold" in results[2]["reason"]
    assert await Event.filter(visit_id=scheduled_visit.id).count() == MAX_VISIT_EVENTS
    assert await Quarantine.filter(visit_id=scheduled_visit.id, code="visit_full").count() == 3  # kept, not dropped

    later = await tablet_ana.push(notes(scheduled_visit.id, MAX_VISIT_EVENTS + 10, 1))
    assert later.json()["results"][0]["code"] == "visit_full"
    started = time.perf_counter()
    page = await desk.get(f"/review/visits/{scheduled_visit.id}")
    took = time.perf_counter() - started
    assert page.status_code == 200 and took < 3, took  # a full visit's page stays quick (20,000 notes took 8 s)


async def test_the_last_place_goes_to_an_entry_that_is_stored_not_to_one_refused_for_another_reason(
        tablet_for, nurse_ana, scheduled_visit_for_desk):
    """Before, a correction refused as not correctable still took the visit's last place, and the note
    after it was kept aside as "visit full" in a visit that had room for it."""
    tablet_ana, scheduled_visit = await tablet_for(nurse_ana), scheduled_visit_for_desk
    signature = one_event(scheduled_visit.id, MAX_VISIT_EVENTS - 1, "signature",
                          {"role": "nurse", "name": "Ana", "statement": "Care given as recorded."})
    filled = await tablet_ana.push(notes(scheduled_visit.id, 1, MAX_VISIT_EVENTS - 2) + [signature])
    assert {r["status"] for r in filled.json()["results"]} == {"accepted"}  # one place left
    void = one_event(scheduled_visit.id, MAX_VISIT_EVENTS, "entry.voided",
                     {"target_id": signature["id"], "reason": "Signed the wrong visit."})
    results = (await tablet_ana.push([void, *notes(scheduled_visit.id, MAX_VISIT_EVENTS + 1, 2)])).json()["results"]
    assert [(r["status"], r.get("code")) for r in results] == [
        ("quarantined", "not_correctable"), ("accepted", ""), ("quarantined", "visit_full")]
    assert await Event.filter(visit_id=scheduled_visit.id).count() == MAX_VISIT_EVENTS


async def test_a_pharmacists_desk_entry_on_a_full_visit_is_refused_too(
        tablet_for, nurse_ana, scheduled_visit_for_desk, desk, post_form):
    tablet_ana, scheduled_visit = await tablet_for(nurse_ana), scheduled_visit_for_desk
    await tablet_ana.push(notes(scheduled_visit.id, 1, MAX_VISIT_EVENTS))
    await tablet_ana.push([one_event(scheduled_visit.id, MAX_VISIT_EVENTS + 1, "visit.ended", {"waste_disposed": True})])
    answer = await post_form(desk, f"/review/visits/{scheduled_visit.id}/interventions",
                             {"kind": "other", "text": "Called the patient."})
    assert answer.status_code in (409, 422) and "the most one visit may hold" in answer.text
