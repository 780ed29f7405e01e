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

On PostgreSQL a process has up to LANES writers. One takes every push that queues while its group
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

import asyncio
from collections import deque
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Generic, NamedTuple, Sequence, TypeVar
from uuid import UUID

from tortoise.connection import connections, get_connection
from tortoise.transactions import in_transaction

from sync import append, store
from sync.models import Device, Quarantine
from sync.policy import AuditRecord, AuditTrail, Policy, Principal

T = TypeVar("T")

MAX_GROUP_EVENTS = 20_000  # bound how long one transaction holds the log lock, and how long the
MAX_GROUP_PUSHES = 64  # first pushes of a rush wait for the last ones' commit
WRITER_CONNECTION = "writer"  # the writers' own pool, where the host configures one (server.db.config)
ORDER_LOCK_KEY = 0x1A7D17  # PostgreSQL advisory lock numbering the log (all processes); = server.audit.CHAIN_LOCK_KEY
LANES = 3  # PostgreSQL: writers per process at most (each holds a pooled connection while it writes; the pool has 5)
STALL_S = 0.05  # a group taking longer stalls its lane: new pushes go to the next (about 10 ordinary groups)


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


Ask = tuple[Policy, Principal, set[UUID]]  # a push's host, author and the visits its events name (read_ahead)


@dataclass
class _Job(Generic[T]):
    work: Callable[[Group], Awaitable[T]]
    device_id: UUID
    ids: Sequence[UUID]
    ask: Ask | None
    future: asyncio.Future[T]


Outcome = tuple[bool, Any]  # (True, result) or (False, the push's error)


class GroupWriter:
    """The process's writers of the event log. One writer takes every push that queues while its
    group is written (the bigger the group, the fewer turns at the order lock); a second starts only
    when the first has spent STALL_S on one group (a push slow to judge), so none holds back the rest."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self.lanes: list[_Lane] = []
        self._devices: dict[UUID, tuple[_Lane, int]] = {}  # a device with pushes in flight: its lane, how many
        self.commits = 0  # transactions committed (a figure for tests and the bench)

    async def write(self, work: Callable[[Group], Awaitable[T]], *, device_id: UUID, ids: Sequence[UUID],
                    ask: Ask | None = None) -> T:
        """Run `work` inside the next group's transaction; its result once that group committed.
        `work` may run twice (see the module's docstring): it must keep its effects in the group.
        `ask`: what its host reads to judge it, read for the whole group at once (`Group.ahead`)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a restarted server, a new test): start afresh
            postgres = store.dialect(get_connection("default")) == "postgres"
            self._loop, self.lanes, self._devices = loop, [_Lane(self) for _ in range(LANES if postgres else 1)], {}
        future: asyncio.Future[T] = loop.create_future()
        self.route(_Job(work, device_id, ids, ask, future))
        # shield: a client that hangs up must not cancel a write its neighbours share.
        return await asyncio.shield(future)

    def route(self, job: _Job[Any]) -> None:
        """A device's pushes stay in one lane (its row would make another wait); otherwise the first
        lane not stalled, or, with every lane stalled, the shortest queue."""
        lane, count = self._devices.get(job.device_id, (None, 0))
        if lane is None:
            lane = next((lane for lane in self.lanes if not lane.stalled()),
                        min(self.lanes, key=lambda lane: len(lane.queue)))
        self._devices[job.device_id] = (lane, count + 1)
        lane.add(job)

    def settled(self, jobs: list[_Job[Any]]) -> None:
        """Forget the lane of devices with no push in flight any more."""
        for job in jobs:
            lane, count = self._devices.pop(job.device_id)
            if count > 1:
                self._devices[job.device_id] = (lane, count - 1)

    def reroute(self, jobs: list[_Job[Any]]) -> None:
        """Pushes taken from behind a stalled group (each device's all at once): routed afresh."""
        self.settled(jobs)
        for job in jobs:
            self.route(job)


class _Lane:
    """One writer: takes every push queued while its previous group was written."""

    def __init__(self, writer: GroupWriter) -> None:
        self.writer = writer
        self.queue: deque[_Job[Any]] = deque()
        self._task: asyncio.Task[None] | None = None
        self._since: float | None = None  # when its current group began
        self._writing: set[UUID] = set()  # its current group's devices

    def stalled(self) -> bool:
        return self._since is not None and asyncio.get_running_loop().time() - self._since >= STALL_S

    def add(self, job: _Job[Any]) -> None:
        self.queue.append(job)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self.queue:
            jobs = self._take()
            self._since, self._writing = loop.time(), {job.device_id for job in jobs}
            timer = loop.call_later(STALL_S, self._stall)
            try:
                await self._commit(jobs)
            finally:
                timer.cancel()
                self._since, self._writing = None, set()
                self.writer.settled(jobs)

    def _stall(self) -> None:
        """Its group is slow: the pushes queued behind it whose devices it does not hold go elsewhere."""
        if len(self.writer.lanes) > 1:
            moved = [job for job in self.queue if job.device_id not in self._writing]
            self.queue = deque(job for job in self.queue if job.device_id in self._writing)
            self.writer.reroute(moved)

    def _take(self) -> list[_Job[Any]]:
        group = [self.queue.popleft()]
        events = len(group[0].ids)
        while self.queue and len(group) < MAX_GROUP_PUSHES and events + len(self.queue[0].ids) <= MAX_GROUP_EVENTS:
            job = self.queue.popleft()
            events += len(job.ids)
            group.append(job)
        return group

    async def _commit(self, jobs: list[_Job[Any]]) -> None:
        try:
            try:
                outcomes = await self._together(jobs)
            except Exception as error:
                outcomes = [(False, error)] if len(jobs) == 1 else await self._one_by_one(jobs)
        except BaseException as error:  # the lock, the commit or the connection failed: every push did
            outcomes = [(False, error)] * len(jobs)
            if not isinstance(error, Exception):
                _settle(jobs, outcomes)
                raise
        _settle(jobs, outcomes)

    async def _together(self, jobs: list[_Job[Any]]) -> list[Outcome]:
        """The common case: every push decided, then all their writes, then one commit."""
        async with _transaction() as connection:
            group = await _open(connection, jobs)
            await _read_ahead(group, jobs)
            results = [await job.work(group) for job in jobs]
            await group.flush()
        self.writer.commits += 1
        return [(True, result) for result in results]

    async def _one_by_one(self, jobs: list[_Job[Any]]) -> list[Outcome]:
        """After a failure: each push in its own savepoint, so that only the failing one is lost.
        After a rollback the group is read again: the database is the truth, not memory."""
        outcomes: list[Outcome] = []
        async with _transaction() as connection:
            group = await _open(connection, jobs)
            for job in jobs:
                try:
                    async with in_transaction("default"):
                        result = await job.work(group)
                        await group.flush()
                    outcomes.append((True, result))
                except Exception as error:
                    outcomes.append((False, error))
                    group = await _open(connection, jobs)
        self.writer.commits += 1
        return outcomes


@asynccontextmanager
async def _transaction() -> AsyncIterator[Any]:
    """A group's transaction, on the writers' own pool where the host has one. It is the task's
    default connection too: what the host does while judging (an audit entry, a new visit) is in it."""
    if WRITER_CONNECTION not in connections.db_config:
        async with in_transaction("default") as connection:
            yield connection
        return
    async with in_transaction(WRITER_CONNECTION) as connection:
        token = connections.set("default", connection)
        try:
            yield connection
        finally:
            connections.reset(token)


async def _open(connection: Any, jobs: list[_Job[Any]]) -> Group:
    """Lock the jobs' devices' rows and read what their pushes will be decided against.
    SQLite: the transaction began with BEGIN IMMEDIATE and already holds the write lock."""
    device_ids = sorted({job.device_id for job in jobs})
    devices = {device.id: device for device in await store.devices_for_update(connection, device_ids)}
    marks = {device_id: devices[device_id].acked_through if device_id in devices else 0 for device_id in device_ids}
    logged, quarantined, received = await store.known(
        connection, list({event_id for job in jobs for event_id in job.ids}), marks)
    held: dict[UUID, list[dict[str, Any]]] = {}
    for row in quarantined:
        held.setdefault(row.pop("event_id"), []).append(row)
    return Group(connection, devices, logged, held, received)


async def _read_ahead(group: Group, jobs: list[_Job[Any]]) -> None:
    """Each host's reads for judging the group's pushes, one call per host (`Policy.read_ahead`).
    After a failure the pushes are judged one by one without it: each reads for itself."""
    asks: dict[int, tuple[Policy, list[tuple[Principal, set[UUID]]]]] = {}
    for job in jobs:
        if job.ask is not None:
            policy, principal, visit_ids = job.ask
            asks.setdefault(id(policy), (policy, []))[1].append((principal, visit_ids))
    for key, (policy, wanted) in asks.items():
        group.ahead[key] = await policy.read_ahead(wanted)


def _settle(jobs: list[_Job[Any]], outcomes: list[Outcome]) -> None:
    for job, (ok, value) in zip(jobs, outcomes):
        if job.future.done():
            continue
        if ok:
            job.future.set_result(value)
        elif isinstance(value, Exception):
            job.future.set_exception(value)
        else:  # the writer itself was cancelled (shutdown): so is every push waiting on it
            job.future.cancel()
