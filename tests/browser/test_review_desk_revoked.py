"""The administrator's Tablets page lists the pharmacist's review desk as a desk, not a tablet, clicked
through: revoked, the pharmacist's intervention is refused in plain words; allowed again, her next one is
recorded (before, an allowed desk stayed refused for good)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_revoke_keeps_entries import desk_login

pytestmark = pytest.mark.browser

REASON = "Pharmacist on leave; her desk is paused"


def intervene(pharmacist) -> None:
    """From the review queue's first visit: an intervention of kind "other"."""
    pharmacist.get_by_role("link", name="Review queue").click()
    pharmacist.locator("table.queue tbody tr").first.get_by_role("link").first.click()
    pharmacist.get_by_label("Kind").select_option("other")
    pharmacist.get_by_label("What and why").fill("Checked the plan.")
    pharmacist.get_by_role("button", name="Record intervention").click()


def test_an_admin_revokes_the_pharmacists_review_desk_and_allows_it_again(server_factory, launch, playwright, artifacts):
    server = server_factory()
    admin = launch().new_page()
    desk_login(admin, server.base_url, "admin")
    admin.get_by_role("navigation").get_by_role("link", name="Tablets").click()
    row = admin.get_by_role("row").filter(has_text="Review desk")
    expect(row).to_have_count(1)  # the demo's sign-off made Pia Lind's desk
    expect(row).to_contain_text("Pia Lind, PharmD")
    expect(row).to_contain_text("(browser, not a tablet)")
    admin.screenshot(path=str(artifacts / "admin-tablets-with-review-desk-1280x800.png"), full_page=True)
    row.get_by_role("link", name="Revoke…").click()
    expect(admin.get_by_role("heading", name="Revoke the review desk of Pia Lind, PharmD?")).to_be_visible()
    expect(admin.get_by_role("main")).to_contain_text("This is not a tablet")
    admin.get_by_label("Reason").fill(REASON)
    admin.screenshot(path=str(artifacts / "admin-revoke-review-desk-confirm-1280x800.png"), full_page=True)
    admin.get_by_role("button", name="Revoke this desk").click()
    expect(admin.get_by_role("status")).to_contain_text("The review desk was revoked")

    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    pharmacist = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    desk_login(pharmacist, server.base_url, "pharmacist")
    intervene(pharmacist)
    expect(pharmacist.get_by_role("alert")).to_contain_text("Your review desk was revoked by an administrator")
    expect(pharmacist.get_by_label("What and why")).to_have_value("Checked the plan.")  # what she typed is kept
    pharmacist.screenshot(path=str(artifacts / "review-desk-revoked-refusal-1280x800.png"), full_page=True)

    admin.get_by_role("row").filter(has_text=REASON).get_by_role("button", name="Allow the desk again").click()
    expect(admin.get_by_role("status")).to_contain_text("The review desk is allowed again")
    intervene(pharmacist)
    expect(pharmacist.get_by_text("The intervention was recorded.")).to_be_visible()
    admin.reload()
    expect(admin.get_by_role("row").filter(has_text="Review desk")).to_contain_text("in use")
    expect(admin.get_by_role("row").filter(has_text=REASON)).to_contain_text("Desk (review), replaced")
    admin.screenshot(path=str(artifacts / "admin-tablets-review-desk-replaced-1280x800.png"), full_page=True)
    browser.close()
