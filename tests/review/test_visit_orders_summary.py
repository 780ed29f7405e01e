"""A visit of two orders in the review page, the physician summary (page and PDF) and the FHIR document:
the additional order's infusion is listed with its times and volume, its pump events name their order,
and the IVIG's own figures are those of the visit without it.

The first test's second order is a second IVIG order (Privigen 10% for CIDP); the others hold saline
(hydration, a volume over a time: LABELS.md s.6), before, after or instead of the IVIG."""

from __future__ import annotations

import io
import json
import re

from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from server.clinical import fold_timeline
from server.db.models import Order, Visit
from server.services import visits
from tests.api.events import script_started
from tests.review import scripts
from tests.review.test_summaries import resources, save_first_page_picture


async def two_order_visit(push_visit, nurse, patient, pharmacist) -> tuple[Visit, Order]:
    """The tolerated IVIG visit, with a second order run 09:02-09:32 at 100 mL/h before the IVIG (50 mL)."""
    primary = await Order.get(patient=patient)
    second = await Order.create(organization_id=patient.organization_id, patient=patient, product_id="privigen-10",
                                indication="CIDP", dose_g_per_kg=0.4, dose_g=28.0, dosing_weight_kg=70.0,
                                prescriber="Dr. Test", created_by=pharmacist)
    script = scripts.tolerated()
    script.add(2, "infusion.started", {"rate_ml_h": 100, "order_id": str(second.id)})
    script.add(32, "infusion.stopped", {"reason": "completed", "pump_volume_ml": 50, "order_id": str(second.id)})
    return await push_visit(nurse, patient, script, order=primary, other_orders=(second,)), second


async def saline_order(patient, pharmacist, volume_ml: float = 250.0, duration_min: int = 60) -> Order:
    """A hydration order of the patient: `volume_ml` of 0.9% saline over `duration_min` (LABELS.md s.6),
    its grams of sodium chloride beside it."""
    grams = volume_ml * 9 / 1000
    return await Order.create(organization_id=patient.organization_id, patient=patient,
                              product_id="sodium-chloride-0.9", therapy="hydration", indication="Hydration",
                              dose_g_per_kg=grams / 70, dose_g=grams, dosing_weight_kg=70.0, basis="order",
                              volume_ml=volume_ml, duration_min=duration_min, prescriber="Dr. Test",
                              created_by=pharmacist)


async def test_the_review_summary_pdf_and_fhir_list_the_other_orders_infusion(
    push_visit, desk, post_form, client_factory, nurse_ana, patient_pat, pharmacist_pia, physician_phil
):
    visit, second = await two_order_visit(push_visit, nurse_ana, patient_pat, pharmacist_pia)
    events = await visits.events_of(visit)
    context = await visits.context_for(visit, events=events)
    alone = fold_timeline([e for e in events if not e["payload"].get("order_id") or e["kind"] == "visit.started"],
                          context=context).to_dict()
    assert visit.volume_infused_ml == alone["infusion"]["volume_infused_ml"] > 0  # the IVIG's, as without order 2
    review = (await desk.get(f"/review/visits/{visit.id}")).text
    assert "Other orders of this visit" in review and f"Order {second.id} · IVIG · Privigen 10%" in review
    assert f"100 mL/h · order {second.id}" in review  # its pump event in the timeline, named
    assert "pump 50" in review
    signed = await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "Continue the plan.", "alerts_reviewed": "on"})
    assert signed.status_code == 303

    physician = await client_factory(physician_phil)
    page = (await physician.get(f"/visits/{visit.id}/summary")).text
    assert "Other orders of this visit" in page and "Privigen 10% (IVIG)" in page
    document = (await physician.get(f"/visits/{visit.id}/summary.pdf")).content
    save_first_page_picture(document, "summary-two-orders-page1")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(document)).pages)
    assert "Other orders of this visit" in text and "Privigen 10% (IVIG)" in text

    bundle = (await physician.get(f"/visits/{visit.id}/fhir")).json()
    Bundle.model_validate(bundle)
    given = [m for m in resources(bundle, "MedicationAdministration") if "rateQuantity" in m["dosage"]]
    other = [m for m in given if m["dosage"]["text"].startswith(f"Order {second.id},")]
    assert [(m["dosage"]["rateQuantity"]["value"], m["dosage"]["dose"]["value"]) for m in other] == [(100, 50)]
    assert other[0]["contained"][0]["code"]["text"] == "Privigen 10%" and "batch" not in other[0]["contained"][0]
    assert other[0]["effectivePeriod"]["end"] > other[0]["effectivePeriod"]["start"]
    ivig = [m for m in given if m not in other]
    assert [m["dosage"]["rateQuantity"]["value"] for m in ivig] == [s["rate_ml_h"] for s in alone["segments"]]
    assert {m["contained"][0]["batch"]["lotNumber"] for m in ivig} == {"LE12A"}


async def test_a_pre_hydrations_bag_is_its_own_lot_in_fhir_not_the_ivigs(
    push_visit, desk, post_form, client_factory, nurse_ana, patient_pat, pharmacist_pia, physician_phil
):
    """Saline 250 mL over 60 min, its bag opened first, run 09:02-09:32 (125 mL), then the IVIG: each
    administration names the lot of its own product. Before, the IVIG's first millilitres were "drawn" from
    the saline bag, the first lot opened (payer proof of the wrong lot)."""
    primary = await Order.get(patient=patient_pat)
    saline = await saline_order(patient_pat, pharmacist_pia)
    script = scripts.tolerated()
    script.add(1, "product.opened", {"product_id": "sodium-chloride-0.9", "lot": "NS2501", "expiry": "2030-12-31",
                                     "volume_ml": 250, "inspected_ok": True})
    script.add(2, "infusion.started", {"rate_ml_h": 250, "order_id": str(saline.id)})
    script.add(32, "infusion.stopped", {"reason": "completed", "pump_volume_ml": None, "order_id": str(saline.id)})
    visit = await push_visit(nurse_ana, patient_pat, script, order=primary, other_orders=(saline,))
    review = (await desk.get(f"/review/visits/{visit.id}")).text
    assert "Sodium chloride 0.9% NS2501 (exp. 2030-12-31, 250 mL)" in review and "; Gammagard Liquid 10% LE12A (exp." in review
    # the bag on the payer proof: in mL, "left in the bag", no grams of its salt (a walk read "991 mL (8.92 g): left
    # in the vial" for a saline bag)
    proof = review.split('id="payer-proof"', 1)[1].split("</section>", 1)[0]
    bag_row = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", next(
        row for row in re.findall(r"<tr>(.*?)</tr>", proof, re.S) if "NS2501" in row))).strip()
    assert bag_row.endswith("NS2501 2030-12-31 250 mL 125 mL 125 mL: left in the bag"), bag_row
    assert (await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "Continue.", "alerts_reviewed": "on"})).status_code == 303
    page = (await (await client_factory(physician_phil)).get(f"/visits/{visit.id}/summary")).text
    assert "Sodium chloride 0.9% lot <strong>NS2501</strong>" in page
    assert "<p>Gammagard Liquid 10% lot <strong>LE12A</strong>" in page  # each lot named where two products were opened
    assert "<td>250 mL over 60 min (250 mL/h)</td>" in page  # what the bag's order asked, beside what ran
    assert f"<title>order {saline.id}: Sodium chloride 0.9%</title>" in page  # the bag's own line on the rate chart
    assert f"Dashed: order {saline.id}, Sodium chloride 0.9%." in page
    bundle = (await (await client_factory(physician_phil)).get(f"/visits/{visit.id}/fhir")).json()
    Bundle.model_validate(bundle)
    given = [m for m in resources(bundle, "MedicationAdministration") if "rateQuantity" in m["dosage"]]
    bag = [m for m in given if m["dosage"]["text"].startswith(f"Order {saline.id},")]
    assert [(m["dosage"]["rateQuantity"]["value"], m["dosage"]["dose"]["value"]) for m in bag] == [(250, 125)]
    assert bag[0]["contained"][0]["code"]["text"] == "Sodium chloride 0.9%"
    assert bag[0]["contained"][0]["batch"]["lotNumber"] == "NS2501" and ", lot NS2501: 125 mL" in bag[0]["dosage"]["text"]
    ivig = [m for m in given if m not in bag]
    assert ivig and {m["contained"][0]["batch"]["lotNumber"] for m in ivig} == {"LE12A"}


async def fhir_administrations(visit, desk, post_form, client_factory, physician) -> list[dict]:
    """The visit's MedicationAdministrations of rate steps, after the pharmacist's sign-off."""
    assert (await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "Continue.", "alerts_reviewed": "on"})).status_code == 303
    bundle = (await (await client_factory(physician)).get(f"/visits/{visit.id}/fhir")).json()
    Bundle.model_validate(bundle)
    return [m for m in resources(bundle, "MedicationAdministration") if "rateQuantity" in m["dosage"]]


def saline_bag(script, minute: float, lot: str) -> None:
    script.add(minute, "product.opened", {"product_id": "sodium-chloride-0.9", "lot": lot, "expiry": "2030-12-31",
                                          "volume_ml": 250, "inspected_ok": True})


async def test_a_pre_and_a_post_hydration_draw_on_the_saline_bags_in_turn(
    push_visit, desk, post_form, client_factory, nurse_ana, patient_pat, pharmacist_pia, physician_phil
):
    """Two saline orders of 250 mL over 60 min, each run whole (250 mL/h for 60 min): bag NS1 serves the
    pre-hydration and NS2 the post-hydration (one set of bags for one product, used up in the order opened
    across its pumps; before, both said NS1)."""
    primary = await Order.get(patient=patient_pat)
    saline = [await saline_order(patient_pat, pharmacist_pia) for _ in range(2)]
    script = scripts.tolerated()
    for order, start, lot in zip(saline, (2, 241), ("NS1", "NS2")):
        saline_bag(script, start - 1, lot)
        script.add(start, "infusion.started", {"rate_ml_h": 250, "order_id": str(order.id)})
        script.add(start + 60, "infusion.stopped", {"reason": "completed", "pump_volume_ml": None, "order_id": str(order.id)})
    visit = await push_visit(nurse_ana, patient_pat, script, order=primary, other_orders=tuple(saline))
    given = await fhir_administrations(visit, desk, post_form, client_factory, physician_phil)
    lots = {order.id: [m["contained"][0]["batch"]["lotNumber"] for m in given
                       if m["dosage"]["text"].startswith(f"Order {order.id},")] for order in saline}
    assert lots == {saline[0].id: ["NS1"], saline[1].id: ["NS2"]}
    ivig = [m for m in given if not m["dosage"]["text"].startswith("Order ")]
    assert ivig and {m["contained"][0]["batch"]["lotNumber"] for m in ivig} == {"LE12A"}


async def test_a_saline_bag_opened_for_no_order_is_not_an_ivig_vial(
    push_visit, desk, post_form, client_factory, nurse_ana, patient_pat, physician_phil
):
    """A lot of a product no order names stays with the visit's own pump only when it is of that pump's
    therapy (another IVIG brand hung by mistake); a bag of saline, opened first, is never the IVIG's lot."""
    script = scripts.tolerated()
    saline_bag(script, 1, "NS-STRAY")
    visit = await push_visit(nurse_ana, patient_pat, script, order=await Order.get(patient=patient_pat))
    given = await fhir_administrations(visit, desk, post_form, client_factory, physician_phil)
    assert given and {m["contained"][0]["batch"]["lotNumber"] for m in given} == {"LE12A"}


async def test_a_saline_alone_visit_says_what_was_given_in_ml_on_every_page(
    push_visit, desk, post_form, client_factory, nurse_ana, patient_pat, pharmacist_pia, physician_phil
):
    """Hydration is ordered as a volume (LABELS.md s.6): 500 mL over 120 min, the pump read 525 mL at the
    stop. The alert, the review, the summary's bottom line and dose, and the FHIR narrative say 525 of 500 mL
    (5% over); before, every one of them said grams of sodium chloride (4.73 of 4.5 g)."""
    saline = await saline_order(patient_pat, pharmacist_pia, volume_ml=500.0, duration_min=120)
    script = script_started(300)
    script.started(0)
    script.opened(1, lot="NS2501", product_id="sodium-chloride-0.9", volume_ml=500)
    script.start(2, 250)
    script.stop(128, pump_volume_ml=525)
    script.sign(130)
    script.ended(131)
    visit = await push_visit(nurse_ana, patient_pat, script, order=saline)
    review = (await desk.get(f"/review/visits/{visit.id}")).text
    assert "Volume given 525 mL is above the ordered 500 mL (5% over)" in review
    assert "<strong>525 mL</strong>" in review and "500 mL over 120 min (250 mL/h)" in review
    assert (await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "Continue.", "alerts_reviewed": "on"})).status_code == 303
    physician = await client_factory(physician_phil)
    page = (await physician.get(f"/visits/{visit.id}/summary")).text
    assert "525 of 500 mL given (105% of the order)." in page and "<strong>525 mL given</strong> (pump reading)" in page
    assert " g given" not in page and "Dose given" not in page
    bundle = (await physician.get(f"/visits/{visit.id}/fhir")).json()
    Bundle.model_validate(bundle)
    assert "Dose: 500 mL ordered, 525 mL given (pump reading)" in json.dumps(bundle)
