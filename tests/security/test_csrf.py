"""Cross-site writes: a desk form needs the CSRF token of its own nonce cookie, and an API write
must come from the same Origin with a JSON body (DESIGN section 6). Refusals change nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from server.auth import csrf
from server.auth.sessions import COOKIE_NAME
from sync.models import Device
from tests.security.forms import with_token

EVIL = "https://evil.example"


@pytest.fixture
async def tablet_device(nurse_ana) -> Device:
    now = datetime.now(timezone.utc)
    return await Device.create(id=uuid.uuid4(), organization_id=nurse_ana.organization_id, user_id=nurse_ana.id,
                               label="Tab", created_at=now, last_seen_at=now)


def forged_tokens(settings) -> dict[str, str]:
    nonce = "security-tests-nonce"  # the nonce with_token puts in the cookie
    return {
        "missing": "",
        "random": "0" * 64,
        "other secret": csrf.token_for(nonce, "not-the-server-secret-" + "x" * 30),
        "other nonce": csrf.token_for("the-attackers-own-nonce", settings.secret_key),
    }


@pytest.mark.parametrize("forgery", ["missing", "random", "other secret", "other nonce"])
async def test_a_desk_form_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(
    client_factory, admin_ada, tablet_device, settings, forgery
):
    admin = await client_factory(admin_ada)
    data = with_token(admin, settings)
    data[csrf.FIELD_NAME] = forged_tokens(settings)[forgery]
    if forgery == "missing":
        del data[csrf.FIELD_NAME]
    response = await admin.post(f"/admin/devices/{tablet_device.id}/revoke", data=data)
    assert response.status_code == 403 and "did not come from an ivlog page" in response.text
    assert (await Device.get(id=tablet_device.id)).revoked_at is None


async def test_a_valid_token_without_its_nonce_cookie_is_refused(client_factory, admin_ada, tablet_device, settings):
    """A cross-site form cannot send the SameSite=Strict nonce cookie, so a copied token is useless."""
    admin = await client_factory(admin_ada)
    data = with_token(admin, settings)
    admin.cookies.delete(csrf.COOKIE_NAME)
    assert (await admin.post(f"/admin/devices/{tablet_device.id}/revoke", data=data)).status_code == 403
    assert (await Device.get(id=tablet_device.id)).revoked_at is None


async def test_a_desk_form_post_with_an_opaque_origin_still_needs_its_token(client_factory, admin_ada, tablet_device, settings):
    """Chromium sends `Origin: null` for our own forms (no-referrer), so the token alone decides."""
    admin = await client_factory(admin_ada)
    data = with_token(admin, settings)
    del data[csrf.FIELD_NAME]
    response = await admin.post(f"/admin/devices/{tablet_device.id}/revoke", data=data, headers={"origin": "null"})
    assert response.status_code == 403
    assert (await Device.get(id=tablet_device.id)).revoked_at is None


@pytest.mark.parametrize("headers", [{"origin": EVIL}, {"sec-fetch-site": "cross-site"}, {"sec-fetch-site": "same-site"}])
async def test_a_desk_form_post_from_another_site_is_refused_even_with_a_valid_token(
    client_factory, admin_ada, tablet_device, settings, headers
):
    admin = await client_factory(admin_ada)
    response = await admin.post(f"/admin/devices/{tablet_device.id}/revoke", data=with_token(admin, settings),
                                headers=headers)
    assert response.status_code == 403
    assert (await Device.get(id=tablet_device.id)).revoked_at is None


@pytest.mark.parametrize(
    "headers",
    [{"origin": EVIL}, {"origin": "null"}, {"origin": "http://testserver.evil.example"},
     {"sec-fetch-site": "cross-site"}, {"sec-fetch-site": "same-site"}, {}],
    ids=["foreign", "null", "lookalike", "cross-site", "same-site", "no-origin"],
)
async def test_an_api_write_from_a_foreign_origin_is_refused_and_the_session_survives(client_factory, nurse_ana, headers):
    client = await client_factory(nurse_ana)
    del client.headers["origin"]
    response = await client.request("DELETE", "/api/session", headers=headers)
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    pushed = await client.post("/api/sync/push", json={"protocol": 1}, headers=headers)
    assert pushed.status_code == 403
    assert (await client.get("/api/session")).status_code == 200  # the refused logout did nothing


async def test_an_api_write_with_a_form_body_is_refused_even_from_the_same_origin(client_factory, nurse_ana):
    client = await client_factory(nurse_ana)
    response = await client.post("/api/sync/push", content=b"protocol=1", headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert COOKIE_NAME in client.cookies
