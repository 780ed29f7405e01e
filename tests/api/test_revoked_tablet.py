"""A revoked tablet loses nothing: its unsent entries are handed over and kept aside (issue 15.3).

The tablet's session that was live when the administrator revoked it may still surrender its outbox
(`POST /api/sync/surrender`); every new entry is kept in quarantine as "from a revoked tablet",
never accepted on the tablet's word, until a pharmacist accepts (the normal checks run again, as
its nurse) or rejects it (with a reason). Revocation itself takes a confirmation and a reason.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest

import sync.engine
from server.auth.sessions import COOKIE_NAME
from server.db.models import AuditEntry, Session
from sync.models import Device, Event, Quarantine
from tests.api.events import one_event, push_body

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
REASON = "Reported lost by the nurse"


async def post_form(client: httpx.AsyncClient, url: str, data: dict, *, page: str) -> httpx.Response:
    token = CSRF_INPUT.search((await client.get(page)).text).group(1)
    return await client.post(url, data={**data, "csrf_token": token})


async def revoke(admin: httpx.AsyncClient, device_id, reason: str = REASON) -> httpx.Response:
    page = f"/admin/devices/{device_id}/revoke"
    return await post_form(admin, page, {"reason": reason} if reason else {}, page=page)


async def surrender(client: httpx.AsyncClient, device_id, events: list[dict]) -> httpx.Response:
    return await client.post("/api/sync/surrender", json=push_body(device_id, events))


@pytest.fixture
async def admin(client_factory, admin_ada) -> httpx.AsyncClient:
    return await client_factory(admin_ada)


@pytest.fixture
async def pharmacist(client_factory, pharmacist_pia) -> httpx.AsyncClient:
    return await client_factory(pharmacist_pia)


@pytest.fixture
async def revoked_with_entries(tablet_ana, scheduled_visit, admin):
    """Ana's tablet synced one entry, was revoked, and holds two more it never sent."""
    synced = one_event(scheduled_visit.id, 1, "vitals", {"hr": 80})
    assert (await tablet_ana.push([synced])).json()["results"][0]["status"] == "accepted"
    assert (await revoke(admin, tablet_ana.device_id)).status_code == 303
    unsent = [one_event(scheduled_visit.id, 2, "vitals", {"hr": 84}), one_event(scheduled_visit.id, 3, "note", {"text": "ok"})]
    return synced, unsent


# --- the tablet hands its outbox over ---------------------------------------------------------------

async def test_a_revoked_tablets_push_is_refused_and_its_surrender_keeps_every_unsent_entry_aside(
    tablet_ana, revoked_with_entries
):
    synced, unsent = revoked_with_entries
    refused = await tablet_ana.push(unsent)
    assert (refused.status_code, refused.json()["code"]) == (403, "device_revoked")
    answer = await surrender(tablet_ana.client, tablet_ana.device_id, [synced, *unsent])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(r["status"], r["code"]) for r in body["results"]] == [
        ("duplicate", ""), ("quarantined", "revoked_device"), ("quarantined", "revoked_device")]
    assert body["device"]["revoked"] is True and body["device"]["revoked_reason"] == REASON
    assert body["device"]["kept_aside"] == 2
    assert body["device"]["revoked_text"] == (f"This tablet was revoked by an administrator. Reason: {REASON}. "
                                              "Its 2 unsent entries were kept for the pharmacist. Its local data has been erased.")
    assert body["device"]["acked_through"] == 3
    held = await Quarantine.filter(device_id=tablet_ana.device_id).order_by("device_seq")
    assert [(str(q.event_id), q.code, q.resolved_at) for q in held] == [(e["id"], "revoked_device", None) for e in unsent]
    assert not await Event.filter(id__in=[e["id"] for e in unsent]).exists()  # never accepted on the tablet's word
    assert await AuditEntry.filter(action="sync.surrender", object_id=str(tablet_ana.device_id)).exists()


async def test_a_surrender_sent_twice_keeps_each_entry_once(tablet_ana, revoked_with_entries):
    _, unsent = revoked_with_entries
    first = (await surrender(tablet_ana.client, tablet_ana.device_id, unsent)).json()["results"]
    again = (await surrender(tablet_ana.client, tablet_ana.device_id, unsent)).json()["results"]
    assert again == first
    assert await Quarantine.filter(device_id=tablet_ana.device_id).count() == 2


async def test_a_live_tablet_cannot_surrender(tablet_ana, scheduled_visit):
    answer = await surrender(tablet_ana.client, tablet_ana.device_id, [one_event(scheduled_visit.id, 1, "note", {"text": "x"})])
    assert answer.status_code == 401
    assert not await Quarantine.exists()


async def test_a_session_ended_by_logout_before_the_revocation_cannot_surrender(
    client_factory, tablet_ana, scheduled_visit, admin
):
    token = tablet_ana.client.cookies[COOKIE_NAME]
    assert (await tablet_ana.client.delete("/api/session")).status_code == 204
    await revoke(admin, tablet_ana.device_id)
    replay = await client_factory()
    replay.cookies.set(COOKIE_NAME, token)
    answer = await surrender(replay, tablet_ana.device_id, [one_event(scheduled_visit.id, 1, "note", {"text": "x"})])
    assert answer.status_code == 401
    assert not await Quarantine.exists()


async def test_a_session_past_its_absolute_lifetime_cannot_surrender(tablet_ana, revoked_with_entries):
    _, unsent = revoked_with_entries
    await Session.filter(device_id=tablet_ana.device_id).update(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    assert (await surrender(tablet_ana.client, tablet_ana.device_id, unsent)).status_code == 401


async def test_a_surrender_names_only_its_own_tablet(client_factory, nurse_ana, tablet_ana, revoked_with_entries):
    _, unsent = revoked_with_entries
    other = await client_factory(nurse_ana, device_id="6b1f3c9e-6f0e-4a43-9a55-1c9d3a1f0b27")
    answer = await surrender(tablet_ana.client, "6b1f3c9e-6f0e-4a43-9a55-1c9d3a1f0b27", unsent)
    assert (answer.status_code, answer.json()["code"]) == (403, "session_device_mismatch")
    assert (await surrender(other, tablet_ana.device_id, unsent)).status_code == 401  # a live tablet's session


async def test_what_one_revoked_tablet_may_hand_over_is_bounded(monkeypatch, tablet_ana, revoked_with_entries):
    _, unsent = revoked_with_entries
    monkeypatch.setattr(sync.engine, "MAX_SURRENDERED", 1)
    answer = await surrender(tablet_ana.client, tablet_ana.device_id, unsent)
    assert (answer.status_code, answer.json()["code"]) == (413, "batch_too_large")
    assert not await Quarantine.exists()


# --- revocation asks for a confirmation and a reason --------------------------------------------------

async def test_revoking_shows_a_confirmation_naming_the_tablet_and_its_nurse_and_requires_a_reason(
    admin, admin_ada, tablet_ana
):
    listing = (await admin.get("/admin/devices")).text
    assert f'href="/admin/devices/{tablet_ana.device_id}/revoke"' in listing
    confirm = await admin.get(f"/admin/devices/{tablet_ana.device_id}/revoke")
    assert confirm.status_code == 200
    code = str(tablet_ana.device_id).replace("-", "")[:4].upper()  # the code on the tablet's top bar
    assert f"Revoke tablet {code} of Nurse Ana?" in confirm.text and "kept aside for the pharmacist" in confirm.text
    missing = await revoke(admin, tablet_ana.device_id, reason="")
    assert missing.status_code == 422 and "reason" in missing.text
    assert (await Device.get(id=tablet_ana.device_id)).revoked_at is None
    assert (await revoke(admin, tablet_ana.device_id)).status_code == 303
    device = await Device.get(id=tablet_ana.device_id)
    assert device.revoked_at is not None and device.revoked_reason == REASON
    entry = await AuditEntry.filter(action="device.revoke", object_id=str(device.id), user_id=admin_ada.id).first()
    assert entry.detail["reason"] == REASON


# --- the pharmacist decides on each entry kept aside ------------------------------------------------

@pytest.fixture
async def handed_over(tablet_ana, revoked_with_entries) -> list[Quarantine]:
    _, unsent = revoked_with_entries
    assert (await surrender(tablet_ana.client, tablet_ana.device_id, unsent)).status_code == 200
    return await Quarantine.filter(device_id=tablet_ana.device_id).order_by("device_seq")


async def decide(pharmacist: httpx.AsyncClient, held: Quarantine, action: str, data: dict | None = None) -> httpx.Response:
    return await post_form(pharmacist, f"/quarantine/{held.id}/{action}", data or {}, page="/quarantine")


async def test_a_pharmacist_accepts_a_held_entry_into_the_visit_as_its_nurse_pushed_it(
    pharmacist, pharmacist_pia, nurse_ana, tablet_ana, handed_over, scheduled_visit
):
    vitals = handed_over[0]
    page = (await pharmacist.get("/quarantine")).text
    assert "from a revoked tablet" in page and f"/quarantine/{vitals.id}/accept" in page
    assert (await decide(pharmacist, vitals, "accept")).status_code == 303
    event = await Event.get(id=vitals.event_id)
    assert (event.author_id, event.device_id, event.device_seq, event.visit_id) == (
        nurse_ana.id, tablet_ana.device_id, 2, scheduled_visit.id)
    assert event.payload == {"hr": 84} and event.flags == ["accepted_by_reviewer"]
    row = await Quarantine.get(id=vitals.id)
    assert (row.decision, row.decided_by, row.resolved_by) == ("accepted", pharmacist_pia.id, vitals.event_id)
    audit = await AuditEntry.filter(action="quarantine.accept", user_id=pharmacist_pia.id).first()
    assert audit.detail["event_id"] == str(vitals.event_id) and audit.detail["server_seq"] == event.server_seq
    pulled = (await tablet_ana.client.get("/api/sync/pull")).status_code
    assert pulled == 403  # the revoked tablet reads nothing; the visit's own readers do
    assert (await decide(pharmacist, vitals, "accept")).status_code == 409  # decided once


async def test_accepting_runs_the_normal_checks_again(pharmacist, tablet_ana, admin, scheduled_visit, client_factory, nurse_ana):
    """An entry that fails the clinical checks stays aside, undecided, with the reason shown."""
    bad = one_event(scheduled_visit.id, 1, "vitals", {"temp_c": 53})
    await revoke(admin, tablet_ana.device_id)
    await surrender(tablet_ana.client, tablet_ana.device_id, [bad])
    held = await Quarantine.get(event_id=bad["id"])
    answer = await decide(pharmacist, held, "accept")
    assert answer.status_code == 422 and "still fails the checks" in answer.text
    assert (await Quarantine.get(id=held.id)).decision == ""
    assert not await Event.filter(id=bad["id"]).exists()


async def test_accepting_checks_the_original_author_may_still_write_the_visit(
    pharmacist, handed_over, nurse_ana
):
    from server.db.models import Assignment

    await Assignment.filter(nurse=nurse_ana).delete()
    answer = await decide(pharmacist, handed_over[0], "accept")
    assert answer.status_code == 422 and "check your assignment" in answer.text
    assert not await Event.filter(id=handed_over[0].event_id).exists()


async def test_a_pharmacist_rejects_a_held_entry_with_a_reason_and_nothing_is_deleted(
    pharmacist, pharmacist_pia, handed_over
):
    note = handed_over[1]
    missing = await decide(pharmacist, note, "reject")
    assert missing.status_code == 422 and (await Quarantine.get(id=note.id)).decision == ""
    assert (await decide(pharmacist, note, "reject", {"reason": "Not written by Ana"})).status_code == 303
    row = await Quarantine.get(id=note.id)
    assert (row.decision, row.decided_by, row.decision_note, row.resolved_by) == (
        "rejected", pharmacist_pia.id, "Not written by Ana", None)
    assert not await Event.filter(id=note.event_id).exists()
    assert await AuditEntry.filter(action="quarantine.reject", user_id=pharmacist_pia.id).exists()
    assert str(note.event_id) not in (await pharmacist.get("/quarantine")).text
    assert "rejected by Pharmacist Pia: Not written by Ana" in (await pharmacist.get("/quarantine?show=all")).text


@pytest.mark.parametrize("role", ["nurse", "admin", "other_pharmacist"])
async def test_only_a_pharmacist_of_the_organization_decides_on_a_held_entry(
    role, client_factory, nurse_ana, admin_ada, pharmacist_oz, handed_over, settings
):
    from tests.security.forms import with_token

    client = await client_factory({"nurse": nurse_ana, "admin": admin_ada, "other_pharmacist": pharmacist_oz}[role])
    for action, data in (("accept", {}), ("reject", {"reason": "no"})):
        answer = await client.post(f"/quarantine/{handed_over[0].id}/{action}", data=with_token(client, settings, data))
        assert answer.status_code in (403, 404), (action, answer.status_code)
    assert (await Quarantine.get(id=handed_over[0].id)).decision == ""


# --- the pharmacist's navigation --------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/pharmacy", "/review", "/quarantine", "/pharmacy/payer-proof"])
async def test_every_pharmacist_page_links_patients_review_queue_kept_aside_with_its_count_and_the_catalogue(
    path, pharmacist, handed_over
):
    page = (await pharmacist.get(path)).text
    nav = page[page.index('<nav class="topnav">'):page.index("</nav>")]
    assert re.findall(r'href="([^"]+)"[^>]*>([^<]+)<', nav) == [
        ("/pharmacy", "Patients"), ("/review", "Review queue"), ("/quarantine", "Kept aside (2)"),
        ("/pharmacy/catalogue", "Catalogue"), ("/pharmacy/payer-proof", "Payer proof")]
    assert nav.count('aria-current="page"') == 1


# --- a login on the revoked tablet ----------------------------------------------------------------------

async def login_on(client: httpx.AsyncClient, username: str, device_id) -> httpx.Response:
    from tests.conftest import PASSWORD

    return await client.post("/api/session", json={"username": username, "password": PASSWORD,
                                                    "device_id": str(device_id), "device_label": "again"})


async def test_its_own_nurse_logging_in_on_the_revoked_tablet_may_still_hand_over_its_entries(
    client_factory, tablet_ana, revoked_with_entries
):
    """Her session expired (or she forgot the PIN): the login is refused, but what it opens hands over."""
    _, unsent = revoked_with_entries
    await Session.filter(device_id=tablet_ana.device_id).update(expires_at=datetime.now(timezone.utc))
    fresh = await client_factory()
    refused = await login_on(fresh, "nurse_ana", tablet_ana.device_id)
    assert (refused.status_code, refused.json()["code"]) == (403, "device_revoked")
    assert (await fresh.get("/api/device-key")).json()["code"] == "device_revoked"  # no key to open the store
    answer = await surrender(fresh, tablet_ana.device_id, unsent)
    assert answer.status_code == 200 and {r["code"] for r in answer.json()["results"]} == {"revoked_device"}


async def test_another_user_logging_in_on_the_revoked_tablet_gets_nothing(client_factory, nurse_ben, tablet_ana,
                                                                           revoked_with_entries):
    _, unsent = revoked_with_entries
    fresh = await client_factory()
    refused = await login_on(fresh, "nurse_ben", tablet_ana.device_id)
    assert refused.status_code == 403 and COOKIE_NAME not in fresh.cookies
    assert (await surrender(fresh, tablet_ana.device_id, unsent)).status_code == 401


# --- a revoked device id stays revoked --------------------------------------------------------------

async def test_a_revoked_tablet_registers_again_only_after_an_administrator_allows_it(
    client_factory, admin, admin_ada, tablet_ana, revoked_with_entries
):
    again = await login_on(await client_factory(), "nurse_ana", tablet_ana.device_id)
    assert (again.status_code, again.json()["code"]) == (403, "device_revoked")
    assert "administrator allows it" in again.json()["detail"]
    listing = (await admin.get("/admin/devices")).text
    assert f"/admin/devices/{tablet_ana.device_id}/reregistration" in listing
    allowed = await post_form(admin, f"/admin/devices/{tablet_ana.device_id}/reregistration", {}, page="/admin/devices")
    assert allowed.status_code == 303
    assert await AuditEntry.filter(action="device.allow_reregistration", user_id=admin_ada.id,
                                   object_id=str(tablet_ana.device_id)).exists()
    told = await login_on(await client_factory(), "nurse_ana", tablet_ana.device_id)
    assert (told.status_code, told.json()["code"]) == (403, "device_replaced")  # take a new id, never this one
    device = await Device.get(id=tablet_ana.device_id)
    assert device.revoked_at is not None  # the id itself stays revoked
    fresh = await login_on(await client_factory(), "nurse_ana", "9d7c1f0e-2b8a-4c3d-8e5f-6a7b8c9d0e1f")
    assert fresh.status_code == 200
