"""The organization's tablet idle lock (server/services/tablet_lock.py): an administrator sets it on
the Tablets page within 1-30 minutes, every change is audited, and the tablets of that organization
(only) receive it with their device key at login."""

from __future__ import annotations

import re
import uuid

import pytest

from server.db.models import AuditEntry, Organization, Role, User
from tests.conftest import _user
from tests.server.test_admin_pages import post_form


async def _lock_after(client_factory, nurse: User) -> int:
    tablet = await client_factory(nurse, device_id=str(uuid.uuid4()))
    return (await tablet.get("/api/device-key")).json()["lock_after_min"]


async def test_an_admin_sets_the_idle_lock_and_the_organizations_tablets_receive_it(
        client_factory, admin_ada, nurse_ana, other_org, password_hash, settings):
    admin = await client_factory(admin_ada)
    page = await admin.get("/admin/devices")
    assert 'name="tablet_lock_min"' in page.text and f'value="{settings.tablet_lock_min}"' in page.text
    response = await post_form(admin, "/admin/devices/lock", {"tablet_lock_min": "12"}, page="/admin/devices")
    assert (response.status_code, response.headers["location"]) == (303, "/admin/devices?done=lock-saved")
    assert await _lock_after(client_factory, nurse_ana) == 12
    elsewhere = await _user(other_org, "nurse_oli", Role.NURSE, password_hash)
    assert await _lock_after(client_factory, elsewhere) == settings.tablet_lock_min
    entry = await AuditEntry.get(action="organization.tablet_lock_set", user_id=admin_ada.id)
    assert entry.object_id == str(admin_ada.organization_id) and entry.detail == {"before": None, "after": 12}


@pytest.mark.parametrize("typed", ["0", "31", "-5", "4.5", "ten", ""])
async def test_an_idle_lock_outside_1_to_30_minutes_is_refused_naming_the_field(client_factory, admin_ada, typed):
    admin = await client_factory(admin_ada)
    response = await post_form(admin, "/admin/devices/lock", {"tablet_lock_min": typed}, page="/admin/devices")
    assert response.status_code == 422, response.text
    assert re.search(r"<span class=\"field-error\">[^<]+</span>", response.text), response.text
    assert (await Organization.get(id=admin_ada.organization_id)).tablet_lock_min is None
    assert not await AuditEntry.filter(action="organization.tablet_lock_set").exists()


@pytest.mark.parametrize("role", [role for role in Role if role != Role.ADMIN])
async def test_only_an_administrator_may_change_the_idle_lock(client_factory, org, password_hash, role):
    someone = await _user(org, f"someone_{role.value}", role, password_hash)
    client = await client_factory(someone)
    response = await post_form(client, "/admin/devices/lock", {"tablet_lock_min": "20"}, page="/account/password")
    assert response.status_code == 403
    assert (await Organization.get(id=org.id)).tablet_lock_min is None

async def test_the_reference_a_tablet_syncs_carries_the_organizations_idle_lock(client_factory, admin_ada, nurse_ana, settings):
    nurse = await client_factory(nurse_ana, device_id=str(uuid.uuid4()))
    before = await nurse.get("/api/reference")
    assert before.json()["lock_after_min"] == settings.tablet_lock_min
    admin = await client_factory(admin_ada)
    await post_form(admin, "/admin/devices/lock", {"tablet_lock_min": "20"}, page="/admin/devices")
    after = await nurse.get("/api/reference", headers={"if-none-match": before.headers["etag"]})
    assert after.status_code == 200 and after.json()["lock_after_min"] == 20
