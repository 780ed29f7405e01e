"""A whole IVIG visit on the tablet with the server process stopped: reloads, a browser restart,
then the server back: every entry reaches it exactly once and both sides fold the same visit."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.browser.desk import Desk
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet

pytestmark = pytest.mark.browser

VISIT_LENGTH = timedelta(hours=4, minutes=40)
BASELINE = {"hr": 72, "sbp": 122, "dbp": 78, "temp_c": "36.8", "rr": 16, "spo2": 98}
FEVER = {"hr": 117, "sbp": 118, "dbp": 74, "temp_c": "38.4", "rr": 20, "spo2": 97}
GEO = {"permissions": ["geolocation"], "geolocation": {"latitude": 40.71, "longitude": -74.0, "accuracy": 15}}


class VisitClock:
    """The page's clock: the visit starts VISIT_LENGTH ago and the test moves through it minute by minute.
    The start is a whole minute: entry forms take the time to the minute, so an unaligned start let two
    steps 30 minutes apart be recorded 29 apart when one crossed a minute boundary and the other did not
    (a rate raised "too soon" now and then)."""

    def __init__(self, start: datetime) -> None:
        self.start = start.replace(second=0, microsecond=0)

    def install(self, context) -> None:
        context.clock.install(time=self.start)

    def to_minute(self, tablet: Tablet, minute: float) -> None:
        target_ms = (self.start + timedelta(minutes=minute)).timestamp() * 1000
        ahead = target_ms - tablet.page.evaluate("Date.now()")
        if ahead > 0:
            tablet.context.clock.fast_forward(int(ahead))

    def to_real_time(self, tablet: Tablet) -> None:
        ahead = time.time() * 1000 - tablet.page.evaluate("Date.now()")
        if ahead > 0:
            tablet.context.clock.fast_forward(int(ahead))


SEALED = ("ct", "iv")  # a sealed box's fields (pwa/crypto.js seal): random bytes, read as one char per byte


def plaintext_leaks(dump: dict, secrets: list[str]) -> list[str]:
    """The secrets found stored readable: in any field as written, or inside a box's bytes as JSON writes a string
    ("Dev" with its quotes). A bare 3-letter name inside megabytes of ciphertext turns up by chance (CI once read
    "Dev" there); with its quotes, the odds are 2^16 times smaller, and plaintext JSON sealed by mistake has them."""
    plain, sealed = [], []

    def walk(value, key=None):
        if isinstance(value, dict):
            for name, inner in value.items():
                walk(inner, name)
        elif isinstance(value, list):
            for inner in value:
                walk(inner, key)
        else:
            (sealed if key in SEALED else plain).append(repr(value))

    walk(dump)
    text, boxes = "\n".join(plain), "\n".join(sealed)
    return [secret for secret in secrets if secret in text or f'"{secret}"' in boxes]


def fold_keys(state: dict) -> dict:
    return {"status": state["status"], "segments": state["segments"], "alerts": [a["id"] for a in state["alerts"]]}


def test_a_visit_recorded_with_the_server_stopped_reaches_it_exactly_once_and_folds_the_same(
    server_factory, launch, artifacts
):
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    with Desk(server.base_url, "nurse") as desk:
        reference = desk.reference()
    visit = next(v for v in reference["visits"] if v["context"]["order"]["product_id"] == "gammagard-liquid-10")
    patient = next(p for p in reference["patients"] if p["id"] == visit["patient_id"])
    clock = VisitClock(datetime.now(timezone.utc) - VISIT_LENGTH)

    context = launch(**GEO)
    clock.install(context)
    tablet = Tablet(context, server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    tablet.screenshot(artifacts / "today-1280x800.png")
    assert tablet.page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)") == f"{server.base_url}/"

    server.stop()  # the process is gone: from here on nothing answers on its port

    tablet.open_visit(visit["id"])
    tablet.start_visit()
    expect(tablet.tid("visit-pending")).to_have_text("1 not yet synced")
    clock.to_minute(tablet, 2)
    expect(tablet.tid("action-infusion.started-reason")).to_contain_text("pre-assessment")
    # the identity is asked of the patient, two identifiers, never prefilled (NPSG.01.01.01: before a blood product)
    tablet.tid("action-assessment").click()
    # weighed and screened today, never prefilled from the order or the pharmacy's record (a walk found
    # the order's 70 kg and "No" risks filled in: the weight check then compares the order with itself)
    expect(tablet.page.get_by_label("Weight")).to_have_value("")
    expect(tablet.tid("hint-weight_kg")).to_have_text("Weigh the patient: the order doses for 70 kg.")
    for risk in ("thrombosis_risk", "renal_risk"):
        expect(tablet.tid(f"{risk}-no")).to_have_attribute("aria-pressed", "false")
        expect(tablet.tid(f"{risk}-yes")).to_have_attribute("aria-pressed", "false")
        expect(tablet.tid(f"hint-{risk}")).to_contain_text("The pharmacy's record: not flagged.")
    tablet.tid("save-entry").click()
    expect(tablet.tid("error-identity")).to_have_text(
        "Identity: confirm at least two identifiers with the patient (e.g. full name and date of birth)")
    tablet.screenshot(artifacts / "assessment-identity-required-1280x800.png", testid="form-assessment")
    tablet.fill("identity", ["name", "birth_date"])  # the error goes once the field is answered, before Save
    expect(tablet.tid("error-identity")).to_be_empty()
    expect(tablet.tid("error-weight_kg")).not_to_be_empty()  # another field's stays
    tablet.tid("cancel-entry").click()
    tablet.entry("assessment", {"weight_kg": 70, "kit_present": True, "kit_in_date": True, "kit_undamaged": True,
                                "hydration": "adequate", "headache": False, "infection_signs": False,
                                "thrombosis_risk": False, "renal_risk": False, "allergies_reviewed": True,
                                "identity": ["name", "birth_date"]})
    expect(tablet.tid("timeline-entry").filter(has_text="identity by name, birth date")).to_have_count(1)
    clock.to_minute(tablet, 3)
    tablet.entry("line.placed", {"status": "new", "type": "peripheral", "gauge": 22, "site": "left forearm",
                                 "side": "left", "attempts": 1, "blood_return": True,
                                 "findings": ["no_complications"]})
    clock.to_minute(tablet, 5)
    tablet.entry("vitals", BASELINE)
    clock.to_minute(tablet, 10)
    for drug in ("diphenhydramine", "acetaminophen"):
        tablet.tid(f"premed-{drug}").click()
        tablet.fill_form("medication.given", {})
        # the button says it was given, and when (a walk found a given one offered as if it was not)
        expect(tablet.tid(f"premed-{drug}")).to_have_text(re.compile(rf"^{drug} last given \d\d:\d\d · give again$"))

    # The page reloads mid-visit with no server: the shell comes from the service worker.
    tablet.page.reload()
    tablet.unlock()
    tablet.open_visit(visit["id"])
    expect(tablet.tid("timeline-entry")).to_have_count(6)

    clock.to_minute(tablet, 45)
    tablet.entry("product.opened", {"lot": "LE12A", "expiry": "2027-12-31", "volume_ml": 300, "inspected_ok": True})
    clock.to_minute(tablet, 50)
    expect(tablet.tid("next-rate")).to_have_text("35 mL/h")
    # the start waits for her checks, not a clock: never "due now" nor overdue before it (a new user's walk)
    expect(tablet.tid("next-step")).to_contain_text("Start at")
    expect(tablet.tid("next-step-countdown")).to_have_count(0)
    tablet.entry("infusion.started")
    clock.to_minute(tablet, 65)
    tablet.entry("vitals", BASELINE)
    clock.to_minute(tablet, 80)
    expect(tablet.tid("next-step-countdown")).to_contain_text("due now")
    tablet.entry("vitals", BASELINE)
    tablet.entry("infusion.rate_changed", {"rate_ml_h": 70})

    # The browser itself restarts mid-visit, still with no server.
    saved_so_far = tablet.pending_ids()
    context.close()
    context = launch(**GEO)
    clock.install(context)
    tablet = Tablet(context, server.base_url)
    clock.to_minute(tablet, 82)
    tablet.open()
    tablet.unlock()
    assert sorted(tablet.pending_ids()) == sorted(saved_so_far)
    tablet.open_visit(visit["id"])

    clock.to_minute(tablet, 95)
    tablet.entry("vitals", {**BASELINE, "hr": 80})
    clock.to_minute(tablet, 110)
    tablet.entry("vitals", BASELINE)
    tablet.entry("infusion.rate_changed", {"rate_ml_h": 140})
    clock.to_minute(tablet, 125)
    tablet.entry("vitals", FEVER)

    # Fever at the third step: the tablet raises it by itself, offline.
    fever = tablet.page.locator("[data-testid=alert][data-rule=fever]")
    expect(fever).to_be_visible()
    expect(fever).to_contain_text("38.4")
    expect(tablet.tid("net")).to_have_text("Offline")
    tablet.screenshot(artifacts / "visit-fever-1280x800.png")

    clock.to_minute(tablet, 126)
    tablet.tid("action-reaction.observed").click()
    tablet.fill("grade", "1")
    expect(tablet.tid("suggested-actions")).to_contain_text("Slow to the previous rate")
    tablet.screenshot(artifacts / "reaction-form-800x1280.png", width=800, height=1280, testid="form-reaction.observed")
    tablet.fill_form("reaction.observed", {"symptoms": ["fever", "chills"], "actions": ["slowed"],
                                           "notified_who": ["prescriber"], "outcome": "resolved"})
    clock.to_minute(tablet, 127)
    tablet.entry("infusion.rate_changed", {"rate_ml_h": 70, "reason": "reaction"})
    clock.to_minute(tablet, 157)
    tablet.entry("vitals", {**BASELINE, "temp_c": "37.2"})
    # Raising two steps at once breaks the protocol: the tablet warns before saving.
    tablet.tid("action-infusion.rate_changed").click()
    tablet.fill("rate_ml_h", 280)
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-warning")).to_contain_text("This breaks the protocol")
    tablet.screenshot(artifacts / "rate-warning-1280x800.png", testid="form-warning")
    tablet.fill("rate_ml_h", 140)
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-infusion.rate_changed")).to_be_hidden()

    # A correction is a new entry; the original stays visible.
    row = tablet.page.locator("[data-testid=timeline-entry][data-kind=vitals]", has_text="HR 80")
    row.get_by_test_id("amend").click()
    tablet.fill("hr", 84)
    tablet.tid("field-amend_reason").fill("typed the wrong heart rate")
    tablet.tid("save-entry").click()
    expect(tablet.page.get_by_test_id("entry-history").first).to_contain_text("Original")

    clock.to_minute(tablet, 215)
    tablet.entry("vitals", BASELINE)
    tablet.entry("infusion.stopped", {"reason": "completed", "pump_volume_ml": 310}, confirm=True)  # 31 g of 28: said before saving
    clock.to_minute(tablet, 220)
    tablet.entry("line.removed", {"reason": "therapy_complete", "tip_intact": True, "findings": ["no_complications"]})
    expect(tablet.tid("action-line.assessed")).to_be_disabled()  # no line check once the line is out (a walk)
    clock.to_minute(tablet, 276)
    tablet.entry("vitals", BASELINE)
    tablet.entry("education", {"topics": ["signs of a reaction", "when to call"], "understanding": "verbalized"})
    tablet.entry("signature", {"confirm": True})
    tablet.entry("visit.ended", {"waste_disposed": True})
    # the header says when she left, as it says when she arrived (a new user's walk: "In 05:35" alone)
    expect(tablet.tid("visit-times")).to_contain_text(re.compile(r"^In \d\d:\d\d · out \d\d:\d\d"))
    tablet.screenshot(artifacts / "visit-done-800x1280.png", width=800, height=1280)

    # Nothing a person could read is stored in the clear.
    secrets = [patient["given_name"], patient["family_name"], patient["mrn"], "penicillin", "38.4", "36.8",
               "37.2", "temp_c", "left forearm", "LE12A", "typed the wrong"]
    for other in reference["patients"]:
        secrets += [other["given_name"], other["family_name"], other["mrn"]]
    dump = tablet.dump_indexeddb()
    assert plaintext_leaks(dump, secrets) == []
    local_ids = sorted(row["id"] for row in dump["events"])
    assert sorted(row["id"] for row in dump["outbox"]) == local_ids

    # The server comes back: one "Sync now" sends everything.
    server.start()
    tablet.tid("sync-now").click()
    expect(tablet.tid("sync-state")).to_contain_text("All synced", timeout=20_000)
    assert tablet.dump_indexeddb()["outbox"] == []
    expect(tablet.tid("visit-pending")).to_have_text("all synced")

    with Desk(server.base_url, "nurse") as desk:
        on_server = [e["id"] for e in desk.pulled() if e["visit_id"] == visit["id"]]
        assert sorted(on_server) == local_ids, "every entry exactly once"
        assert desk.json("/api/sync/quarantine")["quarantined"] == []
        clock.to_real_time(tablet)
        server_state = desk.visit(visit["id"])["state"]
    tablet_state = tablet.fold(visit["id"])
    assert fold_keys(tablet_state) == fold_keys(server_state)
    assert server_state["status"] == "completed" or server_state["status"] == "signed"
    assert "fever" in [a["rule"] for a in server_state["alerts"]]
    assert tablet.errors == []
    assert [e for e in tablet.console_errors if "Content Security Policy" in e] == []
