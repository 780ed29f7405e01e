"""The series facts the server sends with a visit, from real Visit rows: the visit knows its number in
the patient's series, picks the matching protocol, and carries the rate tolerated at the previous
infusion as the target (through GET /api/visits/{id} and the tablet's /api/reference)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from server.clinical.clock import format_instant
from server.db.models import Order, Patient, User, Visit, VisitStatus
from tests.clinical import visits as scripted
from tests.api.events import readdress, script_started
from tests.server.test_pharmacy_pages import edit_order

pytestmark = pytest.mark.usefixtures("patient_pat")


async def qivigy_order(patient: Patient, pharmacist: User, **changes: Any) -> Order:
    fields = {"product_id": "qivigy-10", "indication": "PI", "dose_g_per_kg": 0.4, "dose_g": 28.0,
              "dosing_weight_kg": 70.0, "prescriber": "Dr. Test", **changes}
    return await Order.create(organization_id=patient.organization_id, patient=patient, created_by=pharmacist, **fields)


async def earlier(visit: Visit, order: Order, weeks: float, tolerated: float | None,
                  status: VisitStatus = VisitStatus.REVIEWED, volume_ml: float = 280) -> Visit:
    """A done visit `weeks` before `visit`, as the projection leaves its row."""
    ended = visit.scheduled_at - timedelta(weeks=weeks)
    return await Visit.create(id=uuid.uuid4(), organization_id=visit.organization_id, patient_id=visit.patient_id,
                              order=order, nurse_id=visit.nurse_id, scheduled_at=ended - timedelta(hours=4),
                              time_out=ended, status=status, volume_infused_ml=volume_ml,
                              last_tolerated_rate_ml_h=tolerated)


@pytest.fixture
async def qivigy_visit(scheduled_visit, patient_pat, pharmacist_pia) -> Visit:
    """Today's visit of Pat, now on Qivigy (70 kg: 2 mg/kg/min = 84 mL/h, 8 = 336 mL/h)."""
    order = await qivigy_order(patient_pat, pharmacist_pia)
    await Order.filter(id=scheduled_visit.order_id).update(active=False)
    await Visit.filter(id=scheduled_visit.id).update(order_id=order.id)
    return await Visit.get(id=scheduled_visit.id)


async def shown(tablet, visit: Visit) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the visit's state from GET /api/visits/{id}, its context in the tablet's /api/reference)."""
    state = (await tablet.client.get(f"/api/visits/{visit.id}")).json()["state"]
    reference = (await tablet.client.get("/api/reference")).json()
    return state, next(v["context"] for v in reference["visits"] if v["id"] == str(visit.id))


async def test_a_second_qivigy_infusion_takes_the_subsequent_protocol_and_the_rate_tolerated_four_weeks_ago(
        tablet_ana, qivigy_visit, patient_pat, pharmacist_pia):
    before = await earlier(qivigy_visit, await Order.get(id=qivigy_visit.order_id), weeks=4, tolerated=168)
    state, context = await shown(tablet_ana, qivigy_visit)
    assert [step["rate_ml_h"] for step in state["steps"]] == [84, 168, 336]
    assert [step["hold_min"] for step in state["steps"]] == [15, 15, None]
    assert state["series"] == {
        "number": 2, "kind": "subsequent", "reason": None, "protocol_infusion": "subsequent",
        "last_tolerated": {"rate_ml_h": 168, "visit_id": str(before.id),
                           "ended_at": format_instant(before.time_out)},
        "target_ml_h": 168, "target_bound": "last_tolerated", "target_holds": None,
        "last_infusion": None, "last_visit": None}
    assert [p["visit_id"] for p in context["series"]["prior"]] == [str(before.id)]
    assert context["patient"] | {"risk_flags": []} == {
        "first_infusion": False, "product_switch": False, "long_gap": False, "risk_flags": []}


async def test_qivigy_after_gammagard_is_a_first_infusion_by_product_switch(tablet_ana, qivigy_visit, patient_pat):
    gammagard = await Order.filter(patient=patient_pat, product_id="gammagard-liquid-10").first()
    await earlier(qivigy_visit, gammagard, weeks=3, tolerated=350)
    state, context = await shown(tablet_ana, qivigy_visit)
    assert [step["rate_ml_h"] for step in state["steps"]] == [42, 84, 168, 336]
    assert state["series"] | {"last_tolerated": "-"} == {
        "number": 1, "kind": "first", "reason": "product_switch", "protocol_infusion": "first",
        "last_tolerated": "-", "target_ml_h": None, "target_bound": None, "target_holds": None,
        "last_infusion": None, "last_visit": None}
    assert context["patient"]["product_switch"] is True and context["patient"]["first_infusion"] is False


async def test_nine_weeks_after_the_last_qivigy_infusion_is_a_first_infusion_by_long_gap(tablet_ana, qivigy_visit):
    order = await Order.get(id=qivigy_visit.order_id)
    await earlier(qivigy_visit, order, weeks=9, tolerated=336)
    await earlier(qivigy_visit, order, weeks=13, tolerated=336)
    state, context = await shown(tablet_ana, qivigy_visit)
    assert (state["series"]["number"], state["series"]["reason"]) == (1, "long_gap")
    assert state["steps"][0]["rate_ml_h"] == 42 and context["patient"]["long_gap"] is True
    assert len(context["series"]["prior"]) == 1  # the run and the infusion that broke it: no older ones


async def saline_order(patient: Patient, pharmacist: User) -> Order:
    return await Order.create(organization_id=patient.organization_id, patient=patient, created_by=pharmacist,
                              product_id="sodium-chloride-0.9", therapy="hydration", indication="hydration",
                              dose_g_per_kg=4.5 / 70, dose_g=4.5, dosing_weight_kg=70.0, volume_ml=500,
                              duration_min=120, basis="order", prescriber="Dr. Test")


async def test_a_hydration_visit_between_two_qivigy_infusions_neither_counts_in_the_series_nor_breaks_it(
        tablet_ana, qivigy_visit, patient_pat, pharmacist_pia):
    before = await earlier(qivigy_visit, await Order.get(id=qivigy_visit.order_id), weeks=4, tolerated=168)
    await earlier(qivigy_visit, await saline_order(patient_pat, pharmacist_pia), weeks=2, tolerated=250, volume_ml=500)
    state, context = await shown(tablet_ana, qivigy_visit)
    assert (state["series"]["number"], state["series"]["kind"], state["series"]["reason"]) == (2, "subsequent", None)
    assert state["series"]["last_tolerated"]["visit_id"] == str(before.id)
    assert context["patient"]["product_switch"] is False


async def test_a_saline_visit_has_no_place_in_a_series_and_is_no_first_infusion(
        tablet_ana, scheduled_visit, patient_pat, pharmacist_pia):
    saline = await saline_order(patient_pat, pharmacist_pia)
    await earlier(scheduled_visit, await Order.get(id=scheduled_visit.order_id), weeks=4, tolerated=350)
    await Visit.filter(id=scheduled_visit.id).update(order_id=saline.id)
    state, context = await shown(tablet_ana, await Visit.get(id=scheduled_visit.id))
    assert state["series"] is None and context["series"] is None
    assert context["patient"] | {"risk_flags": []} == {
        "first_infusion": False, "product_switch": False, "long_gap": False, "risk_flags": []}


async def test_an_order_switched_to_another_product_keeps_its_earlier_visits_product_and_the_switch_counts(
        tablet_ana, scheduled_visit, client_factory, pharmacist_pia):
    """Two Gammagard infusions on the order, then the pharmacist switches the order to Privigen: today's
    Privigen infusion is a first infusion by product switch (CLINICAL 1.1), not the third of a series."""
    order = await Order.get(id=scheduled_visit.order_id)
    await earlier(scheduled_visit, order, weeks=8, tolerated=350)
    await earlier(scheduled_visit, order, weeks=4, tolerated=350)
    switched = await edit_order(await client_factory(pharmacist_pia), order, product="privigen-10|PI")
    assert switched.status_code == 303, switched.text
    state, context = await shown(tablet_ana, scheduled_visit)
    assert (state["series"]["number"], state["series"]["reason"]) == (1, "product_switch")
    assert context["patient"]["product_switch"] is True
    assert [p["product_id"] for p in context["series"]["prior"]] == ["gammagard-liquid-10"]


async def test_the_third_infusion_counts_the_series_and_the_target_stays_under_the_orders_cap(
        tablet_ana, qivigy_visit, patient_pat, pharmacist_pia):
    order = await Order.get(id=qivigy_visit.order_id)
    await Order.filter(id=order.id).update(rate_cap_ml_h=150)
    await earlier(qivigy_visit, order, weeks=8, tolerated=168)
    last = await earlier(qivigy_visit, order, weeks=4, tolerated=336)
    await earlier(qivigy_visit, order, weeks=2, tolerated=None, status=VisitStatus.CANCELLED, volume_ml=0)
    await earlier(qivigy_visit, order, weeks=1, tolerated=None, status=VisitStatus.COMPLETED, volume_ml=0)
    state, _ = await shown(tablet_ana, qivigy_visit)
    assert (state["series"]["number"], state["series"]["kind"]) == (3, "subsequent")
    assert state["series"]["last_tolerated"]["visit_id"] == str(last.id)
    assert (state["series"]["target_ml_h"], state["series"]["target_bound"]) == (150, "order_cap")


async def test_a_visit_pushed_by_the_tablet_keeps_its_tolerated_rate_for_the_next_one(
        tablet_ana, scheduled_visit, patient_pat, org, nurse_ana, projected):
    first = await Visit.create(id=uuid.uuid4(), organization=org, patient=patient_pat, order_id=scheduled_visit.order_id,
                               nurse=nurse_ana, scheduled_at=datetime.now(timezone.utc) - timedelta(hours=5))
    script = script_started(minutes_ago=300)
    scripted.prelude(script)
    scripted.titrate(script)
    scripted.finish(script)
    await tablet_ana.push(readdress(script, visit_id=first.id, patient_id=patient_pat.id, order_id=first.order_id))
    await projected()
    assert (await Visit.get(id=first.id)).last_tolerated_rate_ml_h == 350  # Gammagard's top step, no reaction
    state, _ = await shown(tablet_ana, scheduled_visit)
    assert state["series"]["number"] == 2 and state["series"]["protocol_infusion"] == "every"
    assert state["series"]["last_tolerated"]["rate_ml_h"] == 350 and state["series"]["target_ml_h"] == 350
