"""The administrator's audit log page says when the chain's newest entries were deleted: the
server anchored the chain's head outside the database when it stopped (penetration test 16.7)."""

from __future__ import annotations

import re
import sqlite3

import asyncpg
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import run_async
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


def cut_the_newest_half(url: str) -> int:
    """Delete the newest half of the audit log behind the server's back; the head id it had."""
    if url.startswith("sqlite://"):
        with sqlite3.connect(url.removeprefix("sqlite://")) as database:
            (head,) = database.execute("SELECT max(id) FROM audit_entry").fetchone()
            database.execute("DELETE FROM audit_entry WHERE id > ?", (head - head // 2,))
        return head

    async def on_postgres() -> int:
        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            head = await connection.fetchval("SELECT max(id) FROM audit_entry")
            await connection.execute("DELETE FROM audit_entry WHERE id > $1", head - head // 2)
            return head
        finally:
            await connection.close()

    return run_async(on_postgres)


def test_the_audit_log_page_reports_the_newest_entries_deleted_while_the_server_was_down(
        server_factory, launch, artifacts):
    server = server_factory()
    page = launch().new_page()
    open_audit_log(page, server.base_url, log_in=True)
    expect(page.get_by_role("status")).to_contain_text("Chain intact")
    page.screenshot(path=str(artifacts / "audit-log-intact-1280x800.png"))

    server.stop()  # the shutdown anchors the chain's head
    head = cut_the_newest_half(server.env["IVLOG_DATABASE_URL"])  # the demo and a login: a dozen or so
    server.start()

    open_audit_log(page, server.base_url, log_in=False)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Chain broken at entry")
    expect(alert).to_contain_text(f"names entry {head}")
    expect(alert).to_contain_text("cut short")
    page.screenshot(path=str(artifacts / "audit-log-cut-short-1280x800.png"), full_page=False)
