"""A pharmacist pages through a visit stuffed with entries kept aside, in Chromium: the quarantine
page shows one bounded page with the count of all and an "Older entries" link; the visit's review
page shows the count and links to the visit's entries on the quarantine page (issue 16.9)."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.api.events import one_event
from tests.browser.conftest import ARTIFACTS
from tests.browser.desk import Desk
from tests.browser.test_hostile_text import log_in
from sync.held_view import PAGE_SIZE

pytestmark = pytest.mark.browser

STUFFED = PAGE_SIZE + 5


def test_pharmacist_pages_through_a_stuffed_visits_held_entries(server_factory, launch):
    server = server_factory()
    with Desk(server.base_url, "nurse") as nurse:
        visit_id = nurse.json("/api/visits")["visits"][0]["id"]
    with Desk(server.base_url, "nurse2", device_id=str(uuid.uuid4())) as intruder:  # not assigned to it
        answer = intruder.push([one_event(visit_id, seq, "note", {"text": f"stuffing {seq}"})
                                for seq in range(1, STUFFED + 1)])
    assert {r["status"] for r in answer["results"]} == {"quarantined"}
    page = launch().new_page()
    log_in(page, server.base_url, "pharmacist")

    page.goto(f"{server.base_url}/review/visits/{visit_id}")
    expect(page.get_by_role("heading", name=f"Quarantined submissions ({STUFFED})")).to_be_visible()
    page.get_by_role("link", name=f"all {STUFFED} on the quarantine page").click()
    expect(page.get_by_text(f"{STUFFED} entries, {PAGE_SIZE} on this page")).to_be_visible()
    expect(page.get_by_text(f"stuffing {STUFFED}", exact=True)).to_have_count(0)  # content sits folded away
    assert page.locator("tbody tr").count() == PAGE_SIZE
    page.screenshot(path=str(ARTIFACTS / "quarantine-page-1.png"), full_page=False)

    page.get_by_role("link", name="Older entries").click()
    assert page.locator("tbody tr").count() == STUFFED - PAGE_SIZE
    expect(page.get_by_role("link", name="Older entries")).to_have_count(0)
    page.get_by_text("Content as sent").last.click()  # newest first: the oldest entry is last
    expect(page.get_by_text('"text": "stuffing 1"')).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "quarantine-page-2.png"), full_page=True)
    # each entry names whose visit it is on and leads there (a walk's page named only ids)
    page.get_by_role("link", name="Patel, Dev · MRN-1004").first.click()
    expect(page.get_by_role("heading", name=f"Quarantined submissions ({STUFFED})")).to_be_visible()
