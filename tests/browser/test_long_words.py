"""A word longer than the page is wide (a 2,000-character note with no space) wraps where it must: the review
page, the signed summary and its PDF keep every column in sight. A new user's walk saw the timeline's time
clipped ("8:38 UTC"), its "By" column pushed off the page, and the PDF cut the note off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.people import log_in

pytestmark = pytest.mark.browser

LONG = "Slower" + "x" * 1994  # 2,000 characters, the most the field takes, and no space to wrap at
# how far the page, or any box that scrolls sideways (a wide table's), is wider than it shows
OVERFLOW = """() => Math.max(...[document.documentElement, ...document.querySelectorAll('.table-wrap')]
    .map((box) => box.scrollWidth - box.clientWidth))"""


def test_a_two_thousand_character_word_wraps_on_the_review_page_and_the_summary(server_factory, playwright, artifacts):
    server = server_factory()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(desk, server.base_url, "pharmacist")
    desk.get_by_role("link", name="Review queue").click()
    desk.locator("table.queue tbody tr", has_text="Sousa, Elena").get_by_role("link").first.click()
    desk.get_by_label("Kind").select_option("other")
    desk.get_by_label("What and why").fill(LONG)
    desk.get_by_role("button", name="Record intervention").click()
    expect(desk.get_by_text("The intervention was recorded.")).to_be_visible()
    assert desk.evaluate(OVERFLOW) <= 0  # nothing wider than the window: no column pushed out of sight
    desk.screenshot(path=str(artifacts / "long-word-review-page-1280x900.png"), full_page=True)

    desk.get_by_label("I reviewed the", exact=False).check()  # its alerts, said reviewed before the sign-off
    desk.get_by_role("button", name="Sign review and release summary").click()
    desk.get_by_role("link", name="Physician summary").click()
    expect(desk.get_by_text(LONG[:40], exact=False)).to_be_visible()
    assert desk.evaluate(OVERFLOW) <= 0
    desk.screenshot(path=str(artifacts / "long-word-summary-1280x900.png"), full_page=True)
    browser.close()
