"""Group commit: pushes that wait at the same moment are written in one transaction.

Every commit waits for the disk (SQLite in WAL mode with synchronous=FULL fsyncs the log;
PostgreSQL flushes its WAL), and every statement is a round trip to the database's thread
or socket. When two hundred tablets flush their outboxes at once, paying those two hundred
times in a row, each behind the log lock, is most of the delay.

One writer per process takes every push queued while the previous group was written and
holds the log lock once. It reads what the group's pushes need to know in a few statements
(their devices, which of their ids the server already holds, the device_seqs held above
each device's mark), decides every push in memory against that and against the pushes
before it in the group, and writes all their rows, device marks and audit entries at the
end, then commits. A push is answered only after that commit, so an acknowledged event is
durable, and `server_seq` is handed out in queue order under the lock: it follows commit order.

A push that fails makes the group start again one push at a time, each in its own
savepoint with its own writes: the failing push rolls back alone and gets its own error,
its neighbours are stored, and its `server_seq` values go to the next push (no gap).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Generic, NamedTuple, Sequence, TypeVar
from uuid import UUID

from tortoise.transactions import in_transaction

from sync import store
from sync.models import Device, Quarantine
from sync.policy import AuditRecord, Policy

T = TypeVar("T")

MAX_GROUP_EVENTS = 20_000  # bound how long one transaction holds the log lock, and how long the
MAX_GROUP_PUSHES = 64  # first pushes of a rush wait for the last ones' commit
LOG_LOCK_KEY = 0x5EC5EC  # PostgreSQL advisory lock serialising appends to the log (all processes)


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

    events: list[dict[str, Any]] = field(default_factory=list)  # rows for sync.store.insert_events
    quarantines: list[Quarantine] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)
    devices: dict[UUID, Device] = field(default_factory=dict)
    audits: dict[int, tuple[Policy, list[AuditRecord]]] = field(default_factory=dict)

    def audit(self, policy: Policy, record: AuditRecord) -> None:
        self.audits.setdefault(id(policy), (policy, []))[1].append(record)


@dataclass
class Group:
    """What the pushes of one transaction share, read under the lock and kept up to date in
    memory as each push is decided: a device's second push in a group sees the first one's
    mark, and an id the first push logged is a duplicate in the second."""

    connection: Any
    next_seq: int
    devices: dict[UUID, Device]
    logged: dict[UUID, dict[str, Any]]  # ids in the log: {content_sha256, server_seq}
    held: dict[UUID, list[dict[str, Any]]]  # quarantined copies of the group's ids: [{content_sha256, code, reason}]
    received: dict[UUID, set[int]]  # by device: every device_seq held above its acked_through
    writes: Writes = field(default_factory=Writes)

    async def flush(self) -> None:
        """Write what the group decided since the last flush (the caller's transaction commits it)."""
        writes, self.writes = self.writes, Writes()
        await store.insert_events(self.connection, writes.events)
        if writes.quarantines:
            await Quarantine.bulk_create(writes.quarantines, using_db=self.connection)
        for item in writes.resolutions:  # only the author's own: nobody closes another's held entry
            await Quarantine.filter(event_id=item.resolved_id, organization_id=item.organization_id,
                                    author_id=item.author_id, resolved_by=None
                                    ).using_db(self.connection).update(resolved_by=item.event_id, resolved_at=item.at)
        await store.update_devices(self.connection, list(writes.devices.values()))
        for policy, records in writes.audits.values():
            await policy.record_many(records)


@dataclass
class _Job(Generic[T]):
    work: Callable[[Group], Awaitable[T]]
    device_id: UUID
    ids: Sequence[UUID]
    future: asyncio.Future[T]


Outcome = tuple[bool, Any]  # (True, result) or (False, the push's error)


class GroupWriter:
    """The process's single writer of the event log."""

    def __init__(self) -> None:
        self._queue: deque[_Job[Any]] = deque()
        self._writer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.commits = 0  # transactions committed (a figure for tests and the bench)

    async def write(self, work: Callable[[Group], Awaitable[T]], *, device_id: UUID, ids: Sequence[UUID]) -> T:
        """Run `work` inside the next group's transaction; its result once that group committed.
        `work` may run twice (see the module's docstring): it must keep its effects in the group."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a restarted server, a new test): start afresh
            self._loop, self._queue, self._writer = loop, deque(), None
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append(_Job(work, device_id, ids, future))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain())
        # shield: a client that hangs up must not cancel a write its neighbours share.
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._queue:
            await self._commit(self._take())

    def _take(self) -> list[_Job[Any]]:
        group = [self._queue.popleft()]
        events = len(group[0].ids)
        while self._queue and len(group) < MAX_GROUP_PUSHES and events + len(self._queue[0].ids) <= MAX_GROUP_EVENTS:
            job = self._queue.popleft()
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
        async with in_transaction() as connection:
            group = await _open(connection, jobs)
            results = [await job.work(group) for job in jobs]
            await group.flush()
        self.commits += 1
        return [(True, result) for result in results]

    async def _one_by_one(self, jobs: list[_Job[Any]]) -> list[Outcome]:
        """After a failure: each push in its own savepoint, so that only the failing one is lost.
        After a rollback the group is read again: the database is the truth, not memory."""
        outcomes: list[Outcome] = []
        async with in_transaction() as connection:
            group = await _open(connection, jobs)
            for job in jobs:
                try:
                    async with in_transaction():
                        result = await job.work(group)
                        await group.flush()
                    outcomes.append((True, result))
                except Exception as error:
                    outcomes.append((False, error))
                    group = await _open(connection, jobs)
        self.commits += 1
        return outcomes


async def _open(connection: Any, jobs: list[_Job[Any]]) -> Group:
    """Take the log lock and read what the jobs' pushes will be decided against."""
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [LOG_LOCK_KEY])
    # SQLite: the transaction began with BEGIN IMMEDIATE and already holds the write lock.
    device_ids = list({job.device_id for job in jobs})
    devices = {device.id: device for device in await Device.filter(id__in=device_ids).using_db(connection)}
    marks = {device_id: devices[device_id].acked_through if device_id in devices else 0 for device_id in device_ids}
    logged, quarantined = await store.known(connection, list({event_id for job in jobs for event_id in job.ids}))
    held: dict[UUID, list[dict[str, Any]]] = {}
    for row in quarantined:
        held.setdefault(row.pop("event_id"), []).append(row)
    received = await store.device_seqs_above(connection, marks)
    return Group(connection, await store.last_seq(connection) + 1, devices, logged, held, received)


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
