"""A product without verified rates clicked through (issue 17 item 3): the pharmacist picks Alyglo in the
order form (the catalogue lists it with the note), is told its rates are not verified and to give explicit steps, gives the steps, the minutes
and a rate cap and saves; the nurse's tablet runs the order's steps and says the rates are not verified."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in
from tests.browser.tablet import Tablet
from tests.browser.test_offline_visit import GEO

pytestmark = pytest.mark.browser

ALYGLO = "Alyglo 10% · PI (rates not verified; order must give explicit steps)"


def pharmacist_reads_the_catalogue(page: Page, artifacts) -> None:
    page.get_by_role("link", name="Catalogue").click()
    heading = page.get_by_role("heading", name="Products without verified rates")
    expect(heading).to_be_visible()
    alyglo = page.get_by_role("region", name="Alyglo 10% · PI")
    expect(alyglo).to_contain_text("rates not verified; order must give explicit steps")
    expect(alyglo).to_contain_text("NDC 61476-104")
    heading.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "catalogue-products-without-rates.png"))
    page.get_by_role("link", name="Patients").click()


def pharmacist_orders_alyglo(page: Page, base_url: str, artifacts) -> None:
    log_in(page, base_url, "pharmacist", DEMO_PASSWORD)
    pharmacist_reads_the_catalogue(page, artifacts)
    page.get_by_role("link", name="Keller, Bruno").click()
    page.get_by_role("link", name="Edit order").click()
    page.get_by_label("Product and indication").select_option(label=ALYGLO)
    page.get_by_role("button", name="Save new revision").click()
    expect(page.get_by_role("alert")).to_contain_text("rates not verified for Alyglo 10%; give explicit steps")
    page.screenshot(path=str(artifacts / "order-alyglo-needs-explicit-steps.png"), full_page=True)
    page.get_by_label("Explicit mL/h steps written here").check()
    page.get_by_label("Steps (mL/h", exact=False).fill("30, 60, 120")
    page.get_by_label("Minutes between steps", exact=False).fill("15")
    page.get_by_label("Rate cap (mL/h", exact=False).fill("120")
    page.get_by_role("button", name="Save new revision").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_text("Alyglo 10%").first).to_be_visible()
    page.screenshot(path=str(artifacts / "order-alyglo-saved.png"), full_page=True)


def test_the_pharmacist_orders_alyglo_with_explicit_steps_and_the_tablet_says_rates_not_verified(
    server_factory, launch, playwright, artifacts
):
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    desk = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        pharmacist_orders_alyglo(desk.new_page(), server.base_url, artifacts)
    finally:
        desk.close()

    tablet = Tablet(launch(**GEO), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    tablet.tid("visit-card").filter(has_text="Bruno Keller").click()
    banner = tablet.tid("unverified-protocol")
    expect(banner).to_contain_text("Rates not verified")
    expect(banner).to_contain_text("Alyglo 10%: rates not verified; order must give explicit steps")
    tablet.screenshot(artifacts / "tablet-alyglo-rates-not-verified-1280x800.png")
    assert tablet.errors == []
