"""A grade 2 reaction while the pump runs: the step advice says pause (CTCAE v5 grade 2: interruption
indicated; rules.json reaction_tiers `pump`), as the reaction's suggested actions do. A new user's walk saw
"Stop the infusion" beside "Lower the rate to 70 mL/h, due now". Paused, the advice holds with nothing due;
the reaction recorded resolved, it resumes one step below the rate the reaction began at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_offline_visit import BASELINE
from tests.browser.test_tablet_guidance import clocked_gammagard_visit

pytestmark = pytest.mark.browser

LOT = {"lot": "LE12A", "expiry": "2030-12-31", "volume_ml": 300, "inspected_ok": True}


def test_a_grade_2_reaction_while_running_advises_pausing_then_resuming_one_step_below(server_factory, launch, artifacts):
    tablet, clock, _ = clocked_gammagard_visit(server_factory, launch)
    tablet.entry("product.opened", LOT)
    clock.to_minute(tablet, 40)
    tablet.entry("infusion.started", confirm=True)  # the premedications were not given: confirmed
    for minute, rate in ((70, 70), (100, 140)):
        clock.to_minute(tablet, minute)
        tablet.entry("vitals", BASELINE)
        tablet.entry("infusion.rate_changed", {"rate_ml_h": rate})

    clock.to_minute(tablet, 110)
    tablet.tid("action-reaction.observed").click()
    tablet.fill("grade", "2")
    expect(tablet.tid("suggested-actions")).to_contain_text("Stop the infusion")
    expect(tablet.tid("hint-notified_at")).to_have_text("Left empty, this entry's time is recorded as when they were told.")
    tablet.fill_form("reaction.observed", {"symptoms": ["chills"], "actions": ["medication_given"],
                                           "notified_who": ["prescriber"], "outcome": "ongoing"})
    advice = tablet.tid("next-step")
    expect(advice).to_contain_text("Pause the infusion now: this reaction's grade calls for stopping it, not slowing it")
    expect(tablet.tid("next-rate")).to_have_count(0)
    expect(tablet.tid("expected-end")).to_have_count(0)  # no plan to time while the pump is to be paused
    expect(tablet.tid("next-step-countdown")).to_have_count(0)  # "pause now" has no "due now" after it
    # once infusing, the pump's buttons come first: Pause right under the advice, not under the preparation's
    expect(tablet.tid("actions").locator("h2").first).to_have_text("Pump")
    assert tablet.tid("action-infusion.paused").bounding_box()["y"] < tablet.tid("action-assessment").bounding_box()["y"]
    tablet.screenshot(artifacts / "grade-2-reaction-pause-advised-1280x800.png", testid="infusion-panel")
    # "Medication given" is ticked, but which drug, dose and route is an entry of its own: until it is there,
    # an alert says so (rules.json reaction_medication_missing)
    missing = tablet.tid("alert").filter(has_text="a medication is marked given, but none is recorded for it")
    expect(missing).to_have_count(1)
    tablet.screenshot(artifacts / "reaction-medication-missing-1280x800.png", testid="alerts")
    # and its vital signs are asked for at once, not at the routine 15 minutes (a walk); a set recorded clears it
    no_vitals = tablet.tid("alert").filter(has_text="No vital signs with the grade 2 reaction")
    expect(no_vitals).to_contain_text("take and record them now")
    tablet.entry("vitals", dict(BASELINE, hr=104))
    expect(no_vitals).to_have_count(0)
    # the pump still runs: critical in the alert list until the pause is recorded (a walk's grade 2 reaction was
    # marked paused while the pump ran on, and the list showed only premedication timing)
    running = tablet.page.locator("[data-testid=alert][data-rule=reaction_pump_still_running]")
    expect(running).to_contain_text("Grade 2 reaction: the infusion is still running; pause or stop it")
    tablet.screenshot(artifacts / "reaction-pump-still-running-1280x800.png", testid="alerts")

    tablet.tid("action-infusion.paused").click()
    expect(tablet.tid("reason-reaction")).to_have_attribute("aria-pressed", "true")  # preset: the reaction
    tablet.tid("save-entry").click()
    expect(running).to_have_count(0)
    expect(advice).to_contain_text("Hold: reaction ongoing")
    expect(tablet.tid("next-step-countdown")).to_have_count(0)  # nothing is due while it is ongoing
    expect(tablet.tid("premed-acetaminophen")).to_have_text(re.compile(r"^Give acetaminophen 650 mg PO$"))
    tablet.tid("premed-acetaminophen").click()  # during the reaction its dose is for the reaction, not a premedication
    expect(tablet.tid("purpose-reaction")).to_have_attribute("aria-pressed", "true")
    tablet.fill_form("medication.given", {}, confirm=True)  # not on the order's PRN list: asked before saving
    expect(missing).to_have_count(0)
    # the premedication's button says a dose of the drug was just given, whatever it was for: no second dose unseen
    expect(tablet.tid("premed-acetaminophen")).to_have_text(re.compile(r"^acetaminophen last given \d{1,2}:\d\d · give again$"))

    clock.to_minute(tablet, 130)
    tablet.page.get_by_role("button", name="Reaction resolved").click()  # an entry of its own, at this time
    resolved = tablet.tid("form-reaction.resolved")
    resolved.get_by_role("button", name="Save", exact=True).click()
    expect(resolved).to_be_hidden()
    expect(advice).to_contain_text("Resume lower, at")
    expect(tablet.tid("next-rate")).to_have_text("70 mL/h")  # one step below the 140 it began at
    expect(tablet.tid("next-step-countdown")).to_have_count(0)  # paused: when she is ready, no deadline
    tablet.screenshot(artifacts / "grade-2-reaction-resolved-resume-lower-1280x800.png", testid="infusion-panel")
    expect(tablet.tid("infusion-panel")).to_contain_text(" mL infused · ")  # the mL the grams are counted from
    # the chart shades the pause over every row, to now while it lasts, with its reason
    expect(tablet.tid("chart-paused")).to_contain_text(re.compile(r"paused \d{1,2}:\d{2}.*–now \(reaction\)"))
    expect(tablet.tid("visit-chart").locator("rect.chart-pause")).to_have_count(1)
    tablet.screenshot(artifacts / "chart-pause-band-1280x800.png", testid="visit-chart")
    # correcting the reaction itself: the empty box keeps the time the prescriber was called, and says so
    reaction = tablet.page.locator("[data-testid=timeline-entry][data-kind='reaction.observed']")
    expect(reaction).to_contain_text("resolved (recorded ongoing at the time)")  # what she saw then stays
    reaction.get_by_role("button", name="Correct").click()
    expect(tablet.tid("hint-notified_at")).to_contain_text("Recorded: prescriber ")
    expect(tablet.tid("hint-notified_at")).to_contain_text("Leave it empty to keep these times")
    tablet.page.get_by_role("button", name="Cancel").click()

    tablet.tid("back-to-today").click()  # the way back a walk could not find
    expect(tablet.page.get_by_role("heading", name="Today's visits")).to_be_visible()
    assert tablet.errors == []


def test_a_reaction_at_the_start_rate_leaves_the_resume_rate_to_the_prescriber(server_factory, launch, artifacts):
    """No step lies below the start rate. The tablet advised resuming at it, then called that a breach of
    resume_not_lower and offered "Save anyway" (a walk): now it offers no rate and says whose it is."""
    tablet, clock, _ = clocked_gammagard_visit(server_factory, launch)
    tablet.entry("product.opened", LOT)
    clock.to_minute(tablet, 40)
    tablet.entry("infusion.started", confirm=True)
    clock.to_minute(tablet, 50)
    tablet.entry("reaction.observed", {"grade": "2", "symptoms": ["flushing"], "actions": ["paused"], "outcome": "ongoing"})
    tablet.entry("infusion.paused", {})
    expect(tablet.tid("next-step")).to_contain_text("Hold: reaction ongoing")
    clock.to_minute(tablet, 70)
    tablet.page.get_by_role("button", name="Reaction resolved").click()
    tablet.tid("form-reaction.resolved").get_by_role("button", name="Save", exact=True).click()
    advice = tablet.tid("next-step")
    expect(advice).to_contain_text("Resume below the first step only at a rate the prescriber gives: call before resuming")
    expect(tablet.tid("next-rate")).to_have_count(0)
    tablet.screenshot(artifacts / "reaction-at-the-start-rate-resume-1280x800.png", testid="infusion-panel")

    tablet.tid("action-infusion.resumed").click()
    expect(tablet.tid("field-rate_ml_h")).to_have_value("")  # no rate of the app's in the box
    tablet.fill("rate_ml_h", 17)  # the prescriber's, by phone
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-infusion.resumed")).to_be_hidden()  # below the reaction's rate: nothing to confirm
    expect(tablet.tid("current-rate")).to_have_text("17 mL/h")
    assert tablet.errors == []
