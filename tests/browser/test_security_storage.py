"""What a lost tablet gives away: nothing readable in any browser storage, and after an administrator
revokes it, nothing at all once it next reaches the server (DESIGN section 6)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.desk import Desk, revoke_tablet
from tests.browser.live_server import DEMO_PASSWORD
from tests.browser.tablet import Tablet
from tests.phi_sentinel import NOTE, Detector

pytestmark = pytest.mark.browser

FEVER_TEMP = "39.7"
VITALS = {"hr": 96, "sbp": 121, "dbp": 77, "temp_c": FEVER_TEMP}

OTHER_STORAGE = """async () => {
  const bodies = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const url = new URL(request.url).pathname;
      // A vendored library's licence names its authors (one shares a demo patient's family name).
      if (url.startsWith("/app/vendor/") && url.endsWith(".LICENSE.txt")) continue;
      const response = await cache.match(request);
      bodies.push({url, text: await response.clone().text()});
    }
  }
  const web = (s) => Object.fromEntries(Array.from({length: s.length}, (_, i) => [s.key(i), s.getItem(s.key(i))]));
  return {caches: bodies, local: web(localStorage), session: web(sessionStorage)};
}"""


def readable_phi(server_url: str) -> list[str]:
    """Every demo patient's identifying data, as the nurse's reference document carries it."""
    with Desk(server_url, "nurse") as desk:
        patients = desk.reference()["patients"]
    found = [NOTE, FEVER_TEMP]
    for patient in patients:
        found += [patient["given_name"], patient["family_name"], patient["mrn"]]
        found += [value for value in (patient.get("birth_date"), patient.get("allergies")) if value]
    return found


def leaks(tablet: Tablet, phi: list[str]) -> dict[str, list[str]]:
    """PHI found as whole words per storage; in stored data (not the cached app code) a payload
    field name such as temp_c would betray plaintext too."""
    stored = {"indexeddb": repr(tablet.dump_indexeddb()), **{k: repr(v) for k, v in tablet.page.evaluate(OTHER_STORAGE).items()}}
    found = {}
    for where, text in stored.items():
        detector = Detector()
        detector.add(*phi, *([] if where == "caches" else ["temp_c", "text"]))
        if hits := detector.scan(where, text):
            found[where] = sorted({hit.sentinel for hit in hits})
    return found


def record_offline_entries(tablet: Tablet) -> None:
    tablet.entry("note", {"text": f"{NOTE}: patient anxious about the next infusion"})
    tablet.entry("vitals", VITALS)


def test_notes_vitals_and_names_are_stored_in_no_readable_form_anywhere_in_the_browser(server_factory, launch):
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    phi = readable_phi(server.base_url)
    tablet = Tablet(launch(), server.base_url)
    tablet.first_login("nurse", DEMO_PASSWORD)
    tablet.open_visit(tablet.tid("visit-card").first.get_attribute("data-visit-id"))
    tablet.start_visit()

    server.stop()  # unsynced: the entries live only on the tablet
    record_offline_entries(tablet)
    assert len(tablet.pending_ids()) >= 2
    assert leaks(tablet, phi) == {}

    server.start()  # synced: the server's answers and the pulled entries are stored too
    tablet.tid("sync-now").click()
    expect(tablet.tid("sync-state")).to_contain_text("All synced", timeout=20_000)
    assert tablet.pending_ids() == []
    assert leaks(tablet, phi) == {}
    assert tablet.errors == []


def test_a_revoked_tablet_with_unsynced_entries_keeps_nothing_after_its_next_contact(server_factory, launch):
    server = server_factory(IVLOG_TABLET_LOCK_MIN="600")
    phi = readable_phi(server.base_url)
    tablet = Tablet(launch(), server.base_url)
    device_id = tablet.start_first_visit("nurse", DEMO_PASSWORD)
    revoke_tablet(server.base_url, device_id)
    tablet.context.set_offline(True)  # the tablet does not know yet: no contact until it is back online
    record_offline_entries(tablet)
    assert len(tablet.pending_ids()) == 2

    tablet.context.set_offline(False)  # its next contact (it syncs at once): told to wipe, it erases itself
    expect(tablet.tid("login-warning")).to_contain_text("revoked", timeout=20_000)

    dump = tablet.dump_indexeddb()
    assert {name: rows for name, rows in dump.items() if name != "meta"} == {"events": [], "outbox": [], "docs": []}
    assert dump["meta"] == [{"name": "device_id", "value": device_id}]  # its revoked id only: it stays revoked
    assert leaks(tablet, phi) == {}
    assert [p for p in phi if p in tablet.page.inner_text("body")] == []
    assert tablet.errors == []
