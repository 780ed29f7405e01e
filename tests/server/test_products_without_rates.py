"""Products on the market without verified rates (products.json products_without_rates, LABELS.md s.2.10)
through the real HTTP stack: the order form offers them, refuses an order without explicit steps (naming
the field and saying the rates are not verified) or without its own rate cap, accepts one with both, and
the catalogue page lists them with the note."""

from __future__ import annotations

import html

from server.clinical import load_products
from server.db.models import Order, Patient, User
from tests.server.test_pharmacy_pages import create_order

ALYGLO = {"product": "alyglo-10|PI", "dosing_weight_kg": "70"}
STEPS = {"basis": "order", "steps_ml_h": "30, 60, 120", "step_interval_min": "15", "rate_cap_ml_h": "120"}
NOTE = "rates not verified; order must give explicit steps"


async def count(patient: Patient) -> int:
    return await Order.filter(patient=patient).count()


async def test_the_order_form_offers_every_product_without_rates_with_the_note(client_factory, pharmacist_pia, patient_pat):
    page = (await (await client_factory(pharmacist_pia)).get(f"/pharmacy/patients/{patient_pat.id}/orders/new")).text
    unrated = load_products().unrated
    for entry in unrated:
        for indication in entry.indications:
            assert f'value="{entry.product.id}|{indication}"' in page
            assert html.escape(f"{entry.product.name} · {indication} ({entry.rates_note})") in page
    assert {entry.rates_note for entry in unrated if entry.product.therapy == "ivig"} == {NOTE}


async def test_an_alyglo_order_on_the_label_protocol_is_refused_naming_the_steps_field(
    client_factory, pharmacist_pia: User, patient_pat: Patient
):
    before = await count(patient_pat)
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, **ALYGLO)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "rates not verified for Alyglo 10%; give explicit steps" in text
    assert 'name="steps_ml_h"' in response.text
    assert await count(patient_pat) == before


async def test_an_alyglo_order_with_steps_but_no_minutes_is_refused_naming_the_interval(
    client_factory, pharmacist_pia, patient_pat
):
    form = {**ALYGLO, **STEPS, "step_interval_min": ""}
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, **form)
    assert response.status_code == 422
    assert "rates not verified for Alyglo 10%; give explicit steps (the minutes between steps)" in html.unescape(response.text)


async def test_an_alyglo_order_without_a_rate_cap_is_refused_and_no_override_lets_it_stand(
    client_factory, pharmacist_pia, patient_pat
):
    before = await count(patient_pat)
    form = {**ALYGLO, **STEPS, "rate_cap_ml_h": "", "override_reason": "Prescriber confirmed by phone."}
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, **form)
    assert response.status_code == 422
    assert "no label maximum bounds the order: enter a rate cap in mL/h" in html.unescape(response.text)
    assert await count(patient_pat) == before


async def test_an_alyglo_order_with_steps_minutes_and_a_cap_is_saved(client_factory, pharmacist_pia, patient_pat):
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, **ALYGLO, **STEPS)
    assert response.status_code == 303, response.text
    order = await Order.filter(patient=patient_pat).order_by("-id").first()
    assert (order.product_id, order.indication, str(order.basis)) == ("alyglo-10", "PI", "order")
    assert (order.steps_ml_h, order.step_interval_min, order.rate_cap_ml_h) == ([30, 60, 120], 15, 120)
    assert order.safety_override is None


async def test_steps_above_the_orders_own_cap_are_refused(client_factory, pharmacist_pia, patient_pat):
    form = {**ALYGLO, **STEPS, "steps_ml_h": "30, 60, 900"}
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, **form)
    assert response.status_code == 422
    assert "Steps 900 mL/h are above the order's rate cap (120 mL/h)" in html.unescape(response.text)


async def test_the_catalogue_page_lists_products_without_rates_with_the_note_and_ndc(client_factory, pharmacist_pia):
    page = html.unescape((await (await client_factory(pharmacist_pia)).get("/pharmacy/catalogue")).text)
    section = page.split('id="without-rates"', 1)[1]
    for name, ndc in (("Alyglo 10%", "61476-104"), ("Yimmugo 10%", "70573-605"), ("Gammagard Liquid ERC 10%", "0944-2705")):
        part = section.split(f"{name} · PI", 1)[1]
        assert NOTE in part[:400] and f"NDC {ndc}" in part[:1200], name
    assert "2 years and older" in section and "Gammagard S/D is not listed" in section
