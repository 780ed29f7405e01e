"""The pharmacist's and the physician's journey, walked by clicking: from the review queue to a signed-off
visit, then from the physician's inbox to the summary and its PDF."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.people import log_in, log_out

pytestmark = pytest.mark.browser


def test_pharmacist_signs_off_a_reaction_visit_and_the_physician_reads_it_from_the_inbox(
    server_factory, launch, artifacts, tmp_path
):
    server = server_factory()
    page = launch().new_page()

    log_in(page, server.base_url, "pharmacist")
    page.get_by_role("link", name="Review queue").click()
    first = page.locator("table.queue tbody tr").first
    expect(first).to_contain_text("reaction")  # ordered by risk: the febrile reaction first
    page.screenshot(path=str(artifacts / "journey-pharmacist-queue.png"), full_page=True)
    first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Sign-off")).to_be_visible()
    expect(page.get_by_test_id("risk-flags")).to_have_text("none")  # said where she reviews, flagged or not
    page.get_by_label("Kind").select_option("next_rate")
    page.get_by_label("Next infusion rate").fill("100")
    page.get_by_label("What and why").fill("Grade 2 reaction at the top step: hold at 100 mL/h next time.")
    page.get_by_role("button", name="Record intervention").click()
    page.get_by_label("Note for the physician").fill("Febrile reaction, handled at home; plan adjusted.")
    page.screenshot(path=str(artifacts / "journey-pharmacist-sign-off.png"), full_page=True)
    page.get_by_role("button", name="Sign review and release summary").click()
    # a visit with alerts is signed only once she says she reviewed them (a walk signed one in one click)
    expect(page.get_by_role("alert")).to_contain_text("Alerts reviewed: this visit has")
    page.get_by_label("I reviewed the", exact=False).check()
    page.screenshot(path=str(artifacts / "journey-pharmacist-sign-off-alerts-reviewed.png"))  # the box in view, no resize
    page.get_by_role("button", name="Sign review and release summary").click()
    expect(page.get_by_text(re.compile(r"^Reviewed by Pia Lind"))).to_be_visible()
    log_out(page)

    log_in(page, server.base_url, "physician")
    # what his patients are given now, as the pharmacy wrote it (a walk's physician could not see his orders)
    alma = page.locator("table tbody tr", has_text="MRN-1001").get_by_test_id("active-orders")
    expect(alma).to_contain_text("Gammagard Liquid 10% · PI, 0.4 g/kg × 70 kg = 28 g; rate: product label.")
    expect(alma).to_contain_text("Premedication: acetaminophen 650 mg PO 30 min before; diphenhydramine 25 mg PO 30 min before.")
    expect(alma).to_contain_text("Prescriber Dr. Phil Amari · revision 1, written")
    row = page.locator("table tbody tr", has_text="reaction, grade 2")
    expect(row).to_have_count(1)
    expect(page.get_by_text(re.compile(r"^\d+ unread$"))).to_be_visible()
    page.screenshot(path=str(artifacts / "journey-physician-inbox.png"), full_page=True)
    row.get_by_role("link", name="Summary").click()
    bottom = page.get_by_role("region", name="Bottom line")
    expect(bottom).to_contain_text("Reaction grade 2")
    expect(bottom).to_contain_text("Next infusion: 100 mL/h")
    # The demo's rates ran 907.2 mL from its one 900 mL lot: 90 g given, what the lot held, not a dose exceeded
    expect(bottom).to_contain_text("90 of 90 g given (100% of the order)")
    # each lot with what it gave (and any waste): the record behind the payer's claim line
    expect(page.get_by_text(re.compile(r"^lot GC2291B, exp\. [0-9-]+, 900 mL: 900 mL given$"))).to_be_visible()
    expect(bottom).to_contain_text("Rates ran 907.2 mL, more than the 900 mL opened")
    expect(bottom).not_to_contain_text("above the ordered")
    expect(page.get_by_text("(900 mL, all the product opened; the rates ran past it)")).to_be_visible()
    expect(page.get_by_text("identity confirmed by name, birth date")).to_be_visible()  # the right patient, for the payer
    page.screenshot(path=str(artifacts / "journey-physician-summary.png"), full_page=True)
    page.go_back()
    with page.expect_download() as download:
        page.locator("table tbody tr", has_text="reaction, grade 2").get_by_role("link", name="PDF").click()
    pdf = tmp_path / "summary.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    log_out(page)

    # the administrator's audit log says what the pharmacist's pushes stored (a walk read a sign-off as "visit.write ok")
    log_in(page, server.base_url, "admin")
    page.get_by_role("link", name="Audit log", exact=True).click()
    page.get_by_label("Action starts with").fill("sync.push")
    page.get_by_role("button", name="Filter").click()
    signed = page.locator("tbody tr").first
    expect(signed).to_contain_text("Pia Lind")
    expect(signed).to_contain_text("kinds=review.signed")
    expect(page.locator("tbody tr").nth(1)).to_contain_text("kinds=review.intervention")
    page.screenshot(path=str(artifacts / "journey-admin-audit-sign-off.png"), full_page=True)
