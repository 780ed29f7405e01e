"""Logging in and out: the throttle, the password check, device binding and the audit trail.

A wrong username and a wrong password take the same path, the same time and the same
message, so the login page never tells an attacker which usernames exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID

from tortoise.exceptions import IntegrityError

from server import audit
from server.auth import passwords, sessions, throttle
from server.db.models import Role, SessionKind, User
from server.errors import DeviceRefused, Forbidden, NotAuthenticated
from server.settings import Settings
from sync.content import unstorable
from sync.models import Device

WRONG_CREDENTIALS = "Wrong username or password."
USERNAME_MAX = User._meta.fields_map["username"].max_length


@dataclass(frozen=True)
class DeviceClaim:
    """A tablet asking for a session bound to it."""

    device_id: UUID
    label: str


async def log_in(
    *, username: str, password: str, address: str, settings: Settings, device: DeviceClaim | None = None
) -> tuple[User, str]:
    """Returns the user and the new session token, or raises NotAuthenticated/TooManyRequests."""
    attempt = await throttle.begin(username=username, address=address, settings=settings)
    user = await _account_named(username)
    ok = await passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        await throttle.failed(attempt, settings)
        await audit.record(
            "login", actor=_actor(user), outcome="failed", object_type="user",
            object_id=user.id if user else "", detail={"reason": "credentials"},
        )
        raise NotAuthenticated(WRONG_CREDENTIALS)
    await throttle.succeeded(attempt)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash_password(password)
        await user.save(update_fields=["password_hash"])
    device_id = await _bind_device(user, device, settings) if device else None
    kind = SessionKind.TABLET if device else SessionKind.DESK
    token = await sessions.start(user=user, kind=kind, device_id=device_id, settings=settings)
    await audit.record(
        "login", actor=_actor(user), object_type="user", object_id=user.id,
        detail={"kind": kind.value, "device_id": str(device_id) if device_id else None},
    )
    return user, token


async def _account_named(username: str) -> User | None:
    """The account of that name, or None. A name no username column can hold (longer than any, or with
    a character text cannot store) names nobody: the ORM would refuse even to look it up (a 500 on the
    login form), and it must read exactly as a wrong login."""
    name = username.strip().lower()
    if len(name) > USERNAME_MAX or unstorable(name):
        return None
    return await User.get_or_none(username=name)


async def _bind_device(user: User, claim: DeviceClaim, settings: Settings) -> UUID:
    """A device belongs to the first user who logs in on it; anyone else is refused. Its own user
    logging in on it after its revocation is refused too, but gets a session that may only hand
    over the tablet's unsent entries (`sessions.resolve_surrender`), never read or write anything."""
    if user.role != Role.NURSE:
        raise Forbidden("The tablet app is for nurses.")
    now = datetime.now(timezone.utc)
    device = await Device.get_or_none(id=claim.device_id)
    if device is None:
        try:
            device = await Device.create(
                id=claim.device_id, organization_id=user.organization_id, user_id=user.id,
                label=claim.label[:100], created_at=now, last_seen_at=now, wrap_key=secrets.token_urlsafe(32),
            )
        except IntegrityError:  # bound a moment ago by another login or push: judged below like any other
            device = await Device.get(id=claim.device_id)
        else:
            await audit.record("device.bind", actor=_actor(user), object_type="device", object_id=device.id)
            return device.id
    if device.user_id != user.id or device.revoked_at is not None:
        reason = "revoked" if device.revoked_at else "other_user"
        await audit.record(
            "device.refused", actor=_actor(user), outcome="denied", object_type="device",
            object_id=device.id, detail={"reason": reason},
        )
        if device.revoked_at is not None:
            refused = _revoked_refusal(device)
            if device.user_id == user.id:
                refused.surrender_token = await sessions.start(
                    user=user, kind=SessionKind.TABLET, device_id=device.id, settings=settings, ended=True)
            raise refused
        raise DeviceRefused("This tablet is registered to another user. Ask your administrator.")
    return device.id


def _revoked_refusal(device: Device) -> DeviceRefused:
    """A revoked device id stays revoked. Once an administrator allows it, the tablet is told to take
    a new id (`device_replaced`) and register afresh; until then every login on it is refused."""
    if device.reregister_allowed_at is not None:
        return DeviceRefused("An administrator allowed this tablet to register again: its local data must be "
                             "wiped, then log in once more.", code="device_replaced")
    return DeviceRefused("This tablet was revoked by an administrator: its local data was wiped. It can be used "
                         "again once an administrator allows it to register again.", code="device_revoked")


async def log_out(auth: sessions.Authenticated) -> None:
    await sessions.end(auth.session)
    await audit.record("logout", actor=_actor(auth.user), object_type="user", object_id=auth.user.id)


def _actor(user: User | None) -> audit.Actor | None:
    return audit.Actor(user_id=user.id, organization_id=user.organization_id) if user else None
