"""A nurse's booked visits are not stranded, walked across the two desks: the admin's "End today" is refused
while Nora has Alma's visit booked; the pharmacist gives it to Ben with Move; then the assignment ends. A walk
ended an assignment with three visits booked, and no page could give them to another nurse."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in, log_out

pytestmark = pytest.mark.browser


def test_an_assignment_ends_only_once_its_booked_visits_have_another_nurse(server_factory, launch, artifacts):
    server = server_factory()
    page = launch(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "admin", DEMO_PASSWORD)
    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_role("link", name=re.compile("Reyes, Alma")).click()
    nora = page.locator("table tbody tr", has_text="Nora Quinn")
    nora.get_by_role("button", name="End today").click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile(
        r"Nora Quinn, RN has \d+ visits? booked from .* \(Reyes, Alma, MRN-1001\)\. A pharmacist gives them to "
        r"another nurse \(Move, on the patient's schedule\) or cancels them first\."))
    page.screenshot(path=str(artifacts / "admin-end-assignment-refused-visits-booked.png"), full_page=True)
    page.get_by_label("Nurse").select_option(label="Ben Ortiz, RN")
    page.get_by_role("button", name="Assign").click()
    log_out(page)

    log_in(page, server.base_url, "pharmacist", DEMO_PASSWORD)
    page.get_by_role("link", name="Reyes, Alma").click()
    page.get_by_role("link", name="Schedule visits").click()
    while (move := page.get_by_role("link", name=re.compile("^Move the visit of"))).count():
        move.first.click()
        # the schedule has a "Nurse" box of its own: choose in the move's form, once it is there
        expect(page.get_by_role("heading", name=re.compile("^Move the visit of"))).to_be_visible()
        page.get_by_label("Nurse").select_option(label="Ben Ortiz, RN")
        page.get_by_label("Reason for the move").fill("Nora leaves the team")
        page.screenshot(path=str(artifacts / "move-a-visit-to-another-nurse.png"), full_page=True)
        page.get_by_role("button", name="Move visit").click()
        expect(page.get_by_role("status")).to_contain_text("Moved")
        if not page.locator("tr", has_text="Nora Quinn").get_by_role("link", name=re.compile("^Move")).count():
            break
    log_out(page)

    log_in(page, server.base_url, "admin", DEMO_PASSWORD)
    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_role("link", name=re.compile("Reyes, Alma")).click()
    page.locator("table tbody tr", has_text="Nora Quinn").get_by_role("button", name="End today").click()
    expect(page.get_by_role("alert")).to_have_count(0)  # a refusal would name the visit still booked
    expect(page.locator("table tbody tr", has_text="Nora Quinn")).to_contain_text("ended")
