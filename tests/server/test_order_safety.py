"""Order safety at order entry (server/services/order_safety.py) through the real HTTP stack: an order
above the label maximum or the at-risk cap is refused with the field and the reason unless the
pharmacist records an override; an at-risk patient on a product without a numeric at-risk cap needs a
cap (or the organization's default, which a pharmacist sets on the catalogue page, audited)."""

from __future__ import annotations

import html
import re

import httpx

from server.db.models import AuditEntry, Order, Organization, OrderRevision, Patient
from tests.server.test_pharmacy_pages import create_order, order_form, post_form

PRIVIGEN_ITP_300 = {"product": "privigen-10|ITP", "dosing_weight_kg": "70", "rate_cap_ml_h": "300"}
LABEL_MAX_TEXT = "The rate cap 300 mL/h is above the label maximum of 4 mg/kg/min at 70 kg (168 mL/h)"
REASON = "Prescriber Dr. Amari confirmed 300 mL/h by phone; tolerated at this rate for 2 years."


async def latest_order(patient: Patient) -> Order:
    order = await Order.filter(patient=patient).order_by("-id").first()
    assert order is not None
    return order


async def at_risk(patient: Patient) -> Patient:
    patient.thrombosis_risk = True
    await patient.save(update_fields=["thrombosis_risk"])
    return patient


async def set_default(client: httpx.AsyncClient, value: str) -> httpx.Response:
    return await post_form(client, "/pharmacy/at-risk-cap", {"at_risk_cap_mg_kg_min": value}, page="/pharmacy/catalogue")


async def test_privigen_itp_300_ml_h_for_70_kg_is_refused_naming_the_cap_and_the_label_maximum(
    client_factory, pharmacist_pia, patient_pat
):
    before = await Order.filter(patient=patient_pat).count()
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, **PRIVIGEN_ITP_300)
    assert response.status_code == 422
    assert LABEL_MAX_TEXT in response.text
    assert "record a pharmacist override: give the reason" in response.text
    assert 'name="override_reason"' in response.text and 'value="300"' in response.text
    assert await Order.filter(patient=patient_pat).count() == before


async def test_the_same_order_with_an_override_reason_is_kept_with_the_reason_who_and_what(
    client_factory, pharmacist_pia, patient_pat
):
    client = await client_factory(pharmacist_pia)
    response = await create_order(client, patient_pat.id, **PRIVIGEN_ITP_300, override_reason=REASON)
    assert response.status_code == 303
    order = await latest_order(patient_pat)
    override = order.safety_override
    assert (order.rate_cap_ml_h, override["reason"], override["by_id"]) == (300, REASON, pharmacist_pia.id)
    assert [p["code"] for p in override["problems"]] == ["cap_above_label_max"]
    assert override["problems"][0]["finding"] == LABEL_MAX_TEXT
    entry = await AuditEntry.filter(action="order.create", object_id=str(order.id)).get()
    assert entry.detail["safety_override"] is True and REASON not in str(entry.detail)
    page = await client.get(f"/pharmacy/patients/{patient_pat.id}")
    assert "Pharmacist override" in page.text and REASON in page.text


async def test_an_edit_keeps_the_override_on_the_revision_and_refuses_a_new_excess_without_one(
    client_factory, pharmacist_pia, patient_pat
):
    client = await client_factory(pharmacist_pia)
    await create_order(client, patient_pat.id, **PRIVIGEN_ITP_300, override_reason=REASON)
    order = await latest_order(patient_pat)
    edit = {"based_on_revision": "1", "override_reason": REASON, "dose_g_per_kg": "0.8", "dose_differs": "on"}
    url, page = f"/pharmacy/orders/{order.id}", f"/pharmacy/orders/{order.id}/edit"
    assert (await post_form(client, url, order_form(**PRIVIGEN_ITP_300, **edit), page=page)).status_code == 303
    saved = await Order.get(id=order.id)
    assert saved.safety_override == order.safety_override  # same reason, same problems: same override
    revision = await OrderRevision.get(order=order, revision=1)
    assert revision.snapshot["safety_override"]["reason"] == REASON
    cleared = order_form(**{**PRIVIGEN_ITP_300, "rate_cap_ml_h": "400", "dose_g_per_kg": "0.8"}, based_on_revision="2")
    refused = await post_form(client, url, cleared, page=page)
    assert refused.status_code == 422 and "The rate cap 400 mL/h is above the label maximum" in refused.text
    assert (await Order.get(id=order.id)).revision == 2


async def test_explicit_steps_above_the_label_maximum_are_refused_too(client_factory, pharmacist_pia, patient_pat):
    steps = {"product": "privigen-10|ITP", "dosing_weight_kg": "70", "basis": "order",
             "steps_ml_h": "60, 120, 180, 240", "step_interval_min": "15"}
    response = await create_order(await client_factory(pharmacist_pia), patient_pat.id, **steps)
    assert response.status_code == 422
    assert "Steps 180, 240 mL/h are above the label maximum of 4 mg/kg/min at 70 kg (168 mL/h)" in response.text


async def test_steps_sooner_than_the_label_lets_a_rate_run_are_refused_beside_the_interval_unless_overridden(
    client_factory, pharmacist_pia, patient_pat
):
    """Gammagard Liquid PI: the label holds the start rate 30 minutes and steps every 30 (LABELS.md s.2.1)."""
    steps = {"product": "gammagard-liquid-10|PI", "dosing_weight_kg": "70", "basis": "order",
             "steps_ml_h": "35, 70, 140", "step_interval_min": "15"}
    client = await client_factory(pharmacist_pia)
    refused = await create_order(client, patient_pat.id, **steps)
    assert refused.status_code == 422
    text = "Steps every 15 min come sooner than the label lets a rate run (30 min)"
    beside = re.search(r'name="step_interval_min"[^>]*>\s*<span class="field-error">([^<]*)<', html.unescape(refused.text))
    assert beside is not None and beside[1] == f"{text}: lengthen it, or record a pharmacist override with the reason."
    at_the_label = await create_order(client, patient_pat.id, **{**steps, "step_interval_min": "30"})
    assert at_the_label.status_code == 303 and (await latest_order(patient_pat)).safety_override is None
    kept = await create_order(client, patient_pat.id, **steps, override_reason=REASON)
    assert kept.status_code == 303
    order = await latest_order(patient_pat)
    assert order.step_interval_min == 15
    assert order.safety_override["problems"] == [
        {"code": "step_interval_below_label", "field": "step_interval_min", "finding": text}]


async def test_where_the_label_is_silent_steps_sooner_than_the_vital_signs_are_refused(
    client_factory, pharmacist_pia, patient_pat
):
    """Privigen CIDP's times are ivlog's: the floor is the vital signs' cadence while titrating (CLINICAL.md
    s.3, rules.json vitals_schedule: every 15 min). A walk saved steps every 5 minutes."""
    steps = {"product": "privigen-10|CIDP", "dosing_weight_kg": "70", "basis": "order",
             "steps_ml_h": "21, 42, 84", "step_interval_min": "5"}
    client = await client_factory(pharmacist_pia)
    refused = await create_order(client, patient_pat.id, **steps)
    assert refused.status_code == 422
    assert ("Steps every 5 min come sooner than vital signs are checked while titrating (every 15 min): "
            "lengthen it") in html.unescape(refused.text)
    assert (await create_order(client, patient_pat.id, **{**steps, "step_interval_min": "15"})).status_code == 303


async def test_an_at_risk_patient_on_privigen_without_a_cap_is_refused_and_no_override_lets_it_through(
    client_factory, pharmacist_pia, patient_pat
):
    await at_risk(patient_pat)
    client = await client_factory(pharmacist_pia)
    response = await create_order(client, patient_pat.id, product="privigen-10|CIDP", dosing_weight_kg="70",
                                  override_reason=REASON)
    assert response.status_code == 422
    assert "this label gives no numeric at-risk cap (minimum rate practicable): enter a rate cap in mL/h" in response.text
    accepted = await create_order(client, patient_pat.id, product="privigen-10|CIDP", dosing_weight_kg="70",
                                  rate_cap_ml_h="100")
    assert accepted.status_code == 303
    order = await latest_order(patient_pat)
    assert (order.rate_cap_ml_h, order.safety_override) == (100, None)


async def test_with_the_organizations_default_an_at_risk_order_needs_no_cap_of_its_own(
    client_factory, pharmacist_pia, patient_pat
):
    await at_risk(patient_pat)
    client = await client_factory(pharmacist_pia)
    assert (await set_default(client, "3.3")).status_code == 303
    response = await create_order(client, patient_pat.id, product="privigen-10|CIDP", dosing_weight_kg="70")
    assert response.status_code == 303
    organization = await Organization.get(id=pharmacist_pia.organization_id)
    assert (organization.at_risk_cap_mg_kg_min, organization.at_risk_cap_set_by) == (3.3, pharmacist_pia.id)
    assert organization.at_risk_cap_set_at is not None
    entry = await AuditEntry.filter(action="organization.at_risk_cap_set").get()
    assert entry.detail == {"before": None, "after": 3.3} and entry.user_id == pharmacist_pia.id
    page = await client.get("/pharmacy/catalogue")
    assert "3.3 mg/kg/min</strong>, set by" in page.text and pharmacist_pia.display_name in page.text


async def test_a_default_outside_0_5_to_8_mg_kg_min_is_refused_and_an_empty_one_clears_it(
    client_factory, pharmacist_pia
):
    client = await client_factory(pharmacist_pia)
    refused = await set_default(client, "12")
    assert refused.status_code == 422 and "must be at most 8" in refused.text
    assert (await Organization.get(id=pharmacist_pia.organization_id)).at_risk_cap_mg_kg_min is None
    await set_default(client, "3.3")
    assert (await set_default(client, "")).status_code == 303
    assert (await Organization.get(id=pharmacist_pia.organization_id)).at_risk_cap_mg_kg_min is None
