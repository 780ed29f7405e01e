"""No id that binds to a user can be guessed or claimed by another user (issue 16 item 3).

A pharmacist's desk device id was a uuid5 of a constant and her user id: a nurse pushed with the
ids of present and future users, bound them to herself, and every later intervention or sign-off
of those pharmacists answered 500 device_refused. Desk ids are now random and bound at birth;
every way of binding a device (tablet login, a push from a desk or a tablet session) refuses a
device bound to someone else with a 403 and an audit entry, never a 500."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone

import pytest

from server.db.models import AuditEntry, Visit
from server.services import desk_events
from sync.models import Device, Event
from tests.api.events import one_event, push_body
from tests.conftest import PASSWORD
from tests.review import scripts
from tests.review.conftest import projected, push_visit, tablet_for  # noqa: F401 (fixtures, shared)
from tests.security.forms import with_token

OLD_DESK_NAMESPACE = uuid.UUID("4f6b2a52-1d0e-5b1c-9a57-6b1e2d0c7a11")  # the retired scheme


def old_desk_id(user_id: int) -> uuid.UUID:
    return uuid.uuid5(OLD_DESK_NAMESPACE, f"desk-user:{user_id}")


@pytest.fixture
async def visit(push_visit, nurse_ana, patient_pat) -> Visit:
    """A visit the nurse has ended: ready for the pharmacist's review."""
    return await push_visit(nurse_ana, patient_pat, scripts.tolerated())


async def intervene(client, settings, visit: Visit):
    fields = {"kind": "other", "text": "Checked the plan."}
    return await client.post(f"/review/visits/{visit.id}/interventions", data=with_token(client, settings, fields))


async def test_a_nurse_pushing_with_every_desk_id_the_old_scheme_gave_cannot_block_a_pharmacists_review(
    client_factory, nurse_ana, pharmacist_pia, visit, settings
):
    nurse = await client_factory(nurse_ana)
    for user_id in range(1, pharmacist_pia.id + 20):  # present and future users
        squat = await nurse.post("/api/sync/push", json=push_body(old_desk_id(user_id), []))
        assert squat.status_code in (200, 403), squat.text
    desk = await client_factory(pharmacist_pia)
    done = await intervene(desk, settings, visit)
    assert done.status_code == 303, done.text
    stored = await Event.get(visit_id=visit.id, kind="review.intervention")
    assert (await Device.get(id=stored.device_id)).user_id == pharmacist_pia.id


async def test_a_desk_device_id_is_random_and_bound_to_its_user_before_anything_is_sent_from_it(
    pharmacist_pia, admin_ada
):
    ids = [await desk_events.desk_device_id(user) for user in (pharmacist_pia, admin_ada)]
    assert all(device_id.version == 4 for device_id in ids) and ids[0] != ids[1]
    assert ids[0] not in {old_desk_id(pharmacist_pia.id), old_desk_id(admin_ada.id)}
    assert [(await Device.get(id=device_id)).user_id for device_id in ids] == [pharmacist_pia.id, admin_ada.id]
    assert await desk_events.desk_device_id(pharmacist_pia) == ids[0]  # the same device every time


@pytest.fixture
async def owned_devices(client_factory, nurse_ben, pharmacist_pia) -> dict[str, uuid.UUID]:
    """A device of each kind, bound to someone other than nurse_ana."""
    tablet = uuid.uuid4()
    await client_factory(nurse_ben, device_id=str(tablet))
    return {"nurse_ben's tablet": tablet, "the pharmacist's desk": await desk_events.desk_device_id(pharmacist_pia)}


async def claim_by_login(client_factory, device_id: uuid.UUID):
    client = await client_factory()
    return await client.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD,
                                                   "device_id": str(device_id)})


async def claim_by_desk_push(client_factory, device_id: uuid.UUID, nurse_ana, visit):
    client = await client_factory(nurse_ana)
    return await client.post("/api/sync/push", json=push_body(device_id, [one_event(visit.id, 1, "note", {"text": "x"})]))


async def claim_by_tablet_push(client_factory, device_id: uuid.UUID, nurse_ana, visit):
    client = await client_factory(nurse_ana, device_id=str(uuid.uuid4()))  # her own tablet's session
    return await client.post("/api/sync/push", json=push_body(device_id, [one_event(visit.id, 1, "note", {"text": "x"})]))


@pytest.mark.parametrize("owner", ["nurse_ben's tablet", "the pharmacist's desk"])
@pytest.mark.parametrize("path", ["tablet login", "push from a desk session", "push from a tablet session"])
async def test_a_device_bound_to_one_user_is_refused_and_audited_for_anyone_else_on_every_binding_path(
    client_factory, nurse_ana, visit, owned_devices, owner, path
):
    device_id = owned_devices[owner]
    owner_before = (await Device.get(id=device_id)).user_id
    if path == "tablet login":
        answer = await claim_by_login(client_factory, device_id)
    elif path == "push from a desk session":
        answer = await claim_by_desk_push(client_factory, device_id, nurse_ana, visit)
    else:
        answer = await claim_by_tablet_push(client_factory, device_id, nurse_ana, visit)
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] in ("device_refused", "session_device_mismatch")
    assert (await Device.get(id=device_id)).user_id == owner_before
    assert not await Event.filter(device_id=device_id, author_id=nurse_ana.id).exists()
    refusals = await AuditEntry.filter(user_id=nurse_ana.id, outcome="denied", action__contains="device")
    assert any(str(device_id) in (entry.object_id + str(entry.detail)) for entry in refusals), refusals


async def test_a_desk_action_from_a_revoked_desk_device_answers_a_clear_refusal_not_a_500(
    client_factory, pharmacist_pia, admin_ada, visit, settings
):
    desk_id = await desk_events.desk_device_id(pharmacist_pia)
    admin = await client_factory(admin_ada)
    revoked = await admin.post(f"/admin/devices/{desk_id}/revoke", data=with_token(admin, settings, {"reason": "desk replaced"}))
    assert revoked.status_code == 303, revoked.text
    desk = await client_factory(pharmacist_pia)
    refused = await intervene(desk, settings, visit)
    assert refused.status_code == 403, refused.text
    assert "revoked" in refused.text and "administrator" in refused.text
    assert not await Event.filter(visit_id=visit.id, kind__startswith="review.").exists()


async def test_a_revoked_desk_the_admin_allows_again_is_replaced_and_the_pharmacist_reviews_again(
    client_factory, pharmacist_pia, admin_ada, visit, settings
):
    """Before, the pharmacist's desk stayed refused for good: her desk device was looked up by user, and the
    revoked one came back. Now an allowed desk is replaced by a new random id; the revoked id stays revoked."""
    old = await desk_events.desk_device_id(pharmacist_pia)
    admin = await client_factory(admin_ada)
    await admin.post(f"/admin/devices/{old}/revoke", data=with_token(admin, settings, {"reason": "desk replaced"}))
    desk = await client_factory(pharmacist_pia)
    assert (await intervene(desk, settings, visit)).status_code == 403
    allowed = await admin.post(f"/admin/devices/{old}/reregistration", data=with_token(admin, settings, {}))
    assert allowed.status_code == 303 and allowed.headers["location"].endswith("done=desk-allowed")

    recorded = await intervene(desk, settings, visit)
    assert recorded.status_code == 303, recorded.text
    new = await desk_events.desk_device_id(pharmacist_pia)
    assert new != old
    [event] = await Event.filter(visit_id=visit.id, kind="review.intervention")
    assert (event.device_id, event.device_seq) == (new, 1)
    replaced = await Device.get(id=old)
    assert replaced.revoked_at is not None and replaced.label == f"{desk_events.DESK_LABEL}, replaced"
    [audited] = await AuditEntry.filter(action="device.desk_replaced")
    assert (audited.user_id, audited.object_id, audited.detail) == (pharmacist_pia.id, str(new), {"replaced": str(old)})
    page = (await admin.get("/admin/devices")).text
    assert page.count("<strong>Review desk</strong>") == 1 and f"{desk_events.DESK_LABEL}, replaced" in page


async def test_two_nurses_logging_in_on_the_same_new_tablet_at_once_bind_it_to_one_and_refuse_the_other(
    client_factory, nurse_ana, nurse_ben
):
    device_id = str(uuid.uuid4())
    clients = [await client_factory(), await client_factory()]
    answers = await asyncio.gather(*(
        client.post("/api/session", json={"username": name, "password": PASSWORD, "device_id": device_id})
        for client, name in zip(clients, ("nurse_ana", "nurse_ben"))))
    assert sorted(answer.status_code for answer in answers) == [200, 403], [a.text for a in answers]
    owner = (await Device.get(id=device_id)).user_id
    winner = nurse_ana if answers[0].status_code == 200 else nurse_ben
    assert owner == winner.id


async def _old_schema_rows() -> tuple[int, int, int]:
    """An organization, pharmacists Pia and Pete, nurse Nina, Pia's old-scheme desk device (3 entries) and
    Pete's old-scheme id squatted by Nina: the user ids."""
    from tortoise import connections

    connection = connections.get("default")
    postgres = connection.capabilities.dialect == "postgres"

    async def insert(table: str, row: dict) -> int | None:
        marks = ", ".join(f"${i}" if postgres else "?" for i in range(1, len(row) + 1))
        sql = f'INSERT INTO "{table}" ({", ".join(row)}) VALUES ({marks})'
        if table == "device":
            await connection.execute_query(sql, list(row.values()))
            return None
        found = await connection.execute_query_dict(sql + " RETURNING id", list(row.values()))
        return found[0]["id"]

    now = datetime.now(timezone.utc)
    org = await insert("organization", {"name": "Upgraded", "created_at": now})
    users = [await insert("user", {"organization_id": org, "username": name, "display_name": name, "role": role,
                                   "password_hash": "x", "active": True, "created_at": now})
             for name, role in (("pia", "pharmacist"), ("pete", "pharmacist"), ("nina", "nurse"))]
    pia, pete, nina = users
    for device_id, owner, seq in ((old_desk_id(pia), pia, 3), (old_desk_id(pete), nina, 1)):
        await insert("device", {"id": str(device_id), "organization_id": org, "user_id": owner, "label": "",
                                "created_at": now, "last_seen_at": now, "acked_through": seq, "wrap_key": ""})
    return pia, pete, nina


async def test_an_existing_desk_device_keeps_its_id_and_numbering_after_the_upgrade_and_a_squatted_one_is_replaced(
    tmp_path,
):
    """Migration 0007: a desk device of the old scheme bound to its own user carries over; one another
    user claimed first stays theirs, and the desk user gets a fresh random device."""
    from tortoise.migrations.api import migrate as migrate_to

    from server.db import schema
    from server.db.config import tortoise_config
    from server.db.models import DeskDevice, User
    from tests.databases import empty_database

    url, drop = await empty_database(tmp_path)
    try:
        await migrate_to(config=tortoise_config(url), target="ivlog.0006_quarantine_sent_json")
        await schema.close_database()
        await schema.open_database(url)  # on the 0006 schema: rows written as that schema had them, not by
        pia, pete, nina = await _old_schema_rows()  # today's models (they carry later columns)
        await schema.close_database()
        await schema.open_database(url)
        await schema.migrate(url)

        pia, pete = await User.get(id=pia), await User.get(id=pete)
        assert await desk_events.take_device_seq(pia) == (old_desk_id(pia.id), 4)
        fresh = await desk_events.desk_device_id(pete)
        assert fresh != old_desk_id(pete.id) and fresh.version == 4
        assert (await Device.get(id=old_desk_id(pete.id))).user_id == nina
        assert await DeskDevice.all().count() == 2
    finally:
        await schema.close_database()
        await drop()


async def test_two_nurses_pushing_from_the_same_new_device_at_once_bind_it_to_one_and_the_refusal_is_audited(
    client_factory, nurse_ana, nurse_ben, visit
):
    device_id = uuid.uuid4()
    clients = [await client_factory(nurse_ana), await client_factory(nurse_ben)]
    answers = await asyncio.gather(*(client.post("/api/sync/push", json=push_body(device_id, [
        one_event(visit.id, 1, "note", {"text": "x"})])) for client in clients))
    assert sorted(answer.status_code for answer in answers) == [200, 403], [a.text for a in answers]
    owner = (await Device.get(id=device_id)).user_id
    loser = nurse_ben if owner == nurse_ana.id else nurse_ana
    refusals = await AuditEntry.filter(user_id=loser.id, action="sync.device_refused", outcome="denied")
    assert [entry.detail["device_id"] for entry in refusals] == [str(device_id)]
