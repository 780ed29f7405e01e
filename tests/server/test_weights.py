"""A weight typed in pounds, said as such ("154 lb"), is stored in kilograms at admission and on an order; a
bare number stays kilograms; a unit the field does not know is refused naming the field. A walk typed a
patient's 154 lb into the kilogram box at admission, where no earlier weight could flag it."""

from __future__ import annotations

import pytest

from server.db.models import Order, Patient
from server.services.weights import kilograms
from tests.server.test_admin_pages import patient_form, post_form
from tests.server.test_pharmacy_pages import edit_order


@pytest.mark.parametrize(("typed", "kg"), [
    ("154 lb", 69.9), ("154lbs", 69.9), ("154 LB", 69.9), ("1 pound", 0.5), ("220 pounds", 99.8),
    ("70", 70.0), ("70 kg", 70.0), (" 68.5kg ", 68.5), (70, 70),
])
def test_a_weight_in_pounds_said_as_such_becomes_kilograms(typed, kg):
    assert kilograms(typed) == kg


@pytest.mark.parametrize("typed", ["154 st", "lb", "seventy", "-70 kg", "70 kg 5"])
def test_anything_else_is_left_for_the_field_to_refuse(typed):
    assert kilograms(typed) == typed


async def test_an_admission_weight_in_pounds_is_stored_in_kilograms(client_factory, admin_ada):
    admin = await client_factory(admin_ada)
    saved = await post_form(admin, "/admin/patients", patient_form(dosing_weight_kg="154 lb"))
    assert saved.status_code == 303, saved.text
    assert (await Patient.get(mrn="MRN-NEW")).dosing_weight_kg == 69.9


@pytest.mark.parametrize("typed", ["154 st", "154 kilos"])
async def test_an_admission_weight_in_a_unit_the_field_does_not_know_names_the_field(client_factory, admin_ada, typed):
    admin = await client_factory(admin_ada)
    refused = await post_form(admin, "/admin/patients", patient_form(dosing_weight_kg=typed))
    assert refused.status_code == 422 and "Dosing weight (kg): " in refused.text
    assert not await Patient.exists(mrn="MRN-NEW")


async def test_an_orders_dosing_weight_in_pounds_is_stored_in_kilograms(client_factory, pharmacist_pia, patient_pat):
    desk = await client_factory(pharmacist_pia)
    order = await Order.get(patient=patient_pat)
    assert (await edit_order(desk, order, dosing_weight_kg="152 lb")).status_code == 303  # 68.9 kg, near 70
    order = await Order.get(id=order.id)
    assert (order.dosing_weight_kg, order.dose_g) == (68.9, 68.9)
