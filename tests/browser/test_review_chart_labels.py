"""The pharmacist reads the review page's charts: every label is drawn at 12 px or more on a desk screen
(they once rendered at 6.9 px, the panels scaled down into two narrow columns)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.people import log_in

pytestmark = pytest.mark.browser

SMALLEST_LABEL_PX = """() => Math.min(...[...document.querySelectorAll('svg.chart')].flatMap((svg) => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('text')].map((t) => parseFloat(t.getAttribute('font-size')) * scale);
}))"""


def test_every_chart_label_on_the_review_page_is_at_least_12_px(server_factory, launch, artifacts):
    server = server_factory()
    page = launch(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "pharmacist")
    page.get_by_role("link", name="Review queue").click()
    page.locator("table.queue tbody tr").first.get_by_role("link").first.click()
    expect(page.locator("svg.chart").first).to_be_visible()

    assert page.locator("svg.chart").count() >= 3  # the rate chart and the vital-sign panels
    assert page.evaluate(SMALLEST_LABEL_PX) >= 12
    page.screenshot(path=str(artifacts / "review-charts-1280.png"), full_page=True)
