"""A visit of saline alone (LABELS.md s.6: no label rate; the order gives a volume over a time), walked on the
tablet offline: what was ordered in mL, the ordered rate advised, mL counted against the volume, no rate cap
asked; a bag's one rate (no step, no "previous rate"), and the review after sync."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in, log_out
from tests.browser.tablet import Tablet
from tests.browser.test_offline_visit import GEO
from tests.browser.test_pre_hydration import SALINE, pharmacist_writes_saline
from tests.browser.test_schedule_visit import schedule, visit_id_at
from tests.browser.test_tablet_guidance import KIT_OK
from tests.browser.test_visit_orders import just_now

pytestmark = pytest.mark.browser


def test_a_visit_of_saline_alone_shows_its_volume_over_time_and_asks_no_rate_cap(
    server_factory, launch, playwright, artifacts
):
    """Saline as the visit's own order: the tablet says what was ordered in mL, advises the ordered rate,
    counts mL against the ordered volume, and raises no order-safety problem (a fixed dose needs no cap).
    No anaphylaxis-kit check gates its start: the rule book's kit_missing is the IVIG's (CLINICAL 1.3)."""
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    desk_browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    desk = desk_browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    pharmacist_writes_saline(desk, server.base_url)
    at = just_now()
    schedule(desk, day=at.date(), at=at.strftime("%H:%M"))
    choose = desk.get_by_role("combobox", name="Order")
    choose.select_option(value=choose.locator("option", has_text=f"{SALINE} · 500 mL over 120 min").get_attribute("value"))
    desk.get_by_role("button", name="Schedule visits").click()
    expect(desk.get_by_role("status")).to_contain_text("Scheduled.")
    visit_id = visit_id_at(desk, f"{at:%Y-%m-%d %H:%M} UTC")

    tablet = Tablet(launch(**GEO), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    expect(tablet.page.locator(f"[data-testid=visit-card][data-visit-id='{visit_id}']")).to_contain_text(
        f"{SALINE} · 500 mL over 120 min")
    tablet.open_visit(visit_id)
    tablet.start_visit()
    tablet.context.set_offline(True)
    expect(tablet.tid("visit-head")).to_contain_text("500 mL over 120 min · Hydration")
    # no kit check for saline alone, but no start before the patient's identity is confirmed (a walk's did)
    expect(tablet.tid("action-infusion.started-reason")).to_contain_text("pre-assessment (the patient's identity)")
    tablet.entry("assessment", KIT_OK)
    expect(tablet.tid("action-infusion.started-reason")).to_contain_text("opened, inspected, in-date product")
    tablet.tid("action-product.opened").click()
    tablet.tid("form-product.opened").get_by_role("button", name=SALINE).click()
    tablet.fill_form("product.opened", {"lot": "NS2502", "expiry": "2030-12-31", "volume_ml": 500, "inspected_ok": True})
    expect(tablet.tid("action-infusion.started")).to_be_enabled()
    tablet.entry("infusion.started")  # at the rate the form offers: the ordered one
    expect(tablet.tid("current-rate")).to_have_text("250 mL/h")
    expect(tablet.tid("infusion-panel")).to_contain_text("of 500 mL infused")
    expect(tablet.tid("next-step")).to_contain_text("Stay at 250 mL/h")
    expect(tablet.tid("next-step")).not_to_contain_text("mL/kg/h")  # a volume over a time: no per-kg rate
    expect(tablet.tid("expected-end")).to_contain_text("Volume given by")
    expect(tablet.page.locator("[data-testid=series]")).to_have_count(0)  # a saline bag is no "first infusion"
    opened = tablet.page.locator("[data-testid=timeline-entry][data-kind='product.opened']")
    expect(opened).to_contain_text(f"{SALINE} lot NS2502")  # named, not "sodium-chloride-0.9"
    entries = tablet.page.locator("[data-testid=timeline-entry]")
    # made within one minute, listed newest first in the order she made them (a form keeps its seconds)
    assert entries.evaluate_all("rows => rows.map(row => row.dataset.kind)") == [
        "infusion.started", "product.opened", "assessment", "visit.started"]
    expect(tablet.page.locator("[data-testid=order-safety]")).to_have_count(0)
    expect(tablet.page.locator("[data-testid=alert]")).to_have_count(0)
    tablet.screenshot(artifacts / "tablet-saline-alone-running-offline-1280x800.png")

    # A bag has one rate: a walk's rate change came preset "250 mL/h, titration" (a change of nothing, one tap
    # from saved), then read "next step 250 mL/h in 3 h 59 min" and, after a mild reaction, "slow to the
    # previous rate" and "run below the first step"
    tablet.tid("action-infusion.rate_changed").click()
    expect(tablet.tid("field-rate_ml_h")).to_have_value("")
    form = tablet.tid("form-infusion.rate_changed")
    expect(form.locator("[data-testid^='reason-'][aria-pressed=true]")).to_have_count(0)
    tablet.fill("rate_ml_h", "200")
    tablet.tid("save-entry").click()
    expect(form).to_contain_text("Reason is required")  # she says why
    tablet.screenshot(artifacts / "tablet-saline-rate-change-asks-why-1280x800.png", testid="form-infusion.rate_changed")
    tablet.fill_form("infusion.rate_changed", {"reason": "patient_request"})
    expect(tablet.tid("next-step")).to_contain_text("Back to the order's rate 250 mL/h")
    expect(tablet.tid("next-step-countdown")).to_have_count(0)
    tablet.tid("action-reaction.observed").click()
    tablet.fill("grade", "1")
    expect(tablet.tid("suggested-actions")).to_contain_text("the order gives one rate, there is no previous step")
    expect(tablet.tid("suggested-actions")).not_to_contain_text("Slow to the previous rate")
    tablet.screenshot(artifacts / "tablet-saline-mild-reaction-advice-1280x800.png", testid="suggested-actions")
    tablet.fill_form("reaction.observed", {"symptoms": ["chills"], "actions": ["observed"], "outcome": "improving"})
    tablet.page.get_by_role("button", name="Reaction resolved").click()
    tablet.fill_form("reaction.resolved", {"note": "Warm pack; chills gone"})
    expect(tablet.tid("next-step")).to_contain_text("Stay at 200 mL/h")
    expect(tablet.tid("next-step")).not_to_contain_text("first step")
    tablet.screenshot(artifacts / "tablet-saline-after-a-mild-reaction-1280x800.png", testid="infusion-panel")
    tablet.screenshot(artifacts / "tablet-saline-portrait-800x1280.png", width=800, height=1280)
    name = tablet.page.locator(".topbar .user")  # whole in portrait: her name and the tablet's code (a walk: "Nora …")
    expect(name).to_contain_text("Nora Quinn, RN · Tablet ")
    assert name.evaluate("el => el.scrollWidth <= el.clientWidth")

    tablet.context.set_offline(False)
    expect(tablet.tid("visit-pending")).to_have_text("all synced", timeout=20_000)
    desk.goto(f"{server.base_url}/review/visits/{visit_id}")
    rates = desk.get_by_role("table").filter(has_text="mL/h").first
    expect(rates.get_by_role("columnheader")).to_have_text(["Start", "End", "mL/h", "min", "mL", "Reaction"])
    expect(desk.get_by_role("cell", name=f"{SALINE} lot NS2502", exact=False)).to_have_count(1)
    desk.screenshot(path=str(artifacts / "review-saline-alone-1280x900.png"), full_page=True)

    # stopped at the patient's request and ended, then signed off: the physician's inbox says it stopped early
    # (a walk's said only the grade), the summary names the reaction in its step and carries her note on its end,
    # and the payer proof says the bag in mL
    tablet.page.get_by_role("button", name="Stop infusion").click()
    expect(tablet.tid("stop-leaves")).to_contain_text("mL not given")
    tablet.fill_form("infusion.stopped", {"reason": "patient_request", "note": "Had to leave"})
    tablet.entry("signature", {"confirm": True})
    tablet.entry("visit.ended", {"waste_disposed": True})
    expect(tablet.tid("visit-pending")).to_have_text("all synced", timeout=20_000)
    desk.goto(f"{server.base_url}/review/visits/{visit_id}")
    expect(desk.get_by_test_id("vial-use")).to_contain_text("mL: left in the bag")
    expect(desk.get_by_test_id("vial-use")).not_to_contain_text(" g)")
    desk.get_by_label("I reviewed the", exact=False).check()
    desk.get_by_role("button", name="Sign review and release summary").click()
    expect(desk.get_by_text(re.compile(r"^Reviewed by Pia Lind"))).to_be_visible()
    log_out(desk)
    log_in(desk, server.base_url, "physician", DEMO_PASSWORD)
    expect(desk.get_by_test_id("stopped-early")).to_have_text(["stopped early"])
    desk.screenshot(path=str(artifacts / "physician-inbox-stopped-early-1280x900.png"), full_page=True)
    desk.get_by_role("link", name="Summary").first.click()
    expect(desk.locator("table.summary-table").first.locator("tr", has_text="200")).to_contain_text("R1")
    expect(desk.locator("body")).to_contain_text("Reaction resolved: Warm pack; chills gone")
    expect(desk.locator("body")).to_contain_text(re.compile(r"of 500 mL given \((<1|\d+)% of the order\)\. Stopped early: "
                                                            r"patient request; Had to leave\."))
    desk.screenshot(path=str(artifacts / "summary-saline-alone-stopped-early-1280x900.png"), full_page=True)
    assert tablet.errors == []
    desk_browser.close()
