"""What a finished infusion hands over to the patient's next one (server/services/handover.py), through the
real stack: the nurse's tablet pushes a visit with a reaction, the pharmacist reviews it from the desk's
forms, and the next visit's state (GET /api/visits/{id}, the tablet's reference) carries the reaction, the
pharmacist's words, and the rate the pharmacist set as the target (CLINICAL 2, 5)."""

from __future__ import annotations

import html
import uuid
from datetime import datetime, timezone
from typing import Any

from server.db.models import Order, Patient, Visit
from server.services.handover import NOTES_KEPT, REACTIONS_KEPT, TEXT_KEPT, merged
from tests.api.events import script_started
from tests.clinical import visits as scripted
from tests.review import scripts
from tests.server.test_pharmacy_pages import edit_order


async def next_visit(reviewed: Visit) -> Visit:
    """The patient's next visit of the same order, scheduled now (after the reviewed one ended)."""
    return await Visit.create(id=uuid.uuid4(), organization_id=reviewed.organization_id, patient_id=reviewed.patient_id,
                              order_id=reviewed.order_id, nurse_id=reviewed.nurse_id, scheduled_at=datetime.now(timezone.utc))


async def series_of(tablet, visit: Visit) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the visit's state's series, its context's series in the tablet's reference)."""
    state = (await tablet.client.get(f"/api/visits/{visit.id}")).json()["state"]
    reference = (await tablet.client.get("/api/reference")).json()
    return state["series"], next(v["context"]["series"] for v in reference["visits"] if v["id"] == str(visit.id))


async def test_a_reviewed_reaction_hands_its_reaction_and_the_pharmacists_rate_and_notes_to_the_next_visit(
        push_visit, tablet_for, desk, post_form, nurse_ana, patient_pat):
    reviewed = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    url = f"/review/visits/{reviewed.id}"
    done = []
    for fields in ({"kind": "next_rate", "text": "Hold at 60 mL/h next time", "next_rate_ml_h": "60"},
                   {"kind": "premed_change", "text": "Add cetirizine 10 mg PO 30 min before the start"}):
        answer = await post_form(desk, f"{url}/interventions", fields)
        done.append(answer.headers["location"].rsplit("=", 1)[1])
    # the next rate reaches the next visit by itself; a premedication change needs the order edited, and says so
    assert done == ["intervention", "intervention-order"]
    assert "edit the order" in (await desk.get(f"{url}?done=intervention-order")).text
    assert (await post_form(desk, f"{url}/sign-off", {"note": "Febrile reaction handled well.", "alerts_reviewed": "on"})).status_code == 303

    row = await Visit.get(id=reviewed.id)
    assert row.last_tolerated_rate_ml_h == 70  # the fold's: below the 140 that caused the reaction
    assert row.handover["next_rate_ml_h"] == 60
    assert [(r["grade"], r["symptoms"], r["rate_ml_h"]) for r in row.handover["reactions"]] == [(2, ["chills", "fever"], 140)]
    assert [(n["kind"], n["text"]) for n in row.handover["notes"]] == [
        ("next_rate", "Hold at 60 mL/h next time"), ("premed_change", "Add cetirizine 10 mg PO 30 min before the start"),
        ("sign_off", "Febrile reaction handled well.")]

    upcoming = await next_visit(reviewed)
    series, sent = await series_of(await tablet_for(nurse_ana), upcoming)
    assert (series["target_ml_h"], series["target_bound"]) == (60, "pharmacist")  # not the 70 tolerated
    assert series["last_tolerated"]["rate_ml_h"] == 70
    last = series["last_infusion"]
    assert (last["visit_id"], last["product_id"]) == (str(reviewed.id), "gammagard-liquid-10")
    assert last["reactions"] == row.handover["reactions"] and last["notes"] == row.handover["notes"]
    assert sent["prior"][0]["handover"] == row.handover  # the tablet decides the same offline


async def test_a_visit_without_reaction_or_review_hands_over_nothing_and_the_target_stays_the_tolerated_rate(
        push_visit, tablet_for, nurse_ana, patient_pat):
    done = await push_visit(nurse_ana, patient_pat, scripts.tolerated())
    assert (await Visit.get(id=done.id)).handover is None
    series, _ = await series_of(await tablet_for(nurse_ana), await next_visit(done))
    assert (series["target_ml_h"], series["target_bound"], series["last_infusion"]) == (350, "last_tolerated", None)


async def test_the_handover_keeps_the_worst_reactions_the_latest_notes_and_cuts_long_text(
        push_visit, desk, post_form, nurse_ana, patient_pat):
    s = script_started(400)
    scripted.prelude(s)
    scripted.titrate(s)
    for minute, grade in ((200, 1), (205, 3), (210, 1), (215, 2)):
        s.reaction(minute, grade=grade, symptoms=tuple(f"symptom {n}" for n in range(9)), outcome="improving")
    scripts.finish_observed(s)
    visit = await push_visit(nurse_ana, patient_pat, s)
    for n in range(NOTES_KEPT + 2):
        fields = {"kind": "other", "text": f"note {n} " + "x" * 400}
        assert (await post_form(desk, f"/review/visits/{visit.id}/interventions", fields)).status_code == 303

    handover = (await Visit.get(id=visit.id)).handover
    assert [r["grade"] for r in handover["reactions"]] == [3, 2, 1][:REACTIONS_KEPT]  # the worst, then the earliest
    assert all(len(r["symptoms"]) == 6 for r in handover["reactions"])
    assert [n["text"][:7] for n in handover["notes"]] == [f"note {n} " for n in range(2, NOTES_KEPT + 2)]
    assert {len(n["text"]) for n in handover["notes"]} == {TEXT_KEPT} and handover["notes"][0]["text"].endswith("…")
    assert handover["next_rate_ml_h"] is None


async def test_only_the_most_recent_infusion_sends_its_handover_so_a_long_series_stays_small(
        push_visit, tablet_for, desk, post_form, nurse_ana, patient_pat):
    older = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction(minutes_ago=3000))
    latest = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction(minutes_ago=1500))
    for visit in (older, latest):
        fields = {"kind": "other", "text": f"Reviewed {visit.id}"}
        assert (await post_form(desk, f"/review/visits/{visit.id}/interventions", fields)).status_code == 303
    _, sent = await series_of(await tablet_for(nurse_ana), await next_visit(latest))
    assert [(p["visit_id"], p["handover"] is not None) for p in sent["prior"]] == [
        (str(latest.id), True), (str(older.id), False)]


async def test_a_note_written_after_the_next_visit_began_never_changes_what_that_visit_was_advised(
        push_visit, tablet_for, desk, post_form, nurse_ana, patient_pat):
    reviewed = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction(minutes_ago=600))
    begun_script = script_started(60)
    begun_script.started(0)
    begun = await push_visit(nurse_ana, patient_pat, begun_script)
    fields = {"kind": "next_rate", "text": "Hold at 60 mL/h next time", "next_rate_ml_h": "60"}
    assert (await post_form(desk, f"/review/visits/{reviewed.id}/interventions", fields)).status_code == 303

    tablet = await tablet_for(nurse_ana)
    series, _ = await series_of(tablet, begun)
    assert (series["target_ml_h"], series["target_bound"]) == (70, "last_tolerated")  # as it began: tolerated 70
    assert series["last_infusion"]["notes"] == [] and series["last_infusion"]["next_rate_ml_h"] is None
    later, _ = await series_of(tablet, await next_visit(reviewed))  # a visit not begun takes the note
    assert (later["target_ml_h"], later["target_bound"]) == (60, "pharmacist")


def premedication_reaction(*, minutes_ago: float) -> Any:
    """A visit that gave no infusion: a grade 2 reaction to the premedication, before the start; observed, ended."""
    s = script_started(minutes_ago)
    scripted.prelude(s)
    s.reaction(20, grade=2, symptoms=("rash", "flushing"), actions=("medication_given",), outcome="resolved")
    for minute in (35, 50, 65):
        s.vitals(minute)
    s.sign(70)
    s.ended(72)
    return s


async def test_a_reaction_to_the_premedication_at_a_visit_that_gave_no_infusion_reaches_the_next_one(
        push_visit, tablet_for, desk, post_form, nurse_ana, patient_pat):
    infused = await push_visit(nurse_ana, patient_pat, scripts.tolerated(minutes_ago=3000))
    stopped = await push_visit(nurse_ana, patient_pat, premedication_reaction(minutes_ago=400))
    fields = {"kind": "next_rate", "text": "Start no higher than 140 mL/h", "next_rate_ml_h": "140"}
    assert (await post_form(desk, f"/review/visits/{stopped.id}/interventions", fields)).status_code == 303
    row = await Visit.get(id=stopped.id)
    assert (row.volume_infused_ml, row.status.value in ("completed", "signed")) == (0, True)

    series, sent = await series_of(await tablet_for(nurse_ana), await next_visit(stopped))
    assert series["number"] == 2 and series["last_tolerated"]["visit_id"] == str(infused.id)  # it counts no infusion
    last = series["last_visit"]
    assert (last["visit_id"], [(r["grade"], r["rate_ml_h"]) for r in last["reactions"]]) == (str(stopped.id), [(2, None)])
    assert [n["text"] for n in last["notes"]] == ["Start no higher than 140 mL/h"]
    assert (series["target_ml_h"], series["target_bound"], series["target_holds"]) == (140, "pharmacist", "pharmacist")
    assert sent["last_visit"]["handover"] == row.handover  # the tablet decides the same offline


async def test_a_next_infusion_rate_no_infusion_of_the_order_may_run_is_refused_naming_the_highest_it_allows(
        push_visit, desk, post_form, nurse_ana, patient_pat):
    """Gammagard Liquid 10% for PI at 70 kg: 350 mL/h is the label maximum at every infusion. 900 (a slip for
    90) is refused on the page with the field's words, and nothing reaches the next visit; 350 is kept."""
    reviewed = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    url = f"/review/visits/{reviewed.id}/interventions"
    for typed in ("900", "350.5"):
        answer = await post_form(desk, url, {"kind": "next_rate", "text": "Next time", "next_rate_ml_h": typed})
        assert answer.status_code == 422, typed
        assert (f"Next infusion rate (mL/h): {typed} mL/h is above what this order allows at any infusion: at most 350 mL/h "
                "(the label maximum). Check the number.") in answer.text
    assert (await Visit.get(id=reviewed.id)).handover["next_rate_ml_h"] is None
    fields = {"kind": "next_rate", "text": "Up to the label maximum", "next_rate_ml_h": "350"}
    assert (await post_form(desk, url, fields)).status_code == 303
    assert (await Visit.get(id=reviewed.id)).handover["next_rate_ml_h"] == 350


async def test_a_next_infusion_rate_above_the_at_risk_cap_of_a_flagged_patient_is_refused_naming_the_cap(
        push_visit, desk, post_form, nurse_ana, patient_pat):
    """Pat flagged at risk of thrombosis: no infusion of hers may run above the at-risk cap; Gammagard's label
    gives no number and the organization none, so the cap is the start rate, 35 mL/h at 70 kg. 90 mL/h would
    be cut at the next visit: refused now, naming the cap and why; 35 is kept."""
    reviewed = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    await Patient.filter(id=patient_pat.id).update(thrombosis_risk=True)
    url = f"/review/visits/{reviewed.id}/interventions"
    answer = await post_form(desk, url, {"kind": "next_rate", "text": "Next time", "next_rate_ml_h": "90"})
    assert answer.status_code == 422
    assert ("Next infusion rate (mL/h): 90 mL/h is above what this order allows for this patient, flagged at risk "
            "(thrombosis), at any infusion: at most 35 mL/h (the at-risk start rate (no at-risk cap ordered)). "
            "Check the number.") in answer.text
    assert (await post_form(desk, url, {"kind": "next_rate", "text": "At the cap", "next_rate_ml_h": "35"})).status_code == 303
    assert (await Visit.get(id=reviewed.id)).handover["next_rate_ml_h"] == 35


async def test_a_next_infusion_rate_is_checked_against_the_order_as_it_is_now_not_as_the_visit_ran(
        push_visit, desk, post_form, nurse_ana, patient_pat):
    """Found by a new user's walk: the order capped at 200 mL/h after the visit, 300 was accepted against the
    label's 350 the visit ran on, and the next visit showed "next infusion rate 300" beside "target 200"."""
    reviewed = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    assert (await edit_order(desk, await Order.get(id=reviewed.order_id), rate_cap_ml_h="200")).status_code == 303
    url = f"/review/visits/{reviewed.id}/interventions"
    answer = await post_form(desk, url, {"kind": "next_rate", "text": "Next time", "next_rate_ml_h": "300"})
    assert answer.status_code == 422
    assert ("Next infusion rate (mL/h): 300 mL/h is above what this order allows at any infusion: at most 200 mL/h "
            "(the order's rate cap). Check the number.") in html.unescape(answer.text)
    assert (await post_form(desk, url, {"kind": "next_rate", "text": "At the cap", "next_rate_ml_h": "200"})).status_code == 303


async def test_two_visits_that_gave_no_infusion_hand_over_together_the_later_note_never_hides_the_earlier_reaction(
        push_visit, tablet_for, desk, post_form, nurse_ana, patient_pat):
    await push_visit(nurse_ana, patient_pat, scripts.tolerated(minutes_ago=6000))
    reacted = await push_visit(nurse_ana, patient_pat, premedication_reaction(minutes_ago=3000))
    fields = {"kind": "next_rate", "text": "Start no higher than 140 mL/h", "next_rate_ml_h": "140"}
    assert (await post_form(desk, f"/review/visits/{reacted.id}/interventions", fields)).status_code == 303
    aborted = script_started(400)  # the next visit: no IV access, ended before any premedication
    aborted.started(0)
    aborted.add(20, "note", {"text": "Two attempts at IV access failed; visit rescheduled."})
    aborted.ended(25)
    later = await push_visit(nurse_ana, patient_pat, aborted)
    fields = {"kind": "other", "text": "Reschedule with a midline."}
    assert (await post_form(desk, f"/review/visits/{later.id}/interventions", fields)).status_code == 303

    series, _ = await series_of(await tablet_for(nurse_ana), await next_visit(later))
    last = series["last_visit"]
    assert last["visit_id"] == str(later.id)  # the latest, carrying the earlier one's reaction and rate too
    assert [(r["grade"], r["symptoms"]) for r in last["reactions"]] == [(2, ["rash", "flushing"])]
    assert [n["text"] for n in last["notes"]] == ["Start no higher than 140 mL/h", "Reschedule with a midline."]
    assert (series["target_ml_h"], series["target_holds"]) == (140, "pharmacist")


def test_notes_of_one_second_keep_their_order_whatever_their_milliseconds():
    """Times are written without zero milliseconds ("10:00:05Z"), and as text "10:00:05.100Z" sorts before it:
    a sign-off recorded on the whole second was listed before the intervention it followed (a flaky test)."""
    note = {"kind": "next_rate", "text": "Hold at 60 mL/h", "next_rate_ml_h": 60}
    first = {"next_rate_ml_h": 60, "reactions": [], "notes": [{**note, "at": "2026-12-07T10:00:04.900Z"}]}
    then = {"next_rate_ml_h": None, "reactions": [], "notes": [{**note, "kind": "sign_off", "at": "2026-12-07T10:00:05Z"},
                                                              {**note, "kind": "other", "at": "2026-12-07T10:00:05.100Z"}]}
    together = merged([first, then])
    assert together is not None
    assert [n["kind"] for n in together["notes"]] == ["next_rate", "sign_off", "other"]
