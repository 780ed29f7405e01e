"""Push and pull, one transaction each (DESIGN section 5).

Push classifies every event exactly once: accepted (gets the next `server_seq`), duplicate
(same id, same content: the first answer again), collision (same id, other content: the copy
is quarantined, the first untouched) or quarantined (kept whole with a reason). Nothing a
device sends is dropped. Pushes are written by one writer in group commits (`sync.group`):
`server_seq` is handed out under the log lock, so it follows commit order and a pull never
skips an event that commits late.

The host's projections are brought up to date after the commit (`PushOutcome.touched_visits`),
outside the write lock: they can always be rebuilt from the log, and a slow fold must not keep
every other tablet waiting to have its entries acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from tortoise.connection import get_connection

from sync import devices, store
from sync.classify import Batch, classify, prepare
from sync.errors import malformed, not_readable, too_large
from sync.group import Group, GroupWriter
from sync.policy import AuditRecord, Policy, Principal
from sync.protocol import MAX_EVENTS, MAX_SEQ, PROTOCOL_VERSION, PushRequest

WRITER = GroupWriter()  # this process's single writer of the log (see sync.group)


@dataclass(frozen=True)
class PushOutcome:
    response: dict[str, Any]  # a `sync.protocol.PushResponse` as plain data (ids and times unencoded)
    touched_visits: set[UUID]


_in_flight = 0


def pushes_in_flight() -> int:
    """Pushes being processed in this process now (the host may hold back background work)."""
    return _in_flight


async def push(request: PushRequest, principal: Principal, policy: Policy, *, check_text: bool = True) -> PushOutcome:
    """Classify and store one push. `check_text=False`: the caller screened the raw body and no
    text in it can hold an unstorable character (`sync.content.may_hold_unstorable`)."""
    global _in_flight
    _in_flight += 1
    try:
        return await _push(request, principal, policy, check_text)
    finally:
        _in_flight -= 1


async def _push(request: PushRequest, principal: Principal, policy: Policy, check_text: bool) -> PushOutcome:
    if request.protocol != PROTOCOL_VERSION:
        raise malformed(f"Protocol {request.protocol} is not spoken here (this server speaks {PROTOCOL_VERSION}).")
    if len(request.events) > MAX_EVENTS:
        raise too_large(f"A push holds at most {MAX_EVENTS} events; split the batch and send the parts.")
    ids = _event_ids(request.events)
    await devices.check(request.device_id, principal, policy)
    prepared = prepare(request.events, ids, policy, check_text=check_text)
    now = datetime.now(timezone.utc)
    offset_ms = int((now - request.sent_at).total_seconds() * 1000)

    async def write(group: Group) -> PushOutcome:
        device = await devices.bind(group, request.device_id, principal, now)
        batch = Batch(principal=principal, device=device, now=now, offset=timedelta(milliseconds=offset_ms),
                      next_seq=group.next_seq, ids=ids)
        await classify(batch, request.events, prepared, policy, group)
        state = devices.advance(group, device, batch.device_seqs(), now=now, wiped=batch.wiped,
                                recorded={row["device_seq"]: row["recorded_at"] for row in batch.events})
        group.writes.audit(policy, AuditRecord("sync.push", principal, "ok", batch.summary(request.batch_id)))
        response = {"protocol": PROTOCOL_VERSION, "server_time": now, "clock_offset_ms": offset_ms,
                    "results": batch.results, "device": state.model_dump(), "client_update_required": False}
        return PushOutcome(response=response, touched_visits=batch.touched_visits)

    return await WRITER.write(write, device_id=request.device_id, ids=ids)


def _event_ids(events: list[dict[str, Any]]) -> list[UUID]:
    """Every event needs a readable id and device_seq, or the whole push is malformed."""
    ids = []
    for index, raw in enumerate(events):
        if raw.__class__ is not dict:
            raise malformed(f"Event {index} is not an object.")
        try:
            ids.append(UUID(raw["id"]))
            seq = raw["device_seq"]
        except (KeyError, ValueError, TypeError, AttributeError):
            raise malformed(f"Event {index} has no valid id.") from None
        if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
            raise malformed(f"Event {index} has no valid device_seq (a whole number from 1 to {MAX_SEQ}).")
    return ids


async def pull(principal: Principal, policy: Policy, *, after: int, limit: int,
               visit_id: UUID | None = None) -> dict[str, Any]:
    """`{events, next, more, server_time}`: readable events after the cursor, in server_seq order.

    `visit_id`: that visit's events only. A device's cursor passed events of visits it could not
    read then; when one becomes readable (a patient newly assigned), it is pulled again from 0."""
    scope = await policy.readable(principal)
    visit_ids = None if scope.visit_ids is None else sorted(scope.visit_ids)
    if visit_id is not None:
        if scope.visit_ids is not None and visit_id not in scope.visit_ids:
            raise not_readable("This visit does not exist or you may not read it.")
        visit_ids = [visit_id]
    rows = await store.events_after(get_connection("default"), organization_id=scope.organization_id, after=after,
                                    visit_ids=visit_ids, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "events": rows,
        "next": rows[-1]["server_seq"] if rows else after,
        "more": more,
        "server_time": datetime.now(timezone.utc).isoformat(),
    }
