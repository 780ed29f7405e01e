"""Passwords are hashed with argon2-cffi's recommended parameters in every mode a person uses. Only
IVLOG_ENV=test uses the library's CHEAPEST profile (made for test suites), and a hash made that way is
replaced with a recommended one at its user's next login in any other mode."""

from __future__ import annotations

import dataclasses

import httpx
from argon2 import Parameters, extract_parameters, profiles

from server.app import create_app
from server.auth import passwords
from server.db.models import User
from tests.conftest import ORIGIN, PASSWORD


def costs(made: str | Parameters) -> tuple[int, int, int]:
    """Time, memory (KiB) and lanes: of a stored hash, or of a profile."""
    found = extract_parameters(made) if isinstance(made, str) else made
    return found.time_cost, found.memory_cost, found.parallelism


def test_development_and_production_hash_with_the_recommended_parameters_and_test_mode_with_the_cheapest():
    for env in ("development", "production"):
        assert costs(passwords.hasher_for(env).hash(PASSWORD)) == costs(profiles.RFC_9106_LOW_MEMORY)
    assert costs(passwords.hasher_for("test").hash(PASSWORD)) == costs(profiles.CHEAPEST)


async def test_a_hash_made_in_test_mode_is_replaced_with_a_recommended_one_at_the_next_login(settings, nurse_ana):
    assert costs(nurse_ana.password_hash) == costs(profiles.CHEAPEST)
    development = create_app(dataclasses.replace(settings, env="development"))
    try:
        async with development.router.lifespan_context(development), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=development), base_url=ORIGIN, headers={"origin": ORIGIN}) as client:
            answer = await client.post("/api/session", json={"username": "nurse_ana", "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            stored = (await User.get(id=nurse_ana.id)).password_hash
    finally:
        passwords.configure_from(settings)  # this process's later tests run in test mode again
    assert costs(stored) == costs(profiles.RFC_9106_LOW_MEMORY)
