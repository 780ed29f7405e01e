"""Server-side sessions (DESIGN section 6).

The cookie holds a random token; the database holds only its SHA-256, so a copy of the
database does not hand out live sessions. Desk sessions expire after an idle period and
an absolute lifetime; tablet sessions are bound to a device and expire only absolutely
(the tablet locks itself with a PIN). Logout, a disabled user and a revoked device take
effect on the very next request because every request re-reads the session row.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from uuid import UUID

from server.db.models import Session, SessionKind, User
from server.settings import Settings
from sync.models import Device

COOKIE_NAME = "ivlog_session"
TOUCH_EVERY = timedelta(seconds=60)  # write last_seen at most this often


@dataclass(frozen=True)
class Authenticated:
    """The user behind a request, and the session that proves it."""

    user: User
    session: Session


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start(*, user: User, kind: SessionKind, device_id: UUID | None, settings: Settings) -> str:
    """Create a session; returns the token for the cookie (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    await Session.create(
        id=token_id(token),
        user=user,
        kind=kind,
        device_id=device_id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_absolute_h),
    )
    return token


async def resolve(token: str | None, *, settings: Settings) -> Authenticated | None:
    """The live session for a cookie token, or None when absent, expired or revoked."""
    if not token:
        return None
    session = await Session.get_or_none(id=token_id(token)).select_related("user")
    now = datetime.now(timezone.utc)
    if session is None or not _alive(session, now, settings) or not session.user.active:
        return None
    if session.device_id is not None and not await _device_usable(session.device_id, session.user):
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        session.last_seen_at = now
        await session.save(update_fields=["last_seen_at"])
    return Authenticated(user=session.user, session=session)


def _alive(session: Session, now: datetime, settings: Settings) -> bool:
    if session.revoked_at is not None or now >= session.expires_at:
        return False
    if session.kind == SessionKind.DESK:
        return now - session.last_seen_at < timedelta(minutes=settings.session_idle_min)
    return True


async def _device_usable(device_id: UUID, user: User) -> bool:
    device = await Device.get_or_none(id=device_id)
    return device is not None and device.revoked_at is None and device.user_id == user.id


async def end(session: Session) -> None:
    session.revoked_at = datetime.now(timezone.utc)
    await session.save(update_fields=["revoked_at"])


async def revoke_for_user(user_id: int) -> int:
    return await Session.filter(user_id=user_id, revoked_at=None).update(
        revoked_at=datetime.now(timezone.utc)
    )


async def revoke_for_device(device_id: UUID) -> int:
    return await Session.filter(device_id=device_id, revoked_at=None).update(
        revoked_at=datetime.now(timezone.utc)
    )
