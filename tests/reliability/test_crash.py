"""kill -9 of the real server while tablets push: no acknowledged entry may ever be lost.

Short versions of `python -m stress crash` (the full run is `make stress`). The campaign
itself checks the database with plain sqlite3/asyncpg reads, integrity_check and verify-audit;
these tests also assert that the crashes really happened under load, so a campaign that
quietly did nothing cannot pass.
"""

from __future__ import annotations

import pytest

from stress import crash
from tests.databases import on_postgres


def assert_survived(verdict, *, kills: int) -> None:
    figures = verdict.figures
    assert verdict.problems == [], (verdict.problems, figures)
    assert figures["server_kills"] == kills
    assert figures["pushes"] > figures["pushes_ok"] > 0  # some pushes were cut off by the crashes
    assert figures["events_acked"] == figures["events_stored"] == figures["events_sent"] > 0
    assert figures["visits_stale_when_ready"] == 0 or figures["projections_caught_up_s"] < 30
    assert figures["verify_audit"].startswith("audit chain ok")


async def test_kill_9_during_pushes_loses_no_acknowledged_event_on_sqlite():
    verdict = await crash.run(crash.CrashPlan(db="sqlite", cycles=5, devices=4, up_s=(0.2, 1.0), seed=5))
    assert_survived(verdict, kills=5)
    assert verdict.figures["integrity_check"] == "ok"
    assert verdict.figures["http_errors"] == {}  # a crash drops connections; it never answers 5xx


@pytest.mark.postgres
@pytest.mark.skipif(not on_postgres(), reason="IVLOG_TEST_DATABASE_URL does not point at PostgreSQL")
async def test_postgres_restarts_and_server_kills_lose_nothing_and_the_server_recovers_alone():
    # The machine's PostgreSQL packages provide initdb/pg_ctl for a private cluster; without them this fails.
    verdict = await crash.run(crash.CrashPlan(db="postgres", cycles=6, devices=4, up_s=(0.3, 1.0), seed=6))
    assert_survived(verdict, kills=4)
    assert verdict.figures["pg_restarts"] == 2
    # the server was not restarted after a PostgreSQL restart, yet a push succeeded again soon after
    assert verdict.figures["recovery_after_pg_restart_s"]["max"] < 30
