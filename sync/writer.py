"""The process's writers of the event log (sync.group says what a group's transaction does).

One writer takes every push that queued while its last group was written, so groups grow with the
load and the order lock is taken once per group. A second writer starts only when a group has run for
STALL_S (a push slow to judge, a big rush): the pushes queued behind it whose devices it does not hold
move on, and new pushes go to the first writer not stalled. A device's pushes stay with one writer
while any is in flight (its row, locked by the group, would make another writer wait). On PostgreSQL
the writers have their own pool (WRITER_CONNECTION), so a burst of requests never queues them behind it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Generic, Sequence, TypeVar
from uuid import UUID

from tortoise.connection import connections, get_connection
from tortoise.transactions import in_transaction

from sync import store
from sync.group import Group
from sync.policy import Policy, Principal
from sync.turns import TURN

T = TypeVar("T")

MAX_GROUP_EVENTS = 20_000  # bound how long one transaction holds the log lock, and how long the
MAX_GROUP_PUSHES = 64  # first pushes of a rush wait for the last ones' commit
WRITER_CONNECTION = "writer"  # the writers' own pool, where the host configures one (server.db.config)
LANES = 3  # PostgreSQL: writers per process at most (each holds a pooled connection while it writes)
STALL_S = 0.05  # a group taking longer stalls its writer: new pushes go to the next (about 10 ordinary groups)


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
            lane = next((lane for lane in self.lanes if not lane.stalled()), None) \
                or min(self.lanes, key=lambda lane: len(lane.queue))
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
        self.groups = 0  # groups it has written (a figure for tests)
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
            self.groups += 1
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
        held = False
        try:
            async with _transaction() as connection:
                group = await _open(connection, jobs)
                await _read_ahead(group, jobs)
                results = [await job.work(group) for job in jobs]
                TURN.hold()  # from the flush, which takes the order lock, to the commit, which frees it
                held = True
                await group.flush()
        finally:
            if held:
                TURN.release()
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
