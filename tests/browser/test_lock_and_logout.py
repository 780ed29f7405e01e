"""The tablet's keys: the idle lock, five wrong PINs (the data stays), recovery by an online login,
logout refused while entries are unsynced, and a revoked tablet wiped at login."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.desk import Desk, revoke_tablet
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet

pytestmark = pytest.mark.browser

NEW_PIN = "731905"


def meta(dump: dict) -> dict:
    return {row["name"]: row["value"] for row in dump["meta"]}


def test_five_wrong_pins_keep_the_outbox_and_an_online_login_sends_it(server_factory, launch, artifacts):
    server = server_factory()  # the tablet locks after the default 5 idle minutes
    context = launch()
    context.clock.install()
    tablet = Tablet(context, server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    visit_id = tablet.tid("visit-card").first.get_attribute("data-visit-id")
    tablet.open_visit(visit_id)

    server.stop()
    tablet.start_visit()
    tablet.entry("vitals", {"hr": 76, "sbp": 124, "dbp": 80, "temp_c": "36.9"})
    unsynced = tablet.pending_ids()
    assert len(unsynced) == 2

    tablet.tid("logout").click()
    expect(tablet.tid("notice")).to_contain_text("2 entries are not synced yet")
    expect(tablet.tid("visit")).to_be_visible()

    context.clock.fast_forward("06:00")  # idle past lock_after_min
    expect(tablet.tid("pin-unlock")).to_be_visible()
    expect(tablet.page.get_by_text("Alma")).to_have_count(0)

    for attempt in range(1, 5):
        tablet.type_pin("000000")
        expect(tablet.tid("pin-message")).to_have_text(f"Wrong PIN. {5 - attempt} attempt{'s' if attempt < 4 else ''} left before the PIN is erased.")
    tablet.screenshot(artifacts / "pin-wrong-800x1280.png", width=800, height=1280)
    tablet.type_pin("000000")
    expect(tablet.tid("login-warning")).to_contain_text("Five wrong PINs")
    tablet.screenshot(artifacts / "pin-erased-login-1280x800.png")

    dump = tablet.dump_indexeddb()
    assert meta(dump)["keys"]["pin"] is None and meta(dump)["keys"]["server"] is not None
    assert sorted(row["id"] for row in dump["outbox"]) == sorted(unsynced)
    tablet.page.reload()  # still no PIN after a reload: only an online login helps
    expect(tablet.tid("login-form")).to_be_visible()

    tablet.login("nurse", DEMO_PASSWORD)
    expect(tablet.tid("login-error")).to_contain_text("needs a connection")

    server.start()
    tablet.login("nurse", DEMO_PASSWORD)
    tablet.set_pin(NEW_PIN)
    expect(tablet.tid("sync-state")).to_contain_text("All synced", timeout=20_000)
    with Desk(server.base_url, "nurse") as desk:
        assert sorted(e["id"] for e in desk.pulled()) == sorted(unsynced)

    tablet.tid("lock").click()
    tablet.unlock(NEW_PIN)
    tablet.tid("logout").click()
    expect(tablet.tid("login-message")).to_contain_text("Logged out")
    dump = tablet.dump_indexeddb()
    assert dump["events"] == [] and dump["outbox"] == [] and dump["docs"] == []
    assert meta(dump)["device_seq"] == 2  # the counter survives: the next entry is seq 3, never a reused 1
    assert tablet.errors == []


def test_a_revoked_tablet_locked_at_the_time_is_wiped_when_it_logs_in(server_factory, launch):
    """Locked, the tablet makes no contact; the online login that recovers a forgotten PIN is told."""
    server = server_factory()
    tablet = Tablet(launch(), server.base_url)
    device_id = tablet.start_first_visit("nurse", DEMO_PASSWORD)
    tablet.tid("lock").click()
    expect(tablet.tid("pin-unlock")).to_be_visible()
    revoke_tablet(server.base_url, device_id)

    tablet.tid("forgot-pin").click()
    tablet.login("nurse", DEMO_PASSWORD)
    expect(tablet.tid("login-warning")).to_contain_text("revoked")
    dump = tablet.dump_indexeddb()
    assert dump["events"] == [] and dump["docs"] == [] and "keys" not in meta(dump)
    assert meta(dump)["device_id"] == device_id  # a revoked id stays revoked: no fresh binding without an admin
    assert tablet.errors == []
