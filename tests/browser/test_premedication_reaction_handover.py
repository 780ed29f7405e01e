"""A visit that gave no infusion still hands over what happened there, clicked through: Alma Reyes reacts to
her premedication before the start (rash and flushing, grade 2); the nurse records it and ends the visit
without starting the IVIG; the pharmacist reviews it, sets the rate for the next infusion and schedules the
next visit; at that visit the nurse's tablet, offline, shows the reaction and the pharmacist's word under
"Last visit (nothing infused)" and her rate as the target, as does the review page, which offers no summary of a visit not begun. (Before, only a visit
that ran some volume handed anything over: the next nurse never heard of the reaction.)"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in
from tests.browser.tablet import Tablet
from tests.browser.test_next_infusion_handover import todays_demo_visit
from tests.browser.test_offline_visit import GEO
from tests.browser.test_schedule_visit import schedule, visit_id_at
from tests.browser.test_tablet_guidance import KIT_OK

pytestmark = pytest.mark.browser

NOTE = "Reacted to the premedication: add cetirizine 10 mg, start at 50 mL/h."


def nurse_records_the_reaction_and_ends_without_infusing(tablet: Tablet, visit_id: str, artifacts) -> None:
    tablet.open_visit(visit_id)
    tablet.start_visit()
    tablet.entry("assessment", {**KIT_OK, "weight_kg": 70})
    for drug in ("acetaminophen", "diphenhydramine"):
        tablet.tid(f"premed-{drug}").click()
        tablet.fill_form("medication.given", {})
    tablet.tid("action-reaction.observed").click()
    actions = tablet.page.get_by_role("group", name="Actions taken")
    expect(actions.get_by_role("button", name="Medication given")).to_be_visible()
    for pump_action in ("Slowed", "Paused", "Stopped"):  # no pump runs before the start
        expect(actions.get_by_role("button", name=pump_action, exact=True)).to_have_count(0)
    tablet.fill("grade", "2")
    tablet.fill_form("reaction.observed", {"symptoms": ["rash", "flushing"], "actions": ["medication_given"],
                                           "notified_who": ["prescriber"], "outcome": "resolved"})
    tablet.entry("signature", {"confirm": True})
    tablet.entry("visit.ended", {"waste_disposed": True})
    expect(tablet.tid("visit-pending")).to_have_text("all synced", timeout=20_000)
    tablet.screenshot(artifacts / "premed-reaction-visit-ended-1280x800.png")


def pharmacist_reviews_and_schedules_the_next(desk, artifacts) -> str:
    """The ended visit from the review queue: the next infusion's rate, the sign-off; then the next visit,
    tomorrow at 10:00, from the patient's schedule. Its id."""
    desk.get_by_role("link", name="Review queue").click()
    desk.locator("table.queue tbody tr", has_text="Reyes, Alma").get_by_role("link").first.click()
    desk.get_by_label("Kind").select_option("next_rate")
    desk.get_by_label("Next infusion rate").fill("50")
    desk.get_by_label("What and why").fill(NOTE)
    desk.get_by_role("button", name="Record intervention").click()
    expect(desk.get_by_text("The intervention was recorded.")).to_be_visible()
    desk.get_by_label("I reviewed the", exact=False).check()  # its alerts, said reviewed before the sign-off
    desk.get_by_role("button", name="Sign review and release summary").click()
    expect(desk.get_by_text("Reviewed by Pia Lind", exact=False)).to_be_visible()
    desk.screenshot(path=str(artifacts / "premed-reaction-reviewed-1280x900.png"), full_page=True)
    desk.get_by_role("link", name="Patients").click()
    desk.get_by_role("link", name="Reyes, Alma").click()
    desk.get_by_role("link", name="Schedule visits").click()
    tomorrow = date.today() + timedelta(days=1)
    schedule(desk, day=tomorrow, at="10:00")
    desk.get_by_role("button", name="Schedule visits").click()
    return visit_id_at(desk, f"{tomorrow} 10:00 UTC")


def test_a_reaction_to_the_premedication_at_a_visit_that_gave_no_infusion_reaches_the_next_one(
        server_factory, launch, playwright, artifacts):
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(desk, server.base_url, "pharmacist")
    todays = todays_demo_visit(desk, "Reyes, Alma")

    tablet = Tablet(launch(**GEO), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    nurse_records_the_reaction_and_ends_without_infusing(tablet, todays, artifacts)
    next_id = pharmacist_reviews_and_schedules_the_next(desk, artifacts)

    tablet.page.get_by_role("button", name="ivlog").click()  # home: the list of visits
    tablet.probe("syncNow()")
    expect(tablet.page.locator(f"[data-testid=visit-card][data-visit-id='{next_id}']")).to_be_visible(timeout=15_000)
    tablet.context.set_offline(True)
    tablet.open_visit(next_id)
    expect(tablet.tid("last-tolerated")).to_contain_text("Target 50 mL/h (set by the pharmacist)")
    expect(tablet.tid("target-holds")).to_have_text("; the step advice stops there")
    last = tablet.tid("last-visit")
    expect(last).to_contain_text("Last visit (nothing infused), ")
    expect(last).to_contain_text("Gammagard Liquid")
    expect(last.get_by_test_id("handover-reaction")).to_have_text(
        re.compile(r"^Reaction grade 2 at \d\d:\d\d: rash, flushing \(resolved\)$"))
    expect(last.get_by_test_id("handover-note")).to_have_text(f"Pharmacist, next infusion rate 50 mL/h: {NOTE}")
    tablet.screenshot(artifacts / "premed-reaction-next-visit-offline-1280x800.png")
    # Tomorrow's visit, opened today: the start says so and asks once more (a walk started one unwarned).
    expect(tablet.tid("start-visit")).to_contain_text("Start visit (scheduled ")
    tablet.tid("start-visit").click()
    expect(tablet.tid("start-lead")).to_contain_text("This visit is scheduled for ")
    expect(tablet.tid("start-lead")).to_contain_text(", not today. Check it is the visit you are at.")
    expect(tablet.tid("start-visit")).to_have_text("Start anyway")
    expect(tablet.tid("action-assessment")).to_have_count(0)  # not started
    tablet.screenshot(artifacts / "premed-reaction-next-visit-start-on-another-day-1280x800.png", testid="start-lead")
    tablet.screenshot(artifacts / "premed-reaction-next-visit-offline-768x1024.png", width=768, height=1024)
    assert tablet.errors == []

    # From the patient's schedule, where the pharmacist left it (a walk found no way there but the URL)
    desk.get_by_role("link", name=f"Open the page of the visit of {date.today() + timedelta(days=1)} 10:00 UTC").click()
    expect(desk).to_have_url(f"{server.base_url}/review/visits/{next_id}")
    expect(desk.get_by_test_id("scheduled-at")).to_have_text(f"{date.today() + timedelta(days=1)} 10:00 UTC · not begun")
    expect(desk.get_by_text("The visit has not begun.")).to_be_visible()  # not "The infusion was not started."
    expect(desk.get_by_text("Nothing received for this visit yet.")).to_be_visible()
    expect(desk.get_by_test_id("last-tolerated")).to_contain_text("target 50 mL/h (set by the pharmacist)")
    handed = desk.get_by_test_id("last-visit")
    expect(handed).to_contain_text("Last visit (nothing infused)")
    expect(handed.get_by_test_id("handover-reaction")).to_contain_text("rash, flushing (resolved)")
    expect(handed.get_by_test_id("handover-note")).to_contain_text(NOTE)
    # not begun: no summary of a visit that has not happened (a walk found PDF and FHIR offered here)
    expect(desk.get_by_test_id("no-summary-yet")).to_be_visible()
    expect(desk.get_by_role("link", name="PDF")).to_have_count(0)
    desk.screenshot(path=str(artifacts / "premed-reaction-next-visit-review-page-1280x900.png"), full_page=True)
    browser.close()
