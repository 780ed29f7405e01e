"""A daily course gives the order's whole dose at every visit: a walk booked a 2 g/kg order daily for five days
(10 g/kg) and nothing was said (server/services/course_total.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in, log_out

pytestmark = pytest.mark.browser


def test_a_daily_course_above_one_orders_largest_dose_names_its_total_until_ticked(server_factory, launch, artifacts):
    server = server_factory()
    page = launch(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "pharmacist", DEMO_PASSWORD)
    page.get_by_role("link", name="Sousa, Elena").click()
    page.get_by_role("link", name="Schedule visits").click()
    page.get_by_label("Date of the first visit").fill((date.today() + timedelta(days=10)).isoformat())
    page.get_by_label("Time", exact=True).fill("09:30")
    page.get_by_label("Daily (a multi-day course)").check()
    page.get_by_label("Number of visits", exact=False).fill("3")
    page.get_by_role("button", name="Schedule visits").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Daily course: each of its 3 visits gives order 6's whole dose: 3 × 90 g = 270 g (3 g/kg). Write an order of the day's "
        "share, or tick that every visit's full dose is meant.")
    page.screenshot(path=str(artifacts / "daily-course-total-asked.png"), full_page=True)
    page.get_by_label("The full dose at every visit of this course is meant").check()
    page.get_by_role("button", name="Schedule visits").click()
    expect(page.get_by_role("status")).to_contain_text("Scheduled.")

    # the administrator's audit log says the first try was refused, and on which field (a walk read "ok")
    log_out(page)
    log_in(page, server.base_url, "admin", DEMO_PASSWORD)
    page.get_by_role("link", name="Audit log", exact=True).click()
    page.get_by_label("Action starts with").fill("visit.schedule")
    page.get_by_label("Outcome").select_option("refused")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr").first).to_contain_text("fields=['course_meant']")
