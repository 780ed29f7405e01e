"""A visit's additional orders (server/services/visit_orders.py) through the real HTTP stack: the pharmacist
ticks further active orders of the patient when she schedules; each visit of the booking holds them, in
order; the audit names them; the review page's order line lists them; bad choices name the field.

The second order is a second IVIG order (Privigen 10% for CIDP, a label row of products.json): the
catalogue holds no product of another therapy (a hydration or an antibiotic), so none is invented here."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from server.db.models import AuditEntry, Order, Visit, VisitOrder
from server.services import visit_orders
from tests.server.test_pharmacy_pages import edit_order
from tests.server.test_scheduling import form, schedule


async def second_order(patient, pharmacist, **changes) -> Order:
    values = dict(organization_id=patient.organization_id, patient=patient, product_id="privigen-10",
                  indication="CIDP", dose_g_per_kg=0.4, dose_g=28.0, dosing_weight_kg=70.0,
                  prescriber="Dr. Test", created_by=pharmacist)
    return await Order.create(**(values | changes))


@pytest.fixture
async def orders(patient_pat, pharmacist_pia) -> tuple[Order, Order, Order]:
    primary = await Order.get(patient=patient_pat)
    return primary, await second_order(patient_pat, pharmacist_pia), await second_order(patient_pat, pharmacist_pia)


@pytest.fixture
async def pia(client_factory, pharmacist_pia) -> httpx.AsyncClient:
    return await client_factory(pharmacist_pia)


async def test_every_visit_of_a_booking_holds_the_ticked_orders_in_order(pia, patient_pat, orders, nurse_ana):
    primary, second, third = orders
    page = (await pia.get(f"/pharmacy/patients/{patient_pat.id}/schedule")).text
    assert 'name="other_order_ids"' in page and f'value="{second.id}"' in page
    data = form(primary, nurse_ana.id, repeat="daily", count="2") | {"other_order_ids": [str(third.id), str(second.id)]}
    done = await schedule(pia, patient_pat.id, data)
    assert done.status_code == 303, done.text
    made = await Visit.filter(patient=patient_pat).order_by("scheduled_at")
    assert len(made) == 2 and {v.order_id for v in made} == {primary.id}
    for visit in made:
        assert [o.id for o in await visit_orders.other_orders_of(visit)] == [third.id, second.id]
        entry = await AuditEntry.get(action="visit.schedule", object_id=str(visit.id))
        assert entry.detail["other_order_ids"] == [third.id, second.id]
    review = (await pia.get(f"/review/visits/{made[0].id}")).text
    assert "Additional orders" in review and f"Order {third.id} · IVIG · Privigen" in review


async def test_a_visit_without_additional_orders_has_none(pia, patient_pat, orders, nurse_ana):
    done = await schedule(pia, patient_pat.id, form(orders[0], nurse_ana.id))
    assert done.status_code == 303, done.text
    visit = await Visit.get(patient=patient_pat)
    assert await VisitOrder.filter(visit_id=visit.id).count() == 0
    assert (await AuditEntry.get(action="visit.schedule", object_id=str(visit.id))).detail["other_order_ids"] == []
    assert "Additional orders" not in (await pia.get(f"/review/visits/{visit.id}")).text


@pytest.mark.parametrize("choose, words", [
    (lambda p, s, o: [str(p.id)], "primary order of this visit"),
    (lambda p, s, o: [str(s.id), str(s.id)], "listed twice"),
    (lambda p, s, o: [str(o.id)], "not an order of this patient"),
    (lambda p, s, o: ["x"], "whole number"),
])
async def test_a_bad_additional_order_is_refused_naming_the_field(
    pia, patient_pat, patient_sam, pharmacist_pia, orders, nurse_ana, choose, words
):
    primary, second, _ = orders
    foreign = await Order.get(patient=patient_sam)
    data = form(primary, nurse_ana.id) | {"other_order_ids": choose(primary, second, foreign)}
    refused = await schedule(pia, patient_pat.id, data)
    assert refused.status_code == 422, refused.text
    assert "other_order_ids" in refused.text and words in refused.text
    assert await Visit.filter(patient=patient_pat).count() == 0


async def test_an_inactive_additional_order_is_refused(pia, patient_pat, orders, nurse_ana):
    primary, second, _ = orders
    await Order.filter(id=second.id).update(active=False)
    refused = await schedule(pia, patient_pat.id, form(primary, nurse_ana.id) | {"other_order_ids": [str(second.id)]})
    assert refused.status_code == 422 and "Other orders: order" in refused.text and "inactive" in refused.text


async def test_the_api_takes_additional_orders(pia, patient_pat, orders, nurse_ana):
    primary, second, _ = orders
    body = {"patient_id": patient_pat.id, "order_id": primary.id, "other_order_ids": [second.id],
            "nurse_id": nurse_ana.id, "date": form(primary, nurse_ana.id)["date"], "time": "09:00"}
    made = await pia.post("/api/visits", json=body)
    assert made.status_code == 201, made.text
    visit = await Visit.get(patient=patient_pat)
    assert [o.id for o in await visit_orders.other_orders_of(visit)] == [second.id]


async def test_the_tablet_receives_the_additional_orders_in_the_visit_context(
    client_factory, pia, patient_pat, orders, nurse_ana
):
    primary, second, _ = orders
    done = await schedule(pia, patient_pat.id, form(primary, nurse_ana.id) | {"other_order_ids": [str(second.id)]})
    assert done.status_code == 303, done.text
    reference = (await (await client_factory(nurse_ana)).get("/api/reference")).json()
    context = reference["visits"][0]["context"]
    assert context["order"]["id"] == str(primary.id)
    [other] = context["other_orders"]
    assert other | {"premeds": [], "prn_orders": []} == {
        "id": str(second.id), "product_id": "privigen-10", "therapy": "ivig", "dosing_weight_kg": 70.0,
        "indication": "CIDP", "steps_ml_h": None, "step_min": None, "dose_g_per_kg": 0.4, "dose_g": 28.0,
        "volume_ml": None, "duration_min": None, "rate_cap_ml_h": None, "vitals_schedule": None, "safety_override": None, "premeds": [], "prn_orders": []}


async def test_a_hydration_order_holds_no_additional_orders(pia, patient_pat, pharmacist_pia, orders, nurse_ana):
    """The visit's own rules are its primary order's: a saline primary would leave the IVIG's kit, premedication
    and vital-sign schedule unjudged. The pharmacist is told to swap them, at scheduling and when changing."""
    _, second, _ = orders
    saline = await second_order(patient_pat, pharmacist_pia, product_id="sodium-chloride-0.9", therapy="hydration",
                                indication="Hydration", dose_g_per_kg=4.5 / 70, dose_g=4.5, volume_ml=500.0,
                                duration_min=120)
    refused = await schedule(pia, patient_pat.id, form(saline, nurse_ana.id) | {"other_order_ids": [str(second.id)]})
    assert refused.status_code == 422, refused.text
    assert f"order {saline.id} is a hydration order; make the IVIG order the visit&#39;s order" in refused.text
    assert await Visit.filter(patient=patient_pat).count() == 0
    alone = await schedule(pia, patient_pat.id, form(saline, nurse_ana.id))
    assert alone.status_code == 303, alone.text  # saline alone is a visit of its own
    next_day = (date.today() + timedelta(days=2)).isoformat()  # the saline order twice in one day is a second dose
    with_saline = await schedule(pia, patient_pat.id, form(second, nurse_ana.id, date=next_day) | {"other_order_ids": [str(saline.id)]})
    assert with_saline.status_code == 303, with_saline.text  # and a pre-hydration beside the IVIG


async def test_an_order_holding_additional_orders_cannot_be_edited_into_a_hydration_order(
    pia, patient_pat, orders, nurse_ana
):
    """The same rule at the order's edit: scheduled with an additional order, the IVIG order may not become
    saline (the visit would run on the saline's rules only); it is refused naming the product, nothing saved."""
    primary, second, _ = orders
    done = await schedule(pia, patient_pat.id, form(primary, nurse_ana.id) | {"other_order_ids": [str(second.id)]})
    assert done.status_code == 303, done.text
    refused = await edit_order(pia, primary, product="sodium-chloride-0.9|Hydration", dose_g_per_kg=None,
                               volume_ml="500", duration_min="120", basis="order")
    assert refused.status_code == 422, refused.text
    assert f"order {primary.id} is the visit&#39;s order of 1 visit(s) with additional orders" in refused.text
    assert (await Order.get(id=primary.id)).volume_ml is None
