"""kill -9 of a server right after it acknowledged visits' last entries: the pharmacist's queue is
fresh again within seconds, folded by another server process on the same database, whether that
one was already serving (another host, another worker) or is started after the crash.

The killed server is told to hold its folds back for ten minutes, so the kill surely comes
before them; the test checks that too (every visit is due when the server dies), or it could not
fail. Rows are read with plain sqlite3/asyncpg, not through the code under test.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from stress.checks import STALE_SQL, query
from stress.tablets import Tablet, open_tablets
from stress.target import Target
from tests.databases import on_postgres

NURSES, VISITS_PER_NURSE = 2, 5  # 10 visits with entries, plus one more per nurse left unstarted
FRESH_WITHIN_S = 20.0  # the follower looks every 1 s and takes over after 5 s; slack for a loaded machine
HELD_SQL = ("SELECT v.id AS id, v.flags AS flags FROM visit v WHERE EXISTS (SELECT 1 FROM quarantine q "
            "WHERE q.visit_id = v.id AND q.resolved_at IS NULL)")


class HeldBack(Target):
    """A server that would fold a pushed visit only ten minutes after the pushes pause."""

    def env(self) -> dict[str, str]:
        return {**super().env(), "IVLOG_PROJECTOR_QUIET_MS": "600000", "IVLOG_PROJECTOR_PATIENCE_MS": "600000"}


def companion(first: Target) -> Target:
    """Another server process on the same database (another host behind the same proxy)."""
    other = Target("sqlite", workdir=first.workdir)
    other.database_url, other.log = first.database_url, first.workdir / "companion.log"
    return other


@dataclass
class Due:
    behind: set[str]  # visits whose row lags its log
    unflagged: set[str]  # visits holding kept-aside entries their row does not flag

    @property
    def count(self) -> int:
        return len(self.behind | self.unflagged)


async def due(database_url: str) -> Due:
    behind = {row["id"] for row in await query(database_url, STALE_SQL) if (row["last"] or 0) != row["projected"]}
    unflagged = {row["id"] for row in await query(database_url, HELD_SQL) if "quarantined" not in row["flags"]}
    return Due(behind, unflagged)


def held_entry(tablet: Tablet) -> dict[str, Any]:
    """An entry the server keeps aside (a temperature no body has), for the nurse's unstarted visit."""
    visit = tablet.nurse.visits[-1]
    recorded = visit.scheduled_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    entry = {"id": str(uuid.uuid4()), "visit_id": str(visit.visit_id), "device_seq": 1_000, "kind": "vitals",
             "schema": 1, "occurred_at": recorded, "recorded_at": recorded,
             "payload": {"hr": 72, "rr": 16, "sbp": 122, "dbp": 78, "temp_c": 53, "spo2": 98}}
    tablet.sent[entry["id"]] = entry
    return entry


async def push_everything(tablets: list[Tablet]) -> None:
    """Each tablet records its visits whole (all but the last) and pushes until all is acknowledged."""
    for tablet in tablets:
        tablet.visits = tablet.visits[:VISITS_PER_NURSE]
        tablet.record(10_000)
    tablets[0].outbox.append(held_entry(tablets[0]))
    for tablet in tablets:
        while tablet.outbox:
            assert await tablet.flush_once(), "a push failed before the crash"


async def crash_after_acknowledging(db: str, *, companion_serving: bool) -> dict[str, Any]:
    pushing = HeldBack(db)
    other: Target | None = None
    tablets: list[Tablet] = []
    try:
        world = await pushing.prepare(nurses=NURSES, visits_per_nurse=VISITS_PER_NURSE + 1)
        other = companion(pushing)
        if companion_serving:
            await other.start()
        await pushing.start()
        tablets, tally = await open_tablets(pushing.base_url, world.nurses, random.Random(19), events_per_visit=12,
                                            pace_s=(0.0, 0.0), timeout_s=60.0)
        await push_everything(tablets)
        pushing.kill9()  # right after the last acknowledgement
        died = time.monotonic()
        at_crash = await due(pushing.database_url)
        if not companion_serving:
            await other.start()
        while (left := await due(pushing.database_url)).count and time.monotonic() - died < FRESH_WITHIN_S:
            await asyncio.sleep(0.2)
        return {"at_crash": at_crash, "left": left, "fresh_after_s": round(time.monotonic() - died, 1),
                "refused": tally.refused}
    finally:
        await asyncio.gather(*(tablet.close() for tablet in tablets))
        if other is not None:
            other.stop()
        pushing.close(keep=False)


def assert_fresh_within_seconds(figures: dict[str, Any]) -> None:
    assert [reason.split(":")[0] for reason in figures["refused"]] == ["quarantined"]  # the one held entry
    at_crash = figures["at_crash"]
    assert len(at_crash.behind) == NURSES * VISITS_PER_NURSE and len(at_crash.unflagged) == 1  # all due at the kill
    assert figures["left"].count == 0, figures
    assert figures["fresh_after_s"] < FRESH_WITHIN_S


@pytest.mark.parametrize("companion_serving", [True, False], ids=["already_serving", "started_after"])
async def test_a_server_killed_after_acknowledging_leaves_the_queue_stale_only_seconds_on_sqlite(companion_serving):
    assert_fresh_within_seconds(await crash_after_acknowledging("sqlite", companion_serving=companion_serving))


@pytest.mark.postgres
@pytest.mark.skipif(not on_postgres(), reason="IVLOG_TEST_DATABASE_URL does not point at PostgreSQL")
async def test_a_server_killed_after_acknowledging_leaves_the_queue_stale_only_seconds_on_postgres():
    # The machine's PostgreSQL packages provide initdb/pg_ctl for a private cluster; without them this fails.
    assert_fresh_within_seconds(await crash_after_acknowledging("postgres", companion_serving=True))
