"""Events written at a desk (a pharmacist's review), pushed through the sync engine like a tablet's.

A desk action is not a special write path: it becomes one event in the log, through the same
`sync.engine.push` with the server's `ServerPolicy`, so the same validation, authorization,
audit and projection apply, and tablets pull it like anything else. Each desk user has one
stable "desk device" (a uuid5 of the user id) whose `device_seq` continues after its
acknowledged high-water mark.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from server.clinical.events import validate_event
from server.clinical.problems import EventInvalid
from server.db.models import User, Visit
from server.errors import Conflict, FieldError, ValidationFailed
from server.sync_policy import ServerPolicy
from sync import engine
from sync.models import Device
from sync.policy import Principal
from sync.protocol import PROTOCOL_VERSION, PushRequest, PushResponse, PushResult

DESK_NAMESPACE = uuid.UUID("4f6b2a52-1d0e-5b1c-9a57-6b1e2d0c7a11")
DESK_LABEL = "Desk (review)"
SCHEMA = 1
# One desk action at a time per desk device: reading the next device_seq and pushing it must not
# interleave, or a double-click would reuse a seq and look like a wiped device (per process).
_DEVICE_LOCKS: defaultdict[uuid.UUID, asyncio.Lock] = defaultdict(asyncio.Lock)


def desk_device_id(user: User) -> uuid.UUID:
    """The same device id for the same user, on every server process and after every restart."""
    return uuid.uuid5(DESK_NAMESPACE, f"desk-user:{user.id}")


async def next_device_seq(device_id: uuid.UUID) -> int:
    device = await Device.get_or_none(id=device_id)
    return (device.acked_through if device else 0) + 1


def _event(*, visit: Visit, kind: str, payload: dict[str, Any], device_seq: int, now: datetime) -> dict[str, Any]:
    instant = now.isoformat()
    return {"id": str(uuid.uuid4()), "visit_id": str(visit.id), "device_seq": device_seq, "kind": kind,
            "schema": SCHEMA, "occurred_at": instant, "recorded_at": instant, "payload": payload}


async def append(*, user: User, visit: Visit, kind: str, payload: dict[str, Any]) -> PushResult:
    """Push one event by `user` for `visit`; returns its accepted result or raises with the reason.

    The payload is checked first, so a mistyped form is answered at once instead of being kept
    in quarantine (where it would flag the visit as holding entries to resolve)."""
    _check_payload(kind, payload)
    device_id = desk_device_id(user)
    async with _DEVICE_LOCKS[device_id]:
        now = datetime.now(timezone.utc)
        event = _event(visit=visit, kind=kind, payload=payload, device_seq=await next_device_seq(device_id), now=now)
        result = (await push_events(user=user, device_id=device_id, events=[event])).results[0]
    await Device.filter(id=device_id, label="").update(label=DESK_LABEL)
    if result.status not in ("accepted", "duplicate"):
        raise _refused(result)
    return result


async def push_events(*, user: User, device_id: uuid.UUID, events: list[dict[str, Any]]) -> PushResponse:
    """Push `events` as `user` from `device_id` through the engine and the server's policy, then
    bring the touched visits' projections up to date (the engine leaves that to its caller)."""
    request = PushRequest(protocol=PROTOCOL_VERSION, device_id=device_id, batch_id=uuid.uuid4(),
                          sent_at=datetime.now(timezone.utc), events=events)
    principal = Principal(user_id=user.id, organization_id=user.organization_id)
    policy = ServerPolicy()
    outcome = await engine.push(request, principal, policy)
    await policy.project(principal, outcome.touched_visits)
    return PushResponse.model_validate(outcome.response)


def _check_payload(kind: str, payload: dict[str, Any]) -> None:
    try:
        validate_event(kind, SCHEMA, payload)
    except EventInvalid as error:
        errors = [FieldError(problem.field or "payload", problem.message) for problem in error.problems]
        raise ValidationFailed(str(error), errors=errors) from None


def _refused(result: PushResult) -> ValidationFailed | Conflict:
    """The engine kept the event in quarantine: say why, in the words the policy gave."""
    if result.code in ("invalid_payload", "invalid_envelope"):
        return ValidationFailed(result.reason, errors=[FieldError("payload", result.reason)])
    return Conflict(result.reason or "The entry was not accepted.")
