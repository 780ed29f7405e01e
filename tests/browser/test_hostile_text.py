"""Hostile text in a real Chromium, with the server's CSP on: every script payload of the corpus, written
into every free-text field, is shown as literal text on every desk page and never runs.

Every payload would set `window.__pwned` if it ran; the pages must also hold none of the markup it
would create (an <img> from "x", an <svg>, an inline script)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.live_server import DEMO_PASSWORD
from tests.hostile.corpus import HOSTILE
from tests.hostile.live_world import LiveWorld, Written
from tests.hostile.world import as_held

pytestmark = pytest.mark.browser

EXECUTED = """() => ({
    pwned: window.__pwned === 1,
    markup: document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload], script:not([src])').length,
})"""


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("load")


def visit_pages(page: Page, base_url: str, expected: dict[str, list[str]]) -> list[str]:
    """Open each page; what ran, what was injected, and which literal strings are missing."""
    problems = []
    for path, texts in expected.items():
        response = page.goto(f"{base_url}{path}")
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        assert "script-src 'self'" in response.headers["content-security-policy"]
        found = page.evaluate(EXECUTED)
        if found["pwned"] or found["markup"]:
            problems.append(f"{path}: ran={found['pwned']} injected elements={found['markup']}")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        shown = page.locator("body").inner_text()  # what a person sees, collapsed parts opened
        problems += [f"{path}: not shown as text: {text!r}" for text in texts if text not in shown]
    return problems


def desk_expectations(written: list[Written]) -> dict[str, list[str]]:
    texts = [w.text for w in written]
    pages: dict[str, list[str]] = {"/pharmacy": texts, "/review": texts, "/quarantine": [as_held(t) for t in texts]}
    for w in written:
        pages[f"/pharmacy/patients/{w.patient_id}"] = [w.text]
        pages[f"/review/visits/{w.visit_id}"] = [w.text]
        pages[f"/visits/{w.visit_id}/summary"] = [w.text]
    return pages


def admin_expectations(written: list[Written]) -> dict[str, list[str]]:
    pages: dict[str, list[str]] = {"/admin/patients": [w.text for w in written], "/quarantine": []}
    pages.update({f"/admin/patients/{w.patient_id}": [w.text] for w in written})
    return pages


def test_hostile_text_in_every_field_is_shown_literally_and_never_runs_in_chromium(server_factory, launch):
    server = server_factory()
    world = LiveWorld(server.base_url)
    try:
        written = [world.write(text) for text in HOSTILE.values()]
    finally:
        world.close()
    context = launch()
    dialogs: list[str] = []
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    log_in(page, server.base_url, "pharmacist")
    problems = visit_pages(page, server.base_url, desk_expectations(written))
    page.context.clear_cookies()
    log_in(page, server.base_url, "admin")
    problems += visit_pages(page, server.base_url, admin_expectations(written))

    assert not problems, "\n".join(problems)
    assert dialogs == []
