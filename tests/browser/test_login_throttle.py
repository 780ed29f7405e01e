"""A pharmacist who mistypes her password is slowed, never locked out: the login page says how many
seconds to wait, and after them the right password gets her in (issue 16 item 4)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_a_pharmacist_who_mistyped_her_password_is_told_how_long_to_wait_and_then_gets_in(
    server_factory, launch, artifacts
):
    server = server_factory(IVLOG_LOGIN_MAX_FAILURES="2")
    page = launch().new_page()
    page.goto(f"{server.base_url}/login")

    def log_in(password: str) -> None:
        page.get_by_label("Username").fill("pharmacist")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    for _ in range(2):
        log_in("not-her-password")
        expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    log_in(DEMO_PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"Too many failed logins\. Try again in \d seconds?\."))
    page.screenshot(path=artifacts / "login-throttled-1280x800.png")
    seconds = int(re.search(r"in (\d+) second", page.get_by_role("alert").inner_text()).group(1))
    page.wait_for_timeout(seconds * 1000 + 300)
    log_in(DEMO_PASSWORD)
    expect(page).to_have_url(f"{server.base_url}/pharmacy")
    page.screenshot(path=artifacts / "login-after-wait-1280x800.png")
