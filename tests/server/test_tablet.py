"""The tablet's device key and the app shell's serving rules (DESIGN sections 6 and 8)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sync.models import Device


async def test_a_tablet_session_receives_its_own_device_key(client_factory, nurse_ana, settings):
    device_id = uuid.uuid4()
    tablet = await client_factory(nurse_ana, device_id=str(device_id))
    body = (await tablet.get("/api/device-key")).json()
    stored = await Device.get(id=device_id)
    assert body["device_id"] == str(device_id) and body["wrap_key"] == stored.wrap_key
    assert len(body["wrap_key"]) >= 40 and body["lock_after_min"] == settings.tablet_lock_min


async def test_each_device_has_a_different_key(client_factory, nurse_ana):
    one = await client_factory(nurse_ana, device_id=str(uuid.uuid4()))
    two = await client_factory(nurse_ana, device_id=str(uuid.uuid4()))
    assert (await one.get("/api/device-key")).json()["wrap_key"] != (await two.get("/api/device-key")).json()["wrap_key"]


async def test_a_desk_session_gets_no_device_key(client_factory, nurse_ana):
    desk = await client_factory(nurse_ana)
    assert (await desk.get("/api/device-key")).status_code == 403


async def test_a_revoked_tablet_gets_no_key(client_factory, nurse_ana):
    device_id = uuid.uuid4()
    tablet = await client_factory(nurse_ana, device_id=str(device_id))
    await Device.filter(id=device_id).update(revoked_at=datetime.now(timezone.utc))
    answer = await tablet.get("/api/device-key")
    assert (answer.status_code, answer.json()["code"]) == (403, "device_revoked")


async def test_service_worker_is_served_from_the_root_and_never_cached(anonymous):
    response = await anonymous.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"


async def test_app_shell_is_served_under_app(anonymous):
    assert (await anonymous.get("/app", follow_redirects=False)).headers["location"] == "/app/"
    shell = await anonymous.get("/app/")
    assert shell.status_code == 200 and shell.headers["content-type"].startswith("text/html")


async def test_the_payload_declarations_are_served_with_the_shell(anonymous):
    """pwa/rules/payloads.json (a link to server/clinical/data/payloads.json): the tablet's rules load it at start."""
    from server.clinical.payloads import PAYLOADS_DOC

    sent = await anonymous.get("/app/rules/payloads.json")
    assert sent.status_code == 200 and sent.headers["content-type"].startswith("application/json")
    assert sent.json()["kinds"].keys() == PAYLOADS_DOC["kinds"].keys()
