"""Login throttle kept in the database (so several server processes share it).

Failures count per (account, address) pair and per address. An attacker hammering a
nurse's username from elsewhere throttles only their own address, never the nurse on her
tablet; and every count expires with its window, so the right password works again later.
Keys are HMACs: a password typed into the username field is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

from server.db.models import LoginFailure
from server.errors import TooManyRequests
from server.settings import Settings

ADDRESS_FACTOR = 10  # an address may fail this many times more than one account-address pair


def _key(settings: Settings, kind: str, value: str) -> str:
    message = f"{kind}:{value.strip().lower()}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


async def check(*, username: str, address: str, settings: Settings) -> None:
    """Raise TooManyRequests (with Retry-After) while this pair or address is throttled."""
    now = datetime.now(timezone.utc)
    since = now - timedelta(minutes=settings.login_window_min)
    user_key, address_key = _key(settings, "user", username), _key(settings, "addr", address)
    pair = LoginFailure.filter(username_key=user_key, address_key=address_key, at__gte=since)
    from_address = LoginFailure.filter(address_key=address_key, at__gte=since)
    for query, limit in ((pair, settings.login_max_failures), (from_address, settings.login_max_failures * ADDRESS_FACTOR)):
        if await query.count() >= limit:
            oldest = await query.order_by("at").first()
            assert oldest is not None
            wait = oldest.at + timedelta(minutes=settings.login_window_min) - now
            raise TooManyRequests(
                "Too many failed logins. Wait a few minutes and try again.",
                retry_after_s=max(1, int(wait.total_seconds()) + 1),
            )


async def record_failure(*, username: str, address: str, settings: Settings) -> None:
    now = datetime.now(timezone.utc)
    await LoginFailure.filter(at__lt=now - timedelta(minutes=settings.login_window_min)).delete()
    await LoginFailure.create(
        username_key=_key(settings, "user", username),
        address_key=_key(settings, "addr", address),
        at=now,
    )


async def clear(*, username: str, address: str, settings: Settings) -> None:
    """A successful login forgets this pair's failures."""
    await LoginFailure.filter(
        username_key=_key(settings, "user", username), address_key=_key(settings, "addr", address)
    ).delete()
