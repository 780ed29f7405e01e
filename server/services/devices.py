"""The organization's tablets, and revoking one (lost, stolen, or handed to someone else).

Revocation (with the administrator's reason) ends the tablet's sessions at once; its next request
gets 403 device_revoked, and a later login or push from it is refused (`server.services.login`,
`sync`). The session it held at that moment may still hand over its unsent entries, which are
kept aside for a pharmacist (`sessions.resolve_surrender`). A revoked device id stays revoked: its
browser registers anew only after an administrator allows it (`allow_reregistration`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from server import access, audit
from server.auth import sessions
from server.db.models import DeskDevice, User
from sync.models import Device


DEVICES_SHOWN = 200  # the most recently seen; a list of every tablet ever registered grows without end


@dataclass(frozen=True)
class DeviceRow:
    """A tablet as the admin sees it: the device, the user it is bound to, and whether it is that user's
    review desk (the pharmacist's entries from the review pages, server.services.desk_events), not a tablet."""

    device: Device
    user: User | None
    desk: bool = False

    @property
    def tablet_code(self) -> str:
        """The four characters that tell one nurse's tablets apart, shown on each tablet's top bar too
        (pwa/session.js `tabletCode`): their labels are alike ("ivlog tablet (Chromium)")."""
        return self.device.id.hex[:4].upper()


@dataclass(frozen=True)
class DeviceList:
    rows: list[DeviceRow]
    total: int


async def devices_of(*, admin: User, device_id: UUID | None = None) -> DeviceList:
    """The organization's devices, most recently seen first (at most DEVICES_SHOWN), or the one `device_id`."""
    query = Device.filter(organization_id=admin.organization_id)
    if device_id is not None:
        query = query.filter(id=device_id)
    devices = await query.order_by("-last_seen_at", "id").limit(DEVICES_SHOWN)
    users = await User.filter(id__in={d.user_id for d in devices}, organization_id=admin.organization_id)
    desks = set(await DeskDevice.filter(device_id__in=[d.id for d in devices]).values_list("device_id", flat=True))
    by_id = {user.id: user for user in users}
    rows = [DeviceRow(device, by_id.get(device.user_id), device.id in desks) for device in devices]
    return DeviceList(rows, await query.count() if len(rows) == DEVICES_SHOWN else len(rows))


async def counts(organization_id: int) -> dict[str, int]:
    """The admin's home tile: tablets in use (not revoked, something received from them), review desks, and
    tablets only signed in on (a set-up left unfinished, or no entry yet: not use)."""
    live = Device.filter(organization_id=organization_id, revoked_at=None)
    desks = Subquery(DeskDevice.filter(user__organization_id=organization_id).values("device_id"))
    tablets = live.exclude(id__in=desks)
    return {"devices": await tablets.filter(acked_through__gt=0).count(), "desks": await live.filter(id__in=desks).count(),
            "devices_new": await tablets.filter(acked_through=0).count()}


async def is_desk(device: Device) -> bool:
    """Whether `device` is a user's review desk (server.services.desk_events), not a tablet."""
    return await DeskDevice.exists(device_id=device.id)


async def revoke_device(*, device: Device, admin: User, reason: str) -> Device:
    """Mark the tablet revoked (first revocation time and reason kept) and end every session bound to it."""
    async with in_transaction("default"):
        if device.revoked_at is None:
            device.revoked_at = datetime.now(timezone.utc)
            device.revoked_reason = reason
            await device.save(update_fields=["revoked_at", "revoked_reason"])
        revoked = await sessions.revoke_for_device(device.id, device.revoked_at)
        await audit.record(
            "device.revoke", actor=access.actor(admin), object_type="device", object_id=device.id,
            detail={"user_id": device.user_id, "sessions_revoked": revoked, "reason": reason},
        )
    return device


async def allow_reregistration(*, device: Device, admin: User) -> Device:
    """Let the revoked tablet's browser register again as a new tablet (its own id stays revoked)."""
    if device.revoked_at is not None and device.reregister_allowed_at is None:
        device.reregister_allowed_at = datetime.now(timezone.utc)
        await device.save(update_fields=["reregister_allowed_at"])
        await audit.record("device.allow_reregistration", actor=access.actor(admin), object_type="device",
                           object_id=device.id, detail={"user_id": device.user_id})
    return device
