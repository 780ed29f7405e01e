"""The pharmacist reads the payer's proof of a visit on its review, reached by clicking from the queue: each vial
by lot with what it gave and what was discarded, and the drug claim's JW/JZ line (PAYER.md s.2.1)."""

from __future__ import annotations

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
    proof = page.get_by_role("region", name="Payer proof: vials given and discarded")
    expect(proof).to_be_visible()
    vials = proof.get_by_test_id("vial-use").locator("tbody tr")
    expect(vials).not_to_have_count(0)
    # the demo's reaction visit: one 900 mL lot of Gamunex-C 10%, all of it given
    expect(vials.first).to_contain_text("Gamunex-C 10%")
    expect(vials.first).to_contain_text("GC2291B")
    expect(vials.first.get_by_role("cell").last).to_have_text("none")
    expect(proof.get_by_test_id("claim-lines")).to_have_text("Gamunex-C 10%: 90 g given, modifier JZ (nothing discarded)")
    proof.screenshot(path=str(artifacts / "payer-proof-on-the-review.png"))
