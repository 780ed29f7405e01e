"""Group commit: pushes that wait at the same moment are written in one transaction.

Every commit waits for the disk (SQLite in WAL mode with synchronous=FULL fsyncs the log;
PostgreSQL flushes its WAL). When two hundred tablets flush their outboxes at once, paying
that wait two hundred times in a row, each behind the log lock, is most of the delay.

One writer per process takes every push queued while the previous group was written, holds
the log lock once, runs each push in its own savepoint (a push that fails rolls back alone
and gets its own error; its neighbours are unaffected), and commits them together. A push is
answered only after that commit, so an acknowledged event is durable. The writer hands out
`server_seq` in queue order under the lock, so it still follows commit order.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Generic, TypeVar
from uuid import UUID

from tortoise.transactions import in_transaction

from sync import store
from sync.models import Device

T = TypeVar("T")

MAX_GROUP_EVENTS = 20_000  # bound how long one transaction holds the log lock, and how long the
MAX_GROUP_PUSHES = 64  # first pushes of a rush wait for the last ones' commit (2 ms per extra fsync)
LOG_LOCK_KEY = 0x5EC5EC  # PostgreSQL advisory lock serialising appends to the log (all processes)


@dataclass
class Group:
    """What the pushes of one transaction share: the connection, the next `server_seq`, and
    the rows of their devices, read under the lock (a device's second push in a group sees
    the first one's high-water mark)."""

    connection: Any
    next_seq: int
    devices: dict[UUID, Device] = field(default_factory=dict)


@dataclass
class _Job(Generic[T]):
    work: Callable[[Group], Awaitable[T]]
    device_id: UUID
    size: int
    future: asyncio.Future[T]


class GroupWriter:
    """The process's single writer of the event log."""

    def __init__(self) -> None:
        self._queue: deque[_Job[Any]] = deque()
        self._writer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.commits = 0  # transactions committed (a figure for tests and the bench)

    async def write(self, work: Callable[[Group], Awaitable[T]], *, device_id: UUID, size: int) -> T:
        """Run `work` inside the next group's transaction; its result once that group committed."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a restarted server, a new test): start afresh
            self._loop, self._queue, self._writer = loop, deque(), None
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append(_Job(work, device_id, size, future))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain())
        # shield: a client that hangs up must not cancel a write its neighbours share.
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._queue:
            await self._commit(self._take())

    def _take(self) -> list[_Job[Any]]:
        group = [self._queue.popleft()]
        events = group[0].size
        while self._queue and len(group) < MAX_GROUP_PUSHES and events + self._queue[0].size <= MAX_GROUP_EVENTS:
            job = self._queue.popleft()
            events += job.size
            group.append(job)
        return group

    async def _commit(self, jobs: list[_Job[Any]]) -> None:
        outcomes: list[tuple[bool, Any]] = []
        try:
            async with in_transaction() as connection:
                group = await _open(connection, {job.device_id for job in jobs})
                for job in jobs:
                    outcomes.append(await _in_savepoint(job, group))
            self.commits += 1
        except BaseException as error:  # the lock, the commit or the connection failed: every push did
            outcomes = [(False, error)] * len(jobs)
            if not isinstance(error, Exception):
                _settle(jobs, outcomes)
                raise
        _settle(jobs, outcomes)


async def _open(connection: Any, device_ids: set[UUID]) -> Group:
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [LOG_LOCK_KEY])
    # SQLite: the transaction began with BEGIN IMMEDIATE and already holds the write lock.
    devices = await Device.filter(id__in=list(device_ids)).using_db(connection)
    return Group(connection, await store.last_seq(connection) + 1, {device.id: device for device in devices})


async def _in_savepoint(job: _Job[Any], group: Group) -> tuple[bool, Any]:
    """(True, result) or (False, error); a failed push leaves no trace in the group."""
    next_seq, device = group.next_seq, group.devices.get(job.device_id)
    snapshot = _device_fields(device)
    try:
        async with in_transaction():
            return True, await job.work(group)
    except Exception as error:
        group.next_seq = next_seq
        if device is None:
            group.devices.pop(job.device_id, None)  # a row the rolled-back push created
        for name, value in snapshot.items():
            setattr(device, name, value)
        return False, error


def _device_fields(device: Device | None) -> dict[str, Any]:
    if device is None:
        return {}
    return {name: getattr(device, name) for name in ("acked_through", "last_seen_at", "wiped_at")}


def _settle(jobs: list[_Job[Any]], outcomes: list[tuple[bool, Any]]) -> None:
    for job, (ok, value) in zip(jobs, outcomes):
        if job.future.done():
            continue
        if ok:
            job.future.set_result(value)
        elif isinstance(value, Exception):
            job.future.set_exception(value)
        else:  # the writer itself was cancelled (shutdown): so is every push waiting on it
            job.future.cancel()
