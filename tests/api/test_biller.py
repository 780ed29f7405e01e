"""The biller (Role.BILLER): the payer proof of the organization's signed-off visits, their summaries (the
record a claim rests on), and nothing else: no patient list, no orders, no visit before its sign-off, no
entries. The route table's rules for every role are in tests/server/test_access_matrix.py."""

from __future__ import annotations

import csv
import io

from server.db.models import AuditEntry
from tests.api.events import one_event
from tests.api.test_payer_export import SPAN, signed
from tests.api.test_payer_proof import infused, pushed


async def test_the_biller_exports_the_signed_off_visits_and_opens_their_summaries(
        client_factory, tablet_ana, pharmacist_pia, biller_bea, scheduled_visit):
    desk = await client_factory(pharmacist_pia)
    await signed(desk, tablet_ana, scheduled_visit, vials=[{"lot": "A1", "volume_ml": 600}], pump_volume_ml=600)
    biller = await client_factory(biller_bea)

    page = await biller.get("/pharmacy/payer-proof", params=SPAN)
    assert page.status_code == 200 and "1 signed-off visit." in page.text
    assert f'href="/visits/{scheduled_visit.id}/summary"' in page.text  # not the pharmacist's review page
    assert 'href="/review' not in page.text and 'href="/pharmacy/catalogue"' not in page.text  # her nav: Payer proof
    rows = list(csv.DictReader(io.StringIO((await biller.get("/pharmacy/payer-proof.csv", params=SPAN)).text)))
    assert [(r["row"], r["lot"], r["claim_g"], r["modifier"]) for r in rows] == [
        ("vial", "A1", "", ""), ("claim", "", "60", "JZ")]
    summary = await biller.get(f"/visits/{scheduled_visit.id}/summary")
    assert summary.status_code == 200 and 'href="/pharmacy/payer-proof"' in summary.text
    assert (await biller.get(f"/visits/{scheduled_visit.id}/summary.pdf")).status_code == 200
    listed = await AuditEntry.filter(user_id=biller_bea.id, action="payer_proof.list").count()
    assert listed == 2


async def test_the_biller_reads_no_patient_list_no_order_and_no_visit_before_its_sign_off(
        client_factory, tablet_ana, biller_bea, scheduled_visit, patient_pat):
    noted = await tablet_ana.push([one_event(scheduled_visit.id, 1, "note", {"text": "started"})])
    assert noted.json()["results"][0]["status"] == "accepted"
    biller = await client_factory(biller_bea)
    assert (await biller.get("/api/patients")).json()["patients"] == []
    assert (await biller.get(f"/api/patients/{patient_pat.id}")).status_code == 404
    assert (await biller.get(f"/api/orders/{scheduled_visit.order_id}")).status_code == 404
    assert (await biller.get(f"/api/visits/{scheduled_visit.id}")).status_code == 404
    assert (await biller.get(f"/visits/{scheduled_visit.id}/summary")).status_code == 404
    assert (await biller.get(f"/review/visits/{scheduled_visit.id}")).status_code == 403
    assert (await biller.get("/pharmacy")).status_code == 403
    pushed = await biller.post("/api/sync/push", json={"device_id": str(tablet_ana.device_id), "events": []})
    assert pushed.status_code == 403


async def test_the_biller_is_told_how_many_visits_wait_for_review_without_seeing_them(
        client_factory, tablet_ana, biller_bea, scheduled_visit, projected):
    await pushed(tablet_ana, scheduled_visit, infused(vials=[{"lot": "A1", "volume_ml": 600}], pump_volume_ml=600))
    await projected()  # the visit's row says it waits for review
    page = (await (await client_factory(biller_bea)).get("/pharmacy/payer-proof", params=SPAN)).text
    assert "1 more visit in these days is not signed off yet and not here: the pharmacist's review comes first." in page
    assert "A1" not in page
