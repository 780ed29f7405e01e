"""Two active orders of one therapy for one patient are a duplicate therapy: each can be booked and each
visit gives a full dose. The order page refuses a second active IVIG order, naming the one that stands,
until the pharmacist ticks that it is meant (server/services/duplicate_therapy.py)."""

from __future__ import annotations

import html

from server.db.models import Order
from tests.server.test_hydration_orders import SALINE
from tests.server.test_pharmacy_pages import create_order, edit_order

REFUSED = "this patient already has an active IVIG order (order {id}, Gammagard Liquid 10%)"


async def test_a_second_active_ivig_order_is_refused_naming_the_one_that_stands(client_factory, pharmacist_pia,
                                                                                  patient_pat):
    [standing] = await Order.filter(patient=patient_pat)
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, same_therapy=None)
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert REFUSED.format(id=standing.id) in page and "A second active order of this therapy is meant" in page
    assert await Order.filter(patient=patient_pat).count() == 1


async def test_ticked_as_meant_the_second_ivig_order_is_saved(client_factory, pharmacist_pia, patient_pat):
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, same_therapy="on")
    assert response.status_code == 303, response.text
    assert await Order.filter(patient=patient_pat, active=True, therapy="ivig").count() == 2


async def test_a_hydration_order_beside_the_ivig_order_is_another_therapy(client_factory, pharmacist_pia, patient_pat):
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, **SALINE, same_therapy=None)
    assert response.status_code == 303, response.text


async def test_an_inactive_ivig_order_does_not_stand_in_the_way(client_factory, pharmacist_pia, patient_pat):
    await Order.filter(patient=patient_pat).update(active=False)
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, same_therapy=None)
    assert response.status_code == 303, response.text


async def test_making_an_order_active_again_beside_another_is_refused_but_editing_an_active_one_is_not(
    client_factory, pharmacist_pia, patient_pat
):
    client = await client_factory(pharmacist_pia)
    [first] = await Order.filter(patient=patient_pat)
    assert (await create_order(client, patient_pat.id, same_therapy="on")).status_code == 303
    assert (await edit_order(client, first, prescriber="Dr. Other")).status_code == 303  # active both: not asked again

    first = await Order.get(id=first.id)
    assert (await edit_order(client, first, active=None)).status_code == 303  # made inactive
    first = await Order.get(id=first.id)
    again = await edit_order(client, first)
    assert again.status_code == 422 and "this patient already has an active IVIG order" in html.unescape(again.text)
    assert (await edit_order(client, first, same_therapy="on")).status_code == 303
    assert (await Order.get(id=first.id)).active
