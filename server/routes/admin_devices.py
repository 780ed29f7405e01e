"""Administration of the organization's tablets: the list with the idle lock, revocation (a
confirmation step that says what becomes of the tablet's entries, then the reason) and allowing a
browser to register again. For the admin role, inside the admin's organization (404 otherwise)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import access
from server.db.models import Role, User
from server.errors import BadRequest
from server.routes import forms, guard
from server.routes.admin_pages import done, failed, page
from server.services import devices, tablet_lock
from sync.models import Device


class RevokeReason(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=1, max_length=500)


async def _devices_page(request: Request, admin: User, extra: dict[str, Any], status: int = 200) -> Response:
    listed = await devices.devices_of(admin=admin)
    lock_min = await tablet_lock.lock_minutes(admin.organization_id, guard.settings_of(request).tablet_lock_min)
    context = {"rows": listed.rows, "total": listed.total, "section": "devices", "lock_min": lock_min, "lock_bounds": (tablet_lock.LOCK_MIN_LOW, tablet_lock.LOCK_MIN_HIGH)}
    return page(request, "devices.html", {**context, **extra}, status=status)


async def device_list(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    return await _devices_page(request, admin, {})


async def lock_update(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    form = await forms.read_form(request)
    try:
        await tablet_lock.set_lock_minutes(admin=admin, data=forms.parse_form(form, tablet_lock.LockSetting))
    except BadRequest as error:
        return await _devices_page(request, admin, failed(error, form), status=error.status)
    return done("/admin/devices", "lock-saved")


async def _managed_device(request: Request, admin: User) -> Device:
    device_id: UUID = request.path_params["device_id"]
    return await access.manage_in_organization(admin, Device, device_id, object_type="device")


async def _confirm_page(request: Request, admin: User, device: Device, extra: dict[str, Any],
                        status: int = 200) -> Response:
    [row] = (await devices.devices_of(admin=admin, device_id=device.id)).rows
    return page(request, "device_revoke.html", {"row": row, "section": "devices", **extra}, status=status)


async def device_revoke_confirm(request: Request) -> Response:
    """The confirmation step: who the tablet belongs to, what happens to its entries, and the reason."""
    admin = await guard.require(request, Role.ADMIN)
    device = await _managed_device(request, admin)
    return await _confirm_page(request, admin, device, {})


async def device_revoke(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    form = await forms.read_form(request)
    device = await _managed_device(request, admin)
    try:
        reason = forms.parse_form(form, RevokeReason).reason
    except BadRequest as error:
        return await _confirm_page(request, admin, device, failed(error, form), status=error.status)
    await devices.revoke_device(device=device, admin=admin, reason=reason)
    return done("/admin/devices", "desk-revoked" if await devices.is_desk(device) else "device-revoked")


async def device_allow_reregistration(request: Request) -> Response:
    admin = await guard.require(request, Role.ADMIN)
    await forms.read_form(request)
    device = await _managed_device(request, admin)
    await devices.allow_reregistration(device=device, admin=admin)
    return done("/admin/devices", "desk-allowed" if await devices.is_desk(device) else "reregistration-allowed")


routes = [
    Route("/admin/devices", device_list, methods=["GET"]),
    Route("/admin/devices/{device_id:uuid}/revoke", device_revoke_confirm, methods=["GET"]),
    Route("/admin/devices/{device_id:uuid}/revoke", device_revoke, methods=["POST"]),
    Route("/admin/devices/{device_id:uuid}/reregistration", device_allow_reregistration, methods=["POST"]),
    Route("/admin/devices/lock", lock_update, methods=["POST"]),
]
