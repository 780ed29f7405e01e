"""Deciding, for every event of a push, exactly one of: accepted, duplicate, collision, quarantined.

Two phases. `prepare` runs before the push waits for the log's writer and needs no database:
each event's content digest, its envelope, and the host's check of its content (`Policy.check`),
so that this work, most of a push's, runs while the writer waits on the disk for other pushes.
`classify` runs in the writer's transaction. Order of questions for each event id:
1. Already in the log? Same content: duplicate. Other content: collision (copy quarantined).
2. Already in quarantine with the same content? The same answer as the first time.
3. Seen earlier in this same batch? Decided after the first copy is (same rules as 1).
   A revoked tablet's surrender stops here: every new entry is kept aside (`REVOKED`), for a
   pharmacist to accept or reject (`sync.review`), whatever the checks would say.
4. Otherwise its prepared reading: unreadable or invalid, quarantined; else the host judges
   whether this user may write it now (`Policy.judge`): accept or quarantine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sync.content import content_sha256, digest_against, read_candidate, sent_json, visit_uuid
from sync.group import Group, Resolution
from sync.models import Device, Quarantine
from sync.policy import Candidate, Policy, Principal, Refusal
from sync.protocol import FUTURE_TOLERANCE_S, MAX_REASON

BACKDATE_TOLERANCE = timedelta(seconds=FUTURE_TOLERANCE_S)
"""How much earlier than an entry the device numbered before it an entry may claim to be recorded
before it is flagged `backdated`: a tablet's clock is nudged by seconds when it synchronises,
never by minutes."""

logger = logging.getLogger("ivlog.sync")

Result = dict[str, Any]  # one `sync.protocol.PushResult`, as plain data: built once per event of every push


def result(event_id: UUID, status: str, *, server_seq: int | None = None, reason: str = "", code: str = "") -> Result:
    return {"id": event_id, "status": status, "server_seq": server_seq, "reason": reason, "code": code}


@dataclass(frozen=True)
class Held:
    """A submission already kept aside: what it was told, to tell a retry the same."""

    event_id: UUID
    code: str
    reason: str


CHECK_FAILED = Refusal("check_failed", "The server could not check this entry, so it was kept aside. "
                                       "The pharmacy can see it; tell them if it is needed.")
COLLISION = Refusal("collision", "Another entry with the same id but different content was received first; this copy is kept aside.")
REVOKED = Refusal("revoked_device", "Sent by a tablet after an administrator revoked it, so it was kept aside. "
                                    "A pharmacist accepts it into the visit or rejects it.")


@dataclass
class Batch:
    principal: Principal
    device: Device
    now: datetime
    offset: timedelta
    ids: list[UUID]
    results: list[Result] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # rows for sync.store.insert_events
    quarantines: list[Quarantine] = field(default_factory=list)
    touched_visits: set[UUID] = field(default_factory=set)
    resolutions: dict[UUID, UUID] = field(default_factory=dict)
    held: dict[tuple[UUID, str], Held] = field(default_factory=dict)  # quarantined, by (id, content)
    wiped: bool = False
    surrender: bool = False  # a revoked tablet hands over its outbox: every new entry is kept aside
    floors: dict[int, datetime] = field(default_factory=dict)  # by device_seq: recorded_at it cannot precede
    latest: datetime = field(init=False)  # occurred or recorded after this, by the device's corrected clock: future

    def __post_init__(self) -> None:
        self.latest = self.now + timedelta(seconds=FUTURE_TOLERANCE_S) - self.offset

    def device_seqs(self) -> list[int]:
        """The device_seq of every row this push stores (accepted or kept aside)."""
        return [row["device_seq"] for row in self.events] + [row.device_seq for row in self.quarantines]

    def summary(self, batch_id: UUID) -> dict[str, Any]:
        """The push as its audit entry says it: how many of each answer, and the kinds of entry stored, so an
        auditor reads a sign-off as "review.signed", not as a bare push (a walk)."""
        counts: dict[str, int] = {}
        for answer in self.results:
            counts[answer["status"]] = counts.get(answer["status"], 0) + 1
        kinds: dict[str, int] = {}
        for row in self.events:
            kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
        stored = ", ".join(kind if n == 1 else f"{kind} ×{n}" for kind, n in sorted(kinds.items()))
        return {"batch_id": str(batch_id), "device_id": str(self.device.id), **counts, **({"kinds": stored} if kinds else {})}

    def quarantine(self, raw: dict[str, Any], event_id: UUID, digest: str, refusal: Refusal,
                   visit_id: UUID | None) -> Result:
        refusal = bounded(refusal)
        row = Quarantine(
            event_id=event_id, organization_id=self.principal.organization_id, visit_id=visit_id,
            device_id=self.device.id, device_seq=raw["device_seq"], author_id=self.principal.user_id,
            received_at=self.now, sent_json=sent_json(raw), content_sha256=digest, code=refusal.code, reason=refusal.reason,
        )
        self.quarantines.append(row)
        self.held[(event_id, digest)] = Held(event_id, refusal.code, refusal.reason)
        if visit_id is not None:
            self.touched_visits.add(visit_id)  # the host may flag the visit as holding quarantined entries
        status = "collision" if refusal.code == "collision" else "quarantined"
        return result(event_id, status, reason=refusal.reason, code=refusal.code)

    def accept(self, raw: dict[str, Any], candidate: Candidate, digest: str) -> Result:
        flags = self._flags(candidate)
        self.events.append({
            "id": candidate.id, "organization_id": self.principal.organization_id, "visit_id": candidate.visit_id,
            "device_id": self.device.id, "device_seq": candidate.device_seq, "kind": candidate.kind,
            "schema": candidate.schema, "occurred_at": candidate.occurred_at, "recorded_at": candidate.recorded_at,
            "received_at": self.now, "server_seq": None, "author_id": self.principal.user_id,  # numbered at the commit
            "payload": candidate.payload, "content_sha256": digest, "flags": flags,
            "sent": {"id": raw["id"], "occurred_at": raw["occurred_at"], "recorded_at": raw["recorded_at"]},
        })
        self.touched_visits.add(candidate.visit_id)
        if isinstance(raw.get("resolves"), str):
            self.resolutions[candidate.id] = UUID(raw["resolves"])
        return result(candidate.id, "accepted")  # its server_seq is filled in when the group numbers its events

    def _flags(self, candidate: Candidate) -> list[str]:
        flags = []
        if candidate.occurred_at > self.latest or candidate.recorded_at > self.latest:
            flags.append("future_time")
        if candidate.device_seq <= self.device.acked_through:
            flags.append("device_seq_reused")
            self.wiped = True
        elif (floor := self.floors.get(candidate.device_seq)) and candidate.recorded_at < floor - BACKDATE_TOLERANCE:
            flags.append("backdated")
        return flags

    def order_floors(self, readings: list[Candidate | Refusal]) -> None:
        """A tablet numbers its entries (device_seq) in the order it records them, on its own clock.
        So an entry cannot have been recorded before any entry numbered lower: for each new seq of this
        push, the latest recorded_at among the lower ones (this push's, and the device's mark). An entry
        recorded hours ago and sent late by an offline tablet is not caught (its number is in order);
        one whose recorded_at was set back (forged, or typed in after later entries) is."""
        floor = self.device.recorded_through_at
        for candidate in sorted((c for c in readings if isinstance(c, Candidate)
                                 and c.device_seq > self.device.acked_through), key=lambda c: c.device_seq):
            if floor is not None:
                self.floors[candidate.device_seq] = floor
            floor = candidate.recorded_at if floor is None else max(floor, candidate.recorded_at)


@dataclass(frozen=True)
class Prepared:
    """What can be known of a push's events without the database, one entry per event."""

    digests: list[str]
    readings: list[Candidate | Refusal]  # the envelope read and the content checked, or why not


def prepare(raws: list[dict[str, Any]], ids: list[UUID], policy: Policy, *, check_text: bool) -> Prepared:
    """`check_text=False`: the body was screened, no event holds unstorable text."""
    visit_ids: dict[Any, UUID] = {}  # the batch's events share a few visits: parse each id once
    readings: list[Candidate | Refusal] = []
    for raw, event_id in zip(raws, ids):
        reading = read_candidate(raw, event_id, check_text=check_text, visit_ids=visit_ids)
        readings.append(reading if isinstance(reading, Refusal) else _checked(policy, reading))
    return Prepared([content_sha256(raw) for raw in raws], readings)


def _checked(policy: Policy, candidate: Candidate) -> Candidate | Refusal:
    """The host's verdict on the content. A check that fails keeps this one event aside: failing
    the push would refuse the whole batch, on every retry, and the rest would never be stored."""
    try:
        return policy.check(candidate) or candidate
    except Exception:
        logger.exception("checking an event's content failed; the event was kept aside")
        return CHECK_FAILED


async def classify(batch: Batch, raws: list[dict[str, Any]], prepared: Prepared, policy: Policy, group: Group) -> None:
    """Decide every event of the push against what the group knows (the database as read under
    the lock, and the pushes decided before this one). The caller then hands the batch's rows to
    the group (`hand_over`), or refuses the push whole (sync.quota) and stores none of them."""
    logged = {event_id: group.logged[event_id] for event_id in batch.ids if event_id in group.logged}
    batch.order_floors(prepared.readings)
    batch.held = {(event_id, row["content_sha256"]): Held(event_id, row["code"], row["reason"])
                  for event_id in (batch.ids if group.held else ()) for row in group.held.get(event_id, ())}
    digests = _digests(raws, prepared.digests, batch.ids, logged, batch.held)
    slots: list[Result | None] = [None] * len(raws)
    first: dict[UUID, int] = {}
    pending: list[tuple[int, Candidate]] = []
    for index, (event_id, raw, digest) in enumerate(zip(batch.ids, raws, digests)):
        if logged and event_id in logged:
            slots[index] = _against_log(batch, raw, event_id, digest, logged[event_id])
        elif batch.held and (event_id, digest) in batch.held:
            slots[index] = _as_before(batch.held[(event_id, digest)])
        elif event_id not in first:
            first[event_id] = index
            candidate = REVOKED if batch.surrender else prepared.readings[index]
            if isinstance(candidate, Refusal):
                slots[index] = batch.quarantine(raw, event_id, digest, candidate, visit_uuid(raw.get("visit_id")))
            else:
                pending.append((index, candidate))
    refusals = await policy.judge(batch.principal, [candidate for _, candidate in pending], group.ahead.get(id(policy)))
    for index, candidate in pending:
        refusal = refusals.get(candidate.id)
        raw, digest = raws[index], digests[index]
        slots[index] = (batch.quarantine(raw, candidate.id, digest, refusal, candidate.visit_id) if refusal
                        else batch.accept(raw, candidate, digest))
    for index, raw in enumerate(raws):
        if slots[index] is None:  # a repeat of an id first seen earlier in this batch
            original = first[batch.ids[index]]
            slots[index] = _repeat(batch, raw, batch.ids[index], digests[index], slots[original], digests[original])
    batch.results = [slot for slot in slots if slot is not None]
    if batch.resolutions:
        batch.touched_visits |= await _visits_of_held(group, batch)


async def _visits_of_held(group: Group, batch: Batch) -> set[UUID]:
    """The visits of the held entries this push corrects: their flag of held entries changes."""
    visit_ids = await Quarantine.filter(
        event_id__in=list(batch.resolutions.values()), organization_id=batch.principal.organization_id,
        author_id=batch.principal.user_id).using_db(group.connection).values_list("visit_id", flat=True)
    return {visit_id for visit_id in visit_ids if visit_id is not None}


def hand_over(batch: Batch, group: Group) -> None:
    """The batch's rows join the group's writes, and what it stored joins what the group knows."""
    group.writes.events += batch.events
    group.writes.quarantines += batch.quarantines
    principal = batch.principal
    group.writes.resolutions += [Resolution(event_id, resolved_id, principal.organization_id, principal.user_id,
                                            batch.now) for event_id, resolved_id in batch.resolutions.items()]
    group.writes.answers += batch.results
    for row in batch.events:
        group.logged[row["id"]] = {"content_sha256": row["content_sha256"], "server_seq": None}
    for row in batch.quarantines:
        group.held.setdefault(row.event_id, []).append(
            {"content_sha256": row.content_sha256, "code": row.code, "reason": row.reason})


def _against_log(batch: Batch, raw: dict, event_id: UUID, digest: str, logged: dict) -> Result:
    if logged["content_sha256"] == digest:
        return result(event_id, "duplicate", server_seq=logged["server_seq"])
    return _collision(batch, raw, event_id, digest)


def _repeat(batch: Batch, raw: dict, event_id: UUID, digest: str, original: Result | None,
            original_digest: str) -> Result:
    assert original is not None
    if digest != original_digest:
        return _collision(batch, raw, event_id, digest)
    status = "duplicate" if original["status"] == "accepted" else original["status"]
    return {**original, "status": status}


def _collision(batch: Batch, raw: dict, event_id: UUID, digest: str) -> Result:
    """Keep a differing copy aside, once: a retry of the same copy gets the same answer."""
    earlier = batch.held.get((event_id, digest))
    return _as_before(earlier) if earlier else batch.quarantine(raw, event_id, digest, COLLISION, visit_uuid(raw.get("visit_id")))


def _as_before(held: Held) -> Result:
    status = "collision" if held.code == "collision" else "quarantined"
    return result(held.event_id, status, reason=held.reason, code=held.code)


def _digests(raws: list[dict[str, Any]], digests: list[str], ids: list[UUID], logged: dict[UUID, dict],
             held: dict[tuple[UUID, str], Held]) -> list[str]:
    """Each event's content digest; for an id the server already holds, the digest it was
    stored under (an older server's encoding, `sync.content.legacy_sha256`) when that one matches."""
    known: dict[UUID, set[str]] = {}
    for event_id, row in logged.items():
        known.setdefault(event_id, set()).add(row["content_sha256"])
    for event_id, digest in held:
        known.setdefault(event_id, set()).add(digest)
    if not known:
        return digests
    return [digest_against(raw, digest, known.get(event_id, set())) for raw, digest, event_id in zip(raws, digests, ids)]


def bounded(refusal: Refusal) -> Refusal:
    """The refusal with its reason cut at `MAX_REASON` characters: a host's payload check may name every
    field a payload should not have (140 KB for one entry), and every page showing it would carry that."""
    if len(refusal.reason) <= MAX_REASON:
        return refusal
    cut = len(refusal.reason) - MAX_REASON
    return Refusal(refusal.code, f"{refusal.reason[:MAX_REASON]}… ({cut:,} more characters not kept)")
