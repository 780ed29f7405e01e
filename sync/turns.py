"""The order lock's turn: while a group of this process holds the log's order lock, new pushes wait
before their CPU-heavy steps (reading the body, checking each event).

The lock is held across three round trips (sync.append: head, write, commit). Each time the group
awaits one, the event loop runs whatever else is ready first, and a rush of pushes being parsed and
checked (a few milliseconds each, for 50 events) kept the lock held for that long too: at 50 events
per push, 41-49% of the storm's time, mostly waiting for other pushes' Python, not for PostgreSQL.
Every other writer, in this process or another, waits for the lock meanwhile. So pushes step aside
while the lock is held, and the group's awaits resume as soon as PostgreSQL answers. Measured (bench (f),
200 tablets, one process, three alternating pairs of runs): the lock's share at 50 events per push fell
from 42-46% to 30-35% at the same throughput; at one event per push it stayed at 22-24%.
"""

from __future__ import annotations

import asyncio


class OrderTurn:
    """How many groups of this process hold the order lock, and an event set when none does."""

    def __init__(self) -> None:
        self._held = 0
        self._free: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _event(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a restarted server, a new test): start afresh
            self._loop, self._held, self._free = loop, 0, asyncio.Event()
            self._free.set()
        assert self._free is not None
        return self._free

    def hold(self) -> None:
        free = self._event()  # first: a new loop starts the count afresh, then this hold counts in it
        self._held += 1
        free.clear()

    def release(self) -> None:
        free = self._event()
        self._held = max(self._held - 1, 0)
        if not self._held:
            free.set()

    async def wait(self) -> None:
        """Return at once unless a group of this process holds the lock; then once none does."""
        free = self._event()
        if not free.is_set():
            await free.wait()


TURN = OrderTurn()
