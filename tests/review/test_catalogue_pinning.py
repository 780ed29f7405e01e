"""A visit is folded with the organization's catalogue as it stood when the visit began: a pharmacist's
later edit of a ladder changes no visit already begun (its review page, summary, PDF, FHIR and projection
keep the steps and alerts it was carried out under), while a visit begun after the edit works under it."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pypdf import PdfReader

from server.db.catalogue_models import CatalogueRevision
from server.db.models import Visit
from server.services import org_catalogue
from tests.api.events import script_started
from tests.review import scripts
from tests.server.test_catalogue_revisions import ROW, edit_form

EDITED_STEP = "210"  # 3 mL/kg/h x 70 kg: the step the maker's ladder adds (LABELS.md s.2.1)


async def record_of(desk, visit_id) -> dict:
    """Everything a reader sees of the visit's course: fold (steps, alerts), pages, PDF, FHIR, projection."""
    state = (await desk.get(f"/api/visits/{visit_id}")).json()["state"]
    pdf = PdfReader(io.BytesIO((await desk.get(f"/visits/{visit_id}/summary.pdf")).content)).pages[0].extract_text()
    row = await Visit.get(id=visit_id)
    return {
        "steps": [step["rate_ml_h"] for step in state["steps"]],
        "alerts": sorted(alert["rule"] for alert in state["alerts"]),
        "ladder": state["protocol"]["ladder_note"],
        "review_has_edited_step": f"{EDITED_STEP} mL/h" in (await desk.get(f"/review/visits/{visit_id}")).text,
        "summary_has_edited_step": f"{EDITED_STEP} mL/h" in (await desk.get(f"/visits/{visit_id}/summary")).text,
        "pdf_has_edited_step": f"{EDITED_STEP} mL/h" in pdf,
        "fhir_alerts": sorted(str(e) for e in (await desk.get(f"/visits/{visit_id}/fhir")).json().get("entry", [])
                              if "Flag" in str(e) or "DetectedIssue" in str(e)),
        "projection": (row.alert_count, row.flags, row.last_tolerated_rate_ml_h),
    }


async def test_a_catalogue_edit_never_changes_a_visit_already_begun(
    push_visit, desk, post_form, projected, client_factory, nurse_ana, patient_pat
):
    visit = await push_visit(nurse_ana, patient_pat, scripts.tolerated())
    ongoing_script = script_started(30)
    ongoing_script.started(0)
    ongoing = await push_visit(nurse_ana, patient_pat, ongoing_script)
    before = await record_of(desk, visit.id)
    assert before["steps"] == [35, 70, 140, 280, 350]  # the packaged ladder, 70 kg

    edited = await post_form(desk, "/pharmacy/catalogue/edit", edit_form())
    assert edited.status_code == 303
    await projected()

    assert await record_of(desk, visit.id) == before
    assert "packaged row (unverified), as it stood when the visit began" in (await desk.get(f"/review/visits/{visit.id}")).text

    await asyncio.sleep(1.1)  # the next visit begins after the edit (times are kept to the second)
    later = script_started(0)
    later.started(0)
    begun = await push_visit(nurse_ana, patient_pat, later)
    assert float(EDITED_STEP) in (await record_of(desk, begun.id))["steps"]
    assert "revision 1 (unverified)" in (await desk.get(f"/review/visits/{begun.id}")).text

    # The tablet holds the current catalogue; with a visit in progress it receives the rows an edit has
    # changed since that visit began (pwa/visit_model.js folds with them), so tablet and server agree.
    reference = (await (await client_factory(nurse_ana)).get("/api/reference")).json()
    rows = {v["id"]: v["context"]["protocol_rows"] for v in reference["visits"]}
    assert rows[str(begun.id)] == {}
    assert rows[str(ongoing.id)] == {ROW: org_catalogue.packaged_row(ROW)}
    assert float(EDITED_STEP) not in (await record_of(desk, ongoing.id))["steps"]


OLDER_PRODUCTS = Path(__file__).resolve().parents[1] / "vectors" / "older" / "products.json"


async def test_a_revision_stored_before_rows_had_a_therapy_and_kind_still_folds_a_visit(
    push_visit, desk, post_form, projected, client_factory, nurse_ana, patient_pat, pharmacist_pia
):
    """A revision row stored before products.json gave rows their therapy and kind (the row as the older
    file had it, with the maker's ladder) is overlaid on the packaged row, which fills both: the server
    folds visits with it, and a tablet folding a visit begun under it receives the row whole."""
    older = next(r for r in json.loads(OLDER_PRODUCTS.read_text("utf-8"))["products"] if r["protocol_id"] == ROW)
    assert not {"therapy", "kind"} & older.keys()
    row = {**older, "ladder": [0.5, 1, 2, 3, 4, 5], "ladder_source": ["label", "maker", "maker", "maker", "maker", "label"]}
    await CatalogueRevision.create(organization_id=pharmacist_pia.organization_id, protocol_id=ROW, number=1, kind="edit",
                                   row=row, reason="the maker's steps, before therapies existed", author=pharmacist_pia,
                                   created_at=datetime.now(timezone.utc) - timedelta(days=1))
    febrile = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    state = (await desk.get(f"/api/visits/{febrile.id}")).json()["state"]
    assert (state["protocol"]["therapy"], state["protocol"]["kind"]) == ("ivig", "weight_titration")
    assert float(EDITED_STEP) in [step["rate_ml_h"] for step in state["steps"]]
    assert "fever" in {alert["rule"] for alert in state["alerts"]}

    ongoing_script = script_started(30)
    ongoing_script.started(0)
    ongoing = await push_visit(nurse_ana, patient_pat, ongoing_script)
    assert (await post_form(desk, "/pharmacy/catalogue/edit", edit_form(based_on=1, step_min="20", beyond_label="on"))).status_code == 303
    await projected()
    reference = (await (await client_factory(nurse_ana)).get("/api/reference")).json()
    began_under = next(v for v in reference["visits"] if v["id"] == str(ongoing.id))["context"]["protocol_rows"][ROW]
    assert (began_under["therapy"], began_under["kind"], began_under["ladder"]) == ("ivig", "weight_titration", row["ladder"])
