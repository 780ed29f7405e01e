"""What a tablet's one-event push costs PostgreSQL in statements: each is a round trip, and each
one outside a transaction also pays the pool's acquire and release (about as much CPU as the
statement itself). Issue 19's push path is held to its count here, the statements logged by
asyncpg itself on every pooled connection."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.connection import get_connection

from sync.writer import WRITER_CONNECTION
from tests.api.test_sync_server import tolerated
from tests.databases import on_postgres

pytestmark = pytest.mark.skipif(not on_postgres(), reason="asyncpg's statements: IVLOG_TEST_DATABASE_URL is not PostgreSQL")

# asyncpg's own look-up of a type it meets for the first time on a connection (once per connection)
DRIVER_OWN = ("WITH RECURSIVE typeinfo_tree", "SELECT current_setting('jit')", "SELECT set_config('jit'")
PUSH = [
    "WITH found AS (SELECT",  # the session, its user and device, and the push's token (sync.rate)
    "BEGIN;",  # the group's transaction (sync.group)
    "SELECT * FROM device WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
    "SELECT 1 AS part, id, content_sha256, server_seq",  # the ids known, the device's numbers (sync.store.known)
    "SELECT w.nurse_id, v.id, v.patient_id",  # its authors' write scopes (Policy.read_ahead)
    "UPDATE device SET acked_through = m.acked_through",  # the devices' marks, one statement for the group
    "SELECT pg_temp.ivlog_order_head($1, $2)",  # the order lock, the log's last number, the chain's end
    'WITH logged AS (INSERT INTO "event"',  # the events and the audit entries
    "COMMIT;",
]


async def _logged(*pools) -> list[str]:
    """Every statement any pooled connection sends from now on (the requests' pool and the log
    writers', sync.writer.WRITER_CONNECTION), but the projector's (it folds and follows the log on its
    own, task `ivlog-projector`) and the driver's own type look-ups."""
    sent: list[str] = []

    def log(record) -> None:
        task = asyncio.current_task()
        query = " ".join(record.query.split())
        if (task is None or task.get_name() != "ivlog-projector") and not query.startswith(DRIVER_OWN):
            sent.append(query)

    for pool in pools:
        connections = [await pool.acquire() for _ in range(pool.get_size())]
        for connection in connections:
            connection.add_query_logger(log)
        for connection in connections:
            await pool.release(connection)
    return sent


async def test_a_one_event_push_is_one_statement_before_its_group_and_eight_in_it(tablet_ana, scheduled_visit,
                                                                                  patient_pat, projected):
    events = tolerated(scheduled_visit, patient_pat, scheduled_visit.order_id)
    assert (await tablet_ana.push(events[:1])).status_code == 200  # the tablet's device row exists
    await projected()
    sent = await _logged(get_connection("default")._pool, get_connection(WRITER_CONNECTION)._pool)
    assert (await tablet_ana.push(events[1:2])).status_code == 200
    pushed = list(sent)  # now: the projector folds later
    assert len(pushed) == len(PUSH) and all(query.startswith(start) for query, start in zip(pushed, PUSH)), pushed
