"""Every state-changing review entry gets the same verdict at the desk and through sync, for every
visit status: one decision (server.services.write_rules) whatever the door. The kinds come from the
authority table (those only a pharmacist writes), so a new review kind without a state rule fails."""

from __future__ import annotations

from server.clinical.rules import load_rules
from server.db.models import Role, User, Visit, VisitStatus
from server.services import scheduling, visits, write_rules
from sync.models import Event
from tests.clinical.test_events import VALID
from tests.review.scripts import febrile_reaction

DESK = {"review.signed": ("sign-off", {"note": "Reviewed.", "alerts_reviewed": "on"}),
        "review.intervention": ("interventions", {"kind": "other", "text": "Checked the plan."})}
SYNC = {"review.signed": {"note": "Reviewed."}, "review.intervention": {"kind": "other", "text": "Checked the plan."}}
ALLOWED = {"review.signed": {"completed", "signed", "reopened"},
           "review.intervention": {"completed", "signed", "reopened", "reviewed"}}
NURSE_STEPS = {  # the nurse's entries that bring a new visit to each status (a review in between)
    VisitStatus.SCHEDULED: [], VisitStatus.IN_PROGRESS: ["visit.started"],
    VisitStatus.COMPLETED: ["visit.started", "visit.ended"],
    VisitStatus.SIGNED: ["visit.started", "signature", "visit.ended"],
    VisitStatus.REVIEWED: ["visit.started", "signature", "visit.ended", "review"],
    VisitStatus.REOPENED: ["visit.started", "signature", "visit.ended", "review", "note"],
    VisitStatus.CANCELLED: ["cancel"],  # the pharmacy cancelled it before the nurse started
}


def test_every_review_kind_has_a_state_rule_and_a_desk_door() -> None:
    review_kinds = {k for k, row in load_rules().entry_authority.kinds.items() if row.written_by == ["pharmacist"]}
    assert review_kinds == set(write_rules.STATUS_GATES) == set(DESK) == set(ALLOWED)
    assert set(NURSE_STEPS) == set(VisitStatus)


async def sync_payload(kind: str, visit_id: str) -> dict:
    """What the pharmacist's own client pushes: a sign-off says it reviewed the visit's alerts, as the desk's box does."""
    if kind != "review.signed":
        return SYNC[kind]
    return {**SYNC[kind], "alerts_reviewed": len((await visits.state_of(await Visit.get(id=visit_id))).alerts)}


async def visit_at(status, new_visit, ana, pia, patient) -> str:
    visit = await new_visit()
    for kind in NURSE_STEPS[status]:
        if kind == "cancel":
            pharmacist = await User.get(organization_id=patient.organization_id, role=Role.PHARMACIST)
            await scheduling.cancel_visit(visit=visit, request=scheduling.CancelRequest(reason="moved to the clinic"),
                                          by=pharmacist)
        elif kind == "review":
            await pia.accepted(visit.id, "review.signed", {})
        else:
            payload = {"patient_id": str(patient.id), "location": None} if kind == "visit.started" else VALID[kind]
            await ana.accepted(visit.id, kind, payload)
    return str(visit.id)


async def test_desk_and_sync_give_the_same_verdict_for_every_review_kind_and_visit_status(
    new_visit, writer_for, client_factory, post_form, nurse_ana, pharmacist_pia, patient_pat
):
    ana, pia = await writer_for(nurse_ana), await writer_for(pharmacist_pia)
    desk = await client_factory(pharmacist_pia)
    verdicts = {}
    for kind, (route, fields) in DESK.items():
        for status in VisitStatus:
            desk_visit = await visit_at(status, new_visit, ana, pia, patient_pat)
            answer = await post_form(desk, f"/review/visits/{desk_visit}/{route}", fields)
            pushed_visit = await visit_at(status, new_visit, ana, pia, patient_pat)
            pushed = await pia.push(pushed_visit, kind, await sync_payload(kind, pushed_visit))
            refusal = write_rules.status_refusal(kind, status)
            assert (answer.status_code == 303) == (pushed["status"] == "accepted"), (kind, status, answer.status_code, pushed)
            if refusal is not None:
                assert answer.status_code == 409 and refusal.reason in answer.text, (kind, status)
                assert (pushed["code"], pushed["reason"]) == (refusal.code, refusal.reason), (kind, status)
            verdicts[(kind, str(status))] = pushed["status"] == "accepted"
    assert verdicts == {(kind, str(s)): str(s) in ALLOWED[kind] for kind in DESK for s in VisitStatus}


async def test_a_sign_off_pushed_through_sync_for_a_visit_in_progress_is_kept_aside_with_the_desks_words(
    new_visit, writer_for, nurse_ana, pharmacist_pia, patient_pat, physician_phil, client_factory
):
    ana, pia = await writer_for(nurse_ana), await writer_for(pharmacist_pia)
    visit_id = await visit_at(VisitStatus.IN_PROGRESS, new_visit, ana, pia, patient_pat)
    pushed = await pia.push(visit_id, "review.signed", {})
    assert (pushed["status"], pushed["code"]) == ("quarantined", "not_signable")
    assert pushed["reason"] == "This visit is in_progress; only a completed, signed or reopened visit can be signed off."
    inbox = await (await client_factory(physician_phil)).get("/physician")
    assert visit_id not in inbox.text


async def test_a_sign_off_pushed_past_the_desk_is_held_to_the_same_alert_review(
    push_visit, writer_for, desk, post_form, nurse_ana, pharmacist_pia, patient_pat
):
    """The desk's "I reviewed the alerts" box was a form rule: the pharmacist's own client pushing
    `review.signed` released a visit with alerts unreviewed. The count now travels in the sign-off and
    every door refuses fewer than the visit has."""
    visit = await push_visit(nurse_ana, patient_pat, febrile_reaction())
    alerts = len((await visits.state_of(visit)).alerts)
    assert alerts >= 1
    pia = await writer_for(pharmacist_pia)
    for payload, said in (({"note": "Reviewed."}, 0), ({"alerts_reviewed": alerts - 1}, alerts - 1)):
        pushed = await pia.push(visit.id, "review.signed", payload)
        assert (pushed["status"], pushed["code"]) == ("quarantined", "alerts_unreviewed"), payload
        assert f"has {alerts} alert(s)" in pushed["reason"] and f"says {said} were reviewed" in pushed["reason"]
    assert not await Event.filter(visit_id=visit.id, kind="review.signed").exists()
    assert (await pia.push(visit.id, "review.signed", {"alerts_reviewed": alerts}))["status"] == "accepted"

    again = await push_visit(nurse_ana, patient_pat, febrile_reaction())  # the desk's tick records the count
    assert (await post_form(desk, f"/review/visits/{again.id}/sign-off", {"note": "", "alerts_reviewed": "on"})).status_code == 303
    signed = await Event.get(visit_id=again.id, kind="review.signed")
    assert signed.payload["alerts_reviewed"] == alerts
