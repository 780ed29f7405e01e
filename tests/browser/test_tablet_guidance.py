"""The nurse's guidance on the tablet: the Start gate (product and lot, override with a reason), the
advice after a grade-1 reaction, and the end of the ordered dose, clicked through as a nurse."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.browser.desk import Desk
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet
from tests.browser.test_offline_visit import BASELINE, GEO, VisitClock

pytestmark = pytest.mark.browser

KIT_OK = {"weight_kg": 70, "kit_present": True, "kit_in_date": True, "kit_undamaged": True, "hydration": "adequate",
          "headache": False, "infection_signs": False, "thrombosis_risk": False, "renal_risk": False,
          "allergies_reviewed": True, "identity": ["name", "birth_date"]}
NOT_READY = "opened, inspected, in-date product"
CUT_OFF_IN_THE_TABLET_CHART = """() => [...document.querySelectorAll('[data-testid=visit-chart] svg text')].filter((t) => {
    const box = t.getBBox(), view = t.ownerSVGElement.viewBox.baseVal;
    return box.x < 0 || box.x + box.width > view.width;
}).map((t) => t.textContent)"""


def gammagard_visit(tablet_server) -> str:
    with Desk(tablet_server.base_url, "nurse") as desk:
        reference = desk.reference()
    return next(v for v in reference["visits"] if v["context"]["order"]["product_id"] == "gammagard-liquid-10")["id"]


def started_gammagard_visit(server_factory, launch) -> Tablet:
    """The nurse's tablet with today's Gammagard visit of the demo open and started."""
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    visit_id = gammagard_visit(server)
    tablet = Tablet(launch(**GEO), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    tablet.open_visit(visit_id)
    tablet.start_visit()
    return tablet


def clocked_gammagard_visit(server_factory, launch) -> tuple[Tablet, VisitClock, str]:
    """The demo's Gammagard visit on a tablet whose clock the test moves, begun 7 hours ago: started,
    with the pre-assessment (kit passed) and baseline vital signs at minute 2."""
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    visit_id = gammagard_visit(server)
    clock = VisitClock(datetime.now(timezone.utc) - timedelta(hours=7))
    context = launch(**GEO)
    clock.install(context)
    tablet = Tablet(context, server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    tablet.open_visit(visit_id)
    tablet.start_visit()
    clock.to_minute(tablet, 2)
    tablet.entry("assessment", KIT_OK)
    tablet.entry("vitals", BASELINE)
    return tablet, clock, visit_id


def alert(tablet: Tablet, rule: str):
    return tablet.page.locator(f"[data-testid=alert][data-rule={rule}]")


def test_start_infusion_needs_a_usable_product_and_an_override_needs_a_reason(server_factory, launch, artifacts):
    tablet = started_gammagard_visit(server_factory, launch)
    tablet.entry("assessment", KIT_OK)

    start = tablet.tid("action-infusion.started")
    expect(start).to_be_disabled()
    expect(tablet.tid("action-infusion.started-reason")).to_contain_text(NOT_READY)
    tablet.entry("product.opened", {"lot": "OLD1", "expiry": "2020-01-31", "volume_ml": 300, "inspected_ok": True},
                 confirm=True)  # an expired product is saved only when the nurse confirms it
    expect(alert(tablet, "product_expired")).to_be_visible()
    expect(start).to_be_disabled()
    expect(tablet.tid("action-infusion.started-reason")).to_contain_text(NOT_READY)
    tablet.screenshot(artifacts / "start-blocked-expired-lot-1280x800.png", testid="actions")

    tablet.tid("start-override").click()
    tablet.tid("save-entry").click()
    expect(tablet.tid("error-override_reason")).to_contain_text("Override reason is required")
    tablet.fill("override_reason", "prescriber approved by phone")
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-warning")).to_contain_text("override reason: prescriber approved by phone")
    tablet.screenshot(artifacts / "start-override-1280x800.png", testid="form-infusion.started")
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-infusion.started")).to_be_hidden()
    flagged = alert(tablet, "start_not_ready")
    expect(flagged).to_contain_text("prescriber approved by phone")
    expect(flagged).to_contain_text("CRITICAL")
    assert tablet.errors == []


def test_after_a_grade_1_reaction_rate_change_offers_the_previous_step_and_the_dose_end_is_shown(
    server_factory, launch, artifacts
):
    tablet, clock, visit_id = clocked_gammagard_visit(server_factory, launch)
    expect(tablet.tid("action-infusion.started")).to_be_disabled()
    expect(tablet.tid("start-override")).to_be_visible()
    tablet.entry("product.opened", {"lot": "LE12A", "expiry": "2030-12-31", "volume_ml": 300, "inspected_ok": True})
    expect(tablet.tid("start-override")).to_have_count(0)
    clock.to_minute(tablet, 40)
    tablet.entry("infusion.started", confirm=True)  # the premedications were not given: confirmed
    clock.to_minute(tablet, 50)  # the step up is due at minute 70: said, not put in the box (a walk saved it early)
    tablet.tid("action-infusion.rate_changed").click()
    expect(tablet.tid("recommendation")).to_contain_text("Recommended: 70 mL/h")
    expect(tablet.tid("field-rate_ml_h")).to_have_value("")
    tablet.tid("cancel-entry").click()
    clock.to_minute(tablet, 70.1)  # due at the start's time (saved a moment after minute 40) plus 30 minutes
    # The check is shown while the nurse is on the form, before she saves.
    tablet.tid("action-infusion.rate_changed").click()
    expect(tablet.tid("due-checks")).to_contain_text("No vital signs within 15 min before the rate increase to 70 mL/h")
    tablet.screenshot(artifacts / "rate-change-vitals-due-1280x800.png", testid="form-infusion.rate_changed")
    tablet.tid("cancel-entry").click()
    for minute, rate in ((71, 70), (101.2, 140), (131.4, 280)):  # each step a little over its 30 minutes
        clock.to_minute(tablet, minute)
        tablet.entry("vitals", BASELINE)
        tablet.entry("infusion.rate_changed", {"rate_ml_h": rate})
    expect(tablet.tid("expected-end")).to_contain_text("Dose given by")
    # the 280 step began moments ago, at the chart's right edge: its rate is drawn inside the frame (a walk's was cut)
    expect(tablet.tid("visit-chart").locator("text.chart-value", has_text="280")).to_have_count(1)
    assert tablet.page.evaluate(CUT_OFF_IN_THE_TABLET_CHART) == []
    tablet.screenshot(artifacts / "expected-end-1280x800.png", testid="infusion-panel")

    clock.to_minute(tablet, 140)
    tablet.tid("action-reaction.observed").click()
    expect(tablet.tid("grade-1")).to_have_text("1 · mild")  # each grade with its CTCAE word, not a bare number
    expect(tablet.tid("grade-4")).to_have_text("4 · life-threatening")
    expect(tablet.tid("grade-5")).to_have_count(0)  # death is not a tap beside 4 at the bedside (a walk)
    tablet.fill("grade", "1")
    # the order's list, not CLINICAL.md's example drugs (a walk read "acetaminophen 325–650 mg" as advice to give it)
    expect(tablet.tid("suggested-actions")).to_contain_text("Give only the PRN medication the order lists (below)")
    expect(tablet.tid("suggested-actions")).not_to_contain_text("acetaminophen 325")
    expect(tablet.tid("order-prn")).to_have_text("The order's PRN and reaction orders: diphenhydramine 25 mg PO (mild "
                                                 "reaction); epinephrine 0.3 mg IM (anaphylaxis). Give only what the order lists.")
    tablet.screenshot(artifacts / "reaction-advice-with-the-orders-prn-list-1280x800.png", testid="suggested-actions")
    tablet.fill_form("reaction.observed", {"symptoms": ["flushing"], "actions": ["slowed"], "outcome": "improving"})
    expect(tablet.tid("infusion-panel")).to_contain_text("A reaction is recorded as improving.")  # as she recorded it
    expect(tablet.tid("next-step")).to_contain_text("Lower the rate to")
    expect(tablet.tid("next-rate")).to_have_text("140 mL/h")
    tablet.tid("action-infusion.rate_changed").click()
    expect(tablet.tid("recommendation")).to_contain_text("Recommended: 140 mL/h")
    expect(tablet.tid("field-rate_ml_h")).to_have_value("140")
    expect(tablet.tid("reason-reaction")).to_have_attribute("aria-pressed", "true")
    tablet.screenshot(artifacts / "rate-change-after-reaction-1280x800.png", testid="form-infusion.rate_changed")
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-infusion.rate_changed")).to_be_hidden()
    expect(tablet.tid("next-step")).to_contain_text("Hold: reaction ongoing")
    expect(tablet.tid("next-rate")).to_have_text("140 mL/h")
    # the rate it runs at already is not put in the box: Save was one tap from a change of nothing (a walk)
    tablet.tid("action-infusion.rate_changed").click()
    expect(tablet.tid("recommendation")).to_contain_text("Recommended: 140 mL/h")
    expect(tablet.tid("field-rate_ml_h")).to_have_value("")
    tablet.tid("cancel-entry").click()

    # The flushing passes: she records that as an entry of its own, at the time it subsided (a second reaction
    # entry counted a reaction that never happened; a correction read "corrected": two new-user walks).
    clock.to_minute(tablet, 160)
    tablet.screenshot(artifacts / "reaction-ongoing-offers-resolved-1280x800.png", testid="infusion-panel")
    tablet.page.get_by_role("button", name="Reaction resolved").click()
    form = tablet.tid("form-reaction.resolved")
    expect(form.get_by_role("heading", name="Reaction resolved")).to_be_visible()
    expect(tablet.tid("field-amend_reason")).to_have_count(0)  # not a correction: no reason asked
    tablet.fill("note", "Flushing gone")
    tablet.screenshot(artifacts / "reaction-resolved-form-1280x800.png", testid="form-reaction.resolved")
    form.get_by_role("button", name="Save", exact=True).click()
    expect(form).to_be_hidden()
    expect(tablet.tid("next-step")).not_to_contain_text("Hold")
    # the step at 140 counts from the reaction's end, not from the slowing 20 minutes before it (a walk's step up
    # came due 5 minutes after the reaction passed)
    expect(tablet.tid("next-step-countdown")).to_contain_text(re.compile(r"in (29 min|30 min)"))
    expect(tablet.tid("reaction-resolved")).to_have_count(0)
    reactions = tablet.page.locator("[data-testid=timeline-entry][data-kind='reaction.observed']")
    expect(reactions).to_have_count(1)
    expect(reactions).to_contain_text("resolved")
    expect(reactions).not_to_contain_text("corrected")  # what she first recorded stands
    resolution = tablet.page.locator("[data-testid=timeline-entry][data-kind='reaction.resolved']")
    expect(resolution).to_contain_text("Reaction resolved")
    expect(resolution).to_contain_text("Flushing gone")
    tablet.screenshot(artifacts / "reaction-resolved-timeline-1280x800.png", testid="timeline")

    # The demo order is 28 g = 280 mL: 17.5 + 35 + 70 + 46.7 mL by minute 140, then 140 mL/h: all given by
    # about minute 188.
    clock.to_minute(tablet, 195)
    tablet.page.reload()
    tablet.unlock()
    tablet.open_visit(visit_id)
    expect(tablet.tid("next-step")).to_contain_text("Ordered dose given")
    expect(tablet.tid("next-rate")).to_have_count(0)
    expect(tablet.tid("expected-end")).to_have_count(0)
    expect(alert(tablet, "dose_exceeded")).to_be_visible()
    tablet.screenshot(artifacts / "dose-given-1280x800.png")

    tablet.entry("vitals", BASELINE)
    tablet.entry("infusion.stopped", {"reason": "completed"})
    # "End visit" says the observation is still due before she ends the visit, and that she has not signed
    # (a walk ended a visit unsigned with no word; Medicare Q2052: the nurse signs the visit, PAYER.md s.2.2).
    tablet.tid("action-visit.ended").click()
    expect(tablet.tid("due-checks")).to_contain_text("Post-infusion observation")
    expect(tablet.tid("due-checks")).to_contain_text("Visit ended without the nurse's signature: sign the record")
    tablet.screenshot(artifacts / "end-visit-observation-due-1280x800.png", testid="form-visit.ended")
    tablet.tid("cancel-entry").click()
    tablet.entry("signature", {"confirm": True})
    tablet.tid("action-visit.ended").click()
    expect(tablet.tid("due-checks")).not_to_contain_text("signature")  # signed: not said any more
    tablet.tid("cancel-entry").click()
    assert tablet.errors == []


def test_site_findings_are_never_preset_and_no_complications_stands_alone(server_factory, launch, artifacts):
    """Walks found "No complications noted" offered chosen: a nurse could save a site she never looked at (and a
    tap to choose it took it away). Nothing is preset now; she chooses, and a second tap keeps it chosen."""
    tablet = started_gammagard_visit(server_factory, launch)
    tablet.tid("action-line.placed").click()
    form = tablet.tid("form-line.placed")
    none_noted = form.get_by_role("button", name="No complications noted")
    expect(none_noted).to_have_attribute("aria-pressed", "false")  # nothing chosen for her
    tablet.tid("save-entry").click()
    expect(tablet.tid("error-findings")).not_to_be_empty()
    none_noted.click()
    expect(none_noted).to_have_attribute("aria-pressed", "true")
    expect(tablet.tid("error-findings")).to_be_empty()
    none_noted.click()
    expect(none_noted).to_have_attribute("aria-pressed", "true")  # still chosen: a tap chooses it
    form.get_by_role("button", name="Redness").click()  # a complication takes its place
    expect(none_noted).to_have_attribute("aria-pressed", "false")
    none_noted.click()  # and back: it stands alone
    expect(none_noted).to_have_attribute("aria-pressed", "true")
    expect(form.get_by_role("button", name="Redness")).to_have_attribute("aria-pressed", "false")
    tablet.screenshot(artifacts / "line-form-no-complications-chosen-1280x800.png", testid="form-line.placed")
    tablet.fill_form("line.placed", {"status": "new", "type": "peripheral", "gauge": 22, "site": "left forearm",
                                     "side": "left", "attempts": 1, "blood_return": True})
    placed = tablet.page.locator("[data-testid=timeline-entry][data-kind='line.placed']")
    expect(placed).to_contain_text("no complications", ignore_case=True)
    # the line check asks when it is checked as "Check at", not a second "When" beside the time (a walk's find)
    tablet.page.get_by_role("button", name="Line check").click()
    check = tablet.tid("form-line.assessed")
    expect(check.get_by_text("When", exact=True)).to_have_count(1)
    expect(check.get_by_text("Check at", exact=True)).to_be_visible()
    tablet.fill_form("line.assessed", {"phase": "start", "blood_return": True, "findings": ["no_complications"]})
    expect(tablet.page.locator("[data-testid=timeline-entry][data-kind='line.assessed']")).to_contain_text("start")
    assert tablet.errors == []


def test_a_start_or_a_rise_to_ten_times_the_start_rate_is_critical_before_saving(
    server_factory, launch, artifacts
):
    """Alma Reyes, 70 kg, Gammagard PI: start 0.5 mL/kg/h = 35 mL/h, next step 1 mL/kg/h = 70 mL/h (LABELS.md).
    The walk typed 350 and read only a warning; a start past the first step up is critical (CLINICAL.md s.2)."""
    tablet = started_gammagard_visit(server_factory, launch)
    tablet.entry("assessment", KIT_OK)
    tablet.entry("vitals", BASELINE)
    tablet.entry("product.opened", {"lot": "LE12A", "expiry": "2030-12-31", "volume_ml": 300, "inspected_ok": True})
    tablet.page.get_by_role("button", name="Start infusion").click()
    tablet.fill("rate_ml_h", "350")
    tablet.page.get_by_role("button", name="Save", exact=True).click()
    expect(tablet.tid("due-checks").locator("p").first).to_contain_text("CRITICAL Infusion started at 350 mL/h")
    warning = tablet.tid("form-warning")
    expect(warning.locator("p").nth(1)).to_have_text(
        "CRITICAL Infusion started at 350 mL/h, past the next step of 70 mL/h: titration begins at the start rate "
        "of 35 mL/h; slow to it")  # first, above any warning
    expect(warning).not_to_contain_text("above the start rate")  # the warning it supersedes is not said twice
    # "Save anyway" looks unlike Save (a double tap recorded an expired lot in a walk), under the warning in view
    expect(tablet.page.get_by_role("button", name="Save anyway")).to_have_class(re.compile(r"\bconfirm\b"))
    expect(warning.get_by_text("Tap \"Save anyway\" only if")).to_be_in_viewport()
    tablet.screenshot(artifacts / "start-ten-times-the-start-rate-critical-1280x800.png", testid="form-infusion.started")

    tablet.fill("rate_ml_h", "35")  # slowed to the start rate: only the premedications not given are said
    tablet.page.get_by_role("button", name="Save", exact=True).click()
    expect(warning).to_contain_text("premedication")
    expect(warning).not_to_contain_text("CRITICAL")
    tablet.page.get_by_role("button", name="Save anyway").click()
    expect(tablet.tid("form-infusion.started")).to_be_hidden()
    expect(alert(tablet, "start_rate_skips_steps")).to_have_count(0)
    expect(alert(tablet, "start_rate_high")).to_have_count(0)

    # the same slip on a rate change, from 35 straight to 350: past 70, 140 and 280 at once is critical too
    tablet.page.get_by_role("button", name="Rate change").click()
    tablet.fill("rate_ml_h", "350")
    tablet.page.get_by_role("button", name="Save", exact=True).click()
    expect(warning.locator("p").nth(1)).to_have_text(
        "CRITICAL Rate raised from 35 to 350 mL/h at once, past 3 steps of the titration: go up one step at a time")
    expect(warning).not_to_contain_text("more than one step")  # rate_double_step's warning is not said twice
    tablet.screenshot(artifacts / "rate-change-ten-times-critical-1280x800.png", testid="form-infusion.rate_changed")
    tablet.page.get_by_role("button", name="Cancel").click()
    assert tablet.errors == []


def test_stopping_the_infusion_asks_why_and_the_early_stop_is_said_on_the_timeline(server_factory, launch, artifacts):
    """A walk stopped a dose at 2% at the patient's request on a form that had "Completed" chosen for her: one tap
    would have recorded it completed. Nothing is chosen now (nor on the line's removal); she says why."""
    tablet, clock, _ = clocked_gammagard_visit(server_factory, launch)
    tablet.entry("product.opened", {"lot": "LE12A", "expiry": "2030-12-31", "volume_ml": 300, "inspected_ok": True})
    clock.to_minute(tablet, 40)
    tablet.entry("infusion.started", confirm=True)  # the premedications were not given: confirmed
    clock.to_minute(tablet, 55)
    tablet.page.get_by_role("button", name="Stop infusion").click()
    form = tablet.tid("form-infusion.stopped")
    expect(form.get_by_role("button", name="Completed")).to_have_attribute("aria-pressed", "false")
    expect(form.get_by_role("button", name="Patient request")).to_have_attribute("aria-pressed", "false")
    # what a stop now leaves not given is on the form, before she saves (a walk read it only after)
    expect(tablet.tid("stop-leaves")).to_have_text(re.compile(r"^Stopped now: [\d.]+ mL infused · [\d.]+ of 28 g · [\d.]+ g not given$"))
    tablet.tid("save-entry").click()
    expect(tablet.tid("error-reason")).not_to_be_empty()
    tablet.screenshot(artifacts / "stop-form-asks-why-1280x800.png", testid="form-infusion.stopped")
    form.get_by_role("button", name="Patient request").click()
    tablet.fill("pump_volume_ml", 9)
    tablet.fill("note", "Asked to stop; tired.")
    tablet.tid("save-entry").click()
    expect(form).to_be_hidden()
    stopped = tablet.page.locator("[data-testid=timeline-entry][data-kind='infusion.stopped']")
    expect(stopped).to_contain_text("patient request")
    # the pump panel says what was not given: 9 mL of Gammagard 10% is 0.9 g of the order's 28 g
    expect(tablet.tid("given")).to_have_text("9 mL by the pump · 0.9 of 28 g · 27.1 g not given")
    tablet.screenshot(artifacts / "stopped-short-1280x800.png", testid="infusion-panel")
    tablet.tid("action-line.removed").click()
    removal = tablet.tid("form-line.removed")
    expect(removal.get_by_role("button", name="Therapy complete")).to_have_attribute("aria-pressed", "false")
    tablet.tid("cancel-entry").click()
    assert tablet.errors == []


def test_once_the_pump_runs_it_is_on_the_first_screen_of_a_1024x768_tablet(server_factory, launch, artifacts):
    """A walk's pump panel sat under the fold at 1024x768, below the unverified-protocol banner, the series card and
    the alerts. Once the pump has run, those framing cards move below it; the alerts stay above."""
    tablet, clock, _ = clocked_gammagard_visit(server_factory, launch)
    banner = tablet.tid("unverified-protocol")
    expect(banner).to_be_visible()
    assert banner.bounding_box()["y"] < tablet.tid("alerts").bounding_box()["y"]  # before the start: above the alerts
    tablet.entry("product.opened", {"lot": "LE12A", "expiry": "2030-12-31", "volume_ml": 300, "inspected_ok": True})
    clock.to_minute(tablet, 40)
    tablet.entry("infusion.started", confirm=True)  # two premedication warnings now stand in the alerts
    tablet.page.set_viewport_size({"width": 1024, "height": 768})
    tablet.page.evaluate("window.scrollTo(0, 0)")
    panel = tablet.tid("infusion-panel")
    expect(panel).to_contain_text("running")  # capitalised by CSS
    assert panel.bounding_box()["y"] + 60 < 768, panel.bounding_box()  # its rate and state on the first screen
    assert banner.bounding_box()["y"] > tablet.tid("actions").bounding_box()["y"]  # under the pump's buttons too
    tablet.page.screenshot(path=str(artifacts / "pump-first-1024x768.png"))
    assert tablet.errors == []
