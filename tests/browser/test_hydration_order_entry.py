"""A hydration order clicked through (LABELS.md s.6): the pharmacist writes Sodium chloride 0.9% as a volume
over a time, 500 mL over 120 min, and sees it listed with the rate the pump runs at (250 mL/h); an order
without the volume comes back with the error next to the Volume input."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in

pytestmark = pytest.mark.browser

SALINE = "Sodium chloride 0.9% · Hydration (no label rate; the order gives the volume and the time)"


def fill_hydration_order(page: Page, *, volume_ml: str, duration_min: str) -> None:
    """The new-order form for Sodium chloride 0.9%, submitted."""
    page.get_by_role("link", name="New order").click()
    page.get_by_label("Product and indication").select_option(label=SALINE)
    page.get_by_label("Volume (mL)").fill(volume_ml)
    page.get_by_label("Time (minutes)").fill(duration_min)
    page.get_by_label("Prescriber").fill("Dr. Phil Amari")
    page.get_by_role("button", name="Create order").click()


def alma_at_the_desk(server_factory, launch) -> Page:
    """The pharmacist on Alma Reyes's page, at a desk's 1280 × 900."""
    server = server_factory()
    page = launch(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "pharmacist", DEMO_PASSWORD)
    page.get_by_role("link", name="Reyes, Alma").click()
    return page


def test_a_pharmacist_writes_a_hydration_order_as_a_volume_over_a_time(server_factory, launch, artifacts):
    page = alma_at_the_desk(server_factory, launch)

    fill_hydration_order(page, volume_ml="500", duration_min="120")
    expect(page.get_by_role("alert")).to_have_count(0)
    order = page.locator("section.order").filter(has_text="Sodium chloride 0.9%")
    expect(order).to_contain_text("500 mL over 120 min")
    expect(order).to_contain_text("250 mL/h")
    expect(order).to_contain_text("HYDRATION")
    order.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "hydration-order-saved.png"))

    fill_hydration_order(page, volume_ml="", duration_min="120")
    expect(page.get_by_role("alert")).to_contain_text("enter the volume to give, in mL")
    volume = page.locator("label").filter(has=page.get_by_label("Volume (mL)"))
    expect(volume.locator(".field-error")).to_contain_text("Volume (mL): enter the volume to give, in mL")
    expect(page.get_by_label("Time (minutes)")).to_have_value("120")
    volume.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "hydration-order-volume-missing.png"))


def test_the_order_form_shows_the_sections_of_the_chosen_products_therapy(server_factory, launch, artifacts):
    """A walk's hydration order showed the IVIG's titration, the label's steps by weight selected, and a dose in
    g/kg; an IVIG order showed the hydration's volume and time. Each section shows for its therapies once a
    product is chosen (app.css, no script: the desk works without one)."""
    page = alma_at_the_desk(server_factory, launch)
    page.get_by_role("link", name="New order").click()
    titration, volume = (page.get_by_role("heading", name=name) for name in ("Titration", "Volume and time (hydration)"))
    dose = page.get_by_label("Dose (g/kg)", exact=False)
    for shown in (titration, volume, dose):  # nothing chosen yet: every section
        expect(shown).to_be_visible()
    page.get_by_label("Product and indication").select_option(label=SALINE)
    expect(volume).to_be_visible()
    expect(titration).to_be_hidden()
    expect(dose).to_be_hidden()
    expect(page.get_by_role("heading", name="Premedication")).to_be_visible()
    page.screenshot(path=str(artifacts / "order-form-hydration-sections.png"), full_page=True)
    page.get_by_label("Product and indication").select_option(label="Gammagard Liquid 10% · PI")
    expect(titration).to_be_visible()
    expect(dose).to_be_visible()
    expect(volume).to_be_hidden()
