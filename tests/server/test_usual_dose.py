"""An order's premedication and PRN doses against their drug's usual dose (server/services/usual_dose.py,
data server/clinical/data/usual_doses.json, CLINICAL.md s.4): a dose outside it is refused on its row until
the pharmacist ticks that the doses are meant. A walk saved acetaminophen 650 g. And every question order
entry asks comes in one answer (server/services/order_questions.py): the walk fixed one, saved, met the next."""

from __future__ import annotations

import html

from server.db.models import AuditEntry, Order
from tests.server.test_dosing_weight import latest
from tests.server.test_pharmacy_pages import create_order, edit_order

GRAMS = ("Premedication 1, dose: acetaminophen 650 g PO is outside the usual 325–650 mg PO (CLINICAL.md s.4, "
         "a mild reaction's suggested actions): 1,000 times its highest; check the unit")
BOX = ("Medication doses: check this dose against the usual dose. Correct the dose or its unit, or tick that the "
       "order's medication doses are meant (the prescriber ordered them).")


async def test_a_premedication_in_grams_for_milligrams_is_refused_on_its_row_ticked_or_not(
        client_factory, pharmacist_pia, patient_pat):
    """A thousand times the dose is a unit slip, never a prescription: no box says it is meant."""
    client = await client_factory(pharmacist_pia)
    before = await Order.filter(patient=patient_pat).count()
    for ticked in (None, "on"):
        refused = await create_order(client, patient_pat.id, **{"premeds-0-unit": "g", "medication_dose_differs": ticked})
        assert refused.status_code == 422
        page = html.unescape(refused.text)
        assert GRAMS in page
        assert ('name="medication_dose_differs"' in page) == bool(ticked)  # not offered; once ticked, kept as sent
    assert await Order.filter(patient=patient_pat).count() == before
    refusals = await AuditEntry.filter(action="order.create", outcome="refused").order_by("id")
    assert [r.detail for r in refusals] == [{"code": "validation_failed", "fields": ["premeds.0.dose"]}] * 2


async def test_a_childs_dose_below_the_usual_range_is_asked_on_its_row_until_ticked(
        client_factory, pharmacist_pia, patient_pat):
    client = await client_factory(pharmacist_pia)
    refused = await create_order(client, patient_pat.id, **{"premeds-0-dose": "160"})
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert ("Premedication 1, dose: acetaminophen 160 mg PO is outside the usual 325–650 mg PO (CLINICAL.md s.4, "
            "a mild reaction's suggested actions)") in page and BOX in page
    assert 'name="medication_dose_differs"' in page  # the box that says it is meant, offered with the refusal
    meant = await create_order(client, patient_pat.id, **{"premeds-0-dose": "160", "medication_dose_differs": "on"})
    assert meant.status_code == 303
    assert (await latest(patient_pat)).premeds[0] == {"drug": "acetaminophen", "dose": 160, "unit": "mg", "route": "PO",
                                                      "minutes_before": 30}


async def test_a_prn_dose_beyond_its_usual_one_is_named_and_what_no_source_covers_is_not_judged(
        client_factory, pharmacist_pia, patient_pat):
    client = await client_factory(pharmacist_pia)
    refused = await create_order(client, patient_pat.id, **{"prn_orders-0-dose": "3"})  # epinephrine 3 mg IM
    page = html.unescape(refused.text)
    assert refused.status_code == 422
    assert ("PRN order 1, dose: epinephrine 3 mg IM is outside the usual 0.3 mg IM (CLINICAL.md s.4, a "
            "life-threatening reaction's suggested actions): 10 times its highest; check the unit") in page
    same_mass = {"prn_orders-0-dose": "300", "prn_orders-0-unit": "mcg"}  # 0.3 mg written in mcg
    unsourced = {"premeds-0-drug": "cetirizine", "premeds-0-dose": "10"}  # no row: no source says its dose
    in_ml = {"premeds-1-drug": "diphenhydramine", "premeds-1-dose": "10", "premeds-1-unit": "mL",  # an elixir's volume
             "premeds-1-route": "PO", "premeds-1-minutes_before": "30"}
    other_route = {"premeds-2-drug": "diphenhydramine", "premeds-2-dose": "25", "premeds-2-unit": "mg",
                   "premeds-2-route": "IV", "premeds-2-minutes_before": "30"}
    saved = await create_order(client, patient_pat.id, **same_mass, **unsourced, **in_ml, **other_route)
    assert saved.status_code == 303, html.unescape(saved.text)


async def test_a_dose_the_order_already_held_is_not_asked_again_at_each_edit(
        client_factory, pharmacist_pia, patient_pat):
    """A child's acetaminophen, ticked once, stands through the edits that leave it as written."""
    client = await client_factory(pharmacist_pia)
    order = await latest(patient_pat)
    child = {"premeds-1-dose": "160"}  # the fixture's second premedication: acetaminophen 650 mg PO
    assert (await edit_order(client, order, **child)).status_code == 422
    assert (await edit_order(client, order, **child, medication_dose_differs="on")).status_code == 303
    order = await Order.get(id=order.id)
    assert (await edit_order(client, order, **child, prescriber="Dr. Other")).status_code == 303
    raised = await edit_order(client, await Order.get(id=order.id), **{"premeds-1-dose": "1600"})
    assert raised.status_code == 422 and "acetaminophen 1600 mg PO is outside" in html.unescape(raised.text)


async def test_every_question_of_order_entry_is_asked_in_one_answer(client_factory, pharmacist_pia, patient_pat):
    """A dosing weight far from the record, a second active IVIG order, a premedication above its usual dose,
    and on an edit a doubled dose and a rate cap above the label maximum: one refusal names them all."""
    client = await client_factory(pharmacist_pia)
    refused = await create_order(client, patient_pat.id, weight_differs=None, same_therapy=None,
                                 **{"premeds-0-dose": "1000"})
    page = html.unescape(refused.text)
    assert refused.status_code == 422
    for box in ("weight_differs", "same_therapy", "medication_dose_differs"):
        assert f'name="{box}"' in page
    assert "acetaminophen 1000 mg PO is outside the usual 325–650 mg PO" in page

    order = await latest(patient_pat)
    edited = await edit_order(client, order, dose_g_per_kg="2", rate_cap_ml_h="900", **{"premeds-1-unit": "g"})
    page = html.unescape(edited.text)
    assert edited.status_code == 422
    assert "the dose changes from 1 to 2 g/kg" in page and "acetaminophen 650 g PO is outside" in page
    assert "The rate cap 900 mL/h is above the label maximum" in page and "record a pharmacist override" in page
    assert (await Order.get(id=order.id)).revision == order.revision


async def test_the_safety_check_waits_for_a_dosing_weight_that_stands(client_factory, pharmacist_pia, patient_pat):
    """Every number of the safety check scales with the weight: asked about a weight, it is not judged yet."""
    client = await client_factory(pharmacist_pia)
    refused = await create_order(client, patient_pat.id, weight_differs=None, rate_cap_ml_h="900")
    page = html.unescape(refused.text)
    assert 'name="weight_differs"' in page and "The rate cap 900 mL/h" not in page
    judged = await create_order(client, patient_pat.id, rate_cap_ml_h="900")
    assert "The rate cap 900 mL/h is above the label maximum" in html.unescape(judged.text)


async def test_a_slip_an_order_already_holds_is_told_at_the_next_edit(client_factory, pharmacist_pia, patient_pat):
    """An order saved with 650 g before this check existed is not waved through at its next edit."""
    order = await latest(patient_pat)
    slipped = [{**row, "unit": "g"} if row["drug"] == "acetaminophen" else row for row in order.premeds]
    await Order.filter(id=order.id).update(premeds=slipped)
    client = await client_factory(pharmacist_pia)
    kept = {"premeds-1-unit": "g"}  # the edit form shows the order as written: the slip included
    refused = await edit_order(client, await Order.get(id=order.id), prescriber="Dr. Other", **kept)
    assert refused.status_code == 422
    assert "acetaminophen 650 g PO is outside the usual 325–650 mg PO" in html.unescape(refused.text)
