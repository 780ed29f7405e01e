"""An order's dosing weight against the patient's recorded one (server/services/dosing_weight.py): a gap
as large as the bedside weight alert's (rules.json weight_change, 10%) is refused unless the pharmacist
ticks that it is meant; a weight typed in pounds is named as such. The fixtures' patients weigh 70 kg."""

from __future__ import annotations

import html

from server.db.models import Order, Patient
from tests.server.test_pharmacy_pages import create_order, edit_order


async def latest(patient: Patient) -> Order:
    order = await Order.filter(patient=patient).order_by("-id").first()
    assert order is not None
    return order


async def test_an_order_weight_typed_in_pounds_is_refused_naming_both_weights_and_the_pounds(
    client_factory, pharmacist_pia, patient_pat
):
    before = await Order.filter(patient=patient_pat).count()
    refused = await create_order(await client_factory(pharmacist_pia), patient_pat.id, dosing_weight_kg="154",
                                 weight_differs=None)
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    # |154 - 70| / 70 = 120%; 154 lb x 0.45359237 = 69.85 kg
    assert ("Dosing weight (kg): 154 kg differs 120% from the patient's recorded dosing weight of 70 kg "
            "(154 lb is 69.9 kg); the dose and every rate scale with it. Correct it, or tick that this dosing "
            "weight is meant.") in page
    assert 'name="weight_differs"' in page  # the box to say it is meant, offered with the refusal
    assert await Order.filter(patient=patient_pat).count() == before


async def test_the_bedside_alerts_ten_percent_is_the_line(client_factory, pharmacist_pia, patient_pat):
    client = await client_factory(pharmacist_pia)
    at_ten = await create_order(client, patient_pat.id, dosing_weight_kg="77", weight_differs=None)  # 7 / 70 = 10.0%
    assert at_ten.status_code == 422 and "differs 10% from the patient's recorded" in html.unescape(at_ten.text)
    below = await create_order(client, patient_pat.id, dosing_weight_kg="76.9", weight_differs=None)  # 9.9%
    assert below.status_code == 303 and (await latest(patient_pat)).dosing_weight_kg == 76.9


async def test_a_weight_ticked_as_meant_is_kept(client_factory, pharmacist_pia, patient_pat):
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, dosing_weight_kg="90",
                                  weight_differs="on")
    assert response.status_code == 303
    order = await latest(patient_pat)
    assert (order.dosing_weight_kg, order.dose_g) == (90, 90)


async def test_an_edit_that_keeps_the_weight_is_not_asked_again_but_a_new_weight_is(
    client_factory, pharmacist_pia, patient_pat
):
    client = await client_factory(pharmacist_pia)
    order = await latest(patient_pat)  # the fixture's Gammagard order, written at 70 kg
    order.dosing_weight_kg = 90.0  # written for 90 kg when the record said 70 (ticked then)
    await order.save(update_fields=["dosing_weight_kg"])
    kept = await edit_order(client, order, dosing_weight_kg="90", dose_g_per_kg="0.8", dose_differs="on")
    assert kept.status_code == 303
    order = await Order.get(id=order.id)
    moved = await edit_order(client, order, dosing_weight_kg="95")
    assert moved.status_code == 422
    assert "95 kg differs 35.7% from the patient's recorded dosing weight of 70 kg" in html.unescape(moved.text)
