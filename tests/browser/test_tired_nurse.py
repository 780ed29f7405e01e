"""A tired nurse's slips on the tablet, offline, at Dev Patel's pre-hydration and IVIG visit (a walk's findings):
the patient's IgA deficiency in sight from the first screen; no saline started before anyone confirmed who the
patient is; a weight typed in pounds and a premedication ten times the order asked before saving; a vital sign
dated two hours ahead, or a month back, refused at the form (it had saved, and the visit reckoned its volumes to
that hour); a half-typed form left for another screen waits on its visit."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet
from tests.browser.test_tablet_guidance import KIT_OK

pytestmark = pytest.mark.browser


def open_patel(tablet: Tablet) -> str:
    card = tablet.tid("visit-card").filter(has_text="Patel")
    visit_id = card.get_attribute("data-visit-id")
    tablet.open_visit(visit_id)
    return visit_id


def asked_then_corrected(tablet: Tablet, kind: str, field: str, typed: tuple[float, float], says: str, shot,
                         note: str | None = None) -> None:
    """`field` saved as the slip `typed[0]`: asked ("Save anyway"), saying `says` (and `note`); corrected to
    `typed[1]`, saved at once."""
    slip, right = typed
    tablet.fill(field, slip)
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-warning")).to_contain_text(says)
    if note is not None:
        expect(tablet.tid("confirm-note")).to_have_text(note)
    expect(tablet.tid("save-entry")).to_have_text("Save anyway")
    tablet.screenshot(shot, testid=f"form-{kind}")
    tablet.fill(field, right)
    tablet.tid("save-entry").click()
    expect(tablet.tid(f"form-{kind}")).to_be_hidden()


def local_input(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M")


def test_a_tired_nurses_slips_are_caught_at_the_form_offline(server_factory, launch, artifacts):
    server = server_factory()
    tablet = Tablet(launch(), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    open_patel(tablet)
    tablet.context.set_offline(True)
    expect(tablet.tid("risk-flags")).to_have_text("Risk: IgA deficiency: watch for anaphylaxis (CLINICAL.md s.4)")
    tablet.start_visit()

    saline = tablet.page.get_by_role("article").filter(has_text="Sodium chloride")
    start = saline.get_by_role("button", name="Start", exact=False)
    expect(start).to_be_disabled()
    expect(saline).to_contain_text("Record the pre-assessment (the patient's identity) first.")
    tablet.screenshot(artifacts / "tired-nurse-1-saline-waits-for-identity.png")

    # 128 typed for a patient of 58 kg: asked, with what 128 lb would be; corrected, it saves at once
    tablet.tid("action-assessment").click()
    for name, value in KIT_OK.items():
        tablet.fill(name, value)
    asked_then_corrected(tablet, "assessment", "weight_kg", (128, 58), "Weight 128 kg differs",
                         artifacts / "tired-nurse-2-weight-in-pounds.png",
                         note="128 lb would be 58.1 kg: type the weight in kilograms.")
    expect(saline.get_by_role("button", name="Start", exact=False)).to_be_enabled()

    # diphenhydramine 250 mg for the order's 25: asked before saving
    tablet.tid("premed-diphenhydramine").click()
    asked_then_corrected(tablet, "medication.given", "dose", (250, 25), "Check before saving",
                         artifacts / "tired-nurse-3-premed-ten-times.png")
    # acetaminophen tapped as IV where the order says PO (the right route): asked too, naming both
    tablet.tid("premed-acetaminophen").click()
    asked_then_corrected(tablet, "medication.given", "route", ("IV", "PO"), "by IV, where the order gives it PO",
                         artifacts / "tired-nurse-3b-premed-by-another-route.png")

    # the visit's own products first, marked, not among the catalogue's 17 (a walk hunted for the ordered one)
    tablet.tid("action-product.opened").click()
    choices = tablet.page.get_by_role("radiogroup", name="Product").get_by_role("button")
    expect(choices.nth(0)).to_have_text("Panzyga 10% · ordered")
    expect(choices.nth(1)).to_have_text("Sodium chloride 0.9% · ordered")
    expect(choices.nth(2)).not_to_contain_text("ordered")
    tablet.tid("cancel-entry").click()

    # vital signs dated two hours ahead, then a month back: refused at the form, naming why
    now = datetime.now()
    tablet.tid("action-vitals").click()
    for name, value in {"hr": 88, "sbp": 118, "dbp": 72, "temp_c": 36.8}.items():
        tablet.fill(name, value)
    when = tablet.page.get_by_label("When", exact=True)
    when.fill(local_input(now + timedelta(hours=2)))
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-errors")).to_contain_text("after now")
    expect(tablet.tid("form-errors")).to_contain_text("An entry records what has happened")
    tablet.screenshot(artifacts / "tired-nurse-4-vitals-ahead.png", testid="form-vitals")
    when.fill(local_input(now - timedelta(days=30)))
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-errors")).to_contain_text("before this visit began")
    tablet.tid("occurred_at-now").click()
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-vitals")).to_be_hidden()

    # a mild reaction: the advice is the order's PRN list, each with when it was last given
    tablet.tid("action-reaction.observed").click()
    tablet.fill("grade", "1")
    expect(tablet.tid("order-prn")).to_contain_text(re.compile(r"diphenhydramine 25 mg PO \(mild reaction\), last given \d\d:\d\d"))
    tablet.screenshot(artifacts / "tired-nurse-5-reaction-advice.png", testid="suggested-actions")
    tablet.tid("cancel-entry").click()

    # half a set of vital signs typed, then "← Today's visits" and back: the form waits, as she left it
    tablet.tid("action-vitals").click()
    tablet.fill("hr", 92)
    tablet.tid("back-to-today").click()
    expect(tablet.tid("visit-card").first).to_be_visible()
    open_patel(tablet)
    expect(tablet.tid("form-kept")).to_contain_text("The entry you were writing is open again")
    expect(tablet.tid("field-hr")).to_have_value("92")
    tablet.screenshot(artifacts / "tired-nurse-6-form-kept-over-navigation.png", testid="form-vitals")
    assert tablet.errors == []


def test_an_out_of_date_kit_is_a_critical_alert_as_soon_as_it_is_recorded(server_factory, launch, artifacts):
    """A walk's "Kit in date: No" raised no alert: only the note under the disabled Start said so."""
    server = server_factory()
    tablet = Tablet(launch(), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    tablet.open_visit(tablet.tid("visit-card").filter(has_text="Nguyen").get_attribute("data-visit-id"))
    tablet.start_visit()
    tablet.entry("assessment", {**KIT_OK, "weight_kg": 64, "kit_in_date": False})
    flagged = tablet.page.locator("[data-testid=alert][data-rule=kit_not_ready]")
    expect(flagged).to_contain_text("Anaphylaxis kit out of date at the pre-assessment: the infusion must not start")
    expect(tablet.tid("action-infusion.started")).to_be_disabled()
    tablet.screenshot(artifacts / "tired-nurse-7-kit-out-of-date.png", testid="alerts")
