"""A pooled PostgreSQL connection is handed to its next user without asyncpg's reset round trip
(`server.db.config.keep_session`): safe only while no code leaves session state behind. The
source is held to that rule, and on PostgreSQL every pooled connection is checked after pushes
that used a transaction-local setting and the order lock."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tortoise.connection import get_connection

from sync.writer import WRITER_CONNECTION
from tests.api.test_sync_server import tolerated
from tests.databases import on_postgres

ROOT = Path(__file__).resolve().parents[2]
SESSION_STATE = {
    "a session advisory lock": re.compile(r"pg_(try_)?advisory_lock(_shared)?\s*\(", re.I),
    "a session setting": re.compile(r"""set_config\s*\([^)]*,\s*false\s*\)|execute\w*\(\s*f?["']\s*SET\s+(?!LOCAL\b)""",
                                    re.I),
    "a listener": re.compile(r"""["']\s*LISTEN\s""", re.I),
    "a cursor": re.compile(r"\bDECLARE\s+\w+\s+(BINARY\s+)?(INSENSITIVE\s+)?(NO\s+)?(SCROLL\s+)?CURSOR", re.I),
    "a prepared statement by name": re.compile(r"""["']\s*PREPARE\s""", re.I),
}


def _sources() -> list[Path]:
    return [path for folder in ("server", "sync") for path in (ROOT / folder).rglob("*.py")
            if "migrations" not in path.parts]


def test_no_code_leaves_session_state_on_a_pooled_connection():
    found = [f"{path.relative_to(ROOT)}:{number}: {what}: {line.strip()}"
             for path in _sources() for number, line in enumerate(path.read_text().splitlines(), start=1)
             for what, pattern in SESSION_STATE.items() if pattern.search(line)]
    assert found == []


def test_the_rule_finds_what_it_forbids():
    samples = {"a session advisory lock": "SELECT pg_advisory_lock($1)",
               "a session setting": "await c.execute_query('SET statement_timeout = 0')",
               "a listener": "await c.execute('LISTEN visits')", "a cursor": "DECLARE c NO SCROLL CURSOR FOR",
               "a prepared statement by name": "execute('PREPARE q AS SELECT 1')"}
    assert {what for what, sample in samples.items() if SESSION_STATE[what].search(sample)} == set(samples)
    assert SESSION_STATE["a session setting"].search("SELECT set_config('synchronous_commit', 'off', false)")
    assert not any(pattern.search(allowed) for pattern in SESSION_STATE.values() for allowed in (
        "SELECT pg_advisory_xact_lock($1)", "execute_query('SET LOCAL lock_timeout = 1')",
        "SELECT set_config('synchronous_commit', 'off', true)", 'f"UPDATE t SET a = 1"', "set a user's password"))


@pytest.mark.skipif(not on_postgres(), reason="asyncpg's pool: IVLOG_TEST_DATABASE_URL does not point at PostgreSQL")
async def test_every_pooled_connection_is_as_fresh_after_pushes(tablet_ana, scheduled_visit, patient_pat):
    events = tolerated(scheduled_visit, patient_pat, scheduled_visit.order_id)
    for start in range(0, len(events), 4):  # each push: the rate's local setting, the order lock
        assert (await tablet_ana.push(events[start:start + 4])).status_code == 200
    for name in ("default", WRITER_CONNECTION):  # the requests' pool and the log writers'
        await _assert_fresh(get_connection(name)._pool)


async def _assert_fresh(pool) -> None:
    connections = [await pool.acquire() for _ in range(pool.get_size())]
    try:
        for connection in connections:
            state = await connection.fetchrow(
                "SELECT current_setting('synchronous_commit') AS commit_mode, "
                "(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks, "
                "(SELECT count(*) FROM pg_listening_channels()) AS channels, "
                "(SELECT count(*) FROM pg_cursors WHERE name <> '') AS cursors")
            assert dict(state) == {"commit_mode": "on", "locks": 0, "channels": 0, "cursors": 0}
            assert connection.is_in_transaction() is False
    finally:
        for connection in connections:
            await pool.release(connection)
