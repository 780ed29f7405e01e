"""The administrator's count of tablets in use counts use, clicked through: a tablet the nurse only signed in
on (a set-up left unfinished, or no entry yet) reads "signed in, nothing received yet", on the Tablets page
and on the home tile; once its first entry arrives it is "in use"; the pharmacist's review desk is counted apart
(before, every sign-in and the desk counted as tablets in use)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet
from tests.browser.test_revoke_keeps_entries import desk_login

pytestmark = pytest.mark.browser


def test_a_tablet_only_signed_in_on_is_not_counted_in_use_until_its_first_entry_arrives(
        server_factory, launch, playwright, artifacts):
    server = server_factory()
    tablet = Tablet(launch(), server.base_url)
    tablet.first_login("nurse2", DEMO_PASSWORD)
    device_id = tablet.page.evaluate("window.ivlogProbe.deviceId()")

    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    admin = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    desk_login(admin, server.base_url, "admin")
    tile = admin.get_by_role("main").get_by_role("link", name=re.compile("^Tablets"))
    expect(tile).to_contain_text(re.compile(r"\d+ in use · 1 signed in, nothing received yet · 1 review desk"))
    in_use = int(re.search(r"(\d+) in use", tile.inner_text()).group(1))  # the demo's tablets
    admin.get_by_role("navigation").get_by_role("link", name="Tablets").click()
    row = admin.get_by_role("row").filter(has_text=device_id)
    expect(row).to_contain_text("signed in, nothing received yet")
    expect(row).to_contain_text("Ben Ortiz, RN")
    admin.screenshot(path=str(artifacts / "admin-tablet-signed-in-nothing-received-1280x800.png"), full_page=True)

    tablet.open_visit(tablet.tid("visit-card").first.get_attribute("data-visit-id"))
    tablet.start_visit()
    expect(tablet.tid("visit-pending")).to_have_text("all synced", timeout=20_000)
    admin.reload()
    expect(admin.get_by_role("row").filter(has_text=device_id)).to_contain_text("in use")
    admin.get_by_role("navigation").get_by_role("link", name="Admin", exact=True).click()
    expect(tile).to_have_text(re.compile(rf"^\s*Tablets\s*{in_use + 1} in use · 1 review desk\s*$"))
    admin.screenshot(path=str(artifacts / "admin-home-tablets-in-use-1280x800.png"), full_page=True)
    assert tablet.errors == []
    browser.close()
