"""Issue 16.8 in Chromium: a pharmacist finds a visit with a backdated entry ranked with late entries
in the review queue, opens it, and sees the entry's row marked (and one dated before the visit)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.browser.desk import Desk
from tests.browser.live_server import DEMO_PASSWORD
from tests.clinical.script import BASELINE

pytestmark = pytest.mark.browser


def entry(visit_id: str, seq: int, kind: str, payload: dict, at: datetime) -> dict:
    return {"id": str(uuid.uuid4()), "visit_id": visit_id, "device_seq": seq, "kind": kind, "schema": 1,
            "occurred_at": at.isoformat(), "recorded_at": at.isoformat(), "payload": payload}


def test_pharmacist_sees_backdated_and_before_visit_entries_marked(server_factory, launch, artifacts):
    server = server_factory()
    with Desk(server.base_url, "nurse2", device_id=str(uuid.uuid4())) as ben:
        visit = next(v for v in ben.json("/api/visits")["visits"]  # a finished visit of yesterday, awaiting review
                     if v["status"] in ("completed", "signed"))
        began = datetime.fromisoformat(ben.visit(visit["id"])["state"]["time_in"].replace("Z", "+00:00"))
        now = datetime.now(timezone.utc)
        honest = entry(visit["id"], 1, "note", {"text": "called the patient back"}, now)
        forged = entry(visit["id"], 2, "vitals", dict(BASELINE, hr=88), began + timedelta(minutes=30))
        early = entry(visit["id"], 3, "vitals", dict(BASELINE, hr=91), began - timedelta(hours=2))
        early["recorded_at"] = now.isoformat()
        results = ben.push([honest, forged, early])["results"]
    assert [r["status"] for r in results] == ["accepted"] * 3, results

    page = launch().new_page()
    page.goto(f"{server.base_url}/login")
    page.get_by_label("Username").fill("pharmacist")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{server.base_url}/review")
    flagged = page.get_by_role("row").filter(has_text="backdated entries")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("entries before the visit began")
    page.screenshot(path=str(artifacts / "review-queue-backdated-1280x800.png"), full_page=True)

    flagged.get_by_role("link").click()
    expect(page.locator(f"#ev-{forged['id']}")).to_contain_text("recorded later than it says")
    expect(page.locator(f"#ev-{early['id']}")).to_contain_text("dated before the visit began")
    expect(page.locator(f"#ev-{honest['id']}")).not_to_contain_text("recorded later than it says")
    page.locator(f"#ev-{forged['id']}").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "review-visit-backdated-1280x800.png"))
