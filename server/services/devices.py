"""The organization's tablets, and revoking one (lost, stolen, or handed to someone else).

Revocation ends the tablet's sessions at once; its next request gets 401, and a later login
or push from it is refused (`server.services.login`, `sync`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.transactions import in_transaction

from server import access, audit
from server.auth import sessions
from server.db.models import User
from sync.models import Device


@dataclass(frozen=True)
class DeviceRow:
    """A tablet as the admin sees it: the device and the user it is bound to."""

    device: Device
    user: User | None


async def devices_of(*, admin: User) -> list[DeviceRow]:
    devices = await Device.filter(organization_id=admin.organization_id).order_by("-last_seen_at")
    users = await User.filter(id__in={d.user_id for d in devices}, organization_id=admin.organization_id)
    by_id = {user.id: user for user in users}
    return [DeviceRow(device, by_id.get(device.user_id)) for device in devices]


async def revoke_device(*, device: Device, admin: User) -> Device:
    """Mark the tablet revoked (first revocation time kept) and end every session bound to it."""
    async with in_transaction():
        if device.revoked_at is None:
            device.revoked_at = datetime.now(timezone.utc)
            await device.save(update_fields=["revoked_at"])
        revoked = await sessions.revoke_for_device(device.id)
        await audit.record(
            "device.revoke", actor=access.actor(admin), object_type="device", object_id=device.id,
            detail={"user_id": device.user_id, "sessions_revoked": revoked},
        )
    return device
