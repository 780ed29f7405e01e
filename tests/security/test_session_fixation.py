"""Session fixation: whatever session cookie a browser carried before login, login issues a fresh
token, and a value chosen by someone else is never honoured (DESIGN section 6)."""

from __future__ import annotations

import pytest

from server.auth.sessions import COOKIE_NAME, token_id
from server.db.models import Session
from tests.conftest import PASSWORD
from tests.security.forms import with_token

PLANTED = "attacker-chosen-session-value-0123456789abcdef"


def issued_token(response) -> str:
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(COOKIE_NAME))
    return cookie.split(";")[0].split("=", 1)[1]


async def test_api_login_ignores_a_planted_cookie_and_issues_a_fresh_token(anonymous, nurse_ana):
    anonymous.cookies.set(COOKIE_NAME, PLANTED)
    response = await anonymous.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD})
    assert response.status_code == 200
    assert issued_token(response) != PLANTED
    assert await Session.filter(id=token_id(PLANTED)).count() == 0


async def test_desk_form_login_ignores_a_planted_cookie_and_issues_a_fresh_token(anonymous, pharmacist_pia, settings):
    anonymous.cookies.set(COOKIE_NAME, PLANTED)
    form = with_token(anonymous, settings, {"username": "pharmacist_pia", "password": PASSWORD})
    response = await anonymous.post("/login", data=form)
    assert response.status_code == 303
    assert issued_token(response) != PLANTED
    assert await Session.filter(id=token_id(PLANTED)).count() == 0


async def test_the_planted_value_opens_nothing_after_the_victim_logs_in(client_factory, nurse_ana, patient_pat):
    victim = await client_factory()
    victim.cookies.set(COOKIE_NAME, PLANTED)
    await victim.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD})
    attacker = await client_factory()
    attacker.cookies.set(COOKIE_NAME, PLANTED)
    assert (await attacker.get("/api/session")).status_code == 401
    assert (await attacker.get(f"/api/patients/{patient_pat.id}")).status_code == 401


async def test_an_attackers_own_live_session_planted_in_a_victims_browser_is_not_upgraded(
    client_factory, nurse_ana, nurse_ben, patient_pat
):
    attacker = await client_factory(nurse_ben)
    planted = attacker.cookies[COOKIE_NAME]
    victim = await client_factory()
    victim.cookies.set(COOKIE_NAME, planted)
    response = await victim.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD})
    assert issued_token(response) != planted
    assert (await attacker.get("/api/session")).json()["user"]["username"] == "nurse_ben"
    assert (await attacker.get(f"/api/patients/{patient_pat.id}")).status_code == 404  # still Ben's scope


async def test_every_login_issues_a_new_token_even_for_a_logged_in_browser(client_factory, nurse_ana):
    client = await client_factory(nurse_ana)
    first = client.cookies[COOKIE_NAME]
    again = await client.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD})
    assert issued_token(again) != first


@pytest.mark.parametrize("where", ["query", "authorization", "x-session"])
async def test_a_session_token_is_honoured_only_from_the_cookie(client_factory, anonymous, nurse_ana, where):
    token = (await client_factory(nurse_ana)).cookies[COOKIE_NAME]
    if where == "query":
        response = await anonymous.get(f"/api/session?{COOKIE_NAME}={token}")
    elif where == "authorization":
        response = await anonymous.get("/api/session", headers={"authorization": f"Bearer {token}"})
    else:
        response = await anonymous.get("/api/session", headers={"x-session": token})
    assert response.status_code == 401
