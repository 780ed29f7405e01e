"""Devices: binding to their first user, refusal of strangers and revoked tablets, and the
contiguous high-water mark of `device_seq` with the gaps above it."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable
from uuid import UUID

from tortoise.connection import get_connection

from sync import store
from sync.errors import device_refused
from sync.group import Group
from sync.models import Device
from sync.policy import Policy, Principal
from sync.protocol import DeviceState


async def check(device_id: UUID, principal: Principal, policy: Policy) -> None:
    """Refuse (403, audited) a device bound to someone else, a revoked one, or a session's
    foreign device. Runs before the push transaction so that the refusal's audit survives."""
    reason, device = None, None
    if principal.device_id is not None and principal.device_id != device_id:
        reason = ("session_device_mismatch", "This session belongs to another tablet. Log in again on this one.")
    elif principal.device_checked:
        return  # read a moment ago with the session (and read again, its row locked, in the push transaction: `bind`)
    else:
        device = await store.device_owner(get_connection("default"), device_id)
        if device is not None and device["user_id"] != principal.user_id:
            reason = ("device_refused", "This tablet is registered to another user.")
        elif device is not None and device["revoked_at"] is not None:
            reason = ("device_revoked", "This tablet was revoked by an administrator. Its local data must be wiped.")
    if reason:
        await record_refusal(device_id, principal, policy, reason[0])
        raise device_refused(reason[1], code=reason[0])


async def record_refusal(device_id: UUID, principal: Principal, policy: Policy, code: str) -> None:
    await policy.record("sync.device_refused", principal, outcome="denied",
                        detail={"device_id": str(device_id), "code": code})


async def bind(group: Group, device_id: UUID, principal: Principal, now: datetime, *, surrender: bool = False) -> Device:
    """The device row as read with its row locked (`sync.group`), created for this principal on first use.
    `check` ran before the lock; what changed since (another user's first push bound the
    tablet, an administrator revoked it) is refused here; the push rolls back, and the engine
    audits the refusal after it. `surrender`: the tablet hands over its outbox after its
    revocation; it must be its owner's and revoked."""
    device = group.devices.get(device_id)
    if surrender and (device is None or device.user_id != principal.user_id or device.revoked_at is None):
        raise device_refused("Only a revoked tablet hands over its entries this way, to its own user.",
                             code="not_revoked")
    if not surrender and device is not None and (device.user_id != principal.user_id or device.revoked_at is not None):
        raise device_refused("This tablet is registered to another user or was revoked.", code="device_refused")
    if device is None:
        device = await Device.create(
            id=device_id, organization_id=principal.organization_id, user_id=principal.user_id,
            created_at=now, last_seen_at=now, using_db=group.connection,
        )
        group.devices[device_id] = device
    return device


def advance(group: Group, device: Device, seqs: Iterable[int], *, now: datetime, wiped: bool,
            recorded: dict[int, datetime] | None = None) -> DeviceState:
    """Move `acked_through` over every contiguous seq received (those held before, and `seqs`,
    this push's), and report what is missing. The group writes the device row at its end.
    `recorded`: this push's accepted events, device_seq -> recorded_at (the device's clock order)."""
    received = group.received.setdefault(device.id, set())
    received.update(seqs)
    acked = device.acked_through
    while acked + 1 in received:
        acked += 1
    covered = [at for seq, at in (recorded or {}).items() if device.acked_through < seq <= acked]
    if covered:
        latest = max(covered)
        through = device.recorded_through_at
        device.recorded_through_at = latest if through is None or latest > through else through
    received.difference_update(range(device.acked_through + 1, acked + 1))
    device.acked_through = acked
    device.last_seen_at = now
    if wiped:
        device.wiped_at = now
    group.writes.devices[device.id] = device
    revoked = device.revoked_at is not None
    return DeviceState(acked_through=acked, gaps=gaps_above(acked, received), wiped=wiped, revoked=revoked,
                       revoked_reason=device.revoked_reason if revoked else "")


def gaps_above(acked: int, received: set[int]) -> list[tuple[int, int]]:
    """Missing ranges (inclusive) between the high-water mark and the highest seq received."""
    gaps, expected = [], acked + 1
    for seq in sorted(s for s in received if s > acked):
        if seq > expected:
            gaps.append((expected, seq - 1))
        expected = seq + 1
    return gaps
