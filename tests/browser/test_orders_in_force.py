"""An order edited while its visit runs, clicked through (server.services.orders_in_force): the nurse
starts Alma Reyes's saline at the ordered 250 mL/h and slows it to 200 at her request; the pharmacist then
lengthens the order to 150 min (200 mL/h). The review follows the edit, and does not call the start that
followed the order of its moment a breach of the new one, nor does her tablet after its next sync."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_pre_hydration import SALINE, edit_saline_time, pharmacist_orders_a_pre_hydration
from tests.browser.test_tablet_guidance import KIT_OK
from tests.browser.test_visit_orders import started_visit_of_two_orders

pytestmark = pytest.mark.browser


def test_a_start_at_the_ordered_rate_is_not_flagged_by_an_edit_made_after_it(
    server_factory, launch, playwright, artifacts
):
    desk_browser, desk, tablet, visit_id, saline_id = started_visit_of_two_orders(
        server_factory, launch, playwright, artifacts, schedules=pharmacist_orders_a_pre_hydration)
    tablet.entry("assessment", KIT_OK)  # no start before the patient's identity is confirmed
    card = tablet.page.get_by_role("article", name=f"Order {saline_id} · {SALINE}")
    tablet.tid("action-product.opened").click()
    tablet.tid("form-product.opened").get_by_role("button", name=SALINE).click()
    tablet.fill_form("product.opened", {"lot": "NS2503", "expiry": "2030-12-31", "volume_ml": 500, "inspected_ok": True})
    card.get_by_role("button", name=f"Start order {saline_id}").click()  # at the ordered 250 mL/h
    expect(card).to_contain_text("Running at 250 mL/h")
    card.get_by_label(f"Rate (mL/h) for order {saline_id}").fill("200")
    card.get_by_label(f"Rate change reason for order {saline_id}").select_option("patient_request")
    card.get_by_role("button", name=f"Change rate of order {saline_id}").click()
    expect(card).to_contain_text("Running at 200 mL/h")
    expect(tablet.page.locator("[data-testid=alert][data-rule=rate_above_limit]")).to_have_count(0)
    tablet.tid("sync-now").click()
    expect(tablet.tid("visit-pending")).to_have_text("all synced", timeout=20_000)

    edit_saline_time(desk, saline_id, 150)
    # she is told the running visit follows it from the nurse's next sync
    expect(desk.locator(f"#order-{saline_id}").get_by_role("status")).to_contain_text(
        "A visit is running on this order: the nurse's tablet shows the change at its next sync")
    desk.screenshot(path=str(artifacts / "order-saved-while-a-visit-runs-1280x900.png"))

    desk.get_by_role("link", name="Review queue").click()
    desk.get_by_role("link", name="in progress: 1").click()
    desk.locator("table.queue tbody tr", has_text="Reyes").first.get_by_role("link").first.click()
    others = desk.get_by_role("definition").filter(has_text=f"Order {saline_id} · HYDRATION")
    expect(others).to_contain_text("500 mL over 150 min (200 mL/h) · rev. 2")  # the running visit follows the edit
    expect(desk.get_by_role("heading", name="Alerts")).to_have_text("Alerts (0)")  # the start followed its order
    expect(desk.locator("body")).not_to_contain_text("Rate 250 mL/h is above")
    desk.screenshot(path=str(artifacts / "review-start-judged-by-the-order-of-its-moment-1280x900.png"), full_page=True)

    # the tablet follows the edit at its next sync and judges her start as the record does
    tablet.tid("sync-now").click()
    expect(card).to_contain_text("500 mL over 150 min: run at 200 mL/h", timeout=20_000)
    expect(card).to_contain_text("Running at 200 mL/h")
    expect(tablet.page.locator("[data-testid=alert][data-rule=rate_above_limit]")).to_have_count(0)
    assert tablet.fold(visit_id)["alerts"] == []
    # and says, in sight for the rest of the visit, that the order changed and what changed
    revised = tablet.tid("order-revised")
    expect(revised).to_contain_text("Order revised during this visit")
    expect(revised.get_by_test_id("order-revision")).to_contain_text(f"order {saline_id}: time (minutes) 120 → 150.")
    tablet.screenshot(artifacts / "tablet-order-revised-during-the-visit-1280x800.png")
    tablet.screenshot(artifacts / "tablet-start-judged-by-the-order-of-its-moment-1280x800.png", testid="other-orders")
    assert tablet.errors == []
    desk_browser.close()
