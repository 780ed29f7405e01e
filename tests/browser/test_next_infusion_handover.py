"""The next infusion knows what happened at the last one (CLINICAL 2, 5), clicked through: the pharmacist
reviews Elena Sousa's visit of yesterday (a grade 2 febrile reaction, the demo's), sets the rate for her next
infusion and a premedication change from the review page and signs off; at today's visit the nurse's
tablet, offline, shows the reaction, the pharmacist's words, and the pharmacist's rate as the target; the
review page of today's visit says the same."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in
from tests.browser.tablet import Tablet
from tests.browser.test_offline_visit import GEO
from tests.browser.test_schedule_visit import visit_id_at
from tests.browser.test_tablet_guidance import KIT_OK

pytestmark = pytest.mark.browser

PREMED = "Add cetirizine 10 mg PO 30 min before the start; acetaminophen as before."


def pharmacist_reviews_the_reaction(desk, artifacts) -> None:
    """From the review queue: the reaction visit, a next-infusion rate of 90 mL/h, a premedication change,
    the sign-off."""
    desk.get_by_role("link", name="Review queue").click()
    desk.locator("table.queue tbody tr", has_text="Sousa, Elena").get_by_role("link").first.click()
    # A slip (900 for 90) no infusion of her order may run: refused with the highest it allows, kept as typed.
    desk.get_by_label("Kind").select_option("next_rate")
    desk.get_by_label("Next infusion rate").fill("900")
    desk.get_by_label("What and why").fill("Hold at 90 next time.")
    desk.get_by_role("button", name="Record intervention").click()
    expect(desk.get_by_role("alert")).to_contain_text(
        "Next infusion rate (mL/h): 900 mL/h is above what this order allows at any infusion: at most 432 mL/h (the label maximum)")
    expect(desk.get_by_label("Next infusion rate")).to_have_value("900")
    expect(desk.locator("label", has=desk.get_by_label("Next infusion rate")).locator(".field-error")).to_contain_text(
        "at most 432 mL/h")  # beside the field too, not only in the banner at the top (a walk)
    desk.screenshot(path=str(artifacts / "handover-next-rate-slip-refused-1280x900.png"))
    for kind, rate, text in (("next_rate", "90", "Grade 2 reaction: hold at 90 mL/h next time."),
                             ("premed_change", "", PREMED)):
        desk.get_by_label("Kind").select_option(kind)
        desk.get_by_label("Next infusion rate").fill(rate)
        desk.get_by_label("What and why").fill(text)
        desk.get_by_role("button", name="Record intervention").click()
        expect(desk.get_by_text("The intervention was recorded.")).to_be_visible()
        if kind == "premed_change":  # the tablet checks the order's premedication, not her words: she is told
            expect(desk.get_by_text("edit the order (the patient's page, Edit order)", exact=False)).to_be_visible()
    desk.get_by_label("Note for the physician").fill("Febrile reaction handled at home; plan adjusted.")
    desk.get_by_label("I reviewed the", exact=False).check()  # its alerts, said reviewed before the sign-off
    desk.get_by_role("button", name="Sign review and release summary").click()
    expect(desk.get_by_text("Reviewed by Pia Lind", exact=False)).to_be_visible()
    desk.screenshot(path=str(artifacts / "handover-reviewed-reaction-1280x900.png"), full_page=True)


def todays_demo_visit(desk, patient: str) -> str:
    """The id of the patient's visit today at 08:00 (the demo's: Elena Sousa with Ben Ortiz, Alma Reyes with
    Nora Quinn), from her schedule."""
    desk.get_by_role("link", name="Patients").click()
    desk.get_by_role("link", name=patient).click()
    desk.get_by_role("link", name="Schedule visits").click()
    return visit_id_at(desk, f"{date.today():%Y-%m-%d} 08:00 UTC")


def test_the_next_infusion_shows_the_last_reaction_the_pharmacists_words_and_her_rate_as_the_target(
        server_factory, launch, playwright, artifacts):
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(desk, server.base_url, "pharmacist")
    pharmacist_reviews_the_reaction(desk, artifacts)
    visit_id = todays_demo_visit(desk, "Sousa, Elena")

    tablet = Tablet(launch(**GEO), server.base_url)
    tablet.first_login("nurse2", DEMO_PASSWORD)
    tablet.context.set_offline(True)
    tablet.open_visit(visit_id)
    expect(tablet.tid("series-title")).to_have_text("Infusion 2 of series (same protocol every infusion)")
    expect(tablet.tid("last-tolerated")).to_contain_text("target 90 mL/h (set by the pharmacist)")
    last = tablet.tid("last-infusion")
    expect(last).to_contain_text("Last infusion, ")
    expect(last).to_contain_text("Gamunex-C")
    expect(last.get_by_test_id("handover-reaction")).to_contain_text("Reaction grade 2 at ")
    expect(last.get_by_test_id("handover-reaction")).to_contain_text("chills, fever, headache (resolved)")
    notes = last.get_by_test_id("handover-note")
    expect(notes).to_have_count(3)
    expect(notes.nth(0)).to_have_text("Pharmacist, next infusion rate 90 mL/h: Grade 2 reaction: hold at 90 mL/h next time.")
    expect(notes.nth(1)).to_have_text(f"Pharmacist, premedication change: {PREMED}")
    expect(notes.nth(2)).to_have_text("Pharmacist, sign-off note: Febrile reaction handled at home; plan adjusted.")
    tablet.screenshot(artifacts / "handover-tablet-offline-1280x800.png")
    tablet.screenshot(artifacts / "handover-tablet-offline-768x1024.png", width=768, height=1024)

    # The step advice stops at her rate (a walk found "Next step 216 mL/h", the rate below last time's reaction
    # at 432, beside "target 150 mL/h"): the start is 90 mL/h, below the protocol's 108, and says why.
    expect(tablet.tid("target-holds")).to_have_text("; the step advice stops there")
    tablet.start_visit()
    expect(tablet.tid("next-step")).to_contain_text("Start at")
    expect(tablet.tid("next-rate")).to_have_text("90 mL/h")
    expect(tablet.tid("next-step-held")).to_contain_text("held: the pharmacist's rate for this infusion")
    tablet.entry("assessment", {**KIT_OK, "weight_kg": 90})
    tablet.entry("product.opened", {"lot": "GC3001A", "expiry": "2029-12-31", "volume_ml": 900, "inspected_ok": True})
    tablet.tid("action-infusion.started").click()
    expect(tablet.tid("recommendation")).to_contain_text("Recommended: 90 mL/h")
    expect(tablet.tid("field-rate_ml_h")).to_have_value("90")
    tablet.screenshot(artifacts / "handover-tablet-start-held-at-the-pharmacists-rate-1280x800.png")
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-warning")).to_contain_text("premedication")  # none given: said, then saved as it is
    tablet.tid("save-entry").click()
    expect(tablet.tid("current-rate")).to_have_text("90 mL/h")

    # Raising to the protocol's start rate, above the pharmacist's: the form says so before saving, and
    # "Save anyway" would raise it as an alert for her review (rules.json rate_above_held_target).
    tablet.tid("action-infusion.rate_changed").click()
    tablet.fill("rate_ml_h", 108)
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-warning")).to_contain_text(
        "Rate raised to 108 mL/h, above the 90 mL/h target this infusion holds at (the pharmacist set the rate for this infusion)")
    tablet.screenshot(artifacts / "handover-tablet-rate-above-the-held-target-1280x800.png", testid="form-warning")
    tablet.tid("cancel-entry").click()
    expect(tablet.tid("current-rate")).to_have_text("90 mL/h")

    # Running, the handover folds to one line, so the pump panel stays on the first screen; a tap opens it.
    folded = tablet.tid("last-infusion")
    expect(folded.locator("summary")).to_contain_text("reaction grade 2 · 3 pharmacist notes")
    expect(folded.get_by_test_id("handover-reaction")).to_be_hidden()
    assert tablet.tid("current-rate").bounding_box()["y"] < 800
    tablet.screenshot(artifacts / "handover-tablet-running-folded-1280x800.png")
    folded.locator("summary").click()
    expect(folded.get_by_test_id("handover-reaction")).to_be_visible()
    assert tablet.errors == []

    desk.get_by_role("link", name="Patients").click()  # the pharmacist's home: today's visits, her own way in
    today = desk.get_by_role("table", name="Today's visits").get_by_role("row").filter(has_text="Sousa, Elena")
    today.get_by_role("link", name="Open the page of the 08:00 visit (before it starts)").click()
    expect(desk).to_have_url(f"{server.base_url}/review/visits/{visit_id}")
    expect(desk.get_by_test_id("last-tolerated")).to_contain_text("target 90 mL/h (set by the pharmacist)")
    handed = desk.get_by_test_id("last-infusion")
    expect(handed.get_by_test_id("handover-reaction")).to_contain_text("chills, fever, headache (resolved)")
    expect(handed.get_by_test_id("handover-note").nth(1)).to_contain_text(PREMED)
    desk.screenshot(path=str(artifacts / "handover-review-page-1280x900.png"), full_page=True)
    browser.close()
