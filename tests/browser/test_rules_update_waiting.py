"""A tablet whose code is older than the rule set it receives (issue #18 item 5): the server sends a
newer rules payload (the next schema, a field and a rule with a function this tablet does not know); the
nurse's tablet keeps checking every rule it can, says an update is waiting and which rule it cannot
check, and raises a known alert (hypoxia) as before."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from server.clinical.rulebook import RULES_SCHEMA
from tests.browser.reference_route import nurse_tablet_given
from tests.browser.test_offline_visit import BASELINE, GEO
from tests.browser.test_tablet_guidance import alert, gammagard_visit

pytestmark = pytest.mark.browser

NEWER_RULE = {
    "id": "hr_trend", "severity": "warning", "enabled": True, "each": "vitals",
    "when": "hr_slope(entry.hr) > hr_above", "values": {"hr": "entry.hr"},
    "message": "Heart rate rising towards {hr_above}/min", "thresholds": {"hr_above": 120.0},
    "supersedes": [], "source": "a rule of a later release, with a function this tablet's code lacks",
}


def newer_rules(reference: dict) -> None:
    """Its rules as a later server release would send them."""
    rules = reference["rules"]
    rules.update(schema=RULES_SCHEMA + 1, escalation={"page_pharmacist_after_min": 10})
    rules["rules"].append(NEWER_RULE)


def test_a_tablet_older_than_its_rules_keeps_checking_and_shows_an_update_waiting(server_factory, launch, artifacts):
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    visit_id = gammagard_visit(server)
    tablet = nurse_tablet_given(server, launch, newer_rules, **GEO)
    tablet.open_visit(visit_id)
    tablet.start_visit()

    notice = tablet.tid("rules-update")
    expect(notice).to_contain_text("Clinical rules update waiting — reload when the visit allows")
    expect(notice).to_contain_text("Not checked on this tablet until then: hr_trend")
    expect(tablet.page.get_by_text("Clinical rules could not be loaded")).to_have_count(0)

    tablet.entry("vitals", {**BASELINE, "spo2": 90})
    hypoxia = alert(tablet, "hypoxia")
    expect(hypoxia).to_contain_text("Hypoxia: SpO2 90% (alert at 92% or below)")
    expect(hypoxia).to_contain_text("CRITICAL")
    expect(notice).to_be_visible()
    tablet.screenshot(artifacts / "rules-update-waiting-hypoxia-1280x800.png", testid="alerts")
    tablet.screenshot(artifacts / "rules-update-waiting-hypoxia-800x1280.png", width=800, height=1280)
    assert tablet.errors == []
