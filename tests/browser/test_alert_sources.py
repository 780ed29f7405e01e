"""Each alert names where its rule comes from, one tap away, on the tablet and at the desk (rules.json
`source`): the nurse deciding whether to start sees the pre-assessment's headache alert is CLINICAL.md's and
the IVIG labels' (aseptic meningitis), and the pharmacist reads the same beside the same alert."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.people import desk_page
from tests.browser.test_tablet_guidance import KIT_OK, started_gammagard_visit

pytestmark = pytest.mark.browser

RULES = json.loads((Path(__file__).resolve().parents[2] / "server/clinical/data/rules.json").read_text())
SOURCE = next(rule["source"] for rule in RULES["rules"] if rule["id"] == "headache_before_start")


def test_an_alerts_source_opens_under_it_on_the_tablet_and_at_the_desk(server_factory, launch, playwright, artifacts):
    tablet = started_gammagard_visit(server_factory, launch)
    visit_id = tablet.tid("visit").get_attribute("data-visit-id")
    tablet.entry("assessment", dict(KIT_OK, headache=True))
    alert = tablet.page.locator("[data-testid=alert][data-rule=headache_before_start]")
    expect(alert).to_contain_text("Headache at the pre-assessment")
    expect(alert.get_by_text(SOURCE[:40])).to_be_hidden()  # folded: the alert itself stays one line to read
    alert.get_by_text("Source", exact=True).click()
    expect(alert.get_by_text(SOURCE)).to_be_visible()
    assert tablet.page.locator("[data-testid=alert]").count() == tablet.page.locator("[data-testid=alert-source]").count()
    tablet.screenshot(artifacts / "alert-source-open-on-the-tablet-1280x800.png", testid="alerts")
    expect(tablet.tid("visit-pending")).to_have_text("all synced", timeout=20_000)

    with desk_page(playwright, tablet.base_url, "pharmacist") as page:
        page.goto(f"{tablet.base_url}/review/visits/{visit_id}")
        row = page.locator(".alert-row", has_text="Headache at the pre-assessment")
        expect(row.get_by_text(SOURCE)).to_be_hidden()
        row.get_by_text("Source", exact=True).click()
        expect(row.get_by_text(SOURCE)).to_be_visible()
        row.screenshot(path=str(artifacts / "alert-source-open-at-the-desk.png"))
    assert tablet.errors == []
