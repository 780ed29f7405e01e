"""A nurse learns nothing about visits she may not write: "not yours" and "does not exist" get one
answer (the audit log keeps the precise reason for the pharmacy), and her own offline visit still
recovers when its entries reach the server before its `visit.started`."""

from __future__ import annotations

import uuid

from server.db.models import AuditEntry, Visit
from sync.models import Quarantine
from tests.api.events import one_event, push_body


async def test_an_unassigned_nurse_gets_one_answer_for_a_visit_not_hers_and_a_visit_that_does_not_exist(
    writer_for, nurse_ben, scheduled_visit
):
    ben = await writer_for(nurse_ben)
    not_hers = await ben.push(scheduled_visit.id, "note", {"text": "wrong chart"})
    nowhere = await ben.push(uuid.uuid4(), "note", {"text": "wrong chart"})
    assert not_hers["status"] == nowhere["status"] == "quarantined"
    assert (not_hers["code"], not_hers["reason"]) == (nowhere["code"], nowhere["reason"])
    assert not_hers["code"] == "not_writable" and "exist" not in nowhere["reason"]
    audited = await AuditEntry.filter(action="sync.not_writable", user_id=nurse_ben.id).order_by("id")
    assert [(a.outcome, a.detail["event_id"], a.detail["reason"]) for a in audited] == [
        ("denied", not_hers["event_id"], "not_assigned"), ("denied", nowhere["event_id"], "unknown_visit")]


async def test_an_entry_pushed_ahead_of_its_visit_started_in_the_same_push_is_accepted(
    writer_for, nurse_ana, patient_pat
):
    ana = await writer_for(nurse_ana)
    visit_id = uuid.uuid4()
    note = one_event(visit_id, 1, "note", {"text": "arrived early"})
    started = one_event(visit_id, 2, "visit.started", {"patient_id": str(patient_pat.id), "location": None})
    response = await ana.client.post("/api/sync/push", json=push_body(ana.device_id, [note, started]))
    assert [r["status"] for r in response.json()["results"]] == ["accepted", "accepted"]
    assert await Visit.exists(id=visit_id)


async def test_an_entry_that_reached_the_server_before_its_visit_started_is_recovered_by_correcting_it(
    writer_for, nurse_ana, patient_pat
):
    ana = await writer_for(nurse_ana)
    visit_id = uuid.uuid4()
    early = await ana.push(visit_id, "note", {"text": "premeds given"})
    assert (early["status"], early["code"]) == ("quarantined", "not_writable")
    await ana.accepted(visit_id, "visit.started", {"patient_id": str(patient_pat.id), "location": None})
    again = await ana.push(visit_id, "note", {"text": "premeds given"}, resolves=early["event_id"])
    assert again["status"] == "accepted"
    held = await Quarantine.get(event_id=early["event_id"])
    assert str(held.resolved_by) == again["event_id"]
