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
from sync.classify import Batch, classify
from sync.group import Group, GroupWriter
from sync.policy import AuditRecord, Policy, Principal
from sync.protocol import PROTOCOL_VERSION, PushRequest
from sync.reading import Reading, read_request

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
    """Read and store one push given as a model (a desk action; tablets' bodies: `push_read`)."""
    return await push_read(read_request(request, policy.check, check_text=check_text), principal, policy)


async def push_read(reading: Reading, principal: Principal, policy: Policy) -> PushOutcome:
    """Classify and store one push, read already (`sync.reading`, here or in `sync.offload`)."""
    global _in_flight
    _in_flight += 1
    try:
        return await _push(reading, principal, policy)
    finally:
        _in_flight -= 1


async def _push(reading: Reading, principal: Principal, policy: Policy) -> PushOutcome:
    request, ids = reading.request, reading.ids
    await devices.check(request.device_id, principal, policy)
    now = datetime.now(timezone.utc)
    offset_ms = int((now - request.sent_at).total_seconds() * 1000)

    async def write(group: Group) -> PushOutcome:
        device = await devices.bind(group, request.device_id, principal, now)
        batch = Batch(principal=principal, device=device, now=now, offset=timedelta(milliseconds=offset_ms),
                      next_seq=group.next_seq, ids=ids)
        await classify(batch, request.events, reading.prepared, policy, group)
        state = devices.advance(group, device, batch.device_seqs(), now=now, wiped=batch.wiped)
        group.writes.audit(policy, AuditRecord("sync.push", principal, "ok", batch.summary(request.batch_id)))
        response = {"protocol": PROTOCOL_VERSION, "server_time": now, "clock_offset_ms": offset_ms,
                    "results": batch.results, "device": state.model_dump(), "client_update_required": False}
        return PushOutcome(response=response, touched_visits=batch.touched_visits)

    return await WRITER.write(write, device_id=request.device_id, ids=ids)


async def pull(principal: Principal, policy: Policy, *, after: int, limit: int) -> dict[str, Any]:
    """`{events, next, more, server_time}`: readable events after the cursor, in server_seq order."""
    scope = await policy.readable(principal)
    visit_ids = None if scope.visit_ids is None else sorted(scope.visit_ids)
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
