"""A pharmacist withdraws her own intervention entered in error (POST .../interventions/{id}/withdraw): it is
voided with her reason, stays listed struck through, and leaves the handover. Only its author may, and only
an intervention: the push's rules (rules.json entry_authority) refuse the rest. A walk could not take back a
mistyped "next rate 2.4", which reached the next nurse."""

from __future__ import annotations

import html

from server.db.models import Role, Visit
from tests.conftest import _user
from tests.review import scripts


async def _intervention(desk, post_form, visit: Visit, text: str) -> str:
    assert (await post_form(desk, f"/review/visits/{visit.id}/interventions",
                            {"kind": "next_rate", "text": text, "next_rate_ml_h": "60"})).status_code == 303
    state = (await desk.get(f"/api/visits/{visit.id}")).json()["state"]
    return next(e["event_id"] for e in state["entries"]
                if e["kind"] == "review.intervention" and e["payload"]["text"] == text)


async def test_her_own_intervention_is_withdrawn_with_its_reason_and_stays_listed_struck_through(
        push_visit, desk, post_form, nurse_ana, patient_pat):
    visit = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    event_id = await _intervention(desk, post_form, visit, "Hold at 60 mL/h next time")
    assert f"/interventions/{event_id}/withdraw" in (await desk.get(f"/review/visits/{visit.id}")).text  # offered her
    withdrawn = await post_form(desk, f"/review/visits/{visit.id}/interventions/{event_id}/withdraw",
                                {"reason": "Typed on the wrong visit"})
    assert withdrawn.status_code == 303 and withdrawn.headers["location"].endswith("?done=withdrawn")
    state = (await desk.get(f"/api/visits/{visit.id}")).json()["state"]
    assert [v["reason"] for v in state["voided"] if v["event_id"] == event_id] == ["Typed on the wrong visit"]
    assert all(e["event_id"] != event_id for e in state["entries"])
    page = html.unescape((await desk.get(f"/review/visits/{visit.id}?done=withdrawn")).text)
    assert "The intervention was withdrawn: it stays listed, struck through, with your reason." in page
    assert "Typed on the wrong visit" in page


async def test_another_pharmacists_intervention_or_a_nurses_entry_is_refused(
        push_visit, desk, post_form, client_factory, org, password_hash, nurse_ana, patient_pat):
    visit = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    event_id = await _intervention(desk, post_form, visit, "Hold at 60 mL/h next time")
    other = await client_factory(await _user(org, "pharmacist_quinn", Role.PHARMACIST, password_hash))
    assert "/withdraw" not in (await other.get(f"/review/visits/{visit.id}")).text  # not offered to another
    refused = await post_form(other, f"/review/visits/{visit.id}/interventions/{event_id}/withdraw", {"reason": "mine now"})
    assert refused.status_code >= 400
    state = (await desk.get(f"/api/visits/{visit.id}")).json()["state"]
    vitals = next(e["event_id"] for e in state["entries"] if e["kind"] == "vitals")
    nurses = await post_form(desk, f"/review/visits/{visit.id}/interventions/{vitals}/withdraw", {"reason": "no"})
    assert nurses.status_code >= 400
    after = (await desk.get(f"/api/visits/{visit.id}")).json()["state"]
    assert {e["event_id"] for e in after["entries"]} >= {event_id, vitals}
    assert after["voided"] == []

