"""A patient newly assigned to a nurse: the tablet's pull cursor already passed the entries of that
patient's visit (she could not read them then), so the tablet pulls the visit from its start when the
reference first lists it (pwa/inbox.js)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
from playwright.sync_api import expect

from tests.browser.desk import Desk, admin_desk
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet

pytestmark = pytest.mark.browser


def entry(visit_id: str, seq: int, kind: str, payload: dict) -> dict:
    now = datetime.now(timezone.utc).isoformat()
    return {"id": str(uuid.uuid4()), "visit_id": visit_id, "device_seq": seq, "kind": kind, "schema": 1,
            "occurred_at": now, "recorded_at": now, "payload": payload}


def pull_cursor(tablet: Tablet) -> int:
    return next(row["value"] for row in tablet.dump_indexeddb()["meta"] if row["name"] == "pull_cursor")


def assign(base_url: str, *, patient_id: int, nurse_id: int) -> None:
    """An administrator assigns the nurse to the patient from the patient's page."""
    admin = admin_desk(base_url)
    try:
        done = admin.form_post(f"/admin/patients/{patient_id}/assignments", f"/admin/patients/{patient_id}",
                               {"nurse_id": str(nurse_id), "starts_on": date.today().isoformat()})
        assert done.status_code == 303, done.text
    finally:
        admin.close()


def test_a_newly_assigned_patients_visit_arrives_with_the_entries_recorded_before_the_assignment(
    server_factory, launch
):
    server = server_factory()
    tablet = Tablet(launch(), server.base_url)
    tablet.start_first_visit("nurse", DEMO_PASSWORD)
    own_visit = tablet.page.evaluate("location.hash").removeprefix("#/visit/")

    # Ben documents his patient's visit from his tablet; Nora's tablet may not read it.
    with Desk(server.base_url, "nurse2", device_id=str(uuid.uuid4())) as ben:
        visit = ben.reference()["visits"][0]
        started = entry(visit["id"], 1, "visit.started", {
            "patient_id": str(visit["patient_id"]), "order_id": str(visit["order_id"]), "location": None})
        note = entry(visit["id"], 2, "note", {"text": "port accessed by Ben before handover"})
        results = ben.push([started, note])["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    expect(tablet.page.locator(f"[data-testid=visit-card][data-visit-id='{visit['id']}']")).to_have_count(0)

    # Nora's own next entry takes her tablet's pull cursor past Ben's.
    tablet.entry("note", {"text": "flush done"})
    tablet.probe("syncNow()")
    assert pull_cursor(tablet) > results[1]["server_seq"]
    with Desk(server.base_url, "nurse") as nora:
        nurse_id = nora.reference()["user"]["id"]

    assign(server.base_url, patient_id=visit["patient_id"], nurse_id=nurse_id)
    tablet.probe("syncNow()")

    stored = {row["id"] for row in tablet.dump_indexeddb()["events"]}
    assert {started["id"], note["id"]} <= stored
    tablet.open_visit(visit["id"])
    expect(tablet.page.locator("[data-testid=timeline-entry][data-kind=note]")).to_contain_text("port accessed by Ben")
    expect(tablet.tid("start-visit")).to_have_count(0)  # Ben's time in arrived too
    tablet.open_visit(own_visit)
    expect(tablet.page.locator("[data-testid=timeline-entry][data-kind=note]")).to_contain_text("flush done")
    assert tablet.errors == []
