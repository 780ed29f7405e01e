"""One desk action of a user at a time, across every server process and host.

A desk action takes its device_seq (`desk_events.take_device_seq`) and then pushes its event. Two
actions at once (a double click; the same pharmacist on two hosts) may take 5 and 6 and reach the
log as 6 then 5: the engine then sees 5 at or below what the device already sent, flags it
`device_seq_reused` and marks the desk device wiped (never lost, but wrong). Holding the turn
from taking the number to the push's answer keeps the numbers in the order they arrive.

Both ways try the lock without waiting on it and sleep between tries, so a waiting action holds
nothing (no pooled connection, no thread). PostgreSQL: a transaction-level advisory lock keyed by
the user, on a connection of the small `desk_turns` pool (never the pool the action itself uses,
which five users at once drained), so a crashed process's lock ends with its connection. SQLite
(one host, perhaps several processes): an exclusive `flock` on a file beside the database; a
transaction is no use there, as it would hold the write lock the push itself needs. The files stay:
removing one while another process waits on it would let two processes hold "the" lock.
"""

from __future__ import annotations

import asyncio
import fcntl
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from tortoise import connections

from server.db.config import DESK_TURNS_CONNECTION
from sync import store

DESK_LOCK_CLASS = 0x0DE5  # the first key of pg_advisory_xact_lock(int, int); the second is the user
POLL_S = 0.01


@asynccontextmanager
async def desk_turn(user_id: int) -> AsyncIterator[None]:
    """The user's turn at the desk: no other desk action of theirs runs until this one has left."""
    if store.dialect(connections.get("default")) != "postgres":
        path = connections.db_config["default"]["credentials"]["file_path"]
        async with _file_turn(Path(f"{path}.desk-{user_id}.lock")):
            yield
        return
    client = connections.get(DESK_TURNS_CONNECTION)  # never the action's own pool: see server.db.config
    while True:
        async with client.acquire_connection() as driver, driver.transaction():
            if await driver.fetchval("SELECT pg_try_advisory_xact_lock($1, $2)", DESK_LOCK_CLASS, user_id):
                yield
                return
        await asyncio.sleep(POLL_S)


@asynccontextmanager
async def _file_turn(path: Path) -> AsyncIterator[None]:
    with path.open("a") as handle:  # closing it releases the lock
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(POLL_S)
        yield
