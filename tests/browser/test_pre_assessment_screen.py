"""A pre-assessment that finds fever or infection, a headache or poor hydration is said before the start, on the
tablet and at the desk. A walk answered all three yes with a 38.5 C baseline and read "No alerts"; the timeline
line showed only the kit, and the desk left out the infection and headache answers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.people import desk_page
from tests.browser.test_offline_visit import BASELINE
from tests.browser.test_tablet_guidance import KIT_OK, started_gammagard_visit

pytestmark = pytest.mark.browser

RED_FLAGS = dict(KIT_OK, infection_signs=True, headache=True, hydration="inadequate")


def test_red_flags_at_the_pre_assessment_are_alerts_on_the_tablet_and_words_at_the_desk(
        server_factory, launch, playwright, artifacts):
    tablet = started_gammagard_visit(server_factory, launch)
    visit_id = tablet.tid("visit").get_attribute("data-visit-id")
    tablet.entry("assessment", RED_FLAGS)
    alerts = tablet.tid("alerts")
    expect(alerts).to_contain_text("Signs of infection or fever at the pre-assessment: tell the prescriber before starting")
    expect(alerts).to_contain_text("Headache at the pre-assessment: ask about a stiff neck")
    expect(alerts).to_contain_text("Hydration inadequate at the pre-assessment")
    row = tablet.page.locator("[data-testid=timeline-entry][data-kind='assessment']")
    expect(row).to_contain_text("hydration INADEQUATE, HEADACHE, SIGNS OF INFECTION/FEVER")
    tablet.screenshot(artifacts / "pre-assessment-red-flags-1280x800.png", testid="alerts")
    expect(tablet.tid("visit-pending")).to_have_text("all synced", timeout=20_000)

    with desk_page(playwright, tablet.base_url, "pharmacist") as page:
        page.goto(f"{tablet.base_url}/review/visits/{visit_id}")
        expect(page.locator("span.entry-text", has_text="hydration INADEQUATE, HEADACHE, SIGNS OF INFECTION/FEVER")).to_be_visible()
        expect(page.get_by_text("Signs of infection or fever at the pre-assessment").first).to_be_visible()
        page.screenshot(path=str(artifacts / "review-pre-assessment-red-flags.png"), full_page=True)
    assert tablet.errors == []


def test_the_start_is_confirmed_over_what_the_pre_assessment_flagged(server_factory, launch, artifacts):
    """A walk's Start asked about premedication timing and said nothing of the febrile, dry patient."""
    tablet = started_gammagard_visit(server_factory, launch)
    tablet.entry("assessment", RED_FLAGS)
    tablet.entry("product.opened", {"lot": "LE12A", "expiry": "2030-12-31", "volume_ml": 300, "inspected_ok": True})
    tablet.tid("action-infusion.started").click()
    tablet.tid("save-entry").click()
    warning = tablet.tid("form-warning")
    expect(warning).to_contain_text("Signs of infection or fever at the pre-assessment: tell the prescriber before starting")
    expect(warning).to_contain_text("Hydration inadequate at the pre-assessment")
    expect(tablet.tid("save-entry")).to_have_text("Save anyway")
    tablet.screenshot(artifacts / "start-confirmed-over-red-flags-1280x800.png", testid="form-infusion.started")
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-infusion.started")).to_be_hidden()
    expect(tablet.tid("current-rate")).to_have_text("35 mL/h")
    assert tablet.errors == []


def test_a_febrile_first_set_of_vital_signs_is_an_alert_before_the_start(server_factory, launch, artifacts):
    """A walk's first vital signs read 38.6 °C and raised nothing: the fever rules need a rise over the baseline,
    and that reading was the baseline (fever_before_start, CLINICAL.md s.1.3 and s.3)."""
    tablet = started_gammagard_visit(server_factory, launch)
    tablet.entry("vitals", {**BASELINE, "temp_c": "38.6"})
    alert = tablet.page.locator("[data-testid=alert][data-rule=fever_before_start]")
    expect(alert).to_contain_text("Temperature 38.6 °C before the start: the patient is febrile; tell the prescriber")
    tablet.screenshot(artifacts / "febrile-before-the-start-1280x800.png", testid="alerts")
    tablet.entry("vitals", {**BASELINE, "temp_c": "37.2"})  # a normal reading raises nothing more
    expect(tablet.page.locator("[data-testid=alert][data-rule=fever_before_start]")).to_have_count(1)
    assert tablet.errors == []
