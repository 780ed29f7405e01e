"""The tablet's top bar is one row on a 1,024 px landscape tablet, with entries waiting to sync: the nurse's name
gives way before the sync state or a button wraps (a walk's bar took two rows and pushed the visit down)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width, height", [(1024, 768), (1280, 800)])
def test_the_top_bar_is_one_row_on_a_landscape_tablet_with_entries_waiting(server_factory, launch, artifacts,
                                                                          width, height):
    server = server_factory()
    tablet = Tablet(launch(viewport={"width": width, "height": height}), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    tablet.open_visit(tablet.tid("visit-card").first.get_attribute("data-visit-id"))
    tablet.context.set_offline(True)
    tablet.start_visit()
    expect(tablet.tid("sync-state")).to_contain_text("to sync · oldest")
    tops = {name: tablet.tid(name).bounding_box() for name in ("home", "sync-state", "sync-now", "lock", "logout")}
    rows = {round(box["y"] + box["height"] / 2) for box in tops.values()}
    assert max(rows) - min(rows) <= 4, tops  # every item centred on one row
    if width >= 1280:  # with room, her name and the tablet's code are whole, not cut
        assert tablet.page.locator(".topbar .user").evaluate("e => e.scrollWidth <= e.clientWidth")
    tablet.screenshot(artifacts / f"top-bar-one-row-{width}x{height}.png", width=width, height=height)
    assert tablet.errors == []
