"""Group commit with a serial section that only numbers: pushes waiting together share one
transaction, and only the last moments of it, giving the accepted events their `server_seq`,
are under the log's lock.

Every commit waits for the disk and every statement is a round trip, so pushes that wait at the
same moment are written together (up to 64 pushes or 20,000 events). A group's transaction has two
phases (issue #19: 66-77% of the old lock's hold time was spent waiting on access queries):

1. Deciding, under no global lock. The group locks its devices' rows (`SELECT ... FOR UPDATE`,
   in id order: no deadlock between groups), then reads which of its ids the server holds and the
   device_seqs above each mark, and what its host judges every push against (`Policy.read_ahead`:
   one read for the group's authors and visits), and decides every push in memory (the host judges
   access, times, authorship here), writing what is not the log: held entries, device marks, new visits.
   A device's pushes are ordered by its row; the same id sent by two tablets is caught by the
   event's primary key (the group starts again one push at a time and the later one is a duplicate).
2. Ordering, under ORDER_LOCK_KEY (sync.append): on PostgreSQL two round trips and the commit.
   One call takes the lock and reads the last `server_seq` and the audit chain's end; the group's
   accepted events are numbered in queue order and its audit entries chained in memory; one INSERT
   writes both; commit. The rows were built before the lock. `server_seq` therefore still follows
   commit order: a pull never skips an event that commits late, and a sign-off's number still
   separates what was in the record before it from what came after (server.clinical.timeline).

Why an order lock and not the lock-free xid watermark (cursor on (xid, id), pulls served below
`pg_snapshot_xmin`): `server_seq` is more than the pull cursor. "Late after review", the summary
"as signed" and the sign-off release compare it across visits and tablets; numbers that do not
follow commit order would let an entry committed after a sign-off carry a lower number. The lock
keeps one integer in commit order for every reader (tablets holding an old cursor included) and
costs two round trips and a commit per group.

ORDER_LOCK_KEY is the key the host's audit chain appends under (server.audit.CHAIN_LOCK_KEY,
tested equal): the host may audit while judging (phase 1), and one key for both orders means no
two transactions ever wait for each other's lock in opposite order. A push whose judging audits
holds it from then on; so does a push that keeps entries aside, from its quota check on (the
counts must see other groups' held rows): both are rare (an unscheduled visit, a refused write).

On PostgreSQL a process has up to LANES writers (sync.writer). One takes every push that queues while its group
is written, so groups grow with the load and the order lock is taken once per group, not once per
lane (three lanes side by side, a device's pushes in its lane, held it 35-38% of a storm's time; one
writer 22-24%, at higher throughput). A second writer starts only when the first has spent STALL_S on one group (a push
slow to judge): a slow push holds back no other tablet's. SQLite has one writer and one connection:
one lane, the transaction is the lock (BEGIN IMMEDIATE), and the same two phases keep it short.

A push that fails makes the group start again one push at a time, each in its own savepoint with
its own writes: the failing push rolls back alone and gets its own error, its neighbours are
stored, and no number is lost (numbers are given only to what is written).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple
from uuid import UUID

from sync import append, store
from sync.models import Device, Quarantine
from sync.policy import AuditRecord, AuditTrail, Policy

ORDER_LOCK_KEY = 0x1A7D17  # PostgreSQL advisory lock numbering the log (all processes); = server.audit.CHAIN_LOCK_KEY


class Resolution(NamedTuple):
    """An accepted event that corrects one of its author's own held submissions (`resolves`)."""

    event_id: UUID
    resolved_id: UUID
    organization_id: int
    author_id: int
    at: Any


@dataclass
class Writes:
    """What the group's pushes decided to write, written together at the end."""

    events: list[dict[str, Any]] = field(default_factory=list)  # rows for sync.store.insert_events, unnumbered
    quarantines: list[Quarantine] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)
    devices: dict[UUID, Device] = field(default_factory=dict)
    audits: dict[int, tuple[AuditTrail, list[AuditRecord]]] = field(default_factory=dict)  # by trail (one, in practice)
    answers: list[dict[str, Any]] = field(default_factory=list)  # results that name an event of `events`
    numbered: list[Callable[[dict[UUID, int]], None]] = field(default_factory=list)  # told the numbers given

    def audit(self, policy: Policy, record: AuditRecord) -> None:
        self.audits.setdefault(id(policy.trail), (policy.trail, []))[1].append(record)


@dataclass
class Group:
    """What the pushes of one transaction share, read with their devices' rows locked and kept up
    to date in memory as each push is decided: a device's second push in a group sees the first
    one's mark, and an id the first push logged is a duplicate in the second."""

    connection: Any
    devices: dict[UUID, Device]
    logged: dict[UUID, dict[str, Any]]  # ids in the log: {content_sha256, server_seq (None: this group's, unnumbered)}
    held: dict[UUID, list[dict[str, Any]]]  # quarantined copies of the group's ids: [{content_sha256, code, reason}]
    received: dict[UUID, set[int]]  # by device: every device_seq held above its acked_through
    writes: Writes = field(default_factory=Writes)
    ordering: bool = False  # this transaction holds the order lock
    ahead: dict[int, Any] = field(default_factory=dict)  # by id(policy): what it read ahead for the group
    async def flush(self) -> None:
        """Write what the group decided since the last flush: first everything but the log, then,
        under the order lock, the log's rows and the audit trail (the caller's transaction commits)."""
        writes, self.writes = self.writes, Writes()
        if writes.quarantines:
            await Quarantine.bulk_create(writes.quarantines, using_db=self.connection)
        for item in writes.resolutions:  # only the author's own: nobody closes another's held entry
            await Quarantine.filter(event_id=item.resolved_id, organization_id=item.organization_id,
                                    author_id=item.author_id, resolved_by=None
                                    ).using_db(self.connection).update(resolved_by=item.event_id, resolved_at=item.at)
        await store.update_devices(self.connection, list(writes.devices.values()))
        await self._order(writes)

    async def lock_order(self) -> None:
        """Take the order lock now (PostgreSQL; held to the commit). A push that keeps entries aside
        takes it before counting its user's held entries (sync.quota), so two groups of one user never
        both pass the quota on counts that miss each other's uncommitted rows. Such pushes are rare."""
        if not self.ordering and store.dialect(self.connection) == "postgres":
            await self.connection.execute_query("SELECT pg_advisory_xact_lock($1)", [ORDER_LOCK_KEY])
        self.ordering = True

    async def _order(self, writes: Writes) -> None:
        """The serial section (sync.append): take the order lock and read the log's last number and
        the audit chain's end (one round trip), number the events and chain the audit entries in
        memory, insert both (one more); the caller commits. The rows were built before the lock."""
        prepared = append.prepare(self.connection, writes.events)
        await append.stage(self.connection, prepared)
        trails = list(writes.audits.values())
        last_seq, end = await append.head(self.connection, ORDER_LOCK_KEY,
                                          trails[0][0].end_query if trails else append.NO_TRAIL)
        self.ordering = True
        numbers = {row["id"]: number for number, row in enumerate(writes.events, start=last_seq + 1)}
        for event_id, number in numbers.items():
            self.logged[event_id]["server_seq"] = number
        for answer in writes.answers:
            if answer["server_seq"] is None and answer["status"] in ("accepted", "duplicate"):
                answer["server_seq"] = numbers[answer["id"]]
        for tell in writes.numbered:  # before the trail is chained: an entry may name its number
            tell(numbers)
        merged = trails.pop(0) if trails and prepared.postgres else None
        await append.write(self.connection, prepared, last_seq + 1, merged[0].rows(merged[1], end) if merged else None)
        for index, (trail, records) in enumerate(trails):
            if index or merged:  # another trail (never, in practice): its own end, after the first's entries
                end = await append.chain_end(self.connection, trail.end_query)
            await trail.append(self.connection, records, end)
