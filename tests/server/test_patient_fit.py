"""An order that does not fit its patient is asked about before it is saved (server/services/patient_fit.py,
server/services/usual_dose.py): a product below its label's age, an immune globulin for a patient with IgA
deficiency, and an adult's premedication dose for a child. A walk ordered Octagam 10% with acetaminophen 650 mg
for a child of 7 and 18 kg with IgA deficiency, and nothing was asked."""

from __future__ import annotations

import html
from datetime import date

from server.db.models import AuditEntry, Order, Patient
from tests.server.test_pharmacy_pages import create_order, edit_order

CHILD_FORM = {"product": "octagam-10|ITP", "dosing_weight_kg": "18", "weight_differs": None, "same_therapy": None}


async def _child(org, physician) -> Patient:
    today = date.today()
    return await Patient.create(organization=org, mrn="MRN-LILY", given_name="Lily", family_name="Okafor",
                                birth_date=today.replace(year=today.year - 7) if (today.month, today.day) != (2, 29)
                                else date(today.year - 7, 2, 28), dosing_weight_kg=18.0, physician=physician,
                                iga_deficiency=True)


async def test_a_product_below_its_labels_age_for_an_iga_deficient_child_is_asked_about_with_her_doses(
        client_factory, pharmacist_pia, physician_phil, org):
    lily = await _child(org, physician_phil)
    client = await client_factory(pharmacist_pia)
    refused = await create_order(client, lily.id, **CHILD_FORM)
    page = html.unescape(refused.text)
    assert refused.status_code == 422
    assert ("Product and indication: the label gives Octagam 10% for ITP from 18 years (LABELS.md s.2.4); Okafor, "
            "Lily is 7. Choose another product, or tick that this one is meant at this age") in page
    assert ("IgA deficiency: flagged on Okafor, Lily's record; immune globulin can cause anaphylaxis in IgA-deficient "
            "patients (CLINICAL.md s.4).") in page
    assert ("Premedication 1, dose: acetaminophen 650 mg PO: the usual 325–650 mg PO is an adult's dose (CLINICAL.md "
            "s.4, a mild reaction's suggested actions); Okafor, Lily is 7: check it for the weight") in page
    assert "PRN order 1, dose: epinephrine 0.3 mg IM: the usual 0.3 mg IM is an adult's dose" in page
    for box in ("age_meant", "iga_meant", "medication_dose_differs"):
        assert f'name="{box}"' in page
    assert not await Order.exists(patient=lily)

    meant = {"age_meant": "on", "iga_meant": "on", "medication_dose_differs": "on"}
    assert (await create_order(client, lily.id, **CHILD_FORM, **meant)).status_code == 303
    order = await Order.get(patient=lily)
    created = await AuditEntry.get(action="order.create", outcome="ok", object_id=str(order.id))
    assert created.detail["meant"] == ["medication_dose_differs", "age_meant", "iga_meant"]  # the ticks, kept
    kept = await edit_order(client, order, product="octagam-10|ITP", dosing_weight_kg="18", dose_g_per_kg="1",
                            prescriber="Dr. Other", **{f"premeds-{i}-{k}": None for i in range(2) for k in
                                                       ("drug", "dose", "unit", "route", "minutes_before")},
                            **{f"prn_orders-0-{k}": None for k in ("drug", "dose", "unit", "route", "indication")})
    assert kept.status_code == 303, html.unescape(kept.text)  # the same product at the next edit: not asked again


async def test_an_adult_with_nothing_to_ask_saves_at_once(client_factory, pharmacist_pia, patient_pat):
    """The fixture's patient is 60 and not IgA deficient: Privigen CIDP (no age limit) with adult doses."""
    assert (await create_order(await client_factory(pharmacist_pia), patient_pat.id)).status_code == 303
