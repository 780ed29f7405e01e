"""The administrator's audit log page says when the chain's newest entries were deleted: the
server anchored the chain's head outside the database when it stopped (penetration test 16.7)."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def open_audit_log(page, base_url: str, *, log_in: bool) -> None:
    if log_in:
        page.goto(f"{base_url}/login")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
    else:  # the session lives in the database and outlived the restart
        page.goto(f"{base_url}/admin")
    page.get_by_role("link", name=re.compile("Audit log")).first.click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()


def test_the_audit_log_page_reports_the_newest_entries_deleted_while_the_server_was_down(
        server_factory, launch, artifacts):
    server = server_factory()
    if not server.env["IVLOG_DATABASE_URL"].startswith("sqlite://"):
        pytest.skip("deletes rows through sqlite3")
    page = launch().new_page()
    open_audit_log(page, server.base_url, log_in=True)
    expect(page.get_by_role("status")).to_contain_text("Chain intact")
    page.screenshot(path=str(artifacts / "audit-log-intact-1280x800.png"))

    server.stop()  # the shutdown anchors the chain's head
    with sqlite3.connect(server.env["IVLOG_DATABASE_URL"].removeprefix("sqlite://")) as database:
        (head,) = database.execute("SELECT max(id) FROM audit_entry").fetchone()
        cut = head // 2  # the demo data and one admin login hold a dozen entries or so
        database.execute("DELETE FROM audit_entry WHERE id > ?", (head - cut,))
    server.start()

    open_audit_log(page, server.base_url, log_in=False)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Chain broken at entry")
    expect(alert).to_contain_text(f"names entry {head}")
    expect(alert).to_contain_text("cut short")
    page.screenshot(path=str(artifacts / "audit-log-cut-short-1280x800.png"), full_page=False)
