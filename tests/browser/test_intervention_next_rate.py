"""Interventions entered in error. The pharmacist types a next rate of 2.4 (a mL/kg/h figure) on the review page: the page asks, naming the
patient's first step, and records it only once she ticks that it is meant (a walk's 2.4 reached the next
nurse's tablet above the 216 mL/h meant); and she withdraws one of her own, with a reason."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.people import log_in

pytestmark = pytest.mark.browser


def first_queued_review(server_factory, launch) -> Page:
    """The pharmacist's review page of the first visit in her queue, reached as she reaches it."""
    server = server_factory()
    page = launch(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "pharmacist")
    page.get_by_role("link", name="Review queue").click()
    page.locator("table.queue tbody a[href^='/review/visits/']").first.click()
    return page


def test_a_next_rate_far_below_the_first_step_is_asked_about_on_the_review_page(server_factory, launch, artifacts):
    page = first_queued_review(server_factory, launch)
    page.get_by_label("Kind").select_option("next_rate")
    page.get_by_label("Next infusion rate", exact=False).fill("2.4")
    page.get_by_label("What and why").fill("Next time hold at 2.4")
    page.get_by_role("button", name="Record intervention").click()
    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"2\.4 mL/h is less than half this patient's first step \(\d+(\.\d)? mL/h\): check it is in mL/h"))
    page.screenshot(path=str(artifacts / "review-next-rate-below-the-first-step.png"), full_page=True)
    page.get_by_label("A rate this low is meant", exact=False).check()
    page.get_by_role("button", name="Record intervention").click()
    expect(page.get_by_text("The intervention was recorded")).to_be_visible()


def test_the_pharmacist_withdraws_her_intervention_entered_in_error(server_factory, launch, artifacts):
    page = first_queued_review(server_factory, launch)
    page.get_by_label("Kind").select_option("other")
    page.get_by_label("What and why").fill("Called the wrong patient's prescriber")
    page.get_by_role("button", name="Record intervention").click()
    expect(page.get_by_text("The intervention was recorded")).to_be_visible()
    row = page.locator("table.timeline tr").filter(has_text="Called the wrong patient's prescriber")
    row.get_by_label("Reason to withdraw this intervention").fill("Entered on the wrong visit")
    row.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("The intervention was withdrawn: it stays listed, struck through, with your reason.")).to_be_visible()
    row = page.locator("table.timeline tr").filter(has_text="Called the wrong patient's prescriber")
    expect(row.locator("del")).to_contain_text("Called the wrong patient's prescriber")
    expect(row).to_contain_text("Entered on the wrong visit")
    expect(row.get_by_role("button", name="Withdraw")).to_have_count(0)
    row.screenshot(path=str(artifacts / "review-intervention-withdrawn.png"))
