"""A visit's record keeps the order it ran on (server.services.order_as_run): the pharmacist edits an order
for the next visit, and the signed record of the last one, its alerts, its "ordered", the physician's
summary and the FHIR document, stays as it was. A visit still running follows the edit, so a change made
mid-visit reaches the nurse; an end recorded offline before the edit keeps the order it ran on."""

from __future__ import annotations

from server.db.models import Order, Visit
from server.services import visits
from server.services.local_time import LocalTime
from server.services.summary import build_summary, signoff_seq
from tests.api.events import one_event, script_started
from tests.clinical import visits as scripted
from tests.clinical.script import VisitScript
from tests.review import scripts
from tests.review.scripts import events_for
from tests.server.test_pharmacy_pages import edit_order

# 140 g (ticked as meant), and a cap the tolerated climb passed
EDIT = {"dose_g_per_kg": "2.0", "rate_cap_ml_h": "100", "dose_differs": "on"}


async def fhir_document(desk, visit: Visit) -> dict:
    document = (await desk.get(f"/visits/{visit.id}/fhir")).json()
    document.pop("timestamp")  # when the document was generated
    return document


async def test_an_order_edited_after_its_visit_was_signed_leaves_the_visits_record_as_it_ran(
    push_visit, desk, post_form, nurse_ana, patient_pat
):
    visit = await push_visit(nurse_ana, patient_pat, scripts.tolerated())
    assert (await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "Reviewed.", "alerts_reviewed": "on"})).status_code == 303
    state_before = (await visits.state_of(visit)).to_dict()
    fhir_before = await fhir_document(desk, visit)
    assert state_before["infusion"]["grams_ordered"] == 70.0 and state_before["protocol"]["limit_source"] != "order_cap"

    order = await Order.get(id=visit.order_id)
    assert (await edit_order(desk, order, **EDIT)).status_code == 303
    assert (await Order.get(id=order.id)).revision == 2

    assert (await visits.state_of(visit)).to_dict() == state_before
    assert await fhir_document(desk, visit) == fhir_before
    assert (await Visit.get(id=visit.id)).alert_count == len(state_before["alerts"])
    await visits.project(visit)
    assert (await Visit.get(id=visit.id)).alert_count == len(state_before["alerts"])
    review = (await desk.get(f"/review/visits/{visit.id}")).text
    assert "rev. 1 (as the visit ran on it;" in review
    assert "edited since: now rev. 2" in review
    summary = (await desk.get(f"/visits/{visit.id}/summary")).text
    assert "70 g ordered (1 g/kg × 70 kg)" in summary and "140 g ordered" not in summary


def running_script():
    """Started 300 minutes ago, climbed to 350 mL/h, still running (no stop, no end)."""
    s = script_started(300)
    scripted.prelude(s)
    scripted.titrate(s)
    return s


async def push_rest(tablet, visit: Visit, script: VisitScript, already: int) -> None:
    """The script's events after the first `already` (pushed before), from the same tablet."""
    rest = VisitScript(start=script.t0.isoformat())
    rest.events = script.events[already:]
    events = events_for(rest, visit, first_seq=tablet.next_seq)
    tablet.next_seq += len(events)
    results = (await tablet.push(events)).json()["results"]
    assert {r["status"] for r in results} == {"accepted"}, results


async def test_a_running_visit_follows_an_order_edited_mid_visit(push_visit, desk, nurse_ana, patient_pat):
    visit = await push_visit(nurse_ana, patient_pat, running_script())
    assert (await visits.state_of(visit)).to_dict()["protocol"]["limit_source"] != "order_cap"

    assert (await edit_order(desk, await Order.get(id=visit.order_id), **EDIT)).status_code == 303

    state = (await visits.state_of(visit)).to_dict()
    assert (state["protocol"]["limit_ml_h"], state["protocol"]["limit_source"]) == (100, "order_cap")
    assert state["infusion"]["grams_ordered"] == 140.0
    assert "rate_above_limit" in {alert["rule"] for alert in state["alerts"]}
    assert (await Visit.get(id=visit.id)).alert_count == len(state["alerts"])  # the queue's row, folded again


async def test_an_end_recorded_offline_before_the_edit_keeps_the_order_the_visit_ran_on(
    push_visit, tablet_for, desk, nurse_ana, patient_pat
):
    script = running_script()
    visit = await push_visit(nurse_ana, patient_pat, script)
    pushed = len(script.events)
    scripted.finish(script, stop_at=195)  # stopped and ended offline, before the pharmacist's edit
    assert (await visits.state_of(visit)).to_dict()["infusion"]["grams_ordered"] == 70.0

    assert (await edit_order(desk, await Order.get(id=visit.order_id), **EDIT)).status_code == 303
    assert (await visits.state_of(visit)).to_dict()["infusion"]["grams_ordered"] == 140.0  # running, as far as we know

    await push_rest(await tablet_for(nurse_ana), visit, script, pushed)

    state = (await visits.state_of(visit)).to_dict()
    assert state["status"] == "signed" and state["time_out"] is not None
    assert state["infusion"]["grams_ordered"] == 70.0
    assert state["protocol"]["limit_source"] != "order_cap"


async def push_now(tablet, visit: Visit, kind: str, payload: dict) -> None:
    event = one_event(visit.id, tablet.next_seq, kind, payload)
    tablet.next_seq += 1
    results = (await tablet.push([event])).json()["results"]
    assert [r["status"] for r in results] == ["accepted"], results


async def test_an_end_recorded_again_after_the_sign_off_lets_no_later_edit_into_the_signed_record(
    push_visit, tablet_for, desk, post_form, nurse_ana, patient_pat
):
    visit = await push_visit(nurse_ana, patient_pat, scripts.tolerated())
    assert (await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "Reviewed.", "alerts_reviewed": "on"})).status_code == 303
    signed = (await visits.state_of(visit)).to_dict()
    assert (await edit_order(desk, await Order.get(id=visit.order_id), **EDIT)).status_code == 303

    tablet = await tablet_for(nurse_ana)
    first_end = next(e["id"] for e in await visits.events_of(visit) if e["kind"] == "visit.ended")
    await push_now(tablet, visit, "visit.ended", {"waste_disposed": True})  # tapped again
    await push_now(tablet, visit, "entry.voided", {"target_id": str(first_end), "reason": "time out was wrong"})

    state = (await visits.state_of(visit)).to_dict()
    assert state["infusion"]["grams_ordered"] == 70.0
    assert [a["rule"] for a in state["alerts"]] == [a["rule"] for a in signed["alerts"]]
    signoff = next(r for r in state["reviews"] if r["kind"] == "review.signed")
    as_signed = await build_summary(visit, clock=LocalTime("UTC"), through_seq=await signoff_seq(signoff["event_id"]))
    assert (as_signed.order.revision, as_signed.state["infusion"]["grams_ordered"]) == (1, 70.0)


async def test_the_review_of_a_visit_still_running_is_folded_to_now(push_visit, desk, nurse_ana, patient_pat):
    """Found in review: the review page folded a running visit to its last entry, so a pump started 40 min
    ago at 35 mL/h showed a step of no length and no overdue vital signs."""
    script = script_started(90)
    scripted.prelude(script)
    script.start(50, rate_ml_h=35)
    visit = await push_visit(nurse_ana, patient_pat, script)
    summary = await build_summary(visit, clock=LocalTime("UTC"))
    step = summary.state["segments"][-1]
    assert step["end"] is None and step["duration_min"] >= 39
    assert "vitals_overdue" in {alert["rule"] for alert in summary.state["alerts"]}
    assert (await desk.get(f"/review/visits/{visit.id}")).status_code == 200
