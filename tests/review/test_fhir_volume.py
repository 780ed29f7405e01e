"""The FHIR document's rate steps add up to the volume the summary says was given, on the same basis (pump
reading, computed from the rates, or all the product opened), and no step draws more from a lot than it held.

Found by two walks of the demo: the febrile visit's summary said 90 g (900 mL, all the product opened) while
its MedicationAdministrations added up to 907.2 mL, one of them 651.6 mL from a lot with 644.4 mL left."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from fhir.resources.R4B.bundle import Bundle

from server.clinical.rounding import round_half_up
from server.db.models import Order, Patient, User, Visit
from server.services import catalogue_names, demo, visits
from tests.api.events import script_started
from tests.clinical import visits as scripted
from tests.conftest import PASSWORD
from tests.review import scripts
from tests.review.test_summaries import resources

GIVEN = re.compile(r"<strong>([\d.,]+) g given</strong> \(([\d.,]+) mL, ([^)]+)\)")


def tenths(ml: float) -> int:
    """mL as whole tenths, the record's precision, so sums are exact."""
    return round(ml * 10)


async def summary_and_steps(physician, visit: Visit) -> tuple[tuple[float, float, str], list[dict]]:
    """What the physician's summary page says was given (g, mL, basis) and the FHIR document's rate steps."""
    page = (await physician.get(f"/visits/{visit.id}/summary")).text
    grams, ml, basis = GIVEN.search(page).groups()
    bundle = (await physician.get(f"/visits/{visit.id}/fhir")).json()
    Bundle.model_validate(bundle)
    steps = [m for m in resources(bundle, "MedicationAdministration") if "rateQuantity" in m["dosage"]]
    return (float(grams.replace(",", "")), float(ml.replace(",", "")), basis), steps


def dose(step: dict) -> float:
    return step["dosage"]["dose"]["value"]


def drawn_by_lot(steps: list[dict]) -> dict[str, int]:
    drawn: dict[str, int] = defaultdict(int)
    for step in steps:
        drawn[step["contained"][0]["batch"]["lotNumber"]] += tenths(dose(step))
    return drawn


async def signed_off(visit: Visit, client_factory, post_form) -> None:
    desk = await client_factory(await User.get(organization_id=visit.organization_id, role="pharmacist"))
    assert (await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "Continue.", "alerts_reviewed": "on"})).status_code == 303


async def test_the_demo_febrile_visits_fhir_steps_add_up_to_the_90_g_its_summary_says_were_given(
    app, client_factory, post_form
):
    await demo.load(password=PASSWORD)
    visit = await Visit.filter(patient=await Patient.get(mrn="MRN-1005")).exclude(status="scheduled").get()
    await signed_off(visit, client_factory, post_form)
    physician = await client_factory(await User.get(username="physician"))

    (grams, ml, basis), steps = await summary_and_steps(physician, visit)

    assert (grams, ml) == (90, 900) and basis.startswith("all the product opened")
    assert sum(tenths(dose(step)) for step in steps) == tenths(ml)
    order = await Order.get(id=visit.order_id)
    concentration = catalogue_names.catalog().product(order.product_id).concentration_mg_ml
    assert round_half_up(sum(tenths(dose(step)) for step in steps) / 10 * concentration / 1000, 2) == grams
    held = {lot["lot"]: tenths(lot["volume_ml"]) for lot in (await visits.state_of(visit)).lots}
    assert all(drawn <= held[lot] for lot, drawn in drawn_by_lot(steps).items())
    last = steps[-1]  # 216 mL/h for 181 min is 651.6 mL by the rates; the bag had 644.4 mL left
    assert dose(last) == 644.4 and "651.6 mL at this rate" in last["note"][0]["text"]
    assert all("note" not in step for step in steps[:-1])


async def test_steps_past_the_product_opened_are_cut_from_the_end_and_still_listed(
    push_visit, client_factory, post_form, nurse_ana, patient_pat, physician_phil
):
    """A 250 mL bag and no pump reading: 35, 70 and 140 mL/h run whole (17.5, 35, 70 mL), 280 mL/h gives the
    127.5 mL left, and 350 mL/h ran on an empty bag: 0 mL, still there (a reaction may point at it)."""
    script = scripts.tolerated()
    next(e for e in script.events if e["kind"] == "product.opened")["payload"]["volume_ml"] = 250
    next(e for e in script.events if e["kind"] == "infusion.stopped")["payload"]["pump_volume_ml"] = None
    visit = await push_visit(nurse_ana, patient_pat, script)
    await signed_off(visit, client_factory, post_form)

    (grams, ml, basis), steps = await summary_and_steps(await client_factory(physician_phil), visit)

    assert (grams, ml) == (25, 250) and basis.startswith("all the product opened")
    assert [(step["dosage"]["rateQuantity"]["value"], dose(step)) for step in steps] == [
        (35, 17.5), (70, 35), (140, 70), (280, 127.5), (350, 0)]
    assert drawn_by_lot(steps) == {"LE12A": tenths(250)}


@pytest.mark.parametrize("reading, last", [(688, 425.5), (712, 449.5)])
async def test_a_pump_reading_off_the_rates_changes_the_last_step_only(
    reading, last, push_visit, client_factory, post_form, nurse_ana, patient_pat, physician_phil
):
    """The rates give 700 mL. The pump read 688: the earlier steps keep rate × time, the last gives 425.5. It
    read 712 from the 700 mL bag (overfill): the pump measured it, so the steps add up to 712, the last 449.5."""
    script = scripts.tolerated()
    next(e for e in script.events if e["kind"] == "infusion.stopped")["payload"]["pump_volume_ml"] = reading
    visit = await push_visit(nurse_ana, patient_pat, script)
    await signed_off(visit, client_factory, post_form)

    (grams, ml, basis), steps = await summary_and_steps(await client_factory(physician_phil), visit)

    assert (grams, ml, basis) == (reading / 10, reading, "pump reading")
    assert [dose(step) for step in steps] == [17.5, 35, 70, 140, last]
    assert "437.5 mL at this rate" in steps[-1]["note"][0]["text"] and "pump reading" in steps[-1]["note"][0]["text"]


async def test_computed_steps_add_up_to_the_computed_volume_to_the_tenth(
    push_visit, client_factory, post_form, nurse_ana, patient_pat, physician_phil
):
    """Two 16-min steps at 140 mL/h are 37.3 mL each to the tenth, but 74.7 mL together: the steps add up to
    the 162.2 mL the summary states (rounded once), not to the 162.1 of the steps rounded one by one."""
    script = script_started(400)
    scripted.prelude(script)
    scripted.titrate(script, scripted.TITRATION[:3])
    script.rate(126, 70)
    scripted.checks(script, [141])
    script.rate(156, 140)
    scripts.finish_observed(script, stop_at=172, pump_volume_ml=None)
    visit = await push_visit(nurse_ana, patient_pat, script)
    await signed_off(visit, client_factory, post_form)

    (grams, ml, basis), steps = await summary_and_steps(await client_factory(physician_phil), visit)

    assert (grams, ml, basis) == (16.22, 162.2, "computed from rates")
    assert [dose(step) for step in steps] == [17.5, 35, 37.3, 35, 37.4]
    assert drawn_by_lot(steps) == {"LE12A": tenths(162.2)}
