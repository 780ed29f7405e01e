"""Accounts and sessions through the real HTTP stack (DESIGN section 6)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from server.auth.sessions import COOKIE_NAME, token_id
from server.db.models import Session
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    "persona, home",
    [("nurse_ana", "/nurse"), ("pharmacist_pia", "/pharmacy"), ("physician_phil", "/physician"), ("admin_ada", "/admin")],
)
async def test_each_role_logs_in_and_reaches_its_home(
    client_factory, persona, home, nurse_ana, pharmacist_pia, physician_phil, admin_ada
):
    user = locals()[persona]
    client = await client_factory(user)
    me = (await client.get("/api/session")).json()["user"]
    assert me["role"] == user.role and me["home"] == home
    page = await client.get(home)
    assert page.status_code == 200
    assert user.display_name in page.text


async def test_wrong_password_and_unknown_user_get_the_same_answer(anonymous, nurse_ana):
    wrong = await anonymous.post("/api/session", json={"username": "nurse_ana", "password": "nope"})
    unknown = await anonymous.post("/api/session", json={"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "Wrong username or password."
    assert wrong.json()["code"] == unknown.json()["code"] == "not_authenticated"


async def test_throttle_engages_after_repeated_failures_then_lets_the_right_password_in(
    anonymous, nurse_ana, settings
):
    for _ in range(settings.login_max_failures):
        assert (await anonymous.post("/api/session", json={"username": "nurse_ana", "password": "bad"})).status_code == 401
    throttled = await anonymous.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    # The window passes: the failures age out and the right password works again.
    from server.db.models import LoginFailure

    await LoginFailure.all().update(at=datetime.now(timezone.utc) - timedelta(minutes=settings.login_window_min + 1))
    assert (await anonymous.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD})).status_code == 200


async def test_throttle_on_one_address_does_not_lock_the_nurse_out_elsewhere(app, client_factory, nurse_ana, settings):
    import httpx

    attacker = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 1234)),
        base_url="http://testserver", headers={"origin": "http://testserver"},
    )
    async with attacker:
        for _ in range(settings.login_max_failures + 3):
            await attacker.post("/api/session", json={"username": "nurse_ana", "password": "bad"})
        assert (await attacker.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD})).status_code == 429
    nurse = await client_factory(nurse_ana)  # from her own address
    assert (await nurse.get("/api/session")).status_code == 200


async def test_cookie_replayed_after_logout_gets_401(client_factory, nurse_ana):
    client = await client_factory(nurse_ana)
    token = client.cookies[COOKIE_NAME]
    assert (await client.delete("/api/session")).status_code == 204
    replay = await client_factory()
    replay.cookies.set(COOKIE_NAME, token)
    assert (await replay.get("/api/session")).status_code == 401
    assert (await replay.get("/api/patients")).status_code == 401


async def test_cookie_replayed_after_absolute_expiry_gets_401(client_factory, nurse_ana):
    client = await client_factory(nurse_ana)
    await Session.filter(id=token_id(client.cookies[COOKIE_NAME])).update(
        expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)
    )
    assert (await client.get("/api/session")).status_code == 401


async def test_desk_session_expires_after_idle_time(client_factory, pharmacist_pia, settings):
    client = await client_factory(pharmacist_pia)
    await Session.filter(id=token_id(client.cookies[COOKIE_NAME])).update(
        last_seen_at=datetime.now(timezone.utc) - timedelta(minutes=settings.session_idle_min + 1)
    )
    assert (await client.get("/api/session")).status_code == 401


async def test_cookie_of_a_disabled_user_gets_401(client_factory, nurse_ana, admin_ada):
    from server.services.users import set_active

    client = await client_factory(nurse_ana)
    await set_active(user=nurse_ana, active=False, by=None)
    assert (await client.get("/api/session")).status_code == 401


async def test_login_form_sets_session_and_redirects_home(anonymous, pharmacist_pia):
    page = await anonymous.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = await anonymous.post(
        "/login", data={"username": "pharmacist_pia", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303 and response.headers["location"] == "/pharmacy"
    assert COOKIE_NAME in anonymous.cookies


async def test_login_form_without_csrf_token_is_refused(anonymous, pharmacist_pia):
    await anonymous.get("/login")
    response = await anonymous.post("/login", data={"username": "pharmacist_pia", "password": PASSWORD})
    assert response.status_code == 403
    assert COOKIE_NAME not in anonymous.cookies


async def test_api_post_without_same_origin_is_refused(client_factory, nurse_ana):
    client = await client_factory()
    response = await client.post(
        "/api/session", json={"username": "nurse_ana", "password": PASSWORD}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    del client.headers["origin"]
    response = await client.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD})
    assert response.status_code == 403


async def test_api_post_with_form_content_type_is_refused(anonymous, nurse_ana):
    response = await anonymous.post("/api/session", data={"username": "nurse_ana", "password": PASSWORD})
    assert response.status_code == 415


async def test_session_cookie_is_httponly_and_strict(anonymous, nurse_ana):
    response = await anonymous.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


async def test_database_stores_only_a_hash_of_the_session_token(client_factory, nurse_ana):
    client = await client_factory(nurse_ana)
    token = client.cookies[COOKIE_NAME]
    assert await Session.filter(id=token).count() == 0
    assert await Session.filter(id=token_id(token)).count() == 1
