"""A pre-hydration before the IVIG, clicked through (issue #18: a visit of a hydration and an IVIG order).

The pharmacist writes Alma Reyes a saline order as a volume over a time, 500 mL over 120 min (LABELS.md
s.6: normal saline has no label rate; it is order-driven, and its checks are the rate and the volume
against the order), and schedules a visit holding her IVIG order and the saline. With no signal, the
nurse opens the bag, sees the saline's card say what to run, and runs it faster than ordered: her tablet
flags it against the ordered rate (500 ÷ 120 × 60 = 250 mL/h), and so does the review page after sync."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in
from tests.browser.test_tablet_guidance import KIT_OK
from tests.browser.test_visit_orders import schedule_ivig_with, started_visit_of_two_orders

pytestmark = pytest.mark.browser

SALINE = "Sodium chloride 0.9%"


def pharmacist_writes_saline(page, base_url: str) -> None:
    """Alma Reyes's saline order, 500 mL over 120 min, from the order form; the schedule page opened after."""
    log_in(page, base_url, "pharmacist", DEMO_PASSWORD)
    page.get_by_role("link", name="Reyes, Alma").click()
    page.get_by_role("link", name="New order").click()
    page.get_by_label("Product and indication").select_option(value="sodium-chloride-0.9|Hydration")
    page.get_by_label("Dosing weight (kg)").fill("70")
    page.get_by_label("Volume (mL)").fill("500")
    page.get_by_label("Time (minutes)").fill("120")
    page.get_by_label("Prescriber").fill("Dr. Phil Amari")
    page.get_by_role("button", name="Create order").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("body")).to_contain_text("500 mL over 120 min (250 mL/h)")
    page.get_by_role("link", name="Schedule visits").click()


def edit_saline_time(desk, saline_id: str, minutes: int) -> None:
    """From the desk: Alma Reyes's saline order edited to run over `minutes`, saved as revision 2."""
    desk.get_by_role("link", name="Patients").click()
    desk.get_by_role("link", name="Reyes, Alma").click()
    desk.locator(f"#order-{saline_id}").get_by_role("link", name="Edit order").click()
    desk.get_by_label("Time (minutes)").fill(str(minutes))
    desk.get_by_role("button", name="Save new revision").click()
    expect(desk.locator(f"#order-{saline_id}")).to_contain_text("revision 2")


def pharmacist_orders_a_pre_hydration(page, base_url: str, artifacts) -> tuple[str, str]:
    """A saline order for Alma Reyes, then a visit today holding her IVIG order and it: (visit id, its id)."""
    pharmacist_writes_saline(page, base_url)
    return schedule_ivig_with(page, SALINE, artifacts / "schedule-pre-hydration-1280x900.png")


def test_saline_run_faster_than_its_order_is_flagged_on_the_tablet_offline_and_on_the_review(
    server_factory, launch, playwright, artifacts
):
    desk_browser, desk, tablet, visit_id, saline_id = started_visit_of_two_orders(
        server_factory, launch, playwright, artifacts, schedules=pharmacist_orders_a_pre_hydration)
    tablet.entry("assessment", KIT_OK)  # no start, the saline's either, before the patient's identity is confirmed
    tablet.context.set_offline(True)
    card = tablet.page.get_by_role("article", name=f"Order {saline_id} · {SALINE}")
    expect(card).to_contain_text("500 mL over 120 min: run at 250 mL/h · limit 250 mL/h")
    tablet.tid("action-product.opened").click()
    form = tablet.tid("form-product.opened")
    # the bag or the vial: with two orders the form picks neither for her (it picked the IVIG)
    expect(form.locator("[data-testid^='product_id-'][aria-pressed=true]")).to_have_count(0)
    form.get_by_role("button", name=SALINE).click()  # offered although it has no label rows
    tablet.fill_form("product.opened", {"lot": "NS2501", "expiry": "2030-12-31", "volume_ml": 500, "inspected_ok": True})
    card.get_by_label(f"Rate (mL/h) for order {saline_id}").fill("300")
    card.get_by_role("button", name=f"Start order {saline_id}").click()
    # said before it is saved, as the main pump's form says it: a second tap starts it anyway
    expect(card.get_by_role("alert")).to_contain_text("This breaks the protocol: ")
    expect(card.get_by_role("alert")).to_contain_text("Rate 300 mL/h is above the ordered rate (250 mL/h)")
    expect(card).to_contain_text("Not started")
    card.get_by_role("button", name=f"Start order {saline_id}").click()
    expect(card).to_contain_text("Running at 300 mL/h")
    flagged = tablet.page.locator("[data-testid=alert][data-rule=rate_above_limit]")
    expect(flagged).to_contain_text(f"{SALINE} (order {saline_id}): Rate 300 mL/h is above the ordered rate (250 mL/h)")
    expect(tablet.page.locator("[data-testid=alert][data-rule=start_not_ready]")).to_have_count(0)  # the bag was opened
    expect(tablet.tid("chart-other-orders")).to_contain_text(f"order {saline_id}, {SALINE}")  # its own line on the chart
    tablet.screenshot(artifacts / "tablet-chart-with-the-saline-line-1280x800.png", testid="visit-chart")
    tablet.screenshot(artifacts / "tablet-pre-hydration-above-order-offline-1280x800.png", testid="alerts")
    tablet.screenshot(artifacts / "tablet-pre-hydration-card-offline-1280x800.png", testid="other-orders")

    tablet.context.set_offline(False)
    expect(tablet.tid("visit-pending")).to_have_text("all synced", timeout=20_000)
    desk.goto(f"{tablet.base_url}/review/visits/{visit_id}")
    expect(desk.locator("body")).to_contain_text(f"Order {saline_id} · HYDRATION · {SALINE}")
    expect(desk.locator("body")).to_contain_text("500 mL over 120 min (250 mL/h)")
    expect(desk.locator("body")).to_contain_text(f"{SALINE} (order {saline_id}): Rate 300 mL/h is above the ordered rate")
    others = desk.get_by_role("region", name="Other orders of this visit")
    expect(others.get_by_role("cell", name="500 mL over 120 min (250 mL/h)", exact=True)).to_have_count(1)  # ordered
    expect(desk.get_by_test_id("chart-key")).to_contain_text(f"Dashed: order {saline_id}, {SALINE}.")  # its own line
    desk.screenshot(path=str(artifacts / "review-pre-hydration-above-order-1280x900.png"), full_page=True)
    assert tablet.errors == []
    desk_browser.close()


def test_the_pre_hydrations_card_offers_its_rate_and_a_correction_of_its_start_stays_on_its_pump(
    server_factory, launch, playwright, artifacts
):
    """Walked as a new nurse would (a helper's walk found both): the saline card's rate box holds the ordered
    250 mL/h; emptied, Start says so and records nothing (before, an empty rate went to the server and was
    kept aside). A start the server kept aside (an older app's 5000 mL/h) is corrected on the saline's own
    pump: before, the correction lost its order and started the IVIG, past the kit check."""
    desk_browser, desk, tablet, visit_id, saline_id = started_visit_of_two_orders(
        server_factory, launch, playwright, artifacts, schedules=pharmacist_orders_a_pre_hydration)
    tablet.entry("assessment", KIT_OK)  # no start, the saline's either, before the patient's identity is confirmed
    card = tablet.page.get_by_role("article", name=f"Order {saline_id} · {SALINE}")
    box = card.get_by_label(f"Rate (mL/h) for order {saline_id}")
    expect(box).to_have_value("250")
    stored = len(tablet.dump_indexeddb()["events"])
    box.fill("")
    card.get_by_role("button", name=f"Start order {saline_id}").click()
    expect(card.get_by_role("alert")).to_have_text(f"Enter the rate (mL/h) for order {saline_id}")
    assert len(tablet.dump_indexeddb()["events"]) == stored  # nothing recorded

    tablet.page.evaluate("([id, order]) => window.ivlogProbe.save({visitId: id, kind: 'infusion.started', "
                         "payload: {rate_ml_h: 5000, override_reason: null, order_id: order}})", [visit_id, saline_id])
    tablet.tid("sync-now").click()
    item = tablet.tid("quarantined-item")
    expect(item).to_be_visible(timeout=20_000)
    item.get_by_test_id("correct").click()
    tablet.fill_form("infusion.started", {"rate_ml_h": "250"}, confirm=True)
    expect(card).to_contain_text("Running at 250 mL/h")
    expect(tablet.tid("current-rate")).to_have_text("—")  # the IVIG's pump has not started
    tablet.screenshot(artifacts / "tablet-pre-hydration-corrected-start-1280x800.png", testid="other-orders")
    tablet.tid("sync-now").click()
    expect(tablet.tid("needs-correction")).to_have_count(0, timeout=20_000)
    state = tablet.fold(visit_id)
    assert [(o["order_id"], o["status"]) for o in state["other_orders"]] == [(saline_id, "running")]
    assert state["infusion"]["status"] == "not_started"

    # the card says why the rate changed and reads the pump at the stop, as the main pump's forms do
    box.fill("200")
    card.get_by_label(f"Rate change reason for order {saline_id}").select_option("patient_request")
    card.get_by_role("button", name=f"Change rate of order {saline_id}").click()
    expect(card).to_contain_text("Running at 200 mL/h")
    pump = card.get_by_label(f"Pump volume (mL) for order {saline_id}")
    pump.fill("5000")  # a slip of a digit, from a 500 mL bag: said before it is saved
    card.get_by_role("button", name=f"Stop order {saline_id}").click()
    expect(card.get_by_role("alert")).to_contain_text("Volume given 5000 mL is above the ordered 500 mL")
    expect(card).to_contain_text("Running at 200 mL/h")
    pump.fill("480")
    card.get_by_role("button", name=f"Stop order {saline_id}").click()
    # minutes into the bag, 480 mL is far from what its rates ran: asked, as the IVIG's pump is (a walk's saline
    # read "pump 500 mL · 16.2 mL infused" with no alert); a second tap records it as it is
    expect(card.get_by_role("alert")).to_contain_text("Pump reading 480 mL is far from the")
    card.get_by_role("button", name=f"Stop order {saline_id}").click()
    expect(card.get_by_test_id("other-order-status")).to_contain_text("pump 480 mL")
    flagged = tablet.page.locator("[data-testid=alert][data-rule=pump_volume_far_from_rates]")
    expect(flagged).to_contain_text(f"{SALINE} (order {saline_id}): Pump reading 480 mL is far from the")
    changed = tablet.page.locator("[data-testid=timeline-entry][data-kind='infusion.rate_changed']")
    expect(changed).to_contain_text(f"200 mL/h (patient request) · order {saline_id}")
    stopped = tablet.page.locator("[data-testid=timeline-entry][data-kind='infusion.stopped']")
    expect(stopped).to_contain_text(f"completed · pump 480 mL · order {saline_id}")
    tablet.screenshot(artifacts / "tablet-pre-hydration-stopped-with-pump-volume-1280x800.png", testid="other-orders")
    assert tablet.fold(visit_id)["other_orders"][0]["pump_volume_ml"] == 480
    assert tablet.errors == []
    desk_browser.close()


def test_a_rate_typed_into_a_running_orders_card_keeps_its_box_and_focus_through_a_sync(
    server_factory, launch, playwright, artifacts
):
    """Found by a flaky CI run: the card was rebuilt at every refresh while its pump ran (its volume grows with
    the clock), so a sync landing while the nurse typed swapped her box out; her Change rate then read an
    empty box. Now what the clock changes is written into the cards in place."""
    desk_browser, desk, tablet, visit_id, saline_id = started_visit_of_two_orders(
        server_factory, launch, playwright, artifacts, schedules=pharmacist_orders_a_pre_hydration)
    tablet.entry("assessment", KIT_OK)  # no start, the saline's either, before the patient's identity is confirmed
    card = tablet.page.get_by_role("article", name=f"Order {saline_id} · {SALINE}")
    start = card.get_by_role("button", name=f"Start order {saline_id}")
    start.click()
    expect(card.get_by_role("alert")).to_contain_text("This breaks the protocol: ")  # no bag opened yet
    start.click()
    status = card.get_by_test_id("other-order-status")
    expect(status).to_contain_text("Running at 250 mL/h")
    box = card.get_by_label(f"Rate (mL/h) for order {saline_id}")
    box.fill("200")
    box.evaluate("el => { el.dataset.typedInto = 'yes'; }")  # this very box, not one drawn after it
    before = status.text_content()
    tablet.page.wait_for_timeout(2_000)  # 250 mL/h: 0.07 mL a second, so the volume shown moves on
    tablet.page.evaluate("() => window.ivlogProbe.syncNow()")
    expect(status).not_to_have_text(before)  # the sync's refresh brought the volume up to date
    expect(box).to_have_attribute("data-typed-into", "yes")
    expect(box).to_be_focused()
    expect(box).to_have_value("200")
    card.get_by_role("button", name=f"Change rate of order {saline_id}").click()
    expect(status).to_contain_text("Running at 200 mL/h")
    assert tablet.errors == []
    desk_browser.close()


def test_an_order_edited_mid_visit_reaches_the_open_visit_screen_at_the_next_sync(
    server_factory, launch, playwright, artifacts
):
    """Found by a new user's walk: the pharmacist shortened the running saline's time; after "Sync now" the
    Today list had it, but the open visit screen kept the old order (and judged the pump by it) until the
    nurse left it and came back."""
    desk_browser, desk, tablet, visit_id, saline_id = started_visit_of_two_orders(
        server_factory, launch, playwright, artifacts, schedules=pharmacist_orders_a_pre_hydration)
    tablet.entry("assessment", KIT_OK)  # no start, the saline's either, before the patient's identity is confirmed
    card = tablet.page.get_by_role("article", name=f"Order {saline_id} · {SALINE}")
    expect(card).to_contain_text("500 mL over 120 min: run at 250 mL/h")

    edit_saline_time(desk, saline_id, 100)

    tablet.tid("sync-now").click()
    expect(card).to_contain_text("500 mL over 100 min: run at 300 mL/h", timeout=20_000)
    expect(tablet.tid("visit-other-order")).to_contain_text(f"With order {saline_id}: {SALINE} · 500 mL over 100 min")
    tablet.screenshot(artifacts / "tablet-pre-hydration-order-edited-mid-visit-1280x800.png", testid="other-orders")

    # the pharmacist finds the running visit from the queue, and it follows the edit there too
    desk.get_by_role("link", name="Review queue").click()
    desk.get_by_role("link", name="in progress: 1").click()
    desk.locator("table.queue tbody tr", has_text="Reyes").first.get_by_role("link").first.click()
    others = desk.get_by_role("definition").filter(has_text=f"Order {saline_id} · HYDRATION")
    expect(others).to_contain_text("500 mL over 100 min (300 mL/h) · rev. 2")
    expect(others).not_to_contain_text("edited since")  # running: it follows the order as it now is
    desk.screenshot(path=str(artifacts / "review-running-visit-follows-the-edit-1280x900.png"), full_page=True)
    assert tablet.errors == []
    desk_browser.close()
