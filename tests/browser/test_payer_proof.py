"""The pharmacist reads the payer's proof of a visit on its review, reached by clicking from the queue: each vial
by lot with what it gave and what was discarded, and the drug claim's JW/JZ line (PAYER.md s.2.1)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.people import log_in

pytestmark = pytest.mark.browser


def test_the_review_shows_each_vial_given_and_discarded_and_the_claims_modifier(server_factory, launch, artifacts):
    server = server_factory()
    page = launch().new_page()
    log_in(page, server.base_url, "pharmacist")
    page.get_by_role("link", name="Review queue").click()
    page.locator("table.queue tbody tr").first.get_by_role("link").first.click()
    proof = page.get_by_role("region", name="Payer proof: vials and bags given and discarded")
    expect(proof).to_be_visible()
    vials = proof.get_by_test_id("vial-use").locator("tbody tr")
    expect(vials).not_to_have_count(0)
    # the demo's reaction visit: one 900 mL lot of Gamunex-C 10%, all of it given
    expect(vials.first).to_contain_text("Gamunex-C 10%")
    expect(vials.first).to_contain_text("GC2291B")
    expect(vials.first.get_by_role("cell").last).to_have_text("none")
    # its rates ran 907.2 mL past the 900 mL opened: the line says how the amount was found, and to check
    expect(proof.get_by_test_id("claim-lines")).to_have_text(
        "Gamunex-C 10%: 90 g given, modifier JZ (nothing discarded) (all the product opened; the rates ran past it)")
    expect(proof.get_by_text("Check the alerts above before claiming")).to_be_visible()
    proof.screenshot(path=str(artifacts / "payer-proof-on-the-review.png"))


def test_the_pharmacist_signs_off_then_finds_the_visit_in_the_payer_proof_and_downloads_its_csv(
        server_factory, launch, artifacts):
    server = server_factory()
    page = launch(accept_downloads=True).new_page()
    log_in(page, server.base_url, "pharmacist")
    page.get_by_role("link", name="Review queue").click()
    page.locator("table.queue tbody tr").first.get_by_role("link").first.click()
    patient = page.get_by_role("heading", level=1).inner_text().split("\n")[0]
    page.get_by_label("I reviewed the", exact=False).check()
    page.get_by_role("button", name="Sign review and release summary").click()
    expect(page.get_by_text(re.compile(r"^Reviewed by Pia Lind"))).to_be_visible()

    page.get_by_role("link", name="Payer proof").click()  # opens on the last week
    visits = page.get_by_test_id("payer-proof-visits").locator("tbody tr")
    expect(visits).to_have_count(1)  # the demo's other signed-off visit is three weeks old
    expect(visits.first).to_contain_text("GC2291B: 900 / 0 mL")
    expect(visits.first).to_contain_text("90 g JZ")
    # the demo's other visit of yesterday waits for review: not in the file, and said so
    expect(page.get_by_test_id("not-signed-off")).to_have_text(
        "1 more visit in these days is not signed off yet and not here: see the Review queue.")
    page.screenshot(path=str(artifacts / "payer-proof-export-page.png"), full_page=True)
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(waiting.value.path()).read_text())))
    assert [(row["row"], row["lot"], row["claim_g"], row["modifier"], row["place_of_service"]) for row in rows] == [
        ("vial", "GC2291B", "", "", "12"), ("claim", "", "90", "JZ", "12")]
    assert patient.startswith(rows[0]["patient"].split(" ")[0])

    page.get_by_label("From").fill("2026-01-01")  # more than 31 days: refused, naming the field and why
    page.get_by_label("To").fill("2026-03-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("at most 31 days per export")).to_be_visible()


def test_the_biller_lands_on_the_payer_proof_finds_last_months_visit_and_opens_its_summary(
        server_factory, launch, artifacts):
    """The demo's biller: her only page is the payer proof; the demo's signed-off visit is three weeks old."""
    server = server_factory()
    page = launch(accept_downloads=True).new_page()
    log_in(page, server.base_url, "biller")
    expect(page.get_by_role("heading", name="Payer proof", level=1)).to_be_visible()
    expect(page.locator("nav.topnav a")).to_have_text(["Payer proof"])  # no queue, patients or catalogue
    page.get_by_label("From").fill((date.today() - timedelta(days=30)).isoformat())
    page.get_by_label("To").fill(date.today().isoformat())
    page.get_by_role("button", name="Show").click()
    visits = page.get_by_test_id("payer-proof-visits").locator("tbody tr")
    expect(visits).to_have_count(1)
    expect(page.get_by_test_id("not-signed-off")).to_contain_text("the pharmacist's review comes first")
    page.screenshot(path=str(artifacts / "payer-proof-biller.png"), full_page=True)
    # each one-word header on one line (a walk read "Clai" above "m": the page lets a long word break anywhere),
    # in a narrow window too
    page.set_viewport_size({"width": 640, "height": 900})
    split = page.get_by_test_id("payer-proof-visits").locator("th").evaluate_all(
        "ths => ths.filter((th) => /^[A-Za-z]+$/.test(th.textContent.trim())).filter((th) => {"
        " const range = document.createRange(); range.selectNodeContents(th); return range.getClientRects().length > 1; })"
        ".map((th) => th.textContent)")
    assert split == []
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(waiting.value.path()).read_text())))
    assert {row["row"] for row in rows} == {"vial", "claim"} and len({row["visit_id"] for row in rows}) == 1
    visits.first.get_by_role("link").first.click()  # the patient's name: the signed summary, the claim's record
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    page.screenshot(path=str(artifacts / "payer-proof-biller-summary.png"))
    page.get_by_role("link", name="Payer proof").click()
    expect(page.get_by_role("heading", name="Payer proof", level=1)).to_be_visible()
