"""The FHIR document says what was ordered beside what was given: a MedicationRequest per order the visit
ran on (product, indication, prescriber, dose, route, the organization's order number), and every rate
step's MedicationAdministration names its order in `request`."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle

from server.db.models import Order
from tests.review import scripts
from tests.review.test_summaries import resources
from tests.review.test_visit_orders_summary import saline_order
from tests.server.test_pharmacy_pages import edit_order


def by_url(bundle: dict) -> dict[str, dict]:
    return {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}


def infusion_steps(bundle: dict) -> list[dict]:
    return [m for m in resources(bundle, "MedicationAdministration") if "rateQuantity" in m["dosage"]]


async def signed_document(push_visit, desk, post_form, client_factory, physician, nurse, patient, script, **orders):
    visit = await push_visit(nurse, patient, script, **orders)
    response = await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "Continue.", "alerts_reviewed": "on"})
    assert response.status_code == 303
    bundle = (await (await client_factory(physician)).get(f"/visits/{visit.id}/fhir")).json()
    Bundle.model_validate(bundle)
    return visit, bundle


async def test_each_rate_step_names_the_order_it_ran_on_with_its_dose_prescriber_and_indication(
    push_visit, desk, post_form, client_factory, nurse_ana, patient_pat, physician_phil
):
    visit, bundle = await signed_document(push_visit, desk, post_form, client_factory, physician_phil, nurse_ana,
                                          patient_pat, scripts.tolerated())
    [request] = resources(bundle, "MedicationRequest")
    assert (request["status"], request["intent"]) == ("active", "order")
    assert request["identifier"][0]["value"] == str(visit.order_id)
    assert request["medicationCodeableConcept"]["text"] == "Gammagard Liquid 10%"
    assert request["reasonCode"][0]["text"] == "PI"
    dosage = request["dosageInstruction"][0]
    assert dosage["text"] == "70 g (1 g/kg × 70 kg), intravenous"
    assert dosage["doseAndRate"][0]["doseQuantity"] == {"value": 70.0, "unit": "g", "system": "http://unitsofmeasure.org", "code": "g"}
    assert dosage["route"]["coding"][0]["code"] == "47625008"
    prescriber = by_url(bundle)[request["requester"]["reference"]]
    assert prescriber == {**prescriber, "resourceType": "Practitioner", "name": [{"text": "Dr. Test"}]}
    steps = infusion_steps(bundle)
    assert steps and {by_url(bundle)[m["request"]["reference"]]["id"] for m in steps} == {request["id"]}
    section = next(s for s in bundle["entry"][0]["resource"]["section"] if s["title"] == "Infusion and medications")
    assert {"reference": f"urn:uuid:{request['id']}"} in section["entry"]


async def test_a_pre_hydration_is_its_own_request_a_volume_over_a_time_with_its_rate(
    push_visit, desk, post_form, client_factory, nurse_ana, patient_pat, pharmacist_pia, physician_phil
):
    primary = await Order.get(patient=patient_pat)
    saline = await saline_order(patient_pat, pharmacist_pia)
    script = scripts.tolerated()
    script.add(2, "infusion.started", {"rate_ml_h": 250, "order_id": str(saline.id)})
    script.add(32, "infusion.stopped", {"reason": "completed", "pump_volume_ml": None, "order_id": str(saline.id)})
    _, bundle = await signed_document(push_visit, desk, post_form, client_factory, physician_phil, nurse_ana,
                                      patient_pat, script, order=primary, other_orders=(saline,))
    requests = {r["identifier"][0]["value"]: r for r in resources(bundle, "MedicationRequest")}
    assert set(requests) == {str(primary.id), str(saline.id)}
    bag = requests[str(saline.id)]["dosageInstruction"][0]
    assert bag["text"] == "250 mL over 60 min (250 mL/h), intravenous"
    assert (bag["doseAndRate"][0]["doseQuantity"]["value"], bag["doseAndRate"][0]["rateQuantity"]["value"]) == (250, 250)
    names = [p["name"][0]["text"] for p in resources(bundle, "Practitioner")]
    assert names.count("Dr. Test") == 1  # the prescriber of both orders, once
    for step in infusion_steps(bundle):
        named = by_url(bundle)[step["request"]["reference"]]["identifier"][0]["value"]
        assert named == (str(saline.id) if step["dosage"]["text"].startswith(f"Order {saline.id},") else str(primary.id))


async def test_an_order_edited_after_the_visit_stays_in_the_document_as_the_visit_ran_on_it(
    push_visit, desk, post_form, client_factory, nurse_ana, patient_pat, physician_phil
):
    visit, _ = await signed_document(push_visit, desk, post_form, client_factory, physician_phil, nurse_ana,
                                     patient_pat, scripts.tolerated())
    order = await Order.get(id=visit.order_id)
    edited = await edit_order(desk, order, dose_g_per_kg="2.0", dose_differs="on")
    assert edited.status_code == 303 and (await Order.get(id=order.id)).revision == 2
    bundle = (await (await client_factory(physician_phil)).get(f"/visits/{visit.id}/fhir")).json()
    [request] = resources(bundle, "MedicationRequest")
    assert request["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 70.0
    assert request["note"][0]["text"] == f"Order {order.id}, revision 1, as the visit ran on it"
