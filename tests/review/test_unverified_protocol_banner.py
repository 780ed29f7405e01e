"""A visit on a catalogue row no pharmacist of the organization has verified says so on the review page,
the summary page, its PDF and the FHIR narrative; once a pharmacist verifies the row, none of them does.
A visit on a product without verified rates says that instead."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader

from server.db.models import Order

from tests.review import scripts

BANNER = "Unverified protocol"


async def shown_in(desk, visit_id) -> dict[str, bool]:
    pdf = PdfReader(io.BytesIO((await desk.get(f"/visits/{visit_id}/summary.pdf")).content)).pages[0].extract_text()
    return {
        "review": BANNER in (await desk.get(f"/review/visits/{visit_id}")).text,
        "summary": BANNER in (await desk.get(f"/visits/{visit_id}/summary")).text,
        "pdf": BANNER in pdf,
        "fhir": BANNER in json.dumps((await desk.get(f"/visits/{visit_id}/fhir")).json()),
    }


async def test_an_unverified_protocol_is_named_everywhere_until_a_pharmacist_verifies_it(
    push_visit, desk, post_form, nurse_ana, patient_pat
):
    visit = await push_visit(nurse_ana, patient_pat, scripts.tolerated())
    assert await shown_in(desk, visit.id) == {"review": True, "summary": True, "pdf": True, "fhir": True}
    signed = await post_form(desk, "/pharmacy/catalogue/verify", {
        "protocol_id": "gammagard-liquid-10-pi", "based_on": "0", "checked_against": "Gammagard Liquid PI"})
    assert signed.status_code == 303
    assert await shown_in(desk, visit.id) == {"review": False, "summary": False, "pdf": False, "fhir": False}


async def test_a_visit_on_a_product_without_verified_rates_says_so_everywhere(
    push_visit, desk, nurse_ana, patient_pat
):
    await Order.filter(patient=patient_pat).update(
        product_id="alyglo-10", basis="order", steps_ml_h=[35, 70, 140, 280, 350], step_interval_min=30,
        rate_cap_ml_h=350)
    visit = await push_visit(nurse_ana, patient_pat, scripts.tolerated())
    review = (await desk.get(f"/review/visits/{visit.id}")).text
    assert "Rates not verified:" in review and "rates not verified; order must give explicit steps" in review
    assert BANNER not in review  # an order protocol: no label row to verify
    pdf = PdfReader(io.BytesIO((await desk.get(f"/visits/{visit.id}/summary.pdf")).content)).pages[0].extract_text()
    fhir = json.dumps((await desk.get(f"/visits/{visit.id}/fhir")).json())
    assert "Rates not verified" in pdf and "Rates not verified: Alyglo 10%" in fhir
