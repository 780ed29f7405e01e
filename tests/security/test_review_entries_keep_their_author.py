"""The penetration test's case (issue 16.2): a nurse rewrote a pharmacist's intervention through sync
and the physician's summary showed her number as the pharmacist's."""

from __future__ import annotations

from server.db.models import VisitStatus
from sync.models import Event
from tests.security.test_review_doors import visit_at


async def test_nurse_cannot_amend_a_pharmacists_intervention(
    new_visit, writer_for, client_factory, post_form, nurse_ana, nurse_ben_on_pat, pharmacist_pia, patient_pat
):
    ana, pia = await writer_for(nurse_ana), await writer_for(pharmacist_pia)
    visit_id = await visit_at(VisitStatus.SIGNED, new_visit, ana, pia, patient_pat)
    desk = await client_factory(pharmacist_pia)
    fields = {"kind": "next_rate", "text": "Next visit at 100 mL/h", "next_rate_ml_h": "100"}
    assert (await post_form(desk, f"/review/visits/{visit_id}/interventions", fields)).status_code == 303
    intervention = await Event.get(visit_id=visit_id, kind="review.intervention")

    for nurse in (ana, await writer_for(nurse_ben_on_pat)):
        payload = {"kind": "next_rate", "text": "Next visit at 800 mL/h", "next_rate_ml_h": 800}
        pushed = await nurse.push(visit_id, "entry.amended",
                                  {"target_id": str(intervention.id), "payload": payload, "reason": "typo"})
        assert (pushed["status"], pushed["code"]) == ("quarantined", "not_author")

    shown = (await desk.get(f"/api/visits/{visit_id}")).json()["state"]
    entry = next(e for e in shown["entries"] if e["event_id"] == str(intervention.id))
    assert entry["payload"]["next_rate_ml_h"] == 100 and entry["amended"] is False
    assert not await Event.filter(visit_id=visit_id, kind="entry.amended").exists()
