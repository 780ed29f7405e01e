"""A reviewer decides on an entry kept aside: accepted into the log, or rejected with a note.

Entries a revoked tablet handed over (`sync.classify.REVOKED`), or any other held entry, are never
accepted on the tablet's word: a reviewer (the host decides who) looks at each one. Accepting runs
the normal checks again (`Policy.check`, and `Policy.judge` as the entry's own author) and stores
the entry exactly as sent, under its own id, device and device_seq, with the next `server_seq`
(numbered under the log's order lock at its group's commit, so it follows commit order like every push). The
quarantine row is kept and marked: `resolved_by` the accepted event, `decision`, `decided_by`.
Rejecting marks the row with the reviewer's note. Nothing is deleted or edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from sync import nesting
from sync.content import content_sha256, nested_too_deep, read_candidate
from sync.engine import WRITER
from sync.errors import SyncError
from sync.group import Group, Resolution
from sync.models import Quarantine
from sync.policy import AuditRecord, Candidate, Policy, Principal, Refusal
from sync.protocol import MAX_DEPTH

ACCEPTED_FLAG = "accepted_by_reviewer"  # on the stored event: it was kept aside, then accepted


@dataclass
class Accepted:
    event_id: UUID
    visit_id: UUID
    server_seq: int  # 0 until its group numbered its events (the answer is given only after)


async def open_count(organization_id: int) -> int:
    """Entries of the organization kept aside and not yet resolved, accepted or rejected."""
    return await Quarantine.filter(organization_id=organization_id, resolved_at=None).count()


def _refused(refusal: Refusal) -> SyncError:
    return SyncError(422, refusal.code, f"The entry still fails the checks: {refusal.reason}")


def _undecided(held: Quarantine) -> None:
    if held.resolved_at is not None or held.decision:
        raise SyncError(409, "already_decided", "This entry was already resolved, accepted or rejected.")


def _candidate(held: Quarantine, policy: Policy) -> tuple[dict[str, Any], Candidate]:
    """The entry as sent, read and checked again as a push would read it. Text nested deeper than
    an entry may is not parsed at all (`sync.nesting`): it fails the check a push makes first."""
    try:
        raw = nesting.loads(held.sent_json, limit=MAX_DEPTH + 1)
    except nesting.TooDeep:
        raise _refused(nested_too_deep()) from None
    if raw.__class__ is not dict:
        raise _refused(Refusal("invalid_envelope", "The entry is not an object."))
    reading = read_candidate(raw, held.event_id)
    if isinstance(reading, Refusal):
        raise _refused(reading)
    refusal = policy.check(reading)
    if refusal is not None:
        raise _refused(refusal)
    return raw, reading


async def accept(held: Quarantine, *, author: Principal, reviewer: Principal, policy: Policy) -> Accepted:
    """Store a held entry in the log as if its author had pushed it now; audited, row marked."""
    _undecided(held)
    if held.code == "collision":
        raise SyncError(409, "collision", "The first copy of this entry is in the record; this differing copy "
                                          "can only be rejected.")
    raw, candidate = _candidate(held, policy)
    now = datetime.now(timezone.utc)

    async def write(group: Group) -> Accepted:
        if held.event_id in group.logged:
            raise SyncError(409, "already_logged", "An entry with this id is already in the record.")
        refusal = (await policy.judge(author, [candidate])).get(candidate.id)
        if refusal is not None:
            raise _refused(refusal)
        marked = await Quarantine.filter(id=held.id, resolved_at=None, decision="").using_db(group.connection).update(
            resolved_by=held.event_id, resolved_at=now, decision="accepted", decided_by=reviewer.user_id)
        if marked != 1:
            raise SyncError(409, "already_decided", "This entry was already resolved, accepted or rejected.")
        group.writes.events.append(_row(held, candidate, raw, now))
        group.logged[held.event_id] = {"content_sha256": held.content_sha256, "server_seq": None}
        if isinstance(raw.get("resolves"), str):
            group.writes.resolutions.append(Resolution(held.event_id, UUID(raw["resolves"]), held.organization_id,
                                                       held.author_id, now))
        accepted, detail = Accepted(held.event_id, candidate.visit_id, 0), _detail(held, None)

        def numbered(numbers: dict[UUID, int]) -> None:  # before the audit trail is written
            accepted.server_seq = detail["server_seq"] = numbers[held.event_id]

        group.writes.numbered.append(numbered)
        group.writes.audit(policy, AuditRecord("quarantine.accept", reviewer, "ok", detail))
        return accepted

    return await WRITER.write(write, device_id=held.device_id, ids=[held.event_id])


async def reject(held: Quarantine, *, reviewer: Principal, note: str, policy: Policy) -> None:
    """Mark a held entry rejected with the reviewer's note; it stays in quarantine, out of the record."""
    _undecided(held)
    now = datetime.now(timezone.utc)
    marked = await Quarantine.filter(id=held.id, resolved_at=None, decision="").update(
        resolved_at=now, decision="rejected", decided_by=reviewer.user_id, decision_note=note)
    if marked != 1:
        raise SyncError(409, "already_decided", "This entry was already resolved, accepted or rejected.")
    await policy.record("quarantine.reject", reviewer, outcome="ok", detail=_detail(held, None))


def _detail(held: Quarantine, server_seq: int | None) -> dict[str, Any]:
    return {"device_id": str(held.device_id), "quarantine_id": held.id, "event_id": str(held.event_id),
            "visit_id": str(held.visit_id) if held.visit_id else None, "author_id": held.author_id,
            "code": held.code, "server_seq": server_seq}


def _row(held: Quarantine, candidate: Candidate, raw: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The log row, as `sync.classify.Batch.accept` builds it (unnumbered), for the held entry's own device and author."""
    return {
        "id": candidate.id, "organization_id": held.organization_id, "visit_id": candidate.visit_id,
        "device_id": held.device_id, "device_seq": candidate.device_seq, "kind": candidate.kind,
        "schema": candidate.schema, "occurred_at": candidate.occurred_at, "recorded_at": candidate.recorded_at,
        "received_at": now, "server_seq": None, "author_id": held.author_id, "payload": candidate.payload,
        "content_sha256": content_sha256(raw) if not held.content_sha256 else held.content_sha256,
        "flags": [ACCEPTED_FLAG],
    }
