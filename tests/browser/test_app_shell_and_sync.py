"""The installable shell (manifest, icons, service worker, no API response ever cached), an entry the
server quarantines and its correction, and a storage failure that surfaces instead of hanging."""

from __future__ import annotations

import json
import re
import struct
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.desk import Desk
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet

pytestmark = pytest.mark.browser

PWA = Path(__file__).resolve().parents[2] / "pwa"
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html",
               ".webmanifest": "application/manifest+json", ".json": "application/json", ".svg": "image/svg+xml",
               ".txt": "text/plain"}  # pwa/vendor/: the reader's licence and provenance

CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}"""

FAIL_WRITES = """() => {
  const add = IDBObjectStore.prototype.add;
  window.__restoreWrites = () => { IDBObjectStore.prototype.add = add; };
  IDBObjectStore.prototype.add = function () { throw new DOMException("disk full", "QuotaExceededError"); };
}"""


def note_from_another_tablet(base_url: str, visit_id: str, text: str) -> None:
    """A note on the visit, pushed and accepted from a second tablet of the nurse's (it reaches hers by pull)."""
    with Desk(base_url, "nurse", device_id=str(uuid.uuid4())) as other:
        now = datetime.now(timezone.utc).isoformat()
        note = {"id": str(uuid.uuid4()), "visit_id": visit_id, "device_seq": 1, "kind": "note", "schema": 1,
                "occurred_at": now, "recorded_at": now, "payload": {"text": text}}
        assert other.push([note])["results"][0]["status"] == "accepted"


def png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", body[16:24])


def test_the_app_is_installable_and_caches_only_its_shell(server_factory, launch):
    server = server_factory()
    tablet = Tablet(launch(), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    page = tablet.page
    manifest_href = page.eval_on_selector("link[rel=manifest]", "el => el.href")
    manifest = page.request.get(manifest_href)
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    data = manifest.json()
    assert (data["start_url"], data["scope"], data["display"]) == ("/app/", "/", "standalone")
    sizes = {icon["sizes"]: icon["src"] for icon in data["icons"] if icon["type"] == "image/png"}
    for size in ("192x192", "512x512"):
        side = int(size.split("x")[0])
        assert png_size(page.request.get(server.base_url + sizes[size]).body()) == (side, side)
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.scriptURL)") == f"{server.base_url}/sw.js"
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    cached = page.evaluate(CACHED_URLS)
    assert "/app/index.html" in cached and "/app/rules.js" in cached
    assert [url for url in cached if url.startswith("/api/")] == []
    assert tablet.console_errors == []


def test_the_shell_is_served_minified_and_compressed_with_strong_etags(server_factory, launch):
    server = server_factory()
    page = launch().new_page()
    listed = json.loads(re.sub(r",\s*\]", "]", re.search(r"const SHELL = (\[[^\]]*\]);", (PWA / "sw.js").read_text()).group(1)))
    served = source = 0
    for url in [*listed, "/sw.js"]:
        path = PWA / url.removeprefix("/app/").removeprefix("/")
        response = page.request.get(server.base_url + url)
        assert response.status == 200, url
        assert response.headers["content-type"].startswith(MEDIA_TYPES[path.suffix]), url
        assert response.headers["cache-control"] == "no-cache", url
        etag = response.headers["etag"]
        assert re.fullmatch(r'"[0-9a-f]{32}(-gz)?"', etag), url  # strong, one per encoding
        if path.suffix in (".js", ".css", ".html") and path.stat().st_size > 2048:  # tiny files stay as they are
            assert response.headers.get("content-encoding") == "gzip", url
        again = page.request.get(server.base_url + url, headers={"If-None-Match": etag})
        assert again.status == 304 and again.headers["etag"] == etag, url
        if not url.startswith("/app/vendor/"):  # third-party code arrives minified already
            served += len(response.body())
            source += path.stat().st_size
        if path.suffix == ".js":
            assert b"// " not in response.body()[:200] and len(response.body()) <= path.stat().st_size, url
    assert served < 0.8 * source, (served, source)


def test_a_quarantined_entry_is_listed_with_the_reason_and_corrected_as_a_new_entry(server_factory, launch):
    server = server_factory()
    tablet = Tablet(launch(), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    visit_id = tablet.tid("visit-card").first.get_attribute("data-visit-id")
    tablet.open_visit(visit_id)
    tablet.start_visit()

    # An entry the server refuses (as an older app version might send): saved without the form's checks.
    bad = tablet.page.evaluate(
        "(id) => window.ivlogProbe.save({visitId: id, kind: 'vitals', payload: {temp_c: 53}}).then((e) => e.id)", visit_id)
    tablet.tid("sync-now").click()
    item = tablet.tid("quarantined-item")
    expect(item).to_be_visible(timeout=20_000)
    expect(item.get_by_test_id("quarantine-reason")).to_contain_text("53")
    assert tablet.pending_ids() == []
    # sent, not synced: kept aside is never "All synced" (a walk read it beside "2 need correction")
    expect(tablet.tid("sync-state")).to_have_text("1 kept aside: it needs correcting")
    expect(tablet.tid("visit-pending")).to_have_text("all sent")

    item.get_by_test_id("correct").click()
    expect(tablet.tid("field-temp_c")).to_have_value("53")
    tablet.tid("save-entry").click()
    expect(tablet.tid("error-temp_c")).to_contain_text("53")  # the tablet checks the range itself
    tablet.fill_form("vitals", {"temp_c": "38.1"})
    tablet.tid("sync-now").click()
    expect(tablet.tid("needs-correction")).to_have_count(0, timeout=20_000)
    expect(tablet.tid("visit-pending")).to_have_text("all synced")

    with Desk(server.base_url, "nurse") as desk:
        held = desk.visit(visit_id)["quarantined"]
        fixed = [e for e in desk.pulled() if e["kind"] == "vitals"]
    assert [q["event_id"] for q in held] == [bad]
    assert len(fixed) == 1 and held[0]["resolved_by"] == fixed[0]["id"]
    assert fixed[0]["payload"]["temp_c"] == 38.1

    # An entry from another tablet arrives by pull and joins the timeline.
    note_from_another_tablet(server.base_url, visit_id, "pump alarm checked by second nurse")
    tablet.tid("sync-now").click()
    expect(tablet.page.locator("[data-testid=timeline-entry][data-kind=note]")).to_contain_text("second nurse")

    # A failed write (a full disk) is shown at once and nothing is half-saved.
    tablet.page.evaluate(FAIL_WRITES)
    tablet.tid("action-note").click()
    tablet.fill("text", "patient resting")
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-errors")).to_contain_text("storage is full", timeout=5_000)
    expect(tablet.tid("form-note")).to_be_visible()
    assert tablet.pending_ids() == [] and len(tablet.dump_indexeddb()["events"]) == 4
    tablet.page.evaluate("window.__restoreWrites()")
    tablet.tid("save-entry").click()
    expect(tablet.tid("form-note")).to_be_hidden()
    expect(tablet.page.locator("[data-testid=timeline-entry][data-kind=note]")).to_have_count(2)
    assert tablet.errors == []


def test_a_sync_pull_leaves_the_buttons_under_the_nurses_finger_in_place(server_factory, launch):
    """A pull that changes nothing the actions offer keeps the very buttons on screen: redrawn, a button
    was swapped out between the nurse aiming and tapping, and her tap was lost."""
    server = server_factory()
    tablet = Tablet(launch(), server.base_url)
    tablet.start_first_visit("nurse", DEMO_PASSWORD)
    visit_id = tablet.page.locator("[data-testid=visit]").get_attribute("data-visit-id")
    aimed = tablet.tid("action-note").element_handle()

    note_from_another_tablet(server.base_url, visit_id, "family asked about the next visit")
    tablet.tid("sync-now").click()
    expect(tablet.page.locator("[data-testid=timeline-entry][data-kind=note]")).to_contain_text("next visit")

    assert aimed.evaluate("(button) => button.isConnected")
    aimed.click()
    expect(tablet.tid("form-note")).to_be_visible()
    assert tablet.errors == []
