"""What only a tablet asks for: the key that unwraps its local store, and its settings.

The tablet keeps its data key wrapped twice: by the nurse's PIN and by this server-held key.
The server releases the key only to a live session bound to that very device, so a forgotten
PIN never loses the outbox, and a revoked tablet can no longer open its store.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server import audit
from server.db.models import Role
from server.errors import Forbidden
from server.routes import guard
from server.services import tablet_lock
from sync.models import Device


async def device_key(request: Request) -> Response:
    user = await guard.require(request, Role.NURSE)
    session = request.state.auth.session
    if session.device_id is None:
        raise Forbidden("Only a tablet session receives its device key. Log in from the tablet app.")
    device = await Device.get(id=session.device_id)
    await audit.record("device.key_release", actor=audit.Actor(user.id, user.organization_id),
                       object_type="device", object_id=device.id)
    return JSONResponse({
        "device_id": str(device.id),
        "wrap_key": device.wrap_key,
        "lock_after_min": await tablet_lock.lock_minutes(user.organization_id, guard.settings_of(request).tablet_lock_min),
    })


routes = [Route("/api/device-key", device_key, methods=["GET"])]
