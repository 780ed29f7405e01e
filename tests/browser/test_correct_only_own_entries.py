"""The tablet offers "Correct" only on the nurse's own entries: the server keeps aside a correction
of anyone else's entry and the fold never applies one (rules.json entry_authority)."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.desk import Desk
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet
from tests.browser.test_newly_assigned_visit import assign, entry

pytestmark = pytest.mark.browser


def test_the_tablet_offers_to_correct_only_the_nurses_own_entries(server_factory, launch, artifacts):
    server = server_factory()
    tablet = Tablet(launch(), server.base_url)
    tablet.start_first_visit("nurse", DEMO_PASSWORD)
    with Desk(server.base_url, "nurse2", device_id=str(uuid.uuid4())) as ben:
        visit = ben.reference()["visits"][0]
        started = entry(visit["id"], 1, "visit.started", {
            "patient_id": str(visit["patient_id"]), "order_id": str(visit["order_id"]), "location": None})
        note = entry(visit["id"], 2, "note", {"text": "port accessed by Ben before handover"})
        assert [r["status"] for r in ben.push([started, note])["results"]] == ["accepted", "accepted"]
    with Desk(server.base_url, "nurse") as nora:
        nurse_id = nora.reference()["user"]["id"]
    assign(server.base_url, patient_id=visit["patient_id"], nurse_id=nurse_id)
    tablet.probe("syncNow()")

    tablet.open_visit(visit["id"])
    tablet.entry("note", {"text": "flush done by Nora"})
    bens = tablet.page.locator("[data-testid=timeline-entry][data-kind=note]", has_text="port accessed by Ben")
    noras = tablet.page.locator("[data-testid=timeline-entry][data-kind=note]", has_text="flush done by Nora")
    expect(noras.get_by_role("button", name="Correct")).to_have_count(1)
    expect(bens).to_have_count(1)
    expect(bens.get_by_role("button", name="Correct")).to_have_count(0)
    tablet.screenshot(artifacts / "timeline-correct-own-entries-only-1280x800.png", testid="timeline")
    noras.get_by_role("button", name="Correct").click()
    expect(tablet.tid("field-amend_reason")).to_be_visible()  # the correction form of her own note
    assert tablet.errors == []
