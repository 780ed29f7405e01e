"""A revision's dose against the revision it edits (server/services/dose_change.py): a move as large as the
bedside weight alert's gap (rules.json weight_change, 10%) is refused unless the pharmacist ticks that it is
meant. A walk raised 0.4 g/kg to 2 in one save with no word. The fixture's order is 1.0 g/kg at 70 kg."""

from __future__ import annotations

import html

from server.db.models import Order
from tests.server.test_dosing_weight import latest
from tests.server.test_pharmacy_pages import edit_order


async def test_a_doubled_dose_is_refused_naming_both_doses_and_the_grams_until_ticked(
        client_factory, pharmacist_pia, patient_pat):
    client = await client_factory(pharmacist_pia)
    order = await latest(patient_pat)
    refused = await edit_order(client, order, dose_g_per_kg="2")
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert ("Dose (g/kg): the dose changes from 1 to 2 g/kg (70 g to 140 g), 2 times the revision you edit. "
            "Correct it, or tick that this dose change is meant (the prescriber ordered it).") in page
    assert 'name="dose_differs"' in page  # the box to say it is meant, offered with the refusal
    assert (await Order.get(id=order.id)).revision == order.revision  # nothing saved

    meant = await edit_order(client, order, dose_g_per_kg="2", dose_differs="on")
    assert meant.status_code == 303
    saved = await Order.get(id=order.id)
    assert (saved.dose_g_per_kg, saved.dose_g, saved.revision) == (2, 140, order.revision + 1)


async def test_a_move_below_the_bedside_gap_or_no_move_is_not_asked(client_factory, pharmacist_pia, patient_pat):
    client = await client_factory(pharmacist_pia)
    order = await latest(patient_pat)
    assert (await edit_order(client, order, dose_g_per_kg="1.09")).status_code == 303  # 9%
    order = await Order.get(id=order.id)
    at_ten = await edit_order(client, order, dose_g_per_kg="0.981")  # |0.981 - 1.09| / 1.09 = 10.0%
    assert at_ten.status_code == 422 and "the dose changes from 1.09 to 0.98 g/kg" in html.unescape(at_ten.text)
    unchanged = await edit_order(client, order, dose_g_per_kg="1.09", prescriber="Dr. Other")
    assert unchanged.status_code == 303


async def test_a_new_dosing_weight_is_asked_about_once_not_again_as_a_dose(client_factory, pharmacist_pia, patient_pat):
    """The grams follow a new weight too, but the weight has its own question (dosing_weight): one tick, not two."""
    client = await client_factory(pharmacist_pia)
    order = await latest(patient_pat)
    moved = await edit_order(client, order, dosing_weight_kg="90", weight_differs="on")
    assert moved.status_code == 303
    assert (await Order.get(id=order.id)).dose_g == 90
