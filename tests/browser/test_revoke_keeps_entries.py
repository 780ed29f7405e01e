"""Revoking a tablet loses none of its entries (issue 15.3): the nurse records entries with the tablet's
network cut, an administrator revokes the tablet by clicking (confirmation and reason), the tablet comes
back, hands its entries over, and only then erases itself and shows the login with the reason; the
pharmacist finds them through the nav link, marked "from a revoked tablet", and accepts one by clicking."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.desk import Desk
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet

pytestmark = pytest.mark.browser

REASON = "Left in a taxi, reported by the nurse"


def desk_login(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def revoke_by_clicking(page: Page, base_url: str, code: str, artifacts) -> None:
    """The nurse reads out the code on her tablet's top bar; the administrator finds it by that code."""
    desk_login(page, base_url, "admin")
    page.get_by_role("navigation").get_by_role("link", name="Tablets").click()
    expect(page.get_by_role("main")).not_to_contain_text("MRN-")  # no patient's MRN in a demo tablet's label
    row = page.get_by_role("row").filter(has_text=f"Tablet {code}")
    row.get_by_role("link", name="Revoke…").click()
    expect(page.get_by_role("heading", name=f"Revoke tablet {code} of Nora Quinn, RN?")).to_be_visible()
    page.get_by_role("button", name="Revoke this tablet").click()  # no reason yet: the browser asks for one
    expect(page.get_by_role("heading", name=re.compile("^Revoke tablet"))).to_be_visible()
    page.get_by_label("Reason").fill(REASON)
    page.screenshot(path=str(artifacts / "revoke-1-confirm.png"), full_page=True)
    page.get_by_role("button", name="Revoke this tablet").click()
    expect(page.get_by_role("status")).to_contain_text("kept aside for the pharmacist")
    expect(page.get_by_role("row").filter(has_text=f"Tablet {code}")).to_contain_text(REASON)
    page.screenshot(path=str(artifacts / "revoke-2-revoked.png"), full_page=True)


def test_a_revoked_tablet_hands_its_unsent_entries_to_the_pharmacist_before_it_erases_itself(
    server_factory, launch, playwright, artifacts
):
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    tablet = Tablet(launch(), server.base_url)
    device_id = tablet.start_first_visit("nurse", DEMO_PASSWORD)
    code = device_id.replace("-", "")[:4].upper()
    expect(tablet.tid("tablet-code")).to_have_text(f" · Tablet {code}")

    tablet.context.set_offline(True)  # the network is gone: the entries live only on the tablet
    tablet.entry("note", {"text": "Patient comfortable, line flushed"})
    tablet.entry("vitals", {"hr": 88, "sbp": 124, "dbp": 79, "temp_c": "36.9"})
    pending = tablet.pending_ids()
    assert len(pending) == 2

    desk = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        admin = desk.new_context(viewport={"width": 1280, "height": 800}).new_page()
        revoke_by_clicking(admin, server.base_url, code, artifacts)

        tablet.context.set_offline(False)  # back online: the tablet syncs at once and is told it was revoked
        warning = tablet.tid("login-warning")
        expect(warning).to_contain_text("revoked", timeout=20_000)
        expect(warning).to_contain_text(REASON)
        expect(warning).to_contain_text("2 unsent entries were kept for the pharmacist")
        tablet.screenshot(artifacts / "revoke-3-tablet-wiped.png")
        dump = tablet.dump_indexeddb()
        assert dump["events"] == [] and dump["outbox"] == [] and dump["docs"] == []
        assert tablet.errors == []

        pharmacist = desk.new_context(viewport={"width": 1280, "height": 800}).new_page()
        desk_login(pharmacist, server.base_url, "pharmacist")
        pharmacist.get_by_role("link", name="Kept aside (2)").click()
        rows = pharmacist.get_by_role("row").filter(has_text="from a revoked tablet")
        expect(rows).to_have_count(2)
        pharmacist.screenshot(path=str(artifacts / "revoke-4-kept-aside.png"), full_page=True)
        vitals = rows.filter(has_text="vitals")
        vitals_id = vitals.get_attribute("data-event-id")
        vitals.get_by_role("button", name="Accept").click()
        expect(pharmacist.get_by_role("status")).to_contain_text("accepted into the visit's record")
        expect(pharmacist.get_by_role("link", name="Kept aside (1)")).to_be_visible()
        pharmacist.screenshot(path=str(artifacts / "revoke-5-accepted.png"), full_page=True)
    finally:
        desk.close()

    assert vitals_id in pending
    with Desk(server.base_url, "pharmacist") as reader:
        stored = {event["id"]: event for event in reader.pulled()}
    assert vitals_id in stored and stored[vitals_id]["flags"] == ["accepted_by_reviewer"]
    assert not set(pending) - {vitals_id} & set(stored)  # the note still waits for a decision


def test_a_tablet_locked_when_revoked_hands_its_entries_over_after_the_login_and_its_pin(
    server_factory, launch, artifacts
):
    """The login that recovers a locked tablet is refused, but erases nothing unsent: the PIN opens the
    entries, they are handed over, and only then is the tablet erased."""
    from tests.browser.desk import revoke_tablet

    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    tablet = Tablet(launch(), server.base_url)
    device_id = tablet.start_first_visit("nurse", DEMO_PASSWORD)
    tablet.context.set_offline(True)
    tablet.entry("note", {"text": "Line patent"})
    tablet.tid("lock").click()
    expect(tablet.tid("pin-unlock")).to_be_visible()
    revoke_tablet(server.base_url, device_id, reason=REASON)
    tablet.context.set_offline(False)

    tablet.tid("forgot-pin").click()
    tablet.login("nurse", DEMO_PASSWORD)
    expect(tablet.page.get_by_text("enter your PIN to hand 1 unsent entries to the pharmacy")).to_be_visible()
    tablet.screenshot(artifacts / "revoke-6-locked-asks-pin.png")
    tablet.type_pin()
    expect(tablet.tid("login-warning")).to_contain_text("Its 1 unsent entry was kept for the pharmacist",
                                                        timeout=20_000)
    dump = tablet.dump_indexeddb()
    assert dump["events"] == [] and dump["outbox"] == []
    with Desk(server.base_url, "pharmacist") as desk:
        page = desk.client.get("/quarantine").text
    assert page.count("from a revoked tablet</span>") == 1 and "Kept aside (1)" in page
    assert tablet.errors == []


def test_a_revoked_tablet_cannot_register_afresh_until_an_administrator_allows_it(
    server_factory, launch, playwright, artifacts
):
    from tests.browser.desk import revoke_tablet

    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    tablet = Tablet(launch(), server.base_url)
    device_id = tablet.start_first_visit("nurse", DEMO_PASSWORD)
    revoke_tablet(server.base_url, device_id, reason=REASON)
    tablet.tid("sync-now").click()
    expect(tablet.tid("login-warning")).to_contain_text("revoked", timeout=20_000)

    tablet.login("nurse", DEMO_PASSWORD)  # the same browser: refused, it keeps its revoked id
    expect(tablet.tid("login-warning")).to_contain_text("administrator allows it")
    assert tablet.page.evaluate("window.ivlogProbe.deviceId()") == device_id

    desk = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        admin = desk.new_context(viewport={"width": 1280, "height": 800}).new_page()
        desk_login(admin, server.base_url, "admin")
        admin.get_by_role("navigation").get_by_role("link", name="Tablets").click()
        admin.get_by_role("row").filter(has_text=device_id).get_by_role("button", name="Allow re-registration").click()
        expect(admin.get_by_role("status")).to_contain_text("may now register again")
        admin.screenshot(path=str(artifacts / "revoke-7-reregistration-allowed.png"), full_page=True)
    finally:
        desk.close()

    tablet.login("nurse", DEMO_PASSWORD)
    expect(tablet.tid("login-warning")).to_contain_text("allowed this tablet to register again")
    new_id = tablet.page.evaluate("window.ivlogProbe.deviceId()")
    assert new_id != device_id
    tablet.login("nurse", DEMO_PASSWORD)
    tablet.set_pin()
    expect(tablet.tid("lock")).to_be_visible(timeout=15_000)  # registered afresh under its new id, in use
    assert tablet.page.evaluate("window.ivlogProbe.unlocked()")
    assert tablet.errors == []
