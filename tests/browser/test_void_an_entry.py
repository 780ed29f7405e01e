"""A nurse voids an entry she made in error from its correction form, asked twice. A walk saved a premedication
twice and could only change the second one's dose: the record kept 1,300 mg of acetaminophen. And a dose is
held to its order across mcg, mg and g."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_tablet_guidance import started_gammagard_visit

pytestmark = pytest.mark.browser


def test_a_premedication_saved_twice_is_voided_from_its_correction_form_and_stays_listed(
        server_factory, launch, artifacts):
    tablet = started_gammagard_visit(server_factory, launch)
    visit_id = tablet.tid("visit").get_attribute("data-visit-id")
    for again in (False, True):  # the second is asked before saving ("given again"), and saved anyway
        tablet.tid("premed-acetaminophen").click()
        tablet.fill_form("medication.given", {}, confirm=again)
    given = tablet.page.locator("[data-testid=timeline-entry][data-kind='medication.given']")
    expect(given).to_have_count(2)
    twice = tablet.tid("alert").filter(has_text="acetaminophen given again 0 min after its dose before")
    expect(twice).to_contain_text("check the second dose was meant, or void the entry made twice")  # a walk read "No alerts"

    given.first.get_by_role("button", name="Correct").click()  # the newest is on top
    form = tablet.tid("form-medication.given")
    form.get_by_role("button", name="Entered in error: void it").click()
    expect(tablet.tid("form-errors")).to_have_text("Give the reason it was entered in error")
    tablet.fill("amend_reason", "Saved twice; one dose was given")
    tablet.screenshot(artifacts / "void-from-the-correction-form-1280x800.png", testid="form-medication.given")
    form.get_by_role("button", name="Entered in error: void it").click()
    expect(tablet.tid("form-warning")).to_contain_text("Void this entry?")  # asked twice: it leaves the record
    form.get_by_role("button", name="Void it", exact=True).click()
    expect(form).to_be_hidden()

    expect(given).to_have_count(1)
    expect(twice).to_have_count(0)
    voided = tablet.tid("timeline-voided")
    expect(voided).to_contain_text("Medication (voided)")
    expect(voided).to_contain_text("Saved twice; one dose was given")
    doses = [m for m in tablet.fold(visit_id)["medications"] if m["drug"] == "acetaminophen"]
    assert len(doses) == 1
    expect(tablet.tid("visit-pending")).to_have_text("all synced", timeout=20_000)  # the server took the void
    assert tablet.errors == []


def test_a_signature_offers_no_correction_at_all(server_factory, launch):
    """entry_authority: a signature is an attestation, never amended nor voided, so neither is offered (the
    tablet offered "Correct" on it, and the server would have kept the amendment aside)."""
    tablet = started_gammagard_visit(server_factory, launch)
    tablet.entry("signature", {"confirm": True})
    signed = tablet.page.locator("[data-testid=timeline-entry][data-kind='signature']")
    expect(signed).to_have_count(1)
    expect(signed.get_by_role("button", name="Correct")).to_have_count(0)
    expect(tablet.page.locator("[data-testid=timeline-entry][data-kind='visit.started']")
           .get_by_role("button", name="Correct")).to_have_count(0)  # no form: nothing to correct it with
    assert tablet.errors == []


def test_a_dose_in_grams_is_held_to_an_order_in_milligrams(server_factory, launch, artifacts):
    """A walk gave diphenhydramine 0.25 g (ten times the 25 mg ordered) and read no alert: units differed."""
    tablet = started_gammagard_visit(server_factory, launch)
    tablet.entry("medication.given", {"drug": "diphenhydramine", "dose": "0.25", "unit": "g", "route": "PO", "purpose": "prn"},
                 confirm=True)  # asked before saving, as a walk's 250 mg was not
    above = tablet.tid("alert").filter(has_text="diphenhydramine 0.25 g given: above the ordered 25 mg")
    expect(above).to_have_count(1)
    tablet.screenshot(artifacts / "dose-in-grams-above-the-order-in-mg-1280x800.png", testid="alerts")
    assert tablet.errors == []
