"""Hydration orders (LABELS.md s.6) through the real HTTP stack: normal saline has no label rate, so its order
is a volume over a time ("500 mL over 120 min"), not a g/kg dose with steps. The pharmacist's order form takes
the volume and the time for Sodium chloride 0.9% (order kind fixed_dose), refuses them on an IVIG order,
refuses the IVIG-style fields on a hydration order, and keeps every edit as a revision."""

from __future__ import annotations

import html
import re

import httpx

from server.db.models import Order, OrderRevision, Patient, ProtocolBasis, User
from tests.server.test_pharmacy_pages import create_order, post_form

# patient_pat weighs 70 kg; saline is 9 mg/mL, so 500 mL hold 4.5 g of sodium chloride.
SALINE = {"product": "sodium-chloride-0.9|Hydration", "dose_g_per_kg": None, "dosing_weight_kg": "70",
          "volume_ml": "500", "duration_min": "120"}


async def refused(client: httpx.AsyncClient, patient: Patient, **form: str | None) -> str:
    """The re-rendered form's text after a refused order; nothing is saved."""
    before = await Order.filter(patient=patient).count()
    response = await create_order(client, patient.id, **form)
    assert response.status_code == 422, response.text
    assert await Order.filter(patient=patient).count() == before
    return html.unescape(response.text)


def error_next_to(page: str, name: str) -> str:
    """The field error rendered right after the input called `name` (inside its label)."""
    match = re.search(rf'name="{name}"[^>]*>\s*<span class="field-error">([^<]*)</span>', page)
    assert match, f"no field error next to {name}"
    return match.group(1)


async def newest_order(patient: Patient) -> Order:
    return await Order.filter(patient=patient).order_by("-id").first()


async def test_a_hydration_order_is_written_as_a_volume_over_a_time(
    client_factory, pharmacist_pia: User, patient_pat: Patient
):
    client = await client_factory(pharmacist_pia)
    response = await create_order(client, patient_pat.id, **SALINE)
    assert response.status_code == 303, response.text
    order = await newest_order(patient_pat)
    assert (order.product_id, order.therapy, order.indication) == ("sodium-chloride-0.9", "hydration", "Hydration")
    assert (order.volume_ml, order.duration_min, order.basis) == (500, 120, ProtocolBasis.ORDER)
    assert order.steps_ml_h is None and order.step_interval_min is None and order.safety_override is None
    page = html.unescape((await client.get(f"/pharmacy/patients/{patient_pat.id}")).text)
    assert "500 mL over 120 min (250 mL/h)" in page
    home = html.unescape((await client.get("/pharmacy")).text)
    assert "Sodium chloride 0.9% · Hydration · 500 mL over 120 min (250 mL/h)" in home


async def test_a_hydration_orders_grams_are_exactly_its_volume_times_the_concentration(
    client_factory, pharmacist_pia, patient_pat
):
    """Unrounded: the clinical engine compares grams given with grams ordered to 0.01."""
    assert (await create_order(await client_factory(pharmacist_pia), patient_pat.id, **SALINE)).status_code == 303
    order = await newest_order(patient_pat)
    assert order.dose_g == 4.5
    assert order.dose_g_per_kg == 4.5 / 70


async def test_a_hydration_order_without_a_volume_is_refused_naming_the_volume(client_factory, pharmacist_pia, patient_pat):
    page = await refused(await client_factory(pharmacist_pia), patient_pat, **{**SALINE, "volume_ml": None})
    assert "Volume (mL): enter the volume to give, in mL" in error_next_to(page, "volume_ml")


async def test_a_hydration_order_without_a_time_is_refused_naming_the_time(client_factory, pharmacist_pia, patient_pat):
    page = await refused(await client_factory(pharmacist_pia), patient_pat, **{**SALINE, "duration_min": None})
    assert "Time (minutes): enter the time to give it over, in minutes" in error_next_to(page, "duration_min")


async def test_a_hydration_order_with_a_dose_in_g_per_kg_is_refused_as_ivig_style(client_factory, pharmacist_pia, patient_pat):
    page = await refused(await client_factory(pharmacist_pia), patient_pat, **{**SALINE, "dose_g_per_kg": "0.4"})
    assert "Dose (g/kg): leave the dose in g/kg empty: it belongs to IVIG-style orders" in \
        error_next_to(page, "dose_g_per_kg")


async def test_a_hydration_order_with_titration_steps_is_refused_as_ivig_style(client_factory, pharmacist_pia, patient_pat):
    page = await refused(await client_factory(pharmacist_pia), patient_pat,
                         **{**SALINE, "basis": "order", "steps_ml_h": "100, 200", "step_interval_min": "15"})
    assert "Steps (mL/h): leave the steps empty: it belongs to IVIG-style orders" in page
    assert "Minutes between steps: leave the step interval empty: it belongs to IVIG-style orders" in page


async def test_a_hydration_order_faster_than_1000_ml_h_is_refused_naming_the_time(
    client_factory, pharmacist_pia, patient_pat
):
    page = await refused(await client_factory(pharmacist_pia), patient_pat,
                         **{**SALINE, "volume_ml": "5000", "duration_min": "60"})
    assert ("Time (minutes): 5000 mL over 60 min runs at 5000 mL/h, above 1000 mL/h: give a longer time"
            in error_next_to(page, "duration_min"))


async def test_an_ivig_order_with_a_volume_is_refused_naming_the_volume(client_factory, pharmacist_pia, patient_pat):
    page = await refused(await client_factory(pharmacist_pia), patient_pat, volume_ml="500")
    assert "Volume (mL): leave the volume empty: only a hydration order is written as a volume over a time" in \
        error_next_to(page, "volume_ml")


async def test_an_ivig_order_without_a_dose_is_refused_naming_the_dose(client_factory, pharmacist_pia, patient_pat):
    page = await refused(await client_factory(pharmacist_pia), patient_pat, dose_g_per_kg=None)
    assert "Dose (g/kg): enter the dose in g/kg" in error_next_to(page, "dose_g_per_kg")


async def test_editing_a_hydration_order_keeps_the_volume_it_had_in_a_revision(client_factory, pharmacist_pia, patient_pat):
    client = await client_factory(pharmacist_pia)
    assert (await create_order(client, patient_pat.id, **SALINE)).status_code == 303
    order = await newest_order(patient_pat)
    edit_page = (await client.get(f"/pharmacy/orders/{order.id}/edit")).text
    for name, value in (("volume_ml", "500"), ("duration_min", "120"), ("dose_g_per_kg", "")):
        assert re.search(rf'name="{name}"[^>]*value="{value}"', edit_page), name
    assert "; now 4.5 g: 500 mL over 120 min (250 mL/h)." in edit_page  # the volume, beside the grams
    form = {"product": "sodium-chloride-0.9|Hydration", "dosing_weight_kg": "70", "volume_ml": "1000",
            "duration_min": "240", "basis": "order", "prescriber": "Dr. Phil Amari", "active": "on",
            "based_on_revision": "1", "dose_differs": "on"}  # twice the volume: ticked as meant (dose_change)
    response = await post_form(client, f"/pharmacy/orders/{order.id}", form, page=f"/pharmacy/orders/{order.id}/edit")
    assert response.status_code == 303, response.text
    saved = await Order.get(id=order.id)
    assert (saved.revision, saved.volume_ml, saved.duration_min, saved.dose_g) == (2, 1000, 240, 9.0)
    kept = (await OrderRevision.get(order=order)).snapshot
    assert (kept["volume_ml"], kept["duration_min"], kept["dose_g"]) == (500, 120, 4.5)
    page = html.unescape((await client.get(f"/pharmacy/patients/{patient_pat.id}")).text)
    assert "1000 mL over 240 min (250 mL/h)" in page
    assert "Changed: dose (g/kg), dose (g), volume (mL), time (minutes)" in page
    assert "Was: Sodium chloride 0.9% · Hydration · 500 mL over 120 min (250 mL/h)" in page


async def test_the_reference_api_gives_an_orders_volume_and_time(client_factory, pharmacist_pia, patient_pat):
    client = await client_factory(pharmacist_pia)
    assert (await create_order(client, patient_pat.id, **SALINE)).status_code == 303
    order = await newest_order(patient_pat)
    response = await client.get(f"/api/orders/{order.id}")
    assert response.status_code == 200, response.text
    shown = response.json()["order"]
    assert (shown["volume_ml"], shown["duration_min"], shown["dose_g"]) == (500, 120, 4.5)


async def test_a_hydration_order_at_exactly_1000_ml_h_stands(client_factory, pharmacist_pia, patient_pat):
    """1000 mL over 60 min is 1000 mL/h, not 1000.0000000000001 (compared without dividing)."""
    client = await client_factory(pharmacist_pia)
    response = await create_order(client, patient_pat.id, **{**SALINE, "volume_ml": "1000", "duration_min": "60"})
    assert response.status_code == 303, response.text


async def test_a_hydration_order_slower_than_1_ml_h_is_refused_naming_the_time(client_factory, pharmacist_pia, patient_pat):
    """1 mL over 1440 min (a litre typed as 1) would round to no pump rate: the engines could not run it."""
    page = await refused(await client_factory(pharmacist_pia), patient_pat,
                         **{**SALINE, "volume_ml": "1", "duration_min": "1440"})
    assert ("Time (minutes): 1 mL over 1440 min runs at 0.04 mL/h, below 1 mL/h: check the volume and the time"
            in error_next_to(page, "duration_min"))


async def test_a_hydration_order_with_a_rate_cap_is_refused_as_ivig_style(client_factory, pharmacist_pia, patient_pat):
    """Its rate is its volume over its time: a cap below it would flag every correct run as too fast."""
    page = await refused(await client_factory(pharmacist_pia), patient_pat, **{**SALINE, "rate_cap_ml_h": "100"})
    assert "Rate cap (mL/h): leave the rate cap empty: it belongs to IVIG-style orders" in error_next_to(page, "rate_cap_ml_h")
