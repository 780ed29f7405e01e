"""The idle lock that gets out of the nurse's way: use (a touch, a mouse move, a key) keeps the
tablet open, the lock screen says when the next checks fall due without any patient data, and a
PIN anyone could guess is refused with the reason."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.desk import Desk
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in
from tests.browser.tablet import Tablet

pytestmark = pytest.mark.browser

BASELINE = {"hr": 72, "sbp": 122, "dbp": 78, "temp_c": "36.8", "rr": 16, "spo2": 98}
GEO = {"permissions": ["geolocation"], "geolocation": {"latitude": 40.71, "longitude": -74.0, "accuracy": 15}}


def infusing(server, launch) -> tuple[Tablet, dict]:
    """A nurse's tablet (5-minute idle lock, page clock installed) with an IVIG infusion running."""
    with Desk(server.base_url, "nurse") as desk:
        reference = desk.reference()
    visit = next(v for v in reference["visits"] if v["context"]["order"]["product_id"] == "gammagard-liquid-10")
    patient = next(p for p in reference["patients"] if p["id"] == visit["patient_id"])
    context = launch(**GEO)
    context.clock.install()
    tablet = Tablet(context, server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    tablet.open_visit(visit["id"])
    tablet.start_visit()
    tablet.entry("assessment", {"weight_kg": 70, "kit_present": True, "kit_in_date": True, "kit_undamaged": True,
                                "hydration": "adequate", "headache": False, "infection_signs": False,
                                "thrombosis_risk": False, "renal_risk": False, "allergies_reviewed": True,
                                "identity": ["name", "birth_date"]})
    tablet.entry("line.placed", {"status": "new", "type": "peripheral", "gauge": 22, "site": "left forearm",
                                 "side": "left", "attempts": 1, "blood_return": True,
                                 "findings": ["no_complications"]})
    tablet.entry("vitals", BASELINE)
    for drug in ("diphenhydramine", "acetaminophen"):
        tablet.tid(f"premed-{drug}").click()
        tablet.fill_form("medication.given", {})
    tablet.entry("product.opened", {"lot": "LE12A", "expiry": "2029-12-31", "volume_ml": 300, "inspected_ok": True})
    tablet.entry("infusion.started", confirm=True)  # premeds given moments ago: the protocol warns
    expect(tablet.tid("next-vitals")).to_be_visible()
    return tablet, patient


def test_the_lock_screen_after_idle_says_when_vitals_and_the_rate_step_are_due_without_the_patient(
        server_factory, launch, artifacts):
    server = server_factory()  # the deployment's default: 5 idle minutes
    tablet, patient = infusing(server, launch)
    tablet.context.clock.fast_forward("05:30")
    expect(tablet.tid("pin-unlock")).to_be_visible()
    due = tablet.tid("lock-due")
    # 15 and 30 minutes after the start, counted whole minutes up; the page clock runs meanwhile
    expect(due).to_contain_text(re.compile(r"Next vitals due in (9|10) min"))
    expect(due).to_contain_text(re.compile(r"Rate step due in (24|25) min"))
    for private in (patient["family_name"], patient["given_name"], "LE12A", "mL/h"):
        expect(tablet.page.get_by_text(private)).to_have_count(0)
    tablet.screenshot(artifacts / "lock-screen-due-800x1280.png", width=800, height=1280)
    tablet.context.clock.fast_forward("11:00")  # the countdown goes on while locked
    expect(due).to_contain_text(re.compile(r"Next vitals overdue by (1|2) min"))
    tablet.unlock()
    expect(tablet.tid("lock-due")).to_have_count(0)
    assert tablet.errors == []


def test_moving_the_mouse_or_touching_keeps_the_tablet_unlocked_past_the_idle_time(server_factory, launch):
    server = server_factory()
    context = launch()
    context.clock.install()
    tablet = Tablet(context, server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    for step in range(4):  # 16 minutes of reading the screen, a move every 4 minutes, no entry saved
        context.clock.fast_forward("04:00")
        tablet.page.mouse.move(200 + 40 * step, 300)
    expect(tablet.tid("today")).to_be_visible()
    expect(tablet.tid("pin-unlock")).to_have_count(0)
    context.clock.fast_forward("05:30")  # then nobody touches it
    expect(tablet.tid("pin-unlock")).to_be_visible()
    assert tablet.errors == []


def test_a_pin_anyone_could_guess_is_refused_with_the_reason(server_factory, launch, artifacts):
    server = server_factory()
    tablet = Tablet(launch(), server.base_url)
    tablet.open()
    tablet.login("nurse", DEMO_PASSWORD)
    expect(tablet.tid("pin-set")).to_be_visible(timeout=15_000)
    for pin, reason in (("123456", "The digits run in order"), ("111111", "All six digits are the same"),
                        ("001984", "It is a year")):
        tablet.type_pin(pin)
        expect(tablet.tid("pin-message")).to_contain_text(f"Choose another PIN: {reason}")
        expect(tablet.page.get_by_role("heading", name="Choose a 6-digit PIN")).to_be_visible()
    tablet.type_pin("123456")
    tablet.screenshot(artifacts / "pin-refused-800x1280.png", width=800, height=1280)
    tablet.set_pin()  # an unguessable one is taken
    expect(tablet.tid("today")).to_be_visible(timeout=15_000)
    assert tablet.errors == []


def stored_lock_min(tablet: Tablet) -> int | None:
    meta = {row["name"]: row["value"] for row in tablet.dump_indexeddb()["meta"]}
    return meta.get("lock_after_min")


def test_an_administrator_shortens_the_idle_lock_and_the_tablet_takes_it_at_its_next_sync(
        server_factory, launch, playwright, artifacts):
    server = server_factory()
    context = launch()
    context.clock.install()
    tablet = Tablet(context, server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    assert stored_lock_min(tablet) == 5

    desk = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        page = desk.new_page()
        log_in(page, server.base_url, "admin", DEMO_PASSWORD)
        page.get_by_role("link", name="Tablets", exact=True).click()
        minutes = page.get_by_label("Lock after (minutes)")
        expect(minutes).to_have_value("5")
        minutes.fill("2")
        page.get_by_role("button", name="Save idle lock").click()
        expect(page.get_by_role("status")).to_contain_text("The idle lock was saved")
        expect(page.get_by_label("Lock after (minutes)")).to_have_value("2")
        page.screenshot(path=str(artifacts / "admin-idle-lock.png"), full_page=True)
    finally:
        desk.close()

    tablet.tid("sync-now").click()
    deadline = time.monotonic() + 20
    while stored_lock_min(tablet) != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stored_lock_min(tablet) == 2
    context.clock.fast_forward("02:30")
    expect(tablet.tid("pin-unlock")).to_be_visible()
    assert tablet.errors == []


def test_the_entry_being_written_when_the_tablet_locks_opens_again_after_the_unlock(server_factory, launch, artifacts):
    server = server_factory()
    tablet, _ = infusing(server, launch)
    visit_id = tablet.tid("visit").get_attribute("data-visit-id")
    tablet.tid("action-vitals").click()
    for name, value in (("hr", 88), ("sbp", 118), ("dbp", 74)):
        tablet.fill(name, value)
    typed_at = tablet.page.evaluate("() => Date.now()")
    tablet.context.clock.fast_forward("05:30")  # the phone rang; nobody touched the tablet
    expect(tablet.tid("pin-unlock")).to_contain_text("The entry you were writing opens again when you unlock")
    expect(tablet.tid("form-vitals")).to_have_count(0)
    draft = next(row for row in tablet.dump_indexeddb()["docs"] if row["name"] == "draft")
    assert "dbp" not in str(draft)  # sealed with the data key, as every stored entry
    tablet.screenshot(artifacts / "lock-keeps-the-entry-800x1280.png", width=800, height=1280)

    tablet.unlock()
    expect(tablet.tid("form-kept")).to_contain_text("The entry you were writing is open again")
    for name, value in (("hr", "88"), ("sbp", "118"), ("dbp", "74")):
        expect(tablet.tid(f"field-{name}")).to_have_value(value)
    tablet.screenshot(artifacts / "entry-open-again-after-unlock-1280x800.png", testid="form-vitals")
    tablet.fill_form("vitals", {"temp_c": "37.0", "rr": 16, "spo2": 97})
    vitals = [e for e in tablet.fold(visit_id)["entries"] if e["kind"] == "vitals"]
    assert [v["payload"]["hr"] for v in vitals] == [72, 88]  # saved once
    # recorded at the time she last wrote in it, not at the unlock five and a half minutes later
    assert abs(datetime.fromisoformat(vitals[-1]["occurred_at"]).timestamp() * 1000 - typed_at) < 60_000
    assert all(row["name"] != "draft" for row in tablet.dump_indexeddb()["docs"])
    expect(tablet.page.get_by_text("The entry you were writing is open again")).to_have_count(0)  # gone with the form

    tablet.page.get_by_role("button", name="Lock", exact=True).click()  # a second lock with no form open keeps nothing
    expect(tablet.tid("pin-unlock")).not_to_contain_text("opens again")
    tablet.unlock()
    expect(tablet.tid("form-vitals")).to_have_count(0)
    assert tablet.errors == []


def test_a_new_entrys_time_follows_the_clock_until_the_nurse_changes_it(server_factory, launch):
    server = server_factory()
    tablet, _ = infusing(server, launch)
    visit_id = tablet.tid("visit").get_attribute("data-visit-id")
    tablet.tid("action-vitals").click()
    opened_at = tablet.page.evaluate("() => Date.now()")
    for step in range(5):  # 20 minutes with the form open, in use, before the vital signs are taken
        tablet.context.clock.fast_forward("04:00")
        tablet.page.mouse.move(200 + 40 * step, 300)
    tablet.fill_form("vitals", {"hr": 80, "sbp": 120, "dbp": 76, "temp_c": "36.9", "rr": 16, "spo2": 98})
    vitals = [e for e in tablet.fold(visit_id)["entries"] if e["kind"] == "vitals"]
    saved = datetime.fromisoformat(vitals[-1]["occurred_at"]).timestamp() * 1000
    assert saved - opened_at >= 20 * 60_000


HIDE = """() => { Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
                 document.dispatchEvent(new Event("visibilitychange")); }"""
SHOW = """() => { Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
                 document.dispatchEvent(new Event("visibilitychange")); }"""


def kept_drafts(tablet: Tablet) -> int:
    return sum(row["name"] == "draft" for row in tablet.dump_indexeddb()["docs"])


def wait_for_drafts(tablet: Tablet, count: int) -> None:
    deadline = time.monotonic() + 10
    while kept_drafts(tablet) != count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert kept_drafts(tablet) == count


def test_an_entry_being_written_survives_the_browser_ending_the_page_in_the_background(server_factory, launch):
    server = server_factory()
    tablet, _ = infusing(server, launch)
    tablet.tid("action-vitals").click()
    tablet.fill("hr", 91)
    tablet.page.evaluate(HIDE)  # she switches to the phone app; the form is sealed
    wait_for_drafts(tablet, 1)
    tablet.page.evaluate(SHOW)  # and comes back in time: the page still has it, and the copy stays with the form
    expect(tablet.tid("field-hr")).to_have_value("91")
    assert kept_drafts(tablet) == 1

    tablet.fill("sbp", 117)
    tablet.page.evaluate(HIDE)
    wait_for_drafts(tablet, 1)
    tablet.page.reload()  # this time the browser ended the page meanwhile
    tablet.unlock()
    expect(tablet.tid("form-vitals")).to_be_visible()
    expect(tablet.tid("field-hr")).to_have_value("91")
    expect(tablet.tid("field-sbp")).to_have_value("117")
    expect(tablet.tid("form-kept")).to_contain_text("The entry you were writing is open again")
    assert tablet.errors == []


def test_an_entry_being_typed_offline_survives_a_reload_and_goes_once_it_is_saved(server_factory, launch, artifacts):
    """A reload does not wait for a seal begun as the page unloads: the form is sealed as she types."""
    server = server_factory()
    tablet, _ = infusing(server, launch)
    tablet.context.clock.resume()  # real time from here: the seal follows a pause in her typing
    visit_id = tablet.tid("visit").get_attribute("data-visit-id")
    tablet.tid("action-vitals").click()
    assert kept_drafts(tablet) == 0  # an untouched form is not kept
    tablet.fill("hr", 104)
    tablet.fill("sbp", 131)
    wait_for_drafts(tablet, 1)
    draft = next(row for row in tablet.dump_indexeddb()["docs"] if row["name"] == "draft")
    assert "sbp" not in str(draft)  # sealed with the data key
    server.stop()  # no signal in the patient's home
    tablet.page.reload()  # the tablet reloaded the app: no visibility change, no lock
    tablet.unlock()
    expect(tablet.tid("form-kept")).to_contain_text("The entry you were writing is open again")
    expect(tablet.tid("field-hr")).to_have_value("104")
    expect(tablet.tid("field-sbp")).to_have_value("131")
    tablet.page.reload()  # and again, before she touched it: still there
    tablet.unlock()
    expect(tablet.tid("field-sbp")).to_have_value("131")
    tablet.screenshot(artifacts / "entry-open-again-after-reload-offline-1280x800.png", testid="form-vitals")
    tablet.fill_form("vitals", {"dbp": 82, "temp_c": "37.1", "rr": 18, "spo2": 97})
    wait_for_drafts(tablet, 0)  # saved: the copy goes with the form
    vitals = [e["payload"]["hr"] for e in tablet.fold(visit_id)["entries"] if e["kind"] == "vitals"]
    assert vitals == [72, 104]  # saved once
    tablet.page.reload()
    tablet.unlock()
    expect(tablet.tid("form-vitals")).to_have_count(0)
    assert tablet.errors == []
