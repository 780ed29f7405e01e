"""The pharmacist's day at a glance (a new pharmacist's walk found no view of today's work but each patient's
own schedule page): her home page opens with today's visits across patients, each with its nurse and status
in words, and a link to where she acts on it. A visit not started by its time says how late it is: a visit
that never happens leaves a patient without the infusion, and the pharmacist is the one who calls."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_schedule_visit import desk_login, just_now, schedule, schedule_a_second_visit_that_day

pytestmark = pytest.mark.browser


def test_the_pharmacists_home_lists_todays_visits_across_patients(server_factory, playwright, artifacts):
    server = server_factory()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk_login(page, server.base_url, "pharmacist")

    today = page.get_by_role("table", name="Today's visits")
    reyes = today.get_by_role("row").filter(has_text="Reyes, Alma")
    expect(reyes.first).to_contain_text("Nora Quinn, RN")
    # the demo books Alma Reyes at 08:00 (UTC here) and nobody starts it
    if datetime.now(timezone.utc).hour >= 8:
        expect(reyes.first).to_contain_text(re.compile(r"not started, (\d+ h )?\d+ min late"))
    else:
        expect(reyes.first).to_contain_text("scheduled")
    assert today.get_by_role("row").count() > 2  # more than one patient's visit, under the header
    page.screenshot(path=str(artifacts / "pharmacist-home-todays-visits-1280x900.png"), full_page=True)

    reyes.first.get_by_role("link", name="Open the schedule of the 08:00 visit").click()
    expect(page.get_by_role("heading", name="Upcoming visits")).to_be_visible()

    # A visit booked for two minutes ago, not started: the home page says so, and for how long.
    due = just_now()
    schedule(page, day=due.date(), at=due.strftime("%H:%M"))
    schedule_a_second_visit_that_day(page)
    page.get_by_role("link", name="Patients").click()
    row = page.get_by_role("table", name="Today's visits").get_by_role("row").filter(has_text=f"{due:%H:%M}")
    expect(row).to_contain_text(re.compile(r"not started, (\d+ min|under a minute) late"))
    page.screenshot(path=str(artifacts / "pharmacist-home-not-started-1280x900.png"), full_page=True)
    browser.close()
