"""The login throttle (issue 16 item 4, issue 19 item c): an attacker can slow guessing but never
lock a real user out. Made-up usernames and one address never keep a known account out, a nurse who
mistypes waits seconds, simultaneous guesses are counted before any is checked, and behind a
trusted proxy every client is throttled on its own address."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import httpx
import pytest

from server.app import create_app
from server.db.models import LoginAttempt
from server.auth import throttle
from tests.conftest import ORIGIN, PASSWORD

ATTACKER, NURSE_HOME, PROXY = "203.0.113.9", "198.51.100.7", "127.0.0.1"


@pytest.fixture
def settings(settings):
    """Two free failures instead of five: the same rules, and fewer argon2 checks to wait for."""
    return dataclasses.replace(settings, login_max_failures=2)


def client_at(app, address: str, **headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url=ORIGIN,
                             headers={"origin": ORIGIN, **headers})


async def log_in(client: httpx.AsyncClient, username: str, password: str, **headers: str) -> httpx.Response:
    return await client.post("/api/session", json={"username": username, "password": password}, headers=headers)


async def age_attempts(seconds: float) -> None:
    """Time passes: every recorded attempt moves `seconds` into the past."""
    for row in await LoginAttempt.all():
        row.at -= timedelta(seconds=seconds)
        await row.save(update_fields=["at"])


async def test_failed_logins_with_made_up_usernames_from_one_address_never_keep_the_real_users_out(
    app, nurse_ana, pharmacist_pia, admin_ada, settings
):
    """Behind a same-machine proxy that is not declared trusted, every request comes from 127.0.0.1."""
    async with client_at(app, PROXY) as everyone:
        for n in range(settings.login_max_failures * throttle.WIDE_FACTOR + 5):  # past the address's allowance
            assert (await log_in(everyone, f"made-up-{n}", "guess")).status_code == 401
        for user in (pharmacist_pia, nurse_ana, admin_ada):
            assert (await log_in(everyone, user.username, PASSWORD)).status_code == 200, user.username


async def test_a_nurse_who_mistyped_her_password_up_to_the_limit_gets_in_after_a_short_wait(app, nurse_ana, settings):
    async with client_at(app, NURSE_HOME) as tablet:
        for _ in range(settings.login_max_failures):
            assert (await log_in(tablet, "nurse_ana", "typo")).status_code == 401
        early = await log_in(tablet, "nurse_ana", PASSWORD)
        assert early.status_code == 429 and 1 <= int(early.headers["retry-after"]) <= 2
        await age_attempts(2)
        assert (await log_in(tablet, "nurse_ana", PASSWORD)).status_code == 200


async def test_the_delay_grows_with_each_further_failure_and_turned_away_attempts_do_not_count(app, nurse_ana, settings):
    async with client_at(app, ATTACKER) as attacker:
        waits = []
        for _ in range(settings.login_max_failures):
            await log_in(attacker, "nurse_ana", "guess")
        for _ in range(4):
            refused = await log_in(attacker, "nurse_ana", "guess")
            assert refused.status_code == 429
            assert (await log_in(attacker, "nurse_ana", "guess")).status_code == 429  # still early: not counted
            waits.append(int(refused.headers["retry-after"]))
            await age_attempts(waits[-1])
            assert (await log_in(attacker, "nurse_ana", "guess")).status_code == 401  # checked, and wrong
    # Retry-After counts from the last failure, and its password check took some of that time.
    assert all(2 ** step - 3 <= wait <= 2 ** step for step, wait in enumerate(waits)), waits
    assert waits[-1] > waits[0]


async def test_simultaneous_wrong_passwords_reach_the_password_check_at_most_the_allowed_number_of_times(
    app, nurse_ana, settings
):
    async with client_at(app, ATTACKER) as attacker:
        answers = await asyncio.gather(*(log_in(attacker, "nurse_ana", f"guess-{n}") for n in range(30)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(401) <= settings.login_max_failures, statuses
    assert statuses.count(401) + statuses.count(429) == 30, statuses
    checked = statuses.count(401)  # only the attempts that were checked count as failures
    assert await LoginAttempt.all().count() == checked * 3  # (account here, account, address)
    await age_attempts(61)
    async with client_at(app, NURSE_HOME) as tablet:
        assert (await log_in(tablet, "nurse_ana", PASSWORD)).status_code == 200


async def test_one_address_guessing_a_nurses_password_never_slows_the_nurse_elsewhere(app, nurse_ana, settings):
    """However long one address keeps guessing, waiting out every delay, the account is not slowed."""
    app.state.settings = settings = dataclasses.replace(settings, login_window_min=120)  # a long memory
    checked = 0
    async with client_at(app, ATTACKER) as attacker, client_at(app, NURSE_HOME) as tablet:
        while checked <= settings.login_max_failures * throttle.WIDE_FACTOR + 2:  # past the account's allowance
            answer = await log_in(attacker, "nurse_ana", "guess")
            if answer.status_code == 429:
                await age_attempts(int(answer.headers["retry-after"]))  # the attacker waits, as long as it takes
            else:
                assert answer.status_code == 401
                checked += 1
        assert (await log_in(tablet, "nurse_ana", PASSWORD)).status_code == 200


async def test_guessing_one_account_from_many_addresses_is_slowed_for_that_account(app, nurse_ana, settings):
    bots = [f"203.0.113.{n + 10}" for n in range(throttle.ACCOUNT_SOURCES)]
    for failures in range(settings.login_max_failures * throttle.WIDE_FACTOR):
        await age_attempts(throttle.MAX_DELAY_S / 10)  # each bot waits out its own delay
        async with client_at(app, bots[failures % len(bots)]) as bot:
            assert (await log_in(bot, "nurse_ana", "guess")).status_code == 401
    async with client_at(app, "203.0.113.99") as next_bot:
        assert (await log_in(next_bot, "nurse_ana", "guess")).status_code == 429


@pytest.mark.parametrize("username", ["nurse_ana", "nobody_here"])
async def test_known_and_unknown_usernames_are_throttled_alike(app, nurse_ana, settings, username):
    async with client_at(app, ATTACKER) as attacker:
        statuses = [(await log_in(attacker, username, "guess")).status_code
                    for _ in range(settings.login_max_failures + 2)]
    assert statuses == [401] * settings.login_max_failures + [429, 429]


@pytest.fixture
async def proxied_app(settings):
    """The app behind a TLS proxy on the same machine, declared in IVLOG_FORWARDED_ALLOW_IPS."""
    application = create_app(dataclasses.replace(settings, forwarded_allow_ips=(PROXY,)))
    async with application.router.lifespan_context(application):
        yield application


async def test_behind_a_trusted_proxy_each_client_is_throttled_on_its_own_address(proxied_app, nurse_ana, settings):
    async with client_at(proxied_app, PROXY) as proxy:
        for _ in range(settings.login_max_failures):
            assert (await log_in(proxy, "nurse_ana", "guess", **{"x-forwarded-for": ATTACKER})).status_code == 401
        assert (await log_in(proxy, "nurse_ana", "guess", **{"x-forwarded-for": ATTACKER})).status_code == 429
        assert (await log_in(proxy, "nurse_ana", PASSWORD, **{"x-forwarded-for": NURSE_HOME})).status_code == 200


async def test_forwarded_addresses_from_a_client_that_is_not_a_trusted_proxy_are_ignored(proxied_app, nurse_ana, settings):
    async with client_at(proxied_app, ATTACKER) as attacker:
        statuses = [(await log_in(attacker, "nurse_ana", "guess", **{"x-forwarded-for": f"192.0.2.{n}"})).status_code
                    for n in range(settings.login_max_failures + 1)]
    assert statuses[-1] == 429
