"""A pharmacist's override of the order-safety check travels with the order: the tablet pulls it, the
review page and the physician summary show it, and running above the label maximum still raises the
alert whatever the order's cap says (issue 17, acceptance: Privigen ITP at 300 mL/h for 70 kg)."""

from __future__ import annotations

from datetime import timedelta

from server.db.models import Order, OrderRevision
from tests.review import scripts
from tests.server.test_pharmacy_pages import order_form

REASON = "Prescriber confirmed 300 mL/h; tolerated for two years."


async def overridden_order(desk, post_form, patient) -> Order:
    order = await Order.get(patient=patient)
    fields = order_form(product="privigen-10|ITP", dosing_weight_kg="70", rate_cap_ml_h="300",
                        override_reason=REASON, based_on_revision=str(order.revision))
    response = await post_form(desk, f"/pharmacy/orders/{order.id}", fields)
    assert response.status_code == 303, response.text
    return await Order.get(id=order.id)


async def test_the_override_reaches_the_tablet_the_review_page_and_the_summary_and_the_label_maximum_still_alerts(
    push_visit, desk, post_form, nurse_ana, patient_pat, tablet_for, scheduled_visit_for_desk
):
    order = await overridden_order(desk, post_form, patient_pat)
    script = scripts.tolerated()
    # the override was written the day before the visit: a visit that has ended reads its order as it stood
    # then (server.services.order_as_run), and this script's visit ended hours before the test's edit
    await OrderRevision.filter(order_id=order.id).update(changed_at=script.t0 - timedelta(days=1))
    visit = await push_visit(nurse_ana, patient_pat, script)

    reference = (await (await tablet_for(nurse_ana)).client.get("/api/reference")).json()
    context = next(v["context"] for v in reference["visits"] if v["id"] == str(scheduled_visit_for_desk.id))
    assert context["order"]["safety_override"]["reason"] == REASON
    assert context["order"]["rate_cap_ml_h"] == 300
    assert context["order"]["safety_override"]["problems"] == order.safety_override["problems"]

    review = await desk.get(f"/review/visits/{visit.id}")
    assert review.status_code == 200
    assert "Pharmacist override" in review.text and REASON in review.text
    assert "is above the label maximum (168 mL/h)" in review.text  # the alert, despite the 300 mL/h cap
    assert "168 mL/h (label max)" in review.text

    summary = await desk.get(f"/visits/{visit.id}/summary")
    assert summary.status_code == 200
    assert ("Order override by Pharmacist Pia: The rate cap 300 mL/h is above the label maximum of 4 mg/kg/min "
            f"at 70 kg (168 mL/h). Reason: {REASON.rstrip('.')}.") in summary.text
