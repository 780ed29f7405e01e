"""The serial section's one statement (sync.group): number a group's events, insert them and read
the audit chain's end, under the order lock.

Everything that can be done before the lock is: `prepare` builds the rows (ids, times and payloads
encoded for the driver) while other groups are being numbered. On PostgreSQL the numbers are given
by the INSERT itself, from the last one it reads (`base`): the rows are sent as one array per
column and unnested in order, so the group's events are numbered, inserted and the chain's end read
in one round trip. The order lock is taken by a statement of its own, before: a statement sees the
database as it was when it began, so one that waited for the lock inside itself could miss the last
group's numbers. SQLite has one writer (the transaction is the lock): it reads the last number and
the chain's end in one statement and inserts the rows as `sync.store.insert_events` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sync import store

# PostgreSQL's types of store.INSERT_COLUMNS but server_seq, in that order: one array each.
_ARRAY_TYPES = {
    "id": "uuid", "organization_id": "int", "visit_id": "uuid", "device_id": "uuid", "device_seq": "bigint",
    "kind": "text", "schema": "int", "occurred_at": "timestamptz", "recorded_at": "timestamptz",
    "received_at": "timestamptz", "author_id": "int", "payload": "jsonb", "content_sha256": "text", "flags": "jsonb",
}
_SEQ = store.INSERT_COLUMNS.index("server_seq")
_BASE = "SELECT COALESCE(MAX(server_seq), 0) AS last_seq FROM event"
_NO_TRAIL = "SELECT NULL AS id WHERE 1 = 0"  # a group that audits nothing reads no chain


@dataclass
class Prepared:
    """A group's events, ready to be written: `columns` on PostgreSQL (numbered by the database)."""

    events: list[dict[str, Any]]
    columns: list[list[Any]] | None


def prepare(connection: Any, events: list[dict[str, Any]]) -> Prepared:
    """Build what the insert sends, before the order lock (PostgreSQL; SQLite's rows carry their numbers)."""
    if store.dialect(connection) != "postgres" or not events:
        return Prepared(events, None)
    rows = store.event_rows(connection, events)
    columns = [list(column) for index, column in enumerate(zip(*rows)) if index != _SEQ]
    return Prepared(events, columns)


async def number_and_insert(connection: Any, prepared: Prepared, end_query: str | None) -> tuple[int, dict[str, Any]]:
    """Insert the events numbered after the log's last number; (that last number, the chain's end
    as `end_query` selects it, its columns None for an empty chain). The caller holds the order lock."""
    head = f"SELECT base.last_seq, chain_end.* FROM base LEFT JOIN ({end_query or _NO_TRAIL}) AS chain_end ON 1 = 1"
    if prepared.columns is None:
        rows = await connection.execute_query_dict(f"WITH base AS ({_BASE}) {head}")
        last_seq = int(rows[0].pop("last_seq"))
        if prepared.events:
            for offset, event in enumerate(prepared.events, start=1):
                event["server_seq"] = last_seq + offset
            await store.insert_events(connection, prepared.events)
        return last_seq, rows[0]
    names = [name for name in store.INSERT_COLUMNS if name != "server_seq"]
    arrays = ", ".join(f"${n}::{_ARRAY_TYPES[name]}[]" for n, name in enumerate(names, start=1))
    sql = (f"WITH base AS ({_BASE}), logged AS (INSERT INTO event ({', '.join(names)}, server_seq) "
           f"SELECT {', '.join('t.' + name for name in names)}, base.last_seq + t.n "
           f"FROM base, unnest({arrays}) WITH ORDINALITY AS t({', '.join(names)}, n)) {head}")
    rows = await connection.execute_query_dict(sql, prepared.columns)
    last_seq = int(rows[0].pop("last_seq"))
    for offset, event in enumerate(prepared.events, start=1):
        event["server_seq"] = last_seq + offset
    return last_seq, rows[0]


async def chain_end(connection: Any, end_query: str) -> dict[str, Any]:
    """The chain's end alone, in the shape `number_and_insert` returns it."""
    rows = await connection.execute_query_dict(f"SELECT chain_end.* FROM (SELECT 1 AS one) AS base "
                                               f"LEFT JOIN ({end_query}) AS chain_end ON 1 = 1")
    return rows[0]
