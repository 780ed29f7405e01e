"""Push and pull, one transaction each (DESIGN section 5).

Push classifies every event exactly once: accepted (gets the next `server_seq`), duplicate
(same id, same content: the first answer again), collision (same id, other content: the copy
is quarantined, the first untouched) or quarantined (kept whole with a reason). Nothing a
device sends is dropped. Pushes are written in group commits (`sync.group`): a push is decided
(rate, device, known ids, the host's judgement, quota) outside any global lock, and only the
numbering of its accepted events, at its group's commit, is under the log's order lock: `server_seq`
follows commit order and a pull never skips an event that commits late.

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

from sync import devices, quota, rate, store
from sync.classify import REVOKED, Batch, classify, hand_over, prepare
from sync.errors import SyncError, malformed, not_readable, too_large
from sync.group import Group
from sync.turns import TURN
from sync.writer import GroupWriter
from sync.policy import AuditRecord, Candidate, Policy, Principal
from sync.models import Quarantine
from sync.protocol import MAX_EVENTS, MAX_SEQ, MAX_SURRENDERED, PROTOCOL_VERSION, DeviceState, PushRequest

WRITER = GroupWriter()  # this process's writers of the log (see sync.writer)
SURRENDER_ONLY = {"revoked", "revoked_reason", "kept_aside", "revoked_text"}  # a push's answer is as before


@dataclass(frozen=True)
class PushOutcome:
    response: dict[str, Any]  # a `sync.protocol.PushResponse` as plain data (ids and times unencoded)
    touched_visits: set[UUID]
    refusal: SyncError | None = None  # refused whole after classifying (sync.quota); nothing stored


_in_flight = 0


def pushes_in_flight() -> int:
    """Pushes being processed in this process now (the host may hold back background work)."""
    return _in_flight


async def push(request: PushRequest, principal: Principal, policy: Policy, *, check_text: bool = True,
               surrender: bool = False) -> PushOutcome:
    """Classify and store one push. `check_text=False`: the caller screened the raw body and no
    text in it can hold an unstorable character (`sync.content.may_hold_unstorable`).
    `surrender`: a revoked tablet hands over its outbox; what is new is kept aside, never accepted."""
    global _in_flight
    _in_flight += 1
    try:
        outcome = await _push(request, principal, policy, check_text, surrender)
    finally:
        _in_flight -= 1
    if outcome.refusal is not None:
        raise outcome.refusal
    return outcome


async def _push(request: PushRequest, principal: Principal, policy: Policy, check_text: bool,
                surrender: bool) -> PushOutcome:
    if request.protocol != PROTOCOL_VERSION:
        raise malformed(f"Protocol {request.protocol} is not spoken here (this server speaks {PROTOCOL_VERSION}).")
    if len(request.events) > MAX_EVENTS:
        raise too_large(f"A push holds at most {MAX_EVENTS} events; split the batch and send the parts.")
    ids = _event_ids(request.events)
    await devices.check(request.device_id, principal, policy)
    await TURN.wait()  # checking each event: not while a group of this process holds the order lock
    prepared = prepare(request.events, ids, policy, check_text=check_text)
    now = datetime.now(timezone.utc)
    offset_ms = int((now - request.sent_at).total_seconds() * 1000)
    rate_alone = store.dialect(get_connection("default")) == "postgres"  # see sync.rate
    if rate_alone and (too_fast := await _token(principal, policy, now.timestamp())):
        await policy.record("sync.push", principal, outcome="refused",
                            detail={"batch_id": str(request.batch_id), "code": too_fast.code})
        return PushOutcome(response={}, touched_visits=set(), refusal=too_fast)

    async def write(group: Group) -> PushOutcome:
        if not rate_alone and (too_fast := await rate.take(group.connection, policy.push_rate, principal.user_id,
                                                           now.timestamp())):
            group.writes.audit(policy, AuditRecord("sync.push", principal, "refused",
                                                   {"batch_id": str(request.batch_id), "code": too_fast.code}))
            return PushOutcome(response={}, touched_visits=set(), refusal=too_fast)
        device = await devices.bind(group, request.device_id, principal, now, surrender=surrender)
        batch = Batch(principal=principal, device=device, now=now, offset=timedelta(milliseconds=offset_ms),
                      ids=ids, surrender=surrender)
        await classify(batch, request.events, prepared, policy, group)
        if not surrender and batch.quarantines and (over := await _over_quota(group, batch, policy)):
            group.writes.audit(policy, AuditRecord("sync.push", principal, "refused",
                                                   {**batch.summary(request.batch_id), "code": over.code}))
            return PushOutcome(response={}, touched_visits=set(), refusal=over)
        kept = await _within_surrender_cap(group, batch) if surrender else 0  # its own cap, not the quota
        hand_over(batch, group)
        state = devices.advance(group, device, batch.device_seqs(), now=now, wiped=batch.wiped,
                                recorded={row["device_seq"]: row["recorded_at"] for row in batch.events})
        if surrender:
            state = _surrendered(state, kept)
        action = "sync.surrender" if surrender else "sync.push"
        group.writes.audit(policy, AuditRecord(action, principal, "ok", batch.summary(request.batch_id)))
        response = {"protocol": PROTOCOL_VERSION, "server_time": now, "clock_offset_ms": offset_ms,
                    "results": batch.results, "device": state.model_dump(exclude=None if surrender else SURRENDER_ONLY),
                    "client_update_required": False}
        return PushOutcome(response=response, touched_visits=batch.touched_visits)

    try:
        visit_ids = {reading.visit_id for reading in prepared.readings if isinstance(reading, Candidate)}
        return await WRITER.write(write, device_id=request.device_id, ids=ids,
                                  ask=None if surrender or not visit_ids else (policy, principal, visit_ids))
    except SyncError as error:
        if error.status == 403:  # bound a moment ago to someone else (`devices.bind`): the push rolled
            await devices.record_refusal(request.device_id, principal, policy, error.code)  # back; audit it now
        raise


async def _token(principal: Principal, policy: Policy, now: float) -> SyncError | None:
    """PostgreSQL: the push's token, taken by the host with the session (`Principal.push_token`) or now."""
    connection = get_connection("default")
    if principal.push_token is None:
        return await rate.take(connection, policy.push_rate, principal.user_id, now, alone=True)
    return None if principal.push_token else await rate.refusal(connection, policy.push_rate, principal.user_id, now)


async def _over_quota(group: Group, batch: Batch, policy: Policy) -> SyncError | None:
    """Whether this push's held rows, with its group's not yet written, pass the host's quota."""
    await group.lock_order()  # counts that see every other group's held rows (sync.group.Group.lock_order)
    pending = [*group.writes.quarantines, *batch.quarantines]
    return await quota.check(group.connection, policy.held_quota, now=batch.now, author_id=batch.principal.user_id,
                             device_id=batch.device.id, pending=pending)


async def _within_surrender_cap(group: Group, batch: Batch) -> int:
    """How many entries the revoked tablet has handed over, this push's included. It may be a
    thief's: bound what it can pile up for the pharmacist to review."""
    held = await Quarantine.filter(device_id=batch.device.id, code=REVOKED.code).using_db(group.connection).count()
    kept = held + sum(1 for row in batch.quarantines if row.code == REVOKED.code)
    if kept > MAX_SURRENDERED:
        raise too_large(f"A revoked tablet hands over at most {MAX_SURRENDERED} entries; call the pharmacy.")
    return kept


def _surrendered(state: DeviceState, kept: int) -> DeviceState:
    """The answer to a hand-over says what the tablet will tell its user once it has wiped itself."""
    reason = f" Reason: {state.revoked_reason}." if state.revoked_reason else ""
    entries = f" Its {kept} unsent {'entry was' if kept == 1 else 'entries were'} kept for the pharmacist." if kept else ""
    text = f"This tablet was revoked by an administrator.{reason}{entries} Its local data has been erased."
    return state.model_copy(update={"kept_aside": kept, "revoked_text": text})


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
    read then; when one becomes readable (a patient newly assigned), it is pulled again from 0.
    A pull that returns events is audited once (`sync.pull`, through the policy): the visits whose
    events it returned and how many, not one entry per event. A refused one is audited too
    (outcome `denied`). An empty pull shows nothing and is not: an idle tablet pulls every minute,
    and recording those would double an idle fleet's audit entries (its reference fetch in the
    same sync is recorded)."""
    scope = await policy.readable(principal)
    visit_ids = None if scope.visit_ids is None else sorted(scope.visit_ids)
    if visit_id is not None:
        if scope.visit_ids is not None and visit_id not in scope.visit_ids:
            await policy.record("sync.pull", principal, outcome="denied", detail=_pull_detail(principal, visit_id))
            raise not_readable("This visit does not exist or you may not read it.")
        visit_ids = [visit_id]
    rows = await store.events_after(get_connection("default"), organization_id=scope.organization_id, after=after,
                                    visit_ids=visit_ids, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    page = {
        "events": rows,
        "next": rows[-1]["server_seq"] if rows else after,
        "more": more,
        "server_time": datetime.now(timezone.utc).isoformat(),
    }
    if rows:
        read = sorted({row["visit_id"] for row in rows})  # at most `limit` (MAX_PULL) ids: bounded
        await policy.record("sync.pull", principal, outcome="ok", detail={
            **_pull_detail(principal, visit_id), "after": after, "next": page["next"], "count": len(rows),
            "visit_ids": read})
    return page


def _pull_detail(principal: Principal, visit_id: UUID | None) -> dict[str, Any]:
    detail: dict[str, Any] = {"visit": str(visit_id) if visit_id else None}
    if principal.device_id is not None:
        detail["device_id"] = str(principal.device_id)
    return detail
