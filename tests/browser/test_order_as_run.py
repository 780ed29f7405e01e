"""An order edited after a visit, clicked through: the pharmacist changes Farid Haddad's dose for his next
infusion, and yesterday's visit awaiting her review still shows the order it ran on, with a link to the
edit (server.services.order_as_run)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.people import log_in

pytestmark = pytest.mark.browser

RAN_ON = "0.5 g/kg (37.5 g), 75 kg · rev. 1"


def open_farids_visit(page: Page) -> None:
    page.get_by_role("link", name="Review queue").click()
    page.locator("table.queue tbody tr", has_text="Haddad").first.get_by_role("link").first.click()


def test_an_order_edited_after_a_visit_leaves_that_visits_review_on_the_order_it_ran_on(
    server_factory, launch, artifacts
):
    server = server_factory()
    page = launch().new_page()
    log_in(page, server.base_url, "pharmacist")
    open_farids_visit(page)
    order = page.get_by_role("definition").filter(has_text="IVIG · Gammagard")
    expect(order).to_contain_text(RAN_ON)
    expect(order).not_to_contain_text("edited since")
    expect(page.get_by_role("definition").filter(has_text=re.compile(r"^37\.5 g$"))).to_have_count(1)  # ordered
    alerts_before = page.get_by_role("heading", name="Alerts").inner_text()

    page.get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Haddad, Farid").click()
    page.get_by_role("link", name="Edit order").click()
    page.get_by_role("textbox", name="Dose (g/kg)").fill("0.4")
    page.get_by_role("button", name="Save new revision").click()
    # a fifth less than the revision edited: asked first (server/services/dose_change.py), then ticked as meant
    expect(page.get_by_role("alert")).to_contain_text("the dose changes from 0.5 to 0.4 g/kg (37.5 g to 30 g)")
    page.get_by_label("This dose change is meant", exact=False).check()
    page.get_by_role("button", name="Save new revision").click()
    expect(page.get_by_role("heading", name="revision 2", exact=False)).to_be_visible()

    open_farids_visit(page)
    expect(order).to_contain_text(RAN_ON + " (as the visit ran on it; edited since: now rev. 2)")
    expect(page.get_by_role("definition").filter(has_text=re.compile(r"^37\.5 g$"))).to_have_count(1)  # ordered
    expect(page.get_by_role("heading", name="Alerts")).to_have_text(alerts_before)
    page.screenshot(path=str(artifacts / "review-order-as-the-visit-ran-on-it.png"), full_page=True)

    order.get_by_role("link", name="edited since: now rev. 2").click()
    card = page.get_by_role("heading", name="revision 2", exact=False)
    expect(card).to_be_in_viewport()
    card.locator("xpath=..").get_by_text("Revision history (1 earlier)").click()
    expect(page.get_by_text("Changed: dose (g/kg), dose (g).")).to_be_visible()
    page.screenshot(path=str(artifacts / "order-history-after-the-edit.png"))
