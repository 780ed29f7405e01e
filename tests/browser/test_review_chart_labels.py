"""The pharmacist reads the review page's charts: every label is drawn at 12 px or more on a desk screen
(they once rendered at 6.9 px, the panels scaled down into two narrow columns)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.browser.desk import Desk
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


OVERPRINTED_LABELS = """() => [...document.querySelectorAll('svg.chart')].flatMap((svg) => {
    const boxes = [...svg.querySelectorAll(':scope > text')].map((t) => [t.textContent, t.getBBox()]);
    const cross = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    return boxes.flatMap(([one, a], i) => boxes.slice(i + 1).filter(([, b]) => cross(a, b)).map(([two]) => `${one} / ${two}`));
})"""


LABELS_CUT_OFF = """() => [...document.querySelectorAll('svg.chart > text')].filter((t) => {
    const box = t.getBBox(), view = t.ownerSVGElement.viewBox.baseVal;
    return box.x < 0 || box.y < 0 || box.x + box.width > view.width || box.y + box.height > view.height;
}).map((t) => t.textContent)"""


def test_no_chart_label_overprints_another_on_any_visit_in_the_review_queue(server_factory, launch, artifacts):
    """A reaction's marker near the end of a visit was drawn over the rate limit's label in the PDF."""
    server = server_factory()
    page = launch(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "pharmacist")
    page.get_by_role("link", name="Review queue").click()
    links = page.locator("table.queue tbody a[href^='/review/visits/']")
    expect(links.first).to_be_visible()
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    charted = 0
    for href in hrefs:
        page.goto(server.base_url + href)
        charted += page.locator("svg.chart").count() > 0
        assert page.evaluate(OVERPRINTED_LABELS) == [], href
        assert page.evaluate(LABELS_CUT_OFF) == [], href
    assert charted >= 2


def test_two_reactions_at_the_end_of_a_visit_are_labelled_clear_of_each_other_and_of_the_limit(
        server_factory, launch, artifacts):
    server = server_factory()
    with Desk(server.base_url, "nurse2", device_id=str(uuid.uuid4())) as ben:
        visit = next(v for v in ben.json("/api/visits")["visits"] if v["status"] in ("completed", "signed"))
        state = ben.visit(visit["id"])["state"]
        ended = datetime.fromisoformat(state["time_out"].replace("Z", "+00:00"))
        reactions = [{"id": str(uuid.uuid4()), "visit_id": visit["id"], "device_seq": seq, "kind": "reaction.observed",
                      "schema": 1, "occurred_at": (ended - timedelta(minutes=minutes)).isoformat(),
                      "recorded_at": datetime.now(timezone.utc).isoformat(),
                      "payload": {"symptoms": ["chills"], "grade": 1, "actions": ["slowed"], "outcome": "resolved",
                                  "notified": []}} for seq, minutes in ((1, 3), (2, 1))]
        assert [r["status"] for r in ben.push(reactions)["results"]] == ["accepted"] * 2
    page = launch(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.base_url, "pharmacist")
    page.goto(f"{server.base_url}/review/visits/{visit['id']}")
    rate = page.get_by_role("img", name="Infusion rate (mL/h)")
    expect(rate.locator("text", has_text="R1")).to_have_count(2)
    expect(rate.locator("text", has_text="limit")).to_have_count(1)
    assert page.evaluate(OVERPRINTED_LABELS) == []
    assert page.evaluate(LABELS_CUT_OFF) == []
    rate.screenshot(path=str(artifacts / "review-chart-reactions-at-the-end.png"))
