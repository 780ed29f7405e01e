"""A pharmacist verifies a catalogue row in the browser and a tablet that syncs afterwards shows it as verified
(issue #17 item 4): the nurse's visit on Gammagard PI shows "Unverified protocol"; the pharmacist opens the
catalogue, edits the row to the maker's ladder (LABELS.md s.2.1), is told which field is wrong, sees the
diff against the packaged row, verifies it with what she checked; the tablet syncs, follows the new ladder,
and the banner is gone."""

from __future__ import annotations

import time
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.people import log_in
from tests.browser.tablet import Tablet

pytestmark = pytest.mark.browser

ROW = "Gammagard Liquid 10% · PI"
MAKER_LADDER = "0.5, 1, 2, 3, 4, 5"


def open_alma_reyes_visit(tablet: Tablet) -> str:
    """The demo's Gammagard PI patient (MRN-1001) on the nurse's Today list; the visit id."""
    card = tablet.tid("visit-card").filter(has_text="Reyes").first
    visit_id = card.get_attribute("data-visit-id")
    tablet.open_visit(visit_id)
    return visit_id


def sync(tablet: Tablet) -> None:
    tablet.tid("sync-now").click()
    expect(tablet.tid("sync-state")).not_to_contain_text("Syncing", timeout=20_000)


def ladder_after_sync(tablet: Tablet, visit_id: str, expected: list[float], timeout_s: float = 20) -> list[float]:
    """The visit's ladder as the tablet folds it once the sync brought `expected` (or the timeout passed):
    the sync button's state may read "synced" a moment before the new reference is in use."""
    deadline = time.monotonic() + timeout_s
    while True:
        ladder = [step["ml_kg_h"] for step in tablet.fold(visit_id)["steps"]]
        if ladder == expected or time.monotonic() > deadline:
            return ladder
        tablet.page.wait_for_timeout(200)


def edit_to_the_makers_ladder(desk: Page, artifacts) -> None:
    desk.get_by_role("link", name="Catalogue").click()
    row = desk.get_by_role("region", name=ROW)
    expect(row.get_by_text("unverified", exact=True)).to_be_visible()
    row.get_by_role("link", name="Edit").click()
    expect(desk.get_by_role("heading", name=f"Edit {ROW}")).to_be_visible()
    desk.get_by_label("Steps (mL/kg/h)").fill(MAKER_LADDER)
    desk.get_by_label("Where each step comes from").fill("label, maker, maker, maker, label")  # one short
    desk.get_by_label("Reason for the change").fill("The maker's calculator steps 2, 3, 4, 5 mL/kg/h (LABELS.md s.2.1)")
    desk.get_by_role("button", name="Save as a new revision").click()
    expect(desk.get_by_role("alert")).to_contain_text("ladder source: must match the ladder")
    desk.screenshot(path=str(artifacts / "catalogue-verify-2-field-error.png"), full_page=True)
    # a step may say the label gives it only if the label does (a walk's 40 for 4 kept saying "label")
    desk.get_by_label("Where each step comes from").fill("label, maker, maker, label, maker, label")
    desk.get_by_role("button", name="Save as a new revision").click()
    expect(desk.get_by_role("alert")).to_contain_text(
        "step 4 (3) is not a rate the label gives (0.5, 5): say where it comes from (maker or organization)")
    desk.get_by_label("Where each step comes from").fill("label, maker, maker, maker, maker, label")
    desk.get_by_label("Ladder note").fill("The maker's MMN calculator steps 0.5, 1, 2, 3, 4, 5 mL/kg/h, 30 min each "
                                          "(LABELS.md s.2.1): an example output for one weight, not a label rule.")
    desk.get_by_role("button", name="Save as a new revision").click()
    expect(desk.get_by_role("article", name="Revision 1")).to_be_visible()  # saved: the tablet may sync now


def verify_with_the_diff_in_view(desk: Page, artifacts) -> None:
    expect(desk.get_by_role("status")).to_contain_text("Unverified protocol.")
    revision = desk.get_by_role("article", name="Revision 1")
    diff = revision.get_by_role("table", name="Changes from the packaged row")
    ladder = diff.get_by_role("row").filter(has=desk.get_by_role("rowheader", name="ladder", exact=True))
    expect(ladder.locator("del")).to_have_text("0.5, 1, 2, 4, 5")
    expect(ladder.locator("ins")).to_have_text(MAKER_LADDER)
    desk.screenshot(path=str(artifacts / "catalogue-verify-3-diff.png"), full_page=True)
    desk.get_by_label("Checked against").fill("Gammagard Liquid PI, gammagard.com HCP dosing page and maker's calculator")
    desk.get_by_role("button", name="Verify revision 1").click()
    expect(desk.get_by_role("status")).to_have_text(f"Verified {date.today()} by Pia Lind, PharmD")
    expect(desk.get_by_role("article", name="Revision 2")).to_contain_text("Checked against: Gammagard Liquid PI")
    desk.screenshot(path=str(artifacts / "catalogue-verify-4-verified.png"), full_page=True)
    desk.get_by_role("link", name="← Back to the catalogue").click()
    row = desk.get_by_role("region", name=ROW)
    expect(row.get_by_text(f"verified {date.today()} by Pia Lind")).to_be_visible()
    expect(row.get_by_text("Revision 2 of this organization")).to_be_visible()
    row.scroll_into_view_if_needed()
    desk.screenshot(path=str(artifacts / "catalogue-verify-4b-catalogue-row.png"))


def test_a_row_the_pharmacist_verifies_reaches_the_tablet_as_verified(server_factory, launch, playwright, artifacts):
    server = server_factory()
    tablet = Tablet(launch(), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    visit_id = open_alma_reyes_visit(tablet)
    expect(tablet.tid("unverified-protocol")).to_contain_text("Unverified protocol")
    expect(tablet.tid("unverified-protocol")).to_contain_text("call the pharmacy if a step looks wrong")  # what to do
    expect(tablet.tid("protocol-verified")).to_have_count(0)
    tablet.screenshot(artifacts / "catalogue-verify-1-tablet-unverified.png")

    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        log_in(desk, server.base_url, "pharmacist")
        edit_to_the_makers_ladder(desk, artifacts)

        sync(tablet)  # edited, not yet verified: the new ladder, still the banner
        expect(tablet.tid("unverified-protocol")).to_be_visible()
        assert ladder_after_sync(tablet, visit_id, [0.5, 1, 2, 3, 4, 5]) == [0.5, 1, 2, 3, 4, 5]

        verify_with_the_diff_in_view(desk, artifacts)
    finally:
        browser.close()

    sync(tablet)
    expect(tablet.tid("unverified-protocol")).to_have_count(0, timeout=20_000)
    expect(tablet.tid("protocol-verified")).to_have_text(f"Protocol verified {date.today()}")
    assert tablet.fold(visit_id)["protocol"]["verified_on"] == date.today().isoformat()
    tablet.screenshot(artifacts / "catalogue-verify-5-tablet-verified.png")
    assert tablet.errors == []


def test_the_review_page_and_the_summary_name_an_unverified_protocol(server_factory, launch, artifacts):
    """Elena Sousa's visit followed Gamunex-C CIDP's packaged, unverified row; Farid Haddad's followed the
    order's own mL/h steps, which the pharmacist wrote, so it has no catalogue row to verify."""
    server = server_factory()
    page = launch().new_page()
    log_in(page, server.base_url, "pharmacist")
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("row").filter(has_text="MRN-1005").get_by_role("link").first.click()
    banner = page.get_by_role("status").filter(has_text="Unverified protocol")
    expect(banner).to_contain_text("Gamunex-C 10% (gamunex-c-10-cidp): its rate steps are not yet verified")
    # the row the visit was folded with: the catalogue as it stood when the visit began
    expect(page.get_by_text("gamunex-c-10-cidp, packaged row (unverified), as it stood when the visit began")).to_be_visible()
    page.screenshot(path=str(artifacts / "catalogue-verify-review-banner.png"))
    page.get_by_role("link", name="Physician summary").click()
    expect(page.get_by_role("status").filter(has_text="Unverified protocol")).to_be_visible()
    page.screenshot(path=str(artifacts / "catalogue-verify-summary-banner.png"))

    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("row").filter(has_text="MRN-1006").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Sign-off")).to_be_visible()
    expect(page.get_by_text("Unverified protocol")).to_have_count(0)


def test_a_row_raised_past_the_packaged_maximum_is_asked_and_a_tenfold_one_refused(server_factory, launch, artifacts):
    """A walk raised a row's maximum tenfold, marked it "organization", and every order followed it: the slip is
    refused outright, and a maximum past the packaged one is saved only once the pharmacist says it is meant."""
    server = server_factory()
    desk = launch().new_page()
    log_in(desk, server.base_url, "pharmacist")
    desk.get_by_role("link", name="Catalogue").click()
    desk.get_by_role("region", name="Privigen 10% · ITP").get_by_role("link", name="Edit").click()
    desk.get_by_label("Steps (mg/kg/min)").fill("0.5, 1, 2, 40")
    desk.get_by_label("Where each step comes from").fill("label, generated, generated, organization")
    desk.get_by_label("Reason for the change").fill("Our infusion committee's ITP protocol")
    desk.get_by_role("button", name="Save as a new revision").click()
    expect(desk.get_by_role("alert")).to_contain_text("is 10 times the packaged maximum 4; check the unit")
    expect(desk.get_by_label("This row going past the packaged row is meant")).to_have_count(0)  # a slip: no box
    desk.screenshot(path=str(artifacts / "catalogue-beyond-1-slip.png"), full_page=True)

    desk.get_by_label("Steps (mg/kg/min)").fill("0.5, 1, 2, 6")
    desk.get_by_role("button", name="Save as a new revision").click()
    expect(desk.get_by_role("alert")).to_contain_text("ends at 6 mg/kg/min, 1.5 times the label's maximum 4")
    meant = desk.get_by_label("This row going past the packaged row is meant")
    expect(meant).not_to_be_checked()
    desk.screenshot(path=str(artifacts / "catalogue-beyond-2-asked.png"), full_page=True)
    meant.check()
    desk.get_by_role("button", name="Save as a new revision").click()
    revision = desk.get_by_role("article", name="Revision 1")
    expect(revision).to_be_visible()
    expect(desk.get_by_role("status")).to_contain_text("Unverified protocol.")
    desk.screenshot(path=str(artifacts / "catalogue-beyond-3-saved.png"), full_page=True)
