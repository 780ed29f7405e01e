"""An administrator resets a forgotten password, the nurse changes it to her own, and the audit log
shows who did what, all by clicking what the desk offers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in

pytestmark = pytest.mark.browser


def test_admin_resets_a_password_the_nurse_replaces_and_the_audit_log_names_both(server_factory, launch, artifacts):
    server = server_factory()
    page = launch().new_page()

    log_in(page, server.base_url, "admin", DEMO_PASSWORD)
    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("button", name="Reset password of nurse2").click()
    notice = page.get_by_role("status")
    expect(notice).to_contain_text("It is shown only now")
    temporary = notice.locator("strong.secret").inner_text()
    page.screenshot(path=str(artifacts / "admin-password-reset.png"), full_page=True)
    page.get_by_role("button", name="Log out").click()

    log_in(page, server.base_url, "nurse2", temporary)
    page.get_by_role("link", name="Password").click()
    page.get_by_label("Current password").fill(temporary)
    page.get_by_label("New password", exact=True).fill("my own long password")
    page.get_by_label("New password again").fill("my own long password")
    page.screenshot(path=str(artifacts / "account-password-change.png"), full_page=True)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password was changed")
    log_in(page, server.base_url, "nurse2", "my own long password")
    expect(page).to_have_url(re.compile(r"/nurse$"))
    # the desk's visit list leads to the tablet app, where visits are recorded (a walk found it a dead end)
    page.get_by_role("link", name="Open the tablet app").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible(timeout=15_000)
    expect(page).to_have_url(re.compile(r"/app/"))
    page.screenshot(path=str(artifacts / "nurse-desk-to-tablet-app.png"))
    page.go_back()
    page.get_by_role("button", name="Log out").click()

    log_in(page, server.base_url, "admin", DEMO_PASSWORD)
    page.get_by_role("link", name="Audit log", exact=True).click()
    page.get_by_label("Action starts with").fill("user.password")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("user.password_change")
    expect(rows.nth(1)).to_contain_text("user.password_reset")
    expect(rows.nth(1)).to_contain_text("(admin)")
    page.screenshot(path=str(artifacts / "admin-audit-filtered.png"), full_page=True)
