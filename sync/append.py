"""The serial section's statements (sync.group): on PostgreSQL, two round trips under the order lock.

1. `head`: take the order lock and read the log's last number and the audit chain's end, in one
   call of a function each connection holds (`on_connect`). One statement cannot do both: it sees
   the database as it was when it began, so one that waited for the lock inside itself would miss
   the last group's rows; a function's statements each see what was committed when they run.
2. `write`: the group's events, numbered after that last number, and its audit entries, chained
   after that end, in one INSERT statement (one array per column, unnested in order).
Then the caller commits. Everything else is done before the lock (`prepare`: the rows built, the
payloads encoded) or in memory between the two (the numbers told, the entries' hashes).

A big group (STAGE_MIN events or more: tablets back online with their outboxes) is sent before the
lock: `stage` copies its rows into the connection's `event_stage` (binary COPY, emptied at every
commit), and `write` numbers them from there inside PostgreSQL. Under the lock a 2,750-event group
then takes 15-17 ms instead of 47-57 ms (the driver encoding 15 arrays, their transfer and unnest:
measured on this machine); a small group stays one statement, as an extra round trip would cost more.

SQLite has one writer and one connection (the transaction is the lock): the same steps, in plain
statements (the events as `sync.store.insert_events` writes them, the trail by its own append).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from sync import store

ORDER_HEAD = """CREATE FUNCTION pg_temp.ivlog_order_head(key bigint, end_query text) RETURNS json
LANGUAGE plpgsql VOLATILE AS $head$
DECLARE chain_end json;
BEGIN
    PERFORM pg_advisory_xact_lock(key);
    EXECUTE 'SELECT row_to_json(chain_end) FROM (' || end_query || ') AS chain_end' INTO chain_end;
    RETURN json_build_object('last_seq', (SELECT COALESCE(MAX(server_seq), 0) FROM event), 'end', chain_end);
END
$head$"""

STAGED = """CREATE TEMPORARY TABLE event_stage (ord int NOT NULL, {columns}) ON COMMIT DELETE ROWS"""
STAGE_MIN = 200  # events in a group from which its rows are staged before the lock

_SEQ = store.INSERT_COLUMNS.index("server_seq")
# PostgreSQL's type of each of store.INSERT_COLUMNS, in that order: one array each.
_EVENT_TYPES = ("uuid", "int", "uuid", "uuid", "bigint", "text", "int", "timestamptz", "timestamptz", "timestamptz",
                "bigint", "int", "jsonb", "text", "jsonb")


class Rows(NamedTuple):
    """Rows for one table, as PostgreSQL's driver takes them: an audit trail's entries (sync.policy)."""

    table: str
    columns: tuple[str, ...]
    types: tuple[str, ...]  # PostgreSQL's type of each column
    values: list[tuple[Any, ...]]


@dataclass
class Prepared:
    """A group's events, ready to be written; on PostgreSQL as one list per column of
    store.INSERT_COLUMNS (server_seq's filled in at `write`)."""

    events: list[dict[str, Any]]
    columns: list[list[Any]]
    postgres: bool
    staged: bool = False  # its rows are in event_stage (`stage`)


async def on_connect(connection: Any) -> None:
    """Give a new PostgreSQL connection (asyncpg's) its `head` function and its staging table
    (temporary ones: no migration, nothing another connection sees)."""
    await connection.execute(ORDER_HEAD)
    await connection.execute(STAGED.format(columns=", ".join(
        f"{name} {kind}" for name, kind in zip(store.INSERT_COLUMNS, _EVENT_TYPES) if name != "server_seq")))


def prepare(connection: Any, events: list[dict[str, Any]]) -> Prepared:
    """Build what the insert sends, before the order lock (PostgreSQL; SQLite's rows carry their numbers)."""
    if store.dialect(connection) != "postgres":
        return Prepared(events, [], False)
    return Prepared(events, [list(column) for column in zip(*store.event_rows(connection, events))], True)


async def stage(connection: Any, prepared: Prepared) -> None:
    """A big group's rows into event_stage, before the lock (PostgreSQL): `write` numbers them there."""
    if not prepared.postgres or len(prepared.events) < STAGE_MIN:
        return
    kept = [column for index, column in enumerate(prepared.columns) if index != _SEQ]
    async with connection.acquire_connection() as driver:
        await driver.copy_records_to_table("event_stage", columns=_STAGE_COLUMNS,
                                           records=zip(range(len(prepared.events)), *kept))
    prepared.staged = True


async def head(connection: Any, key: int, end_query: str) -> tuple[int, dict[str, Any] | None]:
    """Take the order lock; the log's last number and the chain's end (the row `end_query` selects,
    None for an empty chain), read under it."""
    if store.dialect(connection) == "postgres":
        rows = await connection.execute_query_dict("SELECT pg_temp.ivlog_order_head($1, $2) AS head", [key, end_query])
        found = json.loads(rows[0]["head"])
        return int(found["last_seq"]), found["end"]
    last = await connection.execute_query_dict("SELECT COALESCE(MAX(server_seq), 0) AS last_seq FROM event")
    end = await connection.execute_query_dict(end_query)
    return int(last[0]["last_seq"]), end[0] if end else None


async def write(connection: Any, prepared: Prepared, first: int, trail: Rows | None) -> None:
    """Insert the events numbered from `first` on, in order, and `trail` (PostgreSQL only: on SQLite
    the trail appends itself), in one statement; a staged group's events from event_stage."""
    if not prepared.postgres:
        for number, event in enumerate(prepared.events, start=first):
            event["server_seq"] = number
        if prepared.events:
            await store.insert_events(connection, prepared.events)
        return
    named, main, params = [], None, []  # data-modifying statements sent as one: all but `main` as WITH's
    if prepared.events:
        for number, event in enumerate(prepared.events, start=first):
            event["server_seq"] = number
        if prepared.staged:  # taken out of the stage as they go in: a later flush stages afresh
            named.append("staged AS (DELETE FROM event_stage RETURNING *)")
            main = _STAGED_INSERT
            params.append(first)
        else:
            prepared.columns[_SEQ] = list(range(first, first + len(prepared.events)))
            main = _unnest("event", store.INSERT_COLUMNS, _EVENT_TYPES, 1)
            params += prepared.columns
    if trail is not None and trail.values:
        if main is not None:
            named.append(f"logged AS ({main})")
        main = _unnest(trail.table, trail.columns, trail.types, len(params) + 1)
        params += [list(column) for column in zip(*trail.values)]
    if main is not None:
        await connection.execute_query((f"WITH {', '.join(named)} " if named else "") + main, params)


def _unnest(table: str, columns: tuple[str, ...], types: tuple[str, ...], start: int) -> str:
    arrays = ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(types, start=start))
    return f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT * FROM unnest({arrays})'


_STAGE_COLUMNS = ["ord", *(name for name in store.INSERT_COLUMNS if name != "server_seq")]
_STAGED_INSERT = (f'INSERT INTO "event" ({", ".join(store.INSERT_COLUMNS)}) SELECT '
                  + ", ".join("$1::bigint + ord" if name == "server_seq" else name for name in store.INSERT_COLUMNS)
                  + " FROM staged")

NO_TRAIL = "SELECT NULL AS id WHERE 1 = 0"  # the end query of a group that audits nothing


async def chain_end(connection: Any, end_query: str) -> dict[str, Any] | None:
    """A chain's end alone (a second trail in one group: never, in practice)."""
    rows = await connection.execute_query_dict(end_query)
    return rows[0] if rows else None
