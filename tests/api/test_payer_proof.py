"""The payer's proof of a visit (PAYER.md s.2.1; server/services/payer_proof.py): each vial opened, by lot, with
what it gave and what was discarded, and the drug claim's JW/JZ split, on the pharmacist's review."""

from __future__ import annotations

import re

from server.db.models import Visit
from server.services import payer_proof, pdf
from server.services.local_time import LocalTime
from server.services.summary import build_summary
from tests.api.events import readdress, script_started


def infused(*, vials: list[dict], pump_volume_ml: float):
    """A finished Gammagard 10% visit (100 mg/mL) whose pump read `pump_volume_ml` at the stop."""
    script = script_started(300)
    script.started(0)
    script.assessment(2)
    script.vitals(5)
    for minute, vial in enumerate(vials, start=40):
        script.opened(minute, **vial)
    script.start(50, 35)
    script.stop(240, pump_volume_ml=pump_volume_ml)
    script.vitals(245)
    script.ended(270)
    return script


async def pushed(tablet, visit, script) -> Visit:
    events = readdress(script, visit_id=visit.id, patient_id=visit.patient_id, order_id=visit.order_id)
    response = await tablet.push(events)
    assert {r["status"] for r in response.json()["results"]} == {"accepted"}
    return visit


async def test_a_part_used_vial_is_discarded_and_the_claim_splits_given_and_jw(tablet_ana, scheduled_visit,
                                                                               client_factory, pharmacist_pia):
    """300 + 300 + 100 mL hung, a 100 mL vial that failed inspection; the pump gave 650 mL: the last vial gave
    50 mL and 50 were left in it; the failed one gave none. 65 g given; 5 g discarded (JW); the failed vial's
    10 g on no line (never given: returned or reported, not billed as waste)."""
    vials = [{"lot": "A1", "volume_ml": 300}, {"lot": "A2", "volume_ml": 300},
             {"lot": "B1", "volume_ml": 100, "inspected_ok": False}, {"lot": "C1", "volume_ml": 100, "ndc": "0944-2700-03"}]
    visit = await pushed(tablet_ana, scheduled_visit, infused(vials=vials, pump_volume_ml=650))
    summary = await build_summary(await Visit.get(id=visit.id), clock=LocalTime("UTC"))
    uses = summary.vials
    assert [(u.lot, u.held_ml, u.given_ml, u.discarded_ml, u.why_discarded) for u in uses] == [
        ("A1", 300, 300, 0, None), ("A2", 300, 300, 0, None), ("B1", 100, 0, 100, "failed inspection"),
        ("C1", 100, 50, 50, "left in the vial")]
    assert [u.ndc for u in uses] == [None, None, None, "0944-2700-03"]
    # the physician's summary (page and PDF) documents the waste a JW line claims, as the record must
    document = re.sub(r"<[^>]+>", "", pdf.summary_html(summary))
    assert "lot A1, exp. 2026-12-31, 300 mL: 300 mL given" in document
    assert "lot B1, exp. 2026-12-31, 100 mL (inspection failed: not given)" in document
    assert "lot C1, exp. 2026-12-31, 100 mL: 50 mL given, 50 mL discarded" in document
    assert [(line.grams, line.modifier, line.basis) for line in payer_proof.claim_lines(summary)] == [
        (65, "", "pump reading"), (5, "JW", "pump reading")]

    review = await (await client_factory(pharmacist_pia)).get(f"/review/visits/{visit.id}")
    assert review.status_code == 200
    card = review.text.split('id="payer-proof"', 1)[1].split("</section>", 1)[0]
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr>(.*?)</tr>", card, re.S)[1:]]
    assert rows[3].endswith("C1 2026-12-31 100 mL (10 g) 50 mL (5 g) 50 mL (5 g): left in the vial")
    assert "0944-2700-03" in rows[3] and "not recorded" in rows[0]
    assert "failed inspection" in rows[2]
    assert "65 g given" in card and "5 g discarded, modifier <strong>JW</strong>" in card and "15 g" not in card


async def test_a_visit_that_gave_every_vial_whole_claims_jz(tablet_ana, scheduled_visit, client_factory,
                                                           pharmacist_pia):
    visit = await pushed(tablet_ana, scheduled_visit, infused(vials=[{"lot": "A1", "volume_ml": 700}],
                                                              pump_volume_ml=700))
    review = await (await client_factory(pharmacist_pia)).get(f"/review/visits/{visit.id}")
    card = review.text.split('id="payer-proof"', 1)[1].split("</section>", 1)[0]
    assert "70 g given, modifier <strong>JZ</strong> (nothing discarded)" in card and "<strong>JW" not in card


async def test_a_visit_still_open_shows_its_vials_but_no_claim_lines_yet(tablet_ana, scheduled_visit, client_factory,
                                                                         pharmacist_pia):
    """A walk's review of a visit still running read "not discarded yet" above "19.39 g discarded, modifier JW"."""
    script = infused(vials=[{"lot": "A1", "volume_ml": 600}], pump_volume_ml=300)
    script.events = [e for e in script.events if e["kind"] != "visit.ended"]
    visit = await pushed(tablet_ana, scheduled_visit, script)
    review = (await (await client_factory(pharmacist_pia)).get(f"/review/visits/{visit.id}")).text
    card = review.split('id="payer-proof"', 1)[1].split("</section>", 1)[0]
    assert "not discarded yet" in card and "A1" in card
    assert "Drug claim lines once the visit has ended" in card
    assert "modifier" not in card and "discarded, modifier" not in card
