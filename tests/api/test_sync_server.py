"""The sync protocol on the real server: clinical validation, access, projection, audit."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone

from server.db.models import Assignment, AuditEntry, Order, Visit, VisitStatus
from server.services import visits
from sync.models import Event
from tests.api.events import one_event, push_body, readdress, script_started
from tests.clinical import visits as scripted


def tolerated(visit, patient, order_id: int) -> list[dict]:
    script = script_started(minutes_ago=300)
    scripted.prelude(script)
    scripted.titrate(script)
    scripted.finish(script)
    return readdress(script, visit_id=visit.id, patient_id=patient.id, order_id=order_id)


async def test_a_whole_visit_from_a_tablet_is_stored_once_and_projected(tablet_ana, scheduled_visit, patient_pat, projected):
    events = tolerated(scheduled_visit, patient_pat, scheduled_visit.order_id)
    response = await tablet_ana.push(events)
    assert response.status_code == 200
    assert {r["status"] for r in response.json()["results"]} == {"accepted"}, response.json()["results"]
    assert await Event.filter(visit_id=scheduled_visit.id).count() == len(events)
    await projected()
    visit = await Visit.get(id=scheduled_visit.id)
    assert visit.status == VisitStatus.SIGNED
    assert visit.time_in is not None and visit.time_out is not None
    shown = (await tablet_ana.client.get(f"/api/visits/{visit.id}")).json()
    assert shown["state"]["status"] == "signed" and shown["state"]["infusion"]["pump_volume_ml"] == 700
    # Pat has no earlier infusion: a first infusion needs 60 min of observation, the script gave 20.
    assert [a["rule"] for a in shown["state"]["alerts"]] == ["observation_incomplete"]
    assert visit.alert_count == 1


async def test_after_an_earlier_infusion_the_same_visit_raises_no_alert(tablet_ana, scheduled_visit, patient_pat, org, nurse_ana, projected):
    from datetime import timedelta

    await Visit.create(id=uuid.uuid4(), organization=org, patient=patient_pat, order_id=scheduled_visit.order_id,
                       nurse=nurse_ana, scheduled_at=scheduled_visit.scheduled_at - timedelta(weeks=4),
                       status=VisitStatus.REVIEWED, volume_infused_ml=490)  # an infusion ran: volume
    await tablet_ana.push(tolerated(scheduled_visit, patient_pat, scheduled_visit.order_id))
    await projected()
    shown = (await tablet_ana.client.get(f"/api/visits/{scheduled_visit.id}")).json()
    assert shown["state"]["alerts"] == [] and (await Visit.get(id=scheduled_visit.id)).alert_count == 0


async def test_pushing_the_visit_again_changes_nothing(tablet_ana, scheduled_visit, patient_pat):
    events = tolerated(scheduled_visit, patient_pat, scheduled_visit.order_id)
    await tablet_ana.push(events)
    again = await tablet_ana.push(events)
    assert {r["status"] for r in again.json()["results"]} == {"duplicate"}
    assert await Event.filter(visit_id=scheduled_visit.id).count() == len(events)


async def test_invalid_vitals_are_quarantined_with_a_reason_a_nurse_understands(tablet_ana, scheduled_visit, projected):
    bad = one_event(scheduled_visit.id, 1, "vitals", {"temp_c": 53})
    result = (await tablet_ana.push([bad])).json()["results"][0]
    assert result["status"] == "quarantined" and result["code"] == "invalid_payload"
    assert "53" in result["reason"] and "32" in result["reason"] and "43" in result["reason"]
    mine = (await tablet_ana.client.get("/api/sync/quarantine")).json()["quarantined"]
    assert [q["event_id"] for q in mine] == [bad["id"]]
    shown = (await tablet_ana.client.get(f"/api/visits/{scheduled_visit.id}")).json()
    assert shown["quarantined"][0]["reason"] == result["reason"]
    await projected()
    assert "quarantined" in (await Visit.get(id=scheduled_visit.id)).flags


async def test_huge_and_non_finite_numbers_are_quarantined_with_a_reason_never_answered_with_a_500(tablet_ana, scheduled_visit):
    huge = one_event(scheduled_visit.id, 1, "vitals", {"hr": 1e306})
    fahrenheit = {**one_event(scheduled_visit.id, 2, "vitals", {"temp_f": 1e308}), "schema": 0}
    fine = one_event(scheduled_visit.id, 3, "vitals", {"hr": 80})
    body = push_body(tablet_ana.device_id, [huge, fahrenheit, fine])
    text = json.dumps(body).replace('"hr": 80', '"hr": 80, "spo2": NaN')  # JSON's NaN, as a broken tablet may send
    response = await tablet_ana.client.post("/api/sync/push", content=text, headers={"content-type": "application/json"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["quarantined"] * 3
    assert results[0]["reason"] == "Heart rate Infinity/min is outside 20–250/min"
    assert "finite" in results[1]["reason"] and "finite" in results[2]["reason"]
    accepted = (await tablet_ana.push([one_event(scheduled_visit.id, 4, "vitals", {"hr": 80})])).json()["results"]
    assert accepted[0]["status"] == "accepted"


async def test_nurse_writing_to_a_visit_she_may_not_write_is_quarantined_and_audited(
    client_factory, nurse_ben, scheduled_visit
):
    device = uuid.uuid4()
    ben = await client_factory(nurse_ben, device_id=str(device))
    event = one_event(scheduled_visit.id, 1, "note", {"text": "wrong chart"})
    result = (await ben.post("/api/sync/push", json=push_body(device, [event]))).json()["results"][0]
    assert result["status"] == "quarantined" and result["code"] == "not_writable"
    assert await Event.filter(visit_id=scheduled_visit.id).count() == 0
    audit = await AuditEntry.filter(action="sync.push", user_id=nurse_ben.id).first()
    assert audit.detail["quarantined"] == 1


async def test_tablet_of_another_user_is_refused_and_audited(client_factory, tablet_ana, nurse_ben, scheduled_visit):
    refused_login = await (await client_factory()).post(
        "/api/session", json={"username": "nurse_ben", "password": "correct horse battery staple",
                              "device_id": str(tablet_ana.device_id)})
    assert refused_login.status_code == 403 and refused_login.json()["code"] == "device_refused"
    ben_desk = await client_factory(nurse_ben)
    event = one_event(scheduled_visit.id, 1, "note", {"text": "x"})
    pushed = await ben_desk.post("/api/sync/push", json=push_body(tablet_ana.device_id, [event]))
    assert pushed.status_code == 403 and pushed.json()["code"] == "device_refused"
    assert await AuditEntry.filter(action="sync.device_refused", outcome="denied", user_id=nurse_ben.id).exists()


async def test_revoked_tablet_loses_its_session_and_is_told_to_wipe(client_factory, tablet_ana, scheduled_visit):
    from sync.models import Device

    await Device.filter(id=tablet_ana.device_id).update(revoked_at=datetime.now(timezone.utc))
    refused = await tablet_ana.push([one_event(scheduled_visit.id, 1, "note", {"text": "x"})])
    assert (refused.status_code, refused.json()["code"]) == (403, "device_revoked")
    relogin = await (await client_factory()).post(
        "/api/session", json={"username": "nurse_ana", "password": "correct horse battery staple",
                              "device_id": str(tablet_ana.device_id)})
    assert relogin.status_code == 403 and relogin.json()["code"] == "device_revoked"


async def test_unscheduled_visit_started_offline_creates_the_visit(tablet_ana, patient_pat, projected):
    visit_id = uuid.uuid4()
    started = one_event(visit_id, 1, "visit.started", {"patient_id": str(patient_pat.id), "location": None})
    note = one_event(visit_id, 2, "note", {"text": "patient asked for an earlier slot"})
    results = (await tablet_ana.push([started, note])).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    await projected()
    visit = await Visit.get(id=visit_id)
    assert visit.patient_id == patient_pat.id and visit.status == VisitStatus.IN_PROGRESS


async def test_unscheduled_visit_for_a_patient_not_assigned_is_quarantined(tablet_ana, patient_sam):
    visit_id = uuid.uuid4()
    started = one_event(visit_id, 1, "visit.started", {"patient_id": str(patient_sam.id)})
    result = (await tablet_ana.push([started])).json()["results"][0]
    assert result["status"] == "quarantined" and result["code"] == "not_writable"
    assert not await Visit.exists(id=visit_id)


async def test_starting_a_scheduled_visit_under_another_patient_is_quarantined(tablet_ana, scheduled_visit, patient_sam):
    started = one_event(scheduled_visit.id, 1, "visit.started", {"patient_id": str(patient_sam.id)})
    assert (await tablet_ana.push([started])).json()["results"][0]["code"] == "wrong_patient"


async def test_late_entry_after_review_is_accepted_and_reopens_the_visit(
    client_factory, tablet_ana, pharmacist_pia, scheduled_visit, patient_pat, projected
):
    await tablet_ana.push(tolerated(scheduled_visit, patient_pat, scheduled_visit.order_id))
    desk = await client_factory(pharmacist_pia)
    alerts = len((await visits.state_of(scheduled_visit)).alerts)  # a sign-off says it reviewed them all
    review = one_event(scheduled_visit.id, 1, "review.signed", {"note": "Tolerated; continue plan.", "alerts_reviewed": alerts})
    assert (await desk.post("/api/sync/push", json=push_body(uuid.uuid4(), [review]))).json()["results"][0]["status"] == "accepted"
    await projected()
    assert (await Visit.get(id=scheduled_visit.id)).status == VisitStatus.REVIEWED
    late = one_event(scheduled_visit.id, 100, "note", {"text": "Patient called: mild headache tonight."})
    assert (await tablet_ana.push([late])).json()["results"][0]["status"] == "accepted"
    await projected()
    visit = await Visit.get(id=scheduled_visit.id)
    assert visit.status == VisitStatus.REOPENED and "late_after_review" in visit.flags


async def test_pharmacist_cannot_push_nursing_entries_and_nurse_cannot_sign_reviews(
    client_factory, tablet_ana, pharmacist_pia, scheduled_visit
):
    desk = await client_factory(pharmacist_pia)
    vitals = one_event(scheduled_visit.id, 1, "vitals", {"hr": 80})
    assert (await desk.post("/api/sync/push", json=push_body(uuid.uuid4(), [vitals]))).json()["results"][0]["code"] == "not_allowed"
    review = one_event(scheduled_visit.id, 1, "review.signed", {})
    assert (await tablet_ana.push([review])).json()["results"][0]["code"] == "not_allowed"


async def test_pull_gives_a_nurse_only_her_patients_events(client_factory, tablet_ana, nurse_ben, scheduled_visit, patient_sam):
    await tablet_ana.push([one_event(scheduled_visit.id, 1, "note", {"text": "hello"})])
    mine = (await tablet_ana.client.get("/api/sync/pull?after=0")).json()
    assert [e["visit_id"] for e in mine["events"]] == [str(scheduled_visit.id)]
    ben = await client_factory(nurse_ben)
    assert (await ben.get("/api/sync/pull?after=0")).json()["events"] == []


async def test_a_visit_that_becomes_readable_is_pulled_from_its_start_by_its_id(
    client_factory, tablet_ana, nurse_ben, org, scheduled_visit, patient_pat, patient_sam
):
    await tablet_ana.push([one_event(scheduled_visit.id, 1, "note", {"text": "premeds given"})])
    sams_visit = await Visit.create(id=uuid.uuid4(), organization=org, patient=patient_sam, nurse=nurse_ben,
                                    order=await Order.get(patient=patient_sam), scheduled_at=datetime.now(timezone.utc))
    ben_device = uuid.uuid4()
    ben = await client_factory(nurse_ben, device_id=str(ben_device), device_label="Ben's tablet")
    await ben.post("/api/sync/push", json=push_body(ben_device, [one_event(sams_visit.id, 1, "note", {"text": "hi"})]))
    page = (await ben.get("/api/sync/pull?after=0")).json()
    assert [e["visit_id"] for e in page["events"]] == [str(sams_visit.id)]  # his cursor is now past Pat's note
    refused = await ben.get(f"/api/sync/pull?after=0&visit={scheduled_visit.id}")
    assert refused.status_code == 404 and refused.json()["code"] == "unknown_visit"

    await Assignment.create(organization=org, nurse=nurse_ben, patient=patient_pat, starts_on=date.today())
    assert (await ben.get(f"/api/sync/pull?after={page['next']}")).json()["events"] == []
    backfill = (await ben.get(f"/api/sync/pull?after=0&visit={scheduled_visit.id}")).json()
    assert [e["payload"] for e in backfill["events"]] == [{"text": "premeds given"}] and backfill["more"] is False
    garbage = await ben.get("/api/sync/pull?after=0&visit=Reyes")
    assert garbage.status_code == 400 and "visit" in garbage.json()["detail"]


async def test_reference_holds_everything_for_offline_work_and_honours_its_etag(tablet_ana, scheduled_visit, patient_pat):
    response = await tablet_ana.client.get("/api/reference")
    body = response.json()
    assert [p["id"] for p in body["patients"]] == [patient_pat.id]
    assert [v["id"] for v in body["visits"]] == [str(scheduled_visit.id)]
    context = body["visits"][0]["context"]
    assert context["order"]["product_id"] == "gammagard-liquid-10" and context["patient"]["first_infusion"] is True
    from server.clinical.visit_context import VisitContext

    assert VisitContext.from_dict(context).protocol.id == "gammagard-liquid-10-pi"  # the tablet's fold input
    assert body["orders"][0]["patient_id"] == patient_pat.id
    assert body["products"]["products"] and body["protocols"] and body["rules"]["rules"] and body["ranges"]
    from server.clinical.expressions import FACTS_DOC

    packaged = await tablet_ana.client.get("/app/lazy/facts.json")  # the tablet's copy, precached with its code
    assert packaged.json() == FACTS_DOC  # is the server's own facts document (one file)
    etag = response.headers["etag"]
    cached = await tablet_ana.client.get("/api/reference", headers={"if-none-match": etag})
    assert cached.status_code == 304
    await Visit.filter(id=scheduled_visit.id).update(status="in_progress")
    assert (await tablet_ana.client.get("/api/reference", headers={"if-none-match": etag})).status_code == 200


async def test_visit_list_filters_by_status_and_patient_and_names_a_bad_filter(tablet_ana, scheduled_visit, patient_pat):
    listed = (await tablet_ana.client.get(f"/api/visits?status=scheduled&patient={patient_pat.id}")).json()["visits"]
    assert [v["id"] for v in listed] == [str(scheduled_visit.id)]
    assert (await tablet_ana.client.get("/api/visits?status=in_progress")).json()["visits"] == []
    bad = await tablet_ana.client.get("/api/visits?status=lost")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"


async def test_a_recorded_thrombosis_risk_applies_the_at_risk_rate_cap(tablet_ana, scheduled_visit, patient_pat):
    from server.clinical.visit_context import VisitContext
    from server.db.models import Patient
    from server.services import visits as visit_service

    plain = await visit_service.context_json(scheduled_visit)
    assert plain["patient"]["risk_flags"] == [] and not VisitContext.from_dict(plain).at_risk([])
    await Patient.filter(id=patient_pat.id).update(thrombosis_risk=True)
    risky = await visit_service.context_json(scheduled_visit)
    assert risky["patient"]["risk_flags"] == ["thrombosis"] and VisitContext.from_dict(risky).at_risk([])
    reference = (await tablet_ana.client.get("/api/reference")).json()
    assert reference["visits"][0]["context"]["patient"]["risk_flags"] == ["thrombosis"]
