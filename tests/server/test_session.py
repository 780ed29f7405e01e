"""Accounts and sessions through the real HTTP stack (DESIGN section 6)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from server.auth.sessions import COOKIE_NAME, token_id
from server.db.models import Session
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    "persona, home",
    [("nurse_ana", "/nurse"), ("pharmacist_pia", "/pharmacy"), ("physician_phil", "/physician"), ("admin_ada", "/admin"),
     ("biller_bea", "/pharmacy/payer-proof")],
)
async def test_each_role_logs_in_and_reaches_its_home(
    client_factory, persona, home, nurse_ana, pharmacist_pia, physician_phil, admin_ada, biller_bea
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
    from server.db.models import LoginAttempt

    await LoginAttempt.all().update(at=datetime.now(timezone.utc) - timedelta(minutes=settings.login_window_min + 1))
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
    from server.services.local_time import LocalTime
    from server.services.users import set_active

    client = await client_factory(nurse_ana)
    await set_active(user=nurse_ana, active=False, by=None, clock=LocalTime())
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


# --- replay: a captured cookie dies with logout, expiry, a disabled user and a revoked tablet ---

async def replayed(client_factory, token: str):
    """A fresh client (another machine) presenting only the captured cookie."""
    thief = await client_factory()
    thief.cookies.set(COOKIE_NAME, token)
    return thief


async def test_cookie_replayed_after_desk_form_logout_gets_401_and_the_login_page(client_factory, pharmacist_pia, settings):
    from tests.security.forms import with_token

    desk = await client_factory(pharmacist_pia)
    token = desk.cookies[COOKIE_NAME]
    assert (await desk.post("/logout", data=with_token(desk, settings))).status_code == 303
    thief = await replayed(client_factory, token)
    assert (await thief.get("/api/session")).status_code == 401
    page = await thief.get("/pharmacy", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


async def test_cookie_replayed_on_a_write_after_logout_stores_nothing(client_factory, nurse_ana, scheduled_visit_for_ana):
    from sync.models import Event
    from tests.api.events import one_event, push_body

    device_id = uuid.uuid4()
    tablet = await client_factory(nurse_ana, device_id=str(device_id))
    token = tablet.cookies[COOKIE_NAME]
    assert (await tablet.delete("/api/session")).status_code == 204
    thief = await replayed(client_factory, token)
    event = one_event(scheduled_visit_for_ana.id, 1, "note", {"text": "replayed"})
    assert (await thief.post("/api/sync/push", json=push_body(device_id, [event]))).status_code == 401
    assert await Event.filter(id=event["id"]).count() == 0


async def test_tablet_cookie_replayed_after_absolute_expiry_gets_401(client_factory, nurse_ana):
    tablet = await client_factory(nurse_ana, device_id=str(uuid.uuid4()))
    await Session.filter(id=token_id(tablet.cookies[COOKIE_NAME])).update(
        expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)
    )
    thief = await replayed(client_factory, tablet.cookies[COOKIE_NAME])
    assert (await thief.get("/api/sync/pull")).status_code == 401
    assert (await thief.get("/api/device-key")).status_code == 401


async def test_cookie_of_a_user_disabled_by_an_admin_stays_dead_after_re_enabling(
    client_factory, nurse_ana, admin_ada, settings
):
    from tests.security.forms import with_token

    nurse = await client_factory(nurse_ana)
    token = nurse.cookies[COOKIE_NAME]
    admin = await client_factory(admin_ada)
    for active in ("false", "true"):
        response = await admin.post(f"/admin/users/{nurse_ana.id}/active", data=with_token(admin, settings, {"active": active}))
        assert response.status_code == 303, response.text
    thief = await replayed(client_factory, token)
    assert (await thief.get("/api/patients")).status_code == 401
    assert (await client_factory(nurse_ana)).cookies[COOKIE_NAME] != token  # she logs in afresh


async def test_tablet_cookie_replayed_after_an_admin_revokes_the_device_is_refused_everywhere_and_told_to_wipe(
    client_factory, nurse_ana, admin_ada, settings
):
    from tests.security.forms import with_token

    device_id = uuid.uuid4()
    tablet = await client_factory(nurse_ana, device_id=str(device_id))
    token = tablet.cookies[COOKIE_NAME]
    admin = await client_factory(admin_ada)
    revoked = await admin.post(f"/admin/devices/{device_id}/revoke", data={**with_token(admin, settings), "reason": "Reported stolen"})
    assert revoked.status_code == 303, revoked.text
    thief = await replayed(client_factory, token)
    for path in ("/api/session", "/api/device-key", "/api/sync/pull", "/api/patients", "/api/reference"):
        answer = await thief.get(path)
        assert (answer.status_code, answer.json()["code"]) == (403, "device_revoked"), path
        assert set(answer.json()) <= {"type", "title", "status", "detail", "code", "instance", "request_id"}


async def test_a_revoked_tablet_is_told_to_wipe_at_its_next_login_and_the_nurse_keeps_her_desk(
    client_factory, nurse_ana, admin_ada, settings, anonymous
):
    from tests.security.forms import with_token

    device_id = uuid.uuid4()
    await client_factory(nurse_ana, device_id=str(device_id))
    admin = await client_factory(admin_ada)
    await admin.post(f"/admin/devices/{device_id}/revoke", data={**with_token(admin, settings), "reason": "Reported stolen"})
    again = await anonymous.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD,
                                                       "device_id": str(device_id)})
    assert again.status_code == 403 and again.json()["code"] == "device_revoked"
    assert "wiped" in again.json()["detail"]
    for path in ("/api/session", "/api/device-key", "/api/sync/pull", "/api/reference"):  # its cookie opens nothing
        answer = await anonymous.get(path)
        assert (answer.status_code, answer.json()["code"]) == (403, "device_revoked"), path
    assert (await (await client_factory(nurse_ana)).get("/api/session")).status_code == 200


@pytest.fixture
async def scheduled_visit_for_ana(org, nurse_ana, patient_pat):
    from server.db.models import Order, Visit

    order = await Order.get(patient=patient_pat)
    return await Visit.create(id=uuid.uuid4(), organization=org, patient=patient_pat, order=order,
                              nurse=nurse_ana, scheduled_at=datetime.now(timezone.utc))


async def test_a_tablet_that_only_pulls_is_still_seen_by_the_admin(client_factory, nurse_ana):
    """The admin's "last seen" of a tablet moves with any request (at most once a minute), not only with a push:
    a tablet that syncs with nothing to send is not lost (a walk saw the admin's page minutes behind)."""
    from sync.models import Device

    device_id = uuid.uuid4()
    client = await client_factory(nurse_ana, device_id=str(device_id), device_label="tablet")
    earlier = datetime.now(timezone.utc) - timedelta(minutes=5)
    await Session.filter(id=token_id(client.cookies[COOKIE_NAME])).update(last_seen_at=earlier)
    await Device.filter(id=device_id).update(last_seen_at=earlier)
    assert (await client.get("/api/reference")).status_code == 200
    assert (await Device.get(id=device_id)).last_seen_at > earlier + timedelta(minutes=4)


async def _login_form(client, username: str, password: str):
    page = await client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    return await client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.mark.parametrize("username", ["n" * 65, "nurse_ana" + " " * 60 + "x", "İ" * 40, "nurse_ana\x00"])
async def test_an_overlong_username_on_the_login_form_is_answered_as_a_wrong_login(anonymous, nurse_ana, username):
    """No account can have a name longer than the column holds: the form answers as for any unknown name
    (was a 500; the JSON login refuses it by its schema)."""
    unknown = await _login_form(anonymous, "nobody", "nope")
    overlong = await _login_form(anonymous, username, "nope")
    assert overlong.status_code == unknown.status_code == 401
    assert "Wrong username or password." in overlong.text


async def test_overlong_usernames_on_the_login_form_are_throttled_like_any_other(anonymous, settings):
    for _ in range(settings.login_max_failures):
        assert (await _login_form(anonymous, "x" * 300, "guess")).status_code == 401
    throttled = await _login_form(anonymous, "x" * 300, "guess")
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0
