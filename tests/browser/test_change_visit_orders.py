"""A wrong tick fixed without rescheduling: the pharmacist writes two more orders for Alma Reyes, schedules
a visit holding the first as an additional order, then opens the visit's orders from the schedule, swaps
it for the second, saves, and sees the second listed as the visit's additional order.

The further orders are IVIG orders (Privigen 10% for CIDP) told apart by dose: the catalogue holds no
product of another therapy, and none is invented here."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in
from tests.browser.test_schedule_visit import schedule, visit_id_at
from tests.browser.test_visit_orders import a_second_order_of_its_therapy_is_meant

pytestmark = pytest.mark.browser


def dose(grams: int) -> re.Pattern[str]:
    """An order's label by its dose (the two new orders differ only there)."""
    return re.compile(rf"Privigen 10%.* · {grams}(\.0)? g$")


def write_order(page: Page, dose_g_per_kg: str) -> None:
    page.get_by_role("link", name="New order").click()
    page.get_by_label("Product and indication").select_option(label="Privigen 10% · CIDP")
    page.get_by_label("Dose (g/kg)").fill(dose_g_per_kg)
    page.get_by_label("Dosing weight (kg)").fill("70")
    page.get_by_label("Prescriber").fill("Dr. Phil Amari")
    page.get_by_role("button", name="Create order").click()
    a_second_order_of_its_therapy_is_meant(page)
    # saved, but said: nothing on it for a reaction (a new user's walk saved such an order without a word)
    expect(page.get_by_role("note").filter(has_text="none: for a reaction the nurse has only the standing orders").first).to_be_visible()


def test_pharmacist_swaps_the_additional_order_of_a_scheduled_visit(server_factory, playwright, artifacts):
    server = server_factory()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "pharmacist", DEMO_PASSWORD)
    page.get_by_role("link", name="Reyes, Alma").click()
    write_order(page, "0.4")  # 28 g: the one ticked by mistake
    write_order(page, "0.5")  # 35 g: the one meant
    page.get_by_role("link", name="Schedule visits").click()
    tomorrow = date.today() + timedelta(days=1)
    schedule(page, day=tomorrow, at="10:00")
    page.get_by_role("combobox", name="Order").select_option(index=0)  # the IVIG order, written first
    extra = page.get_by_role("group", name="Additional orders given at the same visit", exact=False)
    extra.get_by_label(dose(28)).check()
    page.get_by_role("button", name="Schedule visits").click()
    expect(page.get_by_role("status")).to_contain_text("Scheduled.")
    stamp = f"{tomorrow} 10:00 UTC"
    visit_id_at(page, stamp)

    page.get_by_role("link", name=f"Orders of the visit of {stamp}").click()
    held = page.get_by_role("list", name="Additional orders of this visit")
    expect(held.get_by_role("listitem")).to_have_count(1)
    expect(held).to_contain_text("28")
    choices = page.get_by_role("group", name="Additional orders given at the same visit")
    expect(choices.get_by_label(dose(28))).to_be_checked()
    choices.get_by_label(dose(28)).uncheck()
    choices.get_by_label(dose(35)).check()
    page.get_by_role("button", name="Save orders").click()

    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(held.get_by_role("listitem")).to_have_count(1)
    expect(held.get_by_role("listitem")).to_have_text(dose(35))
    expect(choices.get_by_label(dose(35))).to_be_checked()
    expect(choices.get_by_label(dose(28))).not_to_be_checked()
    page.screenshot(path=str(artifacts / "visit-orders-changed-1280x900.png"), full_page=True)
    browser.close()
