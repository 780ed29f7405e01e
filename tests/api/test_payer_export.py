"""The payer-proof export (server/services/payer_export.py): the pharmacist's signed-off visits of a span of
days, as a page and as CSV for the billing system; bounded, refused with the field and the reason when the span
is wrong, audited, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

from server.db.models import AuditEntry, Patient, Visit
from server.services import payer_export
from tests.api.test_payer_proof import infused, pushed
from tests.server.test_pharmacy_pages import post_form

SPAN = {"from": (date.today() - timedelta(days=1)).isoformat(), "to": (date.today() + timedelta(days=1)).isoformat()}


async def signed(desk, tablet, visit, *, vials, pump_volume_ml):
    await pushed(tablet, visit, infused(vials=vials, pump_volume_ml=pump_volume_ml))
    page = f"/review/visits/{visit.id}"
    done = await post_form(desk, f"{page}/sign-off", {"alerts_reviewed": "on", "alerts_shown": "99"}, page=page)
    assert done.status_code == 303, done.text[:400]


async def test_a_signed_off_visit_is_one_csv_row_per_vial_with_its_proof_and_its_claim_line(
        client_factory, tablet_ana, pharmacist_pia, scheduled_visit, patient_pat):
    desk = await client_factory(pharmacist_pia)
    vials = [{"lot": "A1", "volume_ml": 600}, {"lot": "C1", "volume_ml": 100, "ndc": "0944-2700-03"}]
    answer = await desk.get("/pharmacy/payer-proof", params=SPAN)
    assert answer.status_code == 200 and "0 signed-off visits" in answer.text  # not yet signed off: not there
    await signed(desk, tablet_ana, scheduled_visit, vials=vials, pump_volume_ml=650)

    page = await desk.get("/pharmacy/payer-proof", params=SPAN)
    assert "1 signed-off visit." in page.text and "C1: 50 / 50 mL (left in the vial)" in page.text
    assert "65 g; 5 g JW" in page.text and "Download CSV" in page.text and "not signed off yet" not in page.text
    exported = await desk.get("/pharmacy/payer-proof.csv", params=SPAN)
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"] == f'attachment; filename="ivlog-payer-proof-{SPAN["from"]}-{SPAN["to"]}.csv"'
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    vials = [r for r in rows if r["row"] == "vial"]
    assert [(r["lot"], r["given_ml"], r["discarded_ml"], r["given_g"], r["discarded_g"], r["discard_reason"]) for r in vials] == [
        ("A1", "600", "0", "60", "0", ""), ("C1", "50", "50", "5", "5", "left in the vial")]
    # the claim on rows of its own: summing claim_g counts each line once, not once per vial
    claims = [(r["row"], r["product_id"], r["claim_g"], r["modifier"], r["amount_basis"], r["ndc"]) for r in rows[2:]]
    assert claims == [("claim", "gammagard-liquid-10", "65", "", "pump reading", "0944-2700-03"),
                      ("claim", "gammagard-liquid-10", "5", "JW", "pump reading", "0944-2700-03")]
    assert all(r["claim_g"] == r["modifier"] == "" for r in vials)
    first = rows[0]
    assert (first["mrn"], first["place_of_service"], first["identity_confirmed_by"]) == (
        patient_pat.mrn, "12", "name and birth date")
    assert first["time_in_utc"].endswith("Z") and first["visit_minutes"] == "270"
    assert first["location_captured"] == "yes" and first["vital_signs_taken"] == "2"
    assert first["signed_off_by"] == pharmacist_pia.display_name and rows[1]["ndc"] == "0944-2700-03"
    assert {r["visit_id"] for r in rows} == {str(scheduled_visit.id)}
    assert (rows[1]["ndc_11"], rows[2]["ndc_11"], rows[0]["ndc_11"]) == ("00944270003", "00944270003", "")
    assert (first["indication"], first["birth_date"], first["time_zone"]) == (
        scheduled_visit.order.indication, patient_pat.birth_date.isoformat(), "UTC")
    assert first["infusion_start_utc"] < first["infusion_stop_utc"] and first["prescriber"]
    listed = await AuditEntry.filter(action="payer_proof.list").order_by("id").values_list("detail", flat=True)
    assert listed[-2:] == [{"count": 1}, {"count": 1}]  # the page and the file, each recorded


async def test_a_name_a_spreadsheet_would_run_as_a_formula_is_exported_as_text(
        client_factory, tablet_ana, pharmacist_pia, scheduled_visit, patient_pat):
    await Patient.filter(id=patient_pat.id).update(family_name="=HYPERLINK(\"http://x\")")
    desk = await client_factory(pharmacist_pia)
    await signed(desk, tablet_ana, scheduled_visit, vials=[{"lot": "A1", "volume_ml": 700}], pump_volume_ml=700)
    row = next(csv.DictReader(io.StringIO((await desk.get("/pharmacy/payer-proof.csv", params=SPAN)).text)))
    assert row["patient"].startswith("'") and "=HYPERLINK" in row["patient"]
    claim = [r for r in csv.DictReader(io.StringIO((await desk.get("/pharmacy/payer-proof.csv", params=SPAN)).text))
             if r["row"] == "claim"]
    assert [(r["claim_g"], r["modifier"]) for r in claim] == [("70", "JZ")]


async def test_a_span_missing_a_day_backwards_or_too_long_is_refused_naming_the_field(client_factory, pharmacist_pia):
    desk = await client_factory(pharmacist_pia)
    today = date.today()
    cases = [({"from": today.isoformat()}, "choose the last day"),
             ({"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()},
              "the last day (to) must be on or after the first (from)"),
             ({"from": today.isoformat(), "to": (today + timedelta(days=payer_export.MAX_DAYS)).isoformat()},
              f"at most {payer_export.MAX_DAYS} days per export"),
             ({"from": "2026-02-30", "to": today.isoformat()}, "from must be a date (YYYY-MM-DD)"),
             ({"from": "9999-12-01", "to": today.isoformat()}, "from must be a day in the years")]
    for params, reason in cases:
        page = await desk.get("/pharmacy/payer-proof", params=params)  # the form again, the reason beside its field
        assert page.status_code == 422 and reason in page.text and 'name="from"' in page.text, (params, page.text[:300])
        exported = await desk.get("/pharmacy/payer-proof.csv", params=params)
        assert exported.status_code == 422 and reason in exported.text
    within = {"from": today.isoformat(), "to": (today + timedelta(days=payer_export.MAX_DAYS - 1)).isoformat()}
    assert (await desk.get("/pharmacy/payer-proof.csv", params=within)).status_code == 200


async def test_more_visits_than_a_file_holds_are_said_and_left_for_a_shorter_span(
        client_factory, tablet_ana, pharmacist_pia, scheduled_visit, monkeypatch):
    monkeypatch.setattr(payer_export, "MAX_VISITS", 1)
    second = await Visit.create(id=uuid.uuid4(), organization_id=scheduled_visit.organization_id,
                                patient_id=scheduled_visit.patient_id, order_id=scheduled_visit.order_id,
                                nurse_id=scheduled_visit.nurse_id, scheduled_at=scheduled_visit.scheduled_at)
    desk = await client_factory(pharmacist_pia)
    for visit in (scheduled_visit, second):
        await signed(desk, tablet_ana, visit, vials=[{"lot": "A1", "volume_ml": 700}], pump_volume_ml=700)
    page = await desk.get("/pharmacy/payer-proof", params=SPAN)
    assert "1 signed-off visit (the first 1: choose fewer days for the rest)." in page.text
    exported = await desk.get("/pharmacy/payer-proof.csv", params=SPAN)
    assert exported.headers["content-disposition"].endswith('-first-1.csv"')
    assert len({row["visit_id"] for row in csv.DictReader(io.StringIO(exported.text))}) == 1


def test_an_ndc_is_given_in_the_11_digit_form_claims_carry_or_left_blank():
    assert [payer_export.ndc_11(ndc) for ndc in ("0944-2700-03", "68982-820-02", "12345-6789-1", "1234-5678-9", None)] == [
        "00944270003", "68982082002", "12345678901", "", ""]
