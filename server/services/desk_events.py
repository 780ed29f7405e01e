"""Events written at a desk (a pharmacist's review), pushed through the sync engine like a tablet's.

A desk action is not a special write path: it becomes one event in the log, through the same
`sync.engine.push` with the server's `ServerPolicy`, so the same validation, authorization,
audit and projection apply, and tablets pull it like anything else.

Each desk user has one "desk device" (`DeskDevice`). Its id is random and made here, and its
device row is bound to the user in the same transaction, so no one can guess it and bind it to
themselves first (issue 16 item 3: the id used to be a uuid5 of the user id). Its `device_seq`
numbers come from one atomic UPDATE of `desk_device.last_seq`, so desk actions on several
server processes at once never reuse a number (issue 19 item b: the lock was per process).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from server import access, audit
from server.clinical.events import validate_event
from server.clinical.problems import EventInvalid
from server.db.models import DeskDevice, User, Visit
from server.errors import AppError, BadRequest, Conflict, DeviceRefused, FieldError, NotFound, PayloadTooLarge, \
    ValidationFailed
from server.services.desk_turn import desk_turn
from server.sync_policy import ServerPolicy
from sync import engine
from sync.errors import SyncError
from sync.models import Device
from sync.policy import Principal
from sync.protocol import PROTOCOL_VERSION, PushRequest, PushResponse, PushResult

DESK_LABEL = "Desk (review)"
SCHEMA = 1


async def desk_device(user: User) -> DeskDevice:
    """The user's desk device, made on first use with a random id and bound to the user at once. A desk an
    administrator revoked and then allowed again is replaced by a new one (the revoked id stays revoked,
    as a tablet's does): before, the pharmacist's desk stayed refused for good."""
    found = await DeskDevice.get_or_none(user_id=user.id)
    if found is not None and not await Device.exists(id=found.device_id, reregister_allowed_at__isnull=False):
        return found
    now = datetime.now(timezone.utc)
    device_id = uuid.uuid4()
    try:
        async with in_transaction("default") as connection:
            await Device.create(id=device_id, organization_id=user.organization_id, user_id=user.id,
                                label=DESK_LABEL, created_at=now, last_seen_at=now, using_db=connection)
            if found is None:
                return await DeskDevice.create(user_id=user.id, device_id=device_id, using_db=connection)
            if not await DeskDevice.filter(user_id=user.id, device_id=found.device_id).using_db(connection).update(
                    device_id=device_id, last_seq=0):
                raise IntegrityError("another request replaced the desk first")  # rolls back this one's device
            await Device.filter(id=found.device_id).using_db(connection).update(label=f"{DESK_LABEL}, replaced")
            await audit.record("device.desk_replaced", actor=access.actor(user), object_type="device",
                               object_id=device_id, detail={"replaced": str(found.device_id)})
    except IntegrityError:  # another request or process made it first: use that one
        pass
    return await DeskDevice.get(user_id=user.id)


async def desk_device_id(user: User) -> uuid.UUID:
    return (await desk_device(user)).device_id


async def take_device_seq(user: User) -> tuple[uuid.UUID, int]:
    """The desk device and the next device_seq, taken in one atomic step in the database."""
    await desk_device(user)
    async with in_transaction("default") as connection:
        await DeskDevice.filter(user_id=user.id).using_db(connection).update(last_seq=F("last_seq") + 1)
        taken = await DeskDevice.get(user_id=user.id).using_db(connection)
    return taken.device_id, taken.last_seq


async def _numbered_push(user: User, visit: Visit, kind: str, payload: dict[str, Any]) -> PushResult:
    """Take the desk device's next number and push the event, in the user's turn (server.services.desk_turn)."""
    async with desk_turn(user.id):
        device_id, device_seq = await take_device_seq(user)
        event = _event(visit=visit, kind=kind, payload=payload, device_seq=device_seq, now=datetime.now(timezone.utc))
        return (await push_events(user=user, device_id=device_id, events=[event])).results[0]


def _event(*, visit: Visit, kind: str, payload: dict[str, Any], device_seq: int, now: datetime) -> dict[str, Any]:
    instant = now.isoformat()
    return {"id": str(uuid.uuid4()), "visit_id": str(visit.id), "device_seq": device_seq, "kind": kind,
            "schema": SCHEMA, "occurred_at": instant, "recorded_at": instant, "payload": payload}


async def append(*, user: User, visit: Visit, kind: str, payload: dict[str, Any]) -> PushResult:
    """Push one event by `user` for `visit`; returns its accepted result or raises with the reason.

    The payload is checked first, so a mistyped form is answered at once instead of being kept
    in quarantine (where it would flag the visit as holding entries to resolve)."""
    _check_payload(kind, payload)
    if isinstance(connections.get("default"), TransactionalDBClient):
        raise RuntimeError("a desk action cannot run inside a transaction: the log's writers commit it on "
                           "their own connections and would wait for that transaction's rows")
    # Its own task, awaited shielded: a request cancelled (the pharmacist's browser gone) must not leave the
    # turn while its push is still being written, or the next action's number could reach the log first.
    result = await asyncio.shield(asyncio.ensure_future(_numbered_push(user, visit, kind, payload)))
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
    try:
        outcome = await engine.push(request, principal, policy)
    except SyncError as error:  # e.g. the device was revoked: a clear answer, never a 500
        raise _app_error(error) from None
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


def _app_error(error: SyncError) -> AppError:
    """The engine's own refusal as the host's error, with the engine's words and code."""
    if error.code == "device_revoked":  # the engine speaks of a tablet; this is the pharmacist's desk
        return DeviceRefused("Your review desk was revoked by an administrator: interventions and sign-offs are "
                             "refused until an administrator allows the desk again. What you typed is kept here.",
                             code=error.code)
    if error.status == 403:
        return DeviceRefused(f"{error.message} Desk actions are recorded from a device bound to your account; "
                             "ask an administrator.", code=error.code)
    kinds: dict[int, type[AppError]] = {400: BadRequest, 404: NotFound, 409: Conflict, 413: PayloadTooLarge}
    return kinds.get(error.status, Conflict)(error.message)
