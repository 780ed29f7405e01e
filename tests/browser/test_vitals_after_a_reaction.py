"""Vital signs after a reaction at the maximum rate, clicked through as a nurse: slowing the pump brings
the 15-minute checks back from the slowing (CLINICAL.md s.3: every 15 min below the maximum rate), where
the tablet used to count an hour from the last check at the maximum (found by a new user's walk: a check
54 minutes after a grade-1 reaction)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.tablet import Tablet
from tests.browser.test_offline_visit import BASELINE, VisitClock
from tests.browser.test_tablet_guidance import clocked_gammagard_visit

pytestmark = pytest.mark.browser


def shown_time(tablet: Tablet, clock: VisitClock, minute: float) -> str:
    """The visit minute as the tablet writes a time (its own format and time zone)."""
    at = (clock.start + timedelta(minutes=minute)).isoformat()
    return tablet.page.evaluate("(at) => import('/app/format.js').then((m) => m.clock(at))", at)


def test_slowing_for_a_reaction_at_the_maximum_rate_brings_the_next_check_to_15_minutes(
    server_factory, launch, artifacts
):
    tablet, clock, visit_id = clocked_gammagard_visit(server_factory, launch)
    tablet.entry("product.opened", {"lot": "LE12A", "expiry": "2030-12-31", "volume_ml": 300, "inspected_ok": True})
    clock.to_minute(tablet, 40)
    tablet.entry("infusion.started", confirm=True)  # the premedications were not given: confirmed
    # Up the ladder every 15 min (sooner than the label's 30: confirmed), so the maximum comes before the
    # ordered 280 mL are given.
    for minute, rate in ((55, 70), (70, 140), (85, 280), (100, 350)):  # Gammagard PI, 70 kg: to 5 mL/kg/h
        clock.to_minute(tablet, minute)
        tablet.entry("vitals", BASELINE)
        tablet.entry("infusion.rate_changed", {"rate_ml_h": rate}, confirm=True)
    clock.to_minute(tablet, 101)
    tablet.entry("vitals", BASELINE)  # at the maximum: the next set an hour later
    expect(tablet.tid("next-vitals")).to_contain_text(f"Vital signs due {shown_time(tablet, clock, 161)}")

    clock.to_minute(tablet, 105)
    tablet.tid("action-reaction.observed").click()
    tablet.fill("grade", "1")
    tablet.fill_form("reaction.observed", {"symptoms": ["chills"], "actions": ["slowed"], "outcome": "improving"})
    clock.to_minute(tablet, 106)
    tablet.tid("action-infusion.rate_changed").click()
    expect(tablet.tid("field-rate_ml_h")).to_have_value("280")  # the previous step, as advised
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-infusion.rate_changed")).to_be_hidden()
    expect(tablet.tid("next-vitals")).to_contain_text(f"Vital signs due {shown_time(tablet, clock, 121)}")
    tablet.screenshot(artifacts / "vitals-due-15-min-after-slowing-for-a-reaction-1280x800.png", testid="infusion-panel")

    clock.to_minute(tablet, 127)  # no set since the slowing: overdue at 121 + 5 min grace
    tablet.page.reload()
    tablet.unlock()
    tablet.open_visit(visit_id)
    overdue = tablet.page.locator("[data-testid=alert][data-rule=vitals_overdue]")
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text("Vital signs overdue: due every 15 min while titrating")
    # the alert names the set it follows, so two overdue lines read apart
    expect(overdue.get_by_test_id("alert-entry")).to_have_text(f" — Vital signs, {shown_time(tablet, clock, 101)}")
    tablet.screenshot(artifacts / "vitals-overdue-after-slowing-1280x800.png")

    # wheezing graded 1 (mild): breathing is Brown grade 2 or higher, so the grade is questioned (rules.json only)
    tablet.tid("action-reaction.observed").click()
    tablet.fill("grade", "1")
    tablet.fill_form("reaction.observed", {"symptoms": ["wheezing"], "actions": ["observed"], "outcome": "improving"})
    breathing = tablet.page.locator("[data-testid=alert][data-rule=reaction_grade_below_breathing]")
    expect(breathing).to_contain_text("CRITICAL Grade 1 reaction with breathing symptoms")
    expect(breathing).to_contain_text("check the grade and assess for anaphylaxis")
    tablet.screenshot(artifacts / "reaction-grade-below-breathing-1280x800.png", testid="alerts")
    assert tablet.errors == []
