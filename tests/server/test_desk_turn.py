"""A desk turn holds across processes (server.services.desk_turn): one desk action of a user at a
time on every server process and host sharing the database, whichever database it is."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from server.services.desk_turn import desk_turn
from tests.processes import ROOT

HOLDER = """
import asyncio, sys
from server.db import schema
from server.services.desk_turn import desk_turn

async def main() -> None:
    await schema.open_database(sys.argv[1])
    async with desk_turn(int(sys.argv[2])):
        print("held", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
    await schema.close_database()

asyncio.run(main())
"""


async def _enter(user_id: int) -> None:
    async with desk_turn(user_id):
        pass


@pytest.fixture
async def other_process_holding(app, database_url):
    """Another server process, in the middle of user 1's desk action; `release()` lets it finish."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, database_url, "1"], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = await asyncio.to_thread(holder.stdout.readline)
    assert line == "held\n", holder.stderr.read()

    def release() -> None:
        holder.stdin.write("\n")
        holder.stdin.flush()

    yield release
    if holder.poll() is None:
        holder.kill()
    holder.communicate(timeout=10)  # and closes its pipes


async def test_a_desk_action_waits_for_the_same_users_action_on_another_process(other_process_holding):
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(_enter(1), timeout=0.5)
    other_process_holding()
    await asyncio.wait_for(_enter(1), timeout=10)


async def test_another_users_desk_action_does_not_wait(other_process_holding):
    await asyncio.wait_for(_enter(2), timeout=2)
