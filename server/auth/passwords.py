"""argon2id password hashing, run off the event loop (it costs tens of milliseconds by design).

The parameters are argon2-cffi's recommended ones (RFC 9106, low memory) in every mode but IVLOG_ENV=test,
where they are the library's CHEAPEST profile, made for test suites: a login there costs microseconds,
not 90 ms, and a test logs in many times. A hash made under other parameters is replaced with one under
the current parameters at its user's next login (`needs_rehash`), so a test-mode hash never lasts.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

if TYPE_CHECKING:
    from server.settings import Settings

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hasher_for(env: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(profiles.CHEAPEST) if env == "test" else PasswordHasher()


def configure_from(settings: Settings) -> None:
    """Set once per process from Settings (the app factory, the CLI), before any password is checked."""
    global _hasher
    _hasher = hasher_for(settings.env)
    _dummy_hash.cache_clear()  # an unknown user's check costs what a known user's does


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches. An unknown user is checked against a dummy hash,
    so a wrong username and a wrong password take the same time and the same path."""
    target = password_hash or _dummy_hash()
    try:
        ok = await asyncio.to_thread(_hasher.verify, target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters"
    return None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("ivlog-dummy-password-for-unknown-users")
