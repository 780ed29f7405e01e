"""A visit of two orders clicked through (issue #18 item 3): the pharmacist writes a second order for Alma
Reyes and schedules a visit holding her IVIG order and the second one; the nurse runs the second order
first (started and stopped with its own buttons, pump events carrying its order id), then the IVIG; the
review page lists both orders and both infusions.

The second order is a second IVIG order (Privigen 10% for CIDP) standing in for a pre-hydration: the
catalogue holds no product of another therapy, and none is invented here."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in
from tests.browser.tablet import Tablet
from tests.browser.test_offline_visit import GEO
from tests.browser.test_schedule_visit import just_now, schedule, schedule_a_second_visit_that_day, visit_id_at
from tests.browser.test_tablet_guidance import KIT_OK

pytestmark = pytest.mark.browser


def pharmacist_schedules_two_orders(page, base_url: str, artifacts) -> tuple[str, str]:
    """A second order for Alma Reyes, then a visit today holding both; (visit id, second order id)."""
    log_in(page, base_url, "pharmacist", DEMO_PASSWORD)
    page.get_by_role("link", name="Reyes, Alma").click()
    page.get_by_role("link", name="New order").click()
    page.get_by_label("Product and indication").select_option(label="Privigen 10% · CIDP")
    page.get_by_label("Dose (g/kg)").fill("0.4")
    page.get_by_label("Dosing weight (kg)").fill("70")
    page.get_by_label("Prescriber").fill("Dr. Phil Amari")
    page.get_by_role("button", name="Create order").click()
    a_second_order_of_its_therapy_is_meant(page, artifacts / "order-second-ivig-refused-1280x900.png")
    page.get_by_role("link", name="Schedule visits").click()
    return schedule_ivig_with(page, "Privigen 10%", artifacts / "schedule-two-orders-1280x900.png")


def a_second_order_of_its_therapy_is_meant(page, screenshot=None) -> None:
    """The order page refuses a second active IVIG order beside Alma Reyes's Gammagard one, naming it, and
    offers the box that says it is meant; ticked, the order is saved."""
    expect(page.get_by_role("alert")).to_contain_text("this patient already has an active IVIG order (order 1, "
                                                      "Gammagard Liquid 10%)")
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=True)
    page.get_by_label("A second active order of this therapy is meant").check()
    page.get_by_role("button", name="Create order").click()
    expect(page.get_by_role("alert")).to_have_count(0)


def schedule_ivig_with(page, other: str, screenshot) -> tuple[str, str]:
    """On the schedule page: a visit now of Alma Reyes's IVIG order with the additional order labelled `other`
    ticked; (visit id, that order's id)."""
    at = just_now()
    schedule(page, day=at.date(), at=at.strftime("%H:%M"))
    extra = page.get_by_role("group", name="Additional orders given at the same visit", exact=False)
    second = extra.get_by_label(other, exact=False)
    expect(second).to_have_count(1)
    second_id = second.get_attribute("value")
    page.get_by_role("combobox", name="Order").select_option(index=0)  # the IVIG order, written first
    second.check()
    page.screenshot(path=str(screenshot), full_page=True)
    schedule_a_second_visit_that_day(page)  # the demo's visit of her order at 08:00 today
    return visit_id_at(page, f"{at:%Y-%m-%d %H:%M} UTC"), second_id


def started_visit_of_two_orders(server_factory, launch, playwright, artifacts, schedules=None):
    """The pharmacist's two-order visit (her browser and page kept open), started on the nurse's tablet;
    `schedules(page, base_url, artifacts)` writes the second order and schedules the visit."""
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    desk_browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    desk = desk_browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    visit_id, second_id = (schedules or pharmacist_schedules_two_orders)(desk, server.base_url, artifacts)
    tablet = Tablet(launch(**GEO), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    # the Today card names every order of the visit, the additional one after the visit's own
    expect(tablet.page.locator(f"[data-testid=visit-card][data-visit-id='{visit_id}']")).to_contain_text(
        re.compile(r"Gammagard Liquid 10% · \d+ g \+ "))
    tablet.open_visit(visit_id)
    tablet.start_visit()
    expect(tablet.tid("visit-other-order")).to_contain_text(f"With order {second_id}: ")
    return desk_browser, desk, tablet, visit_id, second_id


def test_a_visit_of_two_orders_runs_the_second_before_the_ivig_and_the_review_shows_both(
    server_factory, launch, playwright, artifacts
):
    desk_browser, desk, tablet, visit_id, second_id = started_visit_of_two_orders(server_factory, launch, playwright,
                                                                                  artifacts)
    card = tablet.page.get_by_role("article", name=f"Order {second_id} · Privigen 10%")
    expect(card).to_contain_text("Not started")
    # An IVIG pump, the visit's own or an additional order's, starts only after a passed kit check.
    expect(card.get_by_role("button", name=f"Start order {second_id}")).to_be_disabled()
    expect(card).to_contain_text("Record the pre-assessment (anaphylaxis kit check) first.")
    tablet.screenshot(artifacts / "tablet-second-order-waits-for-the-kit-check-1280x800.png", testid="other-orders")
    tablet.entry("assessment", KIT_OK)
    card.get_by_label(f"Rate (mL/h) for order {second_id}").fill("100")
    card.get_by_role("button", name=f"Start order {second_id}").click()
    expect(card.get_by_role("alert")).to_contain_text("This breaks the protocol: ")  # said before saving
    card.get_by_role("button", name=f"Start order {second_id}").click()  # and started at a second tap
    expect(card).to_contain_text("Running at 100 mL/h")
    expect(tablet.tid("current-rate")).to_have_text("—")  # the IVIG's pump has not started
    tablet.screenshot(artifacts / "tablet-second-order-running-1280x800.png", testid="other-orders")
    card.get_by_role("button", name=f"Stop order {second_id}").click()
    expect(card).to_contain_text("Stopped at")
    expect(tablet.tid("timeline-entry").filter(has_text=f"order {second_id}")).to_have_count(2)  # its start and stop

    tablet.entry("product.opened", {"product_id": "gammagard-liquid-10", "lot": "LE12A", "expiry": "2030-12-31",
                                    "volume_ml": 300, "inspected_ok": True})  # two orders: she picks which
    tablet.entry("infusion.started", confirm=True)  # the premedications were not given: confirmed
    expect(tablet.tid("current-rate")).not_to_have_text("—")
    expect(card).to_contain_text("Stopped at")
    # a pump total far from what the recorded rates give (a slip, or a free flow) is asked about before saving
    tablet.tid("action-infusion.stopped").click()
    tablet.fill("reason", "completed")
    tablet.fill("pump_volume_ml", 280)
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-warning")).to_contain_text("Check before saving")
    expect(tablet.tid("form-warning")).to_contain_text(re.compile(r"Pump reading 280 mL is far from the [\d.]+ mL the recorded rates give"))
    tablet.screenshot(artifacts / "tablet-pump-reading-far-from-rates-1280x800.png", testid="form-warning")
    tablet.fill("pump_volume_ml", 5)  # the reading corrected: saved at once
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-infusion.stopped")).to_be_hidden()
    tablet.entry("signature", {"confirm": True})
    tablet.entry("visit.ended", {"waste_disposed": True})
    expect(card.get_by_role("button", name=f"Start order {second_id}")).to_be_disabled()  # no pump after time out
    expect(card).to_contain_text("The visit has ended.")
    tablet.screenshot(artifacts / "tablet-two-orders-done-1280x800.png")
    expect(tablet.tid("visit-pending")).to_have_text("all synced", timeout=20_000)
    state = tablet.fold(visit_id)
    assert [(o["order_id"], o["status"]) for o in state["other_orders"]] == [(second_id, "stopped")]
    assert state["infusion"]["status"] == "stopped" and state["issues"] == []

    desk.goto(f"{tablet.base_url}/review/visits/{visit_id}")
    expect(desk.get_by_text("Additional orders")).to_be_visible()
    expect(desk.locator("body")).to_contain_text(f"Order {second_id} · IVIG · Privigen 10%")
    expect(desk.locator("body")).to_contain_text(f"100 mL/h · order {second_id}")  # its pump events, named
    others = desk.get_by_role("region", name="Other orders of this visit")
    expect(others.get_by_role("row").filter(has_text="Privigen 10% (IVIG)")).to_have_count(1)
    desk.screenshot(path=str(artifacts / "review-two-orders-1280x900.png"), full_page=True)
    assert tablet.errors == []
    desk_browser.close()


def test_the_second_orders_pump_above_its_label_maximum_is_flagged_on_the_tablet_offline_and_on_the_review(
    server_factory, launch, playwright, artifacts
):
    """Privigen 10% for CIDP at 70 kg: label maximum 8 mg/kg/min = 8 x 70 x 60 / 100 = 336 mL/h (LABELS.md
    s.2.2). The nurse starts that order's pump at 500 mL/h with no signal: the tablet's own engine flags
    it, against that order's label, and the pharmacist sees the same alert once the tablet has synced."""
    desk_browser, desk, tablet, visit_id, second_id = started_visit_of_two_orders(server_factory, launch, playwright,
                                                                                  artifacts)
    tablet.context.set_offline(True)
    card = tablet.page.get_by_role("article", name=f"Order {second_id} · Privigen 10%")
    expect(card).to_contain_text("Start at 21 mL/h · limit 336 mL/h")  # that order's own label, weight and cap
    tablet.entry("assessment", KIT_OK)
    card.get_by_label(f"Rate (mL/h) for order {second_id}").fill("500")
    card.get_by_role("button", name=f"Start order {second_id}").click()
    expect(card.get_by_role("alert")).to_contain_text("This breaks the protocol: ")  # said before saving
    card.get_by_role("button", name=f"Start order {second_id}").click()  # and started at a second tap
    expect(card).to_contain_text("Running at 500 mL/h")
    flagged = tablet.page.locator("[data-testid=alert][data-rule=rate_above_limit]")
    expect(flagged).to_contain_text(f"Privigen 10% (order {second_id}): Rate 500 mL/h is above the label maximum (336 mL/h)")
    skipped = tablet.page.locator("[data-testid=alert][data-rule=start_rate_skips_steps]")  # 500 from a 21 start
    expect(skipped).to_contain_text("Infusion started at 500 mL/h, past the next step of 42 mL/h")
    expect(skipped).to_contain_text("CRITICAL")
    tablet.screenshot(artifacts / "tablet-second-order-above-label-max-offline-1280x800.png", testid="alerts")
    tablet.screenshot(artifacts / "tablet-second-order-card-offline-1280x800.png", testid="other-orders")

    tablet.context.set_offline(False)
    expect(tablet.tid("visit-pending")).to_have_text("all synced", timeout=20_000)
    desk.goto(f"{tablet.base_url}/review/visits/{visit_id}")
    expect(desk.locator("body")).to_contain_text(f"Privigen 10% (order {second_id}): Rate 500 mL/h is above the label")
    desk.screenshot(path=str(artifacts / "review-second-order-above-label-max-1280x900.png"), full_page=True)
    assert tablet.errors == []
    desk_browser.close()
